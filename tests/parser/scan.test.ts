/**
 * @file `scan(xs, cell, init)`: a cell applied along the time axis with a carried state,
 * unrolled when checking. Parameters are shared by every step, the per-step outputs are stacked
 * in time order (also in reverse), the state may be a tuple, and mistakes are reported at the
 * argument that is wrong, inside the cell with the step it happened at.
 */
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/parser/program.js";
import type { Graph } from "../../src/parser/check/values.js";
import { check, codes, outputType, paramShapes, rich, short } from "./helpers.js";

function clean(text: string): CheckResult {
  const r = check(text);
  expect(short(r), text).toBe("");
  return r;
}

const graph = (r: CheckResult) => r.program.models[0]!.graph;

const cell = `
block Cell(in, hidden) {
  param w: [in, hidden]
  param u: [hidden, hidden]
  forward(x: [N, in], h: [N, hidden]) -> [N, hidden] = tanh(x @ w + h @ u)
}
`;

/** A model over `x: [N, 5, 3]` with `cell = Cell(3, 4)`, `h0` and the given members. */
const model = (members: string, input = "[N, 5, 3]") => `${cell}
model M {
  input x: ${input}
  cell = Cell(3, 4)
  h0 = broadcast(0, [size(x, 0), 4])
${members}
}
`;

/** The time index each step's slice of the input reads, in the order the steps run. */
function sliceStarts(g: Graph): number[] {
  return g.nodes.filter((n) => n.op === "slice").map((n) => n.attrs.start as number);
}

describe("scan", () => {
  it("gives every step's state stacked along the axis, and the last state", () => {
    const r = clean(
      model(`  (hs, h) = scan(x, cell, h0)
  output y = hs
  output last = h`),
    );
    expect(outputType(graph(r), "y")).toBe("[N, 5, 4]");
    expect(outputType(graph(r), "last")).toBe("[N, 4]");
  });

  it("shares one set of parameters across the steps", () => {
    const g = graph(clean(model("  (hs, h) = scan(x, cell, h0)\n  output y = hs")));
    expect(paramShapes(g)).toEqual({ "cell.w": [3, 4], "cell.u": [4, 4] });
    const u = g.params.find((p) => p.name === "cell.u")!.node;
    const matmuls = g.nodes.filter((n) => n.op === "matmul");
    expect(matmuls).toHaveLength(10);
    expect(matmuls.filter((n) => n.inputs[1] === u)).toHaveLength(5);
  });

  it("feeds each step the state the step before gave", () => {
    const g = graph(clean(model("  (hs, h) = scan(x, cell, h0)\n  output y = hs")));
    const u = g.params.find((p) => p.name === "cell.u")!.node;
    const tanhs = g.nodes.filter((n) => n.op === "tanh").map((n) => n.id);
    const states = g.nodes.filter((n) => n.op === "matmul" && n.inputs[1] === u);
    // Step k's h @ u reads step k-1's tanh (through nothing else).
    states.slice(1).forEach((m, k) => expect(m.inputs[0]).toBe(tanhs[k]));
    expect(sliceStarts(g)).toEqual([0, 1, 2, 3, 4]);
  });

  it("runs from the end with reverse: true and still stacks in time order", () => {
    const g = graph(clean(model("  (hs, h) = scan(x, cell, h0, reverse: true)\n  output y = hs")));
    expect(sliceStarts(g)).toEqual([4, 3, 2, 1, 0]);
    const stacked = g.nodes[g.outputs[0]!.node]!;
    expect(stacked.op).toBe("concat");
    // Part t of the stack is (a reshape of) the tanh of the step that read slice t.
    const tanhs = g.nodes.filter((n) => n.op === "tanh").map((n) => n.id);
    const parts = stacked.inputs.map((id) => g.nodes[id]!.inputs[0]);
    expect(parts).toEqual([...tanhs].reverse());
  });

  it("takes the steps along another axis (time first) and works from a pipeline", () => {
    const r = clean(
      model(
        `  (hs, h) = x |> scan(cell, h0, axis: 0)
  output y = hs`,
        "[7, 2, 3]",
      ).replace("size(x, 0)", "size(x, 1)"),
    );
    expect(outputType(graph(r), "y")).toBe("[7, 2, 4]");
  });

  it("carries a tuple of states: (ys, h, c) = scan(xs, cell, (h0, c0))", () => {
    const r = clean(`
model M {
  input x: [N, 6, 3]
  lstm = LSTMCell(3, 5)
  z = broadcast(0, [size(x, 0), 5])
  (hs, h, c) = scan(x, lstm, (z, z))
  output y = hs
  output last_c = c
}
`);
    expect(outputType(graph(r), "y")).toBe("[N, 6, 5]");
    expect(outputType(graph(r), "last_c")).toBe("[N, 5]");
    expect(Object.keys(paramShapes(graph(r)))).toEqual([
      "lstm.w_ih",
      "lstm.w_hh",
      "lstm.b_ih",
      "lstm.b_hh",
    ]);
  });

  it("takes a function or a builtin as the cell: a running maximum", () => {
    const r = clean(`
fn step(x, h) = tanh(x + h)

model M {
  input x: [N, 4, 3]
  start = broadcast(-1e9, [size(x, 0), 3])
  (run, top) = scan(x, maximum, start)
  (hs, h) = scan(x, step, start)
  output y = run
  output z = hs
}
`);
    expect(outputType(graph(r), "y")).toBe("[N, 4, 3]");
    expect(outputType(graph(r), "z")).toBe("[N, 4, 3]");
  });

  it("lets a bound (hs, h) = scan(...) start a line, and the call span lines", () => {
    clean(`${cell}
block Rec(hidden) {
  step = Cell(hidden, hidden)
  forward(x: [N, T, hidden]) -> [N, T, hidden] {
    h0 = broadcast(0, [size(x, 0), hidden])
    (hs, h) = scan(
      x,
      step,
      h0
    )
    hs
  }
}

model M {
  input x: [N, 3, 4]
  rec = Rec(4)
  output y = rec(x)
}
`);
  });

  it("puts the std layers' parameters under the layer and the step", () => {
    const r = clean(`
model M {
  input x: [N, 4, 3]
  gru = Gru(3, 8)
  lstm = Lstm(8, 6)
  rnn = Rnn(6, 5, relu)
  output y = x |> gru |> lstm |> rnn
}
`);
    expect(paramShapes(graph(r))).toEqual({
      "gru.w_ih": [3, 24],
      "gru.b_ih": [24],
      "gru.step.w_hh": [8, 24],
      "gru.step.b_hh": [24],
      "lstm.w_ih": [8, 24],
      "lstm.b_ih": [24],
      "lstm.step.w_hh": [6, 24],
      "lstm.step.b_hh": [24],
      "rnn.w_ih": [6, 5],
      "rnn.b_ih": [5],
      "rnn.step.w_hh": [5, 5],
      "rnn.step.b_hh": [5],
    });
    expect(outputType(graph(r), "y")).toBe("[N, 4, 5]");
  });
});

describe("scan diagnostics", () => {
  it("a shape error inside the cell points into the cell and says at which step", () => {
    const r = check(
      model("  (hs, h) = scan(x, cell, h0)\n  output y = hs").replace(
        "param u: [hidden, hidden]",
        "param u: [hidden, 3]",
      ),
    );
    expect(codes(r)).toEqual(["G0402"]);
    const text = rich(r);
    expect(text).toContain(
      "forward(x: [N, in], h: [N, hidden]) -> [N, hidden] = tanh(x @ w + h @ u)",
    );
    expect(text).toContain("`scan` calls the cell 5 times here");
    expect(text).toContain("= note: at step 1 of the 5 steps of this `scan`");
  });

  it("G0421: the cell changes the state's shape (a batch-1 initial state)", () => {
    const r = check(`
fn step(x, h) = tanh(x + h)

model M {
  input x: [N, 5, 3]
  (hs, h) = scan(x, step, broadcast(0, [1, 3]))
  output y = hs
}
`);
    expect(codes(r)).toEqual(["G0421"]);
    expect(r.diagnostics[0]!.message).toBe("`scan`'s cell turns the state from [1, 3] into [N, 3]");
  });

  it("G0421: the cell gives another number of results than the state has", () => {
    const r = check(`
fn two(x, h) = (h, h)

model M {
  input x: [N, 4, 3]
  (hs, h) = scan(x, two, x)
  output y = hs
}
`);
    expect(codes(r)).toEqual(["G0421"]);
    expect(r.diagnostics[0]!.message).toBe(
      "`scan`'s cell must give the new state, one tensor, but it gives 2 results",
    );
  });

  it("G0420: an initial state that is not a tensor", () => {
    const r = check(model("  (hs, h) = scan(x, cell, 0)\n  output y = hs"));
    expect(codes(r)).toEqual(["G0420"]);
    expect(short(r)).toContain("but it is an integer");
  });

  it("G0708: a cell that is not a function or layer; a block names the binding to write", () => {
    const r = check(model("  (hs, h) = scan(x, 3, h0)\n  output y = hs"));
    expect(codes(r)).toEqual(["G0708"]);
    const b = check(model("  (hs, h) = scan(x, Cell, h0)\n  output y = hs"));
    expect(codes(b)).toEqual(["G0708"]);
    expect(b.diagnostics[0]!.help).toContain("`cell = Cell(...)`");
  });

  it("G0411: a time axis whose length is only known later", () => {
    const r = check(model("  (hs, h) = scan(x, cell, h0)\n  output y = hs", "[N, T, 3]"));
    expect(codes(r)).toEqual(["G0411"]);
    expect(r.diagnostics[0]!.help).toContain("i32[N, 32]");
  });

  it("G0412: more steps than the limit", () => {
    const r = check(model("  (hs, h) = scan(x, cell, h0)\n  output y = hs", "[N, 5000, 3]"));
    expect(codes(r)).toEqual(["G0412"]);
    expect(r.diagnostics[0]!.message).toBe("`scan` takes at most 1024 steps, but axis 1 has 5000");
  });

  it("G0412: nested scans multiply towards the limit", () => {
    const r = check(`
fn inner(x, h) {
  (ys, last) = scan(x, maximum, h)
  last
}

model M {
  input x: [N, 40, 30, 3]
  h0 = broadcast(0, [size(x, 0), 3])
  (hs, h) = scan(x, inner, h0)
  output y = hs
}
`);
    expect(codes(r)).toEqual(["G0412"]);
    expect(r.diagnostics[0]!.message).toBe("`scan` unrolls more than 1024 steps in this model");
  });

  it("G0422: outputs of a lower rank than the axis they are stacked along", () => {
    const r = check(`
fn count(x, h) = h + 1

model M {
  input x: [N, 3, 2]
  (hs, h) = scan(x, count, broadcast(0, [4]), axis: 2)
  output y = hs
}
`);
    expect(codes(r)).toEqual(["G0422"]);
  });

  it("G0407 for an axis out of range, G0410 for a reverse or axis of the wrong kind", () => {
    expect(codes(check(model("  (hs, h) = scan(x, cell, h0, axis: 3)\n  output y = hs")))).toEqual([
      "G0407",
    ]);
    expect(
      codes(check(model("  (hs, h) = scan(x, cell, h0, reverse: 1)\n  output y = hs"))),
    ).toEqual(["G0410"]);
    expect(
      codes(check(model("  (hs, h) = scan(x, cell, h0, axis: 0.5)\n  output y = hs"))),
    ).toEqual(["G0410"]);
  });

  it("G0403: a sequence that is not a tensor", () => {
    expect(codes(check(model("  (hs, h) = scan(2, cell, h0)\n  output y = hs")))).toEqual([
      "G0403",
    ]);
  });
});
