/**
 * @file Gradient checking: compares the symbolic gradient of a loss with float64 central finite
 * differences on random inputs and parameters. This is what `grove gradcheck` runs, so people who
 * write their own functions can trust their derivatives.
 */
import { GraphBuilder } from "./builder.js";
import { idBound } from "./id-bound.js";
import { interpret, type Bindings } from "./interpret.js";
import { sizeOf, type Graph, type Node } from "./node.js";
import type { Op } from "../ops/ops.js";
import { makeTensor, type Tensor } from "./tensor.js";
import { vjpRules, type Partial, type VjpRule } from "./vjp-rules.js";

export interface GradcheckOptions {
  /** Seed for the random inputs, parameters and directions. */
  readonly seed?: number;
  /** Random directions checked per parameter, besides the gradient's own direction. */
  readonly directions?: number;
  /** Finite-difference step along a unit direction. */
  readonly step?: number;
}

export interface ParamCheck {
  readonly name: string;
  /** Directions checked. */
  readonly checked: number;
  /**
   * Largest |analytic - numeric| over the directions, relative to the size of the gradient:
   * divided by max(‖gradient‖, |numeric|, 1e-4). A random direction's derivative can be tiny even
   * for a large gradient, so dividing by it would report noise as error.
   */
  readonly maxRelError: number;
  readonly maxAbsError: number;
  /** Euclidean norm of the analytic gradient. */
  readonly gradNorm: number;
  /**
   * Present when no path from the parameter to the loss carries a gradient, so its symbolic
   * gradient is zero by design and finite differences (which see every path) cannot check it.
   */
  readonly noGradientPath?: NoGradientPath;
}

/**
 * Why a parameter gets no gradient: the nodes on its paths to the loss whose derivative rule
 * passes nothing back to the input the paths come through (`stop_gradient`, `argmax`, a
 * comparison, an i32 cast, ...). Empty when the loss does not depend on the parameter at all.
 */
export interface NoGradientPath {
  readonly blockedBy: readonly Node[];
}

/** A small deterministic generator (mulberry32) so a failing check can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Random inputs (normal for f32, in-range ids for i32), parameters scaled by fan-in, and state
 * uniform in [0.5, 1.5).
 */
export function randomBindings(graph: Graph, rand: () => number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, n] of graph.inputs) {
    const size = sizeOf(n.shape);
    const range = n.dtype === "i32" ? (idBound(graph, n) ?? 2) : 0;
    const values = Array.from({ length: size }, () =>
      n.dtype === "i32" ? Math.floor(rand() * range) : normal(rand),
    );
    out[name] = makeTensor(n.shape, n.dtype, values, "f64");
  }
  for (const [name, n] of graph.params) {
    const fanIn = n.shape.length >= 2 ? sizeOf(n.shape) / n.shape[n.shape.length - 1]! : 1;
    const std = n.shape.length >= 2 ? 1 / Math.sqrt(fanIn) : 0.5;
    const values = Array.from({ length: sizeOf(n.shape) }, () => std * normal(rand));
    out[name] = makeTensor(n.shape, "f32", values, "f64");
  }
  // State is held fixed; positive values keep a running variance a variance.
  for (const [name, n] of graph.state) {
    const values = Array.from({ length: sizeOf(n.shape) }, () => 0.5 + rand());
    out[name] = makeTensor(n.shape, "f32", values, "f64");
  }
  return out;
}

/**
 * Checks `d_<name>` outputs of `training` against central differences of its `loss` output.
 * For each parameter it compares directional derivatives: along the gradient itself (the largest
 * signal) and along random unit directions, so a wrong rule shows up however small the gradient's
 * individual entries are.
 */
export function gradcheck(
  training: Graph,
  params: readonly string[],
  options: GradcheckOptions = {},
): ParamCheck[] {
  const rand = seededRandom(options.seed ?? 1);
  const h = options.step ?? 1e-5;
  const bindings = randomBindings(training, rand);
  const loss = training.outputs.get("loss")!;
  const grads = params.map((p) => training.outputs.get(`d_${p}`)!);
  const analytic = interpret(training, bindings, { precision: "f64", nodes: grads });
  const lossAt = (b: Bindings) =>
    interpret(training, b, { precision: "f64", nodes: [loss] }).get(loss)!.data[0]!;
  const paths = new GradientPaths(training, loss);

  return params.map((name, k) => {
    const noPath = paths.blocked(training.params.get(name)!);
    const w = bindings[name]!;
    const g = analytic.get(grads[k]!)!.data;
    const gradNorm = norm(g);
    const dirs: Float64Array[] = [];
    if (gradNorm > 0) dirs.push(Float64Array.from(g, (x) => x / gradNorm));
    for (let d = 0; d < (options.directions ?? 2); d++) dirs.push(unitVector(g.length, rand));
    let maxRel = 0;
    let maxAbs = 0;
    for (const v of dirs) {
      const along = (t: number): Bindings => ({
        ...bindings,
        [name]: {
          shape: w.shape,
          dtype: w.dtype,
          data: Float64Array.from(w.data, (x, i) => x + t * v[i]!),
        },
      });
      const numeric = (lossAt(along(h)) - lossAt(along(-h))) / (2 * h);
      let a = 0;
      for (let i = 0; i < g.length; i++) a += g[i]! * v[i]!;
      const abs = Math.abs(a - numeric);
      const rel = abs / Math.max(gradNorm, Math.abs(numeric), 1e-4);
      maxRel = Math.max(maxRel, rel);
      maxAbs = Math.max(maxAbs, abs);
    }
    return {
      name,
      checked: dirs.length,
      maxRelError: maxRel,
      maxAbsError: maxAbs,
      gradNorm,
      ...(noPath ? { noGradientPath: noPath } : {}),
    };
  });
}

/** Which parameters of a graph reach its loss along edges that carry a gradient. */
class GradientPaths {
  /** The loss and every node it is computed from. */
  private readonly ancestors = new Set<Node>();
  /** For each ancestor, its consumers among the ancestors, with the input index they read. */
  private readonly consumers = new Map<Node, { node: Node; index: number }[]>();
  private readonly partials = new Map<Node, readonly Partial[]>();
  private builder: GraphBuilder | undefined;

  constructor(
    private readonly graph: Graph,
    private readonly loss: Node,
  ) {
    const stack = [loss];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.ancestors.has(n)) continue;
      this.ancestors.add(n);
      n.inputs.forEach((input, index) => {
        const list = this.consumers.get(input) ?? [];
        list.push({ node: n, index });
        this.consumers.set(input, list);
        stack.push(input);
      });
    }
  }

  /** Undefined when some path from `param` to the loss carries a gradient; else why none does. */
  blocked(param: Node): NoGradientPath | undefined {
    if (!this.ancestors.has(param)) return { blockedBy: [] };
    const seen = new Set<Node>([param]);
    const blockedBy = new Set<Node>();
    const stack = [param];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === this.loss) return undefined;
      for (const { node, index } of this.consumers.get(n) ?? []) {
        if (!this.carries(node, index)) blockedBy.add(node);
        else if (!seen.has(node)) {
          seen.add(node);
          stack.push(node);
        }
      }
    }
    return { blockedBy: [...blockedBy].sort((a, b) => a.id - b.id) };
  }

  /** Whether `node`'s derivative rule passes a gradient back to input `index`. */
  private carries(node: Node, index: number): boolean {
    let partials = this.partials.get(node);
    if (!partials) {
      this.builder ??= GraphBuilder.extend(this.graph);
      // The rule only builds its partials when they are called; `node` stands in for the cotangent.
      partials = (vjpRules[node.op] as VjpRule<Op>)(this.builder, node, node);
      this.partials.set(node, partials);
    }
    return partials[index] !== null && partials[index] !== undefined;
  }
}

function unitVector(size: number, rand: () => number): Float64Array {
  const v = Float64Array.from({ length: size }, () => normal(rand));
  const n = norm(v) || 1;
  return v.map((x) => x / n);
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
