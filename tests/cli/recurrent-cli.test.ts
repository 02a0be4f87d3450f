/**
 * @file The GRU character model (examples/char-gru.grove, a `scan` over 16 steps) through the CLI
 * on the CPU backend: an interrupted run resumed from its checkpoint continues to the unbroken
 * run's losses and parameters bit for bit, `grove eval` repeats the last validation, and
 * `grove gradcheck` passes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove } from "./run.js";
import { parseEval, readTrainLog } from "./scores.js";

const file = "examples/char-gru.grove";
const common = ["--backend", "cpu", "--batch", "4", "--eval-limit", "8"];

async function train(dir: string, name: string, extra: string[]) {
  const checkpoint = join(dir, `${name}.safetensors`);
  const log = join(dir, `${name}.jsonl`);
  const r = await runGrove([
    ...["train", file, ...common, "--checkpoint", checkpoint, "--log-json", log, ...extra],
  ]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return { checkpoint, log: readTrainLog(log), out: r.out };
}

it("a resumed GRU run continues to the unbroken run's losses and parameters, bit for bit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grove-gru-"));
  const whole = await train(dir, "whole", ["--max-steps", "4"]);
  await train(dir, "half", ["--max-steps", "2"]);
  const rest = await train(dir, "half", [
    ...["--max-steps", "4", "--resume", join(dir, "half.safetensors")],
  ]);
  expect(rest.out).toContain("resuming from");
  expect(rest.log.steps.map((s) => s.step)).toEqual([3, 4]);
  expect(rest.log.steps.map((s) => s.loss)).toEqual(whole.log.steps.slice(2).map((s) => s.loss));
  const a = readCheckpoint(whole.checkpoint).tensors;
  const b = readCheckpoint(rest.checkpoint).tensors;
  for (const name of ["gru.w_ih", "gru.step.w_hh", "gru.step.b_hh", "head.w"])
    expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(a.get(name)!.data));

  const ev = await runGrove([
    ...["eval", file, "--checkpoint", whole.checkpoint, "--split", "validation"],
    ...["--backend", "cpu", "--limit", "8"],
  ]);
  expect(ev.code).toBe(0);
  const last = whole.log.validation.at(-1)!;
  expect(parseEval(ev.out).loss).toBeCloseTo(last.loss, 4);
}, 120_000);

it("grove gradcheck passes through the 16 unrolled steps", async () => {
  const r = await runGrove(["gradcheck", file]);
  expect(r.code).toBe(0);
  expect(r.out).toContain("gru.step.w_hh");
  expect(r.out).toContain("gradcheck passed");
}, 120_000);
