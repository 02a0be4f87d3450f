/**
 * @file Targeted checker tests on small in-memory programs: symbolic dimensions, broadcasting,
 * `...` passthrough, suggestions, where G0404 labels point, shared weights, recursion, nested
 * instance paths, data presets, scoping and imports.
 */
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diag/diagnostic.js";
import type { Graph } from "../../src/parser/check/values.js";
import type { CheckResult } from "../../src/parser/program.js";
import { checkFile } from "../../src/parser/program.js";
import { check, codes, memoryHost, outputType, paramShapes, rich, short } from "./helpers.js";

/** A model over `x: [N, 8]` (or the given inputs) whose output `y` is `out`. */
function model(out: string, members = "", inputs = "input x: [N, 8]"): string {
  return `model M {\n  ${inputs}\n${members}\n  output y = ${out}\n}\n`;
}

function clean(text: string, extra: Record<string, string> = {}): CheckResult {
  const r = check(text, extra);
  expect(short(r), text).toBe("");
  return r;
}

function graph(r: CheckResult, name = "M"): Graph {
  return r.program.models.find((m) => m.name === name)!.graph;
}

const typeOf = (out: string, members = "", inputs?: string) =>
  outputType(graph(clean(model(out, members, inputs))), "y");

function only(r: CheckResult, code: string): Diagnostic {
  expect(codes(r), rich(r)).toEqual([code]);
  return r.diagnostics[0]!;
}

/** Where a span starts, as the source text from there to the end of its line. */
function from(r: CheckResult, span: { file: string; start: number }): string {
  const text = r.sources.get(span.file)!.text;
  return text.slice(span.start).split("\n")[0]!;
}

describe("symbolic dimensions", () => {
  it("reshapes with products of symbols", () => {
    const members = "  b = size(x, 0)\n  t = size(x, 1)";
    expect(typeOf("reshape(x, [b * t, 16])", members, "input x: [B, T, 16]")).toBe("[B * T, 16]");
    expect(typeOf("reshape(x, [b, t * 16])", members, "input x: [B, T, 16]")).toBe("[B, 16 * T]");
    expect(typeOf("flatten(x)", "", "input x: [B, T, 4, 4]")).toBe("[B, 16 * T]");
  });

  it("uses input dimension names as values: `reshape(x, [B * T, 16])`", () => {
    expect(typeOf("reshape(x, [B * T, 16])", "", "input x: [B, T, 16]")).toBe("[B * T, 16]");
    expect(typeOf("x * N", "", "input x: [N, 4]")).toBe("[N, 4]");
  });

  it("binds signature names per call: `-> [B * T, dim]`", () => {
    const src = `
block Merge(dim) {
  forward(x: [B, T, dim]) -> [B * T, dim] = reshape(x, [B * T, dim])
}
${model("m(x)", "  m = Merge(16)", "input x: [B, 5, 16]")}`;
    expect(outputType(graph(clean(src)), "y")).toBe("[5 * B, 16]");
  });

  it("divides exactly: `dim / heads` in a block", () => {
    const src = `
block Heads(dim, heads) {
  hd = dim / heads
  forward(x: [B, T, dim]) -> [B, T, heads, dim / heads] =
    reshape(x, [size(x, 0), size(x, 1), heads, hd])
}
${model("h(x)", "  h = Heads(64, 4)", "input x: [B, 7, 64]")}`;
    expect(outputType(graph(clean(src)), "y")).toBe("[B, 7, 4, 16]");
  });

  it("keeps symbols through arithmetic in input shapes", () => {
    expect(typeOf("x", "", "input x: [N, 2 * D + 1]")).toBe("[N, 2 * D + 1]");
    expect(typeOf("concat([x, x], 1)", "", "input x: [N, D]")).toBe("[N, 2 * D]");
  });

  it("rejects a division that leaves a remainder", () => {
    const src = `block B(d) {\n  param w: [d / 3] ~ zeros\n  forward(x: [N]) = x\n}\n${model("b(x)", "  b = B(8)", "input x: [N]")}`;
    const d = only(check(src), "G0410");
    expect(d.message).toBe("8 is not divisible by 3");
  });

  it("needs known sizes for parameters", () => {
    const src = model("x * w", "  param w: [N] ~ zeros", "input x: [N]");
    const d = only(check(src), "G0411");
    expect(d.message).toBe("parameter `w` needs a known size, but this dimension is N");
  });
});

describe("broadcasting", () => {
  it.each([
    ["x + 1", "input x: [N, 8]", "[N, 8]"],
    ["x + b", "input x: [N, 8]\n  input b: [8]", "[N, 8]"],
    ["x * b", "input x: [N, 1, 4]\n  input b: [3, 1]", "[N, 3, 4]"],
    ["x - b", "input x: [N, 4]\n  input b: [N, 1]", "[N, 4]"],
    ["where(c, x, 0)", "input x: [N, 1]\n  input c: [N, 5]", "[N, 5]"],
    ["maximum(x, b)", "input x: [1]\n  input b: [N, 3]", "[N, 3]"],
    ["x > 0", "input x: [N, 2]", "[N, 2]"],
  ])("%s with %s is %s", (out, inputs, type) => {
    expect(typeOf(out, "", inputs)).toBe(type);
  });

  it("reports both shapes and where the clashing sizes come from", () => {
    const r = check(model("x + b", "", "input x: [N, 8]\n  input b: [N, 7]"));
    const d = only(r, "G0402");
    expect(d.message).toBe("`+`: shapes [N, 8] and [N, 7] cannot broadcast");
    expect(d.notes).toEqual([
      "dimension -1 is 8 on one side and 7 on the other; sizes must be equal or 1",
    ]);
    const labels = d.labels.map((l) => [from(r, l.span), l.message, l.primary]);
    expect(labels).toEqual([
      ["b", "has shape [N, 7]", true],
      ["x + b", "has shape [N, 8]", false],
      ["8]", "8 comes from here", false],
      ["7]", "7 comes from here", false],
    ]);
  });

  it("does not broadcast symbols with different names", () => {
    only(check(model("x + b", "", "input x: [N, A]\n  input b: [N, B]")), "G0402");
  });
});

describe("forward signatures", () => {
  const passthrough = `
block Double(d) {
  param w: [d, 2 * d] ~ glorot_uniform
  forward(x: [..., d]) -> [..., 2 * d] = x @ w
}`;

  it("passes leading dimensions through `...`", () => {
    for (const [inputs, type] of [
      ["input x: [N, 4]", "[N, 8]"],
      ["input x: [A, B, C, 4]", "[A, B, C, 8]"],
    ] as const)
      expect(
        outputType(graph(clean(passthrough + model("l(x)", "  l = Double(4)", inputs))), "y"),
      ).toBe(type);
  });

  it("accepts `...` standing for no dimensions", () => {
    const src = `block Sq { forward(x: [...]) -> [...] = x * x }\n${model("s(x)", "  s = Sq()", "input x: [N, 3]")}`;
    expect(outputType(graph(clean(src)), "y")).toBe("[N, 3]");
  });

  it("rejects `...` in an output type without one in the inputs, and outside signatures", () => {
    const bad = `block B { forward(x: [N]) -> [...] = x }\n${model("b(x)", "  b = B()", "input x: [N]")}`;
    expect(only(check(bad), "G0413").message).toBe(
      "`...` in the output type needs a `...` in an input type",
    );
    const inModel = model("x", "", "input x: [..., 3]");
    expect(only(check(inModel), "G0413").message).toBe(
      "`...` is only allowed in forward signatures",
    );
  });

  it("G0404 points at the signature and at the origin of each dimension", () => {
    const src = model("x |> l1 |> l2", "  l1 = Dense(8, 16)\n  l2 = Dense(32, 4)");
    const r = check(src);
    const d = only(r, "G0404");
    expect(d.message).toBe("`l2` (Dense) expects [..., 32] but got [N, 16]");
    const labels = d.labels.map((l) => [l.span.file, from(r, l.span), l.message]);
    expect(labels).toEqual([
      ["mem/main.grove", "x |> l1 |> l2", "dimension 1 is 16"],
      ["std/layers.grove", "in]) -> [..., out] = act(x @ w + b)", "expects 32 here"],
      ["mem/main.grove", "16)", "16 comes from here"],
      ["mem/main.grove", "32, 4)", "32 comes from here"],
    ]);
  });

  it("checks a declared output type (G0405) and ranks (G0403)", () => {
    const src = `block B(d) { forward(x: [N, d]) -> [N, d] = sum(x, -1) }\n${model("b(x)", "  b = B(8)")}`;
    expect(only(check(src), "G0405").message).toBe("forward returns [N] but declares [N, 8]");
    const rank = check(model("l(x)", "  l = Conv2d(1, 2, 3)"));
    expect(only(rank, "G0403").message).toBe(
      "`l` (Conv2d) expects a tensor of rank 4 but got [N, 8]",
    );
  });

  it("checks the input dtype (G0409)", () => {
    const r = check(model("l(ids)", "  l = Dense(8, 2)", "input ids: i32[N, 8]"));
    const d = only(r, "G0409");
    expect(d.message).toBe("`l` (Dense) expects f32 but got i32");
    expect(d.help).toBe("convert with `cast(x, f32)`");
  });
});

describe("suggestions", () => {
  it.each([
    [model("x |> relx"), "G0201", "did you mean `relu`?"],
    [model("softmx(x)"), "G0201", "did you mean `softmax`?"],
    [model("l(x)", "  l = Dense(8, 2, actt: relu)"), "G0302", "did you mean `act`?"],
    [model("sum(x, axes: 0)"), "G0302", "did you mean `axis`?"],
    [model("x", "  param w: [8] ~ glorot_unifrom"), "G0207", "did you mean `glorot_uniform`?"],
    [model("x", "", "input x: i33[N, 8]"), "G0206", "did you mean `i32`?"],
  ])("%#: %s", (src, code, help) => {
    const d = check(src).diagnostics[0]!;
    expect([d.code, d.help]).toEqual([code, help]);
  });

  it("suggests nothing when no name is close", () => {
    const d = only(check(model("x |> zzzzzz")), "G0201");
    expect(d.help).toBeUndefined();
  });

  it("suggests in train sections", () => {
    const src = `${model("l(x)", "  l = Dense(8, 2)", "input features: [N, 2]")
      .replace(/l\(x\)/, "l(features)")
      .replace("Dense(8", "Dense(2")}
train M {
  data = xor(n: 100)
  loss = cross_entropy(y, label)
  optimizer = adamw(lr: 1e-3, weight_decai: 0.1)
  epocs = 2
}`;
    const r = check(src);
    expect(r.diagnostics.map((d) => [d.code, d.help])).toEqual([
      ["G0302", "did you mean `weight_decay`?"],
      ["G0601", "did you mean `epochs`?"],
    ]);
  });
});

describe("instances", () => {
  it("shares weights when one instance is applied twice", () => {
    const r = clean(model("l(l(x))", "  l = Dense(8, 8)"));
    const g = graph(r);
    expect(paramShapes(g)).toEqual({ "l.w": [8, 8], "l.b": [8] });
    expect(g.nodes.filter((n) => n.op === "param").length).toBe(2);
    expect(g.nodes.filter((n) => n.op === "matmul").length).toBe(2);
  });

  it("names parameters of nested blocks by their path", () => {
    const src = `
block Attn(d) {
  wq = Dense(d, d)
  param scale: [1] ~ ones
  forward(x: [..., d]) = wq(x) * scale
}
block Layer(d) {
  attn = Attn(d)
  norm = LayerNorm(d)
  forward(x: [N, d]) = x |> norm |> attn
}
block Stack(d) {
  blocks = Layer(d)
  forward(x: [N, d]) = blocks(x)
}
${model("s(x)", "  s = Stack(8)\n  param bias: [8] ~ zeros")}`;
    const g = graph(clean(src));
    expect(g.params.map((p) => p.name)).toEqual([
      "s.blocks.attn.wq.w",
      "s.blocks.attn.wq.b",
      "s.blocks.attn.scale",
      "s.blocks.norm.gamma",
      "s.blocks.norm.beta",
      "bias",
    ]);
    const scopes = new Set(g.nodes.filter((n) => n.op === "matmul").map((n) => n.scope));
    expect([...scopes]).toEqual(["s.blocks.attn.wq"]);
  });

  it("keeps blocks only as named members (G0704)", () => {
    const d = only(check(model("x |> Dense(8, 2)")), "G0704");
    expect(d.message).toBe("the block `Dense` must be bound to a name before it is used");
  });

  it("reports an error inside a block used twice once", () => {
    const src = `block B { forward(x: [N, 8]) = x @ x }\n${model("b(b2(x))", "  b = B()\n  b2 = B()")}`;
    expect(codes(check(src))).toEqual(["G0401"]);
  });

  it("points from an error in imported code back to the call", () => {
    const r = check(
      model("f(x)", "", "input x: [N, 8]").replace("model", 'import "lib.grove"\nmodel'),
      {
        "lib.grove": "fn f(x) = x @ x\n",
      },
    );
    const d = only(r, "G0401");
    expect(d.labels.map((l) => [l.span.file, l.message])).toContainEqual([
      "mem/main.grove",
      "in the code called from here",
    ]);
  });
});

describe("arguments", () => {
  it("evaluates defaults after earlier parameters", () => {
    const r = clean(`fn f(a, b = a) = a + b\n${model("f(x)")}`);
    expect(outputType(graph(r), "y")).toBe("[N, 8]");
  });

  it("rejects positional arguments after named ones (G0305)", () => {
    const d = only(check(`fn f(a, b) = a + b\n${model("f(b: x, x)")}`), "G0305");
    expect(d.message).toBe("positional argument after a named one in the call to `f`");
  });

  it("names a missing forward input", () => {
    const src = `block B { forward(x: [N, 8], y: [N, 8]) = x + y }\n${model("b(x)", "  b = B()")}`;
    expect(only(check(src), "G0304").message).toBe("missing argument `y` in the call to `b` (B)");
  });
});

describe("recursion", () => {
  it("finds direct and mutual recursion in fns", () => {
    const direct = check(`fn f(x) = f(x)\n${model("f(x)")}`);
    expect(only(direct, "G0705").message).toBe("`f` uses itself: recursion cannot be inlined");
    const mutual = check(`fn f(x) = g(x)\nfn g(x) = f(x) + 1\n${model("f(x)")}`);
    expect(codes(mutual)).toEqual(["G0705"]);
  });

  it("finds a block that contains itself", () => {
    const r = check(
      `block B(d) {\n  inner = B(d)\n  forward(x: [N, d]) = inner(x)\n}\n${model("b(x)", "  b = B(8)")}`,
    );
    expect(codes(r)).toContain("G0705");
    expect(codes(r).every((c) => c === "G0705")).toBe(true);
  });
});

describe("scopes and declarations", () => {
  it("lets user declarations shadow std and builtins", () => {
    const src = `fn relu(x) = x\nblock Dense(n) { forward(x: [N, n]) = x }\n${model("relu(d(x))", "  d = Dense(8)")}`;
    expect(graph(clean(src)).params).toEqual([]);
  });

  it("reports duplicate members, extra forwards and models without outputs", () => {
    expect(codes(check(model("x", "  a = 1\n  a = 2")))).toEqual(["G0202"]);
    const two = check(`block B { forward(x: [N]) = x\n forward(y: [N]) = y }`);
    expect(codes(two)).toEqual(["G0702"]);
    expect(codes(check("model M { input x: [N] }"))).toEqual(["G0703"]);
  });

  it("reports outputs that are not tensors (G0414)", () => {
    const d = only(check(model("l", "  l = Dense(8, 2)")), "G0414");
    expect(d.message).toBe("output `y` must be a tensor, but it is the layer `l`");
    expect(d.help).toBe("apply the layer to an input, e.g. `x |> l`");
  });

  it("checks names in code no model uses", () => {
    expect(codes(check("fn unused(x) = y + x"))).toEqual(["G0201"]);
  });

  it("loads imports relative to the importing file", () => {
    const r = clean(`import "lib/a.grove"\n${model("f(x)")}`, {
      "lib/a.grove": 'import "b.grove"\nfn f(x) = g(x)\n',
      "lib/b.grove": "fn g(x) = x * 2\n",
    });
    expect(r.sources.get("mem/lib/b.grove")?.text).toBe("fn g(x) = x * 2\n");
  });

  it("reports an unreadable entry file as G0500", () => {
    const r = checkFile("mem/missing.grove", memoryHost({}));
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["G0500", "cannot read `mem/missing.grove`: no such file"],
    ]);
    expect(r.program).toEqual({ models: [], trains: [] });
  });

  it("checks an empty file clean", () => {
    expect(clean("").program).toEqual({ models: [], trains: [] });
  });
});

describe("train sections", () => {
  const lm = `model Lm {
  input tokens: i32[N, T]
  e = Embedding(256, 16)
  head = Dense(16, 256)
  output logits = tokens |> e |> head
}
`;

  it("binds the text source's context to `T`", () => {
    const r = clean(`${lm}train Lm {
  data = text("corpus.txt", context: 32)
  loss = cross_entropy(logits, targets)
  optimizer = adam()
  metrics = [accuracy(logits, targets), accuracy(logits, targets)]
}`);
    expect(outputType(graph(r, "Lm"), "logits")).toBe("[N, T, 256]");
    const t = r.program.trains[0]!;
    expect(outputType(t.graph, "logits")).toBe("[N, 32, 256]");
    expect(outputType(t.graph, "loss")).toBe("[]");
    expect(t.metrics).toEqual(["accuracy", "accuracy2"]);
    expect(t.graph.inputs.map((i) => [i.name, i.dtype])).toEqual([
      ["tokens", "i32"],
      ["targets", "i32"],
    ]);
  });

  it("fills in defaults", () => {
    const r = clean(`${lm}train Lm {
  data = text("corpus.txt")
  loss = cross_entropy(logits, targets)
  optimizer = sgd()
}`);
    const t = r.program.trains[0]!;
    expect([t.batch, t.epochs, t.seed, t.clipGradNorm]).toEqual([32, 1, 0, undefined]);
    expect(t.schedule).toMatchObject({ name: "constant", args: { warmup: 0 } });
    expect(t.optimizer.args).toEqual({ lr: 0.01, momentum: 0, nesterov: false, weight_decay: 0 });
    expect(outputType(t.graph, "logits")).toBe("[N, 64, 256]");
  });

  it("feeds an input of the same element count", () => {
    const src = `model C {
  input image: [N, 1, 28, 28]
  output s = mean(image, [1, 2, 3])
}
train C {
  data = mnist()
  loss = mean(s)
  optimizer = adam()
}`;
    clean(src);
  });

  it("rejects bad values with the setting's name", () => {
    const src = `${lm}train Lm {
  data = text("corpus.txt", context: 0)
  loss = cross_entropy(logits, targets)
  optimizer = adam(lr: "fast")
  epochs = 1.5
}`;
    expect(check(src).diagnostics.map((d) => d.message)).toEqual([
      "`context` of `text` must be positive",
      "`lr` of `adam` must be a number",
      "`epochs` must be a whole number",
    ]);
  });
});

describe("fixes found by review", () => {
  it("attention works over a symbolic sequence length", () => {
    expect(
      typeOf("x |> attn", "  attn = MultiHeadSelfAttention(16, 4)", "input x: [N, T, 16]"),
    ).toBe("[N, T, 16]");
  });

  it("a model is not a value", () => {
    const r = check(`${model("x")}model Q {\n  input x: [N, 8]\n  output y = M(x)\n}\n`);
    expect(only(r, "G0204").message).toBe("the model `M` is not callable");
  });

  it("rejects a non-positive one_hot depth and a repeated reduction axis", () => {
    const ids = "input x: i32[N, 4]";
    expect(codes(check(model("one_hot(x, -3)", "", ids)))).toEqual(["G0412"]);
    expect(codes(check(model("sum(x, axis: [0, 0])")))).toEqual(["G0407"]);
  });

  it("checks initializer arguments", () => {
    const p = (init: string) => model("x @ w", `  param w: [8, 2] ~ ${init}`);
    expect(codes(check(p("normal(std: -1)")))).toEqual(["G0605"]);
    expect(codes(check(p("uniform(low: 1, high: 0)")))).toEqual(["G0605"]);
    expect(codes(check(p("normal(std: 0.02)")))).toEqual([]);
  });

  it("suggests names with swapped letters", () => {
    expect(check(model("rleu(x)")).diagnostics[0]!.help).toBe("did you mean `relu`?");
  });
});
