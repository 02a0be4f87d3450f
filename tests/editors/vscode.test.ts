/**
 * Tests for the VS Code extension (editors/vscode): scripts/package-vscode.mjs builds a .vsix
 * offline, and the archive holds the grammar (equal to grammar/grove.tmLanguage.json), the
 * language configuration and the bundled client, named by its package.json; the server command
 * is resolved from the setting, PATH or npx.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveServerCommand, type CommandHost } from "../../editors/vscode/src/server-command.js";
import { readZip } from "./read-zip.js";

const root = join(import.meta.dirname, "..", "..");
const grammarText = readFileSync(join(root, "grammar", "grove.tmLanguage.json"));

describe("the packaged extension", () => {
  let outDir = "";
  let entries = new Map<string, Buffer>();
  let manifest: any;
  /** An entry of the extension by its path in package.json (`./out/extension.js`). */
  const fileOf = (path: string) => entries.get(posix.join("extension", path));

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), "grove-vscode-"));
    const printed = execFileSync(
      process.execPath,
      [join(root, "scripts", "package-vscode.mjs"), "--out-dir", outDir],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const vsix = printed.trim().split("\n").at(-1)!;
    expect(vsix).toBe(join(outDir, "grove-vscode-0.1.0.vsix"));
    entries = readZip(readFileSync(vsix));
    manifest = JSON.parse(fileOf("package.json")!.toString("utf8"));
  }, 60_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("holds the manifest, grammar, language configuration and client, and no node_modules", () => {
    const names = [...entries.keys()];
    for (const name of [
      "extension.vsixmanifest",
      "extension/package.json",
      "extension/language-configuration.json",
      "extension/syntaxes/grove.tmLanguage.json",
      "extension/out/extension.js",
    ]) {
      expect(names).toContain(name);
    }
    expect(names.filter((name) => name.includes("node_modules"))).toEqual([]);
  });

  it("ships grammar/grove.tmLanguage.json unchanged", () => {
    expect(fileOf("syntaxes/grove.tmLanguage.json")!.equals(grammarText)).toBe(true);
  });

  it("contributes the grove language and grammar by paths that are in the package", () => {
    const [language] = manifest.contributes.languages;
    const [grammar] = manifest.contributes.grammars;
    expect(language.id).toBe("grove");
    expect(language.extensions).toEqual([".grove"]);
    expect(fileOf(language.configuration)).toBeDefined();
    expect(grammar.language).toBe("grove");
    expect(grammar.scopeName).toBe(JSON.parse(grammarText.toString("utf8")).scopeName);
    expect(fileOf(grammar.path)!.equals(grammarText)).toBe(true);
    expect(fileOf(manifest.main)).toBe(fileOf("out/extension.js"));
    expect(manifest.activationEvents).toContain("onLanguage:grove");
    expect(Object.keys(manifest.contributes.configuration.properties)).toContain(
      "grove.server.command",
    );
    // The vsixmanifest (read by the marketplace and `code --install-extension`) agrees.
    const vsixManifest = entries.get("extension.vsixmanifest")!.toString("utf8");
    expect(vsixManifest).toContain(`Id="${manifest.name}"`);
    expect(vsixManifest).toContain(`Version="${manifest.version}"`);
  });

  it("has a language configuration with Grove's comments and brackets", () => {
    const config = JSON.parse(fileOf("language-configuration.json")!.toString("utf8"));
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(config.brackets).toEqual([
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ]);
    const pairs = config.autoClosingPairs.map((pair: { open: string }) => pair.open);
    expect(pairs).toEqual(expect.arrayContaining(["{", "[", "(", '"']));
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    expect(increase.test("block Dense(in, out) {")).toBe(true);
    expect(increase.test("  output o = x |> f")).toBe(false);
    expect(increase.test('  groups = [group("head", lr: 1e-2)]')).toBe(false);
    expect(decrease.test("  }")).toBe(true);
  });

  it("bundles the client: it runs `lsp` and requires only vscode and Node's modules", () => {
    const client = fileOf("out/extension.js")!.toString("utf8");
    expect(client).toMatch(/\["lsp"\]/);
    expect(client).toContain("--stdio");
    const required = new Set([...client.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    expect(required).toContain("vscode");
    const foreign = [...required].filter(
      (name) => name !== "vscode" && !builtinModules.includes(name.replace(/^node:/, "")),
    );
    expect(foreign).toEqual([]);
  });
});

describe("the server command", () => {
  const posixHost = (
    files: string[],
    pathVariable = "/usr/local/bin:/opt/grove/bin",
  ): CommandHost => ({
    platform: "linux",
    pathVariable,
    pathExt: undefined,
    isFile: (file) => files.includes(file),
  });

  it("is the setting when one is given, a .js path run with node", () => {
    const host = posixHost(["/opt/grove/bin/grove"]);
    expect(resolveServerCommand(" /home/me/grove ", host)).toEqual({
      command: "/home/me/grove",
      args: ["lsp"],
      shell: false,
    });
    expect(resolveServerCommand("/src/grove/bin/grove.js", host)).toEqual({
      command: "node",
      args: ["/src/grove/bin/grove.js", "lsp"],
      shell: false,
    });
  });

  it("is grove from the first PATH folder that has it", () => {
    const host = posixHost(["/opt/grove/bin/grove", "/opt/grove/bin/other"]);
    expect(resolveServerCommand("", host).command).toBe("/opt/grove/bin/grove");
    expect(resolveServerCommand("", host).args).toEqual(["lsp"]);
  });

  it("falls back to npx --no -- grove (a local install, never a download)", () => {
    expect(resolveServerCommand("", posixHost([]))).toEqual({
      command: "npx",
      args: ["--no", "--", "grove", "lsp"],
      shell: false,
    });
    expect(resolveServerCommand("", posixHost(["/opt/grove/bin/grove"], "")).command).toBe("npx");
  });

  it("finds grove.cmd on Windows and runs it through a shell", () => {
    const host: CommandHost = {
      platform: "win32",
      pathVariable: "C:\\tools;C:\\Users\\me\\AppData\\Roaming\\npm",
      pathExt: ".COM;.EXE;.BAT;.CMD",
      isFile: (file) => file === "C:\\Users\\me\\AppData\\Roaming\\npm\\grove.cmd",
    };
    expect(resolveServerCommand("", host)).toEqual({
      command: "C:\\Users\\me\\AppData\\Roaming\\npm\\grove.cmd",
      args: ["lsp"],
      shell: true,
    });
    expect(resolveServerCommand("", { ...host, isFile: () => false }).command).toBe("npx.cmd");
    const spaced = "C:\\Program Files\\nodejs\\grove.cmd";
    expect(resolveServerCommand(spaced, host).command).toBe(`"${spaced}"`);
  });
});
