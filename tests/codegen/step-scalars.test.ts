/**
 * The per-step uniforms owned by the optimizer definitions: `stepScalars` against the bias
 * correction formulas written out, and `uniformValues` picking a plan's fields in order.
 */
import { expect, it } from "vitest";
import { stepScalars, uniformFields, uniformValues } from "../../src/codegen/optimizer.js";
import { InternalError } from "../../src/diag/diagnostic.js";
import { optimizerSpec } from "../../src/ops/optimizers.js";

it("computes Adam's bias corrections from the optimizer's betas, defaults 0.9 and 0.999", () => {
  const own = stepScalars(optimizerSpec("adam", { beta1: 0.5, beta2: 0.75 }), 3, 0.01, 2);
  expect(own).toEqual({ lr: 0.01, bc1: 1 - 0.125, bc2: 1 - 0.421875, step: 3, clip: 2 });
  const defaults = stepScalars(optimizerSpec("adamw"), 10, 0.1);
  expect(defaults.bc1).toBeCloseTo(1 - Math.pow(0.9, 10), 15);
  expect(defaults.bc2).toBeCloseTo(1 - Math.pow(0.999, 10), 15);
  expect(defaults.clip).toBe(0);
});

it("gives optimizers without bias corrections 1 for both", () => {
  for (const name of ["sgd", "rmsprop"] as const) {
    const s = stepScalars(optimizerSpec(name), 10, 0.1);
    expect([s.bc1, s.bc2], name).toEqual([1, 1]);
  }
});

it("hands a plan exactly the fields it declares, in order, and refuses one it does not know", () => {
  const s = stepScalars(optimizerSpec("adamw"), 1, 0.5, 1);
  expect(Object.keys(uniformValues(uniformFields(false), s))).toEqual(["lr", "bc1", "bc2", "step"]);
  expect(uniformValues(uniformFields(true), s)).toEqual({
    lr: 0.5,
    bc1: s.bc1,
    bc2: s.bc2,
    step: 1,
    clip: 1,
  });
  expect(() => uniformValues(["lr", "toString"], s)).toThrow(InternalError);
});
