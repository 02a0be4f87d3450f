/**
 * Plans within binding limits, without a GPU: arenas split into chunks no larger than one storage
 * binding (gradients and moments chunked like the parameters), kernels and merged dispatches that
 * bind no more storage buffers than allowed, one optimizer dispatch per parameter chunk, and
 * clear diagnostics for what cannot be split.
 */
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { defaultLimits } from "../../src/codegen/memory.js";
import { gradNormKernels } from "../../src/codegen/optimizer.js";
import type { Plan } from "../../src/codegen/plan.js";
import { checkPlan } from "../../src/runtime/check-plan.js";
import { checkFile } from "../../src/parser/program.js";
import { examplePlan } from "./helpers.js";
import { limitsOf, splitCases } from "./split-cases.js";

const storage = (p: Plan, kernel: number) =>
  p.kernels[kernel]!.bindings.filter((b) => b !== "uniform").length;

describe("plans within binding limits", () => {
  for (const [file, batch, limits] of splitCases)
    it(`${file} (batch ${batch}, ${limits.maxStorageBufferBindingSize}-byte bindings, ${limits.maxStorageBuffersPerShaderStage} buffers)`, () => {
      const plan = examplePlan(file, batch, true, undefined, false, limits).plan;
      const unsplit = examplePlan(file, batch).plan;
      // The runtime's own check, against a device with exactly these limits.
      expect(() => checkPlan(plan, limits)).not.toThrow();
      for (const b of plan.buffers)
        expect(b.bytes).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
      for (const program of Object.values(plan.programs))
        for (const d of program.dispatches)
          expect(storage(plan, d.kernel)).toBeLessThanOrEqual(
            limits.maxStorageBuffersPerShaderStage,
          );
      const bytes = (name: string) => plan.buffers.find((b) => b.name === name)?.bytes;
      const chunks = (arena: string) =>
        plan.buffers.filter((b) => b.name === arena || b.name.startsWith(`${arena}_`)).length;
      expect(chunks("temps") + chunks("params")).toBeGreaterThan(2);
      // Gradients and moments are chunked exactly like the parameters.
      for (let k = 0; k < chunks("params"); k++) {
        const suffix = k === 0 ? "" : `_${k}`;
        expect(bytes(`grads${suffix}`)).toBe(bytes(`params${suffix}`));
        for (const s of plan.state)
          expect(bytes(`state_${s.name[0]}${suffix}`)).toBe(bytes(`params${suffix}`));
      }
      const byName = (list: Plan["grads"] & {}) => new Map(list.map((t) => [t.name, t]));
      const grads = byName(plan.grads!);
      for (const p of plan.params) {
        const g = grads.get(p.name)!;
        expect(g.offset).toBe(p.offset);
        expect(plan.buffers[g.buffer]!.name.replace("grads", "params")).toBe(
          plan.buffers[p.buffer]!.name,
        );
      }
      // One optimizer dispatch per parameter chunk, at the end of the training step.
      const train = plan.programs.train!.dispatches.map((d) => plan.kernels[d.kernel]!.name);
      const updates = train.filter((n) => /^k_(sgd|adam|adamw|rmsprop)/.test(n));
      expect(updates).toHaveLength(chunks("params"));
      expect(train.slice(-updates.length)).toEqual(updates);
      expect(plan.programs.train!.dispatches.length).toBeGreaterThanOrEqual(
        unsplit.programs.train!.dispatches.length,
      );
      // The same tensors, params and outputs, whatever their buffers.
      expect(plan.params.map((p) => [p.name, p.shape])).toEqual(
        unsplit.params.map((p) => [p.name, p.shape]),
      );
      expect(plan.programs.train!.outputs).toEqual(unsplit.programs.train!.outputs);
    });

  it("the default limits leave every example's plan in one buffer per arena", () => {
    for (const file of [
      "examples/mnist-mlp.grove",
      "examples/char-transformer.grove",
      "examples/mnist-cnn.grove",
    ]) {
      const plan = examplePlan(file, 16).plan;
      const explicit = examplePlan(file, 16, true, undefined, false, defaultLimits).plan;
      expect(JSON.stringify(explicit)).toBe(JSON.stringify(plan));
      expect(plan.buffers.some((b) => /_\d+$/.test(b.name))).toBe(false);
    }
  });

  it("a lower storage-buffer limit splits merged dispatches, and the runtime refuses the plan elsewhere", () => {
    const limits = limitsOf(100352, 4);
    const plan = examplePlan("examples/mnist-cnn.grove", 2, true, undefined, false, limits).plan;
    const roomy = examplePlan(
      "examples/mnist-cnn.grove",
      2,
      true,
      undefined,
      false,
      limitsOf(100352),
    ).plan;
    const n = (p: Plan) => p.programs.train!.dispatches.length;
    expect(n(plan)).toBeGreaterThan(n(roomy));
    expect(Math.max(...roomy.kernels.map((_, k) => storage(roomy, k)))).toBeGreaterThan(4);
    expect(() => checkPlan(roomy, limits)).toThrow(
      /binds 5 storage buffers, but the device allows 4 per shader stage; compile the plan for this device's limits/,
    );
    expect(() => checkPlan(plan, limitsOf(65536, 8))).toThrow(
      /needs a 81968-byte params buffer, but the device binds at most 65536 bytes in one storage binding/,
    );
  });

  it("the gradient norm covers every gradient chunk, in several kernels when they cannot all be bound", () => {
    const chunks = [
      { arena: "grads", count: 8 },
      { arena: "grads_1", count: 12 },
      { arena: "grads_2", count: 4 },
    ];
    const one = gradNormKernels(chunks, { arena: "outputs", offset: 4 }, 8);
    expect(one.map((k) => k.name)).toEqual(["k_grad_norm"]);
    for (const c of chunks) expect(one[0]!.wgsl).toContain(`let g = a_${c.arena}[i];`);
    expect(one[0]!.wgsl).toContain("a_outputs[4] = sqrt(partial[0]);");
    const two = gradNormKernels(chunks, { arena: "outputs", offset: 4 }, 3);
    expect(two.map((k) => k.arenas.map((a) => a.arena))).toEqual([
      ["grads", "grads_1", "outputs"],
      ["grads_2", "outputs"],
    ]);
    expect(two[0]!.wgsl).toContain("a_outputs[4] = partial[0];");
    expect(two[1]!.wgsl).toContain("a_outputs[4] = sqrt(a_outputs[4] + partial[0]);");
  });

  it("splits a fused group whose operands are spread over more chunks than a kernel may bind", () => {
    const r = checkFile("examples/char-transformer.grove");
    const train = r.program.trains[0]!;
    const limits = limitsOf(256 * 1024);
    // Fused as usual, one group (an `add` of the layer norm's backward pass) binds 9 chunks.
    const emitted = compilePlan(train, { batch: 1, limits });
    expect(emitted.diagnostics).toEqual([]);
    const { plan } = emitted.value!;
    expect(() => checkPlan(plan, limits)).not.toThrow();
    // Its nodes became kernels of their own: more dispatches than with twice the binding size.
    const roomier = compilePlan(train, { batch: 1, limits: limitsOf(512 * 1024) }).value!.plan;
    expect(plan.programs.train!.dispatches.length).toBeGreaterThan(
      roomier.programs.train!.dispatches.length,
    );
  });

  it("refuses a tensor larger than one binding, naming it, its size, the limit and a fix", () => {
    const r = checkFile("examples/mnist-mlp.grove");
    const c = compilePlan(r.program.trains[0]!, {
      batch: 4,
      sources: r.sources.texts(),
      limits: limitsOf(65536),
    });
    expect(c.value).toBeUndefined();
    expect(c.diagnostics).toHaveLength(1);
    const d = c.diagnostics[0]!;
    expect(d.code).toBe("G0802");
    expect(d.message).toMatch(
      /^parameter `l1.w` of shape \[784, 256\] needs 802816 bytes, more than the 65536 bytes one storage binding may hold \(examples\/mnist-mlp.grove:13:3\)$/,
    );
    expect(d.help).toMatch(/smaller `batch` or a smaller layer/);
    // An activation: the batch makes it too large.
    const big = compilePlan(r.program.trains[0]!, { batch: 512, limits: limitsOf(784 * 1024) });
    expect(big.diagnostics[0]!.message).toMatch(
      /^input `image` of shape \[512, 784\] needs 1605632 bytes/,
    );
  });

  it("refuses a kernel that alone binds more storage buffers than allowed", () => {
    const r = checkFile("examples/mnist-mlp.grove");
    const c = compilePlan(r.program.trains[0]!, { batch: 4, limits: limitsOf(1 << 20, 4) });
    expect(c.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        "G0803",
        "kernel k_adamw binds 5 storage buffers (grads, outputs, params, state_m, state_v), more than the 4 a shader stage may bind: it alone reads and writes more arena chunks than a shader stage may bind",
      ],
    ]);
  });
});
