/**
 * @file The graph of `grove kernels --report`: one program's IR nodes grouped by the kernels that
 * compute them, laid out by dagre (a compound graph: each kernel a cluster) into boxes and edges
 * with coordinates. A node inlined into several groups is drawn once in each. Past `nodeLimit`
 * nodes each fused group is collapsed into one box named by its kernel and listing its ops,
 * without regions (a merged stage's region spanned the whole width) or leaves, so large models
 * stay usable; the page then tints each box with its kernel's colour.
 */
import dagre, { graphlib, type Edge } from "@dagrejs/dagre";
import type { CompiledPlan } from "../codegen/compile.js";
import type { KernelGroup } from "../codegen/fuse.js";
import { ancestors, type Graph, type Node } from "../ir/node.js";
import { formatSpan } from "../ir/print.js";

/** Which part of the step a box belongs to (its border colour). */
export type Phase = "forward" | "backward" | "optimizer" | "leaf";

export interface Box {
  readonly id: string;
  /** First line: `%7 matmul [128,256]`, or a group's ops when collapsed. */
  readonly label: string;
  /** Second line: the `.grove` location. */
  readonly where: string;
  /** The source line's text, for the tooltip. */
  readonly line: string;
  readonly phase: Phase;
  /** Index into `Plan.kernels`, or -1 for a leaf (input, parameter). */
  readonly kernel: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Cluster {
  readonly kernel: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface LaidOut {
  readonly boxes: readonly Box[];
  readonly clusters: readonly Cluster[];
  readonly edges: readonly (readonly { x: number; y: number }[])[];
  readonly width: number;
  readonly height: number;
  /** True when groups were collapsed into one box each. */
  readonly collapsed: boolean;
}

/** More IR nodes than this (counting inlined copies) and groups are drawn as one box each. */
export const nodeLimit = 400;

interface Draft {
  readonly id: string;
  readonly label: string;
  readonly span: Node["span"];
  readonly phase: Phase;
  readonly kernel: number;
}

/** Lays out `program`'s kernels of a compiled plan. */
export function layoutProgram(
  compiled: CompiledPlan,
  program: string,
  sources: ReadonlyMap<string, string>,
): LaidOut {
  const graph = program === "train" ? compiled.compiled.training : compiled.evaluation;
  const forward = forwardNodes(graph);
  const kernels = compiled.plan.programs[program]!.dispatches.map((d) => d.kernel);
  const parts = kernels.flatMap((k) =>
    (compiled.origins?.[k]?.groups ?? []).map((group) => ({ kernel: k, group })),
  );
  const count = parts.reduce((s, p) => s + p.group.nodes.length, 0);
  const collapsed = count > nodeLimit;
  const g = new graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: "TB", nodesep: 12, ranksep: 22, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const drafts = new Map<string, Draft>();
  const add = (d: Draft) => {
    if (drafts.has(d.id)) return;
    drafts.set(d.id, d);
    g.setNode(d.id, { width: collapsed ? 150 : 130, height: 30 });
    if (d.kernel >= 0 && !collapsed) g.setParent(d.id, `k${d.kernel}`);
  };
  const phaseOf = (n: Node): Phase =>
    n.op === "input" || n.op === "param" ? "leaf" : forward.has(n) ? "forward" : "backward";
  const producer = new Map<Node, { kernel: number; group: KernelGroup }>();
  for (const p of parts) producer.set(p.group.output, p);
  if (!collapsed) for (const k of new Set(kernels)) g.setNode(`k${k}`, {});
  const idOf = (kernel: number, group: KernelGroup, n: Node) =>
    collapsed ? `g${kernel}_${group.output.id}` : `n${kernel}_${group.output.id}_${n.id}`;
  /**
   * The box an operand comes from: inlined in this group, another group's output, or a leaf
   * (none when collapsed: parameters used far down the graph drew long edges over everything).
   */
  const source = (kernel: number, group: KernelGroup, i: Node): string | undefined => {
    if (group.nodes.includes(i)) return idOf(kernel, group, i);
    const from = producer.get(i);
    if (from) return idOf(from.kernel, from.group, from.group.output);
    if (collapsed) return undefined;
    const leaf = { id: `l${i.id}`, label: leafLabel(i, graph), span: i.span, phase: phaseOf(i) };
    add({ ...leaf, kernel: -1 });
    return leaf.id;
  };
  for (const { kernel, group } of parts) {
    const shown = group.nodes.length > 0 ? group.nodes : [group.output];
    for (const n of collapsed ? [group.output] : shown)
      add({
        id: idOf(kernel, group, n),
        label: collapsed
          ? `${compiled.plan.kernels[kernel]!.name}: ${groupLabel(shown)}`
          : nodeLabel(n),
        span: n.span,
        phase: phaseOf(n),
        kernel,
      });
    for (const n of shown)
      for (const i of new Set(n.inputs)) {
        const from = source(kernel, group, i);
        const to = idOf(kernel, group, n);
        if (from !== undefined && from !== to) g.setEdge(from, to);
      }
  }
  addUpdates(g, compiled, kernels, add, producer, idOf, collapsed);
  dagre.layout(g);
  return collect(g, drafts, sources, collapsed);
}

/** The optimizer's kernels (no IR nodes): a box each, fed by every gradient's box. */
function addUpdates(
  g: graphlib.Graph,
  compiled: CompiledPlan,
  kernels: readonly number[],
  add: (d: Draft) => void,
  producer: ReadonlyMap<Node, { kernel: number; group: KernelGroup }>,
  idOf: (kernel: number, group: KernelGroup, n: Node) => string,
  collapsed: boolean,
): void {
  const grads = [...compiled.compiled.training.outputs]
    .filter(([name]) => name.startsWith("d_"))
    .flatMap(([, n]) => (producer.has(n) ? [producer.get(n)!] : []));
  for (const k of kernels) {
    const origin = compiled.origins?.[k];
    if (!origin || origin.groups.length > 0) continue;
    const id = `u${k}`;
    add({
      id,
      label: compiled.plan.kernels[k]!.name,
      span: undefined,
      phase: "optimizer",
      kernel: k,
    });
    // Collapsed, the update's edges from every gradient crossed the whole graph: left out.
    if (!collapsed) for (const p of grads) g.setEdge(idOf(p.kernel, p.group, p.group.output), id);
  }
}

function collect(
  g: graphlib.Graph,
  drafts: ReadonlyMap<string, Draft>,
  sources: ReadonlyMap<string, string>,
  collapsed: boolean,
): LaidOut {
  const boxes: Box[] = [...drafts.values()].map((d) => {
    const at = g.node(d.id);
    return {
      id: d.id,
      label: d.label,
      where: d.span ? formatSpan(d.span, { sources }) : "",
      line: d.span ? sourceLine(sources, d.span) : "",
      phase: d.phase,
      kernel: d.kernel,
      x: at.x - at.width / 2,
      y: at.y - at.height / 2,
      width: at.width,
      height: at.height,
    };
  });
  const clusters: Cluster[] = g
    .nodes()
    .filter((id: string) => /^k\d+$/.test(id))
    .map((id: string): Cluster => {
      const at = g.node(id);
      return {
        kernel: Number(id.slice(1)),
        x: at.x - at.width / 2,
        y: at.y - at.height / 2,
        width: at.width,
        height: at.height,
      };
    })
    .filter((c: Cluster) => Number.isFinite(c.x));
  const edges = g.edges().map((e: Edge) => g.edge(e).points ?? []);
  const size = g.graph();
  return {
    boxes,
    clusters,
    edges,
    width: size.width ?? 0,
    height: size.height ?? 0,
    collapsed,
  };
}

/** Nodes the host-read outputs (loss, metrics, model outputs) depend on: the forward pass. */
function forwardNodes(graph: Graph): Set<Node> {
  return ancestors([...graph.outputs].filter(([name]) => !name.startsWith("d_")).map(([, n]) => n));
}

function nodeLabel(n: Node): string {
  return `%${n.id} ${n.op} [${n.shape.join(",")}]`;
}

function groupLabel(nodes: readonly Node[]): string {
  const ops = [...new Set(nodes.map((n) => n.op))];
  return ops.slice(0, 4).join(" ") + (ops.length > 4 ? " …" : "");
}

function leafLabel(n: Node, graph: Graph): string {
  const names = n.op === "param" ? graph.params : graph.inputs;
  const name = [...names].find(([, m]) => m === n)?.[0] ?? n.op;
  return `${n.op} ${name} [${n.shape.join(",")}]`;
}

function sourceLine(sources: ReadonlyMap<string, string>, span: NonNullable<Node["span"]>): string {
  const text = sources.get(span.file);
  if (text === undefined) return "";
  const start = text.lastIndexOf("\n", span.start - 1) + 1;
  const end = text.indexOf("\n", span.start);
  return text.slice(start, end < 0 ? undefined : end).trim();
}
