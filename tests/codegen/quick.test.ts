/**
 * Quick variants (`PlanProgram.quick`, `compilePlan({quick})`): the same groups and stores with
 * matrix products untiled. Checked here: which dispatches differ, and on the GPU that a quick
 * variant computes bit for bit what the tiled program computes, so that the runtime may switch
 * from one to the other between any two steps (`PlanRunner.prepare`, `ready`).
 */
import { expect, it } from "vitest";
import type { CompiledPlan } from "../../src/codegen/compile.js";
import type { Plan } from "../../src/codegen/plan.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import type { HostArray } from "../../src/runtime/index.js";
import { compilesAtFirstDispatch } from "../../src/runtime/warm.js";
import { describeGpu } from "../runtime/gpu.js";
import { examplePlan } from "./helpers.js";
import { train } from "./train-steps.js";

const cases: [file: string, batch: number][] = [
  ["examples/mnist-mlp.grove", 16],
  ["examples/mnist-cnn.grove", 2],
  ["examples/char-transformer.grove", 2],
  ["examples/autoencoder.grove", 8],
  ["examples/regression.grove", 5],
];

/** The plan with only its tiled dispatches, or only its quick ones, as plain programs. */
function variant(plan: Plan, which: "tiled" | "quick"): Plan {
  const programs = Object.fromEntries(
    Object.entries(plan.programs).map(([name, p]) => [
      name,
      {
        inputs: p.inputs,
        outputs: p.outputs,
        dispatches: which === "quick" ? p.quick! : p.dispatches,
      },
    ]),
  );
  return { ...plan, programs };
}

it("emits no quick variant unless asked", () => {
  const { plan } = examplePlan("examples/mnist-mlp.grove", 16);
  expect(Object.values(plan.programs).every((p) => p.quick === undefined)).toBe(true);
});

it("untiles small products in the quick variant, caps large ones at 2x2, and shares the rest", () => {
  const compiled = examplePlan(
    "examples/mnist-mlp.grove",
    64,
    true,
    undefined,
    true,
    undefined,
    true,
  );
  const { plan } = compiled;
  const plain = examplePlan("examples/mnist-mlp.grove", 64, true, undefined, true).plan;
  const tiles = (k: number) =>
    [...plan.kernels[k]!.wgsl.matchAll(/(\d+)x(\d+) output tile per invocation/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
  for (const [name, program] of Object.entries(plan.programs)) {
    // The tiled program is the plain plan's, kernel for kernel.
    const described = (p: Plan, ds: readonly { kernel: number; buffers: readonly number[] }[]) =>
      ds.map((d) => ({ wgsl: p.kernels[d.kernel]!.wgsl, buffers: d.buffers }));
    expect(described(plan, program.dispatches), name).toEqual(
      described(plain, plain.programs[name]!.dispatches),
    );
    const quick = program.quick!;
    const own = quick.filter((d) => !program.dispatches.includes(d));
    // One quick kernel for each dispatch with a tiled product; everything else is shared.
    expect(own.length).toBe(program.dispatches.filter((d) => tiles(d.kernel).length > 0).length);
    for (const d of own) {
      const kernel = plan.kernels[d.kernel]!;
      expect(kernel.name).toMatch(/^k\d+q_/);
      expect(kernel.wgsl).not.toContain("enable subgroups;");
      for (const [tm, tn] of tiles(d.kernel)) expect(Math.max(tm!, tn!)).toBeLessThanOrEqual(2);
    }
    // The first layer's product (64 x 784 x 128 multiply-adds) keeps a 2x2 tile in training.
    if (name === "train") expect(own.some((d) => tiles(d.kernel).length > 0)).toBe(true);
    // The same buffers in the same places: the variants are interchangeable between runs.
    expect(new Set(quick.flatMap((d) => d.buffers))).toEqual(
      new Set(program.dispatches.flatMap((d) => d.buffers)),
    );
  }
});

const bits = (a: HostArray) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describeGpu("quick variants on the GPU", (gpu) => {
  const subgroups = gpu.features.has("subgroups");
  const same = (got: Map<string, HostArray>[], want: Map<string, HostArray>[]) =>
    want.forEach((step, i) => {
      for (const [name, w] of step)
        expect(bits(got[i]!.get(name)!), `${name} at step ${i + 1}`).toEqual(bits(w));
    });

  for (const [file, batch] of cases)
    it(`${file}: 3 steps of the quick variant equal the tiled program's bit for bit`, async () => {
      const compiled: CompiledPlan = examplePlan(
        file,
        batch,
        true,
        undefined,
        subgroups,
        undefined,
        true,
      );
      const values = randomBindings(compiled.compiled.training, seededRandom(5));
      const run = (plan: Plan) => train(gpu.device, { ...compiled, plan }, values, 3);
      same(await run(variant(compiled.plan, "quick")), await run(variant(compiled.plan, "tiled")));
    }, 120_000);

  it("a runner starts on the quick variant and switches to the tiled kernels when they are ready", async () => {
    const compiled = examplePlan(
      "examples/mnist-mlp.grove",
      32,
      true,
      undefined,
      subgroups,
      undefined,
      true,
    );
    const values = randomBindings(compiled.compiled.training, seededRandom(9));
    // On a driver that compiles at first dispatch (lavapipe), the first step ran the quick
    // variant and the tiled kernels started compiling behind it; elsewhere there is nothing to
    // wait. Observed as the step is submitted: with a warm shader cache the compilation can end
    // while the step's results are read back.
    let compilingAfterFirst: boolean | undefined;
    const tiered = await train(gpu.device, compiled, values, 3, {
      onFirstRun: (runner) => (compilingAfterFirst = runner.compiling),
      afterFirst: async (runner) => {
        await runner.ready();
        expect(runner.compiling).toBe(false);
      },
    });
    expect(compilingAfterFirst).toBe(compilesAtFirstDispatch(gpu.device.adapterInfo));
    same(
      tiered,
      await train(gpu.device, { ...compiled, plan: variant(compiled.plan, "tiled") }, values, 3),
    );
  }, 120_000);
});
