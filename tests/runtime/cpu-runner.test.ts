/**
 * The CPU backend: the host optimizer against independent float64 formulas, the CpuRunner's
 * programs against the reference interpreter, and (on a WebGPU device) several training steps of
 * small models on the GPU's PlanRunner and the CpuRunner side by side from the same start.
 */
import { expect, it } from "vitest";
import type { CompiledPlan } from "../../src/codegen/compile.js";
import { emitPlan } from "../../src/codegen/emit.js";
import { optimizerKernel, stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import type { Plan } from "../../src/codegen/plan.js";
import { optimizerSpec, type OptimizerName, type OptimizerSpec } from "../../src/ops/optimizers.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { checkFile } from "../../src/parser/program.js";
import { xor } from "../../src/runtime/data/synthetic.js";
import { initialiseParams } from "../../src/runtime/host-data.js";
import {
  clipScale,
  CpuRunner,
  globalNorm,
  hostOptimizer,
  PlanRunner,
  type HostArray,
  type StepRunner,
} from "../../src/runtime/index.js";
import { examplePlan, relError } from "../codegen/helpers.js";
import { describeGpu } from "./gpu.js";

type Spec = OptimizerSpec;
const spec = optimizerSpec;

const optimizers: Spec[] = [
  spec("sgd", { lr: 0.05 }),
  spec("sgd", { lr: 0.05, weight_decay: 0.01 }),
  spec("sgd", { lr: 0.05, momentum: 0.9 }),
  spec("sgd", { lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.1 }),
  spec("adam", { lr: 0.01 }),
  spec("adam", { lr: 0.01, weight_decay: 0.1, beta2: 0.99 }),
  spec("adamw", { lr: 0.01, beta1: 0.8 }),
  spec("rmsprop", { lr: 0.01 }),
  spec("rmsprop", { lr: 0.01, momentum: 0.5, alpha: 0.9, weight_decay: 0.01 }),
];

const n = (a: Readonly<Record<string, unknown>>, k: string, d: number) =>
  typeof a[k] === "number" ? a[k] : d;

/** One step of `opt` in float64, written from the formulas (docs/architecture.md, the optimizer). */
function referenceStep(
  opt: Spec,
  p: Float64Array,
  g: Float64Array,
  s: { m: Float64Array; v: Float64Array },
  lr: number,
  t: number,
): void {
  const a: Readonly<Record<string, unknown>> = opt.args;
  const wd = n(a, "weight_decay", opt.name === "adamw" ? 0.01 : 0);
  for (let i = 0; i < p.length; i++) {
    const gd = opt.name === "adamw" ? g[i]! : g[i]! + wd * p[i]!;
    if (opt.name === "sgd") {
      const mu = n(a, "momentum", 0);
      if (mu === 0) p[i]! -= lr * gd;
      else {
        s.m[i] = mu * s.m[i]! + gd;
        p[i]! -= lr * (a.nesterov ? gd + mu * s.m[i]! : s.m[i]!);
      }
    } else if (opt.name === "rmsprop") {
      const alpha = n(a, "alpha", 0.99);
      const mu = n(a, "momentum", 0);
      s.v[i] = alpha * s.v[i]! + (1 - alpha) * gd * gd;
      const scaled = gd / (Math.sqrt(s.v[i]!) + n(a, "eps", 1e-8));
      if (mu === 0) p[i]! -= lr * scaled;
      else {
        s.m[i] = mu * s.m[i]! + scaled;
        p[i]! -= lr * s.m[i]!;
      }
    } else {
      const [b1, b2] = [n(a, "beta1", 0.9), n(a, "beta2", 0.999)];
      s.m[i] = b1 * s.m[i]! + (1 - b1) * gd;
      s.v[i] = b2 * s.v[i]! + (1 - b2) * gd * gd;
      if (opt.name === "adamw") p[i]! -= lr * wd * p[i]!;
      const mHat = s.m[i]! / (1 - b1 ** t);
      p[i]! -= (lr * mHat) / (Math.sqrt(s.v[i]! / (1 - b2 ** t)) + n(a, "eps", 1e-8));
    }
  }
}

function normals(count: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => {
    const u = Math.max(rand(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

for (const opt of optimizers)
  it(`host ${opt.name} ${JSON.stringify(opt.args)} follows the float64 formula`, () => {
    const rand = seededRandom(31);
    const count = 1000;
    const host = hostOptimizer(opt);
    const p32 = normals(count, rand, 0.5);
    const state = Object.fromEntries(host.moments.map((m) => [m, new Float32Array(count)]));
    const p64 = Float64Array.from(p32);
    const s64 = { m: new Float64Array(count), v: new Float64Array(count) };
    const lr = opt.args.lr as number;
    const [b1, b2] = [n(opt.args, "beta1", 0.9), n(opt.args, "beta2", 0.999)];
    for (let t = 1; t <= 5; t++) {
      // Gradients spanning several orders of magnitude, as real ones do.
      const g = normals(count, rand).map((x, i) => x * 10 ** ((i % 5) - 3));
      const scale = t === 3 ? 0.25 : 1;
      host.update(p32, g, state, { lr, bc1: 1 - b1 ** t, bc2: 1 - b2 ** t }, scale);
      referenceStep(
        opt,
        p64,
        Float64Array.from(g, (x) => x * scale),
        s64,
        lr,
        t,
      );
      // Each f32 operation rounds by at most 2^-24 relative; a handful per element and step,
      // compounded over 5 steps, stays well below 1e-5 of the largest value. RMSProp's momentum
      // is gd / (√v + eps) with √v ≈ |gd|·√(1 - alpha): where g + wd·p nearly cancels, that sum's
      // float32 rounding (2^-24 of |wd·p|) is divided by a tiny √v + eps, hence 5e-5 for moments.
      expect(relError(p32, p64), `params at step ${t}`).toBeLessThan(1e-5);
      if (state.m) expect(relError(state.m, s64.m), `m at step ${t}`).toBeLessThan(5e-5);
      if (state.v) expect(relError(state.v, s64.v), `v at step ${t}`).toBeLessThan(1e-5);
    }
    // A step that moves nothing is not a test: every element changed from its start.
    expect(relError(p32, normals(count, seededRandom(31), 0.5))).toBeGreaterThan(1e-3);
  });

it("host optimizers keep the moments the WGSL kernels keep, named as in the Plan", () => {
  const moments = (name: OptimizerName, args: Record<string, number | boolean> = {}) =>
    hostOptimizer(spec(name, args)).moments;
  expect(moments("sgd")).toEqual([]);
  expect(moments("sgd", { momentum: 0.9 })).toEqual(["m"]);
  expect(moments("adam")).toEqual(["m", "v"]);
  expect(moments("adamw")).toEqual(["m", "v"]);
  expect(moments("rmsprop")).toEqual(["v"]);
  expect(moments("rmsprop", { momentum: 0.5 })).toEqual(["m", "v"]);
  for (const opt of optimizers)
    expect(hostOptimizer(opt).moments, JSON.stringify(opt)).toEqual(
      optimizerKernel(opt, 4).moments,
    );
});

it("clips by the global norm like the update kernel", () => {
  const grads = [Float32Array.of(3, 0), Float32Array.of(0, 4)];
  expect(globalNorm(grads)).toBe(5);
  expect(clipScale(5, 1)).toBe(Math.fround(1 / 5));
  expect(clipScale(5, 10)).toBe(1);
  expect(clipScale(5, 0)).toBe(1); // 0 switches clipping off
  const rand = seededRandom(4);
  const many = [normals(300, rand), normals(77, rand)];
  let sq = 0;
  for (const g of many) for (const x of g) sq += x * x;
  expect(globalNorm(many)).toBeCloseTo(Math.sqrt(sq), 4);
});

/** Inputs for one step, drawn from `seed`, as the arrays a runner takes. */
function stepInputs(c: CompiledPlan, seed: number): Map<string, HostArray> {
  const values = randomBindings(c.compiled.training, seededRandom(seed));
  const out = new Map<string, HostArray>();
  for (const t of c.plan.inputs) {
    const v = values[t.name]!.data;
    out.set(t.name, t.dtype === "i32" ? Int32Array.from(v) : Float32Array.from(v));
  }
  return out;
}

function bindingsOf(runnerValues: Map<string, HostArray>): Record<string, HostArray> {
  return Object.fromEntries(runnerValues);
}

it("CpuRunner: eval and train interpret the graphs, then update with the host optimizer", async () => {
  const opt = spec("sgd", { lr: 0.1, momentum: 0.5 });
  const c = examplePlan("examples/regression.grove", 6, true, opt);
  const runner = CpuRunner.create(c, opt);
  initialiseParams(runner, runner.plan, 3);
  const inputs = stepInputs(c, 8);
  for (const [name, data] of inputs) runner.writeInput(name, data);

  const params = new Map<string, Float32Array>();
  for (const p of c.plan.params)
    params.set(p.name, (await runner.readParam(p.name)) as Float32Array);
  const bindings = { ...bindingsOf(inputs), ...Object.fromEntries(params) };

  runner.run("eval");
  const evalRef = interpret(c.evaluation, bindings, { precision: "f64" });
  for (const name of c.plan.programs.eval!.outputs) {
    const want = evalRef.get(c.evaluation.outputs.get(name)!)!.data;
    expect(relError(await runner.readOutput(name), want), `eval ${name}`).toBeLessThan(1e-5);
  }

  expect(() => runner.run("train")).toThrow(/uniforms were never written/);
  runner.writeUniforms({ lr: 0.1, bc1: 1, bc2: 1, step: 1 });
  runner.run("train");
  const g = c.compiled.training;
  const ref = interpret(g, bindings, { precision: "f64" });
  expect(
    relError(await runner.readOutput("loss"), ref.get(g.outputs.get("loss")!)!.data),
  ).toBeLessThan(1e-5);
  for (const p of c.plan.params) {
    const want = ref.get(g.outputs.get(`d_${p.name}`)!)!.data;
    const grad = await runner.readGrad(p.name);
    expect(relError(grad, want), `d_${p.name}`).toBeLessThan(1e-4);
    // First momentum step: m = g, p -= lr * m.
    expect(relError(await runner.readParam(`m:${p.name}`), grad), `m:${p.name}`).toBeLessThan(1e-6);
    const moved = Float64Array.from(params.get(p.name)!, (x, i) => x - 0.1 * grad[i]!);
    expect(relError(await runner.readParam(p.name), moved), p.name).toBeLessThan(1e-6);
  }
  // A second step sees the updated parameters: the loss changes.
  const first = (await runner.readOutput("loss"))[0]!;
  runner.run("train");
  expect((await runner.readOutput("loss"))[0]).not.toBe(first);
  runner.destroy();
  expect(() => runner.run("eval")).toThrow(/destroyed/);
});

it("CpuRunner checks names, dtypes and sizes like PlanRunner", async () => {
  const opt = spec("adam", { lr: 0.01 });
  const c = examplePlan("examples/regression.grove", 4, true, opt);
  const runner = CpuRunner.create(c, opt);
  expect(() => runner.run("eval")).toThrow(/input "features" was never written/);
  expect(() => runner.writeInput("nope", new Float32Array(1))).toThrow(/no input "nope"/);
  expect(() => runner.writeInput("features", new Float32Array(3))).toThrow(/holds 24 f32 values/);
  expect(() => runner.writeParam("hidden1.w", new Int32Array(6 * 64))).toThrow(/a Float32Array/);
  expect(() => runner.writeUniforms({ lr: 1 })).toThrow(/missing uniform "bc1"/);
  expect(() => runner.writeUniforms({ lr: 1, bc1: 1, bc2: 1, step: 1, x: 2 })).toThrow(
    /unknown uniform "x"/,
  );
  await expect(runner.prepare("predict")).rejects.toThrow(/no program "predict"/);
  await expect(runner.readGrad("v:hidden1.w")).rejects.toThrow(/no gradient/);
  // Parameters and Adam's moments carry the Plan's names: a checkpoint of either backend fits.
  const names = [...c.plan.params, ...c.plan.state].map((t) => t.name);
  expect(names).toContain("m:hidden1.w");
  for (const name of names) expect((await runner.readParam(name)).length).toBeGreaterThan(0);
  // The optimizer must be the one the Plan was compiled for.
  expect(() => CpuRunner.create(c, spec("sgd"))).toThrow(/moments \[m,v\]/);
  // Writes are copies: changing the caller's array later changes nothing.
  const w = new Float32Array(6 * 64).fill(2);
  runner.writeParam("hidden1.w", w);
  w.fill(0);
  expect((await runner.readParam("hidden1.w"))[0]).toBe(2);
});

it("CpuRunner binds every graph input by name, a scalar i32 step included", async () => {
  // loss = sum(w * x) * step: whatever the graph's inputs are called, the runner binds them.
  const b = new GraphBuilder();
  const x = b.input("x", [3]);
  const step = b.input("@step", [], "i32");
  const w = b.param("w", [3]);
  const loss = b.mul(b.sum(b.mul(w, x)), b.cast(step, "f32"));
  const dw = b.mul(x, b.cast(step, "f32"));
  const g = b.build({ loss, d_w: dw });
  const optimizer = spec("sgd", { lr: 0.5 });
  const plan = emitPlan(
    {
      training: g,
      evaluation: g,
      params: [{ name: "w", init: { name: "ones", args: {} } }],
      optimizer,
    },
    { fuse: true },
  );
  const runner = CpuRunner.create(
    { plan, compiled: { forward: g, training: g, params: ["w"] }, evaluation: g },
    optimizer,
  );
  expect(runner.plan.programs.train!.inputs).toContain("@step");
  initialiseParams(runner, plan, 1);
  runner.writeInput("x", Float32Array.of(1, 2, 3));
  runner.writeInput("@step", Int32Array.of(2));
  runner.writeUniforms({ lr: 0.5, bc1: 1, bc2: 1, step: 1 });
  runner.run("train");
  expect([...(await runner.readOutput("loss"))]).toEqual([12]);
  expect([...(await runner.readGrad("w"))]).toEqual([2, 4, 6]);
  expect([...(await runner.readParam("w"))]).toEqual([0, -1, -2]);
  runner.writeInput("@step", Int32Array.of(3));
  runner.run("eval");
  expect([...(await runner.readOutput("loss"))]).toEqual([-24]);
});

it("CpuRunner trains a small classifier from its initialisation, no GPU needed", async () => {
  const source = `
model Xor {
  input features: [N, 2]
  h = Dense(2, 16, tanh)
  out = Dense(16, 2)
  output logits = features |> h |> out
}
train Xor {
  data      = xor(n: 256, noise: 0.05)
  loss      = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch     = 64
  epochs    = 1
  clip_grad_norm = 5.0
  metrics   = [accuracy(logits, label)]
  seed      = 5
}
`;
  const checked = checkFile("xor.grove", {
    readFile: (p) => (p === "xor.grove" ? source : undefined),
  });
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const section = checked.program.trains[0]!;
  const runner = CpuRunner.fromTrain(section);
  initialiseParams(runner, runner.plan, 5);
  const data = xor(256, 0.05, 5);
  const features = data.fields.get("features")!.data as Float32Array;
  const label = data.fields.get("label")!.data as Int32Array;
  const evaluate = async () => {
    let [loss, accuracy] = [0, 0];
    for (let b = 0; b < 4; b++) {
      runner.writeInput("features", features.slice(b * 128, (b + 1) * 128));
      runner.writeInput("label", label.slice(b * 64, (b + 1) * 64));
      runner.run("eval");
      loss += (await runner.readOutput("loss"))[0]! / 4;
      accuracy += (await runner.readOutput("metric:accuracy"))[0]! / 4;
    }
    return { loss, accuracy };
  };
  const before = await evaluate();
  for (let step = 1; step <= 60; step++) {
    const b = step % 4;
    runner.writeInput("features", features.slice(b * 128, (b + 1) * 128));
    runner.writeInput("label", label.slice(b * 64, (b + 1) * 64));
    runner.writeUniforms({ lr: 0.05, bc1: 1 - 0.9 ** step, bc2: 1 - 0.999 ** step, step, clip: 5 });
    runner.run("train");
  }
  const after = await evaluate();
  // XOR is not linearly separable: chance is 50%; the hidden layer has to learn it.
  expect(before.accuracy).toBeLessThan(0.75);
  expect(after.accuracy).toBeGreaterThan(0.9);
  expect(after.loss).toBeLessThan(before.loss / 2);
});

/** Reads every tensor two runners should agree on after a `train` run. */
async function snapshot(r: StepRunner, plan: Plan): Promise<Map<string, HostArray>> {
  const out = new Map<string, HostArray>();
  for (const name of plan.programs.train!.outputs) out.set(`out ${name}`, await r.readOutput(name));
  for (const p of plan.grads ?? []) out.set(`grad ${p.name}`, await r.readGrad(p.name));
  for (const t of [...plan.params, ...plan.state]) out.set(t.name, await r.readParam(t.name));
  return out;
}

describeGpu("CpuRunner against the GPU PlanRunner", (gpu) => {
  interface Case {
    readonly file: string;
    readonly batch: number;
    readonly optimizer?: Spec;
    readonly clip?: number;
    readonly steps: number;
    /** The model draws random numbers per step (dropout): the plan has the `@step` input. */
    readonly random?: boolean;
  }
  const cases: Case[] = [
    // adamw with clipping, as the file has it; a small clip so that clipping is active.
    { file: "examples/mnist-mlp.grove", batch: 4, clip: 0.5, steps: 3 },
    // adam, as the file has it: convolutions and pooling.
    { file: "examples/mnist-cnn.grove", batch: 2, steps: 3 },
    {
      file: "examples/regression.grove",
      batch: 8,
      optimizer: spec("rmsprop", { lr: 0.01, momentum: 0.5 }),
      steps: 4,
    },
    {
      file: "examples/autoencoder.grove",
      batch: 4,
      optimizer: spec("sgd", { lr: 0.05, momentum: 0.9, nesterov: true }),
      steps: 3,
      random: true,
    },
  ];
  for (const k of cases)
    it(`${k.file} (${k.optimizer?.name ?? "its own optimizer"}): ${k.steps} steps agree`, async () => {
      const c = examplePlan(k.file, k.batch, true, k.optimizer);
      const optimizer = k.optimizer ?? sectionOptimizer(k.file);
      const adaptive = optimizer.name !== "sgd";
      const cpu = CpuRunner.create(c, optimizer);
      const onGpu = await PlanRunner.create(gpu.device, c.plan);
      const host = hostOptimizer(optimizer);
      try {
        for (const r of [cpu, onGpu]) initialiseParams(r, c.plan, 17);
        const lr = n(optimizer.args, "lr", 1e-3);
        for (let step = 1; step <= k.steps; step++) {
          const inputs = stepInputs(c, 100 + step);
          expect(inputs.has("@step")).toBe(k.random ?? false);
          if (k.random) inputs.set("@step", Int32Array.of(step));
          const uniforms = uniformValues(
            c.plan.uniforms!.fields,
            stepScalars(optimizer, step, lr, k.clip ?? 0),
          );
          const before = await snapshot(onGpu, c.plan);
          for (const r of [cpu, onGpu]) {
            for (const [name, data] of inputs) r.writeInput(name, data);
            r.writeUniforms(uniforms);
            r.run("train");
          }
          const [a, b] = [await snapshot(cpu, c.plan), await snapshot(onGpu, c.plan)];
          for (const [name, want] of b) {
            const [e, what] = drift(a.get(name)!, want, name, adaptive);
            expect(e, `${name} at step ${step} (${what})`).toBeLessThan(1e-4);
          }
          if (k.clip) expect(a.get("out grad_norm")![0]).toBeGreaterThan(k.clip);

          // The host update applied to the GPU's own gradients, from the GPU's state before the
          // step, must land where the GPU's update kernel did: same math, same f32 rounding (on
          // lavapipe bit for bit; 1e-6 leaves a GPU room to contract into FMAs).
          const norm = b.get("out grad_norm")?.[0];
          const scale = norm === undefined ? 1 : clipScale(norm, uniforms.clip ?? 0);
          for (const p of c.plan.params) {
            const param = before.get(p.name)!.slice() as Float32Array;
            const state = Object.fromEntries(
              host.moments.map((m) => [m, before.get(`${m}:${p.name}`)!.slice() as Float32Array]),
            );
            host.update(param, b.get(`grad ${p.name}`)!, state, uniforms as never, scale);
            for (const [name, got] of [
              [p.name, param],
              ...host.moments.map((m) => [`${m}:${p.name}`, state[m]!] as const),
            ] as const) {
              const e = relError(got, b.get(name)!);
              expect(e, `host update of ${name} at step ${step}`).toBeLessThan(1e-6);
            }
          }
        }
        // Evaluation of the trained parameters on fresh data.
        for (const [name, data] of stepInputs(c, 999)) {
          cpu.writeInput(name, data);
          onGpu.writeInput(name, data);
        }
        cpu.run("eval");
        onGpu.run("eval");
        for (const name of c.plan.programs.eval!.outputs) {
          const e = relError(await cpu.readOutput(name), await onGpu.readOutput(name));
          expect(e, `eval ${name}`).toBeLessThan(1e-4);
        }
      } finally {
        cpu.destroy();
        onGpu.destroy();
      }
    }, 60_000);
});

/**
 * How far the CPU and GPU runs drifted apart in one tensor, and how that is measured. Both
 * compute in float32 but sum in different orders (the interpreter accumulates in float64), so each
 * product or reduction differs by a few units in the last place of its largest terms: below 1e-4
 * of the tensor's largest value over a few steps. An adaptive optimizer's step, lr·g/(c·|g| + eps),
 * turns the tiny absolute difference of a gradient element near eps/c into a visible one in that
 * element (gradients of 4.59e-8 and 4.55e-8 move RMSProp's parameter apart by 2e-4, 1e-3 of the
 * largest parameter), so there parameters and first moments are compared in the L2 norm, where
 * those few elements do not dominate; the update itself is checked against the GPU's tightly.
 */
function drift(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  name: string,
  adaptive: boolean,
): [number, string] {
  const elementwise = name.startsWith("grad ") || name.startsWith("out ") || name.startsWith("v:");
  if (!adaptive || elementwise) return [relError(got, want), "largest difference / largest value"];
  let [d, w] = [0, 0];
  for (let i = 0; i < want.length; i++) {
    d += (got[i]! - want[i]!) ** 2;
    w += want[i]! ** 2;
  }
  return [Math.sqrt(d / Math.max(w, 1e-30)), "L2 norm of the difference / L2 norm"];
}

/** The optimizer a file's train section names. */
function sectionOptimizer(file: string): Spec {
  return checkFile(file).program.trains[0]!.optimizer;
}
