/**
 * @file Characters that start no token, found before Chevrotain's lexer runs. The lexer
 * recovers from such a character by retrying every pattern at every following offset, which
 * made a megabyte of `#` take 1.5 s; blanking junk to spaces first (offsets unchanged) and
 * reporting it from here keeps lexing linear. Comments and strings are skipped: junk inside
 * them is text.
 */

export interface Junk {
  readonly offset: number;
  readonly length: number;
}

/** Characters that can start some token; anything else is junk wherever it stands. */
const tokenStart = String.raw`\s\w"./\-+*@%^~:,;()[\]{}<>=!|`;

/** Quick test: a file without these has no junk and needs no scan. */
const suspect = new RegExp(String.raw`[^${tokenStart}]|\|(?!>)|!(?!=)`);

/**
 * One match per lexical item, in order: skipped text (blanks, comments, strings, names, numbers,
 * operators), or junk in group 1 (a run of characters that start nothing, spaces and tabs between
 * them included, or a lone `|` or `!` that starts no operator). A lone `.` is member access.
 */
const item = new RegExp(
  [
    String.raw`\s+`,
    String.raw`\/\/[^\n\r]*`,
    String.raw`\/\*[\s\S]*?(?:\*\/|$)`,
    String.raw`"(?:[^"\\\n\r]|\\.)*"?`,
    String.raw`\w+(?:\.\d+)?(?:[eE][+-]?\d+)?`,
    String.raw`\.\d+(?:[eE][+-]?\d+)?`,
    String.raw`\.\.\.|\|>|!=`,
    String.raw`[\/\-+*@%^~:,;()[\]{}<>=.]`,
    String.raw`([^${tokenStart}]+(?:[ \t]+[^${tokenStart}]+)*|[\s\S])`,
  ].join("|"),
  "g",
);

/** Where the junk is, and the text with it replaced by spaces (the same text when there is none). */
export function blankJunk(text: string): { text: string; junk: Junk[] } {
  if (!suspect.test(text)) return { text, junk: [] };
  const junk: Junk[] = [];
  for (const m of text.matchAll(item))
    if (m[1] !== undefined) junk.push({ offset: m.index, length: m[1].length });
  if (junk.length === 0) return { text, junk };
  const parts: string[] = [];
  let at = 0;
  for (const j of junk) {
    parts.push(text.slice(at, j.offset), " ".repeat(j.length));
    at = j.offset + j.length;
  }
  parts.push(text.slice(at));
  return { text: parts.join(""), junk };
}
