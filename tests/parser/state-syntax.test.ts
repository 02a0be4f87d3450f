/**
 * @file The `state` and `update` syntax: contextual words (a name elsewhere), where each may stand,
 * and the checks of a state's declaration (f32, a known shape, initializers) with their places.
 */
import { describe, expect, it } from "vitest";
import { instanceText } from "../../src/parser/check/binding-types.js";
import { check, codes, short, spanText } from "./helpers.js";

const model = (members: string) => `model M {\n  input x: [N, 4]\n${members}\n}\n`;

describe("state and update", () => {
  it("are words only before a name: `state = ...` and `update = ...` stay bindings", () => {
    const r = check(`
fn gate(x) {
  update = sigmoid(x)
  state = tanh(x)
  update * state
}
${model("  output y = gate(x)")}`);
    expect(codes(r), short(r)).toEqual([]);
  });
});

describe("state declarations and updates", () => {
  it("declare state in blocks and models, named like parameters; updates are recorded", () => {
    const r = check(`
block Count(dim) {
  state seen: [dim] ~ constant(3)
  state n: []
  forward(x: [N, dim]) -> [N, dim] {
    update n = n + 1
    x + seen
  }
}
${model("  c = Count(4)\n  state total: [4] ~ zeros\n  update total = total + mean(x, 0)\n  output y = c(x)")}`);
    expect(codes(r), short(r)).toEqual([]);
    const g = r.program.models[0]!.graph;
    expect(g.state.map((s) => [s.name, s.shape, s.init.name])).toEqual([
      ["c.seen", [4], "constant"],
      ["c.n", [], "zeros"],
      ["total", [4], "zeros"],
    ]);
    expect(g.updates.map((u) => u.name)).toEqual(["c.n", "total"]);
    expect(g.params).toEqual([]);
  });

  it("refuses an i32 state and one of unknown size, at the type", () => {
    const r = check(model("  state bad: i32[4]\n  output y = x"));
    expect(codes(r), short(r)).toEqual(["G0206"]);
    expect(r.diagnostics[0]!.message).toBe("states must be f32");
    expect(spanText(r, r.diagnostics[0]!.labels[0]!.span)).toBe("i32");
    const s = check(model("  state bad: [N]\n  output y = x"));
    expect(codes(s), short(s)).toEqual(["G0411"]);
    expect(s.diagnostics[0]!.message).toContain("state `bad` needs a known size");
  });

  it("a state and a parameter of one name are defined twice", () => {
    const r = check(model("  param w: [4]\n  state w: [4]\n  output y = x * w"));
    expect(codes(r), short(r)).toEqual(["G0202"]);
  });

  it("update among a block's members is G0419, at `update s`", () => {
    const r = check(`
block B {
  state s: [4]
  update s = s + 1
  forward(x: [N, 4]) -> [N, 4] = x + s
}
${model("  b = B()\n  output y = b(x)")}`);
    expect(codes(r), short(r)).toEqual(["G0419"]);
    expect(spanText(r, r.diagnostics[0]!.labels[0]!.span)).toBe("update s");
  });

  it("two updates of one state in a forward: G0418 at the second, the first labelled", () => {
    const r = check(`
block B {
  state s: [4]
  forward(x: [N, 4]) -> [N, 4] {
    update s = s + 1
    update s = s + 2
    x + s
  }
}
${model("  b = B()\n  output y = b(x)")}`);
    expect(codes(r), short(r)).toEqual(["G0418"]);
    expect(r.diagnostics[0]!.labels.map((l) => spanText(r, l.span))).toEqual([
      "update s = s + 2",
      "update s = s + 1",
    ]);
  });

  it("the loss may read a state by member access; freeze of a layer leaves its state alone", () => {
    const r = check(`
model R {
  input features: [N, 1]
  l = Dense(1, 4)
  bn = BatchNorm1d(4)
  out = Dense(4, 1)
  output y = features |> l |> bn |> out
}
train R {
  data      = sine(n: 20)
  loss      = mse(y, target) + 0 * sum(bn.running_var)
  optimizer = sgd(lr: 0.1)
  freeze    = [bn]
}`);
    expect(codes(r), short(r)).toEqual([]);
    const t = r.program.trains[0]!;
    expect(Object.keys(t.paramRules ?? {})).toEqual(["bn.gamma", "bn.beta"]);
    expect(t.graph.state.map((s) => s.name)).toEqual(["bn.running_mean", "bn.running_var"]);
  });

  it("hover text of an instance lists its state after its parameters", () => {
    const r = check(model("  bn = BatchNorm1d(4)\n  output y = bn(x)"));
    expect(codes(r), short(r)).toEqual([]);
    expect(instanceText(r.program.models[0]!.graph, "bn")).toBe(
      "2 parameters (8 numbers): bn.gamma: [4], bn.beta: [4]; state (not trained): bn.running_mean: [4], bn.running_var: [4]",
    );
  });

  it("a model's update may come before its state's declaration", () => {
    const r = check(model("  update total = mean(x, 0)\n  state total: [4]\n  output y = x"));
    expect(codes(r), short(r)).toEqual([]);
    expect(r.program.models[0]!.graph.updates.map((u) => u.name)).toEqual(["total"]);
  });
});
