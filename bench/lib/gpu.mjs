/**
 * @file One Dawn instance per benchmark process, exposed as `navigator.gpu` so that every library
 * (Grove, TF.js, jax-js) finds the same adapter, with counters wrapped around the WebGPU calls
 * that matter before any library loads: dispatches, submits, and live / peak buffer bytes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Counters shared by the whole process; `reset` starts a new measurement window. */
export const counters = {
  dispatches: 0,
  submits: 0,
  liveBytes: 0,
  peakBytes: 0,
  reset() {
    this.dispatches = 0;
    this.submits = 0;
  },
};

let gpu;

/** Creates the Dawn `GPU`, installs the WebGPU globals and `navigator`, and wraps the counters. */
export async function setupGpu() {
  if (gpu) return gpu;
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), "grove-bench-xdg-"));
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  gpu = create([]);
  // jax-js reads navigator.userAgent (a Firefox check); TF.js and jax-js read navigator.gpu.
  Object.defineProperty(globalThis, "navigator", {
    value: { gpu, userAgent: `Node.js/${process.versions.node}` },
    configurable: true,
    writable: true,
  });

  const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
  GPUComputePassEncoder.prototype.dispatchWorkgroups = function (...args) {
    counters.dispatches++;
    return dispatch.apply(this, args);
  };
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (...args) {
    counters.submits++;
    return submit.apply(this, args);
  };
  const sizes = new WeakMap();
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (descriptor) {
    const buffer = createBuffer.call(this, descriptor);
    sizes.set(buffer, descriptor.size);
    counters.liveBytes += descriptor.size;
    counters.peakBytes = Math.max(counters.peakBytes, counters.liveBytes);
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    const size = sizes.get(this);
    if (size !== undefined) {
      counters.liveBytes -= size;
      sizes.delete(this);
    }
    return destroy.call(this);
  };
  return gpu;
}

/** The adapter's description, for the results file. */
export async function adapterInfo() {
  const adapter = await (await setupGpu()).requestAdapter();
  const info = adapter?.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description]
    .filter((s) => s)
    .join(" / ");
}
