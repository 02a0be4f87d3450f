/**
 * @file The runtime's public API: acquire a WebGPU device, then create a `PlanRunner` for a Plan.
 */
export { acquireDevice } from "./device.js";
export type { AcquireOptions, GroveDevice } from "./device.js";
export { DeviceLostError, GpuError, NoAdapterError } from "./errors.js";
export { PipelineCache } from "./pipelines.js";
export type { DispatchTime } from "./profile.js";
export { PlanRunner } from "./runner.js";
export type { HostArray } from "./runner.js";
