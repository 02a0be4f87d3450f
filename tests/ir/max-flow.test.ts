/**
 * The max-flow / min-cut function against brute force: on random small networks the flow equals
 * the cheapest of all source/sink partitions, and the cut it returns has that capacity and
 * separates the source from the sink.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/ir/gradcheck.js";
import { minCut, type FlowEdge } from "../../src/ir/max-flow.js";

/** The cheapest partition's capacity, over every assignment of the inner nodes. */
function bruteForce(nodes: number, edges: readonly FlowEdge[], s: number, t: number): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << nodes; mask++) {
    if (!(mask & (1 << s)) || mask & (1 << t)) continue;
    let cut = 0;
    for (const e of edges) if (mask & (1 << e.from) && !(mask & (1 << e.to))) cut += e.capacity;
    best = Math.min(best, cut);
  }
  return best;
}

describe("minCut", () => {
  it("a textbook network: flow 23", () => {
    // CLRS figure 26.1: s=0, v1..v4 = 1..4, t=5.
    const e = (from: number, to: number, capacity: number) => ({ from, to, capacity });
    const edges = [
      e(0, 1, 16),
      e(0, 2, 13),
      e(2, 1, 4),
      e(1, 3, 12),
      e(3, 2, 9),
      e(2, 4, 14),
      e(4, 3, 7),
      e(3, 5, 20),
      e(4, 5, 4),
    ];
    const r = minCut(6, edges, 0, 5);
    expect(r.flow).toBe(23);
    expect(r.cut.reduce((s, k) => s + edges[k]!.capacity, 0)).toBe(23);
  });

  it("random networks with infinite edges agree with brute force (seed 1234)", () => {
    const rand = seededRandom(1234);
    for (let trial = 0; trial < 300; trial++) {
      const nodes = 2 + Math.floor(rand() * 7);
      const edges: FlowEdge[] = [];
      const count = Math.floor(rand() * nodes * 3);
      for (let k = 0; k < count; k++) {
        const from = Math.floor(rand() * nodes);
        const to = Math.floor(rand() * nodes);
        if (from === to) continue;
        const capacity = rand() < 0.2 ? Infinity : Math.floor(rand() * 10);
        edges.push({ from, to, capacity });
      }
      const want = bruteForce(nodes, edges, 0, nodes - 1);
      const label = `trial ${trial}: ${JSON.stringify(edges)}`;
      if (want === Infinity) {
        expect(() => minCut(nodes, edges, 0, nodes - 1), label).toThrow(/no finite cut/);
        continue;
      }
      const r = minCut(nodes, edges, 0, nodes - 1);
      expect(r.flow, label).toBe(want);
      expect(r.sourceSide[0], label).toBe(true);
      expect(r.sourceSide[nodes - 1], label).toBe(false);
      expect(
        r.cut.reduce((s, k) => s + edges[k]!.capacity, 0),
        label,
      ).toBe(want);
    }
  });

  it("a long chain is cut at its cheapest edge without recursion", () => {
    const n = 100_000;
    const edges = Array.from({ length: n - 1 }, (_, k) => ({
      from: k,
      to: k + 1,
      capacity: k === 77_777 ? 3 : 10,
    }));
    const r = minCut(n, edges, 0, n - 1);
    expect(r.flow).toBe(3);
    expect(r.cut).toEqual([77_777]);
  });

  it("refuses a malformed edge", () => {
    expect(() => minCut(2, [{ from: 0, to: 2, capacity: 1 }], 0, 1)).toThrow(/bad flow edge/);
    expect(() => minCut(2, [{ from: 0, to: 1, capacity: -1 }], 0, 1)).toThrow(/bad flow edge/);
  });
});
