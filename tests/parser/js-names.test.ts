/**
 * @file Names that are also properties of every JavaScript object (`toString`, `constructor`,
 * `__proto__`, `hasOwnProperty`, `valueOf`) in every place a user's name goes: each registry
 * (builtins, optimizers, schedules, data sources, initializers, settings, named arguments,
 * declarations, scopes, dimensions, dtypes) must give its proper diagnostic or accept the name,
 * and never throw (`optimizer = toString()` used to crash in checkCall).
 */
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/parser/program.js";
import { codes, memoryHost } from "./helpers.js";

const names = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"];

interface Parts {
  input?: string;
  member?: string;
  init?: string;
  out?: string;
  model?: string;
  data?: string;
  loss?: string;
  opt?: string;
  extra?: string;
  decl?: string;
}

/** A small train section that checks clean; each case replaces one part. */
function program(p: Parts): string {
  return `
model M {
  ${p.input ?? "input features: [N, 2]"}
  ${p.member ?? ""}
  param w: [2, 3] ~ ${p.init ?? "glorot_uniform"}
  output y = ${p.out ?? "features @ w"}
}
train ${p.model ?? "M"} {
  data = ${p.data ?? "spirals(classes: 3)"}
  loss = ${p.loss ?? "cross_entropy(y, label)"}
  optimizer = ${p.opt ?? "sgd(lr: 0.1)"}
  ${p.extra ?? ""}
}
${p.decl ?? ""}
`;
}

/** Each place a name goes, with the codes it must give (`[]`: accepted). */
const places: [string, (n: string) => Parts, readonly string[]][] = [
  ["optimizer call", (n) => ({ opt: `${n}()` }), ["G0604"]],
  ["optimizer bare", (n) => ({ opt: n }), ["G0604"]],
  ["optimizer argument", (n) => ({ opt: `sgd(${n}: 1)` }), ["G0302"]],
  ["data source", (n) => ({ data: `${n}()` }), ["G0603"]],
  ["data source argument", (n) => ({ data: `spirals(${n}: 1)` }), ["G0302"]],
  ["schedule", (n) => ({ extra: `schedule = ${n}()` }), ["G0610"]],
  ["schedule argument", (n) => ({ extra: `schedule = cosine(${n}: 1)` }), ["G0302"]],
  ["initializer", (n) => ({ init: n }), ["G0207"]],
  ["initializer call", (n) => ({ init: `${n}(1)` }), ["G0207"]],
  ["initializer argument", (n) => ({ init: `normal(${n}: 1)` }), ["G0302"]],
  ["train setting", (n) => ({ extra: `${n} = 3` }), ["G0601"]],
  ["loss function", (n) => ({ loss: `${n}(y, label)` }), ["G0201"]],
  ["metric", (n) => ({ extra: `metrics = [${n}]` }), ["G0201"]],
  ["train model", (n) => ({ model: n }), ["G0609"]],
  ["builtin call", (n) => ({ out: `${n}(features @ w)` }), ["G0201"]],
  ["builtin argument", (n) => ({ out: `sum(features @ w, ${n}: 1)` }), ["G0302"]],
  ["dimension", (n) => ({ member: `param q: [${n}] ~ zeros` }), ["G0203"]],
  ["dtype", (n) => ({ input: `input features: ${n}[N, 2]` }), ["G0206"]],
  ["model input", (n) => ({ member: `input ${n}: [N, 2]` }), ["G0606"]],
  ["fn argument", (n) => ({ decl: "fn g(x) = x", out: `g(${n}: features @ w)` }), ["G0302"]],
  [
    "block argument",
    (n) => ({
      decl: "block B(k) { forward(x: [N, k]) = x }",
      member: `b = B(${n}: 3)`,
      out: "b(features @ w)",
    }),
    ["G0302"],
  ],
  ["fn name", (n) => ({ decl: `fn ${n}(x) = x`, out: `${n}(features @ w)` }), []],
  ["fn parameter", (n) => ({ decl: `fn g(${n}) = ${n}`, out: `g(features @ w)` }), []],
  [
    "fn parameter by name",
    (n) => ({ decl: `fn g(${n}) = ${n}`, out: `g(${n}: features @ w)` }),
    [],
  ],
  [
    "block name and argument",
    (n) => ({
      decl: `block ${n}(${n}) { forward(x: [N, ${n}]) -> [N, ${n}] = x }`,
      member: `b = ${n}(${n}: 3)`,
      out: "b(features @ w)",
    }),
    [],
  ],
  [
    "block member and parameter",
    (n) => ({
      decl: `block B { param ${n}: [3] ~ zeros\n forward(x: [N, 3]) = x + ${n} }`,
      member: "b = B()",
      out: "b(features @ w)",
    }),
    [],
  ],
  ["model member", (n) => ({ member: `${n} = 2`, out: `features @ w * ${n}` }), []],
  ["local binding", (n) => ({ decl: `fn g(x) {\n ${n} = x\n ${n} }`, out: "g(features @ w)" }), []],
  ["symbolic dimension", (n) => ({ input: `input features: [${n}, 2]` }), []],
  ["second model", (n) => ({ decl: `model ${n} { input x: [N, 2]\n output y = x }` }), []],
];

/** A scalar model output named `n`, used by the loss and as a metric. */
function outputNamed(n: string): string {
  return `
model M {
  input features: [N, 2]
  param w: [2, 3]
  output logits = features @ w
  output ${n} = mean(logits)
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(logits, label) + 0 * ${n}
  optimizer = sgd(lr: 0.1)
  metrics = [${n}, accuracy(logits, label)]
}
`;
}

const run = (text: string, settings: string[] = []) =>
  checkFile("mem/main.grove", memoryHost({ "mem/main.grove": text }), { settings });

describe("JavaScript property names as Grove names", () => {
  it("the base program checks clean", () => {
    const r = run(program({}));
    expect(r.diagnostics).toEqual([]);
    expect(r.program.trains).toHaveLength(1);
  });

  for (const name of names)
    describe(name, () => {
      it.each(places)("as the %s", (_, parts, want) => {
        const r = run(program(parts(name)));
        expect(codes(r), JSON.stringify(r.diagnostics.map((d) => d.message))).toEqual(want);
        if (want.length === 0) expect(r.program.trains).toHaveLength(1);
        for (const d of r.diagnostics) expect(d.message).toContain(name);
      });

      it("as a model output used by the loss and as a metric", () => {
        const r = run(outputNamed(name));
        expect(r.diagnostics).toEqual([]);
        // `accuracy(...)` is the second metric; the output itself is the first
        expect(r.program.trains[0]!.metrics).toEqual([name, "accuracy"]);
      });

      it("in command-line settings", () => {
        expect(codes(run(program({}), [`${name} = 1`]))).toEqual(["G0601"]);
        expect(codes(run(program({}), [`optimizer = ${name}(lr: 1)`]))).toEqual(["G0604"]);
        expect(codes(run(program({}), [`optimizer = adam(${name}: 1)`]))).toEqual(["G0302"]);
      });
    });

  it("does not mistake an inherited property for an argument given twice", () => {
    // `args.constructor` exists on every object: it must not read as a first value
    const r = run(program({ opt: "sgd(lr: 0.1, constructor: 1)" }));
    expect(codes(r)).toEqual(["G0302"]);
  });
});
