/**
 * @file Gradients through the language's newer forms, checked against float64 central
 * differences: L2 regularisation of parameters named from a train section (`sum(l1.w^2)`),
 * weight tying (an output projection through the embedding's table), several results
 * destructured from a forward, and a stack made by `repeat`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradcheck, randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import type { Graph } from "../../src/ir/node.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { checkFile } from "../../src/parser/program.js";

function compiled(text: string, batch = 3) {
  const dir = mkdtempSync(join(tmpdir(), "grove-lang-"));
  const path = join(dir, "model.grove");
  writeFileSync(path, text);
  const r = checkFile(path);
  expect(r.diagnostics).toEqual([]);
  return compileTrain(r.program.trains[0]!, { batch }).value!;
}

function expectGradientsRight(text: string): Map<string, number> {
  const { training, params } = compiled(text);
  const results = gradcheck(training, params, { seed: 3, directions: 2 });
  for (const x of results) {
    expect(x.gradNorm, x.name).toBeGreaterThan(0);
    expect(x.maxRelError, `${x.name} (seed 3)`).toBeLessThan(1e-6);
  }
  return new Map(results.map((x) => [x.name, x.gradNorm]));
}

describe("gradients", () => {
  it("L2 regularisation in the loss adds 2 * lambda * w to the gradient", () => {
    const model = `
model Mlp {
  input features: [N, 2]
  l1 = Dense(2, 8, tanh)
  l2 = Dense(8, 3)
  output logits = features |> l1 |> l2
}
`;
    const plain = `${model}
train Mlp {
  data = spirals(n: 30)
  loss = cross_entropy(logits, label)
  optimizer = sgd()
}
`;
    const l2 = plain.replace(
      "loss = cross_entropy(logits, label)",
      "loss = cross_entropy(logits, label) + 0.5 * (sum(l1.w^2) + sum(l2.w^2))",
    );
    expectGradientsRight(l2);
    // The regularised gradient differs from the plain one by exactly lambda * 2 * w = w.
    const a = compiled(plain);
    const b = compiled(l2);
    const bindings = randomBindings(b.training, seededRandom(5));
    const gradient = (g: Graph, name: string) => {
      const node = g.outputs.get(`d_${name}`)!;
      return interpret(g, bindings, { precision: "f64", nodes: [node] }).get(node)!.data;
    };
    for (const name of ["l1.w", "l2.w"]) {
      const da = gradient(a.training, name);
      const db = gradient(b.training, name);
      const w = bindings[name]!.data;
      for (let i = 0; i < w.length; i++) expect(db[i]! - da[i]!).toBeCloseTo(w[i]!, 10);
    }
  });

  it("weight tying: the shared table gets the gradient of both uses", () => {
    const norms = expectGradientsRight(`
model Lm {
  input tokens: i32[N, 6]
  embed = Embedding(12, 4)
  output logits = embed(tokens) @ transpose(embed.table)
}
train Lm {
  data = text(path: "${join(process.cwd(), "examples/data/tiny-shakespeare.txt")}", context: 6)
  loss = mean(logits^2)
  optimizer = sgd()
}
`);
    expect([...norms.keys()]).toEqual(["embed.table"]);
  });

  it("destructured results of a forward and a repeated stack", () => {
    expectGradientsRight(`
block Encoder(in, latent) {
  to_mu = Dense(in, latent)
  to_logvar = Dense(in, latent)
  forward(x: [N, in]) -> ([N, latent], [N, latent]) = (to_mu(x), to_logvar(x))
}

model M {
  input features: [N, 2]
  enc = Encoder(2, 3)
  blocks = repeat(2, Dense(3, 3, tanh))
  (mu, logvar) = enc(features)
  output logits = mu * exp(0.5 * logvar) |> blocks
}

train M {
  data = spirals(n: 30)
  loss = cross_entropy(logits, label) + 0.01 * sum(blocks.1.w^2)
  optimizer = sgd()
}
`);
  });
});
