/**
 * @file The one argument binder (src/parser/check/schema.ts) as each kind of call words it:
 * initializers and train-section calls (functions, blocks and builtins are covered by the bad
 * fixtures). The snapshot was first written by the binders this one replaced (main at 686c600) and
 * matched byte for byte except "twice with a bad value": an initializer now reports the duplicate
 * before evaluating its value, as every other call does (it used to report the value's mistake).
 */
import { expect, it } from "vitest";
import { check, rich } from "./helpers.js";

const init = (expr: string): string =>
  `model M {\n  input features: [N, 2]\n  param w: [2, 2] ~ ${expr}\n  output y = features @ w\n}\n`;

/** A train section with `settings` replacing its default data source and optimizer. */
const train = (settings: Record<string, string>): string => {
  const all = { data: "xor(n: 100)", optimizer: "sgd(lr: 0.1)", ...settings };
  const lines = Object.entries(all).map(([k, v]) => `  ${k} = ${v}\n`);
  return `${init("zeros")}train M {\n  loss = mean(y)\n${lines.join("")}}\n`;
};

const cases: Record<string, string> = {
  "initializer: surplus positional": init("normal(0, 1, 2)"),
  "initializer: unknown name": init("normal(stdd: 1)"),
  "initializer: twice": init("normal(0, mean: 1)"),
  "initializer: twice with a bad value": init("uniform(low: 0, low: nope)"),
  "initializer: missing": init("constant()"),
  "initializer: missing after a bad value": init("constant(valu: 1)"),
  "initializer: bad value then unknown": init("normal(mean: nope, sd: 1)"),
  "initializer: positional after named": init("uniform(high: 1, 0)"),
  "initializer: defaults fill, range refused": init("uniform(low: 1)"),
  "train: positional by order": train({ optimizer: "adam(-1e-3)" }),
  "train: surplus positional": train({ optimizer: "adam(1e-3, 0.9)" }),
  "train: unknown and bad value both reported": train({ optimizer: "adam(lr: -1, betta1: 0.9)" }),
  "train: twice": train({ optimizer: "adam(1e-3, lr: 2e-3)" }),
  "train: every missing one": train({ data: "idx()" }),
  "train: missing after an unknown": train({ data: 'idx(image: "a")' }),
  "train: by order then by name": train({ data: 'idx("a", images: "b", "c", "d")' }),
  "train: defaults fill, combination refused": train({ data: 'csv("a.csv")' }),
  "train: schedule": train({ schedule: "step(gama: 0.5)" }),
};

it("binds and words arguments of initializers and train-section calls as before", async () => {
  const out = Object.entries(cases)
    .map(([name, src]) => `## ${name}\n${rich(check(src)).trimEnd()}\n`)
    .join("\n");
  await expect(out).toMatchFileSnapshot("__snapshots__/bind-args.txt");
});
