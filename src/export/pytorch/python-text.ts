/**
 * @file Python text from Grove values: string literals (every non-ASCII or control character
 * escaped, so a path or a column name can never end the literal or hide in the source),
 * identifiers (a Python keyword gets a trailing `_`), numbers as literals that read back as the
 * same double, and dimensions as integer expressions. Every piece of user text the PyTorch export
 * writes goes through here or through `commentText(text, "python")`.
 */
import type { Dim } from "../../parser/check/dims.js";

const keywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while " +
    "with yield match case self torch nn F np grove math"
  ).split(" "),
);

/** A Python string literal of `text`: ASCII only, quotes and backslashes escaped. */
export function pyString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code <= 0xffff) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += "\\U" + code.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/** Whether `name` can be written as a Python attribute or variable as it is. */
export function isPyIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !keywords.has(name);
}

/** A Python identifier for a Grove name (Grove names are identifiers; keywords get `_`). */
export function pyName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, "_");
  const safe = /^[0-9]/.test(clean) ? `_${clean}` : clean;
  return keywords.has(safe) ? `${safe}_` : safe;
}

/** A float literal that Python reads back as the same double (`inf`, `nan` spelled out). */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : 'float("-inf")';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A number as Python writes it for `dtype`: ints for i32, floats for f32. */
export function pyNumber(v: number, dtype: "f32" | "i32"): string {
  return dtype === "i32" ? String(Math.trunc(v)) : pyFloat(v);
}

/** An integer expression for a dimension (`N`, `4 * N + 1`), symbols through `symbol`. */
export function pyDim(d: Dim, symbol: (s: string) => string = pyName): string {
  if (d.terms.length === 0) return "0";
  const parts = d.terms.map((t) => {
    const factors = t.symbols.map(symbol);
    if (factors.length === 0) return String(Math.abs(t.coeff));
    const c = Math.abs(t.coeff);
    return (c === 1 ? [] : [String(c)]).concat(factors).join(" * ");
  });
  let out = (d.terms[0]!.coeff < 0 ? "-" : "") + parts[0]!;
  for (let i = 1; i < parts.length; i++) out += (d.terms[i]!.coeff < 0 ? " - " : " + ") + parts[i];
  return out;
}

/** A Python literal of a JSON-like value (dicts, lists, strings, numbers, booleans, None). */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(", ")}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries.map(([k, x]) => `${pyString(k)}: ${pyLiteral(x)}`).join(", ")}}`;
}
