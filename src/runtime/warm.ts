/**
 * @file Parallel pipeline warm-up for drivers that compile a pipeline at its first dispatch.
 *
 * Mesa's lavapipe (llvmpipe) compiles each compute pipeline with LLVM when it is first
 * dispatched, on the device's queue thread, one pipeline after another: a cold first training step
 * is mostly compilation on one core. Before a program's first run, `warmPipelines` spreads its
 * kernels over the device and sibling devices (one per spare core, kept until the device is
 * closed), each on its own queue thread, and dispatches each kernel once (one workgroup, scratch
 * buffers) so that it is compiled. The device keeps what it compiled itself; what the siblings compiled reaches it through
 * Mesa's on-disk shader cache, which llvmpipe consults before compiling. While it waits, the
 * thread sleeps instead of spinning (`settleQuietly`): Dawn's Node binding polls for finished work
 * in a `setImmediate` loop, which would take a whole core from the compilers.
 */
import type { PlanKernel } from "../codegen/plan.js";
import { PipelineCache } from "./pipelines.js";

/** Makes another device like `device` (same features and limits, its own queue). */
export type SiblingFactory = () => Promise<GPUDevice | undefined>;

const factories = new WeakMap<GPUDevice, SiblingFactory>();
const made = new WeakMap<GPUDevice, GPUDevice[]>();

/** Registers how to make devices like `device`; `acquireDevice` does this for its devices. */
export function registerSiblings(device: GPUDevice, make: SiblingFactory): void {
  factories.set(device, make);
}

/**
 * Destroys the siblings made for `device`; its owner calls this when it destroys `device`.
 * Siblings live as long as their device: Dawn's Node binding can crash when a device is
 * destroyed while another Dawn instance of the process is being collected, so they are made once
 * and reused rather than made and destroyed per warm-up.
 */
export function releaseSiblings(device: GPUDevice): void {
  for (const d of made.get(device) ?? []) d.destroy();
  made.delete(device);
}

/** Up to `n` siblings of `device`, made on first need and kept. */
async function siblingsOf(device: GPUDevice, n: number): Promise<GPUDevice[]> {
  const have = made.get(device) ?? [];
  made.set(device, have);
  const make = factories.get(device);
  while (make && have.length < n) {
    const d = await make().catch(() => undefined);
    if (!d) break;
    have.push(d);
  }
  return have.slice(0, n);
}

/** Kernels already dispatched once on a device, by their pipeline-cache key. */
const warmed = new WeakMap<GPUDevice, Set<string>>();

/** The driver compiles at first dispatch, serially: Mesa's CPU drivers (lavapipe, llvmpipe). */
export function compilesAtFirstDispatch(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  return /llvmpipe|lavapipe/i.test(`${info.device} ${info.description} ${info.architecture}`);
}

/** How many compilers to use: one per core, at most one per kernel; one outside Node. */
async function compilerCount(kernels: number): Promise<number> {
  if (!isNode() || process.env.MESA_SHADER_CACHE_DISABLE) return 1;
  const { availableParallelism } = await import("node:os");
  return Math.max(1, Math.min(availableParallelism(), kernels));
}

/** What a warm-up did: how many kernels it compiled, on how many devices (itself included). */
export interface WarmReport {
  readonly kernels: number;
  readonly compilers: number;
}

/**
 * Compiles `kernels` on `device` before their first real dispatch, in parallel on sibling devices
 * when the driver compiles at first dispatch and more than one core is free; kernels warmed before
 * on this device are skipped. With `background` the thread is not put to sleep while it waits.
 * Best effort: a kernel that fails here fails again, with its diagnostic, when the runner
 * compiles it.
 */
export async function warmPipelines(
  device: GPUDevice,
  kernels: readonly PlanKernel[],
  options: { readonly background?: boolean } = {},
): Promise<WarmReport> {
  if (!compilesAtFirstDispatch(device.adapterInfo)) return { kernels: 0, compilers: 0 };
  const done = warmed.get(device) ?? new Set<string>();
  warmed.set(device, done);
  const cold = [...new Map(kernels.map((k) => [PipelineCache.key(k), k])).entries()]
    .filter(([key]) => !done.has(key))
    .map(([, k]) => k);
  if (cold.length === 0) return { kernels: 0, compilers: 0 };
  const devices = [device, ...(await siblingsOf(device, (await compilerCount(cold.length)) - 1))];
  const shares = balance(cold, devices.length);
  const all = Promise.all(devices.map((d, i) => dispatchOnce(d, shares[i]!).catch(() => {})));
  // In the background the caller goes on (and waits quietly itself, if it waits).
  await (options.background ? all : settleQuietly(all));
  for (const k of cold) done.add(PipelineCache.key(k));
  return { kernels: cold.length, compilers: devices.length };
}

/** Splits kernels into `n` shares of about equal compile time (WGSL length), largest first. */
function balance(kernels: readonly PlanKernel[], n: number): PlanKernel[][] {
  const shares: PlanKernel[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const k of [...kernels].sort((a, b) => b.wgsl.length - a.wgsl.length)) {
    const i = load.indexOf(Math.min(...load));
    shares[i]!.push(k);
    load[i] += k.wgsl.length;
  }
  return shares;
}

/** Dispatches each kernel once, one workgroup over scratch buffers, and waits for the queue. */
async function dispatchOnce(device: GPUDevice, kernels: readonly PlanKernel[]): Promise<void> {
  if (kernels.length === 0) return;
  const cache = PipelineCache.for(device);
  const pipelines = await Promise.allSettled(kernels.map((k) => cache.pipeline(k)));
  // Distinct scratch buffers per binding slot: one dispatch may not bind a buffer twice when
  // one of the bindings is writable. Out-of-range accesses are clamped by Dawn's robustness.
  const slots = Math.max(...kernels.map((k) => k.bindings.length));
  const scratch = Array.from({ length: slots }, (_, i) =>
    device.createBuffer({
      label: `grove.warm.scratch${i}`,
      size: 256,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM,
    }),
  );
  device.pushErrorScope("validation");
  const encoder = device.createCommandEncoder({ label: "grove.warm" });
  const pass = encoder.beginComputePass({ label: "grove.warm" });
  kernels.forEach((kernel, i) => {
    const made = pipelines[i]!;
    if (made.status === "rejected") return;
    pass.setPipeline(made.value);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        label: `grove.warm:${kernel.name}`,
        layout: cache.layout(kernel.bindings),
        entries: kernel.bindings.map((_, b) => ({ binding: b, resource: { buffer: scratch[b]! } })),
      }),
    );
    pass.dispatchWorkgroups(1);
  });
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.popErrorScope();
  await device.queue.onSubmittedWorkDone();
  for (const b of scratch) b.destroy();
}

const sleeper =
  typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4)) : undefined;

/**
 * Awaits `promise` while letting Dawn's event polling run only every `sleepMs`: in Node the
 * thread sleeps in `Atomics.wait` between polls instead of spinning. Elsewhere a plain await.
 */
export async function settleQuietly<T>(promise: Promise<T>, sleepMs = 2): Promise<T> {
  if (!isNode() || !sleeper) return promise;
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  // A promise that has already settled marks itself before this continuation runs: no sleep.
  await undefined;
  while (!settled) {
    Atomics.wait(sleeper, 0, 0, sleepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return promise;
}

function isNode(): boolean {
  return typeof process !== "undefined" && !!process.versions?.node;
}
