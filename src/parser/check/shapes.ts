/**
 * @file Shape helpers for the checker: printing shapes, broadcasting with diagnostics that name
 * both shapes and point at where each conflicting dimension got its value.
 */
import type { DiagnosticInit, Span } from "../../diag/diagnostic.js";
import { dimEq, dimToString, dimValue, type Dim } from "./dims.js";
import type { DType, Tensor } from "./values.js";

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map(dimToString).join(", ")}]`;
}

export function formatType(dtype: DType, shape: readonly Dim[]): string {
  return (dtype === "f32" ? "" : dtype) + formatShape(shape);
}

export interface Operand {
  readonly t: Tensor;
  readonly span: Span;
}

/** Secondary labels saying where a dimension came from, skipping ones that repeat a span. */
export function originLabels(
  items: readonly { origin: Span; dim: Dim }[],
  taken: readonly Span[],
): { span: Span; message: string }[] {
  const out: { span: Span; message: string }[] = [];
  const seen = [...taken];
  for (const { origin, dim } of items) {
    if (
      seen.some((s) => s.file === origin.file && s.start === origin.start && s.end === origin.end)
    )
      continue;
    seen.push(origin);
    out.push({ span: origin, message: `${dimToString(dim)} comes from here` });
  }
  return out;
}

export type Broadcast =
  { ok: true; shape: Dim[]; origins: Span[] } | { ok: false; diagnostic: DiagnosticInit };

/** NumPy broadcasting of several operands: align on the right; sizes must match or be 1. */
export function broadcastShapes(operands: readonly Operand[], what: string, at: Span): Broadcast {
  const rank = Math.max(0, ...operands.map((o) => o.t.shape.length));
  const shape: Dim[] = [];
  const origins: Span[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim | undefined;
    let origin: Span | undefined;
    let from: Operand | undefined;
    for (const o of operands) {
      const k = o.t.shape.length - rank + i;
      if (k < 0) continue;
      const d = o.t.shape[k]!;
      if (dimValue(d) === 1) {
        if (dim === undefined) {
          dim = d;
          origin = o.t.origins[k]!;
        }
        continue;
      }
      if (dim === undefined || dimValue(dim) === 1) {
        dim = d;
        origin = o.t.origins[k]!;
        from = o;
        continue;
      }
      if (!dimEq(dim, d)) {
        const a = from!;
        const ka = a.t.shape.length - rank + i;
        return {
          ok: false,
          diagnostic: {
            code: "G0402",
            message: `${what}: shapes ${formatShape(a.t.shape)} and ${formatShape(o.t.shape)} cannot broadcast`,
            span: o.span,
            label: `has shape ${formatShape(o.t.shape)}`,
            secondary: [
              { span: a.span, message: `has shape ${formatShape(a.t.shape)}` },
              ...originLabels(
                [
                  { origin: a.t.origins[ka]!, dim: dim },
                  { origin: o.t.origins[k]!, dim: d },
                ],
                [a.span, o.span, at],
              ),
            ],
            notes: [
              `dimension ${i - rank} is ${dimToString(dim)} on one side and ${dimToString(d)} on the other; sizes must be equal or 1`,
            ],
          },
        };
      }
    }
    shape.push(dim!);
    origins.push(origin!);
  }
  return { ok: true, shape, origins };
}
