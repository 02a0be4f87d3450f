/**
 * @file Unit tests for symbolic dimensions (src/parser/check/dims.ts) and "did you mean"
 * suggestions (src/parser/check/suggest.ts).
 */
import { describe, expect, it } from "vitest";
import {
  dimAdd,
  dimConst,
  dimDiv,
  dimEq,
  dimMul,
  dimNeg,
  dimProduct,
  dimSub,
  dimSubstitute,
  dimSym,
  dimToString,
  dimValue,
  type Dim,
} from "../../src/parser/check/dims.js";
import { closest, didYouMean, editDistance } from "../../src/parser/check/suggest.js";

const N = dimSym("N");
const T = dimSym("T");
const B = dimSym("B");
const c = dimConst;
const s = dimToString;

describe("dims", () => {
  it("prints constants, symbols and polynomials with symbols first", () => {
    expect(s(c(0))).toBe("0");
    expect(s(c(784))).toBe("784");
    expect(s(c(-3))).toBe("-3");
    expect(s(N)).toBe("N");
    expect(s(dimAdd(c(1), N))).toBe("N + 1");
    expect(s(dimSub(N, c(1)))).toBe("N - 1");
    expect(s(dimMul(c(4), T))).toBe("4 * T");
    expect(s(dimMul(T, B))).toBe("B * T");
    expect(s(dimNeg(N))).toBe("-N");
    expect(s(dimSub(c(2), dimMul(c(3), N)))).toBe("-3 * N + 2");
    expect(s(dimMul(N, N))).toBe("N * N");
  });

  it("adds and multiplies canonically", () => {
    expect(dimEq(dimAdd(N, T), dimAdd(T, N))).toBe(true);
    expect(dimEq(dimMul(N, T), dimMul(T, N))).toBe(true);
    expect(dimEq(dimAdd(N, N), dimMul(c(2), N))).toBe(true);
    expect(dimEq(dimSub(N, N), c(0))).toBe(true);
    expect(dimEq(dimMul(dimAdd(N, c(1)), c(2)), dimAdd(dimMul(c(2), N), c(2)))).toBe(true);
    expect(dimEq(N, T)).toBe(false);
    expect(dimEq(N, dimAdd(N, c(0)))).toBe(true);
    expect(s(dimMul(dimAdd(N, c(1)), dimAdd(N, c(-1))))).toBe("N * N - 1");
  });

  it("divides exactly or not at all", () => {
    const d = (a: Dim, b: Dim) => {
      const q = dimDiv(a, b);
      return q && s(q);
    };
    expect(d(c(12), c(4))).toBe("3");
    expect(d(c(12), c(5))).toBeUndefined();
    expect(d(dimMul(c(64), T), c(4))).toBe("16 * T");
    expect(d(dimMul(B, T), T)).toBe("B");
    expect(d(dimAdd(dimMul(c(2), N), c(4)), c(2))).toBe("N + 2");
    expect(d(dimAdd(dimMul(c(2), N), c(3)), c(2))).toBeUndefined();
    expect(d(N, T)).toBeUndefined();
    expect(d(c(8), c(0))).toBeUndefined();
    expect(d(dimAdd(N, c(1)), dimAdd(N, c(1)))).toBe("1");
    expect(d(dimAdd(N, c(2)), dimAdd(N, c(1)))).toBeUndefined();
  });

  it("knows when a dimension is a number", () => {
    expect(dimValue(c(7))).toBe(7);
    expect(dimValue(c(0))).toBe(0);
    expect(dimValue(dimSub(N, N))).toBe(0);
    expect(dimValue(N)).toBeUndefined();
    expect(dimValue(dimAdd(N, c(1)))).toBeUndefined();
  });

  it("multiplies lists and substitutes symbols", () => {
    expect(s(dimProduct([]))).toBe("1");
    expect(s(dimProduct([N, c(28), c(28)]))).toBe("784 * N");
    const env = (name: string) => (name === "T" ? c(64) : undefined);
    expect(s(dimSubstitute(dimAdd(dimMul(B, T), T), env))).toBe("64 * B + 64");
    expect(dimValue(dimSubstitute(dimMul(c(2), T), env))).toBe(128);
  });
});

describe("suggest", () => {
  it("computes case-insensitive edit distance", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("relu", "relu")).toBe(0);
    expect(editDistance("Relu", "relu")).toBe(0);
    expect(editDistance("relu", "")).toBe(4);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("epoch", "epochs")).toBe(1);
    expect(editDistance("abc", "acb")).toBe(1); // an adjacent swap is one edit
    expect(editDistance("rleu", "relu")).toBe(1);
  });

  it("picks the closest name within a limit that grows with length", () => {
    expect(closest("epoch", ["data", "epochs", "seed"])).toBe("epochs");
    expect(closest("l3", ["l1", "l2"])).toBe("l1");
    expect(closest("x", ["y"])).toBe("y");
    expect(closest("weight_decai", ["weight_decay", "lr"])).toBe("weight_decay");
    expect(closest("zzzz", ["relu", "gelu"])).toBeUndefined();
    expect(closest("relu", ["relu"])).toBeUndefined();
    expect(closest("glorot_unifrom", ["glorot_uniform", "glorot_normal"])).toBe("glorot_uniform");
  });

  it("prefers the first of equally close names", () => {
    expect(closest("l3", ["l2", "l1"])).toBe("l2");
  });

  it("computes a bounded distance exactly up to the bound, limit + 1 beyond it", () => {
    const pairs: [string, string][] = [
      ["kitten", "sitting"],
      ["abc", "acb"],
      ["relu", ""],
      ["weight_decai", "weight_decay"],
      ["abcdef", "fedcba"],
    ];
    for (const [a, b] of pairs)
      for (let limit = 0; limit <= 7; limit++) {
        const exact = editDistance(a, b);
        expect(editDistance(a, b, limit), `${a} ${b} ${limit}`).toBe(Math.min(exact, limit + 1));
      }
  });

  it("answers at once for names far longer than any candidate, or over 64 characters", () => {
    const long = "a".repeat(300_000);
    const start = performance.now();
    expect(closest(long, ["a", "ab", "relu"])).toBeUndefined();
    expect(closest(long, [long + "b"])).toBeUndefined();
    expect(editDistance(long, "relu", 3)).toBe(4);
    expect(performance.now() - start).toBeLessThan(100);
    expect(closest("x".repeat(64) + "y", ["x".repeat(64) + "z"])).toBeUndefined();
    expect(closest("x".repeat(63) + "y", ["x".repeat(63) + "z"])).toBe("x".repeat(63) + "z");
  });

  it("phrases the suggestion", () => {
    expect(didYouMean("epoch", ["epochs"])).toBe("did you mean `epochs`?");
    expect(didYouMean("qqq", ["epochs"])).toBeUndefined();
  });
});
