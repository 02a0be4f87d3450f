/**
 * @file Maximum flow and a minimum s-t cut of a small directed network (Dinic's algorithm:
 * breadth-first levels, then blocking flows along depth-first paths). The rematerialisation pass
 * (remat.ts) uses the cut to choose which forward values to save. Capacities are non-negative
 * numbers, `Infinity` for an edge that must not be cut; integers keep the arithmetic exact.
 */
import { InternalError } from "../diag/diagnostic.js";

export interface FlowEdge {
  readonly from: number;
  readonly to: number;
  readonly capacity: number;
}

export interface MinCut {
  /** The maximum flow, equal to the capacity of the cut. */
  readonly flow: number;
  /** `sourceSide[v]`: v is reachable from the source in the residual network. */
  readonly sourceSide: readonly boolean[];
  /** Indices (into the edges given) of the edges from the source side to the sink side. */
  readonly cut: readonly number[];
}

/** The residual network: edge 2k is edge k of the input, edge 2k + 1 its reverse. */
class Residual {
  readonly head: number[][];
  readonly to: number[] = [];
  readonly left: number[] = [];

  constructor(nodes: number, edges: readonly FlowEdge[]) {
    this.head = Array.from({ length: nodes }, () => []);
    for (const e of edges) {
      this.head[e.from]!.push(this.to.length);
      this.to.push(e.to);
      this.left.push(e.capacity);
      this.head[e.to]!.push(this.to.length);
      this.to.push(e.from);
      this.left.push(0);
    }
  }

  /** Breadth-first distance from `s` over edges with capacity left (-1: unreachable). */
  levels(s: number): number[] {
    const level = this.head.map(() => -1);
    level[s] = 0;
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]!;
      for (const e of this.head[v]!) {
        const w = this.to[e]!;
        if (this.left[e]! > 0 && level[w]! < 0) {
          level[w] = level[v]! + 1;
          queue.push(w);
        }
      }
    }
    return level;
  }

  /**
   * Pushes up to `limit` from `v` to `t` along edges that go one level down, without recursion
   * (a path may be as long as the graph). `next[v]` is the first edge of `v` not yet exhausted.
   */
  push(s: number, t: number, level: readonly number[], next: number[]): number {
    const path: number[] = [];
    let v = s;
    for (;;) {
      if (v === t) {
        const amount = Math.min(...path.map((e) => this.left[e]!));
        if (amount === Infinity) throw new InternalError("the network has no finite cut");
        for (const e of path) {
          this.left[e]! -= amount;
          this.left[e ^ 1]! += amount;
        }
        return amount;
      }
      const edges = this.head[v]!;
      let advanced = false;
      while (next[v]! < edges.length) {
        const e = edges[next[v]!]!;
        const w = this.to[e]!;
        if (this.left[e]! > 0 && level[w] === level[v]! + 1) {
          path.push(e);
          v = w;
          advanced = true;
          break;
        }
        next[v]!++;
      }
      if (advanced) continue;
      // A dead end: retreat, and never try the edge that led here again in this phase.
      if (path.length === 0) return 0;
      const back = path.pop()!;
      v = this.to[back ^ 1]!;
      next[v]!++;
    }
  }
}

/**
 * The maximum flow from `source` to `sink` over `nodes` nodes and the minimum cut it certifies.
 * A network whose source reaches its sink along edges of infinite capacity has no finite cut: an
 * `InternalError` (the caller built it wrong).
 */
export function minCut(
  nodes: number,
  edges: readonly FlowEdge[],
  source: number,
  sink: number,
): MinCut {
  for (const e of edges)
    if (!(e.capacity >= 0) || e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes)
      throw new InternalError(`bad flow edge ${e.from} -> ${e.to} (${e.capacity})`);
  const r = new Residual(nodes, edges);
  let flow = 0;
  for (;;) {
    const level = r.levels(source);
    if (level[sink]! < 0) break;
    const next = r.head.map(() => 0);
    for (let f = r.push(source, sink, level, next); f > 0; f = r.push(source, sink, level, next))
      flow += f;
  }
  const sourceSide = r.levels(source).map((l) => l >= 0);
  const cut = edges.flatMap((e, k) => (sourceSide[e.from] && !sourceSide[e.to] ? [k] : []));
  return { flow, sourceSide, cut };
}
