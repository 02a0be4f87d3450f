/**
 * @file Which backend `grove train`, `eval` and `predict` run on without `--backend`: the
 * environment variable GROVE_BACKEND when it is set, else the automatic rule: `gpu` on a WebGPU
 * adapter that is not a CPU driver; otherwise `onnx` when onnxruntime-node loads (on this 2-core
 * machine with lavapipe it trains every example and benchmark 1.8-12.8x as fast as `gpu`:
 * docs/cli.md, "Which backend"); otherwise `gpu` on the CPU driver; without any adapter, `cpu`.
 * The rule is a pure function of what was found (`chooseBackend`), so it is tested with adapter
 * infos of lavapipe, SwiftShader and discrete GPUs; src/cli/load.ts probes and opens.
 */
import { adapterName, cpuDriverOf, type AdapterInfoLike } from "../runtime/adapter-kind.js";
import type { BackendName } from "./load.js";

export const backendNames: readonly BackendName[] = ["gpu", "cpu", "onnx"];

/** What the automatic rule looks at. */
export interface BackendProbe {
  /** The WebGPU adapter's info; undefined when there is no adapter. */
  readonly adapter?: AdapterInfoLike;
  /** Whether onnxruntime-node loads. */
  readonly onnx: boolean;
}

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why, for the line the command prints: `no GPU adapter: lavapipe is a CPU driver; ...`. */
  readonly reason: string;
}

/** The automatic rule (see the file comment). */
export function chooseBackend(probe: BackendProbe): BackendChoice {
  const { adapter, onnx } = probe;
  const driver = adapter && cpuDriverOf(adapter);
  if (adapter && !driver) return { backend: "gpu", reason: `GPU adapter ${adapterName(adapter)}` };
  const why = driver ? `no GPU adapter: ${driver} is a CPU driver` : "no WebGPU adapter";
  if (onnx) return { backend: "onnx", reason: driver ? `${why}; --backend gpu to force` : why };
  if (adapter) return { backend: "gpu", reason: `${why}, and onnxruntime-node is not installed` };
  return { backend: "cpu", reason: `${why}, and onnxruntime-node is not installed` };
}

/**
 * GROVE_BACKEND from `env`: a backend name, undefined when unset or empty, or a message for a
 * value that names none.
 */
export function backendFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): BackendName | undefined | { readonly problem: string } {
  const value = env.GROVE_BACKEND;
  if (value === undefined || value === "") return undefined;
  if ((backendNames as readonly string[]).includes(value)) return value as BackendName;
  return {
    problem: `GROVE_BACKEND=${JSON.stringify(value)} names no backend (gpu, cpu or onnx)`,
  };
}
