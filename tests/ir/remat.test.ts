/**
 * Rematerialisation (src/ir/remat.ts): `store` leaves the graph alone; the other policies rewrite
 * it into a graph that verifies and computes the same loss and gradients in the interpreter;
 * `min-cut` saves the fewest bytes of every valid choice (brute force over small random graphs);
 * `recompute-cheap` saves only values that are not cheap.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { differentiate } from "../../src/ir/autodiff.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { ancestors, sizeOf, type Graph, type Node } from "../../src/ir/node.js";
import { printGraph } from "../../src/ir/print.js";
import {
  recomputable,
  rematerialize,
  rematPolicies,
  type RematPolicy,
} from "../../src/ir/remat.js";
import { simplify } from "../../src/ir/simplify.js";
import { verify } from "../../src/ir/verify.js";
import { checkFile } from "../../src/parser/program.js";

/** A joint graph: loss `loss`, gradients `d_<param>` for every parameter. */
function joint(build: (b: GraphBuilder) => Node): Graph {
  const b = new GraphBuilder();
  const loss = build(b);
  const g = b.build({ loss });
  const params = [...g.params.values()];
  return simplify(differentiate(g, g.outputs.get("loss")!, params).graph);
}

const partition = (g: Graph, policy: RematPolicy) =>
  rematerialize(
    g,
    policy,
    [g.outputs.get("loss")!],
    [...g.outputs].filter(([n]) => n.startsWith("d_")).map(([, n]) => n),
  );

/** Loss and every gradient of `b` against those of `a` (or `want`, `a`'s already), in f64. */
function expectSameValues(a: Graph, b: Graph, seed: number, label: string): void {
  const values = randomBindings(a, seededRandom(seed));
  const ra = interpret(a, values, { precision: "f64" });
  expectValues(ra, a, b, values, label);
}

function expectValues(
  want: ReturnType<typeof interpret>,
  a: Graph,
  b: Graph,
  values: ReturnType<typeof randomBindings>,
  label: string,
): void {
  const rb = interpret(b, values, { precision: "f64" });
  for (const [name, n] of a.outputs)
    expect([...rb.get(b.outputs.get(name)!)!.data], `${label}: ${name}`).toEqual([
      ...want.get(n)!.data,
    ]);
}

/** An MLP layer with gelu: the backward reads the pre-activation and the activation. */
const geluMlp = (b: GraphBuilder) => {
  const x = b.input("x", [4, 8]);
  const w1 = b.param("w1", [8, 16]);
  const w2 = b.param("w2", [16, 3]);
  const z = b.matmul(x, w1);
  const t = b.tanh(
    b.mul(b.constant(0.79788), b.add(z, b.mul(b.constant(0.044715), b.pow(z, b.constant(3))))),
  );
  const a = b.mul(b.mul(b.constant(0.5), z), b.add(b.constant(1), t));
  return b.sum(b.matmul(a, w2));
};

describe("rematerialize", () => {
  it("store returns the graph itself and saves every activation", () => {
    const g = joint(geluMlp);
    const r = partition(g, "store");
    expect(r.graph).toBe(g);
    expect(r.report.saved.length).toBe(r.report.activations);
    expect(r.report.savedBytes).toBe(r.report.activationBytes);
    expect(r.report.recomputed).toEqual([]);
  });

  it("recompute-cheap and min-cut recompute the gelu from the product", () => {
    const g = joint(geluMlp);
    for (const policy of ["recompute-cheap", "min-cut"] as const) {
      const r = partition(g, policy);
      verify(r.graph);
      // Only the [4,16] product is read stored; its gelu chain is recomputed.
      expect(r.report.saved.map((n) => n.op)).toEqual(["matmul"]);
      expect(r.report.savedBytes).toBe(4 * 4 * 16);
      expect(r.report.recomputed.length).toBeGreaterThan(0);
      expect(r.report.recomputed.every(recomputable)).toBe(true);
      const copies = r.graph.nodes.filter((n) => n.remat);
      expect(copies.length).toBe(r.report.recomputed.length);
      // A copy reads only saved values, leaves, constants or other copies.
      for (const c of copies)
        for (const i of c.inputs)
          expect(i.remat || ["matmul", "const", "input", "param"].includes(i.op)).toBe(true);
      expect(printGraph(r.graph)).toMatch(/# recomputed/);
      expectSameValues(g, r.graph, 3, policy);
    }
  });

  it("min-cut saves a small input instead of its large broadcast, recompute-cheap too", () => {
    // s [4,1] is a reduction (stored); y = exp(broadcast(s)) [4,64] is what the backward reads.
    const g = joint((b) => {
      const x = b.input("x", [4, 64]);
      const w = b.param("w", [64, 64]);
      const s = b.sum(b.matmul(x, w), [1], true);
      const y = b.exp(b.broadcast(s, [4, 64]));
      return b.sum(b.mul(y, x));
    });
    const store = partition(g, "store").report;
    const cut = partition(g, "min-cut").report;
    expect(cut.savedBytes).toBe(16);
    expect(cut.savedBytes).toBeLessThan(store.savedBytes);
  });

  it("min-cut keeps an activation when recomputing it would save something larger", () => {
    // y = tanh(a + b) over a [32,32] product and a broadcast [1,32] one: saving y beats saving
    // a and b.
    const g = joint((b) => {
      const x = b.input("x", [32, 32]);
      const z = b.input("z", [1, 32]);
      const p = b.param("p", [32, 32]);
      const q = b.param("q", [32, 32]);
      const y = b.tanh(b.add(b.matmul(x, p), b.broadcast(b.matmul(z, q), [32, 32])));
      return b.sum(b.mul(y, y));
    });
    const cheap = partition(g, "recompute-cheap").report;
    const cut = partition(g, "min-cut").report;
    expect(cut.saved.map((n) => n.op)).toEqual(["tanh"]);
    // The backward's y * y (in tanh' = 1 - y * y) is recomputed from the saved y.
    expect(cut.recomputed.map((n) => n.op)).toEqual(["mul"]);
    expect(cheap.saved.map((n) => n.op)).toEqual(["matmul", "matmul"]);
    expect(cut.savedBytes).toBeLessThan(cheap.savedBytes);
  });

  it("min-cut saves the fewest bytes of every valid choice (brute force, seed 99)", () => {
    const rand = seededRandom(99);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    let checked = 0;
    for (let trial = 0; trial < 40; trial++) {
      const g = joint((b) => {
        const x = b.input("x", [3, 5]);
        const values: Node[] = [x, b.param("w", [5, 5]), b.param("v", [3, 5])];
        for (let k = 0; k < 5; k++) {
          const u = pick(values);
          const v = pick(values);
          const same = u.shape.join() === v.shape.join();
          const r = rand();
          if (r < 0.2 && u.shape[1] === 5 && v.shape[0] === 5) values.push(b.matmul(u, v));
          else if (r < 0.35) values.push(b.broadcast(b.sum(u, [1], true), u.shape));
          else if (r < 0.6 && same) values.push(b.mul(u, v));
          else if (r < 0.8) values.push(b.tanh(u));
          else values.push(b.exp(b.mul(u, b.constant(0.1))));
        }
        return b.sum(b.tanh(values.at(-1)!));
      });
      const best = bruteForceBytes(g);
      if (best === undefined) continue;
      checked++;
      const cut = partition(g, "min-cut");
      verify(cut.graph);
      expectSameValues(g, cut.graph, trial, `trial ${trial}`);
      expect(cut.report.savedBytes, `trial ${trial}\n${printGraph(g)}`).toBe(best);
      for (const p of ["store", "recompute-cheap"] as const)
        expect(partition(g, p).report.savedBytes).toBeGreaterThanOrEqual(best);
    }
    expect(checked).toBeGreaterThan(20);
  });
});

/**
 * The fewest bytes of forward values from which the backward gets every value it reads;
 * undefined for a graph with too many forward values to try every subset.
 */
function bruteForceBytes(g: Graph): number | undefined {
  const loss = g.outputs.get("loss")!;
  const forward = ancestors([loss]);
  const grads = [...g.outputs].filter(([n]) => n.startsWith("d_")).map(([, n]) => n);
  const backward = [...ancestors(grads)].filter((n) => !forward.has(n));
  const free = (n: Node) => n === loss || ["input", "param", "const", "iota"].includes(n.op);
  const read = new Set(backward.flatMap((n) => n.inputs.filter((i) => forward.has(i) && !free(i))));
  const candidates = [...forward].filter((n) => !free(n));
  if (candidates.length > 14) return undefined;
  let best = Infinity;
  for (let mask = 0; mask < 1 << candidates.length; mask++) {
    const saved = new Set(candidates.filter((_, k) => mask & (1 << k)));
    const ok = (n: Node): boolean =>
      free(n) || saved.has(n) || (recomputable(n) && n.inputs.every(ok));
    if (![...read].every(ok)) continue;
    best = Math.min(
      best,
      [...saved].reduce((s, n) => s + 4 * sizeOf(n.shape), 0),
    );
  }
  return best;
}

describe("rematerialize every example", () => {
  const examples = readdirSync("examples").filter((f) => f.endsWith(".grove"));
  for (const file of examples)
    it(`examples/${file}: each policy's graph verifies and computes the same loss and gradients`, () => {
      const r = checkFile(`examples/${file}`);
      expect(r.diagnostics).toEqual([]);
      const train = r.program.trains[0]!;
      const bytes: Record<string, number> = {};
      let reference: [Graph, ReturnType<typeof interpret>, ReturnType<typeof randomBindings>];
      for (const policy of rematPolicies) {
        const c = compilePlan(train, { batch: 2, remat: policy });
        expect(c.diagnostics).toEqual([]);
        const { plan, compiled, remat } = c.value!;
        verify(remat!.graph);
        bytes[policy] = remat!.report.savedBytes;
        if (policy === "store") {
          expect(plan.remat).toBeUndefined();
          expect(remat!.graph).toBe(compiled.training);
          const values = randomBindings(compiled.training, seededRandom(7));
          const want = interpret(compiled.training, values, { precision: "f64" });
          reference = [compiled.training, want, values];
          continue;
        }
        expect(plan.remat).toBe(policy);
        const [g, want, values] = reference!;
        expectValues(want, g, remat!.graph, values, `${file} ${policy}`);
      }
      expect(bytes["min-cut"]).toBeLessThanOrEqual(bytes["recompute-cheap"]!);
      expect(bytes["min-cut"]).toBeLessThanOrEqual(bytes.store!);
    });
});
