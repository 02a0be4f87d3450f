/**
 * The training session runs in a browser: `src/session/index.ts` bundles with esbuild for the
 * browser without needing any `node:` module, except the runtime's one dynamic `import("node:os")`
 * in `warm.ts`, which only runs in Node. `node.ts` (files, data loading) needs them: the check sees
 * that.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/** Every `node:` import the browser bundle of `entry` would need: `FILE KIND MODULE`. */
async function nodeImports(entry: string): Promise<{ imports: string[]; text: string }> {
  const r = await build({
    entryPoints: [join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // Kept out of the bundle so that each one is listed below instead of failing the build.
    external: ["node:*"],
  });
  const imports = Object.entries(r.metafile.inputs).flatMap(([file, input]) =>
    input.imports
      .filter((i) => i.path.startsWith("node:"))
      .map((i) => `${file} ${i.kind} ${i.path}`),
  );
  return { imports, text: r.outputFiles[0]!.text };
}

it("bundles src/session/index.ts for the browser with no node: module", async () => {
  const { imports, text } = await nodeImports("src/session/index.ts");
  expect(imports).toEqual(["src/runtime/warm.ts dynamic-import node:os"]);
  expect(text).not.toMatch(/(from|import|require\()\s*["']node:(?!os["'])/);
  expect(text).toMatch(/var Trainer = class/);
});

it("sees the node: modules of the Node binding", async () => {
  const { imports } = await nodeImports("src/session/node.ts");
  expect(imports).toContain("src/runtime/checkpoint.ts import-statement node:fs");
  expect(imports).toContain("src/runtime/checkpoint-store.ts import-statement node:fs");
});
