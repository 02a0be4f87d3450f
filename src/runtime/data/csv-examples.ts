/**
 * @file The examples of a CSV file given to `grove predict`: one row per example, and a first row
 * that is a header only when it names the columns the model was trained on.
 *
 * The rule: when the train section's columns are known (`names`: its `features`, or the training
 * CSV's columns but the label and target), the first row is a header exactly when it holds every
 * one of those names, and the examples are those columns in that order. When they are not known,
 * the first row is a header when every cell of it is a name (neither empty nor number-like: not
 * `1.5`, `nan`, `inf`), and the examples are every column but `drop` (label and target columns).
 * Without a header every column is used. Whether the first row parses as numbers never decides:
 * a first row holding `NaN` or an empty cell is data, and refused as such.
 */
import {
  delimiterHint,
  headerNames,
  looksNumeric,
  readCell,
  readCsvRows,
  type CsvRow,
} from "./csv.js";
import { DataError } from "./read-file.js";
import { shown } from "./show.js";

/** What decides the header and the columns (see the file comment). */
export interface CsvColumns {
  /** The columns the model was trained on, when known. */
  readonly names?: readonly string[];
  /** Columns a header without `names` may hold that are not features. */
  readonly drop: ReadonlySet<string>;
}

export interface CsvExamples {
  readonly count: number;
  /** Values per example. */
  readonly width: number;
  readonly values: Float32Array | Int32Array;
  /** The first row, when it was a header. */
  readonly header?: CsvRow;
}

const isName = (cell: string) => cell !== "" && !looksNumeric(cell);

function isHeader(first: CsvRow, columns: CsvColumns): boolean {
  if (columns.names && columns.names.length > 0)
    return columns.names.every((n) => first.cells.includes(n));
  return first.cells.every(isName);
}

/** The indices of the example columns in a header row. */
function headerColumns(path: string, header: CsvRow, columns: CsvColumns): number[] {
  if (!(columns.names && columns.names.length > 0)) {
    const cols = headerNames(path, header).flatMap((h, i) => (columns.drop.has(h) ? [] : [i]));
    if (cols.length === 0)
      throw new DataError(`${path}:${header.line}: the header names no feature columns`);
    return cols;
  }
  return columns.names.map((name) => {
    const i = header.cells.indexOf(name);
    const again = header.cells.indexOf(name, i + 1);
    if (again >= 0)
      throw new DataError(
        `${path}:${header.line}: the header names ${shown(name)} twice (columns ${i + 1} and ${again + 1}); rename one`,
      );
    return i;
  });
}

/** Why a first row holding names is not a header, for a message about that row. */
function notHeaderNote(first: CsvRow, columns: CsvColumns): string {
  if (!first.cells.some(isName)) return "";
  const names = columns.names ?? [];
  const missing = names.filter((n) => !first.cells.includes(n));
  return missing.length > 0
    ? ` (line ${first.line} is not a header: it does not name ${missing.map((n) => shown(n)).join(", ")}, the columns the model was trained on)`
    : ` (line ${first.line} is not a header: every cell of a header must be a column name)`;
}

/**
 * The examples of the CSV file at `path`, each cell read as `kind`; any problem is a `DataError`
 * naming the file, the line and the column.
 */
export function readCsvExamples(
  path: string,
  columns: CsvColumns,
  kind: "f32" | "i32",
): CsvExamples {
  const rows = readCsvRows(path);
  if (rows.length === 0) throw new DataError(`${path} has no rows`);
  const first = rows[0]!;
  const hint = delimiterHint(first);
  const header = isHeader(first, columns) ? rows.shift() : undefined;
  if (rows.length === 0) throw new DataError(`${path} has a header but no rows`);
  const cols = header ? headerColumns(path, header, columns) : first.cells.map((_, i) => i);
  const expected = header
    ? `the header has ${header.cells.length}`
    : `the first row (line ${first.line}) has ${first.cells.length}`;
  const name = (c: number) => (header ? shown(header.cells[c]!) : String(c + 1));
  const values = new (kind === "i32" ? Int32Array : Float32Array)(rows.length * cols.length);
  rows.forEach((row, r) => {
    const fail = (message: string): never => {
      // The delimiter hint, when there is one, explains the first row better.
      const note = row === first && hint === "" ? notHeaderNote(first, columns) : "";
      throw new DataError(`${path}:${row.line}: ${message}${note}${hint}`);
    };
    if (row.cells.length !== (header ?? first).cells.length)
      fail(`${row.cells.length} values, but ${expected}`);
    cols.forEach((c, k) => {
      const v = readCell(row.cells[c]!, kind);
      values[r * cols.length + k] = typeof v === "number" ? v : fail(`column ${name(c)} ${v}`);
    });
  });
  return {
    count: rows.length,
    width: cols.length,
    values,
    ...(header ? { header } : {}),
  };
}
