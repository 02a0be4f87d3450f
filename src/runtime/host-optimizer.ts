/**
 * @file The optimizer update on the host, for the CPU backend: one row per optimizer in
 * `updateRules`, as the WGSL update kernel (src/codegen/optimizer.ts) has, from the same bound
 * arguments with the same uniforms and moments (src/ops/optimizers.ts), and the same float32
 * operations in the same order (each result rounded with `Math.fround`, as the kernel rounds each
 * f32 operation), so both backends take the same steps up to the GPU's own rounding. Gradient
 * clipping by global norm is here too.
 */
import { UsageError } from "../diag/diagnostic.js";
import type { StepUniforms } from "../codegen/optimizer.js";
import {
  optimizerMoments,
  optimizerRow,
  type OptimizerArgs,
  type OptimizerRows,
  type OptimizerSpec,
} from "../ops/optimizers.js";

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

type ElementUpdate = (
  p: Float32Array,
  g: Float32Array,
  s: Readonly<Record<string, Float32Array>>,
  lr: number,
  bc1: number,
  bc2: number,
) => void;

/** `g + wd * p` rounded as the WGSL rounds it; just `g` without weight decay. */
const decayed = (wd: number) => (g: number, p: number) => (wd ? f(g + f(wd * p)) : g);

/**
 * Each optimizer's update over all elements (`g` already scaled and rounded to f32), keeping the
 * moments `optimizerMoments` gives.
 */
const updateRules: OptimizerRows<ElementUpdate> = {
  sgd: (a) => {
    const [mu, decay] = [f(a.momentum), decayed(f(a.weight_decay))];
    // WGSL: let gd = g + wd * p;  (just g without weight decay)
    if (mu === 0)
      return (p, g, _s, lr) => {
        for (let i = 0; i < p.length; i++) p[i] = f(p[i]! - f(lr * decay(g[i]!, p[i]!)));
      };
    return (p, g, s, lr) => {
      const ms = s.m!;
      for (let i = 0; i < p.length; i++) {
        const gd = decay(g[i]!, p[i]!);
        const m = f(f(mu * ms[i]!) + gd);
        ms[i] = m;
        p[i] = f(p[i]! - f(lr * (a.nesterov ? f(gd + f(mu * m)) : m)));
      }
    };
  },
  adam: (a) => adam(a, a.weight_decay, 0),
  adamw: (a) => adam(a, 0, a.weight_decay),
  rmsprop: (a) => {
    const [alpha, c, eps, mu] = [f(a.alpha), f(1 - a.alpha), f(a.eps), f(a.momentum)];
    const decay = decayed(f(a.weight_decay));
    return (p, g, s, lr) => {
      const vs = s.v!;
      const ms = s.m;
      for (let i = 0; i < p.length; i++) {
        const gd = decay(g[i]!, p[i]!);
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
    };
  },
};

/** Adam's update with weight decay `coupled` (added to the gradient) or `decoupled` (adamw). */
function adam(a: OptimizerArgs<"adam">, coupled: number, decoupled: number): ElementUpdate {
  const [b1, b2, c1, c2] = [f(a.beta1), f(a.beta2), f(1 - a.beta1), f(1 - a.beta2)];
  const [eps, wdIn, wdOut] = [f(a.eps), f(coupled), f(decoupled)];
  return (p, g, s, lr, bc1, bc2) => {
    const [ms, vs] = [s.m!, s.v!];
    const lrWd = f(lr * wdOut);
    for (let i = 0; i < p.length; i++) {
      let pi = p[i]!;
      const gd = wdIn !== 0 ? f(g[i]! + f(wdIn * pi)) : g[i]!;
      const m = f(f(b1 * ms[i]!) + f(c1 * gd));
      const v = f(f(b2 * vs[i]!) + f(f(c2 * gd) * gd));
      ms[i] = m;
      vs[i] = v;
      // WGSL: p = p - u.lr * wd * p;  then  p = p - u.lr * (m / u.bc1) / (sqrt(v / u.bc2) + eps);
      if (wdOut !== 0) pi = f(pi - f(lrWd * pi));
      p[i] = f(pi - f(f(lr * f(m / bc1)) / f(f(Math.sqrt(f(v / bc2))) + eps)));
    }
  };
}

/** The host update for `spec` (the train section's `optimizer`). */
export function hostOptimizer(spec: OptimizerSpec): HostOptimizer {
  const moments = optimizerMoments(spec);
  const apply = optimizerRow(updateRules, spec);
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
