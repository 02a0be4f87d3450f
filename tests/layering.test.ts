/**
 * Keeps the layering honest: each part of src/ imports only from itself and the parts before it
 * (ops ← diag ← parser ← fmt ← ir ← codegen ← runtime ← session ← export ← playground ← cli), relative
 * imports end in `.js` as NodeNext requires, and the training session imports no `node:` module
 * (it runs in a browser).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "vitest";

const src = join(import.meta.dirname, "../src");
const layers = [
  "ops",
  "diag",
  "parser",
  "fmt",
  "ir",
  "codegen",
  "runtime",
  "session",
  "export",
  "playground",
  "cli",
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("src/ layers import only themselves and earlier layers", () => {
  const offenders: string[] = [];
  for (const file of filesUnder(src)) {
    const rel = relative(src, file);
    const own = layers.indexOf(rel.split("/")[0]!);
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/from "([^"]+)"/g)) {
      if (!spec!.startsWith(".")) continue;
      if (!spec!.endsWith(".js")) offenders.push(`${rel}: ${spec} (needs .js)`);
      const target = relative(src, join(file, "..", spec!)).split("/")[0]!;
      const layer = layers.indexOf(target);
      if (layer < 0 || layer > own) offenders.push(`${rel}: ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});

test("src/session imports no node: module, statically or dynamically", () => {
  const offenders: string[] = [];
  for (const file of filesUnder(join(src, "session"))) {
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g))
      if (spec!.startsWith("node:")) offenders.push(`${relative(src, file)}: ${spec}`);
  }
  expect(offenders).toEqual([]);
});

/** Relative imports of each file in src/, as resolved `.ts` paths; `typesToo` counts `import type`. */
function importGraph(typesToo: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(src)) {
    const deps: string[] = [];
    const text = readFileSync(file, "utf8");
    for (const [, type, spec] of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gms))
      if (typesToo || !type) deps.push(join(file, "..", spec!).replace(/\.js$/, ".ts"));
    graph.set(file, deps);
  }
  return graph;
}

/** Each import that closes a cycle, as `from -> to` relative to src/. */
function backEdges(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const found: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === "open") found.push(`${relative(src, n)} -> ${relative(src, d)}`);
      else if (!state.has(d)) visit(d);
    }
    state.set(n, "done");
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found.sort();
}

test("src/ has no import cycle at run time", () => {
  expect(backEdges(importGraph(false))).toEqual([]);
});

test("src/ has no type-import cycle beyond the known ones", () => {
  // Each of these cycles closes through an `import type` only (a helper taking its caller's type).
  // A new cycle fails here; the checker's helpers (check/*.ts) take interfaces and take part in none.
  expect(backEdges(importGraph(true))).toEqual([
    "cli/load.ts -> cli/backend-choice.ts",
    "codegen/wgsl/loop-rules.ts -> codegen/wgsl/rules.ts",
  ]);
});
