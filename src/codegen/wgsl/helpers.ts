/**
 * @file WGSL helper functions that kernels pull in only when used: numerically careful tanh,
 * erf, pow with negative bases, sigmoid, and the Philox-4x32-10 generator that reproduces the
 * interpreter's random numbers bit for bit (see src/ir/random.ts).
 */

export const helperSources: Readonly<Record<string, string>> = {
  // A function call is not a constant expression, so NaN and infinity survive compilation.
  g_bits: `fn g_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}`,
  g_tanh: `fn g_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}`,
  g_sigmoid: `fn g_sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}`,
  // Abramowitz and Stegun 7.1.26 has 1.5e-7 absolute error, about f32's resolution near 1.
  g_erf: `fn g_erf(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return sign(x) * y;
}`,
  // WGSL's pow is undefined for a negative base; integer exponents keep their sign rules, and
  // a fractional exponent gives NaN (sqrt of the negative base).
  g_pow: `fn g_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  if (b != round(b)) { return sqrt(a); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}`,
  g_mulhi: `fn g_mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}`,
  g_philox: `fn g_philox(i: u32, step: u32, seed: u32, stream: u32) -> vec2<u32> {
  var c0 = i;
  var c1 = step;
  var c2 = 0u;
  var c3 = 0u;
  var k0 = seed;
  var k1 = stream;
  for (var r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = k0 + 0x9e3779b9u;
      k1 = k1 + 0xbb67ae85u;
    }
    let hi0 = g_mulhi(0xd2511f53u, c0);
    let lo0 = 0xd2511f53u * c0;
    let hi1 = g_mulhi(0xcd9e8d57u, c2);
    let lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return vec2<u32>(c0, c1);
}`,
  g_uniform: `fn g_uniform(i: u32, step: u32, seed: u32, stream: u32) -> f32 {
  return f32(g_philox(i, step, seed, stream).x >> 8u) * 5.9604644775390625e-8;
}`,
  g_normal: `fn g_normal(i: u32, step: u32, seed: u32, stream: u32) -> f32 {
  let w = g_philox(i, step, seed, stream);
  let u1 = f32((w.x >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(w.y >> 8u) * 5.9604644775390625e-8;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}`,
};

/** Helpers that others call. */
const requires: Readonly<Record<string, readonly string[]>> = {
  g_philox: ["g_mulhi"],
  g_uniform: ["g_philox"],
  g_normal: ["g_philox"],
};

/** The source of the given helpers and what they need, in dependency order. */
export function helperCode(names: Iterable<string>): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const r of requires[n] ?? []) add(r);
    out.push(helperSources[n]!);
  };
  for (const n of [...names].sort()) add(n);
  return out.join("\n\n");
}
