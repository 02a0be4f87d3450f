/**
 * @file Every example checks clean and elaborates: models into graphs with outputs and named,
 * concretely shaped parameters; train sections into graphs with a scalar `loss`. The design
 * notes' sketch checks clean too.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diag/render.js";
import { formatShape } from "../../src/parser/check/shapes.js";
import type { ElaboratedModel, Graph } from "../../src/parser/check/values.js";
import { checkFile, type CheckResult } from "../../src/parser/program.js";

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".grove"))
  .sort();

function checkClean(path: string): CheckResult {
  const r = checkFile(path);
  expect(renderDiagnostics(r.diagnostics, r.sources, "short")).toBe("");
  return r;
}

function params(g: Graph): Record<string, number[]> {
  return Object.fromEntries(g.params.map((p) => [p.name, [...p.shape]]));
}

function outputShape(g: Graph, name: string): string | undefined {
  const o = g.outputs.find((x) => x.name === name);
  return o && formatShape(g.nodes[o.node]!.shape);
}

const model = (r: CheckResult, name: string): ElaboratedModel =>
  r.program.models.find((m) => m.name === name)!;

describe("examples", () => {
  it("has the shipped examples", () => {
    expect(examples).toEqual([
      "autoencoder.grove",
      "char-gpt-tied.grove",
      "char-gru.grove",
      "char-transformer.grove",
      "finetune-last-layer.grove",
      "lenet5.grove",
      "mlp-mixer.grove",
      "mnist-cnn-bn.grove",
      "mnist-cnn.grove",
      "mnist-mlp.grove",
      "multitask.grove",
      "regression.grove",
      "residual-mlp.grove",
      "vae.grove",
    ]);
  });

  it.each(examples)("%s checks clean and elaborates", (file) => {
    const r = checkClean(join("examples", file));
    expect(r.program.models.length).toBeGreaterThanOrEqual(1);
    for (const m of r.program.models) {
      expect(m.graph.outputs.length).toBeGreaterThanOrEqual(1);
      expect(m.graph.params.length).toBeGreaterThanOrEqual(1);
      for (const p of m.graph.params) {
        expect(p.name).toMatch(/^[A-Za-z_]\w*(\.([A-Za-z_]\w*|\d+))*$/);
        expect(p.shape.length).toBeGreaterThanOrEqual(1);
        for (const n of p.shape) expect(Number.isInteger(n) && n > 0).toBe(true);
      }
      expect(new Set(m.graph.params.map((p) => p.name)).size).toBe(m.graph.params.length);
    }
    expect(r.program.trains.length).toBe(1);
    for (const t of r.program.trains) {
      expect(outputShape(t.graph, "loss")).toBe("[]");
      const loss = t.graph.outputs.find((o) => o.name === "loss")!;
      expect(t.graph.nodes[loss.node]!.dtype).toBe("f32");
      for (const name of t.metrics) expect(outputShape(t.graph, `metric:${name}`)).toBe("[]");
    }
  });

  it("mnist-mlp: the design sketch's parameters and shapes", () => {
    const r = checkClean("examples/mnist-mlp.grove");
    const g = model(r, "Mlp").graph;
    expect(params(g)).toEqual({
      "l1.w": [784, 256],
      "l1.b": [256],
      "l2.w": [256, 10],
      "l2.b": [10],
    });
    expect(g.params.find((p) => p.name === "l1.w")!.init.name).toBe("glorot_uniform");
    expect(g.params.find((p) => p.name === "l1.b")!.init.name).toBe("zeros");
    expect(outputShape(g, "logits")).toBe("[N, 10]");
    const t = r.program.trains[0]!;
    expect(t.model).toBe("Mlp");
    expect(t.data.name).toBe("mnist");
    expect(t.data.args).toMatchObject({ split: "train", validate: 0.1 });
    expect(t.optimizer).toMatchObject({ name: "adamw", args: { lr: 1e-3, weight_decay: 0.01 } });
    expect(t.schedule).toMatchObject({ name: "cosine", args: { warmup: 100 } });
    expect([t.batch, t.epochs, t.seed, t.clipGradNorm]).toEqual([128, 20, 42, 1]);
    expect(t.metrics).toEqual(["accuracy"]);
  });

  it("mnist-cnn: convolution and dense parameter shapes", () => {
    const g = model(checkClean("examples/mnist-cnn.grove"), "Cnn").graph;
    expect(params(g)).toEqual({
      "conv1.w": [16, 1, 3, 3],
      "conv1.b": [16],
      "conv2.w": [32, 16, 3, 3],
      "conv2.b": [32],
      "fc.w": [1568, 10],
      "fc.b": [10],
    });
    expect(outputShape(g, "logits")).toBe("[N, 10]");
  });

  it("autoencoder: two outputs of the image's shape", () => {
    const g = model(checkClean("examples/autoencoder.grove"), "Autoencoder").graph;
    expect(Object.keys(params(g))).toEqual([
      "enc1.w",
      "enc1.b",
      "enc2.w",
      "enc2.b",
      "dec1.w",
      "dec1.b",
      "dec2.w",
      "dec2.b",
    ]);
    expect(params(g)["enc2.w"]).toEqual([128, 32]);
    expect(outputShape(g, "logits")).toBe("[N, 784]");
    expect(outputShape(g, "recon")).toBe("[N, 784]");
  });

  it("regression: a [N, 1] prediction", () => {
    const r = checkClean("examples/regression.grove");
    const g = model(r, "HousePrice").graph;
    expect(params(g)["out.w"]).toEqual([32, 1]);
    expect(outputShape(g, "price")).toBe("[N, 1]");
    expect(r.program.trains[0]!.fields.map((f) => f.name)).toEqual(["features", "target"]);
  });

  it("residual-mlp: four repeated blocks named blocks.0 … blocks.3", () => {
    const r = checkClean("examples/residual-mlp.grove");
    const p = params(model(r, "ResidualMlp").graph);
    expect(Object.keys(p).filter((n) => n.startsWith("blocks.")).length).toBe(4 * 6);
    for (const k of [0, 1, 2, 3]) {
      expect(p[`blocks.${k}.norm.gamma`]).toEqual([128]);
      expect(p[`blocks.${k}.ff.up.w`]).toEqual([128, 256]);
      expect(p[`blocks.${k}.ff.down.w`]).toEqual([256, 128]);
    }
    expect(p["blocks.4.norm.gamma"]).toBeUndefined();
    expect(outputShape(model(r, "ResidualMlp").graph, "logits")).toBe("[N, 10]");
  });

  it("vae: the encoder's two results destructured into outputs", () => {
    const r = checkClean("examples/vae.grove");
    const g = model(r, "Vae").graph;
    expect(g.outputs.map((o) => o.name)).toEqual(["mu", "logvar", "logits", "recon"]);
    for (const name of ["mu", "logvar"]) expect(outputShape(g, name)).toBe("[N, 16]");
    expect(params(g)["encoder.to_logvar.w"]).toEqual([256, 16]);
    expect(r.program.trains[0]!.metrics).toEqual(["kl", "mse"]);
  });

  it("char-gru: a Gru over 16 bytes, its step's parameters under gru.step", () => {
    const r = checkClean("examples/char-gru.grove");
    const g = model(r, "CharGru").graph;
    expect(params(g)).toEqual({
      "embed.table": [256, 64],
      "gru.w_ih": [64, 384],
      "gru.b_ih": [384],
      "gru.step.w_hh": [128, 384],
      "gru.step.b_hh": [384],
      "head.w": [128, 256],
      "head.b": [256],
    });
    expect(outputShape(g, "logits")).toBe("[N, 16, 256]");
    // One step's product with w_hh per time step, all with the one shared parameter.
    const w = g.params.find((p) => p.name === "gru.step.w_hh")!.node;
    expect(g.nodes.filter((n) => n.op === "matmul" && n.inputs[1] === w)).toHaveLength(16);
  });

  it("char-transformer: nested instance paths and a model-level param", () => {
    const r = checkClean("examples/char-transformer.grove");
    const g = model(r, "CharTransformer").graph;
    const p = params(g);
    expect(p["embed.table"]).toEqual([256, 128]);
    expect(p["pos"]).toEqual([64, 128]);
    for (const b of ["block1", "block2"]) {
      expect(p[`${b}.ln1.gamma`]).toEqual([128]);
      expect(p[`${b}.ln2.beta`]).toEqual([128]);
      for (const proj of ["q", "k", "v", "proj"])
        expect(p[`${b}.attn.${proj}.w`]).toEqual([128, 128]);
      expect(p[`${b}.ffn.up.w`]).toEqual([128, 512]);
      expect(p[`${b}.ffn.down.w`]).toEqual([512, 128]);
    }
    expect(p["ln_f.gamma"]).toEqual([128]);
    expect(p["head.w"]).toEqual([128, 256]);
    expect(g.params.length).toBe(2 + 2 * (4 + 8 + 4) + 2 + 2);
    expect(outputShape(g, "logits")).toBe("[N, 64, 256]");
    const t = r.program.trains[0]!;
    expect(t.fields).toEqual([
      { name: "tokens", dtype: "i32", dims: [64] },
      { name: "targets", dtype: "i32", dims: [64] },
    ]);
    expect(t.metrics).toEqual(["accuracy"]);
  });
});

/** The sketch from the design notes (/work/shared/design.md), verbatim. */
const designSketch = `// An elementwise function: Grove differentiates it symbolically and fuses it.
fn gelu(x) = 0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3)))

// A block owns parameters and maps inputs to outputs. Dimensions are names.
block Dense(in, out, act = identity) {
  param w: [in, out] ~ glorot_uniform
  param b: [out] ~ zeros
  forward(x: [N, in]) -> [N, out] = act(x @ w + b)
}

model Mlp {
  input image: [N, 784]
  l1 = Dense(784, 256, gelu)
  l2 = Dense(256, 10)
  output logits = image |> l1 |> l2
}

train Mlp {
  data      = mnist(split: "train", validate: 0.1)
  loss      = cross_entropy(logits, label)
  optimizer = adamw(lr: 1e-3, weight_decay: 0.01)
  schedule  = cosine(warmup: 100)
  batch     = 128
  epochs    = 5
  clip_grad_norm = 1.0
}
`;

describe("design sketch", () => {
  it("checks clean from a temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-sketch-"));
    const path = join(dir, "sketch.grove");
    writeFileSync(path, designSketch);
    const r = checkClean(path);
    expect(params(model(r, "Mlp").graph)).toEqual({
      "l1.w": [784, 256],
      "l1.b": [256],
      "l2.w": [256, 10],
      "l2.b": [10],
    });
    expect(outputShape(r.program.trains[0]!.graph, "loss")).toBe("[]");
  });
});
