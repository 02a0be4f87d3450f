/**
 * @file The hand-built 2-layer MLP: printed forward and backward IR after simplification
 * (inline snapshots), and a whole-model gradient check against finite differences.
 */
import { expect, test } from "vitest";
import { differentiate, interpret, printGraph, simplify, verify } from "../../src/ir/index.js";
import { finiteDifferences, Rng, type Values } from "./helpers.js";
import { buildMlp, MLP_SIZES, MLP_SOURCE } from "./mlp.js";

const sources = { "mlp.grove": MLP_SOURCE };

function mlpValues(seed: number): Values {
  const rng = new Rng(seed);
  const { batch, inputs, hidden, classes } = MLP_SIZES;
  return {
    x: rng.values([batch, inputs]),
    label: Array.from({ length: batch }, () => rng.int(0, classes - 1)),
    w1: rng.values([inputs, hidden]),
    b1: rng.values([hidden], -0.1, 0.1),
    w2: rng.values([hidden, classes]),
    b2: rng.values([classes], -0.1, 0.1),
  };
}

test("forward IR of the MLP, simplified", () => {
  const { graph } = buildMlp();
  expect(printGraph(simplify(verify(graph)), { sources })).toMatchInlineSnapshot(`
    "%0:f32[4,6] = input {name="x"}
    %1:i32[4] = input {name="label"}
    %2:f32[6,5] = param {name="w1"}
    %3:f32[5] = param {name="b1"}
    %4:f32[5,3] = param {name="w2"}
    %5:f32[3] = param {name="b2"}
    %6:f32[4,5] = matmul %0 %2  # mlp.grove:2:7
    %7:f32[4,5] = add %6 %3  # mlp.grove:2:7
    %8:f32[4,5] = relu %7  # mlp.grove:2:7
    %9:f32[4,3] = matmul %8 %4  # mlp.grove:3:12
    %10:f32[4,3] = add %9 %5  # mlp.grove:3:12
    %11:f32[4,1] = max %10 {axes=[1], keepdims=true}  # mlp.grove:4:10
    %12:f32[4,1] = stop_gradient %11  # mlp.grove:4:10
    %13:f32[4,3] = sub %10 %12  # mlp.grove:4:10
    %14:f32[4,3] = exp %13  # mlp.grove:4:10
    %15:f32[4,1] = sum %14 {axes=[1], keepdims=true}  # mlp.grove:4:10
    %16:f32[4,1] = log %15  # mlp.grove:4:10
    %17:f32[4,3] = sub %13 %16  # mlp.grove:4:10
    %18:f32[4,3] = one_hot %1 {depth=3}  # mlp.grove:4:10
    %19:f32[4,3] = mul %17 %18  # mlp.grove:4:10
    %20:f32[4] = sum %19 {axes=[1], keepdims=false}  # mlp.grove:4:10
    %21:f32[] = mean %20 {axes=[0], keepdims=false}  # mlp.grove:4:10
    %22:f32[] = neg %21  # mlp.grove:4:10
    return loss=%22"
  `);
});

test("backward IR of the MLP, simplified", () => {
  const { graph, loss, params } = buildMlp();
  const backward = simplify(differentiate(graph, loss, params).graph, {
    afterPass: (_, g) => void verify(g),
  });
  expect(printGraph(backward, { sources })).toMatchInlineSnapshot(`
    "%0:f32[4,6] = input {name="x"}
    %1:i32[4] = input {name="label"}
    %2:f32[6,5] = param {name="w1"}
    %3:f32[5] = param {name="b1"}
    %4:f32[5,3] = param {name="w2"}
    %5:f32[3] = param {name="b2"}
    %6:f32[4,5] = matmul %0 %2  # mlp.grove:2:7
    %7:f32[4,5] = add %6 %3  # mlp.grove:2:7
    %8:f32[4,5] = relu %7  # mlp.grove:2:7
    %9:f32[4,3] = matmul %8 %4  # mlp.grove:3:12
    %10:f32[4,3] = add %9 %5  # mlp.grove:3:12
    %11:f32[4,1] = max %10 {axes=[1], keepdims=true}  # mlp.grove:4:10
    %12:f32[4,1] = stop_gradient %11  # mlp.grove:4:10
    %13:f32[4,3] = sub %10 %12  # mlp.grove:4:10
    %14:f32[4,3] = exp %13  # mlp.grove:4:10
    %15:f32[4,1] = sum %14 {axes=[1], keepdims=true}  # mlp.grove:4:10
    %16:f32[4,1] = log %15  # mlp.grove:4:10
    %17:f32[4,3] = sub %13 %16  # mlp.grove:4:10
    %18:f32[4,3] = one_hot %1 {depth=3}  # mlp.grove:4:10
    %19:f32[4,3] = mul %17 %18  # mlp.grove:4:10
    %20:f32[4] = sum %19 {axes=[1], keepdims=false}  # mlp.grove:4:10
    %21:f32[] = mean %20 {axes=[0], keepdims=false}  # mlp.grove:4:10
    %22:f32[] = neg %21  # mlp.grove:4:10
    %23:f32[4,3] = const {value=-0.25}  # mlp.grove:4:10
    %24:f32[4,3] = mul %23 %18  # mlp.grove:4:10
    %25:f32[4,3] = neg %24  # mlp.grove:4:10
    %26:f32[4] = sum %25 {axes=[1], keepdims=false}  # mlp.grove:4:10
    %27:f32[4,1] = reshape %26  # mlp.grove:4:10
    %28:f32[4,1] = div %27 %15  # mlp.grove:4:10
    %29:f32[4,3] = broadcast %28  # mlp.grove:4:10
    %30:f32[4,3] = mul %29 %14  # mlp.grove:4:10
    %31:f32[4,3] = add %24 %30  # mlp.grove:4:10
    %32:f32[3] = sum %31 {axes=[0], keepdims=false}  # mlp.grove:3:12
    %33:f32[3,5] = transpose %4 {perm=[1,0]}  # mlp.grove:3:12
    %34:f32[4,5] = matmul %31 %33  # mlp.grove:3:12
    %35:f32[5,4] = transpose %8 {perm=[1,0]}  # mlp.grove:3:12
    %36:f32[5,3] = matmul %35 %31  # mlp.grove:3:12
    %37:f32[] = const {value=0}  # mlp.grove:2:7
    %38:f32[4,5] = greater %8 %37  # mlp.grove:2:7
    %39:f32[4,5] = mul %34 %38  # mlp.grove:2:7
    %40:f32[5] = sum %39 {axes=[0], keepdims=false}  # mlp.grove:2:7
    %41:f32[6,4] = transpose %0 {perm=[1,0]}  # mlp.grove:2:7
    %42:f32[6,5] = matmul %41 %39  # mlp.grove:2:7
    return loss=%22, d_w1=%42, d_b1=%40, d_w2=%36, d_b2=%32"
  `);
});

test("whole-model gradients match finite differences (float64)", () => {
  const seed = 2024;
  const { graph, loss, params } = buildMlp();
  const { graph: full, grads } = differentiate(graph, loss, params);
  const simplified = simplify(full);
  const values = mlpValues(seed);
  const lossAt = (v: Values) => interpret(graph, v, { precision: "f64" }).get(loss)!.data[0]!;
  const outputs = interpret(simplified, values, { precision: "f64" });
  const byName = new Map([...simplified.outputs].map(([name, n]) => [name, outputs.get(n)!]));
  params.forEach((p, k) => {
    const name = p.op === "param" ? p.attrs.name : "";
    const numeric = finiteDifferences(lossAt, values, name);
    const analytic = byName.get(`d_${name}`)!.data;
    const unsimplified = interpret(full, values, {
      precision: "f64",
      nodes: [grads[k]!],
    }).get(grads[k]!)!.data;
    numeric.forEach((n, i) => {
      const scale = Math.max(1e-3, Math.abs(n));
      expect(Math.abs(analytic[i]! - n) / scale, `d_${name}[${i}] (seed ${seed})`).toBeLessThan(
        1e-6,
      );
      expect(analytic[i]).toBe(unsimplified[i]);
    });
  });
});
