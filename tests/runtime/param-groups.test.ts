/**
 * Parameter groups on both backends: a frozen parameter gets no gradient kernels (fewer
 * dispatches), reads a zero gradient and is the same to the bit after training, with every
 * optimizer; a group's weight decay and learning rate follow the update formula (the CPU backend
 * against the formula in float32, to the bit), and the GPU plan agrees with the CPU backend on
 * every value over three steps, clipping included. Checkpoints are unaffected: parameters and
 * moments keep their names and shapes.
 */
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import type { ElaboratedTrain } from "../../src/parser/check/values.js";
import { checkFile } from "../../src/parser/program.js";
import { CpuRunner, PlanRunner, type HostArray, type StepRunner } from "../../src/runtime/index.js";
import { relError } from "../codegen/helpers.js";
import { describeGpu } from "./gpu.js";

const dir = mkdtempSync(join(tmpdir(), "grove-groups-"));
let serial = 0;

const source = (optimizer: string, settings: string) => `
model M {
  input features: [N, 2]
  l1 = Dense(2, 8, tanh)
  l2 = Dense(8, 8, tanh)
  head = Dense(8, 2)
  output logits = features |> l1 |> l2 |> head
}
train M {
  data      = xor(n: 64)
  loss      = cross_entropy(logits, label)
  optimizer = ${optimizer}
  clip_grad_norm = 0.5
  ${settings}
}
`;

function section(optimizer: string, settings: string): ElaboratedTrain {
  const file = join(dir, `m${serial++}.grove`);
  writeFileSync(file, source(optimizer, settings));
  const r = checkFile(file);
  expect(r.diagnostics).toEqual([]);
  return r.program.trains[0]!;
}

function compile(train: ElaboratedTrain): CompiledPlan {
  const c = compilePlan(train, { batch: 6 });
  expect(c.diagnostics).toEqual([]);
  return c.value!;
}

const groups = `freeze = [l1, "l2.b"]
  groups = [group("**.b", weight_decay: 0), group("head", lr: 0.05)]`;

const optimizers = [
  "sgd(lr: 0.01, weight_decay: 0.1)",
  "sgd(lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 0.1)",
  "adam(lr: 0.01, weight_decay: 0.1)",
  "adamw(lr: 0.01, weight_decay: 0.1)",
  "rmsprop(lr: 0.01, momentum: 0.5, weight_decay: 0.1)",
];

/** Writes the same random parameters and inputs into each runner. */
function start(compiled: CompiledPlan, runners: readonly StepRunner[]) {
  const values = randomBindings(compiled.compiled.training, seededRandom(11));
  for (const runner of runners) {
    for (const p of compiled.plan.params)
      runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
    for (const t of compiled.plan.inputs) {
      const data = values[t.name]!.data;
      runner.writeInput(
        t.name,
        t.dtype === "i32" ? Int32Array.from(data) : Float32Array.from(data),
      );
    }
  }
  return values;
}

function step(runner: StepRunner, train: ElaboratedTrain, k: number) {
  const scalars = stepScalars(train.optimizer, k, 0.01, 0.5);
  runner.writeUniforms(uniformValues(runner.plan.uniforms!.fields, scalars));
  runner.run("train");
}

/** Every parameter, moment and gradient of `runner`. */
async function readAll(runner: StepRunner): Promise<Map<string, HostArray>> {
  const out = new Map<string, HostArray>();
  const plan = runner.plan;
  for (const t of [...plan.params, ...plan.state]) out.set(t.name, await runner.readParam(t.name));
  for (const g of plan.grads ?? []) out.set(`d_${g.name}`, await runner.readGrad(g.name));
  return out;
}

const frozen = ["l1.w", "l1.b", "l2.b"];

describe("parameter groups without a GPU", () => {
  it("frozen parameters have no gradient kernels: fewer dispatches", () => {
    const opt = "adamw(lr: 0.01)";
    const count = (settings: string) =>
      compile(section(opt, settings)).plan.programs.train!.dispatches.length;
    const all = count("");
    const head = count("freeze = [l1, l2]");
    const part = count("freeze = [l1]");
    // Measured with the default fusion policy: every frozen layer's weight and bias gradients,
    // and backpropagation into the frozen layers, are gone; the optimizer kernel stays.
    expect([all, part, head]).toEqual([12, 11, 10]);
    const c = compile(section(opt, "freeze = [l1, l2]"));
    expect(c.compiled.params).toEqual(["head.w", "head.b"]);
    expect(c.compiled.frozen).toEqual(["l1.w", "l1.b", "l2.w", "l2.b"]);
    expect([...c.compiled.training.outputs.keys()].filter((k) => k.startsWith("d_"))).toEqual([
      "d_head.w",
      "d_head.b",
    ]);
    // The checkpoint's tensors are unchanged: every parameter and moment is still in the plan.
    expect(c.plan.params.map((p) => p.name)).toEqual([
      "l1.w",
      "l1.b",
      "l2.w",
      "l2.b",
      "head.w",
      "head.b",
    ]);
    expect(c.plan.state).toHaveLength(12);
  });

  it("the CPU backend applies a group's lr and weight decay as the formula says, to the bit", async () => {
    const train = section("sgd(lr: 0.01, weight_decay: 0.1)", groups);
    const c = compile(train);
    const cpu = CpuRunner.create(c, train.optimizer);
    const values = start(c, [cpu]);
    step(cpu, train, 1);
    const f = Math.fround;
    const lr = f(f(0.01) * f(5)); // head: lr 0.05 over the optimizer's 0.01
    const g = await cpu.readGrad("head.w");
    const norm = f(
      Math.sqrt(
        [...(await Promise.all(c.plan.params.map((p) => cpu.readGrad(p.name))))]
          .flatMap((a) => [...a])
          .reduce((s, x) => s + x * x, 0),
      ),
    );
    const scale = norm > f(0.5) ? f(f(0.5) / norm) : 1;
    const p0 = values["head.w"]!.data;
    const want = Array.from(p0, f).map((p, i) =>
      f(p - f(lr * f(f(g[i]! * scale) + f(f(0.1) * p)))),
    );
    expect([...(await cpu.readParam("head.w"))]).toEqual(want);
    // head.b: lr 0.05 and no weight decay (the first group that sets it).
    const gb = await cpu.readGrad("head.b");
    const b0 = values["head.b"]!.data;
    const wantB = Array.from(b0, f).map((p, i) => f(p - f(lr * f(f(gb[i]! * scale) + f(0 * p)))));
    expect([...(await cpu.readParam("head.b"))]).toEqual(wantB);
    // l2.w: the optimizer's own lr and decay.
    const g2 = await cpu.readGrad("l2.w");
    const w0 = values["l2.w"]!.data;
    const want2 = Array.from(w0, f).map((p, i) =>
      f(p - f(f(0.01) * f(f(g2[i]! * scale) + f(f(0.1) * p)))),
    );
    expect([...(await cpu.readParam("l2.w"))]).toEqual(want2);
    for (const name of frozen) {
      expect([...(await cpu.readParam(name))]).toEqual([...values[name]!.data].map(f));
      expect([...(await cpu.readGrad(name))].every((x) => x === 0)).toBe(true);
    }
  });
});

describeGpu("parameter groups: GPU plan and CPU backend", (gpu) => {
  for (const opt of optimizers)
    it(`${opt}: frozen parameters stay to the bit; every value agrees over 3 steps`, async () => {
      const train = section(opt, groups);
      const c = compile(train);
      const gpuRunner = await PlanRunner.create(gpu.device, c.plan);
      const cpuRunner = CpuRunner.create(c, train.optimizer);
      try {
        const values = start(c, [gpuRunner, cpuRunner]);
        for (let k = 1; k <= 3; k++) {
          const seen: Map<string, HostArray>[] = [];
          for (const runner of [gpuRunner, cpuRunner]) {
            step(runner, train, k);
            seen.push(await readAll(runner));
          }
          for (const [name, want] of seen[1]!)
            expect(relError(seen[0]!.get(name)!, want, 1e-3), `${name} step ${k}`).toBeLessThan(
              2e-3,
            );
          for (const name of frozen)
            for (const s of seen) {
              expect([...s.get(name)!], name).toEqual([...values[name]!.data].map(Math.fround));
              expect([...s.get(`d_${name}`)!].every((x) => x === 0)).toBe(true);
            }
        }
        // The parameters that train did move.
        const head = await gpuRunner.readParam("head.w");
        expect([...head]).not.toEqual([...values["head.w"]!.data].map(Math.fround));
      } finally {
        gpuRunner.destroy();
        cpuRunner.destroy();
      }
    }, 60_000);
});
