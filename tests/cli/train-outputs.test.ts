/**
 * `grove train`'s outputs are checked before any work (a `--log-json` into a missing folder used
 * to train the whole run and then fail, losing the log), the log is written as events happen, and
 * its step events count the examples trained on by the end of each step (they ran one batch
 * ahead), also in a resumed run. CPU backend: no device needed.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove, xorProject, type Run } from "./run.js";

const cli = (...argv: string[]): Promise<Run> => runGrove([...argv, "--backend", "cpu"]);

interface Event {
  event: string;
  step: number;
  epoch: number;
  examples: number;
}
const events = (log: string) =>
  readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Event);

it("refuses an output it cannot write before training: nothing runs, nothing is saved", async () => {
  const { dir, file, checkpoint } = xorProject();
  const log = join(dir, "no-such-folder", "log.jsonl");
  const t0 = performance.now();
  const r = await cli("train", file, "--log-json", log);
  expect(r.err).toBe(
    `grove train: cannot write ${log}: the folder ${join(dir, "no-such-folder")} does not exist (create it first)\n`,
  );
  expect(r.out).toBe("");
  expect(r.code).toBe(1);
  expect(performance.now() - t0).toBeLessThan(3000);
  expect(existsSync(checkpoint)).toBe(false);

  // A checkpoint path that is a folder, and a chart path that is one.
  const folder = join(dir, "taken.safetensors");
  mkdirSync(folder);
  const c = await cli("train", file, "--checkpoint", folder);
  expect(c.err).toBe(`grove train: cannot write ${folder}: it is a folder\n`);
  expect(c.code).toBe(1);
  mkdirSync(join(dir, "m.svg"));
  const chart = await cli("train", file, "--checkpoint", join(dir, "m.safetensors"));
  expect(chart.err).toBe(`grove train: cannot write ${join(dir, "m.svg")}: it is a folder\n`);
  expect(chart.out).toBe("");
  // A file where the checkpoint's folder would go.
  const under = join(file, "c.safetensors");
  const nested = await cli("train", file, "--checkpoint", under);
  expect(nested.err).toBe(
    `grove train: cannot create the folder ${file} for the checkpoint ${under} (EEXIST)\n`,
  );
});

it("creates the checkpoint's folders and counts each step's examples after its batch", async () => {
  const { dir, file } = xorProject();
  const checkpoint = join(dir, "a", "b", "x.safetensors");
  const log = join(dir, "log.jsonl");
  // 168 training examples in batches of 64: 64, 128, then a remainder of 40, each epoch.
  const r = await cli(
    "train",
    file,
    "--checkpoint",
    checkpoint,
    "--batch",
    "64",
    "--log-json",
    log,
  );
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(existsSync(checkpoint)).toBe(true);
  const all = events(log);
  const steps = all.filter((e) => e.event === "step");
  expect(steps.map((e) => [e.step, e.epoch, e.examples])).toEqual([
    [1, 1, 64],
    [2, 1, 128],
    [3, 1, 168],
    [4, 2, 232],
    [5, 2, 296],
    [6, 2, 336],
  ]);
  const end = all.at(-1) as unknown as { event: string; examplesSeen: number };
  expect(end.event).toBe("end");
  expect(end.examplesSeen).toBe(336);
});

it("continues the count in a resumed run", async () => {
  const { dir, file } = xorProject();
  const checkpoint = join(dir, "x.safetensors");
  const first = join(dir, "first.jsonl");
  // 168 examples in batches of 32: five full batches and a remainder of 8 per epoch.
  const a = await cli("train", file, "--checkpoint", checkpoint, "--max-steps", "4");
  expect(a.code).toBe(0);
  const b = await cli("train", file, "--resume", checkpoint, "--log-json", first);
  expect(b.err).toBe("");
  const counts = events(first)
    .filter((e) => e.event === "step")
    .map((e) => [e.step, e.examples]);
  expect(counts).toEqual([
    [5, 160],
    [6, 168],
    [7, 200],
    [8, 232],
    [9, 264],
    [10, 296],
    [11, 328],
    [12, 336],
  ]);
});

it("refuses a run of more steps than a checkpoint can record, before any work", async () => {
  const { file, checkpoint } = xorProject();
  const r = await cli("train", file, "--epochs", "2147483647");
  expect(r.err).toBe(
    "grove train: 2147483647 epochs of 6 steps are more than the 2147483647 steps a run may take\n",
  );
  expect(r.code).toBe(1);
  expect(existsSync(checkpoint)).toBe(false);
});
