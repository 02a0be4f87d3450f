/**
 * @file What a builtin rule is: its parameters and an `apply` that checks the arguments, reports
 * user mistakes through the evaluator's context and records trace nodes. The rule files next to
 * this one fill in the table that `index.ts` assembles.
 */
import type { DiagnosticInit, Span } from "../../../diag/diagnostic.js";
import type { Dim } from "../dims.js";
import type { DType, Tensor, TraceAttrs, TraceOp, Value } from "../values.js";

export interface ArgV {
  readonly value: Value;
  readonly span: Span;
}

export interface CallInfo {
  readonly span: Span;
  readonly calleeSpan: Span;
  readonly name: string;
}

/** What a rule may ask of the evaluator. */
export interface Ctx {
  report(init: DiagnosticInit): Value;
  /** Records a trace node of op `P` and gives its tensor (or reports a shape out of range). */
  emit<P extends TraceOp>(
    op: P,
    inputs: readonly Tensor[],
    attrs: TraceAttrs[P],
    dtype: DType,
    shape: readonly Dim[],
    origins: readonly Span[],
    span: Span,
  ): Value;
  tensorOf(a: ArgV, what: string, dtype?: DType): Tensor | undefined;
  /** Calls a function, layer, stack or builtin value inline, as `callee(args)` would. */
  invoke(callee: Value, args: readonly ArgV[], span: Span, calleeSpan: Span): Value;
  /** Runs `fn` with a note and a label added to every diagnostic it raises. */
  within<T>(context: { note: string; span: Span; label: string }, fn: () => T): T;
  /** Counts `n` more steps unrolled by `scan`; reports G0412 beyond `limits.steps` in all. */
  takeSteps(n: number, span: Span): boolean;
}

export type Args = ReadonlyMap<string, ArgV>;

export interface BuiltinRule {
  readonly params: readonly {
    readonly name: string;
    readonly required: boolean;
  }[];
  apply(c: Ctx, a: Args, call: CallInfo): Value;
}

export const req = (name: string) => ({ name, required: true });
export const opt = (name: string) => ({ name, required: false });
