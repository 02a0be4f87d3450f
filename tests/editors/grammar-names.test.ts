/**
 * The TextMate grammar (grammar/grove.tmLanguage.json) colours the names the language knows by
 * name: its lists of builtins, initializers, optimizers, schedules and data sources must be the
 * checker's (`builtinNames`) and the schema records' in src/ops, so a new builtin or record fails
 * here until the grammar names it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { dataSourceNames } from "../../src/ops/data-sources.js";
import { initializerNames } from "../../src/ops/initializers.js";
import { optimizerNames } from "../../src/ops/optimizers.js";
import { scheduleNames } from "../../src/ops/schedules.js";
import { builtinNames } from "../../src/parser/check/builtins/index.js";

const grammar: unknown = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "grammar", "grove.tmLanguage.json"), "utf8"),
);

/** The names in the `(?:a|b|c)` of every pattern named `scope`, anywhere in the grammar. */
function namesOf(scope: string): string[] {
  const found: string[][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== "object" || v === null) return;
    const o = v as Record<string, unknown>;
    if (o.name === scope && typeof o.match === "string") {
      const list = /\(\?:([A-Za-z0-9_|]+)\)/.exec(o.match);
      if (list) found.push(list[1]!.split("|"));
    }
    Object.values(o).forEach(walk);
  };
  walk(grammar);
  expect(found, scope).toHaveLength(1);
  return found[0]!.toSorted();
}

const sorted = (names: readonly string[]) => [...names].sort();

test.each([
  ["support.function.builtin.grove", [...builtinNames, "repeat"]],
  ["support.function.initializer.grove", initializerNames],
  ["support.function.optimizer.grove", optimizerNames],
  ["support.function.schedule.grove", scheduleNames],
  ["support.function.data-source.grove", dataSourceNames],
])("%s lists the names the language knows", (scope, names) => {
  expect(namesOf(scope)).toEqual(sorted(names));
});
