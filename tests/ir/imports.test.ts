/**
 * @file Keeps the layering honest: src/ir imports only itself and src/diag (never the parser,
 * codegen or runtime), and every relative import ends in `.js` as NodeNext requires.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

const dir = join(import.meta.dirname, "../../src/ir");

test("src/ir imports only ./ and ../diag, with .js extensions", () => {
  const offenders: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const [, spec] of text.matchAll(/from "([^"]+)"/g)) {
      const ok = /^\.\/[\w-]+\.js$/.test(spec!) || /^\.\.\/diag\/[\w-]+\.js$/.test(spec!);
      if (!ok) offenders.push(`${file}: ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});
