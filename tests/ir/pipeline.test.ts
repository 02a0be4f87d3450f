/**
 * Lowering checked .grove programs to IR, differentiating and simplifying them, and proving the
 * gradients right with `gradcheck` (float64 central differences) on every example.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradcheck } from "../../src/ir/gradcheck.js";
import { interpretOutputs } from "../../src/ir/interpret.js";
import { lowerTrace } from "../../src/ir/lower.js";
import type { Graph } from "../../src/ir/node.js";
import { compileTrain, pipelinePassNames } from "../../src/ir/pipeline.js";
import { printGraph } from "../../src/ir/print.js";
import { makeTensor } from "../../src/ir/tensor.js";
import { verify } from "../../src/ir/verify.js";
import { vjpRules } from "../../src/ir/vjp-rules.js";
import { checkFile } from "../../src/parser/program.js";

function checked(path: string) {
  const r = checkFile(path);
  expect(r.diagnostics).toEqual([]);
  return r.program;
}

function fromSource(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "grove-ir-"));
  const path = join(dir, "model.grove");
  writeFileSync(path, text);
  return checked(path);
}

const examples = [
  ["examples/mnist-mlp.grove", 2],
  ["examples/mnist-cnn.grove", 2],
  ["examples/autoencoder.grove", 2],
  ["examples/regression.grove", 3],
  ["examples/char-transformer.grove", 1],
  ["examples/residual-mlp.grove", 2],
  ["examples/vae.grove", 2],
] as const;

describe("compileTrain on every example", () => {
  for (const [file, batch] of examples) {
    it(`${file}: verifies after every pass and has a gradient per parameter`, () => {
      const train = checked(file).trains[0]!;
      const seen: string[] = [];
      const r = compileTrain(train, {
        batch,
        afterPass: (name, g) => {
          seen.push(name);
          verify(g);
        },
      });
      expect(r.diagnostics).toEqual([]);
      const { forward, training, params } = r.value!;
      expect(new Set(seen)).toEqual(new Set(pipelinePassNames));
      expect(params).toEqual(train.graph.params.map((p) => p.name));
      for (const p of params) expect(training.outputs.has(`d_${p}`)).toBe(true);
      expect(forward.outputs.get("loss")!.shape).toEqual([]);
      expect(forward.inputs.size).toBeGreaterThan(0);
      for (const [name, input] of forward.inputs)
        if (name !== "@step") expect(input.shape[0]).toBe(batch);
    });

    it(`${file}: every parameter's gradient matches central differences`, () => {
      const train = checked(file).trains[0]!;
      const { training, params } = compileTrain(train, { batch }).value!;
      const directions = file.includes("transformer") ? 0 : 2;
      const results = gradcheck(training, params, { seed: 7, directions });
      expect(results.map((x) => x.name)).toEqual(params);
      for (const x of results) {
        expect(x.gradNorm, x.name).toBeGreaterThan(0);
        expect(x.maxRelError, `${x.name} (seed 7)`).toBeLessThan(1e-6);
      }
    }, 60_000);
  }
});

describe("gradcheck can fail", () => {
  it("reports a wrong derivative rule", () => {
    const program = fromSource(`
      model M {
        input features: [N, 1]
        param w: [1, 2] ~ normal(std: 0.5)
        output y = tanh(features @ w)
      }
      train M {
        data = sine()
        loss = mean(y * y)
        optimizer = sgd()
      }
    `);
    const { training, params } = compileTrain(program.trains[0]!, { batch: 4 }).value!;
    expect(gradcheck(training, params)[0]!.maxRelError).toBeLessThan(1e-6);

    const rules = vjpRules as unknown as Record<string, unknown>;
    const original = rules.tanh;
    // d tanh = 1 - y^2; the broken rule forgets the square.
    rules.tanh = (b: any, node: any, g: any) => [() => b.mul(g, b.sub(b.constant(1), node))];
    try {
      const broken = compileTrain(program.trains[0]!, { batch: 4 }).value!;
      expect(gradcheck(broken.training, broken.params)[0]!.maxRelError).toBeGreaterThan(1e-3);
    } finally {
      rules.tanh = original;
    }
  });
});

describe("lowering", () => {
  const program = fromSource(`
    fn swish(x) = x * sigmoid(x)
    model Tiny {
      input features: [N, 2]
      param w: [2, 3] ~ glorot_uniform
      param b: [3] ~ zeros
      output y = swish(features @ w + b)
    }
    train Tiny {
      data = spirals(classes: 3)
      loss = cross_entropy(y, label)
      optimizer = sgd(lr: 0.1)
      batch = 4
    }
  `);

  it("specialises the batch dimension", () => {
    const g = lowerTrace(program.trains[0]!.graph, { batch: 5, training: true, seed: 0 }).value!;
    expect(g.inputs.get("features")!.shape).toEqual([5, 2]);
    expect(g.inputs.get("label")!.shape).toEqual([5]);
  });

  it("prints the simplified forward and backward graphs with .grove locations", () => {
    const { forward, training } = compileTrain(program.trains[0]!).value!;
    const text = (g: Graph) => printGraph(g).replace(/# \/[^\s]*model\.grove/g, "# model.grove");
    expect(text(forward)).toContain("matmul %0 %1");
    expect(text(forward)).toMatch(/sigmoid .*# model\.grove@\d+/);
    expect(text(training)).toMatch(/return .*d_w=%\d+, d_b=%\d+/);
    expect(training.nodes.length).toBeGreaterThan(forward.nodes.length);
  });

  it("keys dropout in the training graph by the `@step` input; evaluation draws nothing", () => {
    const p = fromSource(`
      model Drop {
        input features: [N, 2]
        param w: [2, 3] ~ glorot_uniform
        output y = dropout(features, rate: 0.5) @ w
      }
      train Drop {
        data = spirals(classes: 3)
        loss = cross_entropy(y, label)
        optimizer = sgd()
      }
    `);
    const { training, params } = compileTrain(p.trains[0]!, { batch: 6 }).value!;
    expect(training.inputs.get("@step")).toMatchObject({ shape: [], dtype: "i32" });
    const evaluation = compileTrain(p.trains[0]!, { batch: 6, training: false }).value!.forward;
    expect(evaluation.inputs.has("@step")).toBe(false);
    expect(evaluation.nodes.some((n) => n.op === "random_uniform")).toBe(false);
    const bindings = {
      features: makeTensor([6, 2], "f32", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      label: makeTensor([6], "i32", [0, 1, 2, 0, 1, 2]),
      w: makeTensor([2, 3], "f32", [1, -1, 0.5, 0.25, 2, -3]),
    };
    const grad = (step: number) =>
      Array.from(
        interpretOutputs(training, { ...bindings, "@step": makeTensor([], "i32", [step]) }).get(
          `d_${params[0]}`,
        )!.data,
      );
    // A fresh mask each step, the same mask for the same step.
    expect(grad(3)).toEqual(grad(3));
    expect(grad(3)).not.toEqual(grad(4));
  });

  it("reports a dimension that stays symbolic", () => {
    const p = fromSource(`
      model Seq {
        input x: [N, T]
        output y = sum(x, axis: 1)
      }
    `);
    const r = lowerTrace(p.models[0]!.graph, { batch: 2, training: false, seed: 0 });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["G0801", "dimension `T` has no value when compiling"],
    ]);
  });
});
