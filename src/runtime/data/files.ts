/**
 * @file The `text` data source (the bytes of a file cut into windows of `context` tokens, each
 * predicting the next byte; the path is relative to the `.grove` file), and the place the
 * readers' shared pieces are exported from: `DataError`, `readDataFile` and the `csv` source
 * (`csv.ts`).
 */
import { resolve } from "node:path";
import { DataError, readDataFile } from "./read-file.js";
import type { Dataset } from "./types.js";

export { DataError, readDataFile } from "./read-file.js";
export { csv, type CsvOptions } from "./csv.js";

/** Non-overlapping windows of `context` bytes; `targets` is each window shifted by one byte. */
export function text(file: string, baseDir: string, context: number): Dataset {
  const path = resolve(baseDir, file);
  const bytes = readDataFile(path);
  const count = Math.floor((bytes.length - 1) / context);
  if (count < 1)
    throw new DataError(`${path}: ${bytes.length} bytes is too short for a context of ${context}`);
  const tokens = new Int32Array(count * context);
  const targets = new Int32Array(count * context);
  for (let i = 0; i < count; i++)
    for (let j = 0; j < context; j++) {
      tokens[i * context + j] = bytes[i * context + j]!;
      targets[i * context + j] = bytes[i * context + j + 1]!;
    }
  return {
    count,
    fields: new Map([
      ["tokens", { dtype: "i32", perExample: context, data: tokens }],
      ["targets", { dtype: "i32", perExample: context, data: targets }],
    ]),
  };
}
