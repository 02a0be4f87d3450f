/**
 * @file The data of an exported program, written into its `data/` folder: the files a source
 * reads (its arguments marked `file` in `ops/data-sources.ts`), copied under names safe on any
 * file system and in any code (`[A-Za-z0-9._-]`, made unique); the `mnist` source as IDX files
 * (float32 images exactly as `grove train` reads them, u8 labels, gzip-compressed; `mnistFiles`
 * names them); nothing for a synthetic set, which is drawn from the seed. The source's arguments
 * are rewritten to the new names.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { mnist } from "../../runtime/data/mnist.js";
import type { Dataset } from "../../runtime/data/types.js";
import {
  dataSources,
  fileArgs,
  type DataSourceName,
  type SourceSchema,
} from "../../ops/data-sources.js";
import type { CallSpec } from "../../parser/check/values.js";
import type { ProgramData } from "./program.js";
import { mnistFiles } from "./sources.js";

/** A file name of `[A-Za-z0-9._-]` for `path`, not starting with a dot and not in `taken`. */
export function safeName(path: string, taken: ReadonlySet<string>): string {
  const ext = extname(path).replace(/[^A-Za-z0-9.]/g, "_");
  const stem = basename(path, extname(path))
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, "");
  const base = stem || "data";
  for (let k = 1; ; k++) {
    const name = `${base}${k > 1 ? `-${k}` : ""}${ext}`;
    if (!taken.has(name)) return name;
  }
}

/** `gzipFiles` for a source whose reader takes gzip-compressed files. */
function gzipped(name: DataSourceName): Pick<ProgramData, "gzipFiles"> {
  const source: Pick<SourceSchema, "gzipFiles"> = dataSources[name];
  return source.gzipFiles ? { gzipFiles: true } : {};
}

/**
 * The program's view of data source `spec` (paths relative to `baseDir`, the `.grove` file's
 * folder), writing its files into `dataDir` unless that is undefined (`--no-data`).
 */
export function exportData(
  spec: CallSpec<DataSourceName>,
  baseDir: string,
  dataDir: string | undefined,
): ProgramData {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  if (spec.name === "mnist") return exportMnist(spec, dataDir);
  const args: Record<string, ProgramData["args"][string]> = { ...spec.args };
  const files: string[] = [];
  for (const key of fileArgs(spec.name)) {
    const path = spec.args[key];
    if (typeof path !== "string") continue;
    const name = safeName(path, new Set(files));
    if (dataDir !== undefined) copyFileSync(resolve(baseDir, path), join(dataDir, name));
    args[key] = name;
    files.push(name);
  }
  return { source: spec.name, args, files, included: dataDir !== undefined, ...gzipped(spec.name) };
}

function exportMnist(spec: CallSpec, dataDir: string | undefined): ProgramData {
  const split = spec.args.split === "test" ? "test" : "train";
  const files = mnistFiles(split);
  const write = (names: readonly [string, string], set: Dataset) => {
    if (dataDir === undefined) return;
    const image = set.fields.get("image")!;
    const label = set.fields.get("label")!;
    const side = Math.round(Math.sqrt(image.perExample));
    writeFileSync(
      join(dataDir, names[0]),
      gzipSync(encodeIdx(0x0d, [set.count, side, side], image.data)),
    );
    writeFileSync(join(dataDir, names[1]), gzipSync(encodeIdx(0x08, [set.count], label.data)));
  };
  write(files.data, mnist(split));
  if (files.test) write(files.test, mnist("test"));
  return {
    source: "mnist",
    args: { ...spec.args },
    files: [...files.data, ...(files.test ?? [])],
    included: dataDir !== undefined,
    ...gzipped("mnist"),
  };
}

/** An IDX file of `values` with `shape`: type 0x0d (f32, big-endian) or 0x08 (u8). */
export function encodeIdx(
  type: 0x0d | 0x08,
  shape: readonly number[],
  values: ArrayLike<number>,
): Uint8Array {
  const size = type === 0x0d ? 4 : 1;
  const start = 4 + 4 * shape.length;
  const bytes = new Uint8Array(start + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++)
    if (type === 0x0d) view.setFloat32(start + 4 * i, values[i]!, false);
    else bytes[start + i] = values[i]!;
  return bytes;
}
