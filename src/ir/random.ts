/**
 * @file The counter-based random generator behind `random_uniform` and `random_normal`.
 *
 * Algorithm: Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011; the same generator as Random123, cuRAND, JAX and PyTorch). Element `i` of a tensor
 * drawn with attributes (seed, stream) and counter word `c` (the training step when the draw
 * takes the `@step` input, else 0) is
 *
 *     [x0, x1, x2, x3] = philox4x32_10(counter = [i, c, 0, 0], key = [seed, stream])
 *
 * so every value is a pure function of (seed, stream, step, element index) and any element can be
 * computed independently, in any order, by any GPU thread. Only 32-bit unsigned arithmetic is
 * used: `Math.imul` for the low word of a product, a 16-bit split for the high word, `>>> 0` to
 * stay in u32. The same steps in WGSL on `u32` give bit-identical words.
 *
 *   uniform: u = (x0 >> 8) * 2^-24, exactly representable in f32, in [0, 1).
 *   normal:  Box-Muller on two words, u1 = ((x0 >> 8) + 1) * 2^-24 in (0, 1],
 *            u2 = (x1 >> 8) * 2^-24, z = sqrt(-2 ln u1) * cos(2 pi u2).
 *            (log and cos are not bit-exact across backends; the uniform words are.)
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two u32, from 16-bit halves (no 64-bit types). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox-4x32 with 10 rounds. All values are u32 numbers. */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

const TWO_POW_MINUS_24 = 1 / 16777216;

/** Element `index` of `random_uniform` with the given key: a float in [0, 1). */
export function uniformAt(seed: number, stream: number, index: number, counter = 0): number {
  const [x0] = philox4x32([index >>> 0, counter >>> 0, 0, 0], [seed >>> 0, stream >>> 0]);
  return (x0 >>> 8) * TWO_POW_MINUS_24;
}

/** Element `index` of `random_normal` with the given key: a standard normal sample. */
export function normalAt(seed: number, stream: number, index: number, counter = 0): number {
  const [x0, x1] = philox4x32([index >>> 0, counter >>> 0, 0, 0], [seed >>> 0, stream >>> 0]);
  const u1 = ((x0 >>> 8) + 1) * TWO_POW_MINUS_24;
  const u2 = (x1 >>> 8) * TWO_POW_MINUS_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * `random_uniform`'s elements 0 .. out.length - 1 into `out`, each what `uniformAt` gives it: the
 * same Philox rounds without the arrays `philox4x32` makes, about twice as fast, for a backend that
 * draws whole tensors on the host every step (`--backend onnx`'s dropout masks).
 */
export function uniformInto(out: Float32Array, seed: number, stream: number, counter = 0): void {
  for (let i = 0; i < out.length; i++) {
    let c0 = i >>> 0;
    let c1 = counter >>> 0;
    let c2 = 0;
    let c3 = 0;
    let k0 = seed >>> 0;
    let k1 = stream >>> 0;
    for (let round = 0; round < 10; round++) {
      if (round > 0) {
        k0 = (k0 + W0) >>> 0;
        k1 = (k1 + W1) >>> 0;
      }
      const hi0 = mulhi32(M0, c0);
      const lo0 = Math.imul(M0, c0) >>> 0;
      const hi1 = mulhi32(M1, c2);
      const lo1 = Math.imul(M1, c2) >>> 0;
      const x0 = (hi1 ^ c1 ^ k0) >>> 0;
      const x2 = (hi0 ^ c3 ^ k1) >>> 0;
      c0 = x0;
      c1 = lo1;
      c2 = x2;
      c3 = lo0;
    }
    out[i] = (c0 >>> 8) * TWO_POW_MINUS_24;
  }
}
