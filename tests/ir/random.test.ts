/**
 * @file The counter-based generator: Random123's known-answer vectors for Philox-4x32-10, the
 * 16-bit mulhi against BigInt, determinism, independence of streams, and loose distribution checks.
 */
import { describe, expect, test } from "vitest";
import {
  GraphBuilder,
  interpret,
  makeTensor,
  normalAt,
  philox4x32,
  uniformAt,
} from "../../src/ir/index.js";
import { mulhi32 } from "../../src/ir/random.js";
import { Rng } from "./helpers.js";

describe("philox4x32-10", () => {
  // Random123, tests/kat_vectors: counter (4 words), key (2 words) -> expected (4 words).
  const kat: [number[], number[], number[]][] = [
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ];
  test.each(kat)("known answer %#", (counter, key, expected) => {
    expect(
      philox4x32(counter as [number, number, number, number], key as [number, number]),
    ).toEqual(expected);
  });

  test("mulhi32 from 16-bit halves equals the 64-bit product's high word", () => {
    const rng = new Rng(99);
    const edge = [0, 1, 0xffff, 0x10000, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    const values = [
      ...edge,
      ...Array.from({ length: 200 }, () => Math.floor(rng.next() * 2 ** 32)),
    ];
    for (const a of values) {
      for (const b of values.slice(0, 20)) {
        expect(mulhi32(a, b), `${a} * ${b}`).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }
    }
  });
});

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / xs.length };
}

describe("random ops", () => {
  const n = 20000;

  test("a value is a pure function of (seed, stream, index)", () => {
    const b = new GraphBuilder();
    const u = b.randomUniform([n], 42, 3);
    const once = interpret(b.build({ u }), {}).get(u)!.data;
    const again = interpret(b.build({ u }), {}, { precision: "f64" }).get(u)!.data;
    expect(Array.from(once)).toEqual(Array.from(again));
    expect(once[1234]).toBe(uniformAt(42, 3, 1234));
    expect(uniformAt(42, 4, 1234)).not.toBe(uniformAt(42, 3, 1234));
    expect(uniformAt(43, 3, 1234)).not.toBe(uniformAt(42, 3, 1234));
  });

  test("uniform values lie in [0, 1) with mean 1/2 and variance 1/12", () => {
    const xs = Float64Array.from({ length: n }, (_, i) => uniformAt(7, 0, i));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.005);
    const buckets = new Array(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]++;
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(n / 50);
  });

  test("normal values have mean 0, variance 1 and about 68% within one sigma", () => {
    const xs = Float64Array.from({ length: n }, (_, i) => normalAt(11, 2, i));
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
    const within = xs.filter((x) => Math.abs(x) < 1).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.015);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  test("a step operand is the second counter word: each step draws afresh, reproducibly", () => {
    const b = new GraphBuilder();
    const u = b.randomUniform([64], 42, 3, b.input("@step", [], "i32"));
    const g = b.build({ u });
    const at = (step: number) =>
      Array.from(interpret(g, { "@step": makeTensor([], "i32", [step]) }).get(u)!.data);
    expect(at(5)).toEqual(at(5));
    expect(at(5)).not.toEqual(at(6));
    expect(at(5)[17]).toBe(uniformAt(42, 3, 17, 5));
    expect(at(0)[17]).toBe(uniformAt(42, 3, 17));
    expect(() => b.randomUniform([2], 1, 0, b.input("x", [2]))).toThrow(/scalar i32/);
  });

  test("the same random node is interned; a different stream is a different node", () => {
    const b = new GraphBuilder();
    expect(b.randomNormal([4], 1, 0)).toBe(b.randomNormal([4], 1, 0));
    expect(b.randomNormal([4], 1, 1)).not.toBe(b.randomNormal([4], 1, 0));
  });
});
