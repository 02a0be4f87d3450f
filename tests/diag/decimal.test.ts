/**
 * The one reader of typed numbers behind grove's flags, an exported train.mjs's flags and an
 * exported page's URL parameters: decimal text within a range, nothing JavaScript's Number() would
 * also take (hex, Infinity, blanks).
 */
import { expect, test } from "vitest";
import { readDecimal } from "../../src/diag/decimal.js";
import { parseFlags } from "../../src/export/node/flags.js";

const count = { min: 1, max: 2147483647, whole: true };

test("decimal text in range is read, with sign, fraction or exponent", () => {
  expect(["3", "+3", "3.0", "3e0", "1e3", "2147483647"].map((t) => readDecimal(t, count))).toEqual([
    3, 3, 3, 3, 1000, 2147483647,
  ]);
  expect(readDecimal(".5", { min: 0, max: 1 })).toBe(0.5);
});

test("anything else is refused", () => {
  for (const t of [
    "",
    " 3",
    "3 ",
    "0x10",
    "Infinity",
    "NaN",
    "1.5",
    "0",
    "-1",
    "2147483648",
    "1_000",
  ])
    expect(readDecimal(t, count), t).toBeUndefined();
});

test("train.mjs's flags read through it", () => {
  expect(parseFlags(["--epochs", "1e1", "--seed=+7"])).toEqual({ epochs: 10, seed: 7 });
  expect(parseFlags(["--epochs", "0x10"])).toBe(
    "--epochs must be a whole number from 1 to 2147483647",
  );
});
