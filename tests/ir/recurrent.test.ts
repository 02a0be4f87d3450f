/**
 * @file Recurrence through `scan`: the std layers (Rnn, Gru, Lstm) and cells against PyTorch's
 * equations written out in JavaScript, and gradients through time against float64 central
 * differences. The simplifier's merging of zero-padded slice gradients is checked to keep the
 * graph's values.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradcheck, randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { lowerTrace } from "../../src/ir/lower.js";
import type { Graph } from "../../src/ir/node.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { simplify } from "../../src/ir/simplify.js";
import { checkFile, type CheckResult } from "../../src/parser/program.js";

const text = join(process.cwd(), "examples/data/tiny-shakespeare.txt");

function checked(source: string): CheckResult {
  const dir = mkdtempSync(join(tmpdir(), "grove-scan-"));
  const path = join(dir, "model.grove");
  writeFileSync(path, source);
  const r = checkFile(path);
  expect(r.diagnostics).toEqual([]);
  return r;
}

/** A character model: Embedding(16, 3), then `layers`, then Dense(hidden, 16), over 5 steps. */
const charModel = (members: string, pipeline: string, hidden: number) => `
model M {
  input tokens: i32[N, 5]
  embed = Embedding(16, 3)
${members}
  head = Dense(${hidden}, 16)
  output logits = tokens |> embed |> ${pipeline} |> head
}

train M {
  data = text(path: "${text}", context: 5)
  loss = cross_entropy(logits, targets)
  optimizer = sgd()
}
`;

function expectGradientsRight(source: string): string[] {
  const r = checked(source);
  const { training, params } = compileTrain(r.program.trains[0]!, { batch: 2 }).value!;
  const results = gradcheck(training, params, { seed: 11, directions: 2 });
  for (const x of results) {
    expect(x.gradNorm, x.name).toBeGreaterThan(0);
    expect(x.maxRelError, `${x.name} (seed 11)`).toBeLessThan(1e-6);
  }
  return results.map((x) => x.name);
}

describe("gradients through time", () => {
  it("Gru", () => {
    const names = expectGradientsRight(charModel("  gru = Gru(3, 4)", "gru", 4));
    expect(names).toEqual([
      "embed.table",
      "gru.w_ih",
      "gru.b_ih",
      "gru.step.w_hh",
      "gru.step.b_hh",
      "head.w",
      "head.b",
    ]);
  });

  it("Lstm then Rnn", () => {
    expectGradientsRight(charModel("  lstm = Lstm(3, 4)\n  rnn = Rnn(4, 3)", "lstm |> rnn", 3));
  });

  it("GRUCell and LSTMCell through scan, one of them in reverse, with the final states", () => {
    const source = `
block Both(in, hidden) {
  gru = GRUCell(in, hidden)
  lstm = LSTMCell(in, hidden)
  forward(x: [N, T, in]) -> [N, T, hidden] {
    z = broadcast(0, [size(x, 0), hidden])
    (hs, h) = scan(x, gru, z)
    (ks, k, c) = scan(x, lstm, (z, z), reverse: true)
    hs * ks + reshape(h * c, [size(x, 0), 1, hidden])
  }
}
`;
    expectGradientsRight(source + charModel("  both = Both(3, 4)", "both", 4));
  });
});

// ---------------------------------------------------------------- PyTorch's equations

type Mat = number[][];

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Row i of x [n, k] times w [k, m] (row-major data) plus b [m]. */
function affine(x: readonly number[], w: ArrayLike<number>, b: ArrayLike<number>, m: number) {
  return Array.from({ length: m }, (_, j) => x.reduce((s, v, k) => s + v * w[k * m + j]!, b[j]!));
}

function gruReference(xs: Mat, p: Record<string, ArrayLike<number>>, hidden: number): Mat {
  let h = new Array<number>(hidden).fill(0);
  return xs.map((x) => {
    const gi = affine(x, p.w_ih!, p.b_ih!, 3 * hidden);
    const gh = affine(h, p.w_hh!, p.b_hh!, 3 * hidden);
    h = h.map((hj, j) => {
      const r = sigmoid(gi[j]! + gh[j]!);
      const z = sigmoid(gi[hidden + j]! + gh[hidden + j]!);
      const n = Math.tanh(gi[2 * hidden + j]! + r * gh[2 * hidden + j]!);
      return (1 - z) * n + z * hj;
    });
    return h;
  });
}

function lstmReference(xs: Mat, p: Record<string, ArrayLike<number>>, hidden: number): Mat {
  let h = new Array<number>(hidden).fill(0);
  let c = new Array<number>(hidden).fill(0);
  return xs.map((x) => {
    const gi = affine(x, p.w_ih!, p.b_ih!, 4 * hidden);
    const gh = affine(h, p.w_hh!, p.b_hh!, 4 * hidden);
    const g = (k: number, j: number) => gi[k * hidden + j]! + gh[k * hidden + j]!;
    c = c.map((cj, j) => sigmoid(g(1, j)) * cj + sigmoid(g(0, j)) * Math.tanh(g(2, j)));
    h = c.map((cj, j) => sigmoid(g(3, j)) * Math.tanh(cj));
    return h;
  });
}

/** The model's forward graph for `batch`, lowered and simplified. */
function forwardOf(r: CheckResult, batch: number): Graph {
  const g = lowerTrace(r.program.models[0]!.graph, { batch, training: false, seed: 0 }).value!;
  return simplify(g);
}

describe("the std layers follow PyTorch's equations", () => {
  const T = 4;
  const cases = [
    ["Gru", "GRUCell", gruReference],
    ["Lstm", "LSTMCell", lstmReference],
  ] as const;
  for (const [layer, cell, reference] of cases)
    it(`${layer} and ${cell} give PyTorch's h_t at every step`, () => {
      const r = checked(`
model M {
  input x: [N, ${T}, 3]
  layer = ${layer}(3, 5)
  cell = ${cell}(3, 5)
  z = broadcast(0, [size(x, 0), 5])
  output y = layer(x)
  (hs, h${cell === "LSTMCell" ? ", c" : ""}) = scan(x, cell, ${cell === "LSTMCell" ? "(z, z)" : "z"})
  output y2 = hs
}
`);
      const g = forwardOf(r, 2);
      const bindings = randomBindings(g, seededRandom(4));
      const out = interpret(g, bindings, { precision: "f64" });
      const data = (name: string) => out.get(g.outputs.get(name)!)!.data;
      const param = (prefix: string) => (name: string) => bindings[`${prefix}.${name}`]!.data;
      const x = bindings.x!.data;
      const layerParams = {
        w_ih: param("layer")("w_ih"),
        b_ih: param("layer")("b_ih"),
        w_hh: param("layer.step")("w_hh"),
        b_hh: param("layer.step")("b_hh"),
      };
      const cellParams = Object.fromEntries(
        ["w_ih", "b_ih", "w_hh", "b_hh"].map((n) => [n, param("cell")(n)]),
      );
      for (let n = 0; n < 2; n++) {
        const xs = Array.from({ length: T }, (_, t) =>
          Array.from({ length: 3 }, (_, k) => x[(n * T + t) * 3 + k]!),
        );
        for (const [name, p] of [
          ["y", layerParams],
          ["y2", cellParams],
        ] as const) {
          const want = reference(xs, p, 5).flat();
          const got = Array.from(data(name).slice(n * T * 5, (n + 1) * T * 5));
          got.forEach((v, i) => expect(v, `${name}[${n}] element ${i}`).toBeCloseTo(want[i]!, 12));
        }
      }
    });
});

describe("simplifying the gradient of many slices", () => {
  it("adds the zero-padded slice gradients as one concat, with the same values", () => {
    const r = checked(charModel("  gru = Gru(3, 4)", "gru", 4));
    let differentiated: Graph | undefined;
    const { training } = compileTrain(r.program.trains[0]!, {
      batch: 2,
      afterPass: (name, g) => {
        if (name === "differentiate") differentiated = g;
      },
    }).value!;
    // Before: the embedding's gradient adds up 5 zero-padded slices. After: no add of two
    // concats is left, each slice's gradient is its own part.
    const addsOfConcats = (g: Graph) =>
      g.nodes.filter((n) => n.op === "add" && n.inputs.every((i) => i.op === "concat")).length;
    expect(addsOfConcats(differentiated!)).toBeGreaterThanOrEqual(4);
    expect(addsOfConcats(training)).toBe(0);
    const bindings = randomBindings(training, seededRandom(2));
    const values = (g: Graph) => {
      const out = interpret(g, bindings, { precision: "f64" });
      return new Map([...g.outputs].map(([name, n]) => [name, out.get(n)!.data]));
    };
    const before = values(differentiated!);
    const after = values(training);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    // The embedding's gradient reaches it through the slices only: the same numbers, bit for bit.
    expect(Array.from(after.get("d_embed.table")!)).toEqual(
      Array.from(before.get("d_embed.table")!),
    );
    // Elsewhere the sum of per-step products is one product, which rounds differently.
    for (const [name, want] of before) {
      const got = after.get(name)!;
      const scale = Math.max(...Array.from(want, Math.abs), 1e-30);
      want.forEach((v, i) => expect(Math.abs(got[i]! - v) / scale, name).toBeLessThan(1e-12));
    }
  });

  it("adds the per-step products of a shared weight's gradient as one product", () => {
    const r = checked(charModel("  gru = Gru(3, 4)", "gru", 4));
    let differentiated: Graph | undefined;
    const { training } = compileTrain(r.program.trains[0]!, {
      batch: 2,
      afterPass: (name, g) => {
        if (name === "differentiate") differentiated = g;
      },
    }).value!;
    const products = (g: Graph) => {
      const d = g.outputs.get("d_gru.step.w_hh")!;
      const seen = new Set<number>();
      const todo = [d];
      let n = 0;
      while (todo.length > 0) {
        const x = todo.pop()!;
        if (seen.has(x.id) || (x.op !== "add" && x.op !== "matmul")) continue;
        seen.add(x.id);
        if (x.op === "matmul") n++;
        else todo.push(...x.inputs);
      }
      return n;
    };
    // One h_(t-1)ᵀ g_t per step (step 1's with the zero initial state), then one over all 5.
    expect(products(differentiated!)).toBe(5);
    expect(products(training)).toBe(1);
    const w = training.outputs.get("d_gru.step.w_hh")!;
    expect(w.op).toBe("matmul");
    // [hidden, steps x batch] @ [steps x batch, 3 hidden]
    expect(w.inputs.map((x) => x.shape)).toEqual([
      [4, 10],
      [10, 12],
    ]);
  });
});
