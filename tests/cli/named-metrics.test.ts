/**
 * Named metrics (`metrics = [acc = accuracy(logits, label), ...]`) end to end through the CLI on
 * the CPU backend: the names given reach the epoch line (`val_acc`), the JSON log, the chart and
 * `grove eval`, as do default names beside them, and `--set` can name metrics too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove, xorProject, xorSource } from "./run.js";

const cli = (...argv: string[]) => runGrove([...argv, "--backend", "cpu"]);

it("shows named metrics in the epoch line, the log, the chart and grove eval", async () => {
  const source = xorSource({ epochs: 1 }).replace(
    "metrics   = [accuracy(logits, label)]",
    "metrics   = [acc = accuracy(logits, label), confidence = mean(max(softmax(logits), -1)), accuracy(logits, label)]",
  );
  const { dir, file, checkpoint } = xorProject(source);
  const log = join(dir, "log.jsonl");
  const r = await cli("train", file, "--log-json", log);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /\nepoch 1\/1 {2}loss \S+ {2}val_loss \S+ {2}val_acc \S+ {2}val_confidence \S+ {2}val_accuracy \S+ /,
  );
  const events = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const epoch = events.find((e) => e.event === "epoch")!;
  expect(JSON.stringify(epoch)).toMatch(/"acc"/);
  expect(JSON.stringify(epoch)).toMatch(/"confidence"/);
  const chart = readFileSync(checkpoint.replace(/\.safetensors$/, ".svg"), "utf8");
  expect(chart).toContain(">val_acc<");
  expect(chart).toContain(">val_confidence<");

  const ev = await cli("eval", file, "--checkpoint", checkpoint);
  expect(ev.err).toBe("");
  expect(ev.out).toMatch(/: loss \d\.\d{4} {2}acc (\S+) {2}confidence \S+ {2}accuracy (\S+)\n$/);
  const [, acc, accuracy] = /acc (\S+) .* accuracy (\S+)\n$/.exec(ev.out)!;
  expect(acc).toBe(accuracy);
}, 60_000);

it("names a metric given with --set", async () => {
  const { file } = xorProject(xorSource({ epochs: 1 }));
  const r = await cli(
    "train",
    file,
    "--max-steps",
    "1",
    "--set",
    "metrics = [hit_rate = accuracy(logits, label)]",
  );
  expect(r.err).toBe("");
  expect(r.out).toMatch(/ {2}val_hit_rate \S+/);
}, 60_000);
