/**
 * @file Several results and member access: tuples from functions and forwards, destructuring in
 * bodies, blocks and models (`output (mu, logvar) = ...`), `-> (type, type)`, `l1.w` and
 * `blocks.0.w` in model bodies and train sections (L2 regularisation, weight tying), and the
 * diagnostics for each mistake.
 */
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/parser/program.js";
import { check, codes, outputType, rich, short, spanText } from "./helpers.js";

function clean(text: string): CheckResult {
  const r = check(text);
  expect(short(r), text).toBe("");
  return r;
}

const model = (r: CheckResult) => r.program.models[0]!.graph;

const encoder = `
block Encoder(in, latent) {
  to_mu = Dense(in, latent)
  to_logvar = Dense(in, latent)
  forward(x: [N, in]) -> ([N, latent], [N, latent]) = (to_mu(x), to_logvar(x))
}
`;

describe("several results", () => {
  it("destructures a forward's tuple into outputs", () => {
    const r = clean(`${encoder}
model M {
  input x: [N, 8]
  enc = Encoder(8, 3)
  output (mu, logvar) = enc(x)
  output z = mu + logvar
}
`);
    const g = model(r);
    expect(g.outputs.map((o) => o.name)).toEqual(["mu", "logvar", "z"]);
    expect(outputType(g, "mu")).toBe("[N, 3]");
    const node = (name: string) => g.nodes[g.outputs.find((o) => o.name === name)!.node]!;
    expect(node("mu").scope).toBe("enc.to_mu");
    expect(node("logvar").scope).toBe("enc.to_logvar");
  });

  it("destructures a function's results in a body and in a model member", () => {
    const r = clean(`
fn halves(x) {
  n = size(x, 1) / 2
  (slice(x, 1, 0, n), slice(x, 1, n, 2 * n))
}

fn glu(x) {
  (a, b) = halves(x)
  a * sigmoid(b)
}

model M {
  input x: [N, 8]
  (left, right) = halves(x)
  output y = glu(x) + left - right
}
`);
    expect(outputType(model(r), "y")).toBe("[N, 4]");
  });

  it("destructures a list too", () => {
    const r = clean(`model M {\n  input x: [N, 2]\n  (a, b) = [x, 2 * x]\n  output y = a + b\n}\n`);
    expect(outputType(model(r), "y")).toBe("[N, 2]");
  });

  it("checks each declared result type", () => {
    const r = check(`
block Two {
  forward(x: [N, D]) -> ([N, D], [N, 1]) = (x, x)
}
model M {
  input x: [N, 4]
  two = Two()
  output (a, b) = two(x)
}
`);
    expect(codes(r), rich(r)).toEqual(["G0405"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe("forward returns [N, 4] but declares [N, 1]");
    expect(spanText(r, d.labels[0]!.span)).toBe("x");
    expect(d.labels[0]!.span.start).toBe(
      r.sources.get("mem/main.grove")!.text.indexOf("(x, x)") + 4,
    );
  });

  it("checks the number of declared results", () => {
    const r = check(`
block Two {
  forward(x: [N, D]) -> ([N, D], [N, D]) = x
}
model M {
  input x: [N, 4]
  two = Two()
  output y = two(x)
}
`);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "forward gives a tensor but declares 2 results",
    ]);
  });

  it.each([
    ["(a, b, c) = halves(x)", "3 names need 3 results, but this gives 2 results"],
    ["(a, b) = x", "2 names need 2 results, but this gives a tensor"],
  ])("refuses `%s` (G0415)", (line, message) => {
    const r = check(`
fn halves(x) = (slice(x, 1, 0, 1), slice(x, 1, 1, 2))
model M {
  input x: [N, 2]
  ${line}
  output y = x
}
`);
    expect(codes(r)).toEqual(["G0415"]);
    expect(r.diagnostics[0]!.message).toBe(message);
  });

  it("says how to name several results given to one output", () => {
    const r = check(`${encoder}
model M {
  input x: [N, 8]
  enc = Encoder(8, 3)
  output y = enc(x)
}
`);
    expect(codes(r)).toEqual(["G0414"]);
    expect(r.diagnostics[0]!.message).toBe(
      "output `y` must be one tensor, but this gives 2 results",
    );
    expect(r.diagnostics[0]!.help).toBe("name each result: `output (y1, y2) = ...`");
  });

  it("reports a name given twice in one destructuring", () => {
    expect(codes(check(`fn f(x) {\n  (a, a) = (x, x)\n  a\n}\n`))).toEqual(["G0202"]);
  });
});

describe("member access", () => {
  it("names parameters, sub-layers and copies from a model body", () => {
    const r = clean(`
model M {
  input x: [N, 4]
  l1 = Dense(4, 4)
  blocks = repeat(2, FeedForward(4))
  output y = x |> l1 |> blocks
  output w = l1.w + blocks.0.up.w @ blocks.1.down.w
}
`);
    const g = model(r);
    const w = g.nodes[g.outputs.find((o) => o.name === "w")!.node]!;
    const param = (name: string) => g.params.find((p) => p.name === name)!.node;
    expect(w.inputs[0]).toBe(param("l1.w"));
    const product = g.nodes[w.inputs[1]!]!;
    expect(product.inputs).toEqual([param("blocks.0.up.w"), param("blocks.1.down.w")]);
  });

  it("ties weights: an output projection with the embedding's table", () => {
    const r = clean(`
model Lm {
  input tokens: i32[N, 8]
  embed = Embedding(16, 4)
  output logits = embed(tokens) @ transpose(embed.table)
}
`);
    const g = model(r);
    expect(g.params.map((p) => p.name)).toEqual(["embed.table"]);
    expect(outputType(g, "logits")).toBe("[N, 8, 16]");
  });

  it("reaches a layer's arguments and values too", () => {
    const r = clean(`
model M {
  input x: [N, 4]
  l1 = Dense(4, 6, tanh)
  output y = x |> l1
  output z = l1.act(y) * l1.out
}
`);
    expect(outputType(model(r), "z")).toBe("[N, 6]");
  });

  it("puts layers and parameters in scope in a train section: L2 regularisation", () => {
    const r = clean(`
model Mlp {
  input features: [N, 2]
  l1 = Dense(2, 8, relu)
  l2 = Dense(8, 3)
  param scale: [3] ~ ones
  output logits = (features |> l1 |> l2) * scale
}

train Mlp {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label) + 1e-4 * (sum(l1.w^2) + sum(l2.w^2)) + sum(scale^2)
  optimizer = sgd(lr: 0.1)
}
`);
    const t = r.program.trains[0]!;
    const loss = t.graph.nodes[t.graph.outputs.find((o) => o.name === "loss")!.node]!;
    const reaches = (id: number, target: number): boolean =>
      id === target || t.graph.nodes[id]!.inputs.some((i) => reaches(i, target));
    for (const name of ["l1.w", "l2.w", "scale"]) {
      const p = t.graph.params.find((x) => x.name === name)!;
      expect(reaches(loss.id, p.node), name).toBe(true);
    }
  });

  it.each([
    ["l1.q", "G0201", "`l1` (Dense) has no member `q`"],
    ["blocks.2.w", "G0407", "`blocks` has no copy 2: it has 2, `blocks.0` to `blocks.1`"],
    ["blocks.x", "G0201", "the stack `blocks` has no member `x`"],
    ["blocks.01.w", "G0201", "the stack `blocks` has no member `01`"],
    ["x.w", "G0204", "a tensor has no members"],
    ["Dense.w", "G0204", "the block `Dense` has no members"],
    ["l1.constructor", "G0201", "`l1` (Dense) has no member `constructor`"],
    ["blocks.__proto__", "G0201", "the stack `blocks` has no member `__proto__`"],
  ])("refuses `%s` (%s)", (access, code, message) => {
    const r = check(`
model M {
  input x: [N, 4]
  l1 = Dense(4, 4)
  blocks = repeat(2, Dense(4, 4))
  output y = x |> l1 |> blocks
  output z = ${access}
}
`);
    expect(codes(r), rich(r)).toEqual([code]);
    expect(r.diagnostics[0]!.message).toBe(message);
  });

  it("suggests a near member and lists them", () => {
    const r = check(`model M {\n  input x: [N, 4]\n  l1 = Dense(4, 4)\n  output y = l1.ww\n}\n`);
    expect(r.diagnostics[0]!.help).toBe("did you mean `w`?");
    expect(r.diagnostics[0]!.notes).toEqual(["members of `l1`: in, out, act, w, b"]);
  });
});

describe("newlines", () => {
  it("ends a binding before a line that starts with `-` or `(`", () => {
    const r = clean(`
fn neg_mean(x) {
  m = mean(x)
  -m
}

fn gru_mix(x, h, z) {
  n = tanh(x)
  (1 - z) * n + z * h
}

model M {
  input x: [N, 4]
  h = x
  (a, b) = (x, h)
  output y = neg_mean(a) + gru_mix(a, b, b)
}
`);
    expect(outputType(model(r), "y")).toBe("[N, 4]");
  });

  it("continues a line that ends in an operator, or when the next starts with `|>` or `+`", () => {
    const r = clean(`
model M {
  input x: [N, 4]
  l = Dense(4, 4)
  a = x +
    1
  b = x
    + 1
  c = x
    |> l
  d = (x
    - 1)
  output y = a + b + c + d
}
`);
    const g = model(r);
    expect(g.nodes.filter((n) => n.op === "sub")).toHaveLength(1);
    expect(g.nodes.filter((n) => n.op === "matmul")).toHaveLength(1);
  });

  it("says what happened to a line that starts with `-`", () => {
    const r = check(`
fn f(a, b) {
  y = a
    - b
  y * 2
}
`);
    expect(codes(r)).toEqual(["G0110"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(
      "an expression on its own line must be the body's last line, its result",
    );
    expect(spanText(r, d.labels[0]!.span)).toBe("- b");
    expect(d.notes[0]).toMatch(/^a line that starts with `-` begins a new binding or result/);
  });

  it("says so in a model or train section too", () => {
    const r = check(`
model M {
  input x: [N, 4]
  output y = x
    - 1
}
`);
    expect(codes(r)).toEqual(["G0110"]);
    expect(r.diagnostics[0]!.notes[0]).toMatch(/^a line that starts with `-` begins a new binding/);
  });

  it("reports a body without a result at its closing brace", () => {
    const r = check(`fn f(a) {\n  y = a\n}\n`);
    expect(codes(r)).toEqual(["G0110"]);
    expect(r.diagnostics[0]!.message).toBe(
      "the body has no result: its last line must be an expression",
    );
    expect(spanText(r, r.diagnostics[0]!.labels[0]!.span)).toBe("}");
  });

  it("means nothing at the top level and inside brackets", () => {
    clean(`
fn f(a, b) = a
  - b

model M {
  input x: [N, 4]
  output y = f(x,
    x) + mean(concat([x,
    x], 0))
}
`);
  });
});
