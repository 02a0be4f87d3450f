/**
 * @file The runtime's public API: acquire a WebGPU device, then create a `PlanRunner` for a Plan;
 * or, without a GPU, a `CpuRunner` (the reference interpreter). Both are `StepRunner`s.
 */
export { acquireDevice } from "./device.js";
export type { AcquireOptions, GroveDevice } from "./device.js";
export { DeviceLostError, GpuError, NoAdapterError } from "./errors.js";
export { PipelineCache } from "./pipelines.js";
export type { DispatchTime } from "./profile.js";
export { PlanRunner } from "./runner.js";
export { planOptionsFor, useSubgroups } from "./check-plan.js";
export type { DevicePlanOptions } from "./check-plan.js";
export { CpuRunner } from "./cpu-runner.js";
export { clipScale, globalNorm, hostOptimizer } from "./host-optimizer.js";
export type { HostOptimizer, StepScalars } from "./host-optimizer.js";
export type { HostArray, StepPlan, StepProgram, StepRunner } from "./step-runner.js";
