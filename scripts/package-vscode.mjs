/**
 * @file Packages the VS Code extension (editors/vscode) as a .vsix, offline: stages the
 * manifest, the language configuration, the extension's README and a copy of
 * grammar/grove.tmLanguage.json (the one source of truth) in OUT_DIR/vscode-extension, bundles
 * the client with esbuild into out/extension.js (vscode-languageclient inside, `vscode` left to
 * the editor), then runs `vsce package --allow-missing-repository --no-dependencies
 * --skip-license`. Usage: node scripts/package-vscode.mjs [--out-dir DIR] (default: dist).
 * Prints the .vsix path.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "editors", "vscode");

/** Files copied into the package as they are: [from, to inside the staged extension]. */
const copies = [
  [join(source, "package.json"), "package.json"],
  [join(source, "language-configuration.json"), "language-configuration.json"],
  [join(source, "README.md"), "README.md"],
  [join(root, "grammar", "grove.tmLanguage.json"), "syntaxes/grove.tmLanguage.json"],
];

function parseOutDir(argv) {
  const at = argv.indexOf("--out-dir");
  if (at === -1) return join(root, "dist");
  const dir = argv[at + 1];
  if (dir === undefined || dir.startsWith("--")) fail("--out-dir needs a folder");
  return resolve(dir);
}

function fail(message) {
  console.error(`package-vscode: ${message}`);
  process.exit(1);
}

function stageFiles(stage) {
  rmSync(stage, { recursive: true, force: true });
  for (const [from, to] of copies) {
    mkdirSync(dirname(join(stage, to)), { recursive: true });
    copyFileSync(from, join(stage, to));
  }
}

async function bundleClient(stage) {
  await build({
    entryPoints: [join(source, "src", "extension.ts")],
    outfile: join(stage, "out", "extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    minify: true,
    logLevel: "warning",
  });
}

function runVsce(stage, vsix) {
  const require = createRequire(import.meta.url);
  const vsce = join(dirname(require.resolve("@vscode/vsce/package.json")), "vsce");
  const args = ["package", "--allow-missing-repository", "--no-dependencies", "--skip-license"];
  const result = spawnSync(process.execPath, [vsce, ...args, "--out", vsix], {
    cwd: stage,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) fail(`vsce package failed (exit ${result.status ?? result.signal})`);
}

const outDir = parseOutDir(process.argv.slice(2));
const { name, version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
const stage = join(outDir, "vscode-extension");
const vsix = join(outDir, `${name}-${version}.vsix`);
stageFiles(stage);
await bundleClient(stage);
runVsce(stage, vsix);
console.log(vsix);
