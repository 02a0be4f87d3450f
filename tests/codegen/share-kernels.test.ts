/**
 * @file Kernels that differ only in arena offsets share one code (`share-kernels.ts`): the copies
 * of an unrolled `scan` step compile to a handful of pipelines, and putting each kernel's own
 * numbers back into the shared code gives exactly the kernel it was. A plan without such copies
 * is left alone.
 */
import { describe, expect, it } from "vitest";
import { compilePlan, type PlanOptions } from "../../src/codegen/compile.js";
import type { Plan, PlanKernel } from "../../src/codegen/plan.js";
import { checkFile } from "../../src/parser/program.js";
import { PipelineCache } from "../../src/runtime/pipelines.js";

function plan(file: string, options: PlanOptions): Plan {
  const r = checkFile(file);
  expect(r.diagnostics).toEqual([]);
  return compilePlan(r.program.trains[0]!, { batch: 4, quick: true, ...options }).value!.plan;
}

/** A shared kernel with its numbers put back: `c_[j / 4].xyzw` replaced, its declaration gone. */
function unshare(k: PlanKernel, values: readonly number[]): string {
  return k.wgsl
    .split("\n")
    .filter((l) => !l.includes("var<uniform> c_:") && !l.startsWith("// the same code as"))
    .join("\n")
    .replace(/c_\[(\d+)\]\.([xyzw])/g, (_, v: string, c: string) =>
      String(values[4 * Number(v) + "xyzw".indexOf(c)]),
    );
}

const gru = "tests/fixtures/recurrent/gru-t8.grove";

describe("shared kernels", () => {
  const shared = plan(gru, {});
  const alone = plan(gru, { share: false });

  it("the kernels of the 8 steps share code: far fewer pipelines than kernels", () => {
    const keys = (p: Plan) => new Set(p.kernels.map((k) => PipelineCache.key(k))).size;
    expect(alone.kernels).toHaveLength(shared.kernels.length);
    expect(keys(alone)).toBe(alone.kernels.length);
    expect(keys(shared)).toBeLessThan(alone.kernels.length / 2);
  });

  it("each shared kernel with its own numbers put back is the kernel it replaced", () => {
    let rewritten = 0;
    shared.kernels.forEach((k, i) => {
      const before = alone.kernels[i]!;
      expect(k.name).toBe(before.name);
      if (k.wgsl === before.wgsl) {
        expect(k.bindings).toEqual(before.bindings);
        return;
      }
      rewritten++;
      expect(k.bindings).toEqual([...before.bindings, "uniform"]);
      const buffer = shared.buffers.find((b) => b.name === `const:${k.name}`)!;
      expect(buffer.kind).toBe("uniform");
      expect(unshare(k, buffer.values!)).toBe(before.wgsl);
      // Every dispatch of the kernel binds its numbers last.
      for (const [name, program] of Object.entries(shared.programs))
        for (const variant of ["dispatches", "quick"] as const)
          (program[variant] ?? []).forEach((d, j) => {
            if (d.kernel !== k.id) return;
            const old = alone.programs[name]![variant]![j]!;
            expect(d.buffers).toEqual([...old.buffers, buffer.id]);
          });
    });
    expect(rewritten).toBeGreaterThan(40);
  });

  it("leaves a plan without copies unchanged", () => {
    const file = "examples/mnist-mlp.grove";
    expect(JSON.stringify(plan(file, {}))).toBe(JSON.stringify(plan(file, { share: false })));
  });
});
