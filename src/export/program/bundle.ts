/**
 * @file Bundling an exported program's runtime with esbuild: an entry that imports Grove's own
 * modules (the runtime, the training session, the program's driver) becomes one ES module with
 * only the code it reaches. Grove's modules have no import side effects (no bare imports and no
 * top-level calls besides building tables), so the bundle marks them side-effect free: a module
 * none of whose exports is used is left out, which keeps the compiler (reachable from functions an
 * exported program never calls, such as `compilingRunners`) out of it.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

/** The folder of Grove's layers: `src/` (TypeScript) or `dist/` (JavaScript), as this one runs. */
export const groveRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The file of Grove module `path` (`export/node/main`), `.js` in dist/ or `.ts` in src/. */
export function groveModule(path: string): string {
  const js = join(groveRoot, `${path}.js`);
  return existsSync(js) ? js : join(groveRoot, `${path}.ts`);
}

export interface BundleOptions {
  readonly platform: "node" | "browser";
  /** Imports to leave to the host (`webgpu`, `node:*`). */
  readonly external?: readonly string[];
  /** Modules replaced by files (a browser's stand-ins for `node:fs`), by import path. */
  readonly replace?: Readonly<Record<string, string>>;
}

export interface Bundle {
  readonly text: string;
  /** The source files with code in it, relative to the working folder (for tests and reports). */
  readonly inputs: readonly string[];
}

/** Grove's own modules (under `groveRoot`) are side-effect free; see the file comment. */
function groveModulesArePure(): Plugin {
  return {
    name: "grove-modules-are-pure",
    setup(build) {
      build.onResolve({ filter: /^(\.\.?)?\// }, async (args) => {
        if (args.pluginData === "resolving") return undefined;
        const r = await build.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          importer: args.importer,
          pluginData: "resolving",
        });
        if (r.errors.length > 0 || !r.path.startsWith(groveRoot)) return r;
        return { ...r, sideEffects: false };
      });
    },
  };
}

/** Resolves each import path of `files` to its file. */
function replaced(files: Readonly<Record<string, string>>): Plugin {
  const paths = Object.keys(files);
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  return {
    name: "grove-replaced-modules",
    setup(build) {
      if (paths.length === 0) return;
      build.onResolve({ filter: new RegExp(`^(${escaped.join("|")})$`) }, (args) => ({
        path: files[args.path]!,
      }));
    },
  };
}

/** Bundles the entry module `contents` (TypeScript or JavaScript, importing Grove's modules). */
export async function bundle(contents: string, options: BundleOptions): Promise<Bundle> {
  const { build } = await import("esbuild");
  const r = await build({
    stdin: { contents, resolveDir: groveRoot, loader: "ts", sourcefile: "program-entry.ts" },
    bundle: true,
    format: "esm",
    platform: options.platform,
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    legalComments: "none",
    // Blanks and syntax are compacted; names are kept, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    external: [...(options.external ?? [])],
    plugins: [replaced(options.replace ?? {}), groveModulesArePure()],
  });
  const output = Object.values(r.metafile.outputs)[0]!;
  const inputs = Object.entries(output.inputs).filter(([, i]) => i.bytesInOutput > 0);
  return { text: r.outputFiles[0]!.text, inputs: inputs.map(([path]) => path) };
}
