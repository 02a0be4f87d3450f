/**
 * @file Parameters with no path to the loss that carries a gradient: gradcheck names what stops
 * each path (`stop_gradient`, `argmax`, an i32 cast) or says the loss does not depend on the
 * parameter, and leaves parameters with a path (even beside a blocked one) to the numeric check.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { gradcheck } from "../../src/ir/gradcheck.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { checkFile } from "../../src/parser/program.js";

function results(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "grove-paths-"));
  const path = join(dir, "m.grove");
  writeFileSync(path, text);
  const r = checkFile(path);
  expect(r.diagnostics).toEqual([]);
  const { training, params } = compileTrain(r.program.trains[0]!, { batch: 3 }).value!;
  const source = r.sources.texts().get(path)!;
  const at = (offset: number) => source.slice(offset).split("\n")[0];
  return {
    checks: new Map(gradcheck(training, params, { seed: 2 }).map((x) => [x.name, x])),
    at,
  };
}

it("names the op that stops every path, or says the loss does not depend on a parameter", () => {
  const { checks, at } = results(`
model M {
  input features: [N, 2]
  param w: [2, 3] ~ normal(std: 0.5)
  param v: [2, 3] ~ normal(std: 0.5)
  param both: [2, 3] ~ normal(std: 0.5)
  param unused: [3] ~ ones
  param picked: [2, 3] ~ normal(std: 0.5)
  h = features @ stop_gradient(w) + features @ v + features @ both * stop_gradient(features @ both)
  ids = cast(argmax(features @ picked), f32)
  output logits = h + reshape(ids, [size(features, 0), 1])
  output other = unused * 2
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(logits, label)
  optimizer = sgd()
}
`);
  const w = checks.get("w")!.noGradientPath!;
  expect(w.blockedBy.map((n) => n.op)).toEqual(["stop_gradient"]);
  expect(at(w.blockedBy[0]!.span!.start)).toMatch(/^stop_gradient\(w\)/);
  expect(checks.get("unused")!.noGradientPath).toEqual({ blockedBy: [] });
  const picked = checks.get("picked")!.noGradientPath!;
  expect(picked.blockedBy.map((n) => n.op)).toEqual(["argmax"]);
  // `v` has a path; `both` has one beside a blocked one: both are checked numerically.
  for (const name of ["v", "both"]) {
    expect(checks.get(name)!.noGradientPath, name).toBeUndefined();
    expect(checks.get(name)!.gradNorm, name).toBeGreaterThan(0);
  }
  expect(checks.get("v")!.maxRelError).toBeLessThan(1e-6);
  // Finite differences see the path through stop_gradient that the gradient leaves out.
  expect(checks.get("both")!.maxRelError).toBeGreaterThan(1e-3);
  // A fully blocked parameter's gradient is zero by design.
  expect(checks.get("w")!.gradNorm).toBe(0);
});
