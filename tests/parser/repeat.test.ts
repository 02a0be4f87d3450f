/**
 * @file `repeat(n, Block(args))`: stacks of copies with stable parameter names, the count from a
 * block argument, pipelines through a stack, and diagnostics that say which copy went wrong.
 */
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/parser/program.js";
import { check, codes, outputType, paramShapes, rich, short, spanText } from "./helpers.js";

function clean(text: string): CheckResult {
  const r = check(text);
  expect(short(r), text).toBe("");
  return r;
}

const graph = (r: CheckResult) => r.program.models[0]!.graph;

describe("repeat", () => {
  it("makes copies named path.0 … path.(n-1), each with its own parameters", () => {
    const r = clean(`
model M {
  input x: [N, 8]
  blocks = repeat(3, Dense(8, 8, relu))
  output y = x |> blocks
}
`);
    expect(paramShapes(graph(r))).toEqual({
      "blocks.0.w": [8, 8],
      "blocks.0.b": [8],
      "blocks.1.w": [8, 8],
      "blocks.1.b": [8],
      "blocks.2.w": [8, 8],
      "blocks.2.b": [8],
    });
    expect(outputType(graph(r), "y")).toBe("[N, 8]");
  });

  it("runs the copies in order: copy k's matmul reads copy k-1's result", () => {
    const g = graph(
      clean(`
model M {
  input x: [N, 4]
  blocks = repeat(3, Dense(4, 4))
  output y = x |> blocks
}
`),
    );
    const matmuls = g.nodes.filter((n) => n.op === "matmul");
    expect(matmuls.map((n) => n.scope)).toEqual(["blocks.0", "blocks.1", "blocks.2"]);
    const param = (name: string) => g.params.find((p) => p.name === name)!.node;
    for (let k = 0; k < 3; k++) expect(matmuls[k]!.inputs[1]).toBe(param(`blocks.${k}.w`));
    // Copy 1 starts from copy 0's output (its matmul input is downstream of copy 0's matmul).
    const upstream = (id: number, target: number): boolean =>
      id === target || g.nodes[id]!.inputs.some((i) => upstream(i, target));
    expect(upstream(matmuls[1]!.inputs[0]!, matmuls[0]!.id)).toBe(true);
    expect(upstream(matmuls[2]!.inputs[0]!, matmuls[1]!.id)).toBe(true);
  });

  it("takes its count from a block argument, with nested paths", () => {
    const r = clean(`
block Stack(dim, depth) {
  layers = repeat(depth, LayerNorm(dim))
  forward(x: [N, dim]) -> [N, dim] = x |> layers
}

model M {
  input x: [N, 8]
  body = Stack(8, 2)
  output y = body(x)
}
`);
    expect(Object.keys(paramShapes(graph(r)))).toEqual([
      "body.layers.0.gamma",
      "body.layers.0.beta",
      "body.layers.1.gamma",
      "body.layers.1.beta",
    ]);
  });

  it("passes further arguments to every copy unchanged", () => {
    const r = clean(`
block Gate(dim) {
  param w: [dim] ~ ones
  forward(x: [N, dim], g: [N, dim]) -> [N, dim] = x * w + g
}

model M {
  input x: [N, 4]
  input g: [N, 4]
  gates = repeat(2, Gate(4))
  output y = x |> gates(g)
}
`);
    const g = graph(r);
    const gInput = g.inputs.find((i) => i.name === "g")!.node;
    const adds = g.nodes.filter((n) => n.op === "add");
    expect(adds.map((n) => n.scope)).toEqual(["gates.0", "gates.1"]);
    for (const a of adds) expect(a.inputs[1]).toBe(gInput);
  });

  it("is a layer like any other: a function argument", () => {
    const r = clean(`
model M {
  input x: [N, 4]
  blocks = repeat(2, Dense(4, 4, tanh))
  output y = residual(x, blocks)
}
`);
    expect(outputType(graph(r), "y")).toBe("[N, 4]");
    expect(graph(r).params.length).toBe(4);
  });

  it("says which copy a shape error happened in, and where the copies are made", () => {
    const r = check(`
block Trim {
  forward(x: [N, D]) = slice(x, 1, 2, size(x, 1))
}

model M {
  input x: [N, 6]
  trims = repeat(3, Trim)
  output y = x |> trims
}
`);
    expect(codes(r), rich(r)).toEqual(["G0407"]);
    const d = r.diagnostics[0]!;
    expect(spanText(r, d.labels[0]!.span)).toBe("slice(x, 1, 2, size(x, 1))");
    expect(d.message).toContain("[N, 2]");
    expect(d.notes).toContain(
      "in `trims.2`, the 3rd of the 3 copies of `Trim` in `trims`, whose input is what `trims.1` gives",
    );
    const made = d.labels.find((l) => l.message === "`trims` repeats `Trim` 3 times here")!;
    expect(spanText(r, made.span)).toBe("repeat(3, Trim)");
  });

  it("names the copy whose input does not fit", () => {
    const r = check(`
model M {
  input x: [N, 256]
  blocks = repeat(4, Dense(256, 128))
  output y = x |> blocks
}
`);
    expect(codes(r)).toEqual(["G0404"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe("`blocks.1` (Dense) expects [..., 256] but got [N, 128]");
    expect(spanText(r, d.labels[0]!.span)).toBe("x |> blocks");
    expect(d.notes[0]).toMatch(/^in `blocks.1`, the 2nd of the 4 copies/);
  });

  it.each([
    ["repeat(0, Dense(4, 4))", "G0412", "`repeat` makes 1 to 1024 copies, but the count is 0"],
    [
      "repeat(1025, Dense(4, 4))",
      "G0412",
      "`repeat` makes 1 to 1024 copies, but the count is 1025",
    ],
    [
      "repeat(2.5, Dense(4, 4))",
      "G0410",
      "the number of copies must be a whole number, but this is 2.5",
    ],
    [
      "repeat(N, Dense(4, 4))",
      "G0411",
      "the number of copies must be known when checking, but it is N",
    ],
    ["repeat(2, relu)", "G0204", "`repeat` copies a block, but this is the builtin `relu`"],
    [
      "repeat(2)",
      "G0304",
      "`repeat` takes two arguments, a count and a block call, as in `repeat(4, Dense(256, 256))`",
    ],
    [
      "repeat(2, Dense(4, 4), 3)",
      "G0301",
      "`repeat` takes two arguments, a count and a block call, as in `repeat(4, Dense(256, 256))`",
    ],
    [
      "repeat(count: 2, Dense(4, 4))",
      "G0302",
      "`repeat` takes two arguments, a count and a block call, as in `repeat(4, Dense(256, 256))`",
    ],
  ])("refuses `s = %s` (%s)", (call, code, message) => {
    const r = check(`model M {\n  input x: [N, 4]\n  s = ${call}\n  output y = x * 2\n}\n`);
    expect(codes(r), rich(r)).toEqual([code]);
    expect(r.diagnostics[0]!.message).toBe(message);
  });

  it("must be bound to a member name", () => {
    const r = check(`model M {\n  input x: [N, 4]\n  output y = x |> repeat(2, Dense(4, 4))\n}\n`);
    expect(codes(r)[0]).toBe("G0704");
    expect(r.diagnostics[0]!.message).toBe("`repeat` makes layers, so it must be bound to a name");
  });

  it("counts copies across nested repeats", () => {
    const r = check(`
block Deep(n) {
  layers = repeat(n, Dense(4, 4))
  forward(x: [N, 4]) -> [N, 4] = x |> layers
}
model M {
  input x: [N, 4]
  deep = repeat(40, Deep(30))
  output y = x |> deep
}
`);
    expect(codes(r)).toEqual(["G0412"]);
    expect(r.diagnostics[0]!.message).toBe("`repeat` makes more than 1024 copies in this model");
  });

  it("reports a constructor mistake once, not once per copy", () => {
    const r = check(
      `model M {\n  input x: [N, 4]\n  s = repeat(3, Dense(4))\n  output y = x |> s\n}\n`,
    );
    expect(codes(r)).toEqual(["G0304"]);
  });

  it("describes a stack used where a tensor is needed", () => {
    const r = check(
      `model M {\n  input x: [N, 4]\n  s = repeat(3, Dense(4, 4))\n  output y = s\n}\n`,
    );
    expect(codes(r)).toEqual(["G0414"]);
    expect(r.diagnostics[0]!.message).toBe(
      "output `y` must be a tensor, but it is the stack `s` (3 × Dense)",
    );
  });
});
