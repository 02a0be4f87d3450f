/**
 * @file `grove compile` and `grove kernels` with `--max-binding-size`: arenas split into chunks
 * that show in the plan and the kernel list, and a tensor too large for one binding is a
 * diagnostic, not a stack trace.
 */
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import { runGrove } from "./run.js";

describe("--max-binding-size", () => {
  it("splits the plan's arenas into chunks", async () => {
    const args = ["examples/mnist-mlp.grove", "--batch", "4", "--max-binding-size", "802816"];
    const r = await runGrove(["compile", ...args, "--emit", "plan"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as Plan;
    const names = plan.buffers.map((b) => b.name);
    for (const chunk of ["params_1", "grads_1", "state_m_1", "state_v_1"])
      expect(names).toContain(chunk);
    for (const b of plan.buffers) expect(b.bytes).toBeLessThanOrEqual(802816);
    const k = await runGrove(["kernels", ...args]);
    expect(k.code).toBe(0);
    expect(k.out).toMatch(/k_adamw_params\s.*\n.*k_adamw_params_1\s/);
  });

  it("refuses a tensor larger than one binding with a diagnostic", async () => {
    const r = await runGrove([
      "compile",
      "examples/mnist-mlp.grove",
      "--emit",
      "plan",
      "--max-binding-size",
      "65536",
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("G0802");
    expect(r.err).toContain(
      "parameter `l1.w` of shape [784, 256] needs 802816 bytes, more than the 65536 bytes one storage binding may hold",
    );
    expect(r.err).toMatch(/smaller `batch` or a smaller layer/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
