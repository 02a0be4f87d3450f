/**
 * @file Sizes that only become numbers when lowering for a batch, found by fuzzing (issue 12):
 * `broadcast(x, [N - 17, N, 2])` checks (N is symbolic) but at batch 16 is a dimension of -1,
 * which crashed the IR builder with an internal error; `N - 16` gave a tensor of zero elements,
 * and `[N * N, N, 2]` at batch 16,000 one of 8.2e12 elements, both compiled. Lowering now refuses
 * each with G0412 at the expression, as the checker does for shapes it knows.
 */
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { lowerTrace, maxLoweredSize } from "../../src/ir/lower.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { checkFile, type CheckResult } from "../../src/parser/program.js";
import { memoryHost } from "../parser/helpers.js";

const entry = "mem/main.grove";

function program(output: string, batch = 16): CheckResult {
  const text = `model M {
  input features: [N, 2]
  output y = ${output}
}
train M {
  data = spirals(n: 64)
  loss = mean(y * y)
  optimizer = sgd(lr: 0.1)
  batch = ${batch}
}
`;
  const r = checkFile(entry, memoryHost({ [entry]: text }));
  expect(r.diagnostics).toEqual([]);
  return r;
}

/** The one diagnostic of lowering `output` at `batch`, with the source its label points at. */
function refusal(output: string, batch = 16) {
  const r = program(output, batch);
  const t = r.program.trains[0]!;
  const lowered = lowerTrace(t.graph, { batch, training: true, seed: 0 });
  expect(lowered.value).toBeUndefined();
  expect(lowered.diagnostics).toHaveLength(1);
  const d = lowered.diagnostics[0]!;
  const span = d.labels[0]!.span;
  // The same refusal through the whole pipeline, and never a throw.
  expect(compileTrain(t).diagnostics.map((x) => x.message)).toEqual([d.message]);
  expect(compilePlan(t).diagnostics.map((x) => x.message)).toEqual([d.message]);
  return {
    code: d.code,
    message: d.message,
    at: r.sources.get(span.file)!.text.slice(span.start, span.end),
  };
}

describe("lowering checks sizes once the batch is known", () => {
  it("refuses a negative dimension at the expression that makes it", () => {
    expect(refusal("features + sum(broadcast(features, [N - 17, N, 2]))")).toEqual({
      code: "G0412",
      message: "dimension `N - 17` is -1 with batch 16, but a dimension must be at least 1",
      at: "broadcast(features, [N - 17, N, 2])",
    });
  });

  it("refuses a dimension of zero", () => {
    const r = refusal("features + mean(broadcast(features, [N - 16, N, 2]), 0)");
    expect(r.code).toBe("G0412");
    expect(r.message).toContain("`N - 16` is 0 with batch 16");
  });

  it("refuses a tensor of more than 2^31 - 1 elements", () => {
    const r = refusal("features + sum(broadcast(features, [N * N, N, 2]))", 16000);
    expect(r.code).toBe("G0412");
    expect(r.message).toBe(
      "a tensor of 8192000000000 elements (shape [256000000, 16000, 2] with batch 16000) is too large",
    );
    expect(maxLoweredSize).toBe(2 ** 31 - 1);
  });

  it("still lowers the same shapes at a batch where they are sizes", () => {
    const r = program("features + sum(broadcast(features, [N - 17, N, 2]))", 20);
    const lowered = lowerTrace(r.program.trains[0]!.graph, { batch: 20, training: true, seed: 0 });
    expect(lowered.diagnostics).toEqual([]);
    expect(lowered.value!.nodes.some((n) => n.shape.join() === "3,20,2")).toBe(true);
  });

  it("lets a dimension used as a number be zero or negative", () => {
    const r = program("features * (N - 20)");
    const lowered = lowerTrace(r.program.trains[0]!.graph, { batch: 16, training: true, seed: 0 });
    expect(lowered.diagnostics).toEqual([]);
    const consts = lowered.value!.nodes.filter((n) => n.op === "const");
    expect(consts.map((n) => (n.attrs as { value: number }).value)).toContain(-4);
  });
});
