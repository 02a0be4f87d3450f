/**
 * Properties of `grove fmt` over every example, every std file and a bounded, seeded sample of
 * fuzz mutants (tests/fuzz/mutations.ts): formatting is idempotent, keeps the AST (spans aside)
 * and the diagnostics (codes and messages), and refuses a file with syntax errors.
 */
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { hasErrors } from "../../src/diag/diagnostic.js";
import { formatGrove } from "../../src/fmt/format.js";
import { parse } from "../../src/parser/parse.js";
import { caseSeed, fuzzInputs, makeMutant, mutationKinds } from "../fuzz/mutations.js";
import { astOf, diagnosticsOf } from "./oracle.js";

const root = resolve(import.meta.dirname, "../..");
const inputs = fuzzInputs(root).map(([path, text]): [string, string] => [
  resolve(root, path),
  text,
]);

async function expectSameProgram(file: string, text: string): Promise<string> {
  const once = await formatGrove(text, file);
  if (!once.ok) throw new Error(`refused ${file}:\n${once.errors}`);
  const twice = await formatGrove(once.text, file);
  expect(twice.ok && twice.text).toBe(once.text);
  expect(astOf(once.text, file)).toEqual(astOf(text, file));
  expect(diagnosticsOf(once.text, file)).toEqual(diagnosticsOf(text, file));
  return once.text;
}

describe("every example and std file", () => {
  test.each(inputs.map(([p, t]) => [p.slice(root.length + 1), p, t]))(
    "%s: idempotent, same AST and diagnostics, already formatted",
    async (_name, path, text) => {
      const formatted = await expectSameProgram(path, text);
      expect(formatted).toBe(text); // the repository's own files are kept formatted
    },
  );
});

/** Seeded mutants, split by whether they parse: at most `perKind` seeds per kind and input. */
function mutants(perKind: number): { clean: [string, string][]; broken: [string, string][] } {
  const clean: [string, string][] = [];
  const broken: [string, string][] = [];
  inputs.forEach(([path, text], i) =>
    mutationKinds.forEach((kind, k) => {
      for (let s = 0; s < perKind; s++) {
        const seed = caseSeed(13, i, k, s);
        const m = makeMutant(kind, text, seed);
        const what = `${path} ${kind} seed ${seed}`;
        (hasErrors(parse(m.text, path).diagnostics) ? broken : clean).push([what, m.text]);
      }
    }),
  );
  return { clean, broken };
}

describe("fuzz mutants", () => {
  const { clean, broken } = mutants(2);
  const every = (list: [string, string][], n: number) =>
    list.filter((_, k) => k % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);

  test("the sample has both kinds", () => {
    expect(clean.length).toBeGreaterThan(10);
    expect(broken.length).toBeGreaterThan(10);
  });

  test.each(every(clean, 40))("%s: idempotent, same AST and diagnostics", async (what, text) => {
    await expectSameProgram(what.split(" ")[0]!, text);
  });

  test.each(every(broken, 20))("%s: refused with its syntax errors", async (what, text) => {
    const r = await formatGrove(text, what.split(" ")[0]!);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toMatch(/^error\[G01\d\d\]/m);
  });
});
