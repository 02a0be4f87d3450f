/**
 * @file Reading what `grove train --log-json` and `grove eval` report, for tests that compare two
 * runs (backends, exported programs): per-step and per-epoch scores from the log, the scores of
 * `grove eval`'s line, and a comparison within a tolerance.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";

export interface Scores {
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface TrainLog {
  readonly steps: (Scores & { readonly step: number })[];
  /** Each epoch's validation scores, in order. */
  readonly validation: Scores[];
  /** The test split's scores at the end, when the data has one. */
  readonly test?: Scores;
}

/** The scores in a `--log-json` file. */
export function readTrainLog(path: string): TrainLog {
  const events = readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    steps: events.filter((e) => e.event === "step") as unknown as TrainLog["steps"],
    validation: events
      .filter((e) => e.event === "epoch" && e.validation)
      .map((e) => e.validation as Scores),
    ...Object.fromEntries(
      events.filter((e) => e.event === "end" && e.test).map((e) => ["test", e.test as Scores]),
    ),
  };
}

/** `grove eval`'s line: `... (step 6): loss 0.1181  kl 0.3501  mse 0.1146`. */
export function parseEval(out: string): Scores {
  const tail = /\(step \d+\): (.*)$/m.exec(out)![1]!;
  const pairs = [...tail.matchAll(/(\S+) (\S+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
  const [first, ...rest] = pairs;
  expect(first?.[0]).toBe("loss");
  return { loss: first![1], metrics: Object.fromEntries(rest) };
}

/** Equal within `rel` of the larger magnitude plus `abs`, for the loss and every metric. */
export function expectClose(got: Scores, want: Scores, at: string, rel: number, abs = 0): void {
  const close = (a: number, b: number, what: string) =>
    expect(Math.abs(a - b), `${what} ${at}: ${a} vs ${b}`).toBeLessThanOrEqual(
      abs + rel * Math.max(Math.abs(a), Math.abs(b)),
    );
  close(got.loss, want.loss, "loss");
  expect(Object.keys(got.metrics).sort(), at).toEqual(Object.keys(want.metrics).sort());
  for (const [name, value] of Object.entries(want.metrics)) close(got.metrics[name]!, value, name);
}
