/**
 * @file Host-side values for a Plan: parameter initialisation from the seed (every initializer
 * the language has, drawn with the same counter-based generator as the IR, so a run is
 * reproducible anywhere) and placeholder inputs for profiling.
 */
import { InternalError } from "../diag/diagnostic.js";
import { normalAt, uniformAt } from "../ir/random.js";
import type { Plan, PlanParam } from "../codegen/plan.js";

/** Fan-in and fan-out as the language reference defines them. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** The initial values of one parameter; `stream` separates parameters drawn from one seed. */
export function initialValues(p: PlanParam, seed: number, stream: number): Float32Array {
  const n = p.shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  const [fanIn, fanOut] = fans(p.shape);
  const a = p.init.args;
  const uniform = (low: number, high: number) => {
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * uniformAt(seed, stream, i);
  };
  const normal = (mean: number, std: number) => {
    for (let i = 0; i < n; i++) out[i] = mean + std * normalAt(seed, stream, i);
  };
  switch (p.init.name) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "constant":
      out.fill(a.value ?? 0);
      break;
    case "normal":
      normal(a.mean ?? 0, a.std ?? 1);
      break;
    case "uniform":
      uniform(a.low ?? -0.05, a.high ?? 0.05);
      break;
    case "glorot_uniform": {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      uniform(-limit, limit);
      break;
    }
    case "glorot_normal":
      normal(0, Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case "he_uniform": {
      const limit = Math.sqrt(6 / fanIn);
      uniform(-limit, limit);
      break;
    }
    case "he_normal":
      normal(0, Math.sqrt(2 / fanIn));
      break;
    default:
      throw new InternalError(`unknown initializer ${p.init.name}`);
  }
  return out;
}

interface ParamSink {
  writeParam(name: string, data: Float32Array | Int32Array): void;
}

interface InputSink {
  writeInput(name: string, data: Float32Array | Int32Array): void;
}

/** Writes every parameter's and state's initial values, and zeros to every optimizer moment. */
export function initialiseParams(runner: ParamSink, plan: Plan, seed: number): void {
  plan.params.forEach((p, k) => runner.writeParam(p.name, initialValues(p, seed, 0x10000 + k)));
  plan.modelState?.forEach((s, k) =>
    runner.writeParam(s.name, initialValues(s, seed, 0x20000 + k)),
  );
  for (const s of plan.state)
    runner.writeParam(s.name, new Float32Array(s.shape.reduce((a, d) => a * d, 1)));
}

/** Inputs for profiling and smoke tests: uniform floats in [0, 1) and zero ids. */
export function randomInputs(runner: InputSink, plan: Plan, seed: number): void {
  plan.inputs.forEach((t, k) => {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (t.dtype === "i32") runner.writeInput(t.name, new Int32Array(n));
    else
      runner.writeInput(
        t.name,
        Float32Array.from({ length: n }, (_, i) => uniformAt(seed, k, i)),
      );
  });
}
