/**
 * @file CSV files: the rows of a file (RFC 4180, parsed by `csv-parse`), the numbers in their
 * cells, and the `csv` data source.
 *
 * Rows: comma-separated; a field in double quotes may hold commas, line breaks and doubled
 * quotes (`"a ""b"""`); spaces around a field are dropped; a UTF-8 byte-order mark, CRLF or CR
 * line ends and blank lines are accepted. Each row keeps the line it starts on. A row that has no
 * comma but a `;` or a tab gets a hint that the file uses another delimiter.
 *
 * Cells: a number is written in decimal (`-1.5`, `.5`, `2e-3`); an empty cell, `NaN`, `inf`,
 * anything else, or a value beyond the float32 range (`1e39`) is refused, and a label must be a
 * whole number from 0 that fits in 32 bits. Every message names the file, the line and the
 * column and shows the cell as written (through `shown`).
 *
 * The source: `csv(file, baseDir, {label | target, features?, classes?})` reads a header row
 * (names unquoted; a duplicated or empty name is refused), then one example per row.
 *
 * Categorical labels: a label column whose cells are not all numbers holds class names. The
 * distinct names, sorted by UTF-16 code units (`"B" < "a" < "b"`), are numbered from 0, and the
 * dataset carries them as `classes`; a cell that reads as a number in such a column is a name
 * too (`"10" < "9"`). Given `classes` (a checkpoint's mapping, for eval and resume), every cell is
 * a name looked up in it, and a name it lacks is refused.
 */
import { resolve } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { DataError, readDataFile } from "./read-file.js";
import { shown } from "./show.js";
import type { Dataset } from "./types.js";

/** One row of a CSV file: its cells (unquoted, trimmed) and the line it starts on. */
export interface CsvRow {
  readonly cells: readonly string[];
  readonly line: number;
}

// ---------------------------------------------------------------------------------------------
// Rows

const PARSE_OPTIONS = {
  bom: true,
  trim: true,
  skip_empty_lines: true,
  relax_column_count: true,
  record_delimiter: "\n",
} as const;

const newlines = (cell: string) => cell.split("\n").length - 1;

/** What to tell the user for each `csv-parse` error code; `line` is where parsing stopped. */
const PARSE_FAILURES: Readonly<Record<string, (e: CsvError, opened: number) => string>> = {
  CSV_QUOTE_NOT_CLOSED: (_, opened) =>
    `${opened}: a quoted field that starts on this line or after it is never closed`,
  INVALID_OPENING_QUOTE: (e) =>
    `${e.lines}: a \`"\` inside an unquoted field; quote the whole field and double the quotes in it (\`"a ""b"""\`)`,
  CSV_INVALID_CLOSING_QUOTE: (e) =>
    `${e.lines}: text after a closing quote; a quoted field ends at a comma or the end of the line`,
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: (e) =>
    `${e.lines}: text after a closing quote; a quoted field ends at a comma or the end of the line`,
};

/**
 * The non-blank rows of the CSV file at `path` (at most `limit`), each with the line it starts
 * on; a file that is not valid CSV is a `DataError` naming the file and line.
 */
export function readCsvRows(path: string, limit?: number): CsvRow[] {
  // One line end for the parser (so line numbers count every kind), whatever the file mixes.
  const text = readDataFile(path).toString("utf8").replace(/\r\n?/g, "\n");
  const ends: number[] = [];
  try {
    const records = parse(text, {
      ...PARSE_OPTIONS,
      ...(limit !== undefined ? { to: limit } : {}),
      on_record: (cells: string[], context: { lines: number }) => {
        ends.push(context.lines);
        return cells;
      },
    });
    // A row ends on `lines`; it starts as many lines before as its quoted cells hold line breaks.
    return records.map((cells, r) => ({
      cells,
      line: ends[r]! - cells.reduce((n, c) => n + newlines(c), 0),
    }));
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const rule = PARSE_FAILURES[e.code];
    const where = rule
      ? rule(e, (ends.at(-1) ?? 0) + 1)
      : `${e.lines}: ${e.message.split("\n")[0]}`;
    throw new DataError(`${path}:${where}`);
  }
}

/** The cells of the first row of the CSV file at `path`; undefined if it cannot be read. */
export function readCsvHeader(path: string): readonly string[] | undefined {
  try {
    return readCsvRows(path, 1)[0]?.cells;
  } catch (e) {
    if (e instanceof DataError) return undefined;
    throw e;
  }
}

/**
 * A hint for a row read as one cell that holds a `;` or a tab (a semicolon- or tab-separated
 * file), to append to a message; empty otherwise.
 */
export function delimiterHint(row: CsvRow): string {
  if (row.cells.length !== 1) return "";
  const other = [";", "\t"].find((d) => row.cells[0]!.includes(d));
  if (other === undefined) return "";
  return ` (line ${row.line} has no comma but ${shown(other)}: Grove reads comma-separated files; convert the file to commas)`;
}

/**
 * The column names of a header row; a name given twice or an empty name is a `DataError`
 * naming the file, the line and both columns.
 */
export function headerNames(path: string, header: CsvRow): string[] {
  const names = [...header.cells];
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === "")
      throw new DataError(
        `${path}:${header.line}: column ${i + 1} of the header has no name (name it, or remove the column)`,
      );
    const before = first.get(name);
    if (before !== undefined)
      throw new DataError(
        `${path}:${header.line}: the header names ${shown(name)} twice (columns ${before + 1} and ${i + 1}); rename one`,
      );
    first.set(name, i);
  });
  return names;
}

// ---------------------------------------------------------------------------------------------
// Cells

/** What a cell must hold: any float32, a class label, or any 32-bit integer. */
export type CellKind = "f32" | "label" | "i32";

const I32_MAX = 2 ** 31 - 1;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** The whole numbers each integer kind takes, as the message says it. */
const INTEGER_RANGES: Readonly<Record<Exclude<CellKind, "f32">, [number, number, string]>> = {
  label: [0, I32_MAX, "a label must be a whole number from 0 to 2147483647"],
  i32: [-(2 ** 31), I32_MAX, "the model takes whole numbers from -2147483648 to 2147483647"],
};

/** True when `cell` reads as a number (or a non-finite one), so it cannot be a column name. */
export const looksNumeric = (cell: string): boolean => DECIMAL.test(cell) || NON_FINITE.test(cell);

/**
 * The number in `cell`, or what is wrong with it (`is empty`, `holds \`x\`, not a number`), to
 * follow `column ...` in a message.
 */
export function readCell(cell: string, kind: CellKind): number | string {
  if (cell === "") return "is empty";
  if (NON_FINITE.test(cell)) return `holds ${shown(cell)}; data must be finite numbers`;
  if (!DECIMAL.test(cell)) return `holds ${shown(cell)}, not a number`;
  const value = Number(cell);
  if (kind === "f32")
    return !Number.isFinite(Math.fround(value))
      ? `holds ${shown(cell)}, beyond the float32 range (largest magnitude 3.4028235e38)`
      : value;
  const [min, max, rule] = INTEGER_RANGES[kind];
  return Number.isInteger(value) && value >= min && value <= max
    ? value
    : `holds ${shown(cell)}, but ${rule}`;
}

// ---------------------------------------------------------------------------------------------
// The `csv` source

export interface CsvOptions {
  readonly label?: string;
  readonly target?: string;
  readonly features?: readonly string[];
  /** The class names of a categorical label column, in class order (from a checkpoint). */
  readonly classes?: readonly string[];
}

/** The most distinct class names a categorical label column may hold. */
export const MAX_CLASSES = 65_536;

/** Code-unit order, the same on every machine and locale. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The class names of a label column (column `y` of `data`), sorted, when some cell is not a
 * number; undefined for a numeric column.
 */
function classNames(data: readonly CsvRow[], y: number): string[] | undefined {
  const cells = data.map((row) => row.cells[y] ?? "");
  if (cells.every((c) => c === "" || looksNumeric(c))) return undefined;
  return [...new Set(cells.filter((c) => c !== ""))].sort(byCodeUnits);
}

/** A reader of one categorical label cell: its class number, or what is wrong with it. */
function classReader(
  classes: readonly string[],
  given: boolean,
): (cell: string) => number | string {
  const index = new Map(classes.map((name, i) => [name, i]));
  const listed = classes
    .slice(0, 8)
    .map((c) => shown(c))
    .join(", ");
  const more = classes.length > 8 ? `, ... (${classes.length} in all)` : "";
  return (cell) => {
    if (cell === "") return "is empty";
    const i = index.get(cell);
    if (i !== undefined) return i;
    return given
      ? `holds ${shown(cell)}, a class the checkpoint was not trained on; its classes are ${listed}${more}`
      : `holds ${shown(cell)}, not a class`;
  };
}

/** A header row, then one example per row: `features` and a `label` or a `target` column. */
export function csv(file: string, baseDir: string, o: CsvOptions): Dataset {
  const path = resolve(baseDir, file);
  const rows = readCsvRows(path);
  if (rows.length < 2) throw new DataError(`${path}: needs a header row and at least one row`);
  const header = headerNames(path, rows[0]!);
  const hint = delimiterHint(rows[0]!);
  const fail = (at: string, message: string): never => {
    throw new DataError(`${path}${at}: ${message}${hint}`);
  };
  const column = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0)
      fail(
        "",
        `no column ${shown(name)}; the columns are ${header.map((h) => shown(h)).join(", ")}`,
      );
    return i;
  };
  const yName = o.label ?? o.target!;
  const y = column(yName);
  const xs = (o.features ?? header.filter((h) => h !== yName)).map(column);
  const data = rows.slice(1);
  const classes = o.label !== undefined ? (o.classes ?? classNames(data, y)) : undefined;
  if (classes && classes.length > MAX_CLASSES)
    fail(
      "",
      `the label column ${shown(yName)} holds ${classes.length} distinct names; a categorical label takes at most ${MAX_CLASSES} classes (is it the right column?)`,
    );
  const classOf = classes && classReader(classes, o.classes !== undefined);
  const features = new Float32Array(data.length * xs.length);
  const ys = o.label !== undefined ? new Int32Array(data.length) : new Float32Array(data.length);
  const yKind: CellKind = o.label !== undefined ? "label" : "f32";
  data.forEach(({ cells, line }, r) => {
    if (cells.length !== header.length)
      fail(`:${line}`, `${cells.length} values, but the header has ${header.length}`);
    const num = (c: number, kind: CellKind) => {
      const v = readCell(cells[c]!, kind);
      return typeof v === "number" ? v : fail(`:${line}`, `column ${shown(header[c]!)} ${v}`);
    };
    xs.forEach((c, k) => (features[r * xs.length + k] = num(c, "f32")));
    if (!classOf) ys[r] = num(y, yKind);
    else {
      const k = classOf(cells[y]!);
      ys[r] = typeof k === "number" ? k : fail(`:${line}`, `column ${shown(yName)} ${k}`);
    }
  });
  return {
    count: data.length,
    ...(classes ? { classes } : {}),
    fields: new Map([
      ["features", { dtype: "f32", perExample: xs.length, data: features }],
      o.label !== undefined
        ? ["label", { dtype: "i32", perExample: 1, data: ys }]
        : ["target", { dtype: "f32", perExample: 1, data: ys }],
    ]),
  };
}
