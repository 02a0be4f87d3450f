/**
 * The ONNX training step (`--backend onnx`) against the CPU backend: the clipping and optimizer
 * update nodes give the host optimizer's values bit for bit from the same gradients; every
 * gradient-only primitive's lowering gives the interpreter's gradients (convolutions with strides,
 * padding and dropped edges, overlapping and partial pooling windows, ties in max pooling,
 * embeddings with repeated ids, random draws); and `OnnxRunner` keeps the `StepRunner` contract
 * (order of writes, runs and reads, errors) without making parameter-sized tensors per step.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { unboundedLimits } from "../../src/codegen/memory.js";
import { groupSpec, stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import { optimizerSpec, type OptimizerSpec } from "../../src/ops/optimizers.js";
import { fixed } from "../../src/export/batch.js";
import { ONNX_IR_VERSION, ONNX_OPSET } from "../../src/export/onnx.js";
import { encodeModel, type ValueInfoMessage } from "../../src/export/onnx-proto.js";
import { OnnxRunner, type Ort } from "../../src/export/onnx-runner.js";
import { trainModel } from "../../src/export/onnx-train.js";
import {
  clipScale,
  F32Ops,
  globalNorm,
  updateRule,
} from "../../src/export/onnx-train-optimizer.js";
import { OnnxWriter } from "../../src/export/onnx-writer.js";
import type { Graph } from "../../src/ir/node.js";
import { allOps } from "../../src/ops/ops.js";
import { uniformAt, uniformInto } from "../../src/ir/random.js";
import type { ParamRule } from "../../src/parser/check/values.js";
import { checkFile, nodeHost } from "../../src/parser/program.js";
import { CpuRunner } from "../../src/runtime/cpu-runner.js";
import { initialiseParams } from "../../src/runtime/host-data.js";
import {
  clipScale as hostClipScale,
  globalNorm as hostGlobalNorm,
  hostOptimizer,
} from "../../src/runtime/host-optimizer.js";
import type { HostArray, StepRunner } from "../../src/runtime/step-runner.js";
import { random, relativeError } from "./helpers.js";

const f32Info = (name: string, shape: readonly number[]): ValueInfoMessage => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});

/** An ONNX writer over no IR graph, for nodes written directly. */
function bareWriter(): OnnxWriter {
  const graph: Graph = {
    nodes: [],
    inputs: new Map(),
    params: new Map(),
    state: new Map(),
    outputs: new Map(),
  };
  return new OnnxWriter({ graph, shape: () => [], attr: () => fixed(0) }, "N", () => "");
}

const optimizers: OptimizerSpec[] = [
  optimizerSpec("sgd", { lr: 0.1 }),
  optimizerSpec("sgd", { lr: 0.1, momentum: 0.9, weight_decay: 0.01 }),
  optimizerSpec("sgd", { lr: 0.1, momentum: 0.8, nesterov: true }),
  optimizerSpec("adam", { lr: 1e-3 }),
  optimizerSpec("adam", { lr: 1e-3, weight_decay: 0.05, beta1: 0.8, eps: 1e-6 }),
  optimizerSpec("adamw", { lr: 1e-3 }),
  optimizerSpec("adamw", { lr: 3e-4, weight_decay: 0.1 }),
  optimizerSpec("rmsprop", { lr: 1e-3 }),
  optimizerSpec("rmsprop", { lr: 1e-3, momentum: 0.9, alpha: 0.9, weight_decay: 0.01 }),
];

/**
 * Per-parameter rules (`freeze`, `groups`) as the checker resolves them, one list per case: none;
 * then a group with its own rate and weight decay, a frozen parameter, a group with weight decay
 * 0 (replacing adamw's default) and one with only a rate.
 */
const ruleSets: Record<string, readonly (ParamRule | undefined)[]> = {
  "no groups": [undefined, undefined],
  "groups and freeze": [
    undefined,
    { lrScale: 1e-2 / 3e-4, weightDecay: 0.02 },
    { frozen: true },
    { weightDecay: 0 },
    { lrScale: 0.3 },
  ],
};

describe("clipping and the optimizer update", () => {
  const cases = optimizers.flatMap((o) =>
    Object.keys(ruleSets).flatMap((set) => [0, 0.5].map((clip) => [o, set, clip] as const)),
  );
  test.each(cases)(
    "%j, %s, clip %d: the host optimizer's values bit for bit",
    async (spec, set, clip) => {
      const rules = ruleSets[set]!;
      const sizes = rules.map((_, k) => [37, 5, 9, 6, 11][k]!);
      // Frozen parameters have no gradient, so no share in the norm and no update (as on the CPU).
      const trained = sizes.flatMap((_, k) => (rules[k]?.frozen ? [] : [k]));
      const w = bareWriter();
      const uniforms = new Map<string, string>();
      const uniform = (field: string) => {
        if (!uniforms.has(field)) {
          uniforms.set(field, `u:${field}`);
          w.inputs.push(f32Info(`u:${field}`, []));
        }
        return `u:${field}`;
      };
      const x = new F32Ops(w, uniform);
      const declare = (name: string, shape: readonly number[]) => {
        w.inputs.push(f32Info(name, shape));
        return name;
      };
      const grads = new Map(trained.map((k) => [k, declare(`g${k}`, [sizes[k]!])]));
      const scale = clip
        ? clipScale(x, globalNorm(x, [...grads.values()]), uniform("clip"))
        : undefined;
      const outputs: ValueInfoMessage[] = [];
      sizes.forEach((n, k) => {
        const rule = updateRule(spec, rules[k]);
        expect(rule === undefined).toBe(rules[k]?.frozen === true);
        if (!rule) return;
        const g = scale ? x.mul(grads.get(k)!, scale) : grads.get(k)!;
        const state = Object.fromEntries(rule.moments.map((m) => [m, declare(`${m}${k}`, [n])]));
        const next = rule.apply(x, { p: declare(`p${k}`, [n]), g, state });
        for (const [name, value] of [
          [`p${k}`, next.p],
          ...rule.moments.map((m) => [`${m}${k}`, next.state[m]!]),
        ]) {
          w.op("Identity", [value!], {}, `new:${name}`);
          outputs.push(f32Info(`new:${name}`, [n]));
        }
      });
      const bytes = encodeModel({
        irVersion: ONNX_IR_VERSION,
        opsetImport: [{ domain: "", version: ONNX_OPSET }],
        producerName: "test",
        producerVersion: "",
        graph: { name: "update", node: w.nodes, initializer: [], input: w.inputs, output: outputs },
      });

      // Values of many magnitudes, moments as after a few steps; step 3 of the schedule.
      const next = random(11);
      const draw = (n: number, scale: number) =>
        Float32Array.from({ length: n }, () => (next() - 0.5) * scale * 10 ** (-4 * next()));
      const values = new Map<string, Float32Array>();
      sizes.forEach((n, k) => {
        values.set(`g${k}`, draw(n, 4));
        values.set(`p${k}`, draw(n, 2));
        values.set(`m${k}`, draw(n, 0.1));
        values.set(`v${k}`, Float32Array.from(draw(n, 0.01), Math.abs));
      });
      const s = stepScalars(spec, 3, spec.args.lr as number, clip);
      const feeds: Record<string, ort.Tensor> = {};
      expect(w.inputs.some((i) => i.name === "g2" || i.name === "p2")).toBe(false);
      for (const input of w.inputs) {
        const u = input.name.startsWith("u:")
          ? Float32Array.of(s[input.name.slice(2) as "lr"])
          : values.get(input.name)!;
        feeds[input.name] = new ort.Tensor(
          "float32",
          u,
          input.name.startsWith("u:") ? [] : [u.length],
        );
      }
      const session = await ort.InferenceSession.create(bytes);
      const results = await session.run(feeds);
      await session.release();

      // The oracle: the CPU backend's update (src/runtime/cpu-runner.ts).
      const gradScale = clip
        ? hostClipScale(hostGlobalNorm(trained.map((k) => values.get(`g${k}`)!)), clip)
        : 1;
      if (clip) expect(gradScale).toBeLessThan(1);
      expect(Object.keys(results).sort()).toEqual(
        trained
          .flatMap((k) => [`p${k}`, ...hostOptimizer(spec).moments.map((m) => `${m}${k}`)])
          .map((n) => `new:${n}`)
          .sort(),
      );
      for (const k of trained) {
        const rule = rules[k] ?? {};
        const host = hostOptimizer(groupSpec(spec, rule));
        const lr =
          rule.lrScale === undefined
            ? s.lr
            : Math.fround(Math.fround(s.lr) * Math.fround(rule.lrScale));
        const p = values.get(`p${k}`)!.slice();
        const state = Object.fromEntries(
          host.moments.map((m) => [m, values.get(`${m}${k}`)!.slice()]),
        );
        host.update(p, values.get(`g${k}`)!, state, { ...s, lr }, gradScale);
        expect(p).not.toEqual(values.get(`p${k}`));
        expect(results[`new:p${k}`]!.data, `p${k}`).toEqual(p);
        for (const m of host.moments) expect(results[`new:${m}${k}`]!.data).toEqual(state[m]);
        expect(updateRule(spec, rules[k])!.moments).toEqual(host.moments);
      }
    },
  );
});

/** A project with one `.grove` file; its first train section compiled for `batch`. */
function compiled(source: string, batch: number): CompiledPlan & { optimizer: OptimizerSpec } {
  const dir = mkdtempSync(join(tmpdir(), "grove-onnx-train-"));
  const file = join(dir, "m.grove");
  writeFileSync(file, source);
  const checked = checkFile(file, nodeHost);
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const train = checked.program.trains[0]!;
  const r = compilePlan(train, { batch, limits: unboundedLimits });
  expect(r.diagnostics).toEqual([]);
  return { ...r.value!, optimizer: train.optimizer };
}

/** Seeded inputs for every input of the plan: f32 in [0, 1) rounded to quarters (ties), labels 0, 1. */
function inputsFor(c: CompiledPlan, seed: number): Map<string, HostArray> {
  const next = random(seed);
  return new Map(
    c.plan.inputs.map((t) => {
      const n = t.shape.reduce((a, d) => a * d, 1);
      const data =
        t.dtype === "i32"
          ? Int32Array.from({ length: n }, () => Math.floor(next() * 2))
          : Float32Array.from({ length: n }, () => Math.floor(next() * 4) / 4);
      return [t.name, data];
    }),
  );
}

/** Runs `steps` training steps on a runner; the losses and, after the first, the gradients. */
async function trainSteps(
  runner: StepRunner,
  c: CompiledPlan & { optimizer: OptimizerSpec },
  steps: number,
) {
  initialiseParams(runner, c.plan, 9);
  const inputs = inputsFor(c, 4);
  const losses: number[] = [];
  let grads = new Map<string, HostArray>();
  for (let step = 1; step <= steps; step++) {
    for (const name of c.plan.programs.train!.inputs)
      runner.writeInput(name, name === "@step" ? Int32Array.of(step) : inputs.get(name)!);
    const fields = c.plan.uniforms?.fields ?? [];
    runner.writeUniforms(uniformValues(fields, stepScalars(c.optimizer, step, 0.05, 0.5)));
    runner.run("train");
    losses.push((await runner.readOutput("loss"))[0]!);
    if (step === 1)
      grads = new Map(
        await Promise.all(
          c.plan.params.map(async (p) => [p.name, await runner.readGrad(p.name)] as const),
        ),
      );
  }
  const params = new Map(
    await Promise.all(
      c.plan.params.map(async (p) => [p.name, await runner.readParam(p.name)] as const),
    ),
  );
  return { losses, grads, params };
}

const model = (layers: string, train = "optimizer = sgd(lr: 0.05)\n  clip_grad_norm = 0.5") => `
model M {
  ${layers}
}
train M {
  data = xor(n: 64)
  loss = cross_entropy(logits, label)
  ${train}
  batch = 8
}`;

/** A [N, 1, 7, 7] image of the two features repeated (many ties), and a pattern to vary it. */
const image = `
  image = reshape(slice(reshape(broadcast(reshape(features, [N, 2, 1]), [N, 2, 25]), [N, 50]), 1, 0, 49), [N, 1, 7, 7])
  pattern = reshape(cast(iota(49), f32) / 49, [1, 1, 7, 7])`;

/** Models that together use every gradient-only primitive and random draws. */
const gradientModels: Record<string, string> = {
  "strided padded convolution, odd image, overlapping max pool with ties": model(`
  input features: [N, 2]
  param w1: [4, 1, 3, 3] ~ normal
  param w2: [3, 4, 3, 3] ~ normal
  param gain: [1, 1, 7, 7] ~ ones
  param head: [12, 2] ~ normal
  param mix: [1, 2] ~ normal
  ${image}
  // image has ties (values in quarters); gain is all ones, so pooling sees them
  pooled = max_pool2d(image * gain, 3, stride: 2)
  c1 = relu(conv2d(image * (1 + pattern), w1, stride: 2, padding: 1))
  // [N, 4, 4, 4] -> [N, 3, 2, 2]: the last row and column of c1 are dropped (output_padding 1)
  c2 = conv2d(c1, w2, stride: 2, padding: 1)
  output logits = reshape(c2, [N, 12]) @ head + reshape(sum(pooled, axis: [1, 2, 3]), [N, 1]) @ mix`),
  "average pooling: partial windows dropped, overlapping windows": model(`
  input features: [N, 2]
  param w: [2, 1, 3, 3] ~ normal
  param head: [36, 2] ~ normal
  ${image}
  c = conv2d(image * (1 + pattern), w, stride: 1, padding: 1)
  a = avg_pool2d(c, 2)
  b = avg_pool2d(c, 3, stride: 2)
  output logits = concat([reshape(a, [N, 18]), reshape(b, [N, 18])], axis: 1) @ head`),
  "embedding with repeated ids, dropout and normal noise": model(
    `
  input features: [N, 2]
  table = Embedding(6, 4)
  out = Dense(8, 2)
  ids = cast(features * 4, i32)
  e = table(ids) * (1 + 0.1 * random_normal(table(ids)))
  output logits = out(dropout(reshape(e, [N, 8]), rate: 0.3))`,
    "optimizer = adam(lr: 0.01)",
  ),
};

describe("a training step on ONNX Runtime gives the CPU backend's numbers", () => {
  test("the models use every gradient-only primitive and both random draws", () => {
    const used = new Set(
      Object.values(gradientModels).flatMap((s) =>
        compiled(s, 4).compiled.training.nodes.map((n) => n.op),
      ),
    );
    const wanted = allOps.filter((op) => op.endsWith("_grad") || op.startsWith("random_"));
    expect(wanted.filter((op) => !used.has(op))).toEqual([]);
    expect(used.has("scatter_add")).toBe(true);
  });

  test.each(Object.entries(gradientModels))("%s", async (_, source) => {
    const c = compiled(source, 4);
    const onnx = await OnnxRunner.create(ort, c, c.optimizer);
    const cpu = CpuRunner.create(c, c.optimizer);
    const [a, b] = [await trainSteps(onnx, c, 3), await trainSteps(cpu, c, 3)];
    onnx.destroy();
    // The interpreter sums in float64, ONNX Runtime in float32: differences of a few ulps of
    // the tensor's scale, which three steps carry into the losses and parameters.
    for (const [name, g] of b.grads)
      expect(relativeError(a.grads.get(name)!, g), name).toBeLessThan(1e-5);
    a.losses.forEach((l, i) =>
      expect(Math.abs(l - b.losses[i]!) / Math.max(Math.abs(b.losses[i]!), 1e-6)).toBeLessThan(
        1e-5,
      ),
    );
    for (const [name, p] of b.params)
      expect(relativeError(a.params.get(name)!, p), name).toBeLessThan(1e-5);
  });
});

describe("freeze and groups: a training step on ONNX Runtime gives the CPU backend's numbers", () => {
  const layers = `
  input features: [N, 2]
  h = Dense(2, 8, tanh)
  mid = Dense(8, 8, relu)
  out = Dense(8, 2)
  output logits = out(mid(h(features)))`;
  // Frozen: the first layer's weights and the middle layer; grouped: every bias without weight
  // decay, the head with its own rate. Clipping by a norm the frozen gradients take no part in.
  const settings = (optimizer: string) => `optimizer = ${optimizer}
  clip_grad_norm = 0.5
  freeze = [mid, "h.w"]
  groups = [group("**.b", weight_decay: 0), group("out", lr: 0.2)]`;
  test.each([
    "sgd(lr: 0.05, weight_decay: 0.01)",
    "sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.01)",
    "adam(lr: 0.01, weight_decay: 0.01)",
    "adamw(lr: 0.01)",
    "rmsprop(lr: 0.01, momentum: 0.5, weight_decay: 0.01)",
  ])("%s", async (optimizer) => {
    const c = compiled(model(layers, settings(optimizer)), 4);
    expect(c.compiled.paramRules?.["mid.w"]?.frozen).toBe(true);
    const onnx = await OnnxRunner.create(ort, c, c.optimizer);
    const cpu = CpuRunner.create(c, c.optimizer);
    const start = new Map<string, HostArray>();
    initialiseParams({ writeParam: (name, data) => start.set(name, data.slice()) }, c.plan, 9);
    const [a, b] = [await trainSteps(onnx, c, 3), await trainSteps(cpu, c, 3)];
    onnx.destroy();
    for (const frozen of ["h.w", "mid.w", "mid.b"]) {
      expect(a.params.get(frozen), frozen).toEqual(start.get(frozen));
      expect(b.params.get(frozen), frozen).toEqual(start.get(frozen));
    }
    a.losses.forEach((l, i) =>
      expect(Math.abs(l - b.losses[i]!) / Math.max(Math.abs(b.losses[i]!), 1e-6)).toBeLessThan(
        1e-5,
      ),
    );
    for (const [name, p] of b.params) {
      if (!["h.w", "mid.w", "mid.b"].includes(name)) expect(p, name).not.toEqual(start.get(name));
      expect(relativeError(a.params.get(name)!, p), name).toBeLessThan(1e-5);
    }
  });
});

test("uniformInto (the runner's dropout masks) gives uniformAt's values", () => {
  for (const [seed, stream, counter] of [
    [0, 0, 0],
    [7, 12, 1],
    [4294967295, 2147483648, 123456789],
  ] as const) {
    const out = new Float32Array(3000);
    uniformInto(out, seed, stream, counter);
    expect(out).toEqual(Float32Array.from(out, (_, i) => uniformAt(seed, stream, i, counter)));
  }
});

describe("OnnxRunner", () => {
  const source = model(`
  input features: [N, 2]
  h = Dense(2, 8, relu)
  out = Dense(8, 2)
  output logits = out(h(features))`);

  test("reads before a run give zeros; writes, runs and reads take effect in call order", async () => {
    const c = compiled(source, 4);
    const r = await OnnxRunner.create(ort, c, c.optimizer);
    expect(Array.from(await r.readOutput("loss"))).toEqual([0]);
    initialiseParams(r, c.plan, 1);
    const start = await Promise.all(c.plan.params.map((p) => r.readParam(p.name)));
    for (const [name, data] of inputsFor(c, 2)) r.writeInput(name, data);
    r.writeUniforms(uniformValues(c.plan.uniforms!.fields, stepScalars(c.optimizer, 1, 0.05, 0.5)));
    r.run("train");
    const first = r.readOutput("loss");
    const updated = r.readParam("h.w");
    // Written after the run: the run above does not see them, the next one does.
    c.plan.params.forEach((p, k) => r.writeParam(p.name, start[k]!));
    r.run("train");
    const second = r.readOutput("loss");
    expect((await first)[0]).toBe((await second)[0]);
    expect(await updated).not.toEqual(start[0]);
    expect(c.plan.params[0]!.name).toBe("h.w");
    expect(await r.readGrad("h.w")).toHaveLength(16);
    r.destroy();
    expect(() => r.run("train")).toThrow("this OnnxRunner was destroyed");
  });

  test("refuses unknown names and wrong sizes; a failed run fails every later read", async () => {
    const c = compiled(
      model(`
  input features: [N, 2]
  table = Embedding(3, 2)
  output logits = sum(table(cast(features, i32)), axis: 1)`),
      2,
    );
    const r = await OnnxRunner.create(ort, c, c.optimizer);
    expect(() => r.writeInput("nope", new Float32Array(4))).toThrow(
      'no input "nope" in this plan; it has features, label',
    );
    expect(() => r.writeInput("features", new Float32Array(3))).toThrow(
      '"features" holds 4 f32 values (a Float32Array); got a Float32Array of length 3',
    );
    expect(() => r.run("train")).toThrow('input "features" was never written');
    initialiseParams(r, c.plan, 1);
    r.writeInput("features", Float32Array.of(0, 1, 7, 2));
    r.writeInput("label", Int32Array.of(0, 1));
    r.writeUniforms(uniformValues(c.plan.uniforms!.fields, stepScalars(c.optimizer, 1, 0.05, 0.5)));
    r.run("train"); // id 7 is outside the table of 3 rows: ONNX Runtime's Gather refuses it
    await expect(r.readOutput("loss")).rejects.toThrow(/7/);
    await expect(r.readParam("table.table")).rejects.toThrow(/7/);
    r.destroy();
  });

  test("keeps parameters and moments as ONNX Runtime tensors: no parameter-sized tensor per step", async () => {
    const c = compiled(source, 4);
    const made: number[] = [];
    const Counting = new Proxy(ort.Tensor, {
      construct(target, args: unknown[], newTarget) {
        const t = Reflect.construct(target, args, newTarget) as ort.Tensor;
        made.push(t.size);
        return t;
      },
    });
    const counting = { ...ort, Tensor: Counting } as unknown as Ort;
    const r = await OnnxRunner.create(counting, c, c.optimizer);
    await r.prepare("train");
    initialiseParams(r, c.plan, 1);
    const inputs = inputsFor(c, 2);
    made.length = 0;
    for (let step = 1; step <= 3; step++) {
      for (const [name, data] of inputs) r.writeInput(name, data);
      r.writeUniforms(
        uniformValues(c.plan.uniforms!.fields, stepScalars(c.optimizer, step, 0.05, 0.5)),
      );
      r.run("train");
    }
    await r.readOutput("loss");
    // Per step: the two inputs (4 x 2 features, 4 labels) and the scalars SGD and clipping read
    // (lr, clip); parameters (16, 8, 16 and 2 values) are never made again.
    expect(made.sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 4, 8, 8, 8]);
    r.destroy();
  });
});

test("the train model's inputs and outputs: batch, scalars, parameters, moments; loss, gradients, updates", () => {
  const c = compiled(
    model(
      `
  input features: [N, 2]
  out = Dense(2, 2)
  output logits = out(features)`,
      "optimizer = adam(lr: 0.01)\n  clip_grad_norm = 1.0\n  metrics = [accuracy(logits, label)]",
    ),
    4,
  );
  const m = trainModel(c, c.optimizer);
  expect(m.feeds.map((f) => `${f.kind} ${f.onnx}`).sort()).toEqual(
    [
      "input features",
      "input label",
      "param out.w",
      "param out.b",
      "param m:out.w",
      "param m:out.b",
      "param v:out.w",
      "param v:out.b",
      "uniform uniform:lr",
      "uniform uniform:bc1",
      "uniform uniform:bc2",
      "uniform uniform:clip",
    ].sort(),
  );
  expect(m.fetches.map((f) => `${f.kind} ${f.onnx}`).sort()).toEqual(
    [
      "output loss",
      "output metric:accuracy",
      ...(c.plan.outputs.some((o) => o.name === "grad_norm") ? ["output grad_norm"] : []),
      "grad grad:out.w",
      "grad grad:out.b",
      ...["out.w", "out.b", "m:out.w", "m:out.b", "v:out.w", "v:out.b"].map(
        (n) => `update new:${n}`,
      ),
    ].sort(),
  );
});
