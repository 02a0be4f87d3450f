/**
 * What src/ throws is one of the three kinds in src/diag/diagnostic.ts (`UserError`, `UsageError`,
 * `InternalError`), so a front end can tell a problem its user can fix from a bug: no bare
 * `new Error(` outside the two places that must imitate something else, and the domain errors
 * the CLI prints as one line are `UserError`s.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "vitest";
import { CompileError, InternalError, UserError } from "../../src/diag/diagnostic.js";
import { PlanLimitError } from "../../src/codegen/emit-refusal.js";
import { PolicyError } from "../../src/codegen/fusion-policy.js";
import { NoAdapterError } from "../../src/runtime/errors.js";
import { DataError } from "../../src/runtime/data/read-file.js";
import { UnsupportedDataError } from "../../src/runtime/data/types.js";
import { CheckpointError } from "../../src/runtime/safetensors.js";
import { RunSpecError } from "../../src/session/run-spec.js";
import { OnnxExportError } from "../../src/export/onnx.js";

const src = join(import.meta.dirname, "../../src");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Where a plain Error is the point, and why. */
const allowed: Readonly<Record<string, string>> = {
  // The page's stand-in for node:fs throws what Node's does: an Error with an errno `code`.
  "export/browser/shims/fs.ts": "imitates Node's system errors",
  // A rejection that is not an Error (a string, say) becomes one to be rethrown later.
  "runtime/runner.ts": "wraps a non-Error rejection",
};

test("src/ throws typed errors, not bare ones", () => {
  const offenders: string[] = [];
  for (const file of filesUnder(src)) {
    const rel = relative(src, file);
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.includes("new Error(") && !allowed[rel]) offenders.push(`${rel}:${i + 1}`);
    });
  }
  expect(offenders).toEqual([]);
});

test("the errors a user can fix are UserErrors; compiler bugs say so", () => {
  const fixable = [
    new DataError("x"),
    new UnsupportedDataError("s"),
    new CheckpointError("f", "x"),
    new NoAdapterError("node"),
    new RunSpecError("x"),
    new PolicyError("x"),
    new PlanLimitError("G0802", "x", undefined, "x", "x"),
    new OnnxExportError("x", undefined),
    new CompileError("compiling", []),
  ];
  for (const e of fixable) expect(e, e.name).toBeInstanceOf(UserError);
  expect(new InternalError("x")).not.toBeInstanceOf(UserError);
  expect(new InternalError("x").message).toBe("internal compiler error: x");
});
