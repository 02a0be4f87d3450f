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
