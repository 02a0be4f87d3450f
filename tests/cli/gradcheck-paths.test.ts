/**
 * `grove gradcheck` on a model with `stop_gradient` on a parameter's only path to the loss: the
 * parameter is listed as having no gradient path, with the reason and its place in the file, and
 * the check passes (it used to fail, comparing a zero gradient with finite differences).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runGrove } from "./run.js";

it("lists parameters without a gradient path and passes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grove-gradcheck-"));
  const file = join(dir, "frozen.grove");
  writeFileSync(
    file,
    `model M {
  input features: [N, 2]
  param w: [2, 3] ~ normal(std: 0.5)
  param v: [2, 3] ~ normal(std: 0.5)
  param unused: [3] ~ ones
  output logits = features @ stop_gradient(w) + features @ v
  output other = unused * 2
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(logits, label)
  optimizer = sgd()
}
`,
  );
  const r = await runGrove(["gradcheck", file]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  const lines = r.out.split("\n");
  expect(lines).toContain(
    `  w          no gradient path: every path to the loss goes through \`stop_gradient\` at ${file}:6:30, which passes no gradient`,
  );
  expect(lines).toContain("  unused     no gradient path: the loss does not depend on it");
  expect(lines.find((l) => l.startsWith("  v "))).toMatch(/^ {2}v {10} +3 +\S+ +\S+ +\S+$/);
  expect(r.out.endsWith("gradcheck passed (tolerance 0.00001)\n")).toBe(true);
});
