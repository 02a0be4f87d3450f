/**
 * @file How the data readers show a value taken from a user's file in a message: in backticks,
 * with every character that would be invisible or would break the line escaped (`\t`, `\n`,
 * `\r`, `\u0000`, a no-break space as `\u00a0`, a byte-order mark as `\ufeff`), and a long value
 * cut short. Every reader message that quotes file contents goes through `shown`.
 */

/** Characters with a conventional short escape. */
const SHORT_ESCAPES: ReadonlyMap<string, string> = new Map([
  ["\t", "\\t"],
  ["\n", "\\n"],
  ["\r", "\\r"],
]);

/**
 * Invisible or line-breaking characters: controls (C0, DEL, C1), format characters (zero-width
 * spaces and joiners, bidirectional marks, the BOM, soft hyphens), line and paragraph separators,
 * spaces other than the ASCII space, and lone surrogate halves.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/u;

/** Values longer than this many characters are cut, keeping the start. */
export const SHOWN_MAX = 60;

/** `\u0000` for a BMP character, `\u{e0001}` beyond it. */
function unicodeEscape(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = code.toString(16);
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
}

const escapeChar = (c: string): string =>
  SHORT_ESCAPES.get(c) ?? (INVISIBLE.test(c) ? unicodeEscape(c) : c);

/** `text` in backticks for a message, invisible characters escaped, at most `max` characters. */
export function shown(text: string, max = SHOWN_MAX): string {
  const chars = Array.from(text);
  const cut = chars.length > max;
  const body = (cut ? chars.slice(0, max) : chars).map(escapeChar).join("");
  return cut ? `\`${body}…\` (${chars.length} characters)` : `\`${body}\``;
}
