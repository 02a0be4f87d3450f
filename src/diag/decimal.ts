/**
 * @file A number as a person types one (a flag of `grove`, of an exported `train.mjs`, a URL
 * parameter of an exported page): decimal, no `0x`, `Infinity`, `NaN` or blanks, within a range.
 * One reader for all three, so they accept the same text.
 */

/** Decimal notation with an optional sign, fraction and exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export interface DecimalRange {
  readonly min: number;
  readonly max: number;
  /** Only whole numbers (`3`, `3.0`, `3e0`). */
  readonly whole?: boolean;
}

/** The number `text` writes if it is decimal and within `range`, else undefined. */
export function readDecimal(text: string, range: DecimalRange): number | undefined {
  const n = Number(text);
  const ok =
    DECIMAL.test(text) &&
    Number.isFinite(n) &&
    n >= range.min &&
    n <= range.max &&
    (!range.whole || Number.isInteger(n));
  return ok ? n : undefined;
}
