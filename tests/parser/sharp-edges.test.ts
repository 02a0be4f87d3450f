/**
 * @file Sharp edges found by a practitioner: `assert` on block and function arguments (a head
 * count that does not divide the model dimension is one error at the user's line naming both
 * numbers), the `%` remainder of numbers, and unknown names in a train section, which list what
 * is in scope there.
 */
import { describe, expect, it } from "vitest";
import { check, codes, outputType, rich, short, spanText } from "./helpers.js";

const model = (out: string, members = "") =>
  `model M {\n  input x: [N, 4]\n${members}\n  output y = ${out}\n}\n`;

describe("%", () => {
  it.each([
    ["iota(7 % 3 + 1)", "i32[2]"],
    ["iota(-7 % 3)", "i32[2]"],
    ["iota(12 % 4 + 3)", "i32[3]"],
  ])("folds `%s` to %s", (out, type) => {
    const r = check(model(out));
    expect(short(r)).toBe("");
    expect(outputType(r.program.models[0]!.graph, "y")).toBe(type);
  });

  it("keeps fractions: 7.5 % 2 is 1.5", () => {
    const r = check(model("x * (7.5 % 2)"));
    expect(short(r)).toBe("");
    const values = r.program.models[0]!.graph.nodes.filter((n) => n.op === "const");
    expect(values.map((n) => n.attrs.value)).toEqual([1.5]);
  });

  it("refuses tensors and dimensions only known later", () => {
    const tensor = check(model("x % 2"));
    expect(codes(tensor)).toEqual(["G0410"]);
    expect(tensor.diagnostics[0]!.message).toBe(
      "`%` takes numbers known when checking, such as block arguments, but this is a tensor",
    );
    const symbolic = check(model("iota(size(x, 0) % 2)"));
    expect(codes(symbolic)).toEqual(["G0411"]);
  });
});

describe("assert", () => {
  it("reports a head count that does not divide the model dimension once, at the user's line", () => {
    const r = check(`
model Lm {
  input tokens: i32[N, 16]
  embed = Embedding(256, 128)
  block1 = TransformerBlock(128, 3)
  output logits = tokens |> embed |> block1
}
`);
    expect(codes(r), rich(r)).toEqual(["G0707"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(
      "`block1.attn` (MultiHeadSelfAttention): the number of heads must divide the model dimension (dim = 128, heads = 3)",
    );
    expect(d.labels[0]!.span.file).toBe("mem/main.grove");
    expect(spanText(r, d.labels[0]!.span)).toBe("TransformerBlock(128, 3)");
    const labels = d.labels.slice(1).map((l) => [spanText(r, l.span), l.message]);
    expect(labels).toEqual([
      ["dim % heads == 0", "this must be true"],
      ["128", "128 comes from here"],
      ["3", "3 comes from here"],
    ]);
  });

  it("checks a block's arguments where it is constructed, and a function's where it is called", () => {
    const r = check(`
block Pairs(n) {
  assert n % 2 == 0, "n must be even"
  forward(x: [N, D]) = x
}

fn scaled(x, k) {
  assert k > 0
  x * k
}

${model("p(scaled(x, 0 - 2))", "  p = Pairs(3)\n  q = Pairs(4)")}`);
    expect(r.diagnostics.map((d) => [d.code, d.message, spanText(r, d.labels[0]!.span)])).toEqual([
      ["G0707", "`p` (Pairs): n must be even (n = 3)", "Pairs(3)"],
      ["G0707", "`scaled`: an `assert` does not hold (k = -2)", "scaled(x, 0 - 2)"],
    ]);
  });

  it("passes when the condition holds, and checks std dropout's rate", () => {
    expect(short(check(model("dropout(x, 0.5)")))).toBe("");
    const r = check(model("dropout(x, 1)"));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "`dropout`: the dropout rate must be below 1 (rate = 1)",
    ]);
  });

  it("needs a condition known when checking", () => {
    const r = check(`fn f(x) {\n  assert x > 0\n  x\n}\n${model("f(x)")}`);
    expect(codes(r)).toEqual(["G0410"]);
    expect(r.diagnostics[0]!.message).toMatch(/^`assert` needs a condition known when checking/);
  });

  it("is a reserved word", () => {
    expect(codes(check(model("x", "  assert = 3")))).toEqual(["G0110"]);
  });
});

describe("unknown names in a train section", () => {
  const source = (loss: string) => `
model M {
  input image: [N, 784]
  l1 = Dense(784, 64, relu)
  l2 = Dense(64, 10)
  h = image |> l1
  output logits = h |> l2
}

train M {
  data = mnist()
  loss = ${loss}
  optimizer = adam()
}
`;

  it("lists the model's outputs, parameters and layers, and the data fields", () => {
    const r = check(source("cross_entropy(logit, label)"));
    expect(codes(r)).toEqual(["G0201"]);
    const d = r.diagnostics[0]!;
    expect(d.notes).toEqual([
      "in a train section: model outputs `logits`; parameters and layers `l1`, `l2`; data fields `image`, `label`",
    ]);
    expect(d.help).toBe("did you mean `logits`?");
  });

  it("says that a model's inner value must be an output to be used", () => {
    const r = check(source("cross_entropy(logits, label) + mean(h)"));
    expect(r.diagnostics[0]!.help).toBe(
      "`h` is a value inside model `M`, not an output: declare it `output h = ...`",
    );
  });

  it("still suggests standard-library names", () => {
    const r = check(source("cross_entropyy(logits, label)"));
    expect(r.diagnostics[0]!.help).toBe("did you mean `cross_entropy`?");
  });
});
