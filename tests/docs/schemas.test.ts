/**
 * docs/language.md against the schema records in src/ops: every initializer with its parameters
 * and defaults, every data source in the table with its defaults, so a record changed or added
 * without its documentation fails here.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, test } from "vitest";
import { dataSourceNames, dataSources } from "../../src/ops/data-sources.js";
import { initializerNames, initializers } from "../../src/ops/initializers.js";
import type { ArgRules } from "../../src/ops/call-schema.js";

const language = readFileSync(resolve(import.meta.dirname, "../../docs/language.md"), "utf8");

/** The text of section `title` (a `###` heading) up to the next heading. */
function section(title: string): string {
  const start = language.indexOf(`\n### ${title}\n`);
  expect(start, `docs/language.md has a section ${title}`).toBeGreaterThan(0);
  const end = language.slice(start + 1).search(/\n#{2,3} /);
  return language.slice(start, end < 0 ? undefined : start + 1 + end);
}

test("the Initializers section lists each initializer with its parameters and defaults", () => {
  const text = section("Initializers").replace(/\s+/g, " ");
  for (const name of initializerNames) {
    const args: ArgRules = initializers[name].args;
    const params = Object.entries(args).map(([p, { default: d }]) =>
      d === undefined ? p : `${p} = ${d}`,
    );
    const written = params.length ? `\`${name}(${params.join(", ")})\`` : `\`${name}\``;
    expect(text).toContain(written);
  }
});

test("the Data sources table has a row per source, with its defaults", () => {
  const text = section("Data sources");
  expect(text).toContain(
    `Every source takes \`validate = ${dataSources.mnist.args.validate.default}\``,
  );
  for (const name of dataSourceNames) {
    const row = text.split("\n").find((l) => l.startsWith(`| \`${name}(`));
    expect(row, `a row for ${name}`).toBeDefined();
    const args: ArgRules = dataSources[name].args;
    for (const [arg, rule] of Object.entries(args))
      if (arg !== "validate" && rule.default !== undefined)
        expect(row).toContain(`${arg} = ${JSON.stringify(rule.default)}`);
  }
});
