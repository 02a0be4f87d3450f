/**
 * @file Whether a WebGPU adapter is a CPU driver: a software implementation that runs the
 * kernels on the host's cores (Mesa's lavapipe, which Dawn reports by its llvmpipe device, and
 * softpipe; Google's SwiftShader, Chromium's adapter without a GPU; Microsoft's WARP). Decided
 * from what the adapter reports (`GPUAdapterInfo`): its vendor, architecture, device and
 * description strings, and `isFallbackAdapter`, which Dawn sets for lavapipe and Chromium for
 * SwiftShader. `grove train` uses it to prefer a CPU backend on such an adapter.
 */

/** The fields of `GPUAdapterInfo` the decision reads (all optional: older engines lack some). */
export interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** Known CPU drivers by a pattern of the adapter's strings, with the name to show. */
const cpuDrivers: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: "lavapipe", pattern: /lavapipe|llvmpipe/i },
  { name: "SwiftShader", pattern: /swiftshader/i },
  { name: "softpipe", pattern: /softpipe/i },
  { name: "WARP", pattern: /\bwarp\b|basic render driver/i },
];

/**
 * The name of the CPU driver behind an adapter (`lavapipe`, `SwiftShader`, ...), or undefined for
 * a GPU. An unknown adapter that calls itself a fallback adapter is a CPU driver too, named by
 * its description.
 */
export function cpuDriverOf(info: AdapterInfoLike): string | undefined {
  const text = [info.vendor, info.architecture, info.device, info.description].join(" ");
  const known = cpuDrivers.find((d) => d.pattern.test(text));
  if (known) return known.name;
  if (info.isFallbackAdapter) return info.description || info.device || "a fallback adapter";
  return undefined;
}

/** An adapter's name for a message: its description, else vendor and device. */
export function adapterName(info: AdapterInfoLike): string {
  return info.description || [info.vendor, info.device].filter(Boolean).join(" ") || "unnamed";
}
