/**
 * The audit's `grove train --lr 1e30` on the XOR model: it exited 0 with a loss of 1.2e30 and
 * saved that checkpoint. Now it stops with the divergence message, exit 1, keeps its log, and
 * never leaves an exploded file where the good one was. CPU backend: no device needed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove, xorProject, type Run } from "./run.js";

const cli = (...argv: string[]): Promise<Run> => runGrove([...argv, "--backend", "cpu"]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

it("grove train --lr 1e30 stops with the divergence message before saving anything", async () => {
  const { dir, file, checkpoint } = xorProject();
  const log = join(dir, "log.jsonl");
  const r = await cli("train", file, "--lr", "1e30", "--log-json", log);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    /^grove train: training diverged: the loss is \S+ \(over 10000 times the first loss 0\.\d+ since step 2\) at step 4; try a smaller learning rate; no good checkpoint was saved before it\n$/,
  );
  expect(r.out).not.toContain("checkpoint saved");
  expect(existsSync(checkpoint)).toBe(false);
  // The log has every step up to the divergence.
  const steps = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string; step: number })
    .filter((e) => e.event === "step")
    .map((e) => e.step);
  expect(steps).toEqual([1, 2, 3]);
});

it("resuming a good epoch with --lr 1e30 names it as the last good checkpoint and keeps it", async () => {
  const { file, checkpoint } = xorProject();
  // The first of two epochs (6 steps), then the rest at a rate of 1e30.
  expect((await cli("train", file, "--max-steps", "6")).code).toBe(0);
  const before = readFileSync(checkpoint);
  const r = await cli("train", file, "--resume", checkpoint, "--lr", "1e30");
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    new RegExp(
      `^grove train: training diverged: the loss is \\S+ \\(.* since step 8\\) at step 10; try a smaller learning rate; the last good checkpoint is ${escape(checkpoint)} \\(step 6\\)\\n$`,
    ),
  );
  expect(readFileSync(checkpoint).equals(before)).toBe(true);
});
