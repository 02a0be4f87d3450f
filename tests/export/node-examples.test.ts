/**
 * Every example in examples/ exported with `grove export --target node` and run standalone for
 * two steps (`node train.mjs --max-steps 2`, `webgpu` linked in as the offline `npm install`):
 * it exits 0 and its losses are `grove train --max-steps 2`'s, bit for bit (the same kernels on the
 * same device); one whose step draws random numbers (dropout) refuses another seed in one line.
 * New examples are picked up from the folder. With a warm shader cache the whole file takes one
 * to two minutes here (seven examples on a busy machine; the character transformer's plans are
 * 1.8 MB and its two steps take about 7 s); a cold cache compiles the transformer's kernels for
 * minutes, hence the long timeout.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove } from "../cli/run.js";
import { describeGpu } from "../runtime/gpu.js";
import {
  errLines,
  exportProgram,
  linkWebgpu,
  loggedSteps,
  runProgram,
  tempDir,
} from "./program-helpers.js";

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".grove"))
  .sort();

describeGpu("every example's exported Node program trains two steps like grove train", () => {
  for (const name of examples)
    it(name, { timeout: 900_000 }, async () => {
      const file = join("examples", name);
      const dir = await exportProgram(file, "node");
      linkWebgpu(dir);
      const logs = tempDir();
      const ours = await runProgram(dir, [
        "--max-steps",
        "2",
        "--log-json",
        join(logs, "ours.jsonl"),
      ]);
      expect(errLines(ours.err)).toEqual([]);
      expect(ours.code).toBe(0);
      expect(ours.out).toContain("\nstopped at step 2 (--max-steps 2)\n");
      const grove = await runGrove([
        ...["train", file, "--max-steps", "2", "--log-json", join(logs, "grove.jsonl")],
        ...["--checkpoint", join(logs, "grove.safetensors")],
      ]);
      expect(grove.code).toBe(0);
      const losses = loggedSteps(join(logs, "ours.jsonl")).map((s) => s.loss);
      expect(losses).toHaveLength(2);
      expect(losses).toEqual(loggedSteps(join(logs, "grove.jsonl")).map((s) => s.loss));
      // A step that draws random numbers (dropout) was compiled with the section's seed.
      const seed = /\n {2}randomSeed: (\d+),\n/.exec(readFileSync(join(dir, "train.mjs"), "utf8"));
      expect(seed !== null).toBe(/dropout|random_/.test(readFileSync(file, "utf8")));
      if (seed) {
        const other = String(Number(seed[1]) + 1);
        const refused = await runProgram(dir, ["--seed", other]);
        expect(refused.code).toBe(1);
        expect(errLines(refused.err)).toEqual([
          `train.mjs: the model draws random numbers in its training step (dropout) from the seed it was compiled with, ${seed[1]}; to train with seed ${other}, export it again with --set "seed = ${other}"`,
        ]);
      }
    });
});
