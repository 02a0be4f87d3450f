/**
 * Names that are also JavaScript object properties (`toString`, `constructor`, `__proto__`) as
 * model outputs and metrics: training, the log, the checkpoint's history and `grove eval` report
 * each one's own value (a plain object once read `toString` as a function and printed NaN).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove, xorProject, xorSource } from "./run.js";

it("outputs and metrics named toString, constructor and __proto__ report numbers", async () => {
  const source = xorSource({ epochs: 2 })
    .replace(
      "output logits = features |> h |> out",
      [
        "output logits = features |> h |> out",
        "  output toString = mean(logits)",
        "  output constructor = mean(logits^2)",
        "  output __proto__ = mean(abs(logits))",
      ].join("\n"),
    )
    .replace(
      "metrics   = [accuracy(logits, label)]",
      "metrics   = [toString, constructor, __proto__]",
    );
  expect(source).toContain("metrics   = [toString, constructor, __proto__]");
  const { dir, file } = xorProject(source);
  const ckpt = join(dir, "x.safetensors");
  const log = join(dir, "log.jsonl");
  const r = await runGrove([
    "train",
    file,
    "--backend",
    "cpu",
    "--checkpoint",
    ckpt,
    "--log-json",
    log,
  ]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /epoch 2\/2 {2}loss \S+ {2}val_loss \S+ {2}val_toString -?\d\.\d{4} {2}val_constructor \d\.\d{4} {2}val___proto__ \d\.\d{4} /,
  );
  const events = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { event: string; metrics?: object; validation?: { metrics: object } },
    );
  for (const e of events.filter((x) => x.event === "step")) {
    expect(Object.keys(e.metrics!)).toEqual(["toString", "constructor", "__proto__"]);
    for (const v of Object.values(e.metrics!)) expect(Number.isFinite(v)).toBe(true);
  }
  const epoch = events.filter((x) => x.event === "epoch").at(-1)!;
  const val = new Map(Object.entries(epoch.validation!.metrics as Record<string, number>));
  const evaluated = await runGrove([
    "eval",
    file,
    "--checkpoint",
    ckpt,
    "--split",
    "validation",
    "--backend",
    "cpu",
  ]);
  expect(evaluated.err).toBe("");
  const shown = (n: number) => n.toFixed(4);
  expect(evaluated.out).toContain(
    `toString ${shown(val.get("toString")!)}  constructor ${shown(val.get("constructor")!)}  __proto__ ${shown(val.get("__proto__")!)}`,
  );
}, 60_000);
