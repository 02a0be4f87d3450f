/**
 * @file Deterministic permutations: a Fisher–Yates shuffle driven by the counter-based generator,
 * so an order depends only on the seed and the stream.
 */
import { uniformAt } from "../../ir/random.js";

/** A permutation of 0..n-1 from `seed` and `stream`. */
export function permutation(n: number, seed: number, stream: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(uniformAt(seed, stream, i) * (i + 1)));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
