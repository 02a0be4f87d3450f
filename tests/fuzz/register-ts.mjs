/**
 * @file Import this first (`--import`, or before any `.ts` import) to load the TypeScript
 * sources in plain Node through `ts-hooks.mjs` (stack traces point into the `.ts` files).
 */
import { register } from "node:module";

process.setSourceMapsEnabled(true);
register("./ts-hooks.mjs", import.meta.url);
