/**
 * The exported programs' data readers (`export/program/sources.ts`) against `grove train`'s
 * `loadData`, the oracle: for every data source, the same splits from the same arguments (the
 * program's files written by `exportData`), and every reader the module is said to export.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ArgValue } from "../../src/ops/call-schema.js";
import { dataSourceNames, dataSources, type DataSourceName } from "../../src/ops/data-sources.js";
import type { CallSpec } from "../../src/parser/check/values.js";
import { exportData } from "../../src/export/program/data-files.js";
import * as sources from "../../src/export/program/sources.js";
import { readerExport, type SourceReaders } from "../../src/export/program/sources.js";
import { loadData, type Dataset, type Splits } from "../../src/runtime/data/index.js";

// Every `NAMESource` the table names is a reader this module exports (a compile-time check).
const readers: SourceReaders = sources;

const examples = resolve(import.meta.dirname, "../../examples/data");
const fixtures = resolve(import.meta.dirname, "../fixtures/data");

/** Each source's arguments beyond its defaults, and the folder its paths start from. */
const given: { readonly [N in DataSourceName]: [Record<string, ArgValue>, string] } = {
  mnist: [{ split: "test", validate: 0.1 }, "."],
  idx: [{ images: "images-idx3-ubyte.gz", labels: "labels-idx1-ubyte.gz" }, fixtures],
  csv: [{ path: "housing.csv", target: "price", validate: 0.2 }, examples],
  npy: [{ features: "features.npy", labels: "labels.npy", validate: 0.25 }, fixtures],
  spirals: [{ n: 60, classes: 4, validate: 0.5 }, "."],
  xor: [{ n: 40 }, "."],
  sine: [{ n: 30, noise: 0.2 }, "."],
  text: [{ path: "tiny-shakespeare.txt", context: 16, validate: 0.1 }, examples],
};

/** `name` with `args` and every default filled in, as the checker binds it. */
function spec(name: DataSourceName, args: Record<string, ArgValue>): CallSpec<DataSourceName> {
  const full: Record<string, ArgValue> = {};
  for (const [k, rule] of Object.entries(dataSources[name].args))
    if ("default" in rule) full[k] = rule.default;
  return { name, args: { ...full, ...args }, span: {} as CallSpec["span"] };
}

const fieldsOf = (d: Dataset | undefined) =>
  d && {
    count: d.count,
    fields: [...d.fields].map(([k, f]) => [k, f.dtype, f.perExample, Array.from(f.data)]),
  };
const splitsOf = (s: Splits) => [s.train, s.validation, s.test].map(fieldsOf);

describe("an exported program reads its data as grove train does", () => {
  for (const name of dataSourceNames)
    it(name, () => {
      const [args, dir] = given[name];
      const s = spec(name, args);
      const seed = 7;
      const out = mkdtempSync(join(tmpdir(), "grove-sources-"));
      const program = exportData(s, dir, out);
      const read = readers[readerExport(name)!];
      expect(splitsOf(read(program, out, seed))).toEqual(splitsOf(loadData(s, seed, dir)));
      // A gzip-compressed file is only written for a source whose reader takes them (a page
      // gunzips those as it fetches them: `gzipFiles`).
      const gzip = program.files.some((f) => readFileSync(join(out, f)).readUInt16BE(0) === 0x1f8b);
      if (gzip) expect(program.gzipFiles).toBe(true);
      expect(program.gzipFiles === true).toBe(name === "mnist" || name === "idx");
    });
});

it("no reader for a name that is not a data source", () => {
  expect(readerExport("parquet")).toBeUndefined();
  expect(readerExport("toString")).toBeUndefined();
});
