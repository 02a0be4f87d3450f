/**
 * CSV files: RFC 4180 rows through csv-parse (quoting, escaped quotes, line breaks in fields, BOM,
 * CRLF), the delimiter hint, numbers in cells (labels that must be 32-bit whole numbers, values
 * that must be finite float32), duplicated header names, `grove predict`'s header rule, and how
 * messages show invisible characters. Every refusal is a DataError of one line naming the file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csv, DataError } from "../../src/runtime/data/files.js";
import { readCell, readCsvRows } from "../../src/runtime/data/csv.js";
import { readCsvExamples, type CsvColumns } from "../../src/runtime/data/csv-examples.js";
import { shown } from "../../src/runtime/data/show.js";

const dir = mkdtempSync(join(tmpdir(), "grove-csv-"));
let serial = 0;
/** A new file holding `contents`; its full path. */
const file = (contents: string | Buffer) => {
  const path = join(dir, `f${serial++}.csv`);
  writeFileSync(path, contents);
  return path;
};

/** The DataError `run` throws: one line, starting with the file's path. */
function refusal(run: () => unknown, path: string): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    expect(message.startsWith(path)).toBe(true);
    return message.slice(path.length);
  }
  throw new Error("expected a DataError");
}

const values = (d: ReturnType<typeof csv>, field: string) => Array.from(d.fields.get(field)!.data);

describe("CSV rows (RFC 4180)", () => {
  it("unquote fields holding commas, doubled quotes and line breaks, keeping each row's line", () => {
    const path = file('"a","b, c"\n1,"2 ""x"""\n3,"multi\nline\nfield"\n4,5\n');
    expect(readCsvRows(path)).toEqual([
      { cells: ["a", "b, c"], line: 1 },
      { cells: ["1", '2 "x"'], line: 2 },
      { cells: ["3", "multi\nline\nfield"], line: 3 },
      { cells: ["4", "5"], line: 6 },
    ]);
  });

  it("read a BOM, CRLF and CR line ends, spaces around fields and blank lines alike", () => {
    const rows = [
      ["x,y\n1,2\n3,4\n", "plain"],
      ["\ufeffx,y\r\n1,2\r\n3,4\r\n", "BOM and CRLF"],
      ["x,y\r1,2\r3,4", "CR, no final line end"],
      [" x , y \n\n1 , 2\n  \n3,4\n\n", "spaces and blank lines"],
    ];
    for (const [contents] of rows) {
      const d = csv(file(contents!), dir, { target: "y" });
      expect(values(d, "features")).toEqual([1, 3]);
      expect(values(d, "target")).toEqual([2, 4]);
    }
    expect(readCsvRows(file("a,b\r\n\r\n1,2\r\n"))[1]!.line).toBe(3);
  });

  it("take quoted header names without their quotes, commas and all", () => {
    const d = csv(file('"size, m2","rooms","price"\n"50",2,100\n'), dir, {
      target: "price",
      features: ["size, m2", "rooms"],
    });
    expect(values(d, "features")).toEqual([50, 2]);
    expect(values(d, "target")).toEqual([100]);
  });

  it("refuse broken quoting in one line naming the file and line", () => {
    const cases: [string, string][] = [
      [
        'x,y\n1,2\n3,"4\n5,6\n',
        ":3: a quoted field that starts on this line or after it is never closed",
      ],
      [
        'x,y\n1,2\n3,4"5"\n',
        ':3: a `"` inside an unquoted field; quote the whole field and double the quotes in it (`"a ""b"""`)',
      ],
      [
        'x,y\n"1"2,3\n',
        ":2: text after a closing quote; a quoted field ends at a comma or the end of the line",
      ],
    ];
    for (const [contents, message] of cases) {
      const path = file(contents);
      expect(refusal(() => csv(path, dir, { target: "y" }), path)).toBe(message);
    }
  });

  it("hint at the delimiter when a row has no comma but a semicolon or a tab", () => {
    const semi = file("x;y\n1;2\n");
    expect(refusal(() => csv(semi, dir, { target: "y" }), semi)).toBe(
      ": no column `y`; the columns are `x;y` (line 1 has no comma but `;`: Grove reads comma-separated files; convert the file to commas)",
    );
    const tab = file("x\ty\n1\t2\n");
    expect(refusal(() => csv(tab, dir, { target: "y" }), tab)).toBe(
      ": no column `y`; the columns are `x\\ty` (line 1 has no comma but `\\t`: Grove reads comma-separated files; convert the file to commas)",
    );
    // A header whose names are right, in a semicolon file (a European export).
    const euro = file("x,y\n1;5,2\n");
    expect(refusal(() => csv(euro, dir, { target: "y" }), euro)).toBe(
      ":2: column `x` holds `1;5`, not a number",
    );
  });
});

describe("numbers in CSV cells", () => {
  it("read decimal numbers and whole-number labels", () => {
    for (const [cell, value] of [
      ["1", 1],
      ["-2.5", -2.5],
      [".5", 0.5],
      ["+3.", 3],
      ["2e-3", 0.002],
      ["3.4e38", 3.4e38],
    ] as const)
      expect(readCell(cell, "f32")).toBe(value);
    expect(readCell("4", "label")).toBe(4);
    expect(readCell("4.0", "label")).toBe(4);
    expect(readCell("2147483647", "label")).toBe(2 ** 31 - 1);
    expect(readCell("-2147483648", "i32")).toBe(-(2 ** 31));
  });

  it("refuse a label that is not a 32-bit whole number from 0, showing it as written", () => {
    for (const label of ["4294967297", "1e20", "2147483648", "2.5", "-1", "1E10"]) {
      const path = file(`x,y\n1,0\n2,${label}\n`);
      expect(refusal(() => csv(path, dir, { label: "y" }), path)).toBe(
        `:3: column \`y\` holds \`${label}\`, but a label must be a whole number from 0 to 2147483647`,
      );
    }
  });

  it("refuse values that are not finite float32 numbers, and empty cells", () => {
    const cases: [string, string][] = [
      ["1e39", "holds `1e39`, beyond the float32 range (largest magnitude 3.4028235e38)"],
      ["-1e39", "holds `-1e39`, beyond the float32 range (largest magnitude 3.4028235e38)"],
      ["NaN", "holds `NaN`; data must be finite numbers"],
      ["inf", "holds `inf`; data must be finite numbers"],
      ["-Infinity", "holds `-Infinity`; data must be finite numbers"],
      ["", "is empty"],
      ['""', "is empty"],
      ["0x10", "holds `0x10`, not a number"],
      ["1 2", "holds `1 2`, not a number"],
    ];
    for (const [cell, problem] of cases) {
      const path = file(`a,b,y\n1,2,3\n4,${cell},6\n`);
      expect(refusal(() => csv(path, dir, { target: "y" }), path)).toBe(
        `:3: column \`b\` ${problem}`,
      );
    }
    // In the target column too.
    const path = file("a,y\n1,1e39\n");
    expect(refusal(() => csv(path, dir, { target: "y" }), path)).toBe(
      ":2: column `y` holds `1e39`, beyond the float32 range (largest magnitude 3.4028235e38)",
    );
  });

  it("show invisible characters in cells escaped", () => {
    const path = file("x,y\n1\u0000,2\n");
    expect(refusal(() => csv(path, dir, { target: "y" }), path)).toBe(
      ":2: column `x` holds `1\\u0000`, not a number",
    );
    // A no-break space as a thousands separator (a French export).
    const nbsp = file("x,y\n1\u00a0000,2\n");
    expect(refusal(() => csv(nbsp, dir, { target: "y" }), nbsp)).toBe(
      ":2: column `x` holds `1\\u00a0000`, not a number",
    );
  });
});

describe("CSV headers", () => {
  it("refuse a name given twice, naming both columns, and a column without a name", () => {
    const twice = file("x,y,x\n1,2,3\n");
    expect(refusal(() => csv(twice, dir, { target: "y" }), twice)).toBe(
      ":1: the header names `x` twice (columns 1 and 3); rename one",
    );
    const quoted = file('"x",y,x\n1,2,3\n');
    expect(refusal(() => csv(quoted, dir, { target: "y" }), quoted)).toBe(
      ":1: the header names `x` twice (columns 1 and 3); rename one",
    );
    const unnamed = file(",x,y\n0,1,2\n");
    expect(refusal(() => csv(unnamed, dir, { target: "y" }), unnamed)).toBe(
      ":1: column 1 of the header has no name (name it, or remove the column)",
    );
  });

  it("refuse a row whose width differs from the header's", () => {
    const path = file('x,y\n1,2\n"1,5",2,3\n');
    expect(refusal(() => csv(path, dir, { target: "y" }), path)).toBe(
      ":3: 3 values, but the header has 2",
    );
  });
});

describe("predict's CSV examples", () => {
  const trained: CsvColumns = { names: ["a", "b"], drop: new Set(["label"]) };
  const unknown: CsvColumns = { drop: new Set(["label", "target"]) };

  it("take the first row as the header exactly when it names the trained columns", () => {
    // Named, in another order, with the label and an extra column: picked by name.
    const named = readCsvExamples(file("label,b,extra,a\n0,2,9,1\n1,4,9,3\n"), trained, "f32");
    expect([named.count, named.width, Array.from(named.values)]).toEqual([2, 2, [1, 2, 3, 4]]);
    expect(named.header?.cells).toEqual(["label", "b", "extra", "a"]);
    // No header: three rows are three examples.
    const plain = readCsvExamples(file("1,2\n3,4\n5,6\n"), trained, "f32");
    expect([plain.count, plain.header]).toEqual([3, undefined]);
  });

  it("treat a first row holding NaN or an empty cell as data, and refuse it", () => {
    for (const [first, problem] of [
      ["NaN,1", "column 1 holds `NaN`; data must be finite numbers"],
      ["1,", "column 2 is empty"],
      [",", "column 1 is empty"],
    ]) {
      for (const columns of [trained, unknown]) {
        const path = file(`${first}\n1,2\n3,4\n`);
        expect(refusal(() => readCsvExamples(path, columns, "f32"), path)).toBe(`:1: ${problem}`);
      }
    }
  });

  it("say why a first row of names is not a header", () => {
    const path = file("a,c\n1,2\n");
    expect(refusal(() => readCsvExamples(path, trained, "f32"), path)).toBe(
      ":1: column 1 holds `a`, not a number (line 1 is not a header: it does not name `b`, the columns the model was trained on)",
    );
    const mixed = file("x,2\n1,2\n");
    expect(refusal(() => readCsvExamples(mixed, unknown, "f32"), mixed)).toBe(
      ":1: column 1 holds `x`, not a number (line 1 is not a header: every cell of a header must be a column name)",
    );
  });

  it("without trained names, take a row of names as the header and drop label columns", () => {
    const d = readCsvExamples(file("x,label,y\n1,0,2\n3,1,4\n"), unknown, "f32");
    expect([d.count, d.width, Array.from(d.values)]).toEqual([2, 2, [1, 2, 3, 4]]);
    const twice = file("x,y,x\n1,2,3\n");
    expect(refusal(() => readCsvExamples(twice, unknown, "f32"), twice)).toBe(
      ":1: the header names `x` twice (columns 1 and 3); rename one",
    );
    const only = file("label\n1\n");
    expect(refusal(() => readCsvExamples(only, unknown, "f32"), only)).toBe(
      ":1: the header names no feature columns",
    );
  });

  it("say which row differs in width from the header or the first row", () => {
    const headed = file("a,b\n1,2\n3\n");
    expect(refusal(() => readCsvExamples(headed, trained, "f32"), headed)).toBe(
      ":3: 1 values, but the header has 2",
    );
    const bare = file("1,2\n\n3,4,5\n");
    expect(refusal(() => readCsvExamples(bare, trained, "f32"), bare)).toBe(
      ":3: 3 values, but the first row (line 1) has 2",
    );
    const empty = file("a,b\n\n");
    expect(refusal(() => readCsvExamples(empty, trained, "f32"), empty)).toBe(
      " has a header but no rows",
    );
  });

  it("read whole numbers for an i32 model input and refuse others as written", () => {
    const d = readCsvExamples(file("1,-2\n"), unknown, "i32");
    expect(d.values).toBeInstanceOf(Int32Array);
    expect(Array.from(d.values)).toEqual([1, -2]);
    const path = file("1,4294967297\n");
    expect(refusal(() => readCsvExamples(path, unknown, "i32"), path)).toBe(
      ":1: column 2 holds `4294967297`, but the model takes whole numbers from -2147483648 to 2147483647",
    );
  });
});

describe("shown", () => {
  it("escapes controls, separators and invisible spaces, and cuts long values", () => {
    expect(shown("a\tb\nc\rd")).toBe("`a\\tb\\nc\\rd`");
    expect(shown("\u0000\u007f\u0085")).toBe("`\\u0000\\u007f\\u0085`");
    expect(shown("x\u2028y\u2029z")).toBe("`x\\u2028y\\u2029z`");
    expect(shown("\ufeffid\u200b")).toBe("`\\ufeffid\\u200b`");
    expect(shown("1\u00a0000\u3000")).toBe("`1\\u00a0000\\u3000`");
    expect(shown("\u{e0001}")).toBe("`\\u{e0001}`");
    expect(shown("plain text, é ü 数")).toBe("`plain text, é ü 数`");
    expect(shown("x".repeat(100))).toBe(`\`${"x".repeat(60)}…\` (100 characters)`);
  });
});
