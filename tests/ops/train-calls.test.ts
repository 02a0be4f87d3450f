/**
 * The optimizer and schedule records (src/ops/optimizers.ts, src/ops/schedules.ts): the
 * documented tables in docs/language.md list the same calls with the same defaults, the records
 * give the moments and per-step scalars every backend follows, and the PyTorch program's tables
 * cover every name.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { optimizersPy } from "../../src/export/pytorch/optimizers-py.js";
import { schedulesPy } from "../../src/export/pytorch/schedules-py.js";
import type { ArgValue, CallRule } from "../../src/ops/call-schema.js";
import {
  optimizerMoments,
  optimizerNames,
  optimizerScalars,
  optimizerSchemas,
  optimizerSpec,
} from "../../src/ops/optimizers.js";
import { defaultSchedule, scheduleNames, scheduleSchemas } from "../../src/ops/schedules.js";

const language = readFileSync(join(import.meta.dirname, "../../docs/language.md"), "utf8");

/** The calls of a docs table under `heading`: each name with its parameters' written defaults. */
function documented(heading: string): Map<string, Record<string, string | undefined>> {
  const section = language.split(`### ${heading}\n`)[1]!.split("\n### ")[0]!;
  const calls = new Map<string, Record<string, string | undefined>>();
  for (const [, name, params] of section.matchAll(/^\| `(\w+)\(([^)]*)\)`/gm)) {
    const args: Record<string, string | undefined> = {};
    for (const p of params!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [key, value] = p.split("=").map((s) => s.trim());
      args[key!] = value;
    }
    calls.set(name!, args);
  }
  return calls;
}

/** The defaults of `rule` as numbers, booleans or strings (undefined: required). */
const defaults = (rule: CallRule): Record<string, ArgValue | undefined> =>
  Object.fromEntries(Object.entries(rule.args).map(([k, a]) => [k, a.default]));

/** A written default read back as a value: `1e-3` is 0.001, `false` is false. */
const read = (text: string | undefined): ArgValue | undefined =>
  text === undefined
    ? undefined
    : text === "true" || text === "false"
      ? text === "true"
      : Number(text);

describe("docs/language.md lists every optimizer and schedule with the records' defaults", () => {
  for (const [heading, table] of [
    ["Optimizers", optimizerSchemas],
    ["Schedules", scheduleSchemas],
  ] as const)
    it(heading, () => {
      const docs = documented(heading);
      expect([...docs.keys()]).toEqual(Object.keys(table));
      for (const [name, rule] of Object.entries(table as Record<string, CallRule>)) {
        const written = Object.fromEntries(
          Object.entries(docs.get(name)!).map(([k, v]) => [k, read(v)]),
        );
        expect(written, name).toEqual(defaults(rule));
      }
    });
});

describe("optimizer records", () => {
  it("fill every default into a spec", () => {
    expect(optimizerSpec("adamw", { lr: 3e-4 }).args).toEqual({
      lr: 3e-4,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weight_decay: 0.01,
    });
  });

  it("keep a momentum moment only for a momentum that is not 0 in f32", () => {
    const moments = (name: (typeof optimizerNames)[number], args = {}) =>
      optimizerMoments(optimizerSpec(name, args));
    expect(moments("sgd")).toEqual([]);
    expect(moments("sgd", { momentum: 1e-50 })).toEqual([]);
    expect(moments("sgd", { momentum: 0.5 })).toEqual(["m"]);
    expect(moments("rmsprop")).toEqual(["v"]);
    expect(moments("rmsprop", { momentum: 0.5 })).toEqual(["m", "v"]);
    expect(moments("adam")).toEqual(["m", "v"]);
    expect(moments("adamw")).toEqual(["m", "v"]);
  });

  it("give Adam's bias corrections as per-step scalars and 1 to the others", () => {
    const t = 7;
    for (const name of ["adam", "adamw"] as const) {
      const s = optimizerScalars(optimizerSpec(name, { beta1: 0.8, beta2: 0.99 }), t);
      expect(s).toEqual({ bc1: 1 - 0.8 ** t, bc2: 1 - 0.99 ** t });
    }
    for (const name of ["sgd", "rmsprop"] as const)
      expect(optimizerScalars(optimizerSpec(name), t)).toEqual({ bc1: 1, bc2: 1 });
  });
});

it("the PyTorch program's tables name every optimizer and schedule", () => {
  for (const name of optimizerNames) expect(optimizersPy()).toContain(`    "${name}": `);
  for (const name of scheduleNames) expect(schedulesPy()).toContain(`    "${name}": `);
  expect(scheduleNames).toContain(defaultSchedule.name);
});
