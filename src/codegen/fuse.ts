/**
 * @file The fusion pass: decides which IR nodes get their own kernel (and so a buffer) and which
 * are computed inline inside the kernels that use them. It decides groups only; `kernel.ts`
 * writes the code. Each reason to give a node its own kernel is a named predicate below.
 */
import type { Graph, Node } from "../ir/node.js";
import { binaryOps, compareOps, unaryOps, type Op } from "../ir/ops.js";
import { rereads } from "./tiles.js";
import { loopOps } from "./wgsl/rules.js";

export interface KernelGroup {
  /** The node this kernel stores. */
  readonly output: Node;
  /**
   * A loop node (matmul, reduction, ...) computed once per output element and then carried
   * through an elementwise epilogue to `output`; absent when `output` itself is the loop or the
   * kernel has none.
   */
  readonly main?: Node;
  /**
   * Every node computed in the kernel, in graph order (for headers and reports). Empty when the
   * kernel only copies `output` from where it is stored (a leaf, or another output's slot).
   */
  readonly nodes: readonly Node[];
}

export interface FusionOptions {
  /** false: one kernel per primitive, for ablation studies (`--no-fuse`). */
  readonly fuse: boolean;
  /**
   * Products may use the subgroup template (`enable subgroups;`): only for a device with the
   * `subgroups` feature and a subgroup size that is a multiple of 8, at most 64 (lavapipe: 8).
   */
  readonly subgroups?: boolean;
  /**
   * Reductions with few outputs over a long extent use the tree template (`useTreeReduction` in
   * tiles.ts), a workgroup per output. For GPUs with many cores; off by default because on
   * lavapipe (2 cores) the serial loops already occupy every core and the tree's barrier rounds
   * made those kernels 2-4x slower (docs/architecture.md, Kernel templates).
   */
  readonly treeReductions?: boolean;
  /**
   * Nodes that must get kernels of their own: `emitPlan` adds the nodes of a fused group that
   * would bind more storage buffers than a shader stage may, and fuses again.
   */
  readonly forcedRoots?: ReadonlySet<Node>;
}

/** Ops that cost next to nothing, so recomputing them in a consumer's inner loop is fine. */
const cheapOps: ReadonlySet<Op> = new Set<Op>([
  "const",
  "iota",
  "neg",
  "abs",
  "relu",
  "add",
  "sub",
  "mul",
  "maximum",
  "minimum",
  "less",
  "less_equal",
  "greater",
  "greater_equal",
  "equal",
  "not_equal",
  "where",
  "cast",
  "stop_gradient",
  "broadcast",
  "reshape",
  "transpose",
  "slice",
  "one_hot",
  "gather",
]);

const elementwiseOps: ReadonlySet<Op> = new Set<Op>([
  ...unaryOps,
  ...binaryOps,
  ...compareOps,
  "where",
  "cast",
  "stop_gradient",
]);

/** Ops whose operands are read many times per output element. */
const rereadingOps: ReadonlySet<Op> = new Set<Op>([
  "matmul",
  "conv2d",
  "conv2d_input_grad",
  "conv2d_filter_grad",
  "scatter_add",
]);

/** Ops that only move indices: free to recompute. */
const viewOps: ReadonlySet<Op> = new Set<Op>([
  "const",
  "iota",
  "broadcast",
  "reshape",
  "transpose",
  "slice",
]);

/** Element-reads a dispatch's overhead is worth on the adapters measured (about 20 µs). */
const rereadBudget = 1 << 20;

/** Elements of `n` times how often a rereading consumer reads each of them. */
function rereadWork(n: Node, f: Facts): number {
  const size = n.shape.reduce((p, d) => p * d, 1);
  let worst = 0;
  for (const c of f.consumers.get(n) ?? []) {
    c.inputs.forEach((input, k) => {
      if (input === n) worst = Math.max(worst, size * readsPerElement(c, k));
    });
  }
  return worst;
}

/** How often `c` reads each element of its input `k` (1 for ops that read each once). */
function readsPerElement(c: Node, k: number): number {
  const window = (w: Node) => w.shape[2]! * w.shape[3]!;
  switch (c.op) {
    case "matmul":
      return rereads(c, k);
    case "conv2d": // (x, w): each x tap feeds every output channel; each weight every position
      return k === 0
        ? c.inputs[1]!.shape[0]! * window(c.inputs[1]!)
        : c.shape[0]! * c.shape[2]! * c.shape[3]!;
    case "conv2d_input_grad": // (dy, w)
      return k === 0
        ? c.inputs[1]!.shape[1]! * window(c.inputs[1]!)
        : c.shape[0]! * c.shape[2]! * c.shape[3]!;
    case "conv2d_filter_grad": // (x, dy): every weight element sweeps the whole batch
      return k === 0
        ? c.shape[0]! * c.shape[2]! * c.shape[3]!
        : c.shape[1]! * c.shape[2]! * c.shape[3]!;
    default:
      return 1;
  }
}

interface Facts {
  readonly consumers: ReadonlyMap<Node, readonly Node[]>;
  readonly outputs: ReadonlySet<Node>;
}

type Predicate = (n: Node, f: Facts, o: FusionOptions) => boolean;

/** Why a node gets a kernel of its own: each entry is a predicate and its one-line reason. */
export const rootReasons: readonly (readonly [name: string, test: Predicate, reason: string])[] = [
  ["graph-output", (n, f) => f.outputs.has(n), "the host reads it, so it must be stored"],
  [
    "loop",
    (n) => loopOps.has(n.op),
    "a loop recomputed per consumer element would repeat its whole loop",
  ],
  [
    "unfused",
    (n, _f, o) => !o.fuse && n.op !== "const",
    "`--no-fuse` gives every primitive its own kernel",
  ],
  [
    "too-many-buffers",
    (n, _f, o) => (o.forcedRoots?.has(n) ?? false) && n.op !== "const",
    "the group it belonged to bound more arena chunks than a shader stage may, so it is split",
  ],
  [
    "shared",
    (n, f) => (f.consumers.get(n)?.length ?? 0) > 1 && !cheapOps.has(n.op),
    "several kernels use it; computing it once is cheaper than in each",
  ],
  [
    "reread",
    (n, f) => !cheapOps.has(n.op) && (f.consumers.get(n) ?? []).some((c) => rereadingOps.has(c.op)),
    "a matmul or convolution reads each operand many times; costly math is done once beforehand",
  ],
  [
    "reread-large",
    (n, f) => !viewOps.has(n.op) && rereadWork(n, f) > rereadBudget,
    "recomputing even cheap math for every re-read of a large operand costs more than a dispatch",
  ],
];

/** Longest chain of inlined ops a value may carry into each of several consumers. */
const deepLimit = 6;

/**
 * Longest chain of inlined ops a product's operand may carry (its prologue): a relu mask
 * (`g * (z > 0)`, 2 ops) stays inlined; a softmax cross-entropy gradient is stored first.
 */
const prologueLimit = 3;

/**
 * Longest chain of ops one kernel computes inline: a node deeper than this in its group is
 * stored ("chain-deep"). It bounds the code of one kernel and every walk over a group (writing
 * the WGSL recurses through a group's operands), whatever the length of an elementwise chain in
 * the source; a thousand-op chain becomes a kernel per 64 ops.
 */
export const maxInlineDepth = 64;

/**
 * What recomputing `x` costs per element, in ops: views are free, and a concat evaluates every
 * part (a `select` per part), so a 1,000-part concat inlined into each of 1,000 slices of its
 * gradient wrote a million values into one kernel.
 */
function recomputeCost(x: Node): number {
  if (viewOps.has(x.op)) return 0;
  return x.op === "concat" ? x.inputs.length : 1;
}

/**
 * How many ops a consumer recomputes to inline `n` (shared subtrees counted once; views are
 * free, a concat costs its parts), counted up to `cap + 1`: the callers only compare it with a small limit, and counting
 * a whole long chain for every node of it was quadratic.
 */
function inlineCost(n: Node, roots: ReadonlySet<Node>, cap: number): number {
  const seen = new Set<Node>();
  const stack = [n];
  let cost = 0;
  while (stack.length > 0 && cost <= cap) {
    const x = stack.pop()!;
    if (seen.has(x) || roots.has(x) || isLeaf(x)) continue;
    seen.add(x);
    cost += recomputeCost(x);
    stack.push(...x.inputs);
  }
  return cost;
}

function isLeaf(n: Node): boolean {
  return n.op === "input" || n.op === "param";
}

/** Groups the nodes that `outputs` need into kernels, in an order that respects dependencies. */
export function fuseKernels(
  graph: Graph,
  outputs: readonly Node[],
  options: FusionOptions,
): KernelGroup[] {
  const needed = neededNodes(outputs);
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    if (!needed.has(n)) continue;
    for (const i of new Set(n.inputs)) {
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  const facts: Facts = { consumers, outputs: new Set(outputs) };
  const roots = new Set<Node>();
  // Length of the longest inlined chain ending at each node that is not a root (leaves: 0).
  const depth = new Map<Node, number>();
  for (const n of graph.nodes) {
    if (!needed.has(n)) continue;
    if (isLeaf(n) && !facts.outputs.has(n)) continue;
    if (rootReasons.some(([, test]) => test(n, facts, options))) roots.add(n);
    else if ((consumers.get(n)?.length ?? 0) > 1 && inlineCost(n, roots, deepLimit) > deepLimit)
      // "shared-deep": a chain of cheap ops is still too long to repeat in every consumer.
      roots.add(n);
    else if (
      options.fuse &&
      (consumers.get(n) ?? []).some((c) => rereadingOps.has(c.op)) &&
      inlineCost(n, roots, prologueLimit) > prologueLimit
    )
      // "prologue-deep": a product would recompute the chain for every re-read, and each of its
      // loads is a per-lane loop that lavapipe also compiles slowly.
      roots.add(n);
    else {
      // "chain-deep": see maxInlineDepth (a root computes itself on top of what it inlines).
      const d = 1 + Math.max(0, ...n.inputs.map((i) => (roots.has(i) ? 0 : (depth.get(i) ?? 0))));
      if (d >= maxInlineDepth) roots.add(n);
      else depth.set(n, d);
    }
  }
  const mains = options.fuse ? epilogues(roots, facts) : new Map<Node, Node>();
  for (const main of mains.values()) roots.delete(main);

  const groups: KernelGroup[] = [];
  for (const n of graph.nodes) {
    if (!roots.has(n)) continue;
    const main = mains.get(n);
    groups.push({ output: n, ...(main ? { main } : {}), nodes: inlined(n, roots, needed) });
  }
  return groups;
}

/**
 * A loop root whose only consumer chain is elementwise with the same shape (bias, activation,
 * residual) is computed inside the kernel that stores the end of that chain: its result never
 * touches memory. Returns, for each such end node, the loop node it absorbs.
 */
function epilogues(roots: ReadonlySet<Node>, f: Facts): Map<Node, Node> {
  const out = new Map<Node, Node>();
  for (const r of roots) {
    if (!loopOps.has(r.op) || f.outputs.has(r)) continue;
    let at = r;
    for (;;) {
      const users = f.consumers.get(at) ?? [];
      if (users.length !== 1) break;
      const c = users[0]!;
      if (!elementwiseOps.has(c.op) || !sameShape(c.shape, r.shape)) break;
      if (roots.has(c)) {
        if (!out.has(c) && !loopOps.has(c.op)) out.set(c, r);
        break;
      }
      at = c;
    }
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function neededNodes(outputs: readonly Node[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return seen;
}

/** The nodes a kernel computes: its output and everything inlined beneath it. */
function inlined(root: Node, roots: ReadonlySet<Node>, needed: ReadonlySet<Node>): Node[] {
  const seen = new Set<Node>();
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n) || !needed.has(n) || isLeaf(n)) continue;
    if (n !== root && roots.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}
