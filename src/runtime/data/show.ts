/**
 * @file How the data readers show a value taken from a user's file in a message: in backticks,
 * with every character that would be invisible or would break the line escaped (`\t`, `\n`,
 * `\r`, `\u0000`, a no-break space as `\u00a0`, a byte-order mark as `\ufeff`), and a long value
 * cut short (`visibleText`, the one rule for invisible characters in Grove's output). Every reader
 * message that quotes file contents goes through `shown`.
 */
import { visibleText } from "../../diag/escape.js";

/** Values longer than this many characters are cut, keeping the start. */
export const SHOWN_MAX = 60;

/** `text` in backticks for a message, invisible characters escaped, at most `max` characters. */
export function shown(text: string, max = SHOWN_MAX): string {
  const chars = Array.from(text);
  const cut = chars.length > max;
  const body = visibleText((cut ? chars.slice(0, max) : chars).join(""));
  return cut ? `\`${body}…\` (${chars.length} characters)` : `\`${body}\``;
}
