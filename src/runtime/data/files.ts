/**
 * @file The file data sources: `csv` (a header row, numeric columns; one column is the integer
 * `label` or the numeric `target`, the others or the listed `features` are the features) and
 * `text` (the bytes of a file cut into windows of `context` tokens, each predicting the next
 * byte). Paths are relative to the `.grove` file. A file that does not fit is a `DataError`
 * naming the file, line and column.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Dataset } from "./types.js";

/** A problem with the user's data file; the message is for the user. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

/** The bytes of a data file; a file that cannot be read is a `DataError` naming it. */
export function readDataFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new DataError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : String(e)}`);
  }
}

export interface CsvOptions {
  readonly label?: string;
  readonly target?: string;
  readonly features?: readonly string[];
}

export function csv(file: string, baseDir: string, o: CsvOptions): Dataset {
  const path = resolve(baseDir, file);
  const lines = readDataFile(path)
    .toString("utf8")
    .split(/\r?\n/)
    .map((l, i) => ({ text: l, line: i + 1 }))
    .filter((l) => l.text.trim() !== "");
  if (lines.length < 2) throw new DataError(`${path}: needs a header row and at least one row`);
  const header = lines[0]!.text.split(",").map((h) => h.trim());
  const column = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new DataError(`${path}: no column \`${name}\`; the columns are ${header.join(", ")}`);
    return i;
  };
  const yName = o.label ?? o.target!;
  const y = column(yName);
  const xs = (o.features ?? header.filter((h) => h !== yName)).map(column);
  const rows = lines.slice(1);
  const features = new Float32Array(rows.length * xs.length);
  const ys = o.label !== undefined ? new Int32Array(rows.length) : new Float32Array(rows.length);
  rows.forEach(({ text, line }, r) => {
    const cells = text.split(",");
    if (cells.length !== header.length)
      throw new DataError(
        `${path}:${line}: ${cells.length} values, but the header has ${header.length}`,
      );
    const num = (c: number) => {
      const v = Number(cells[c]!.trim());
      if (cells[c]!.trim() === "" || !Number.isFinite(v))
        throw new DataError(
          `${path}:${line}: column \`${header[c]}\` holds \`${cells[c]!.trim()}\`, not a number`,
        );
      return v;
    };
    xs.forEach((c, k) => (features[r * xs.length + k] = num(c)));
    const v = num(y);
    if (o.label !== undefined && !(Number.isInteger(v) && v >= 0))
      throw new DataError(
        `${path}:${line}: label \`${yName}\` must be a whole number from 0, got ${v}`,
      );
    ys[r] = v;
  });
  return {
    count: rows.length,
    fields: new Map([
      ["features", { dtype: "f32", perExample: xs.length, data: features }],
      o.label !== undefined
        ? ["label", { dtype: "i32", perExample: 1, data: ys }]
        : ["target", { dtype: "f32", perExample: 1, data: ys }],
    ]),
  };
}

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
