/**
 * @file Recurrence: `(ys, h) = scan(xs, cell, h0)` applies a cell (a function or a layer) along
 * one axis of `xs`, carrying a state from step to step. The checker unrolls it: step t slices
 * `xs` at t, calls the cell inline on that slice and the state, and the per-step outputs (each
 * step's new state, its first tensor when there are several) are stacked back along the axis.
 * The cell's parameters are its own, so every step shares them. A diagnostic raised inside the
 * cell says at which step.
 */
import type { Span } from "../../diag/diagnostic.js";
import type { ArgV, BuiltinRule, CallInfo, Ctx } from "./builtins/rule.js";
import { dimConst, dimEq, dimToString, dimValue } from "./dims.js";
import { limits } from "../limits.js";
import { shown } from "./ranges.js";
import { formatType } from "./shapes.js";
import { describeKind, poison, type Tensor, type Value } from "./values.js";

const usage = "`(hs, h) = scan(xs, cell, h0)`";

/** The parts of a `scan` call, once checked. */
interface Scan {
  readonly cell: ArgV;
  readonly xs: Tensor;
  readonly xsArg: ArgV;
  /** The state's tensors: one, or several when `init` is a tuple. */
  readonly init: readonly Tensor[];
  readonly initArg: ArgV;
  readonly axis: number;
  readonly steps: number;
  readonly reverse: boolean;
}

export const scanRule: BuiltinRule = {
  params: [
    { name: "xs", required: true },
    { name: "cell", required: true },
    { name: "init", required: true },
    { name: "axis", required: false },
    { name: "reverse", required: false },
  ],
  apply(c, a, call) {
    const s = checkScan(c, a, call);
    return s ? unroll(c, s, call) : poison;
  },
};

/** Checks the arguments: a callable cell, a tensor with a known length along the axis, a state. */
function checkScan(c: Ctx, a: ReadonlyMap<string, ArgV>, call: CallInfo): Scan | undefined {
  const xsArg = a.get("xs")!;
  const xs = tensorArg(c, xsArg, "the sequence `xs`");
  const cell = a.get("cell")!;
  const callable = isCallable(c, cell);
  const initArg = a.get("init")!;
  const init = stateOf(c, initArg);
  if (!xs || !callable || !init) return undefined;
  const axis = axisArg(c, a.get("axis"), xsArg, xs);
  const reverse = boolArg(c, a.get("reverse"));
  if (axis === undefined || reverse === undefined) return undefined;
  const steps = stepCount(c, xs, axis, xsArg);
  if (steps === undefined || !c.takeSteps(steps, call.span)) return undefined;
  return { cell, xs, xsArg, init, initArg, axis, steps, reverse };
}

/** The cell must be something a call can run: a function, a layer, a stack or a builtin. */
function isCallable(c: Ctx, cell: ArgV): boolean {
  const k = cell.value.kind;
  if (k === "fn" || k === "instance" || k === "stack" || k === "builtin") return true;
  c.report({
    code: "G0708",
    message: `\`scan\` applies a function or a layer at each step, but its cell is ${describeKind(cell.value)}`,
    span: cell.span,
    label: `this is ${describeKind(cell.value)}`,
    help:
      cell.value.kind === "block"
        ? `bind the block to a name first (\`cell = ${cell.value.decl.name.name}(...)\`) so its parameters have names, then write ${usage}`
        : `give a function or a layer instance, as in ${usage}`,
  });
  return false;
}

function tensorArg(c: Ctx, a: ArgV, what: string): Tensor | undefined {
  if (a.value.kind === "tensor" && a.value.t.shape.length > 0) return a.value.t;
  c.report({
    code: "G0403",
    message: `\`scan\` needs ${what} to be a tensor of rank 1 or more, but this is ${a.value.kind === "tensor" ? "a scalar" : describeKind(a.value)}`,
    span: a.span,
    label: "the steps are taken along one of its axes",
  });
  return undefined;
}

/** The initial state: a tensor, or a tuple (or list) of tensors. */
function stateOf(c: Ctx, a: ArgV): Tensor[] | undefined {
  const items = a.value.kind === "list" ? a.value.items : [a.value];
  const spans = a.value.kind === "list" ? a.value.spans : [a.span];
  const out: Tensor[] = [];
  items.forEach((v, i) => {
    if (v.kind === "tensor") out.push(v.t);
    else if (v.kind !== "poison")
      c.report({
        code: "G0420",
        message: `\`scan\`'s initial state must be a tensor or a tuple of tensors, but ${items.length > 1 ? `item ${i + 1}` : "it"} is ${describeKind(v)}`,
        span: spans[i] ?? a.span,
        label: `this is ${describeKind(v)}`,
        help: "make a tensor of the state's shape, e.g. `broadcast(0, [size(x, 0), hidden])`",
      });
  });
  if (items.length === 0)
    c.report({
      code: "G0420",
      message: "`scan`'s initial state is an empty list",
      span: a.span,
      label: "at least one tensor is needed",
    });
  return out.length === items.length && out.length > 0 ? out : undefined;
}

function axisArg(c: Ctx, a: ArgV | undefined, xsArg: ArgV, xs: Tensor): number | undefined {
  if (!a) return xs.shape.length > 1 ? 1 : 0;
  const rank = xs.shape.length;
  const n = a.value.kind === "int" ? dimValue(a.value.dim) : undefined;
  if (n !== undefined && n >= -rank && n < rank) return n < 0 ? n + rank : n;
  c.report({
    code: n === undefined ? "G0410" : "G0407",
    message:
      n === undefined
        ? `\`scan\`'s axis must be a whole number known when checking, but this is ${describeKind(a.value)}`
        : `axis ${n} is out of range for a sequence of rank ${rank}`,
    span: a.span,
    label: `valid axes are ${-rank} to ${rank - 1}`,
    secondary: [{ span: xsArg.span, message: `has type ${formatType(xs.dtype, xs.shape)}` }],
  });
  return undefined;
}

function boolArg(c: Ctx, a: ArgV | undefined): boolean | undefined {
  if (!a) return false;
  if (a.value.kind === "bool") return a.value.value;
  c.report({
    code: "G0410",
    message: "`reverse` must be `true` or `false`",
    span: a.span,
    label: "expected a boolean",
  });
  return undefined;
}

/** The number of steps: the size of `xs` along the axis, which must be known when checking. */
function stepCount(c: Ctx, xs: Tensor, axis: number, xsArg: ArgV): number | undefined {
  const dim = xs.shape[axis]!;
  const n = dimValue(dim);
  if (n === undefined) {
    c.report({
      code: "G0411",
      message: `\`scan\` unrolls its steps when checking, so the length of axis ${axis} must be known, but it is ${dimToString(dim)}`,
      span: xsArg.span,
      label: `has type ${formatType(xs.dtype, xs.shape)}`,
      secondary: [{ span: xs.origins[axis]!, message: `${dimToString(dim)} comes from here` }],
      help: "give the time dimension a number where the input is declared, e.g. `input tokens: i32[N, 32]`",
    });
    return undefined;
  }
  if (n <= limits.steps) return n;
  c.report({
    code: "G0412",
    message: `\`scan\` takes at most ${limits.steps} steps, but axis ${axis} has ${shown(n)}`,
    span: xsArg.span,
    label: `has type ${formatType(xs.dtype, xs.shape)}`,
  });
  return undefined;
}

/** Runs the cell step by step; the value is `(ys, state...)`, or poison after a report. */
function unroll(c: Ctx, s: Scan, call: CallInfo): Value {
  let state: readonly Tensor[] = s.init;
  const outputs: Tensor[] = new Array<Tensor>(s.steps);
  for (let k = 0; k < s.steps; k++) {
    const t = s.reverse ? s.steps - 1 - k : k;
    const x = stepSlice(c, s, t, call.span);
    if (!x) return poison;
    const args = [x, ...state].map((v, i) => ({
      value: { kind: "tensor", t: v } as const,
      span: i === 0 ? s.xsArg.span : s.initArg.span,
    }));
    const out = c.within(stepContext(s, k, t, call.span), () =>
      c.invoke(s.cell.value, args, call.span, s.cell.span),
    );
    const next = nextState(c, s, out, k);
    if (!next) return poison;
    state = next;
    outputs[t] = next[0]!;
  }
  const ys = stack(c, outputs, s, call.span);
  if (!ys) return poison;
  const spans = [call.span, ...state.map(() => call.span)];
  return {
    kind: "list",
    items: [ys, ...state].map((t) => ({ kind: "tensor", t }) as const),
    spans,
  };
}

/** `xs` at step t with the axis removed: `reshape(slice(xs, axis, t, t + 1), ...)`. */
function stepSlice(c: Ctx, s: Scan, t: number, span: Span): Tensor | undefined {
  const { xs, axis } = s;
  const sliced = [...xs.shape];
  sliced[axis] = dimConst(1);
  const one = c.emit(
    "slice",
    [xs],
    { axis, start: t, end: t + 1 },
    xs.dtype,
    sliced,
    xs.origins,
    span,
  );
  if (one.kind !== "tensor") return undefined;
  const shape = xs.shape.filter((_, i) => i !== axis);
  const origins = xs.origins.filter((_, i) => i !== axis);
  const v = c.emit("reshape", [one.t], { shape }, xs.dtype, shape, origins, span);
  return v.kind === "tensor" ? v.t : undefined;
}

/** The cell's result as the new state: as many tensors as the state, each of the same type. */
function nextState(c: Ctx, s: Scan, out: Value, k: number): Tensor[] | undefined {
  if (out.kind === "poison") return undefined;
  const n = s.init.length;
  const items = out.kind === "list" ? out.items : [out];
  const got = out.kind === "list" ? `${items.length} results` : describeKind(out);
  if (items.length !== n || items.some((v) => v.kind !== "tensor")) {
    c.report({
      code: "G0421",
      message: `\`scan\`'s cell must give the new state, ${n === 1 ? "one tensor" : `${n} tensors`}, but it gives ${got}`,
      span: s.cell.span,
      label: `gives ${got}`,
      secondary: [{ span: s.initArg.span, message: `the state is ${stateTypes(s.init)}` }],
      notes: [
        `a cell is called as cell(x_t, ${n === 1 ? "state" : s.init.map((_, i) => `s${i + 1}`).join(", ")}) and returns the state for the next step`,
      ],
      help: "return the new state only: `scan` stacks each step's state (its first tensor) as the output, so compute other per-step outputs from that stack afterwards",
    });
    return undefined;
  }
  const next = items.map((v) => (v as { t: Tensor }).t);
  const i = next.findIndex((t, j) => !sameType(t, s.init[j]!));
  if (i < 0) return next;
  const which = n === 1 ? "the state" : `state ${i + 1}`;
  c.report({
    code: "G0421",
    message: `\`scan\`'s cell turns ${which} from ${formatType(s.init[i]!.dtype, s.init[i]!.shape)} into ${formatType(next[i]!.dtype, next[i]!.shape)}${k > 0 ? ` at step ${k + 1}` : ""}`,
    span: s.cell.span,
    label: `gives ${formatType(next[i]!.dtype, next[i]!.shape)}`,
    secondary: [
      {
        span: s.initArg.span,
        message: `${which} starts as ${formatType(s.init[i]!.dtype, s.init[i]!.shape)}`,
      },
    ],
    notes: [
      "the state the cell returns is its input at the next step, so its type must not change",
    ],
  });
  return undefined;
}

function sameType(a: Tensor, b: Tensor): boolean {
  return (
    a.dtype === b.dtype &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => dimEq(d, b.shape[i]!))
  );
}

function stateTypes(ts: readonly Tensor[]): string {
  const types = ts.map((t) => formatType(t.dtype, t.shape));
  return types.length === 1 ? types[0]! : `(${types.join(", ")})`;
}

/** The per-step outputs stacked along `axis`, in time order: `[..., T, ...]`. */
function stack(c: Ctx, outputs: readonly Tensor[], s: Scan, span: Span): Tensor | undefined {
  const first = outputs[0]!;
  if (s.axis > first.shape.length) {
    c.report({
      code: "G0422",
      message: `\`scan\` stacks each step's output along axis ${s.axis}, but the output is ${formatType(first.dtype, first.shape)}, of rank ${first.shape.length}`,
      span,
      label: `the outputs have no axis ${s.axis} to stack along`,
      secondary: [{ span: s.initArg.span, message: `the state is ${stateTypes(s.init)}` }],
      help: "take the steps along an axis no greater than the state's rank",
    });
    return undefined;
  }
  const shape = insertAt(first.shape, s.axis, dimConst(1));
  const origins = insertAt(first.origins, s.axis, span);
  const parts: Tensor[] = [];
  for (const y of outputs) {
    const v = c.emit("reshape", [y], { shape }, y.dtype, shape, origins, span);
    if (v.kind !== "tensor") return undefined;
    parts.push(v.t);
  }
  const full = insertAt(first.shape, s.axis, dimConst(s.steps));
  const fullOrigins = insertAt(first.origins, s.axis, s.xs.origins[s.axis]!);
  const v = c.emit("concat", parts, { axis: s.axis }, first.dtype, full, fullOrigins, span);
  return v.kind === "tensor" ? v.t : undefined;
}

function insertAt<T>(xs: readonly T[], i: number, x: T): T[] {
  return [...xs.slice(0, i), x, ...xs.slice(i)];
}

/** What a diagnostic raised inside the cell at step k (time index t) adds. */
function stepContext(s: Scan, k: number, t: number, span: Span) {
  const order = s.reverse ? `, from the end (index ${t})` : "";
  return {
    note: `at step ${k + 1} of the ${s.steps} steps of this \`scan\`${order}; the cell is called as cell(x_t, state)`,
    span,
    label: `\`scan\` calls the cell ${s.steps} times here`,
  };
}
