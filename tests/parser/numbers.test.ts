/**
 * @file Odd numbers: settings and arguments must be finite and in range (G0605 at the value),
 * numbers that become tensor values must fit f32 or i32 (G0112), and dimensions must be whole
 * numbers no larger than 2^31 - 1 (G0412), whether written (`1e999`, `-0`, `2^53+1`,
 * `9007199254740993`) or computed. Never a crash, never a silently wrapped or infinite value.
 */
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/parser/program.js";
import { checkFile } from "../../src/parser/program.js";
import { check, codes, memoryHost, spanText } from "./helpers.js";

const source = `
model M {
  input features: [N, 2]
  param w: [2, 3]
  output y = features @ w
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(y, label)
  optimizer = sgd(lr: 0.1)
}
`;

const withSetting = (setting: string) =>
  checkFile("mem/main.grove", memoryHost({ "mem/main.grove": source }), { settings: [setting] });

/** The one diagnostic of `r`, with the text its caret points at. */
function one(r: CheckResult, code: string) {
  expect(codes(r), r.diagnostics.map((d) => d.message).join("; ")).toEqual([code]);
  const d = r.diagnostics[0]!;
  expect(d.message).not.toMatch(/NaN|Infinity|undefined/);
  return { message: d.message, at: spanText(r, d.labels[0]!.span), label: d.labels[0]!.message };
}

describe("train settings", () => {
  it.each([
    ["batch = 1e999", "`batch` must be at most 16777216", "1e999"],
    ["batch = 2^53+1", "`batch` must be at most 16777216", "2^53+1"],
    ["batch = 9007199254740993", "`batch` must be at most 16777216", "9007199254740993"],
    ["batch = -0", "`batch` must be positive", "-0"],
    ["batch = 0/0", "`batch` must be a number", "0/0"],
    ["epochs = 1000001", "`epochs` must be at most 1000000", "1000001"],
    ["seed = 4294967296", "`seed` must be between 0 and 4294967295", "4294967296"],
    ["seed = 2^53+1", "`seed` must be between 0 and 4294967295", "2^53+1"],
    ["seed = 1.5", "`seed` must be a whole number", "1.5"],
    ["clip_grad_norm = 1e999", "`clip_grad_norm` must be at most 3.4028234663852886e+38", "1e999"],
    ["clip_grad_norm = 1e39", "`clip_grad_norm` must be at most 3.4028234663852886e+38", "1e39"],
  ])("%s is G0605 at the value", (setting, message, at) => {
    const r = one(withSetting(setting), "G0605");
    expect(r.message).toBe(message);
    expect(r.at).toBe(at);
  });

  it("accepts the extremes of each range, and -0 as 0", () => {
    const t = (s: string) => {
      const r = withSetting(s);
      expect(r.diagnostics).toEqual([]);
      return r.program.trains[0]!;
    };
    expect(t("seed = 4294967295").seed).toBe(4294967295);
    expect(t("seed = 2^32 - 1").seed).toBe(4294967295);
    expect(Object.is(t("seed = -0").seed, 0)).toBe(true);
    expect(t("batch = 16777216").batch).toBe(16777216);
    expect(t("epochs = 1e6").epochs).toBe(1_000_000);
    expect(t("clip_grad_norm = 3e38").clipGradNorm).toBe(3e38);
  });
});

describe("arguments of optimizers, schedules and data sources", () => {
  it.each([
    ["optimizer = sgd(lr: 1e999)", "`lr` of `sgd` must be at most 3.4028234663852886e+38", "1e999"],
    [
      "optimizer = adam(lr: 1e300)",
      "`lr` of `adam` must be at most 3.4028234663852886e+38",
      "1e300",
    ],
    ["optimizer = adam(lr: 0/0)", "`lr` of `adam` must be a number", "0/0"],
    ["optimizer = sgd(lr: -0)", "`lr` of `sgd` must be positive", "-0"],
    [
      "optimizer = adam(eps: 1e-300)",
      "`eps` of `adam` must be at least 1.1754943508222875e-38",
      "1e-300",
    ],
    [
      "optimizer = adamw(weight_decay: 1e999)",
      "`weight_decay` of `adamw` must be at most 3.4028234663852886e+38",
      "1e999",
    ],
    ["data = spirals(n: 1e12)", "`n` of `spirals` must be at most 16777216", "1e12"],
    ["data = spirals(classes: 1e6)", "`classes` of `spirals` must be at most 65536", "1e6"],
    [
      "data = xor(noise: 1e999)",
      "`noise` of `xor` must be at most 3.4028234663852886e+38",
      "1e999",
    ],
    ['data = text("a.txt", context: 1e9)', "`context` of `text` must be at most 65536", "1e9"],
    ["schedule = step(every: 1e300)", "`every` of `step` must be at most 2147483647", "1e300"],
    ["schedule = cosine(warmup: 1e18)", "`warmup` of `cosine` must be at most 2147483647", "1e18"],
    ["schedule = step(10, gamma: 0/0)", "`gamma` of `step` must be a number", "0/0"],
  ])("%s is G0605 at the value", (setting, message, at) => {
    const r = one(withSetting(setting), "G0605");
    expect(r.message).toBe(message);
    expect(r.at).toBe(at);
  });

  it("keeps -0 out of the arguments it accepts", () => {
    const r = withSetting("optimizer = sgd(lr: 0.1, momentum: -0)");
    expect(r.diagnostics).toEqual([]);
    const sgd = r.program.trains[0]!.optimizer;
    expect(sgd.name === "sgd" && Object.is(sgd.args.momentum, 0)).toBe(true);
  });
});

/** A model over `x: [N, 8]` whose output `y` is `out`. */
const model = (out: string, members = "") =>
  `model M {\n  input x: [N, 8]\n${members}\n  output y = ${out}\n}\n`;

describe("numbers in models", () => {
  it.each([
    ["x * 1e999", "1e999", "an infinite number does not fit in an f32 tensor"],
    ["x * 1e39", "1e39", "1e+39 does not fit in an f32 tensor"],
    ["x * (2^64 * 2^64)", "(2^64 * 2^64)", "3.402823669209385e+38 does not fit in an f32 tensor"],
    ["x * (0 / 0)", "(0 / 0)", "a result that is not a number does not fit in an f32 tensor"],
    ["cast(x, i32) + 3000000000", "3000000000", "3000000000 does not fit in an i32 tensor"],
    ["cast(x, i32) - 2147483649", "2147483649", "2147483649 does not fit in an i32 tensor"],
  ])("`%s` is G0112", (out, at, message) => {
    const r = one(check(model(out)), "G0112");
    expect(r.at).toBe(at);
    expect(r.message).toBe(message);
  });

  it("accepts the largest values that fit", () => {
    expect(codes(check(model("x * 3e38 - 3.4e38")))).toEqual([]);
    expect(codes(check(model("cast(cast(x, i32) + 2147483647 + (-2147483648), f32)")))).toEqual([]);
  });

  it.each([
    ["param w: [1.5, 2]", "1.5", "G0410", "a dimension must be an integer, but this is 1.5"],
    ["param w: [2147483648, 2]", "2147483648", "G0412", "a dimension of 2147483648 is too large"],
    [
      "param w: [65536 * 65536]",
      "65536 * 65536",
      "G0412",
      "a dimension of 4294967296 is too large",
    ],
    [
      "param w: [65536, 65536]",
      "param w: [65536, 65536]",
      "G0412",
      "a tensor of 4294967296 elements is too large",
    ],
    ["l = Dense(1000000000000, 10)", "in", "G0412", "a dimension of 1000000000000 is too large"],
    ["l = Dense(1e12, 10)", "in", "G0410", "a dimension must be an integer, but `in` is a number"],
  ])("`%s` is a diagnostic", (member, at, code, message) => {
    const r = check(model("x", `  ${member}`));
    const d = one(r, code);
    expect(d.message).toBe(message);
    if (at !== "in") expect(d.at).toBe(at);
  });

  it.each([
    ["reshape(x, [1e12, 8])", "1e12", "G0412"],
    ["reshape(x, [2^53 + 1, 8])", "2^53 + 1", "G0412"],
    ["one_hot(cast(x, i32), 1e12)", "1e12", "G0412"],
    ["cast(iota(9007199254740993), f32)", "9007199254740993", "G0412"],
    ["reshape(x, [2^2000])", "2^2000", "G0410"],
    ["broadcast(sum(x), [N, 65536, 65536])", "broadcast(sum(x), [N, 65536, 65536])", "G0412"],
    ["broadcast(sum(x), [" + "1, ".repeat(40) + "1])", "", "G0403"],
  ])("`%s` is a diagnostic, not a huge or wrapped shape", (out, at, code) => {
    const d = one(check(model(out)), code);
    if (at) expect(d.at).toBe(at);
  });
});

describe("huge literals", () => {
  it("a 400-digit dimension and constant are diagnostics without `Infinity` in them", () => {
    const big = "1" + "0".repeat(400);
    const dim = one(check(model("x", `  param w: [${big}, 2]`)), "G0412");
    expect(dim.message).toBe("a dimension of an infinite number is too large");
    expect(dim.at).toBe(big);
    expect(one(check(model(`x * ${big}`)), "G0112").at).toBe(big);
    expect(one(withSetting(`seed = ${big}`), "G0605").at).toBe(big);
  });
});
