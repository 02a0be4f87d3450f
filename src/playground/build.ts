/**
 * @file Builds the playground, a static site (`npm run build:playground`, or `buildPlayground` in
 * tests): `index.html`, `playground.js` (the page's program with CodeMirror, Grove's checker,
 * compiler, runtime and training session, bundled by esbuild for the browser: the checker reads
 * files through an in-memory host, and the data readers' `node:fs`, `node:path` and `node:zlib`
 * are the exported page's stand-ins), `files.json` (std/ and the examples) and the built-in data
 * under `examples/` (the example data files, and a subset of MNIST as gzip-compressed IDX files).
 * Served by `grove serve DIR` or any static server.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../export/program/data-files.js";
import { browserBundle } from "../export/browser/write.js";
import { groveModule, groveRoot } from "../export/program/bundle.js";
import { mnistFiles } from "../export/program/sources.js";
import { groveVersion } from "../export/program/version.js";
import { safeJson } from "../export/program/text.js";
import { mnist } from "../runtime/data/mnist.js";
import { subset, type Dataset } from "../runtime/data/types.js";
import { EXAMPLES_DIR, type PlaygroundFiles } from "./analyse.js";
import { MNIST_PAGE_TEST, MNIST_PAGE_TRAIN, pageDataFiles } from "./data.js";
import { playgroundHtml } from "./page.js";

/** The repository (or package) root: above `src/` or `dist/`. */
const root = join(groveRoot, "..");

export interface PlaygroundBuild {
  readonly files: readonly string[];
  /** Bytes of `playground.js`. */
  readonly scriptBytes: number;
  /** The source files with code in the bundle, relative to the working folder. */
  readonly inputs: readonly string[];
}

/** The page's program: `startPlayground`, bundled for the browser. */
export async function playgroundScript() {
  const entry =
    `import { startPlayground } from ${JSON.stringify(groveModule("playground/app"))};\n` +
    "void startPlayground();\n";
  return browserBundle(entry);
}

const groveFiles = (dir: string): [string, string][] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".grove"))
    .sort()
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]);

/** The first `count` examples of `set`. */
const first = (set: Dataset, count: number) =>
  subset(
    set,
    Int32Array.from({ length: Math.min(count, set.count) }, (_, i) => i),
  );

/** The page's MNIST digits as gzip IDX files: pixels as u8 (the reader divides by 255). */
function writeMnist(dir: string): string[] {
  const files = mnistFiles("train");
  const pairs = [
    [files.data, first(mnist("train"), MNIST_PAGE_TRAIN)],
    [files.test!, first(mnist("test"), MNIST_PAGE_TEST)],
  ] as const;
  for (const [[images, labels], set] of pairs) {
    const image = set.fields.get("image")!.data;
    const pixels = Uint8Array.from(image, (v) => Math.round(v * 255));
    writeFileSync(join(dir, images), gzipSync(encodeIdx(0x08, [set.count, 28, 28], pixels)));
    writeFileSync(
      join(dir, labels),
      gzipSync(encodeIdx(0x08, [set.count], set.fields.get("label")!.data)),
    );
  }
  return pairs.flatMap(([names]) => [...names]);
}

/** Writes the site into `out` (created). */
export async function buildPlayground(out: string): Promise<PlaygroundBuild> {
  const examples = join(out, EXAMPLES_DIR);
  mkdirSync(join(examples, "data"), { recursive: true });
  const script = await playgroundScript();
  const grove = groveVersion();
  const version = grove.commit ? `${grove.version} (${grove.commit})` : grove.version;
  const files: PlaygroundFiles = {
    std: groveFiles(join(root, "std")),
    examples: groveFiles(join(root, "examples")),
  };
  const head =
    `// playground.js: the Grove ${version.replace(/[^\w.() -]/g, "")} playground (editor, checker, compiler, runtime and\n` +
    "// training session), bundled with esbuild from Grove's source by src/playground/build.ts.\n";
  const written: [string, string][] = [
    ["index.html", playgroundHtml(version)],
    ["playground.js", head + script.text],
    ["files.json", safeJson(files)],
  ];
  for (const [name, text] of written) writeFileSync(join(out, name), text);
  const data = writeMnist(examples);
  for (const f of pageDataFiles)
    if (!data.includes(f.name))
      copyFileSync(join(root, EXAMPLES_DIR, f.name), join(examples, f.name));
  return {
    files: [...written.map(([n]) => n), ...pageDataFiles.map((f) => `${EXAMPLES_DIR}/${f.name}`)],
    scriptBytes: Buffer.byteLength(script.text),
    inputs: script.inputs,
  };
}

/** `node scripts/build-playground.mjs [OUT]`: the default folder is `dist/playground-site`. */
export const defaultOut = join(root, "dist", "playground-site");
