/**
 * Every example in examples/ end to end through the CLI, in-process: `grove train --max-steps 2`
 * with the checkpoint in a temporary folder must exit 0, print finite losses, the evaluation
 * (test split, else validation) and write the checkpoint and the chart; `grove eval` on that
 * checkpoint then prints the same evaluation. New examples are picked up from the folder. On
 * lavapipe with a warm shader cache each run takes 1-9 s; with a cold cache (a fresh CI machine)
 * compiling the char-transformer's kernels takes minutes, hence the long timeout.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove } from "./run.js";
import { describeGpu } from "../runtime/gpu.js";

const cli = (...argv: string[]) => runGrove(argv);

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".grove"))
  .sort();

it("finds the examples", () => {
  expect(examples).toEqual(
    expect.arrayContaining(["char-transformer.grove", "mnist-cnn.grove", "mnist-mlp.grove"]),
  );
});

describeGpu("every example trains for two steps and evaluates", () => {
  for (const name of examples)
    it(name, { timeout: 900_000 }, async () => {
      const file = join("examples", name);
      const dir = mkdtempSync(join(tmpdir(), "grove-example-"));
      const checkpoint = join(dir, name.replace(/\.grove$/, ".safetensors"));
      const log = join(dir, "log.jsonl");
      const r = await cli(
        ...["train", file, "--max-steps", "2", "--checkpoint", checkpoint, "--log-json", log],
      );
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const events = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; loss: number });
      const losses = events.filter((e) => e.event === "step").map((e) => e.loss);
      expect(losses).toHaveLength(2);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(r.out).toContain("\nstopped at step 2 (--max-steps 2)\n");
      const epoch =
        /\nepoch 1\/\d+ \(\d+ of \d+ examples\) {2}loss (\S+)(?: {2}val_(.*?))? {2}\S+ steps\/s/.exec(
          r.out,
        )!;
      expect(Number.isFinite(Number(epoch[1]))).toBe(true);
      // The evaluation grove eval repeats: the test split's, else the validation's.
      const test = /\ntest \((\d+) examples\): (.*)\n/.exec(r.out);
      const printed = test ? test[2]! : epoch[2]!.replace(/ {2}val_/g, "  ");
      expect(printed).toMatch(/^loss \d+\.\d{4}( {2}\w+ \d+\.\d{4})+$/);
      if (name.startsWith("mnist")) expect(test![1]).toBe("2000");
      expect(r.out).toContain(`\ncheckpoint saved to ${checkpoint}\n`);
      const chart = checkpoint.replace(/\.safetensors$/, ".svg");
      expect(r.out.endsWith(`chart saved to ${chart}\n`)).toBe(true);
      expect(existsSync(checkpoint)).toBe(true);
      expect(readFileSync(chart, "utf8")).toMatch(/^<svg [^]*<polyline [^]*<\/svg>\n$/);

      const ev = await cli("eval", file, "--checkpoint", checkpoint);
      expect(ev.err).toBe("");
      expect(ev.code).toBe(0);
      expect(ev.out).toMatch(/ \(step 2\): /);
      expect(ev.out.slice(ev.out.indexOf(" (step 2): ") + 11)).toBe(`${printed}\n`);
    });
});
