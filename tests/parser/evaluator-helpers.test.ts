/**
 * @file Unit tests for two of the evaluator's helpers through the narrow interface they take, with
 * a recording `Reporter` in place of the evaluator: dimension expressions and forward input types
 * (src/parser/check/type-match.ts), and the depth, recursion and copy limits
 * (src/parser/check/budget.ts).
 */
import { describe, expect, it } from "vitest";
import type { DiagnosticInit, Span } from "../../src/diag/diagnostic.js";
import type * as A from "../../src/parser/ast.js";
import { limits } from "../../src/parser/limits.js";
import { Budget } from "../../src/parser/check/budget.js";
import {
  dimAdd,
  dimConst,
  dimEq,
  dimMul,
  dimSym,
  dimToString,
  type Dim,
} from "../../src/parser/check/dims.js";
import type { Reporter } from "../../src/parser/check/sink.js";
import { evalDim, matchType } from "../../src/parser/check/type-match.js";
import { poison, Scope, type Tensor } from "../../src/parser/check/values.js";

/** A `Reporter` that keeps what it was given. */
function recorder(): Reporter & { readonly seen: DiagnosticInit[] } {
  const seen: DiagnosticInit[] = [];
  return {
    seen,
    report: (init) => {
      seen.push(init);
      return poison;
    },
    reporting: () => true,
  };
}

let offset = 0;
const at = (): Span => ({ file: "t.grove", start: offset, end: ++offset });
const num = (value: number): A.DimExpr => ({ kind: "int", value, span: at() });
const name = (n: string): A.DimExpr => ({ kind: "dim-name", name: n, span: at() });
const bin = (op: "+" | "-" | "*" | "/", left: A.DimExpr, right: A.DimExpr): A.DimExpr => ({
  kind: "dim-binary",
  op,
  left,
  right,
  span: at(),
});
const dots: A.DimExpr = { kind: "ellipsis", span: at() };

function scopeWith(values: Record<string, Dim>): Scope {
  const scope = new Scope();
  for (const [n, dim] of Object.entries(values)) scope.set(n, { kind: "int", dim, origin: at() });
  return scope;
}

function tensor(shape: readonly number[]): Tensor {
  return { node: 0, dtype: "f32", shape: shape.map(dimConst), origins: shape.map(at) };
}

describe("type-match: dimension expressions", () => {
  it("folds arithmetic over names in scope, symbols included", () => {
    const r = recorder();
    const scope = scopeWith({ n: dimSym("n"), heads: dimConst(4) });
    const v = evalDim(r, bin("/", bin("*", name("n"), num(8)), name("heads")), scope);
    expect(v && dimEq(v.dim, dimMul(dimConst(2), dimSym("n")))).toBe(true);
    expect(r.seen).toEqual([]);
  });

  it("reports a division that is not whole (G0410) and an unknown name with a suggestion (G0203)", () => {
    const r = recorder();
    const scope = scopeWith({ dim: dimConst(8) });
    expect(evalDim(r, bin("/", name("dim"), num(3)), scope)).toBeUndefined();
    expect(evalDim(r, name("dmi"), scope)).toBeUndefined();
    expect(r.seen.map((d) => [d.code, d.message, d.help])).toEqual([
      ["G0410", "8 is not divisible by 3", undefined],
      ["G0203", "unknown dimension `dmi`", "did you mean `dim`?"],
    ]);
  });

  it("lets `bind` give an unknown name a value instead of reporting it", () => {
    const r = recorder();
    const v = evalDim(r, bin("+", name("T"), num(1)), new Scope(), (n, span) => ({
      kind: "int",
      dim: dimSym(n),
      origin: span,
    }));
    expect(v && dimEq(v.dim, dimAdd(dimSym("T"), dimConst(1)))).toBe(true);
    expect(r.seen).toEqual([]);
  });
});

describe("type-match: forward input types", () => {
  it("binds new names, captures `...`, and reports a dimension that differs (G0404)", () => {
    const r = recorder();
    const outer = scopeWith({ d: dimConst(10) });
    const scope = new Scope(outer);
    const type = (dims: A.DimExpr[]): A.TypeExpr => ({ dims, span: at() });
    const captured = matchType(
      r,
      type([dots, name("k"), name("d")]),
      tensor([2, 3, 5, 10]),
      at(),
      scope,
      outer,
      "`f`",
    );
    expect(captured && captured.dims.map(dimToString)).toEqual(["2", "3"]);
    expect(scope.get("k")).toMatchObject({ kind: "int", dim: dimConst(5) });
    expect(r.seen).toEqual([]);
    expect(matchType(r, type([name("d")]), tensor([7]), at(), new Scope(outer), outer, "`f`")).toBe(
      false,
    );
    expect(r.seen.map((d) => [d.code, d.message])).toEqual([
      ["G0404", "`f` expects [10] but got [7]"],
    ]);
  });
});

describe("budget", () => {
  const decl = { name: { name: "f", span: at() } } as A.FnDecl;

  it("refuses a function that is already open (G0705) until its call closes", () => {
    const r = recorder();
    const b = new Budget(r);
    expect(b.openCall(at(), decl)).toBe(true);
    expect(b.openCall(at(), decl)).toBe(false);
    expect(r.seen.map((d) => d.code)).toEqual(["G0705"]);
    b.closeCall();
    expect(b.openCall(at(), decl)).toBe(true);
    expect(b.callSites).toHaveLength(1);
  });

  it("reports expressions nested too deeply once (G0706), and again after unwinding", () => {
    const r = recorder();
    const b = new Budget(r);
    for (let i = 0; i < limits.evalDepth; i++) expect(b.descend(at())).toBe(true);
    expect(b.descend(at())).toBe(false);
    expect(b.descend(at())).toBe(false);
    expect(r.seen.map((d) => d.code)).toEqual(["G0706"]);
    for (let i = 0; i < limits.evalDepth; i++) b.ascend();
    expect(b.descend(at())).toBe(true);
    b.ascend();
    for (let i = 0; i <= limits.evalDepth; i++) b.descend(at());
    expect(r.seen.map((d) => d.code)).toEqual(["G0706", "G0706"]);
  });

  it("counts an inlined call as two levels of expression depth", () => {
    const b = new Budget(recorder());
    expect(b.openCall(at())).toBe(true);
    for (let i = 0; i < limits.evalDepth - 2; i++) expect(b.descend(at())).toBe(true);
    expect(b.descend(at())).toBe(false);
  });

  it("counts copies over the whole model (G0412 past limits.copies)", () => {
    const r = recorder();
    const b = new Budget(r);
    expect(b.takeCopies(limits.copies, at())).toBe(true);
    expect(b.takeCopies(1, at())).toBe(false);
    expect(r.seen.map((d) => [d.code, d.label])).toEqual([
      ["G0412", `${limits.copies + 1} copies in all so far`],
    ]);
  });
});
