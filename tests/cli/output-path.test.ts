/**
 * @file `grove predict -o` checks its output path before any work: a missing folder, a folder in
 * the file's place, a FIFO, a file where a folder should be, a read-only folder and a wrong
 * extension are each one line naming the path, before the checkpoint is even read; a good path is
 * written after a real (CPU) prediction.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrove, xorProject } from "./run.js";

const project = xorProject();
/** A checkpoint path that does not exist: a failure about it would mean work started. */
const noCheckpoint = join(project.dir, "never-written.safetensors");
const input = join(project.dir, "points.csv");
writeFileSync(input, "0.5,-0.5\n-0.5,-0.5\n0.9,0.8\n");

const predict = (out: string, checkpoint = noCheckpoint) =>
  runGrove(["predict", project.file, "--checkpoint", checkpoint, "--input", input, "-o", out]);

/** One line on stderr, exit 1, nothing on stdout, no stack trace. */
function expectOneLine(r: { code: number; out: string; err: string }, line: string): void {
  expect(r.err).toBe(`grove predict: ${line}\n`);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
}

describe("grove predict -o, before any work", () => {
  it("refuses a folder that does not exist, naming it", async () => {
    const out = join(project.dir, "missing", "deeper", "out.csv");
    expectOneLine(
      await predict(out),
      `cannot write ${out}: the folder ${join(project.dir, "missing", "deeper")} does not exist (create it first)`,
    );
  });

  it("refuses a folder in the file's place", async () => {
    const out = join(project.dir, "taken.csv");
    mkdirSync(out);
    expectOneLine(await predict(out), `cannot write ${out}: it is a folder`);
  });

  it("refuses a FIFO (writing would block) and a file used as a folder", async () => {
    const fifo = join(project.dir, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    expectOneLine(await predict(fifo), `cannot write ${fifo}: it exists and is not a regular file`);
    const under = join(input, "out.csv");
    expectOneLine(await predict(under), `cannot write ${under}: ${input} is not a folder`);
  });

  it("refuses an extension it cannot write", async () => {
    const out = join(project.dir, "out.json");
    expectOneLine(await predict(out), `cannot write ${out}: the output is written as .csv or .npy`);
  });

  it.skipIf(process.getuid?.() === 0)("refuses a read-only folder", async () => {
    const locked = join(project.dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const out = join(locked, "out.csv");
    expectOneLine(await predict(out), `cannot write ${out}: the folder ${locked} is not writable`);
    chmodSync(locked, 0o700);
  });

  it("writes into an existing folder after a real prediction on the CPU", async () => {
    const train = await runGrove([
      "train",
      project.file,
      "--backend",
      "cpu",
      "--max-steps",
      "1",
      "--eval-limit",
      "8",
    ]);
    expect(train.err).toBe("");
    expect(train.code).toBe(0);
    mkdirSync(join(project.dir, "preds"));
    const out = join(project.dir, "preds", "out.csv");
    const r = await runGrove([
      "predict",
      project.file,
      "--checkpoint",
      project.checkpoint,
      "--input",
      input,
      "-o",
      out,
      "--backend",
      "cpu",
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`wrote 3 predictions to ${out}\n`);
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("logits_0,logits_1,argmax");
  });
});
