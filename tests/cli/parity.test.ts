/**
 * What `grove train` logs per step and per epoch, and what `grove eval` prints for the checkpoint
 * it saved, agree between the GPU and `--backend cpu`: every loss and metric, for models whose
 * metrics alias model outputs or each other (tests/fixtures/alias) and for the examples (a few
 * steps at a small batch). `tests/runtime/parity.test.ts` compares every tensor per step; the char
 * transformer is left to that test, whose plan compiles here in seconds instead of a minute.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { aliasFixtures, describeGpu } from "../runtime/gpu.js";
import { runGrove } from "./run.js";
import { expectClose, parseEval, readTrainLog, type Scores, type TrainLog } from "./scores.js";

const cases: [file: string, extra: string[]][] = [
  ...aliasFixtures.map((f): [string, string[]] => [f, []]),
  ["examples/mnist-mlp.grove", ["--batch", "4", "--max-steps", "3", "--eval-limit", "12"]],
  ["examples/autoencoder.grove", ["--batch", "4", "--max-steps", "3", "--eval-limit", "12"]],
  ["examples/regression.grove", ["--batch", "8", "--max-steps", "3", "--eval-limit", "20"]],
  ["examples/mnist-cnn.grove", ["--batch", "2", "--max-steps", "2", "--eval-limit", "4"]],
];

describeGpu("grove train and grove eval agree between the GPU and the CPU", () => {
  for (const [file, extra] of cases)
    it(`${file}: per step, per epoch, and grove eval of the checkpoint`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "grove-parity-"));
      const logs: TrainLog[] = [];
      for (const backend of ["gpu", "cpu"]) {
        const log = join(dir, `${backend}.jsonl`);
        const ckpt = join(dir, `${backend}.safetensors`);
        const r = await runGrove([
          "train",
          file,
          "--backend",
          backend,
          "--checkpoint",
          ckpt,
          "--log-json",
          log,
          ...extra,
        ]);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        logs.push(readTrainLog(log));
      }
      const [gpu, cpu] = logs as [TrainLog, TrainLog];
      expect(gpu.steps.length).toBeGreaterThan(1);
      expect(cpu.steps).toHaveLength(gpu.steps.length);
      gpu.steps.forEach((s, i) => expectClose(s, cpu.steps[i]!, `at step ${i + 1}`, 2e-3, 1e-6));
      expect(gpu.validation.length).toBeGreaterThan(0);
      expect(cpu.validation).toHaveLength(gpu.validation.length);
      gpu.validation.forEach((v, i) =>
        expectClose(v, cpu.validation[i]!, `validation after epoch ${i + 1}`, 2e-3, 1e-6),
      );
      expect(cpu.test === undefined, "both runs have a test split or neither").toBe(
        gpu.test === undefined,
      );
      if (gpu.test) expectClose(gpu.test, cpu.test!, "on the test split", 2e-3, 1e-6);

      // grove eval repeats the numbers the run reported for its final parameters, on each
      // backend (printed with 4 decimals).
      const limit = extra.includes("--eval-limit")
        ? ["--limit", extra[extra.indexOf("--eval-limit") + 1]!]
        : [];
      const splits: [string, Scores][] = [["validation", gpu.validation.at(-1)!]];
      if (gpu.test) splits.push(["test", gpu.test]);
      for (const [split, want] of splits)
        for (const backend of ["gpu", "cpu"]) {
          const r = await runGrove([
            "eval",
            file,
            "--checkpoint",
            join(dir, "gpu.safetensors"),
            "--split",
            split,
            "--backend",
            backend,
            ...limit,
          ]);
          expect(r.code, r.err).toBe(0);
          expectClose(
            parseEval(r.out),
            want,
            `grove eval --split ${split} (${backend})`,
            2e-4,
            6e-5,
          );
        }
    }, 240_000);
});
