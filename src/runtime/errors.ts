/**
 * @file The runtime's error types: no adapter, a lost device, and a GPU error raised while a plan
 * ran. Compiler bugs (bad WGSL, a malformed Plan) are `InternalError`s from src/diag instead.
 */
import { UserError } from "../diag/diagnostic.js";

const noAdapterMessages = {
  node:
    "no WebGPU adapter found. Grove needs a Vulkan driver: on Debian install libvulkan1 and " +
    "mesa-vulkan-drivers from bookworm-backports (`bash scripts/setup.sh` does this), or run on " +
    "a machine with a GPU. Without one, `--backend cpu` trains on the CPU through the " +
    "reference interpreter: slower, the same results up to float32 rounding.",
  browser:
    "no WebGPU adapter found. This browser has WebGPU but no usable GPU adapter: enable hardware " +
    "acceleration, or run on a machine with a GPU.",
  "no-webgpu":
    "no WebGPU found: this environment has no `navigator.gpu`. Use a browser with WebGPU " +
    "(Chrome 113+, Edge, Safari 26) or Node with the `webgpu` package.",
};

/** No WebGPU adapter: the machine lacks a Vulkan driver (or a GPU), or the browser lacks WebGPU. */
export class NoAdapterError extends UserError {
  constructor(where: "node" | "browser" | "no-webgpu") {
    super(noAdapterMessages[where]);
    this.name = "NoAdapterError";
  }
}

/** The device was lost (driver crash, reset, or destroyed while work was in flight). */
export class DeviceLostError extends Error {
  constructor(reason: string, detail: string) {
    super(
      `the WebGPU device was lost (${reason}): ${detail || "no detail given"}. ` +
        "Results after this point are unreliable; acquire a new device and create the runner again.",
    );
    this.name = "DeviceLostError";
  }
}

/**
 * A GPU error nobody captured while the runtime was running a plan. `validation` means a bug in
 * Grove (the plan or the runtime asked for something invalid); `out-of-memory` means the plan does
 * not fit on this device.
 */
export class GpuError extends Error {
  constructor(
    readonly kind: "validation" | "out-of-memory" | "internal",
    detail: string,
  ) {
    const what =
      kind === "out-of-memory"
        ? "the GPU ran out of memory"
        : kind === "validation"
          ? "internal compiler error: the GPU rejected a command Grove issued"
          : "the GPU reported an internal error";
    super(`${what}: ${detail.trim()}`);
    this.name = "GpuError";
  }

  static from(error: GPUError, context?: string): GpuError {
    const kind =
      error instanceof GPUOutOfMemoryError
        ? "out-of-memory"
        : error instanceof GPUValidationError
          ? "validation"
          : "internal";
    return new GpuError(kind, context ? `${context}: ${error.message}` : error.message);
  }
}
