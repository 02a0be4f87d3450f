/**
 * Generated kernels against the reference interpreter, on a real WebGPU device (Dawn over
 * lavapipe in CI, where a missing adapter fails the file): every kernel template on random shapes,
 * tile remainders included, and every example's fused and unfused training step over several
 * optimizer steps.
 */
import { expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { interpret } from "../../src/ir/interpret.js";
import type { Graph, Node } from "../../src/ir/node.js";
import { makeTensor, type Tensor } from "../../src/ir/tensor.js";
import { optimizerSpec, type OptimizerName } from "../../src/ops/optimizers.js";
import { PlanRunner, type HostArray } from "../../src/runtime/index.js";
import { describeGpu } from "../runtime/gpu.js";
import { examplePlan, forwardPlan, relError, writeInputs } from "./helpers.js";

/** One op case: a graph built from random inputs; ids are drawn below `range`. */
interface OpCase {
  readonly name: string;
  readonly build: (b: GraphBuilder) => Node;
  readonly range?: number;
}

const f = (b: GraphBuilder, name: string, shape: number[]) => b.input(name, shape);
const ids = (b: GraphBuilder, name: string, shape: number[]) => b.input(name, shape, "i32");

const opCases: OpCase[] = [
  { name: "matmul 5x7 @ 7x9", build: (b) => b.matmul(f(b, "a", [5, 7]), f(b, "b", [7, 9])) },
  {
    name: "tiled matmul 70x37 @ 37x130",
    build: (b) => b.matmul(f(b, "a", [70, 37]), f(b, "b", [37, 130])),
  },
  {
    name: "batched broadcast matmul with epilogue",
    build: (b) =>
      b.relu(b.add(b.matmul(f(b, "a", [2, 1, 19, 20]), f(b, "b", [3, 20, 21])), f(b, "c", [21]))),
  },
  {
    name: "matmul of transposes with a masked operand",
    build: (b) => {
      const x = f(b, "x", [33, 40]);
      const g = f(b, "g", [33, 24]);
      const mask = b.greater(f(b, "z", [33, 24]), b.constant(0));
      return b.matmul(b.transpose(x, [1, 0]), b.mul(g, mask));
    },
  },
  {
    name: "reductions with keepdims and negative axes",
    build: (b) => {
      const x = f(b, "x", [3, 5, 7]);
      return b.add(b.sum(x, [0, 2], true), b.mul(b.max(x, [-1], true), b.mean(x, [1], true)));
    },
  },
  { name: "argmax", build: (b) => b.cast(b.argmax(f(b, "x", [6, 11]), 1), "f32") },
  {
    name: "softmax over the last axis",
    build: (b) => {
      const x = f(b, "x", [4, 13]);
      const e = b.exp(b.sub(x, b.max(x, [1], true)));
      return b.div(e, b.sum(e, [1], true));
    },
  },
  {
    name: "unary math",
    build: (b) => {
      const x = f(b, "x", [40]);
      const pos = b.add(b.abs(x), b.constant(0.5));
      const parts = [
        b.tanh(x),
        b.sigmoid(x),
        b.erf(x),
        b.log(pos),
        b.sqrt(pos),
        b.rsqrt(pos),
        b.sin(x),
        b.cos(x),
        b.sign(x),
        b.pow(x, b.constant(3)),
        b.pow(pos, b.constant(0.7)),
      ];
      return parts.reduce((acc, p) => b.add(acc, p));
    },
  },
  {
    name: "where, comparisons, minimum and maximum",
    build: (b) => {
      const x = f(b, "x", [6, 5]);
      const y = f(b, "y", [5]);
      return b.where(b.lessEqual(x, y), b.maximum(x, y), b.minimum(x, b.neg(y)));
    },
  },
  {
    name: "reshape, slice, concat and broadcast",
    build: (b) => {
      const x = f(b, "x", [4, 6]);
      const r = b.reshape(x, [2, 12]);
      const s = b.slice(r, 1, 3, 9);
      return b.concat([s, b.broadcast(f(b, "y", [1, 5]), [2, 5]), s], 1);
    },
  },
  {
    name: "gather and one_hot",
    range: 9,
    build: (b) => {
      const table = f(b, "table", [9, 5]);
      const i = ids(b, "ids", [3, 4]);
      return b.add(b.gather(table, i), b.sum(b.oneHot(i, 5), [1], true));
    },
  },
  {
    name: "scatter_add with repeated ids",
    range: 6,
    build: (b) => b.scatterAdd(ids(b, "ids", [10]), f(b, "u", [10, 3]), 6),
  },
  {
    name: "conv2d with stride and padding",
    build: (b) => b.conv2d(f(b, "x", [2, 3, 9, 8]), f(b, "w", [4, 3, 3, 3]), [2, 1], [1, 2]),
  },
  {
    name: "conv2d gradients",
    build: (b) => {
      const x = f(b, "x", [2, 3, 7, 6]);
      const w = f(b, "w", [4, 3, 3, 2]);
      const dy = f(b, "dy", [2, 4, 4, 7]);
      const attrs = { stride: [2, 1] as const, padding: [1, 1] as const };
      const dx = b.node("conv2d_input_grad", [dy, w], { ...attrs, inputSize: [7, 6] });
      const dw = b.node("conv2d_filter_grad", [x, dy], { ...attrs, kernelSize: [3, 2] });
      return b.add(b.sum(dx), b.sum(dw));
    },
  },
  {
    name: "pooling and its gradients",
    build: (b) => {
      const x = f(b, "x", [2, 2, 6, 7]);
      const dy = f(b, "dy", [2, 2, 3, 3]);
      const attrs = { size: [2, 2] as const, stride: [2, 2] as const };
      const mx = b.node("max_pool2d_grad", [x, dy], attrs);
      const av = b.node("avg_pool2d_grad", [dy], { ...attrs, inputSize: [6, 7] });
      return b.add(
        b.add(b.sum(b.maxPool2d(x, 2)), b.sum(b.avgPool2d(x, 3, 2))),
        b.sum(b.add(mx, av)),
      );
    },
  },
  // Each element of the gradients, not their sum: a gradient routed to the wrong position sums
  // the same. Overlapping windows, windows with gaps between them, rows and columns no window holds.
  ...(
    [
      [
        [3, 3],
        [2, 2],
        [2, 2, 7, 8],
      ],
      [
        [2, 2],
        [3, 3],
        [2, 2, 8, 7],
      ],
      [
        [3, 2],
        [1, 2],
        [1, 3, 6, 7],
      ],
    ] as const
  ).map(([size, stride, shape]) => ({
    name: `pooling gradients, size ${size}, stride ${stride}, input [${shape}]`,
    build: (b: GraphBuilder) => {
      const [n, c, h, w] = shape;
      const out = [0, 1].map((a) => Math.floor((shape[a + 2]! - size[a]!) / stride[a]!) + 1);
      const x = f(b, "x", [n, c, h, w]);
      const dy = f(b, "dy", [n, c, out[0]!, out[1]!]);
      const mx = b.node("max_pool2d_grad", [x, dy], { size, stride });
      const av = b.node("avg_pool2d_grad", [dy], { size, stride, inputSize: [h, w] });
      return b.add(mx, b.mul(av, b.constant(3)));
    },
  })),
  {
    name: "random numbers match the interpreter bit for bit",
    build: (b) => b.add(b.randomUniform([7, 9], 42, 3), b.randomNormal([7, 9], 42, 4)),
  },
  {
    name: "random numbers keyed by a step input match the interpreter bit for bit",
    build: (b) => {
      const step = b.input("@step", [], "i32");
      return b.add(b.randomUniform([7, 9], 42, 3, step), b.randomNormal([7, 9], 42, 4, step));
    },
    range: 1000,
  },
];

function randomInputs(g: Graph, seed: number, range: number): Record<string, Tensor> {
  const rand = seededRandom(seed);
  const out: Record<string, Tensor> = {};
  for (const [name, n] of g.inputs) {
    const size = n.shape.reduce((p, d) => p * d, 1);
    const values = Array.from({ length: size }, () =>
      n.dtype === "i32" ? Math.floor(rand() * range) : rand() * 4 - 2,
    );
    out[name] = makeTensor(n.shape, n.dtype, values, "f32");
  }
  return out;
}

async function runForward(device: GPUDevice, plan: Plan, inputs: Record<string, Tensor>) {
  const runner = await PlanRunner.create(device, plan);
  try {
    writeInputs(runner, plan, inputs);
    runner.writeUniforms({ lr: 0, bc1: 1, bc2: 1, step: 1 });
    runner.run("eval");
    return await runner.readOutput("y");
  } finally {
    runner.destroy();
  }
}

describeGpu("generated kernels", (gpu) => {
  for (const c of opCases) {
    for (const fuse of [true, false]) {
      it(`${c.name} (${fuse ? "fused" : "unfused"})`, async () => {
        const b = new GraphBuilder();
        const g = b.build({ y: c.build(b) });
        const inputs = randomInputs(g, 11, c.range ?? 4);
        const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
        const got = await runForward(gpu.device, forwardPlan(g, fuse), inputs);
        expect(relError(got, want), c.name).toBeLessThan(2e-5);
      });
    }
  }

  it("random shapes: tiled matmuls with epilogues and reductions, tile remainders included", async () => {
    const rand = seededRandom(2026);
    const dim = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let trial = 0; trial < 6; trial++) {
      const [m, k, n] = [dim(9, 90), dim(1, 70), dim(9, 90)];
      const batch = trial % 2 === 0 ? [] : [dim(1, 3)];
      const b = new GraphBuilder();
      const x = f(b, "x", [...batch, m, k]);
      const w = f(b, "w", [k, n]);
      const mm = b.matmul(
        trial % 3 === 2
          ? b.transpose(f(b, "xt", [...batch, k, m]), batch.length ? [0, 2, 1] : [1, 0])
          : x,
        w,
      );
      const y = b.add(b.tanh(b.add(mm, f(b, "bias", [n]))), b.sum(mm, [-1], true));
      const g = b.build({ y });
      const inputs = randomInputs(g, 100 + trial, 4);
      const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
      const got = await runForward(gpu.device, forwardPlan(g), inputs);
      expect(
        relError(got, want),
        `trial ${trial} (seed 2026): [${batch}] ${m}x${k} @ ${k}x${n}`,
      ).toBeLessThan(2e-5);
    }
  });

  it("tree reductions: random shapes and axes, fused prologues and epilogues, shared dispatches", async () => {
    const rand = seededRandom(4242);
    const dim = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const ops = ["sum", "mean", "max"] as const;
    for (let trial = 0; trial < 9; trial++) {
      // Few outputs over a long extent (the tree template's domain), extents not multiples of 64.
      const [a, r1, r2] = [dim(4, 7), dim(33, 60), dim(13, 50)];
      const b = new GraphBuilder();
      const x = f(b, "x", [a, r1, r2]);
      const op = ops[trial % 3]!;
      // A fused prologue (exp of a difference) and an epilogue (scale, shift, tanh).
      const pro = b.mul(b.exp(b.mul(x, b.constant(0.5))), f(b, "z", [r2]));
      const axes = trial % 2 === 0 ? [1, 2] : [-2, 0];
      const keep = trial % 4 === 1;
      const red = b.reduce(op, pro, axes, keep);
      const tree = b.tanh(b.add(b.mul(red, b.constant(0.25)), b.constant(0.1)));
      // An independent serial reduction of many outputs shares the tree's dispatch.
      const other = b.max(f(b, "u", [300, dim(2, 9)]), [1]);
      const y = b.add(b.sum(tree), b.sum(other));
      const g = b.build({ y: b.add(b.reshape(tree, [tree.shape.reduce((p, d) => p * d, 1)]), y) });
      const plan = forwardPlan(g, true, false, true);
      const label = `trial ${trial} (seed 4242): ${op} over ${axes} of [${a},${r1},${r2}]`;
      const mixed = plan.kernels.find((k) => k.wgsl.includes("workgroupBarrier();"));
      expect(mixed?.wgsl, label).toMatch(/independent parts in one dispatch/);
      const inputs = randomInputs(g, 500 + trial, 4);
      const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
      const got = await runForward(gpu.device, plan, inputs);
      expect(relError(got, want), label).toBeLessThan(2e-5);
    }
  });

  it("vec4 elementwise: bias, row and scalar broadcasts, flat shapes, remainders", async () => {
    const rand = seededRandom(77);
    const dim = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let trial = 0; trial < 8; trial++) {
      // Even trials: a last axis that is a multiple of 4 (broadcasts along leading axes);
      // odd trials: only the element count is (same-shape operands and scalars).
      const inner = trial % 2 === 0;
      const rows = dim(1, 9);
      const cols = inner ? 4 * dim(1, 20) : 2 * dim(1, 8) + 1;
      const shape = inner ? [dim(1, 3), rows, cols] : [2, rows * 2, cols];
      const b = new GraphBuilder();
      const x = f(b, "x", shape);
      const s = f(b, "s", []);
      let y = b.add(b.mul(x, s), b.tanh(f(b, "x2", shape)));
      if (inner) {
        const bias = f(b, "bias", [cols]);
        const row = f(b, "row", [rows, 1]);
        y = b.where(b.greater(y, bias), b.sigmoid(b.add(y, row)), b.mul(b.relu(y), bias));
        y = b.sub(b.pow(b.abs(y), b.constant(1.5)), b.exp(b.neg(b.abs(row))));
      } else y = b.maximum(b.div(y, b.add(b.abs(s), b.constant(1))), b.sin(x));
      const g = b.build({ y });
      const plan = forwardPlan(g);
      const label = `trial ${trial} (seed 77): [${shape}]`;
      expect(
        plan.kernels.some((k) => k.wgsl.includes("as vec4<f32>")),
        label,
      ).toBe(true);
      const inputs = randomInputs(g, 700 + trial, 4);
      const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
      const got = await runForward(gpu.device, plan, inputs);
      expect(relError(got, want), label).toBeLessThan(2e-5);
    }
  });

  // The subgroup template needs the `subgroups` feature (lavapipe has it, with 8 lanes).
  const itSubgroups = gpu.features.has("subgroups") ? it : it.skip;
  itSubgroups(
    "subgroup template: shapes with row, column and workgroup remainders, batches, prologues and epilogues",
    async () => {
      // [batch, m, k, n, transposed A with a relu-mask prologue]; n is large enough for the
      // template (at least ~48 column tiles); 37, 250 and 505 leave remainders everywhere.
      const shapes: [number[], number, number, number, boolean][] = [
        [[], 37, 19, 250, false],
        [[], 64, 33, 512, true],
        [[2], 21, 7, 203, false],
        [[], 130, 5, 505, true],
        [[3], 16, 40, 256, false],
      ];
      for (const [batch, m, k, n, masked] of shapes) {
        const b = new GraphBuilder();
        const a = masked
          ? b.mul(
              b.transpose(f(b, "at", [...batch, k, m]), batch.length ? [0, 2, 1] : [1, 0]),
              b.greater(f(b, "z", [...batch, m, k]), b.constant(0)),
            )
          : f(b, "a", [...batch, m, k]);
        const mm = b.matmul(a, f(b, "w", [k, n]));
        const y = b.relu(b.add(mm, f(b, "bias", [n])));
        const g = b.build({ y });
        const plan = forwardPlan(g, true, true);
        const label = `[${batch}] ${m}x${k} @ ${k}x${n}${masked ? " (masked transpose)" : ""}`;
        expect(
          plan.kernels.some((kn) => kn.wgsl.includes("subgroupBroadcast")),
          label,
        ).toBe(true);
        const inputs = randomInputs(g, 300 + m, 4);
        const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
        const got = await runForward(gpu.device, plan, inputs);
        expect(relError(got, want), label).toBeLessThan(2e-5);
      }
    },
  );

  // "subgroups": fused, with the subgroup template for products (skipped without the feature).
  const examples: [string, number, (boolean | "subgroups")[]][] = [
    ["examples/mnist-mlp.grove", 3, [true, false, "subgroups"]],
    ["examples/mnist-cnn.grove", 2, [true, false, "subgroups"]],
    ["examples/autoencoder.grove", 3, [true, false, "subgroups"]],
    ["examples/regression.grove", 5, [true, false]],
    ["examples/char-transformer.grove", 1, [true, "subgroups"]],
  ];
  for (const [file, batch, modes] of examples)
    for (const mode of modes) {
      const fuse = mode !== false;
      const subgroups = mode === "subgroups";
      const name = subgroups ? "fused, subgroups" : fuse ? "fused" : "unfused";
      (subgroups ? itSubgroups : it)(
        `${file} (${name}): loss, metrics, gradients and 3 optimizer steps`,
        async () => {
          // Several steps of plain SGD: well conditioned, so float32 on the GPU and float64 on the
          // host stay close. (Adam's first steps are about lr * sign(g), which amplifies rounding
          // in tiny gradients; the optimizer kernels are checked against GPU gradients below.)
          const optimizer = optimizerSpec("sgd", { lr: 0.01 });
          const { plan, compiled, evaluation } = examplePlan(
            file,
            batch,
            fuse,
            optimizer,
            subgroups,
          );
          if (subgroups)
            expect(plan.kernels.some((k) => k.wgsl.includes("subgroupBroadcast"))).toBe(true);
          const g = compiled.training;
          const values = randomBindings(g, seededRandom(5));
          const params = new Map(
            compiled.params.map((p) => [p, Float64Array.from(values[p]!.data)]),
          );
          const runner = await PlanRunner.create(gpu.device, plan);
          try {
            for (const p of plan.params)
              runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
            for (const s of plan.state)
              runner.writeParam(s.name, new Float32Array(s.shape.reduce((x, d) => x * d, 1)));
            writeInputs(runner, plan, values);

            // Evaluation: outputs, loss and metrics of the forward pass.
            runner.writeUniforms(stepUniforms(plan, { lr: 0, bc1: 1, bc2: 1, step: 1 }));
            runner.run("eval");
            const evalRef = interpret(evaluation, values, { precision: "f64" });
            for (const name of plan.programs.eval!.outputs) {
              const got = await runner.readOutput(name);
              expect(
                relError(got, evalRef.get(evaluation.outputs.get(name)!)!.data),
                `eval ${name}`,
              ).toBeLessThan(1e-4);
            }

            const lr = 0.01;

            for (let step = 1; step <= 3; step++) {
              const bindings = {
                ...values,
                ...Object.fromEntries(
                  [...params].map(([k, v]) => [k, makeTensor(values[k]!.shape, "f32", v, "f64")]),
                ),
              };
              const ref = interpret(g, bindings, { precision: "f64" });
              runner.writeUniforms(
                stepUniforms(plan, { lr, bc1: 1 - 0.9 ** step, bc2: 1 - 0.999 ** step, step }),
              );
              runner.run("train");
              const loss = await runner.readOutput("loss");
              expect(
                relError(loss, ref.get(g.outputs.get("loss")!)!.data),
                `loss at step ${step}`,
              ).toBeLessThan(1e-4);
              const scale = Math.max(
                ...compiled.params.map((p) => maxAbs(ref.get(g.outputs.get(`d_${p}`)!)!.data)),
              );
              for (const p of compiled.params) {
                const want = ref.get(g.outputs.get(`d_${p}`)!)!.data;
                const got = await runner.readGrad(p);
                expect(relError(got, want, scale), `d_${p} at step ${step}`).toBeLessThan(1e-4);
                const param = params.get(p)!;
                for (let i = 0; i < param.length; i++) param[i]! -= lr * want[i]!;
              }
            }
            for (const p of compiled.params) {
              const got = await runner.readParam(p);
              expect(relError(got, params.get(p)!), `${p} after 3 steps`).toBeLessThan(1e-4);
            }
          } finally {
            runner.destroy();
          }
        },
        120_000,
      );
    }

  it("clips the global gradient norm before the update", async () => {
    // mnist-mlp.grove sets clip_grad_norm, so its plan computes ‖g‖ and scales the update.
    const sgd = optimizerSpec("sgd", { lr: 0.1 });
    const { plan, compiled } = examplePlan("examples/mnist-mlp.grove", 4, true, sgd);
    expect(plan.uniforms!.fields).toContain("clip");
    const values = randomBindings(compiled.training, seededRandom(21));
    const runner = await PlanRunner.create(gpu.device, plan);
    try {
      for (const p of plan.params)
        runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
      writeInputs(runner, plan, values);
      const clip = 0.05;
      runner.writeUniforms(stepUniforms(plan, { lr: 0.1, bc1: 1, bc2: 1, step: 1 }, clip));
      runner.run("train");
      const grads = new Map<string, HostArray>();
      for (const p of compiled.params) grads.set(p, await runner.readGrad(p));
      let sq = 0;
      for (const g of grads.values()) for (const x of g) sq += x * x;
      const norm = Math.sqrt(sq);
      expect(norm).toBeGreaterThan(clip);
      expect((await runner.readOutput("grad_norm"))[0]).toBeCloseTo(norm, 4);
      for (const p of compiled.params) {
        const want = Float64Array.from(
          values[p]!.data,
          (x, i) => x - 0.1 * (clip / norm) * grads.get(p)![i]!,
        );
        expect(relError(await runner.readParam(p), want), p).toBeLessThan(1e-5);
      }
    } finally {
      runner.destroy();
    }
  });

  const optimizers: { name: OptimizerName; args: Record<string, number | boolean> }[] = [
    { name: "sgd", args: { lr: 0.05, weight_decay: 0.01 } },
    { name: "sgd", args: { lr: 0.05, momentum: 0.9 } },
    { name: "sgd", args: { lr: 0.05, momentum: 0.9, nesterov: true } },
    { name: "adam", args: { lr: 0.01, weight_decay: 0.1 } },
    { name: "adamw", args: { lr: 0.01, beta1: 0.8, weight_decay: 0.1 } },
    { name: "rmsprop", args: { lr: 0.01 } },
    { name: "rmsprop", args: { lr: 0.01, momentum: 0.5 } },
  ];
  for (const opt of optimizers)
    it(`${opt.name} ${JSON.stringify(opt.args)} updates every parameter like the host`, async () => {
      const spec = optimizerSpec(opt.name, opt.args);
      const { plan, compiled } = examplePlan("examples/regression.grove", 8, true, spec);
      const values = randomBindings(compiled.training, seededRandom(9));
      const runner = await PlanRunner.create(gpu.device, plan);
      try {
        const params = new Map(compiled.params.map((p) => [p, Float64Array.from(values[p]!.data)]));
        const state = new Map(
          compiled.params.map((p) => [p, new HostState(params.get(p)!.length)]),
        );
        for (const p of plan.params)
          runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
        for (const s of plan.state)
          runner.writeParam(s.name, new Float32Array(s.shape.reduce((x, d) => x * d, 1)));
        writeInputs(runner, plan, values);
        for (let step = 1; step <= 3; step++) {
          const lr = opt.args.lr as number;
          const b1 = (opt.args.beta1 as number | undefined) ?? 0.9;
          runner.writeUniforms(
            stepUniforms(plan, { lr, bc1: 1 - b1 ** step, bc2: 1 - 0.999 ** step, step }),
          );
          runner.run("train");
          for (const p of compiled.params) {
            const grad = await runner.readGrad(p);
            hostStep(opt, params.get(p)!, grad, state.get(p)!, lr, step);
            const got = await runner.readParam(p);
            expect(relError(got, params.get(p)!), `${p} at step ${step}`).toBeLessThan(1e-5);
          }
        }
      } finally {
        runner.destroy();
      }
    });
});

/** The step scalars, with clipping switched off (`clip: 0`) when the plan can clip. */
function stepUniforms(
  plan: Plan,
  values: Record<string, number>,
  clip = 0,
): Record<string, number> {
  return plan.uniforms?.fields.includes("clip") ? { ...values, clip } : values;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

class HostState {
  readonly m: Float64Array;
  readonly v: Float64Array;
  constructor(n: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
}

/** Every optimizer's update, as documented in docs/optimizers (and src/codegen/optimizer.ts). */
function hostStep(
  opt: { name: string; args: Readonly<Record<string, number | boolean>> },
  p: Float64Array,
  g: ArrayLike<number>,
  s: HostState,
  lr: number,
  step: number,
): void {
  const a = opt.args as Record<string, number>;
  const wd = a.weight_decay ?? (opt.name === "adamw" ? 0.01 : 0);
  for (let i = 0; i < p.length; i++) {
    const gd = opt.name === "adamw" ? g[i]! : g[i]! + wd * p[i]!;
    if (opt.name === "sgd") {
      const mu = a.momentum ?? 0;
      if (mu === 0) p[i]! -= lr * gd;
      else {
        s.m[i] = mu * s.m[i]! + gd;
        p[i]! -= lr * (opt.args.nesterov ? gd + mu * s.m[i]! : s.m[i]!);
      }
    } else if (opt.name === "rmsprop") {
      const alpha = a.alpha ?? 0.99;
      s.v[i] = alpha * s.v[i]! + (1 - alpha) * gd * gd;
      const scaled = gd / (Math.sqrt(s.v[i]!) + (a.eps ?? 1e-8));
      if (!a.momentum) p[i]! -= lr * scaled;
      else {
        s.m[i] = a.momentum * s.m[i]! + scaled;
        p[i]! -= lr * s.m[i]!;
      }
    } else {
      const b1 = a.beta1 ?? 0.9;
      const b2 = a.beta2 ?? 0.999;
      s.m[i] = b1 * s.m[i]! + (1 - b1) * gd;
      s.v[i] = b2 * s.v[i]! + (1 - b2) * gd * gd;
      if (opt.name === "adamw") p[i]! -= lr * wd * p[i]!;
      p[i]! -=
        (lr * (s.m[i]! / (1 - b1 ** step))) /
        (Math.sqrt(s.v[i]! / (1 - b2 ** step)) + (a.eps ?? 1e-8));
    }
  }
}
