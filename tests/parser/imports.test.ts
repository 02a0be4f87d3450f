/**
 * @file What `import` may read, with real files in a temporary folder: `../` out of the import
 * root, a link pointing outside, a FIFO, a device, a folder, a binary file, invalid UTF-8, a file
 * over 1 MiB, a name not ending in `.grove`, and junk that is not Grove; each is a diagnostic that
 * quotes none of the refused content, and `--import-root` widens the root. The entry file gets
 * the same reading checks (G0500).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diag/render.js";
import {
  checkFile,
  maxSourceBytes,
  nodeHost,
  type CheckOptions,
} from "../../src/parser/program.js";
import { maxImportedSyntaxErrors, maxQuotedChars } from "../../src/parser/source-files.js";
import { runGrove } from "../cli/run.js";
import { memoryHost } from "./helpers.js";

const secret = "API_KEY=sk-live-0123456789abcdef";
const base = mkdtempSync(join(tmpdir(), "grove-imports-"));
/** The project: the entry file's folder, the default import root. */
const project = join(base, "project");
mkdirSync(project);
/** Outside the project: an environment file and a valid Grove library. */
writeFileSync(join(base, ".env"), `${secret}\n`);
writeFileSync(join(base, "lib.grove"), "fn twice(x) = 2 * x\n");

const model = (imports: string[]) =>
  `${imports.map((i) => `import "${i}"`).join("\n")}\nmodel M {\n  input x: [N, 2]\n  output y = x\n}\n`;

/** Checks `project/NAME` holding a model that imports `imports`; the rich rendering too. */
function checkImports(name: string, imports: string[], options: CheckOptions = {}) {
  const file = join(project, name);
  writeFileSync(file, model(imports));
  const r = checkFile(file, nodeHost, options);
  return { ...r, rich: renderDiagnostics(r.diagnostics, r.sources, "rich"), file };
}

const codesOf = (r: { diagnostics: readonly { code: string }[] }) =>
  r.diagnostics.map((d) => d.code);

describe("the import root", () => {
  it("refuses ../ out of the entry file's folder without reading it (the .env reproducer)", () => {
    writeFileSync(join(base, "env.grove"), `${secret}\n`);
    for (const target of ["../.env", "../env.grove", "../../../../../../../../etc/passwd"]) {
      const r = checkImports("escape.grove", [target]);
      expect(codesOf(r), target).toEqual(["G0503"]);
      expect(r.diagnostics[0]!.message).toBe(
        `import \`${target}\` points outside the import root ${project}`,
      );
      expect(r.rich).not.toContain("sk-live");
      expect(r.rich).toMatch(/--> .*escape\.grove:1:8/);
      expect(r.rich).toContain("`--import-root DIR` allows a wider folder");
    }
  });

  it("refuses a link inside the root that points outside it", () => {
    symlinkSync(join(base, "lib.grove"), join(project, "linked.grove"));
    const r = checkImports("link.grove", ["linked.grove"]);
    expect(codesOf(r)).toEqual(["G0503"]);
    expect(r.diagnostics[0]!.labels[0]!.message).toBe(
      `${join(project, "linked.grove")} is a link to ${join(base, "lib.grove")}`,
    );
  });

  it("follows a link that stays inside, and subfolders", () => {
    mkdirSync(join(project, "layers"));
    writeFileSync(join(project, "layers", "extra.grove"), "fn thrice(x) = 3 * x\n");
    symlinkSync(join(project, "layers", "extra.grove"), join(project, "inner.grove"));
    expect(codesOf(checkImports("inside.grove", ["inner.grove"]))).toEqual([]);
    expect(codesOf(checkImports("sub.grove", ["layers/extra.grove"]))).toEqual([]);
  });

  it("--import-root (CheckOptions.importRoot) widens the root", () => {
    const r = checkImports("wide.grove", ["../lib.grove"], { importRoot: base });
    expect(codesOf(r)).toEqual([]);
    expect(r.sources.get(join(base, "lib.grove"))?.text).toBe("fn twice(x) = 2 * x\n");
  });

  it("--import-root on the command line", async () => {
    const { file } = checkImports("cli.grove", ["../lib.grove"]);
    const refused = await runGrove(["check", file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("error[G0503]");
    const allowed = await runGrove(["check", file, "--import-root", base]);
    expect(allowed.err).toBe("");
    expect(allowed.code).toBe(0);
  });
});

describe("what an import may read", () => {
  it("refuses a FIFO from stat, without opening it (no hang)", () => {
    execFileSync("mkfifo", [join(project, "pipe.grove")]);
    const r = checkImports("fifo.grove", ["pipe.grove"]);
    expect(codesOf(r)).toEqual(["G0504"]);
    expect(r.diagnostics[0]!.message).toBe(
      "cannot import `pipe.grove`: it is a FIFO (named pipe), not a regular file",
    );
  });

  it("refuses a device behind a link when the root allows the link", () => {
    symlinkSync("/dev/zero", join(project, "zero.grove"));
    const r = checkImports("device.grove", ["zero.grove"], { importRoot: "/" });
    expect(codesOf(r)).toEqual(["G0504"]);
    expect(r.diagnostics[0]!.message).toBe(
      "cannot import `zero.grove`: it is a character device, not a regular file",
    );
  });

  it("refuses a folder", () => {
    mkdirSync(join(project, "folder.grove"));
    const r = checkImports("dir.grove", ["folder.grove"]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["G0504", "cannot import `folder.grove`: it is a directory"],
    ]);
  });

  it("refuses binary content and invalid UTF-8 without quoting it", () => {
    const bytes = Buffer.from([0x66, 0x6e, 0x20, 0x00, 0x01, 0x02, 0x8b, 0x50, 0x4b]);
    writeFileSync(join(project, "binary.grove"), Buffer.concat([Buffer.from(secret), bytes]));
    writeFileSync(
      join(project, "latin1.grove"),
      Buffer.from(`fn caf\xe9(x) = x ${secret}`, "latin1"),
    );
    const r = checkImports("bin.grove", ["binary.grove", "latin1.grove"]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        "G0505",
        `cannot import \`binary.grove\`: it is not text: it holds a NUL byte at offset ${secret.length + 3}`,
      ],
      [
        "G0505",
        "cannot import `latin1.grove`: it is not text: it holds bytes that are not valid UTF-8",
      ],
    ]);
    expect(r.rich).not.toContain("sk-live");
    expect(r.rich).toContain("= note: its content is not shown");
  });

  it(`refuses a file over ${maxSourceBytes} bytes and reads one of exactly that size`, () => {
    const fill = (n: number) => "fn f(x) = x\n" + "/".repeat(n - 13) + "\n";
    writeFileSync(join(project, "exact.grove"), fill(maxSourceBytes));
    writeFileSync(join(project, "over.grove"), fill(maxSourceBytes + 1));
    expect(codesOf(checkImports("exact-user.grove", ["exact.grove"]))).toEqual([]);
    const r = checkImports("over-user.grove", ["over.grove"]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `cannot import \`over.grove\`: it has ${maxSourceBytes + 1} bytes, more than the ${maxSourceBytes} a source file may have`,
    ]);
  });

  it("refuses a name that does not end in .grove without reading it", () => {
    writeFileSync(join(project, ".env"), `${secret}\n`);
    const r = checkImports("dotenv.grove", [".env"]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["G0504", "import `.env` does not name a .grove file"],
    ]);
    expect(r.rich).not.toContain("sk-live");
  });

  it("shows at most a few syntax errors of an imported file that is not Grove", () => {
    // `$` and `#` start no token: one lexing error per line.
    writeFileSync(join(project, "junk.grove"), `$ ${secret} #\n`.repeat(50));
    const r = checkImports("junk-user.grove", ["junk.grove"]);
    expect(r.diagnostics.length).toBe(maxImportedSyntaxErrors);
    expect(r.diagnostics.at(-1)!.notes.at(-1)).toMatch(
      /^\d+ more syntax errors? in .*junk\.grove not shown$/,
    );
    expect(r.rich.split("sk-live").length - 1).toBeLessThanOrEqual(maxImportedSyntaxErrors * 2);
  });

  it(`quotes no line of an imported file longer than ${maxQuotedChars} characters`, () => {
    const line = `${secret} `.repeat(200);
    writeFileSync(join(project, "long.grove"), `fn f(x) = x\n${line}\n`);
    const r = checkImports("long-user.grove", ["long.grove"]);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    const d = r.diagnostics[0]!;
    expect(d.labels[0]!.span.file).toBe(r.file);
    expect(d.labels[0]!.message).toMatch(
      new RegExp(`^at .*long\\.grove:2:1, a line of ${line.length} characters \\(not shown\\)$`),
    );
    expect(r.rich.length).toBeLessThan(maxImportedSyntaxErrors * 4 * maxQuotedChars);
  });
});

describe("the entry file", () => {
  it("is read with the same checks (G0500)", async () => {
    execFileSync("mkfifo", [join(project, "entry-pipe.grove")]);
    writeFileSync(join(project, "entry-bin.grove"), Buffer.from([0x00, 0xff, 0x10]));
    const read = (name: string) => checkFile(join(project, name)).diagnostics.map((d) => d.message);
    expect(read("entry-pipe.grove")).toEqual([
      `cannot read \`${join(project, "entry-pipe.grove")}\`: it is a FIFO (named pipe), not a regular file`,
    ]);
    expect(read("entry-bin.grove")).toEqual([
      `cannot read \`${join(project, "entry-bin.grove")}\`: it is not text: it holds a NUL byte at offset 0`,
    ]);
    const cli = await runGrove(["check", join(project, "entry-pipe.grove")]);
    expect(cli.code).toBe(1);
    expect(cli.err).toContain("error[G0500]");
  });

  it("gets the text checks from an in-memory host too", () => {
    const r = checkFile("mem/a.grove", memoryHost({ "mem/a.grove": "fn f(x) = x\0" }));
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["G0500", "cannot read `mem/a.grove`: it is not text: it holds a NUL character at offset 11"],
    ]);
  });
});
