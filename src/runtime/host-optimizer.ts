/**
 * @file The optimizer update on the host, for the CPU backend: every optimizer the WGSL update
 * kernel (src/codegen/optimizer.ts) supports, with the same hyper-parameter defaults, the same
 * uniforms and moments, and the same float32 operations in the same order (each result rounded
 * with `Math.fround`, as the kernel rounds each f32 operation), so both backends take the same
 * steps up to the GPU's own rounding. Gradient clipping by global norm is here too.
 */
import { InternalError, UsageError } from "../diag/diagnostic.js";
import type { OptimizerSpec, StepUniforms } from "../codegen/optimizer.js";

const f = Math.fround;

/**
 * The per-step scalars the update reads, as the uniform buffer holds them (rounded to f32 here);
 * `stepScalars` (`src/codegen/optimizer.ts`) computes them for a step.
 */
export type StepScalars = Pick<StepUniforms, "lr" | "bc1" | "bc2">;

export interface HostOptimizer {
  readonly name: string;
  /** The moments it keeps per parameter, as the Plan names them (`m` in `m:l1.w`), in order. */
  readonly moments: readonly string[];
  /**
   * Updates `p` in place from the gradient `g` scaled by `gradScale` (the clipping factor; 1 when
   * not clipping), reading and writing `state[moment]` (each laid out like `p`).
   */
  update(
    p: Float32Array,
    g: ArrayLike<number>,
    state: Readonly<Record<string, Float32Array>>,
    u: StepScalars,
    gradScale?: number,
  ): void;
}

const num = (args: Readonly<Record<string, unknown>>, k: string, d: number): number =>
  typeof args[k] === "number" ? (args[k] as number) : d;

type ElementUpdate = (
  p: Float32Array,
  g: Float32Array,
  s: Readonly<Record<string, Float32Array>>,
  lr: number,
  bc1: number,
  bc2: number,
) => void;

/** One update over all elements: `g` is already scaled and rounded to f32. */
function rule(spec: OptimizerSpec): { moments: string[]; apply: ElementUpdate } {
  const a = spec.args;
  const wd = f(num(a, "weight_decay", spec.name === "adamw" ? 0.01 : 0));
  switch (spec.name) {
    case "sgd": {
      const mu = f(num(a, "momentum", 0));
      const nesterov = a.nesterov === true;
      // WGSL: let gd = g + wd * p;  (just g without weight decay)
      const decay = (g: number, p: number) => (wd ? f(g + f(wd * p)) : g);
      if (mu === 0)
        return {
          moments: [],
          apply: (p, g, _s, lr) => {
            for (let i = 0; i < p.length; i++) p[i] = f(p[i]! - f(lr * decay(g[i]!, p[i]!)));
          },
        };
      return {
        moments: ["m"],
        apply: (p, g, s, lr) => {
          const ms = s.m!;
          for (let i = 0; i < p.length; i++) {
            const gd = decay(g[i]!, p[i]!);
            const m = f(f(mu * ms[i]!) + gd);
            ms[i] = m;
            p[i] = f(p[i]! - f(lr * (nesterov ? f(gd + f(mu * m)) : m)));
          }
        },
      };
    }
    case "adam":
    case "adamw": {
      const b1 = f(num(a, "beta1", 0.9));
      const b2 = f(num(a, "beta2", 0.999));
      const c1 = f(1 - num(a, "beta1", 0.9));
      const c2 = f(1 - num(a, "beta2", 0.999));
      const eps = f(num(a, "eps", 1e-8));
      const coupled = spec.name === "adam" && wd !== 0;
      const decoupled = spec.name === "adamw" && wd !== 0;
      return {
        moments: ["m", "v"],
        apply: (p, g, s, lr, bc1, bc2) => {
          const [ms, vs] = [s.m!, s.v!];
          const lrWd = f(lr * wd);
          for (let i = 0; i < p.length; i++) {
            let pi = p[i]!;
            const gd = coupled ? f(g[i]! + f(wd * pi)) : g[i]!;
            const m = f(f(b1 * ms[i]!) + f(c1 * gd));
            const v = f(f(b2 * vs[i]!) + f(f(c2 * gd) * gd));
            ms[i] = m;
            vs[i] = v;
            // WGSL: p = p - u.lr * wd * p;  then  p = p - u.lr * (m / u.bc1) / (sqrt(v / u.bc2) + eps);
            if (decoupled) pi = f(pi - f(lrWd * pi));
            p[i] = f(pi - f(f(lr * f(m / bc1)) / f(f(Math.sqrt(f(v / bc2))) + eps)));
          }
        },
      };
    }
    case "rmsprop": {
      const alpha = f(num(a, "alpha", 0.99));
      const c = f(1 - num(a, "alpha", 0.99));
      const eps = f(num(a, "eps", 1e-8));
      const mu = f(num(a, "momentum", 0));
      return {
        moments: mu === 0 ? ["v"] : ["m", "v"],
        apply: (p, g, s, lr) => {
          const vs = s.v!;
          const ms = s.m;
          for (let i = 0; i < p.length; i++) {
            const gd = wd ? f(g[i]! + f(wd * p[i]!)) : g[i]!;
            const v = f(f(alpha * vs[i]!) + f(f(c * gd) * gd));
            vs[i] = v;
            const root = f(f(Math.sqrt(v)) + eps);
            if (mu === 0) {
              // WGSL: p = p - u.lr * gd / (sqrt(v) + eps);
              p[i] = f(p[i]! - f(f(lr * gd) / root));
            } else {
              const m = f(f(mu * ms![i]!) + f(gd / root));
              ms![i] = m;
              p[i] = f(p[i]! - f(lr * m));
            }
          }
        },
      };
    }
    default:
      throw new InternalError(`no update rule for optimizer ${spec.name}`);
  }
}

/** The host update for `spec` (the train section's `optimizer`). */
export function hostOptimizer(spec: OptimizerSpec): HostOptimizer {
  const { moments, apply } = rule(spec);
  let scratch = new Float32Array(0);
  return {
    name: spec.name,
    moments,
    update(p, g, state, u, gradScale = 1) {
      if (g.length !== p.length)
        throw new UsageError(`gradient has ${g.length} values for a parameter of ${p.length}`);
      for (const m of moments)
        if (state[m]?.length !== p.length)
          throw new UsageError(`moment ${m} must hold ${p.length} values like its parameter`);
      if (scratch.length < p.length) scratch = new Float32Array(p.length);
      const gs = scratch.subarray(0, p.length);
      // WGSL: let g = a_grads[i] * scale;  (a_grads[i] when not clipping; x * 1 is exact)
      const scale = f(gradScale);
      for (let i = 0; i < p.length; i++) gs[i] = g[i]! * scale;
      apply(p, gs, state, f(u.lr), f(u.bc1), f(u.bc2));
    },
  };
}

/** The global L2 norm of every gradient together, accumulated in float64, rounded to f32. */
export function globalNorm(grads: Iterable<ArrayLike<number>>): number {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  return f(Math.sqrt(sq));
}

/** The clipping factor of the update kernel: `select(1.0, clip / norm, clip > 0 && norm > clip)`. */
export function clipScale(norm: number, clip: number): number {
  const [n, c] = [f(norm), f(clip)];
  return c > 0 && n > c ? f(c / n) : 1;
}
