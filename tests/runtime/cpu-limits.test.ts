/**
 * @file The CPU backend's size checks: a tensor over 2^31 - 1 bytes, or a step over 8 GiB in all,
 * is a located G0802 diagnostic before anything is allocated (through `grove train --backend
 * cpu`), `CpuRunner.create` refuses such a plan with a `CpuSizeError` instead of a RangeError, and
 * a synthetic data set too large to draw is a located G0605.
 */
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { unboundedLimits } from "../../src/codegen/memory.js";
import { checkFile } from "../../src/parser/program.js";
import { cpuLimits, cpuSizeProblem, CpuSizeError } from "../../src/runtime/cpu-limits.js";
import { CpuRunner } from "../../src/runtime/cpu-runner.js";
import { runGrove, xorProject, xorSource } from "../cli/run.js";
import { memoryHost } from "../parser/helpers.js";

/** The XOR classifier with a hidden layer of `width` units, twice. */
const wide = (width: number) =>
  xorSource({
    layers: [
      `h = Dense(2, ${width}, tanh)`,
      `g = Dense(${width}, ${width})`,
      "out = Dense(" + width + ", 2)",
    ],
  });

function compiled(source: string) {
  const r = checkFile("m.grove", memoryHost({ "m.grove": source }));
  expect(r.diagnostics).toEqual([]);
  const train = r.program.trains[0]!;
  const c = compilePlan(train, { limits: unboundedLimits, sources: r.sources.texts() });
  expect(c.diagnostics).toEqual([]);
  return { train, plan: c.value! };
}

/** Exit 1, the diagnostic on stderr, no stack trace, nothing trained. */
function expectRefused(r: { code: number; out: string; err: string }): void {
  expect(r.code).toBe(1);
  expect(r.err).not.toMatch(/\n\s+at |RangeError|internal compiler error/);
  expect(r.out).not.toMatch(/step|trained/);
}

describe("CPU backend size checks", () => {
  it("refuses a tensor over 2^31 - 1 bytes with a located G0802", async () => {
    const { file } = xorProject(wide(30000));
    const r = await runGrove(["train", file, "--backend", "cpu", "--max-steps", "1"]);
    expectRefused(r);
    expect(r.err).toContain(
      "error[G0802]: parameter `g.w` of shape [30000, 30000] needs 3600000000 bytes, more than the 2147483647 bytes one tensor may have on the CPU backend",
    );
    expect(r.err).toMatch(/--> std\/layers\.grove:\d+:\d+/);
    expect(r.err).toContain("use a smaller `batch` or a smaller layer");
  });

  it("refuses a step over 8 GiB in all, each tensor fitting", async () => {
    // g.w is 20000 x 20000 f32 = 1.6e9 bytes; with its gradient, two Adam moments and the graph's
    // values the step passes 8 GiB.
    const { train, plan } = compiled(wide(20000));
    const problem = cpuSizeProblem(plan);
    expect(problem?.message).toMatch(
      /^the training step needs (\d+) bytes in all on the CPU backend .*more than the 8589934592 bytes it may hold$/,
    );
    const total = Number(/needs (\d+) bytes/.exec(problem!.message)![1]);
    expect(total).toBeGreaterThan(cpuLimits.totalBytes);
    expect(problem?.span).toBeUndefined();
    const { file } = xorProject(wide(20000));
    const r = await runGrove(["train", file, "--backend", "cpu", "--max-steps", "1"]);
    expectRefused(r);
    expect(r.err).toContain(`error[G0802]: ${problem!.message}`);
    expect(r.err).toMatch(/--> .*xor\.grove:\d+:\d+/);
    expect(train.span.file).toBe("m.grove");
  });

  it("lets a plan that fits through", () => {
    const { train, plan } = compiled(xorSource());
    expect(cpuSizeProblem(plan)).toBeUndefined();
    expect(CpuRunner.create(plan, train.optimizer).plan).toBe(plan.plan);
  });

  it("CpuRunner.create refuses before allocating, with a CpuSizeError", () => {
    const { train, plan } = compiled(wide(30000));
    let thrown: unknown;
    try {
      CpuRunner.create(plan, train.optimizer);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CpuSizeError);
    expect((thrown as Error).message).toMatch(
      /^G0802: parameter `g\.w` of shape \[30000, 30000\] needs 3600000000 bytes.*\(std\/layers\.grove@\d+\)$/,
    );
  });

  it("refuses a synthetic data set too large to draw with a located G0605", async () => {
    const { file } = xorProject(xorSource().replace("n: 210", "n: 99999999999"));
    const r = await runGrove(["train", file, "--backend", "cpu", "--max-steps", "1"]);
    expectRefused(r);
    expect(r.err).toContain("error[G0605]: `n` of `xor` must be at most 16777216");
    expect(r.err).toMatch(/xor\.grove:\d+:\d+/);
  });
});
