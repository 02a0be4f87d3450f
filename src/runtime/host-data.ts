/**
 * @file Host-side values for a Plan: parameter initialisation from the seed (every initializer
 * the language has, drawn with the same counter-based generator as the IR, so a run is
 * reproducible anywhere) and placeholder inputs for profiling.
 */
import { InternalError } from "../diag/diagnostic.js";
import { normalAt, uniformAt } from "../ir/random.js";
import { isInitializerName, type InitArgs, type InitializerName } from "../ops/initializers.js";
import type { Plan, PlanParam } from "../codegen/plan.js";

/** Fan-in and fan-out as the language reference defines them. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** What an initializer's row draws with: the output, its fans and the seeded generators. */
interface Drawing {
  readonly out: Float32Array;
  readonly fanIn: number;
  readonly fanOut: number;
  uniform(low: number, high: number): void;
  normal(mean: number, std: number): void;
}

/** How each initializer fills a parameter, from its bound arguments (`ops/initializers.ts`). */
const initRules: {
  readonly [N in InitializerName]: (args: InitArgs<N>, d: Drawing) => void;
} = {
  zeros: () => {},
  ones: (_, d) => d.out.fill(1),
  constant: (a, d) => d.out.fill(a.value),
  normal: (a, d) => d.normal(a.mean, a.std),
  uniform: (a, d) => d.uniform(a.low, a.high),
  glorot_uniform: (_, d) => {
    const limit = Math.sqrt(6 / (d.fanIn + d.fanOut));
    d.uniform(-limit, limit);
  },
  glorot_normal: (_, d) => d.normal(0, Math.sqrt(2 / (d.fanIn + d.fanOut))),
  he_uniform: (_, d) => {
    const limit = Math.sqrt(6 / d.fanIn);
    d.uniform(-limit, limit);
  },
  he_normal: (_, d) => d.normal(0, Math.sqrt(2 / d.fanIn)),
};

/** The initial values of one parameter; `stream` separates parameters drawn from one seed. */
export function initialValues(p: PlanParam, seed: number, stream: number): Float32Array {
  const n = p.shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  const [fanIn, fanOut] = fans(p.shape);
  const { name, args } = p.init;
  if (!isInitializerName(name)) throw new InternalError(`unknown initializer ${name}`);
  // The checker bound `args` against the same record the row's type comes from.
  const rule = initRules[name] as (a: Readonly<Record<string, number>>, d: Drawing) => void;
  rule(args, {
    out,
    fanIn,
    fanOut,
    uniform: (low, high) => {
      for (let i = 0; i < n; i++) out[i] = low + (high - low) * uniformAt(seed, stream, i);
    },
    normal: (mean, std) => {
      for (let i = 0; i < n; i++) out[i] = mean + std * normalAt(seed, stream, i);
    },
  });
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
