/**
 * @file Golden diagnostics for every bad program in tests/fixtures/bad. Each fixture's first line
 * says which code must come first; the rich and short renderings and the CLI exit code are kept
 * as golden files under __snapshots__/fixtures, reviewed like code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrove } from "../cli/run.js";
import { checkFile } from "../../src/parser/program.js";

const root = "tests/fixtures/bad";

interface Fixture {
  readonly name: string;
  readonly path: string;
  readonly expect: string;
}

function fixtures(): Fixture[] {
  return readdirSync(root)
    .sort()
    .flatMap((entry): Fixture[] => {
      const full = join(root, entry);
      if (statSync(full).isDirectory()) {
        const main = join(full, "main.grove");
        return existsSync(main) ? [{ name: entry, path: main, expect: expectation(main) }] : [];
      }
      if (!entry.endsWith(".grove")) return [];
      return [{ name: entry.replace(/\.grove$/, ""), path: full, expect: expectation(full) }];
    });
}

function expectation(path: string): string {
  const first = readFileSync(path, "utf8").split("\n")[0] ?? "";
  const m = /^\/\/ expect: (G\d{4})\b/.exec(first);
  if (!m) throw new Error(`${path}: first line must be \`// expect: G0xxx ...\``);
  return m[1]!;
}

const cli = runGrove;

const all = fixtures();

describe("bad fixtures", () => {
  it("finds every fixture", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(process.cwd()).toBe(join(import.meta.dirname, "..", ".."));
  });

  it.each(all.map((f) => [f.name, f] as const))("%s", async (_, f) => {
    const r = checkFile(f.path);
    expect(r.diagnostics.length, "at least one diagnostic").toBeGreaterThan(0);
    expect(r.diagnostics[0]!.code).toBe(f.expect);
    for (const d of r.diagnostics) {
      expect(d.code).toMatch(/^G0\d{3}$/);
      expect(d.severity).toBe("error");
      for (const l of d.labels) expect(l.span.file).toMatch(/^(tests\/fixtures\/bad\/|std\/)/);
    }

    const rich = await cli(["check", f.path]);
    const short = await cli(["check", "--format", "short", f.path]);
    for (const text of [rich.out, rich.err, short.out, short.err]) {
      expect(text).not.toMatch(/internal|\n\s+at .*:\d+:\d+/i);
    }
    expect(rich.code).toBe(1);
    expect(short.code).toBe(1);
    expect(rich.out).toBe("");

    const golden = [
      `// ${f.path}`,
      `// expect: ${f.expect}`,
      "",
      "// grove check (rich)",
      rich.err.trimEnd(),
      `// exit code ${rich.code}`,
      "",
      "// grove check --format short",
      short.err.trimEnd(),
      `// exit code ${short.code}`,
      "",
    ].join("\n");
    await expect(golden).toMatchFileSnapshot(`__snapshots__/fixtures/${f.name}.txt`);
  });
});
