/**
 * @file Shared test helpers: a seeded PRNG (every failure message prints its seed), random
 * tensors, and a finite-difference gradient checker built on the reference interpreter.
 */
import { expect } from "vitest";
import {
  differentiate,
  GraphBuilder,
  interpret,
  sizeOf,
  verify,
  type Graph,
  type Node,
  type Tensor,
} from "../../src/ir/index.js";
import type { Shape } from "../../src/ops/ops.js";

/** mulberry32: a tiny, well-known 32-bit seeded generator (test inputs only). */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  shape(rank: number, lo = 1, hi = 4): number[] {
    return Array.from({ length: rank }, () => this.int(lo, hi));
  }
  values(shape: Shape, lo = -1, hi = 1): Float64Array {
    return Float64Array.from({ length: sizeOf(shape) }, () => this.uniform(lo, hi));
  }
  /** Values with |v| in [lo, hi] and a random sign: away from kinks at 0. */
  awayFromZero(shape: Shape, lo = 0.2, hi = 1.5): Float64Array {
    return Float64Array.from(
      { length: sizeOf(shape) },
      () => (this.next() < 0.5 ? -1 : 1) * this.uniform(lo, hi),
    );
  }
}

export type Values = Record<string, ArrayLike<number>>;

/**
 * A differentiable test case: `build` makes y from the named f32 inputs (and may add i32 inputs
 * of its own); the checker differentiates L = sum(y * v) for a random cotangent v.
 */
export interface VjpCase {
  readonly name: string;
  readonly graph: Graph;
  readonly y: Node;
  /** Names of the inputs to differentiate with respect to. */
  readonly wrt: readonly string[];
  readonly values: Values;
}

/** Builds L = sum(y * v) around y and returns the gradients of L at `values`, next to finite differences. */
export function checkVjp(c: VjpCase, seed: number, rtol = 1e-6): void {
  const rng = new Rng(seed ^ 0x5eed);
  const b = GraphBuilder.extend(c.graph);
  const v = b.input("__cotangent", c.y.shape);
  const loss = b.sum(b.mul(c.y, v));
  const graph = verify(b.build({ loss }));
  const wrt = c.wrt.map((name) => graph.inputs.get(name)!);
  const { graph: full, grads } = differentiate(graph, loss, wrt);
  verify(full);
  const values: Values = { ...c.values, __cotangent: rng.values(c.y.shape) };
  const analytic = interpret(full, values, { precision: "f64", nodes: grads });
  const lossAt = (vals: Values) => interpret(graph, vals, { precision: "f64" }).get(loss)!.data[0]!;
  c.wrt.forEach((name, k) => {
    const got = analytic.get(grads[k]!)!.data;
    const numeric = finiteDifferences(lossAt, values, name);
    for (let i = 0; i < numeric.length; i++) {
      const err = Math.abs(got[i]! - numeric[i]!);
      const scale = Math.max(1e-3, Math.abs(got[i]!), Math.abs(numeric[i]!));
      if (!(err <= rtol * scale)) {
        expect.fail(
          `${c.name} (seed ${seed}): d/d${name}[${i}] = ${got[i]} but finite differences give ${numeric[i]}`,
        );
      }
    }
  });
}

/** Central differences of a scalar function w.r.t. each element of one named input. */
export function finiteDifferences(
  f: (v: Values) => number,
  values: Values,
  name: string,
  h = 1e-5,
): Float64Array {
  const base = Float64Array.from(values[name]!);
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const x = Float64Array.from(base);
    x[i] = base[i]! + h;
    const fp = f({ ...values, [name]: x });
    x[i] = base[i]! - h;
    const fm = f({ ...values, [name]: x });
    out[i] = (fp - fm) / (2 * h);
  }
  return out;
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}
