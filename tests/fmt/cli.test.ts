/**
 * `grove fmt FILE... [--check] [--write]` (src/cli/fmt.ts): prints, checks and rewrites; a file
 * with syntax errors is refused with its diagnostics and left as it was.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runGrove } from "../cli/run.js";

const messy = "fn  f(x)=x*2   // double\n\n\n\nfn g(x) = f(x)\n";
const tidy = "fn f(x) = x * 2 // double\n\nfn g(x) = f(x)\n";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "grove-fmt-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test("without flags it prints the formatted text and changes nothing", async () => {
  const dir = folder({ "a.grove": messy });
  const r = await runGrove(["fmt", join(dir, "a.grove")]);
  expect(r).toEqual({ code: 0, out: tidy, err: "" });
  expect(readFileSync(join(dir, "a.grove"), "utf8")).toBe(messy);
});

test("--check lists the files that would change and exits 1; 0 when all are formatted", async () => {
  const dir = folder({ "a.grove": messy, "b.grove": tidy });
  const [a, b] = [join(dir, "a.grove"), join(dir, "b.grove")];
  expect(await runGrove(["fmt", "--check", a, b])).toEqual({ code: 1, out: `${a}\n`, err: "" });
  expect(await runGrove(["fmt", "--check", b])).toEqual({ code: 0, out: "", err: "" });
});

test("--write rewrites changed files in place and leaves no temporary file", async () => {
  const dir = folder({ "a.grove": messy, "b.grove": tidy });
  const r = await runGrove(["fmt", "--write", join(dir, "a.grove"), join(dir, "b.grove")]);
  expect(r).toEqual({ code: 0, out: `formatted ${join(dir, "a.grove")}\n`, err: "" });
  expect(readFileSync(join(dir, "a.grove"), "utf8")).toBe(tidy);
  expect(readdirSync(dir).sort()).toEqual(["a.grove", "b.grove"]);
});

test("a file with syntax errors is refused with its diagnostic and never rewritten", async () => {
  const broken = "fn f(x) = (x\n";
  const dir = folder({ "bad.grove": broken });
  const path = join(dir, "bad.grove");
  const r = await runGrove(["fmt", "--write", path]);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toContain("error[G0110]: expected `)` but found the end of the file");
  expect(r.err).toContain(`--> ${path}:1:13`);
  expect(r.err).toContain(`grove fmt: ${path} has syntax errors; not formatted`);
  expect(readFileSync(path, "utf8")).toBe(broken);
});

test("a missing file is one line naming it", async () => {
  const r = await runGrove(["fmt", "/nonexistent/x.grove"]);
  expect(r).toEqual({
    code: 1,
    out: "",
    err: "grove fmt: cannot read /nonexistent/x.grove: no such file\n",
  });
});

test("--check and --write together are a usage error", async () => {
  const r = await runGrove(["fmt", "--check", "--write", "x.grove"]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("cannot be used with option '--write'");
});
