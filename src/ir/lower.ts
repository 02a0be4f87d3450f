/**
 * @file Lowering: turns the checker's elaborated trace (symbolic shapes, one node per primitive
 * application) into IR for a given batch size. Symbolic dimensions are specialised here; every IR
 * node keeps the `.grove` span of the code that made it.
 */
import { makeDiagnostic, type Diagnostic, type Result } from "../diag/diagnostic.js";
import { dimSubstitute, dimToString, dimValue, type Dim } from "../parser/check/dims.js";
import type { Graph as Trace, TraceNode } from "../parser/check/values.js";
import { GraphBuilder } from "./builder.js";
import type { Graph, Node } from "./node.js";
import type { BinaryOp, CompareOp, ReduceOp, UnaryOp } from "./ops.js";
import { binaryOps, compareOps, reduceOps, unaryOps } from "./ops.js";

/** The name of the training step input; `@` keeps it apart from every Grove identifier. */
export const STEP_INPUT = "@step";

export interface LowerOptions {
  /** The batch size: the value of the first dimension of the model's inputs. */
  readonly batch: number;
  /** Values for other symbolic dimensions (normally fixed by the data source). */
  readonly dims?: Readonly<Record<string, number>>;
  /** Whether `training()` is 1 (training graph) or 0 (evaluation graph). */
  readonly training: boolean;
  /** Seed of the counter-based random generator (`random_uniform`, `random_normal`). */
  readonly seed: number;
}

/** Thrown inside lowering when a dimension stays symbolic; turned into a diagnostic. */
class Unresolved extends Error {
  constructor(
    readonly node: TraceNode,
    readonly dim: Dim,
  ) {
    super(dimToString(dim));
  }
}

type LowerRule = (b: GraphBuilder, n: TraceNode, inputs: Node[], size: (d: Dim) => number) => Node;

const a = <T>(n: TraceNode, key: string) => n.attrs[key] as T;
const shapeOf = (n: TraceNode, key: string, size: (d: Dim) => number) =>
  a<readonly Dim[]>(n, key).map(size);

const structuralRules: Readonly<Record<string, LowerRule>> = {
  const: (b, n, _i, size) => {
    const v = a<number | Dim>(n, "value");
    return b.constant(typeof v === "number" ? v : size(v), [], n.dtype);
  },
  stop_gradient: (b, _n, [x]) => b.stopGradient(x!),
  where: (b, _n, [c, x, y]) => b.where(c!, x!, y!),
  argmax: (b, n, [x]) => b.argmax(x!, a<number>(n, "axis")),
  matmul: (b, _n, [x, y]) => b.matmul(x!, y!),
  reshape: (b, n, [x], size) => b.reshape(x!, shapeOf(n, "shape", size)),
  broadcast: (b, n, [x], size) => b.broadcast(x!, shapeOf(n, "shape", size)),
  transpose: (b, n, [x]) => b.transpose(x!, a<number[]>(n, "perm")),
  slice: (b, n, [x]) => b.slice(x!, a(n, "axis"), a(n, "start"), a(n, "end")),
  concat: (b, n, xs) => b.concat(xs, a(n, "axis")),
  gather: (b, _n, [t, ids]) => b.gather(t!, ids!),
  one_hot: (b, n, [ids]) => b.oneHot(ids!, a(n, "depth")),
  conv2d: (b, n, [x, w]) => b.conv2d(x!, w!, a<number>(n, "stride"), a<number>(n, "padding")),
  max_pool2d: (b, n, [x]) => b.maxPool2d(x!, a<number>(n, "size"), a<number>(n, "stride")),
  avg_pool2d: (b, n, [x]) => b.avgPool2d(x!, a<number>(n, "size"), a<number>(n, "stride")),
  cast: (b, n, [x]) => b.cast(x!, a(n, "dtype")),
  iota: (b, n, _i, size) => b.iota(size(a<Dim>(n, "n"))),
};

function elementwiseRule(op: string): LowerRule | undefined {
  if ((unaryOps as readonly string[]).includes(op))
    return (b, _n, [x]) => b.unary(op as UnaryOp, x!);
  if (
    (binaryOps as readonly string[]).includes(op) ||
    (compareOps as readonly string[]).includes(op)
  )
    return (b, _n, [x, y]) => b.binary(op as BinaryOp | CompareOp, x!, y!);
  if ((reduceOps as readonly string[]).includes(op))
    return (b, n, [x]) => b.reduce(op as ReduceOp, x!, a(n, "axes"), a(n, "keepdims"));
  return undefined;
}

/** Lowers one elaborated graph. Outputs keep their names (`logits`, `loss`, `metric:accuracy`). */
export function lowerTrace(trace: Trace, options: LowerOptions): Result<Graph | undefined> {
  const b = new GraphBuilder();
  const batchSymbol = trace.inputs[0]?.shape[0];
  const env = (s: string): Dim | undefined => {
    if (batchSymbol && dimToString(batchSymbol) === s)
      return { terms: [{ symbols: [], coeff: options.batch }] };
    const v = options.dims?.[s];
    return v === undefined ? undefined : { terms: [{ symbols: [], coeff: v }] };
  };
  const nodes = new Map<number, Node>();
  let current: TraceNode | undefined;
  const size = (d: Dim): number => {
    const v = dimValue(dimSubstitute(d, env));
    if (v === undefined) throw new Unresolved(current!, d);
    return v;
  };
  try {
    for (const n of trace.nodes) {
      current = n;
      const inputs = n.inputs.map((id) => nodes.get(id)!);
      const node = b.withSpan(n.span, () => lowerNode(b, n, inputs, size, options));
      nodes.set(n.id, node);
    }
  } catch (e) {
    if (!(e instanceof Unresolved)) throw e;
    const d: Diagnostic = makeDiagnostic({
      code: "G0801",
      message: `dimension \`${dimToString(e.dim)}\` has no value when compiling`,
      span: e.node.span,
      label: `needs \`${dimToString(e.dim)}\``,
      help: "give every input dimension other than the batch a number, or feed it from a data source",
    });
    return { value: undefined, diagnostics: [d] };
  }
  const outputs = new Map<string, Node>();
  for (const o of trace.outputs) outputs.set(o.name, nodes.get(o.node)!);
  return { value: b.build(outputs), diagnostics: [] };
}

/**
 * The scalar i32 input `@step` (the 1-based training step, written by the trainer) that makes a
 * training graph's random draws differ from step to step; evaluation draws take none.
 */
function stepInput(b: GraphBuilder, options: LowerOptions): Node | undefined {
  return options.training ? b.input(STEP_INPUT, [], "i32") : undefined;
}

function lowerNode(
  b: GraphBuilder,
  n: TraceNode,
  inputs: Node[],
  size: (d: Dim) => number,
  options: LowerOptions,
): Node {
  switch (n.op) {
    case "input":
      return b.input(a(n, "name"), n.shape.map(size), n.dtype);
    case "param":
      return b.param(a(n, "name"), n.shape.map(size));
    case "training":
      return b.constant(options.training ? 1 : 0);
    case "random_uniform":
      return b.randomUniform(shapeOf(n, "shape", size), options.seed, n.id, stepInput(b, options));
    case "random_normal":
      return b.randomNormal(shapeOf(n, "shape", size), options.seed, n.id, stepInput(b, options));
  }
  const rule = structuralRules[n.op] ?? elementwiseRule(n.op);
  if (!rule) throw new Error(`internal compiler error: no lowering for trace op ${n.op}`);
  return rule(b, n, inputs, size);
}
