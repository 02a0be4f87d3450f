/**
 * @file The fusion pass: decides which IR nodes get their own kernel (and so a buffer) and which
 * are computed inline inside the kernels that use them. It decides groups only; `kernel.ts`
 * writes the code. Each reason to give a node its own kernel is a named predicate below, switched
 * and parameterised by a `FusionPolicy` (fusion-policy.ts: the rules' names, reasons and defaults).
 */
import { convReadRules, geometryOf, isConv } from "../ir/conv-geometry.js";
import { ancestors, type Graph, type Node } from "../ir/node.js";
import { isLeaf, kindOf } from "../ir/op-classes.js";
import {
  defaultPolicy,
  policyParam,
  ruleOn,
  unfusedPolicy,
  type FusionPolicy,
} from "./fusion-policy.js";
import { opInfo } from "./op-info.js";
import { rereads } from "./tiles.js";

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
  /**
   * The fusion rule that made `output` a kernel boundary (`graph-output`, `shared`, ...; `-inline`
   * when inlining is off), for `grove kernels` and reports.
   */
  readonly rule: string;
}

export interface FusionOptions {
  /** false: one kernel per primitive, for ablation studies (`--no-fuse`): `unfusedPolicy`. */
  readonly fuse: boolean;
  /** The rules and parameters to fuse by when `fuse` is true (default: `defaultPolicy`). */
  readonly policy?: FusionPolicy;
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

const info = (n: Node) => opInfo[n.op];
const isLoop = (n: Node) => kindOf(n.op) === "loop";

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
  if (c.op === "matmul") return rereads(c, k);
  if (isConv(c)) return convReadRules[c.op](geometryOf(c), k);
  return 1;
}

interface Facts {
  readonly consumers: ReadonlyMap<Node, readonly Node[]>;
  readonly outputs: ReadonlySet<Node>;
  readonly policy: FusionPolicy;
  readonly forced: ReadonlySet<Node>;
  /** Kernel boundaries decided so far (nodes before the one being tested, in graph order). */
  readonly roots: ReadonlySet<Node>;
}

type Predicate = (n: Node, f: Facts) => boolean;

const usesOf = (n: Node, f: Facts) => f.consumers.get(n) ?? [];

/**
 * Why a node gets a kernel of its own, tried in order; the first rule that is on and fires names
 * the boundary. Names, reasons and parameters are in `fusionRules` (fusion-policy.ts):
 * - `reread-budget`: element-reads a dispatch's overhead is worth on the adapters measured
 *   (about 20 µs).
 * - `deep-limit`: longest chain of inlined ops a value may carry into each of several consumers.
 * - `prologue-limit`: longest chain a product's operand may carry: a relu mask (`g * (z > 0)`,
 *   2 ops) stays inlined; a softmax cross-entropy gradient is stored first (a product would
 *   recompute it for every re-read, and each of its loads is a per-lane loop that lavapipe also
 *   compiles slowly).
 */
export const boundaryRules: readonly (readonly [name: string, test: Predicate])[] = [
  ["graph-output", (n, f) => f.outputs.has(n)],
  ["loop", isLoop],
  ["-inline", (n, f) => !ruleOn(f.policy, "inline") && n.op !== "const"],
  ["too-many-buffers", (n, f) => f.forced.has(n) && n.op !== "const"],
  ["shared", (n, f) => usesOf(n, f).length > 1 && !info(n).cheap],
  ["reread", (n, f) => !info(n).cheap && usesOf(n, f).some((c) => info(c).rereads)],
  [
    "reread-large",
    (n, f) => info(n).cost !== "free" && rereadWork(n, f) > policyParam(f.policy, "reread-budget"),
  ],
  [
    "shared-deep",
    (n, f) => {
      const limit = policyParam(f.policy, "deep-limit");
      return usesOf(n, f).length > 1 && inlineCost(n, f.roots, limit) > limit;
    },
  ],
  [
    "prologue-deep",
    (n, f) => {
      const limit = policyParam(f.policy, "prologue-limit");
      return usesOf(n, f).some((c) => info(c).rereads) && inlineCost(n, f.roots, limit) > limit;
    },
  ],
];

/** The policy fusion runs by: `--no-fuse` is the unfused policy whatever else was asked. */
export function policyOf(o: FusionOptions): FusionPolicy {
  return o.fuse ? (o.policy ?? defaultPolicy) : unfusedPolicy;
}

/**
 * Longest chain of ops one kernel computes inline by default: a node deeper than the policy's
 * `max-inline-depth` in its group is stored ("chain-deep"). It bounds the code of one kernel and
 * every walk over a group (writing the WGSL recurses through a group's operands), whatever the
 * length of an elementwise chain in the source; a thousand-op chain becomes a kernel per 64 ops.
 */
export const maxInlineDepth = policyParam(defaultPolicy, "max-inline-depth");

/**
 * What recomputing `x` costs per element, in ops: views are free, and a concat evaluates every
 * part (a `select` per part), so a 1,000-part concat inlined into each of 1,000 slices of its
 * gradient wrote a million values into one kernel.
 */
function recomputeCost(x: Node): number {
  const cost = info(x).cost;
  return cost === "free" ? 0 : cost === "per-operand" ? x.inputs.length : 1;
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

/** Groups the nodes that `outputs` need into kernels, in an order that respects dependencies. */
export function fuseKernels(
  graph: Graph,
  outputs: readonly Node[],
  options: FusionOptions,
): KernelGroup[] {
  const needed = ancestors(outputs);
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    if (!needed.has(n)) continue;
    for (const i of new Set(n.inputs)) {
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  const policy = policyOf(options);
  const roots = new Set<Node>();
  const facts: Facts = {
    consumers,
    outputs: new Set(outputs),
    policy,
    forced: options.forcedRoots ?? new Set(),
    roots,
  };
  const why = new Map<Node, string>();
  const maxDepth = policyParam(policy, "max-inline-depth");
  // Length of the longest inlined chain ending at each node that is not a root (leaves: 0).
  const depth = new Map<Node, number>();
  for (const n of graph.nodes) {
    if (!needed.has(n)) continue;
    if (isLeaf(n) && !facts.outputs.has(n)) continue;
    const hit = boundaryRules.find(([name, test]) => ruleOn(policy, name) && test(n, facts));
    if (hit) {
      roots.add(n);
      why.set(n, hit[0]);
    } else {
      // "chain-deep": see maxInlineDepth (a root computes itself on top of what it inlines).
      const d = 1 + Math.max(0, ...n.inputs.map((i) => (roots.has(i) ? 0 : (depth.get(i) ?? 0))));
      if (d >= maxDepth) {
        roots.add(n);
        why.set(n, "chain-deep");
      } else depth.set(n, d);
    }
  }
  const mains =
    ruleOn(policy, "inline") && ruleOn(policy, "epilogue")
      ? epilogues(roots, facts)
      : new Map<Node, Node>();
  for (const main of mains.values()) roots.delete(main);

  const groups: KernelGroup[] = [];
  for (const n of graph.nodes) {
    if (!roots.has(n)) continue;
    const main = mains.get(n);
    const rule = why.get(n) ?? "graph-output";
    groups.push({
      output: n,
      ...(main ? { main } : {}),
      nodes: inlined(n, roots, needed),
      rule: main ? `${rule}+epilogue` : rule,
    });
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
    if (!isLoop(r) || f.outputs.has(r)) continue;
    let at = r;
    for (;;) {
      const users = f.consumers.get(at) ?? [];
      if (users.length !== 1) break;
      const c = users[0]!;
      if (kindOf(c.op) !== "elementwise" || !sameShape(c.shape, r.shape)) break;
      if (roots.has(c)) {
        if (!out.has(c) && !isLoop(c)) out.set(c, r);
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
