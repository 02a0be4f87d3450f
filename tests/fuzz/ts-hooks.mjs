/**
 * @file Node module hooks that let plain Node (a worker thread, `scripts/fuzz.mjs`) import the
 * TypeScript sources directly, as vitest does: a `.js` specifier with no file behind it resolves
 * to the `.ts` file beside it, and `.ts` files are transpiled with vite's `transformWithOxc`
 * (types stripped, nothing checked; `tsc` does the checking). Registered by `register-ts.mjs`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

let transform;

export async function resolve(specifier, context, next) {
  if (specifier.endsWith(".js") && (specifier.startsWith(".") || specifier.startsWith("file:"))) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const ts = new URL(url.href.replace(/\.js$/, ".ts"));
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  transform ??= (await import("vite")).transformWithOxc;
  const path = fileURLToPath(url);
  const r = await transform(await readFile(path, "utf8"), path, { sourcemap: true });
  const map = Buffer.from(JSON.stringify(r.map)).toString("base64");
  const source = `${r.code}\n//# sourceMappingURL=data:application/json;base64,${map}\n`;
  return { format: "module", source, shortCircuit: true };
}
