/**
 * The file data sources: CSV parsing with clear errors for files that do not fit, and text
 * windows that predict the next byte.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csv, DataError, text } from "../../src/runtime/data/files.js";

const dir = mkdtempSync(join(tmpdir(), "grove-data-"));
const file = (name: string, contents: string) => {
  writeFileSync(join(dir, name), contents);
  return name;
};

describe("csv", () => {
  it("reads features and a target or a label from named columns", () => {
    const f = file("a.csv", "x,y,z\n1,2,3\n4,5,6\n");
    const t = csv(f, dir, { target: "y" });
    expect(t.count).toBe(2);
    expect(Array.from(t.fields.get("features")!.data)).toEqual([1, 3, 4, 6]);
    expect(Array.from(t.fields.get("target")!.data)).toEqual([2, 5]);
    const l = csv(f, dir, { label: "z", features: ["x"] });
    expect(l.fields.get("label")!.dtype).toBe("i32");
    expect(Array.from(l.fields.get("features")!.data)).toEqual([1, 4]);
  });

  it("reads the regression example's data", () => {
    const d = csv("data/housing.csv", "examples", { target: "price" });
    expect(d.count).toBe(500);
    expect(d.fields.get("features")!.perExample).toBe(6);
  });

  it("names the file, line and column of what does not fit", () => {
    const bad = (contents: string, o: Parameters<typeof csv>[2]) => () =>
      csv(file("bad.csv", contents), dir, o);
    expect(bad("x,y\n1,2\n", { target: "price" })).toThrow(
      /no column `price`; the columns are `x`, `y`/,
    );
    expect(bad("x,y\n1,oops\n", { target: "y" })).toThrow(
      /bad\.csv:2: column `y` holds `oops`, not a number/,
    );
    expect(bad("x,y\n1,2,3\n", { target: "y" })).toThrow(
      /bad\.csv:2: 3 values, but the header has 2/,
    );
    expect(bad("x,y\n1,2.5\n", { label: "y" })).toThrow(
      /bad\.csv:2: column `y` holds `2\.5`, but a label must be a whole number from 0/,
    );
    expect(() => csv("missing.csv", dir, { target: "y" })).toThrow(DataError);
    expect(() => csv("missing.csv", dir, { target: "y" })).toThrow(/no such file/);
  });
});

describe("text", () => {
  it("cuts bytes into windows whose targets are the next bytes", () => {
    const d = text(file("t.txt", "abcdefghij"), dir, 3);
    expect(d.count).toBe(3);
    const tokens = Array.from(d.fields.get("tokens")!.data);
    const targets = Array.from(d.fields.get("targets")!.data);
    expect(String.fromCharCode(...tokens)).toBe("abcdefghi");
    expect(String.fromCharCode(...targets)).toBe("bcdefghij");
  });

  it("refuses a file shorter than one window", () => {
    expect(() => text(file("short.txt", "ab"), dir, 8)).toThrow(/too short for a context of 8/);
  });
});
