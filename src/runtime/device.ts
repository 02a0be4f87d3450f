/**
 * @file Acquiring a WebGPU device: Dawn's `webgpu` package in Node, `navigator.gpu` in a browser.
 * Raises the limits a compiled plan needs to the adapter's maxima and turns on `timestamp-query`
 * where the adapter has it.
 */
import { NoAdapterError } from "./errors.js";
import { registerSiblings, releaseSiblings } from "./warm.js";

export interface AcquireOptions {
  /** Use this `GPU` instead of `navigator.gpu` or Dawn. */
  readonly gpu?: GPU;
  /** Options for Dawn's `create()` in Node, e.g. `["backend=vulkan"]`. */
  readonly dawnOptions?: readonly string[];
  readonly powerPreference?: GPUPowerPreference;
  /** Request `timestamp-query` when the adapter has it (default true). */
  readonly timestampQuery?: boolean;
}

export interface GroveDevice {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  /** The features the device was created with. */
  readonly features: ReadonlySet<string>;
  /** Destroys the device (and its warm-up siblings) so Node can exit. Idempotent. */
  close(): void;
}

/** Limits raised to the adapter's maxima: plans bind many storage buffers and large tensors. */
const raisedLimits = [
  "maxStorageBuffersPerShaderStage",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
] as const;

/**
 * One Dawn instance per set of options for the whole process, never dropped: Dawn's Node binding
 * can crash (SIGSEGV or abort) when the garbage collector frees an instance while another is in
 * use, as happened when every CLI command in the test process made and dropped its own. Destroyed
 * devices do not keep Node's event loop alive.
 */
const dawnInstances = new Map<string, GPU>();

export async function acquireDevice(options: AcquireOptions = {}): Promise<GroveDevice> {
  const given = options.gpu ?? browserGpu();
  const where = given ? "browser" : isNode() ? "node" : "no-webgpu";
  const gpu = given ?? (await dawnGpu(options.dawnOptions ?? []));
  if (!gpu) throw new NoAdapterError(where);
  const adapterOptions = options.powerPreference
    ? { powerPreference: options.powerPreference }
    : {};
  const adapter = await gpu.requestAdapter(adapterOptions);
  if (!adapter) throw new NoAdapterError(where);

  const requiredLimits: Record<string, number> = {};
  for (const name of raisedLimits) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = [];
  if (options.timestampQuery !== false && adapter.features.has("timestamp-query")) {
    requiredFeatures.push("timestamp-query");
  }
  // Plans compiled with `subgroups: true` need it (faster matrix products).
  if (adapter.features.has("subgroups")) requiredFeatures.push("subgroups");
  const descriptor = { requiredLimits, requiredFeatures };
  const device = await adapter.requestDevice({ label: "grove", ...descriptor });
  // Pipeline warm-up compiles on sibling devices (warm.ts); an adapter makes one device only.
  registerSiblings(device, async () => {
    const sibling = await gpu.requestAdapter(adapterOptions);
    return sibling?.requestDevice({ label: "grove.compiler", ...descriptor });
  });
  let closed = false;
  return {
    device,
    adapter,
    features: new Set(device.features),
    close() {
      if (closed) return;
      closed = true;
      releaseSiblings(device);
      device.destroy();
    },
  };
}

function isNode(): boolean {
  return typeof process !== "undefined" && !!process.versions?.node;
}

function browserGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

async function dawnGpu(dawnOptions: readonly string[]): Promise<GPU | undefined> {
  if (!isNode()) return undefined;
  // Dawn warns when XDG_RUNTIME_DIR is unset; any private folder silences it.
  if (!process.env.XDG_RUNTIME_DIR) {
    const [{ mkdtempSync }, { tmpdir }, { join }] = await Promise.all([
      import("node:fs"),
      import("node:os"),
      import("node:path"),
    ]);
    process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), "grove-xdg-"));
  }
  const key = dawnOptions.join("\n");
  let gpu = dawnInstances.get(key);
  if (!gpu) {
    const { create, globals } = await import("webgpu");
    if (dawnInstances.size === 0) Object.assign(globalThis, globals);
    gpu = create([...dawnOptions]);
    dawnInstances.set(key, gpu);
  }
  return gpu;
}
