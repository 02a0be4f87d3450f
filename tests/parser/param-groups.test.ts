/**
 * @file Parameter groups in a train section: `freeze` (layers by name, or patterns in strings) and
 * `groups` (`group(pattern, lr:, weight_decay:)`) resolve to one rule per selected parameter over
 * the hierarchical names; a pattern that selects nothing is G0201 with a did-you-mean, and items
 * of the wrong kind G0605. Also the pattern language itself.
 */
import { describe, expect, it } from "vitest";
import { patternSelects, selected } from "../../src/parser/check/param-groups.js";
import { check, codes, short } from "./helpers.js";

const source = (settings: string) => `
block Norm(d) {
  param gamma: [d] ~ ones
  forward(x: [N, d]) -> [N, d] = x * gamma
}
block Block(d) {
  ff = Dense(d, d, relu)
  norm = Norm(d)
  forward(x: [N, d]) -> [N, d] = norm(ff(x))
}
model M {
  input features: [N, 2]
  l1 = Dense(2, 4, tanh)
  blocks = repeat(2, Block(4))
  head = Dense(4, 2)
  output logits = features |> l1 |> blocks |> head
}
train M {
  data      = xor(n: 64)
  loss      = cross_entropy(logits, label)
  optimizer = adamw(lr: 0.01)
  ${settings}
}
`;

const rules = (settings: string) => {
  const r = check(source(settings));
  expect(short(r)).toBe("");
  return r.program.trains[0]!.paramRules;
};

describe("patterns", () => {
  const params = ["l1.w", "l1.b", "blocks.0.ff.w", "blocks.0.norm.gamma", "blocks.1.norm.gamma"];
  it("`*` stays within a segment, `**` crosses them, and a layer's name selects its parameters", () => {
    expect(selected("l1", params)).toEqual(["l1.w", "l1.b"]);
    expect(selected("*.b", params)).toEqual(["l1.b"]);
    expect(selected("**.gamma", params)).toEqual(["blocks.0.norm.gamma", "blocks.1.norm.gamma"]);
    expect(selected("blocks.*.norm", params)).toEqual([
      "blocks.0.norm.gamma",
      "blocks.1.norm.gamma",
    ]);
    expect(selected("blocks.0", params)).toEqual(["blocks.0.ff.w", "blocks.0.norm.gamma"]);
    expect(selected("l", params)).toEqual([]);
    expect(selected("l1.", params)).toEqual([]);
    expect(patternSelects("a.b", "aXb")).toBe(false);
    expect(patternSelects("(x)[y]+", "(x)[y]+")).toBe(true);
    expect(patternSelects("a*", "a.b")).toBe(true);
    expect(patternSelects("*b", "a.b")).toBe(false);
    expect(patternSelects("**b", "a.b")).toBe(true);
    expect(patternSelects("***", "a.b")).toBe(true);
  });

  it("matches any shape of pattern without backtracking", () => {
    const t0 = performance.now();
    expect(selected("a".repeat(300_000), params)).toEqual([]);
    expect(patternSelects("*a".repeat(500) + "b", "a".repeat(60))).toBe(false);
    expect(patternSelects("**a".repeat(50), "a".repeat(50))).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("freeze and groups", () => {
  it("freeze layers by name and by pattern", () => {
    expect(rules(`freeze = [l1, "blocks.*.norm"]`)).toEqual({
      "l1.w": { frozen: true },
      "l1.b": { frozen: true },
      "blocks.0.norm.gamma": { frozen: true },
      "blocks.1.norm.gamma": { frozen: true },
    });
    expect(rules(`freeze = blocks.1.ff`)).toEqual({
      "blocks.1.ff.w": { frozen: true },
      "blocks.1.ff.b": { frozen: true },
    });
  });

  it("take each of lr and weight_decay from the first group that sets it; frozen wins", () => {
    const r = rules(`freeze = [l1]
  groups = [group("**.b", weight_decay: 0), group(match: "head", lr: 0.05), group("**", weight_decay: 0.5)]`);
    expect(r!["l1.b"]).toEqual({ frozen: true });
    expect(r!["head.b"]).toEqual({ lrScale: 5, weightDecay: 0 });
    expect(r!["head.w"]).toEqual({ lrScale: 5, weightDecay: 0.5 });
    expect(r!["blocks.0.ff.b"]).toEqual({ weightDecay: 0 });
    expect(r!["blocks.0.norm.gamma"]).toEqual({ weightDecay: 0.5 });
  });

  it("leave a section without them as it was", () => {
    expect(rules("")).toBeUndefined();
  });

  it("a pattern that selects nothing is G0201 with a did-you-mean", () => {
    const r = check(source(`freeze = ["blocks.*.nrom"]`));
    expect(codes(r)).toEqual(["G0201"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe("`freeze` pattern `blocks.*.nrom` selects no parameter");
    expect(d.help).toContain("blocks.0.norm");
    const g = check(source(`groups = [group("haed", lr: 0.1)]`));
    expect(codes(g)).toEqual(["G0201"]);
    expect(g.diagnostics[0]!.message).toBe("group pattern `haed` selects no parameter");
    expect(g.diagnostics[0]!.help).toContain("head");
  });

  it("a pattern over 1000 characters is G0605 at the pattern, without matching it", () => {
    const long = "**." + "a".repeat(300_000);
    const t0 = performance.now();
    const r = check(source(`groups = [group("${long}", weight_decay: 0)]`));
    expect(codes(r)).toEqual(["G0605"]);
    expect(r.diagnostics[0]!.message).toBe(
      "a group pattern may be at most 1000 characters; this one has 300003",
    );
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it("an unknown layer name in freeze lists what is in scope (G0201)", () => {
    const r = check(source(`freeze = [l2]`));
    expect(codes(r)).toEqual(["G0201"]);
    expect(r.diagnostics[0]!.notes!.join(" ")).toContain("`l1`");
  });

  it("items of the wrong kind are G0605", () => {
    expect(codes(check(source(`freeze = [1]`)))).toEqual(["G0605"]);
    expect(codes(check(source(`groups = [group("l1")]`)))).toEqual(["G0605"]);
    expect(codes(check(source(`groups = [group("l1", lr: -1)]`)))).toEqual(["G0605"]);
    expect(codes(check(source(`groups = [grup("l1", lr: 1)]`)))).toEqual(["G0605"]);
  });
});
