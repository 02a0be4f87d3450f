/**
 * @file Seeded fuzzing of the whole compiler: every example and std file is mutated (token
 * edits, truncation, injected bytes and unicode, deep nesting, 32k+ identifiers, 1 MB lines,
 * JavaScript property names, odd numbers, sizes that depend on the batch, long elementwise
 * chains; `mutations.ts`) and each mutant runs in a worker (`case-runner.ts`) with a time
 * limit: it is checked, its diagnostics validated and rendered, and when it checks clean it is
 * compiled like `grove compile` does, to a Plan with WGSL kernels. Nothing may throw or hang,
 * every diagnostic must carry a documented code and spans inside its file. Deterministic by
 * default; set GROVE_FUZZ_SEED to explore other seeds (GROVE_FUZZ_LIMIT_MS changes the per-case
 * limit). A failure prints the seed and the mutant. `npm run fuzz` runs the same cases by the
 * hundred thousand (docs/fuzzing.md).
 */
import { afterAll, describe, expect, it } from "vitest";
import { CaseRunner } from "./case-runner.js";
import { casesPerRound, describeFailure, judge, pairCases } from "./judge.js";
import { fuzzInputs, mutationKinds } from "./mutations.js";

const baseSeed = Number(process.env.GROVE_FUZZ_SEED ?? 20261128);
const limitMs = Number(process.env.GROVE_FUZZ_LIMIT_MS ?? 10_000);

const inputs = fuzzInputs();
const runner = new CaseRunner();
afterAll(() => runner.stop());

describe("fuzz", () => {
  it("covers every mutation kind and a few thousand cases", () => {
    expect(Object.keys(casesPerRound).sort()).toEqual([...mutationKinds].sort());
    const total = inputs.length * Object.values(casesPerRound).reduce((s, n) => s + n, 0);
    expect(total).toBeGreaterThanOrEqual(2000);
    expect(inputs.filter(([p]) => p.startsWith("examples/")).length).toBeGreaterThanOrEqual(5);
  });

  it("stops a case over the time limit and goes on in a fresh worker", async () => {
    const own = new CaseRunner();
    try {
      const hang = await own.run("", {}, 500, "hang");
      expect(hang.kind).toBe("hang");
      expect(hang.ms).toBeLessThan(5000);
      const died = await own.run("", {}, 5000, "exit");
      expect(died).toMatchObject({ kind: "died", error: "worker exited with 3" });
      const next = await own.run("model M {", {}, 20_000);
      expect(next.kind).toBe("done");
      expect(own.starts).toBe(3);
    } finally {
      own.stop();
    }
  });

  it("gives the worker the stack of Node's main thread, where grove runs", async () => {
    let here = 0;
    const down = () => {
      here++;
      down();
    };
    try {
      down();
    } catch {
      // RangeError: the depth is the measure.
    }
    const o = await runner.run("", {}, 20_000, "depth");
    const there = o.kind === "done" ? (o.report as { depth?: number }).depth! : 0;
    // Equal within a few percent (frames differ slightly between the two contexts).
    expect(Math.abs(there - here) / here).toBeLessThan(0.1);
  });

  // Round 0 of the cases, one test per input and kind.
  inputs.forEach(([path], fi) => {
    mutationKinds.forEach((kind, ki) => {
      it(
        `${path}: ${kind}`,
        async () => {
          const failures: string[] = [];
          for (const c of pairCases(baseSeed, inputs, fi, ki, 0)) {
            const outcome = await runner.run(c.mutant.text, c.options, limitMs);
            for (const f of judge(outcome, limitMs)) failures.push(describeFailure(baseSeed, c, f));
          }
          expect(failures, `GROVE_FUZZ_SEED=${baseSeed}`).toEqual([]);
        },
        (casesPerRound[kind] ?? 0) * limitMs + 30_000,
      );
    });
  });
});
