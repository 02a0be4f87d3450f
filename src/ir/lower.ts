/**
 * @file Lowering: turns the checker's elaborated trace (symbolic shapes, one node per primitive
 * application) into IR for a given batch size. Symbolic dimensions are specialised here; every IR
 * node keeps the `.grove` span of the code that made it.
 */
import { type Diagnostic, makeDiagnostic, type Result } from "../diag/diagnostic.js";
import { dimSubstitute, dimToString, dimValue, type Dim } from "../parser/check/dims.js";
import type { Graph as Trace, TraceNode, TraceNodeOf, TraceOp } from "../parser/check/values.js";
import { GraphBuilder } from "./builder.js";
import { sizeOf, type Graph, type Node } from "./node.js";
import {
  binaryOps,
  compareOps,
  reduceOps,
  rowsFor,
  unaryOps,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type UnaryOp,
} from "../ops/ops.js";

/** The training graph's output holding state `name`'s value after the step. */
export const stateOutput = (name: string): string => `state:${name}`;

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

/**
 * The largest dimension and element count once the batch is known: the checker's bound for
 * shapes it knows (sizes and indices are 32-bit on the GPU), applied to shapes that depend on
 * the batch or other dimensions fed at compile time.
 */
export const maxLoweredSize = 2 ** 31 - 1;

/** Thrown inside lowering when a dimension stays symbolic; turned into a diagnostic. */
class Unresolved extends Error {
  constructor(
    readonly node: TraceNode,
    readonly dim: Dim,
  ) {
    super(dimToString(dim));
  }
}

/** Thrown inside lowering when a size is out of range once dimensions have values (G0412). */
class OutOfRange extends Error {
  constructor(
    readonly node: TraceNode,
    message: string,
    readonly label: string,
  ) {
    super(message);
  }
}

/** Why a specialised dimension is not a size, or undefined when it is one. */
function sizeProblem(d: Dim, v: number, given: string): OutOfRangeText | undefined {
  if (Number.isSafeInteger(v) && v >= 1 && v <= maxLoweredSize) return undefined;
  const bound = v < 1 ? "must be at least 1" : `may be at most ${maxLoweredSize}`;
  return {
    message: `dimension \`${dimToString(d)}\` is ${v} ${given}, but a dimension ${bound}`,
    label: `\`${dimToString(d)}\` = ${v}`,
  };
}

interface OutOfRangeText {
  readonly message: string;
  readonly label: string;
}

/** Values of dimensions: `size` for a shape's (1 and up), `value` for a number's (any). */
interface Dims {
  readonly size: (d: Dim) => number;
  readonly value: (d: Dim) => number;
}

/** What a rule may use besides the node: dimension values and the lowering options. */
interface LowerContext extends Dims {
  readonly options: LowerOptions;
}

/** How a trace node of op `P` becomes IR, given its inputs already lowered. */
type LowerRule<P extends TraceOp> = (
  b: GraphBuilder,
  n: TraceNodeOf<P>,
  inputs: readonly Node[],
  cx: LowerContext,
) => Node;

/**
 * The scalar i32 input `@step` (the 1-based training step, written by the trainer) that makes a
 * training graph's random draws differ from step to step; evaluation draws take none.
 */
function stepInput(b: GraphBuilder, options: LowerOptions): Node | undefined {
  return options.training ? b.input(STEP_INPUT, [], "i32") : undefined;
}

const unaryRule =
  (op: UnaryOp): LowerRule<UnaryOp> =>
  (b, _n, [x]) =>
    b.unary(op, x!);

const binaryRule =
  (op: BinaryOp | CompareOp): LowerRule<BinaryOp | CompareOp> =>
  (b, _n, [x, y]) =>
    b.binary(op, x!, y!);

const reduceRule =
  (op: ReduceOp): LowerRule<ReduceOp> =>
  (b, n, [x]) =>
    b.reduce(op, x!, n.attrs.axes, n.attrs.keepdims);

/** A random draw: stream `n.id`, so each draw of one graph differs from the others. */
const randomRule =
  (draw: "randomUniform" | "randomNormal"): LowerRule<"random_uniform" | "random_normal"> =>
  (b, n, _i, { size, options }) =>
    b[draw](n.attrs.shape.map(size), options.seed, n.id, stepInput(b, options));

/** One rule per trace op: adding an op to the trace is a compile error until it has one. */
const lowerRules: { readonly [P in TraceOp]: LowerRule<P> } = {
  ...rowsFor(unaryOps, unaryRule),
  ...rowsFor(binaryOps, binaryRule),
  ...rowsFor(compareOps, binaryRule),
  ...rowsFor(reduceOps, reduceRule),
  const: (b, n, _i, { value }) => {
    const v = n.attrs.value;
    return b.constant(typeof v === "number" ? v : value(v), [], n.dtype);
  },
  input: (b, n, _i, { size }) => b.input(n.attrs.name, n.shape.map(size), n.dtype),
  param: (b, n, _i, { size }) => b.param(n.attrs.name, n.shape.map(size)),
  state: (b, n, _i, { size }) => b.state(n.attrs.name, n.shape.map(size)),
  training: (b, _n, _i, { options }) => b.constant(options.training ? 1 : 0),
  random_uniform: randomRule("randomUniform"),
  random_normal: randomRule("randomNormal"),
  stop_gradient: (b, _n, [x]) => b.stopGradient(x!),
  where: (b, _n, [c, x, y]) => b.where(c!, x!, y!),
  argmax: (b, n, [x]) => b.argmax(x!, n.attrs.axis),
  matmul: (b, _n, [x, y]) => b.matmul(x!, y!),
  reshape: (b, n, [x], { size }) => b.reshape(x!, n.attrs.shape.map(size)),
  broadcast: (b, n, [x], { size }) => b.broadcast(x!, n.attrs.shape.map(size)),
  transpose: (b, n, [x]) => b.transpose(x!, n.attrs.perm),
  slice: (b, n, [x]) => b.slice(x!, n.attrs.axis, n.attrs.start, n.attrs.end),
  concat: (b, n, xs) => b.concat(xs, n.attrs.axis),
  gather: (b, _n, [t, ids]) => b.gather(t!, ids!),
  one_hot: (b, n, [ids]) => b.oneHot(ids!, n.attrs.depth),
  conv2d: (b, n, [x, w]) => b.conv2d(x!, w!, n.attrs.stride, n.attrs.padding),
  max_pool2d: (b, n, [x]) => b.maxPool2d(x!, n.attrs.size, n.attrs.stride),
  avg_pool2d: (b, n, [x]) => b.avgPool2d(x!, n.attrs.size, n.attrs.stride),
  cast: (b, n, [x]) => b.cast(x!, n.attrs.dtype),
  iota: (b, n, _i, { size }) => b.iota(size(n.attrs.n)),
};

/** Lowers one node by its op's rule (generic over the op, so the rule and the node agree). */
function lowerNode<P extends TraceOp>(
  b: GraphBuilder,
  n: TraceNodeOf<P>,
  inputs: readonly Node[],
  cx: LowerContext,
): Node {
  const rule: LowerRule<P> = lowerRules[n.op];
  return rule(b, n, inputs, cx);
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
  const given = `with batch ${options.batch}`;
  /** A dimension's value (a number in an expression may be anything). */
  const value = (d: Dim): number => {
    const v = dimValue(dimSubstitute(d, env));
    if (v === undefined) throw new Unresolved(current!, d);
    return v;
  };
  /** A dimension's value as a size of a shape: 1 to maxLoweredSize. */
  const size = (d: Dim): number => {
    const v = value(d);
    const problem = sizeProblem(d, v, given);
    if (problem) throw new OutOfRange(current!, problem.message, problem.label);
    return v;
  };
  try {
    for (const n of trace.nodes) {
      current = n;
      const inputs = n.inputs.map((id) => nodes.get(id)!);
      const node = b.withSpan(n.span, () => lowerNode(b, n, inputs, { size, value, options }));
      const elements = sizeOf(node.shape);
      if (elements > maxLoweredSize)
        throw new OutOfRange(
          n,
          `a tensor of ${elements} elements (shape [${node.shape.join(", ")}] ${given}) is too large`,
          `tensors hold at most ${maxLoweredSize} elements`,
        );
      nodes.set(n.id, node);
    }
  } catch (e) {
    return { value: undefined, diagnostics: [lowerDiagnostic(e)] };
  }
  const outputs = new Map<string, Node>();
  for (const o of trace.outputs) outputs.set(o.name, nodes.get(o.node)!);
  // A training step gives each updated state its next value; evaluation leaves state alone.
  if (options.training)
    for (const u of trace.updates) outputs.set(stateOutput(u.name), nodes.get(u.node)!);
  return { value: b.build(outputs), diagnostics: [] };
}

/** The diagnostic for what lowering threw on user input; anything else is a compiler bug. */
function lowerDiagnostic(e: unknown): Diagnostic {
  if (e instanceof Unresolved)
    return makeDiagnostic({
      code: "G0801",
      message: `dimension \`${dimToString(e.dim)}\` has no value when compiling`,
      span: e.node.span,
      label: `needs \`${dimToString(e.dim)}\``,
      help: "give every input dimension other than the batch a number, or feed it from a data source",
    });
  if (e instanceof OutOfRange)
    return makeDiagnostic({
      code: "G0412",
      message: e.message,
      span: e.node.span,
      label: e.label,
      help: "shapes that depend on the batch must be sizes for the batch compiled: change the batch or the shape",
    });
  throw e;
}
