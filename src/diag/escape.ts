/**
 * @file Escaping text that Grove writes where it could change meaning: into comments of generated
 * code (WGSL kernel headers now; exported JavaScript, HTML, Python and ONNX doc strings later) and
 * into messages. Text from the user (file paths, names) may hold line breaks, other control
 * characters, bidirectional overrides or a comment's closing sequence; each becomes a visible
 * escape, so a comment stays one comment on one line and shows what was there. It lives in `diag`,
 * the first layer, so every later layer and every future exporter can import it.
 */

/** Languages Grove writes comments in, and how a comment is opened and closed in each. */
export type CommentLanguage = "wgsl" | "javascript" | "python" | "html" | "onnx";

export interface CommentRule {
  /** What starts a one-line comment (with its space). */
  readonly open: string;
  /** What ends it, for block-style comments; line comments end at the line break. */
  readonly close: string;
  /**
   * Two-character sequences that open, close or end a comment in this language (or in the page
   * a script is embedded in): a backslash is written between their characters.
   */
  readonly pairs: readonly string[];
}

/**
 * Per language: WGSL block comments nest, so both `/*` and `*\/` matter; JavaScript may sit in an
 * HTML `<script>`, where `</` ends the script and `<!--`/`-->` change how it is read; an HTML
 * comment must not hold `--`; a Python `#` comment and an ONNX doc string (a length-prefixed
 * protobuf string) end only at a line break or not at all, which `visibleText` already handles.
 */
export const commentRules: { readonly [L in CommentLanguage]: CommentRule } = {
  wgsl: { open: "// ", close: "", pairs: ["/*", "*/"] },
  javascript: { open: "// ", close: "", pairs: ["/*", "*/", "</", "<!", "--"] },
  python: { open: "# ", close: "", pairs: [] },
  html: { open: "<!-- ", close: " -->", pairs: ["--", "<!", "</"] },
  onnx: { open: "", close: "", pairs: [] },
};

/**
 * Characters shown as escapes: controls (C0 such as line feed, carriage return, tab and NUL; DEL;
 * C1 such as U+0085 next line), format characters (bidirectional controls that reorder how code
 * reads, zero-width spaces and joiners, U+FEFF, soft hyphens), the line and paragraph separators
 * U+2028 and U+2029, spaces other than the ASCII space (a no-break space looks like one), and lone
 * surrogates (not encodable as UTF-8).
 */
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/gu;

const named: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `\n`, `\r`, `\t`, else `\u0000` (`\u{e0001}` beyond the BMP), as in JSON and JavaScript. */
function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return named[c] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${hex(code, 4)}`);
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * `text` with every character that could end a line, hide itself or reorder the text around it
 * replaced by a visible escape (`\n`, `\r`, `\t`, `\u0000`, `\u2028`). Backslashes are kept as they
 * are, so the escapes are for reading, not for decoding.
 */
export function visibleText(text: string): string {
  return text.replace(unsafe, escapeChar);
}

/**
 * `text` made safe inside one comment of `language`: `visibleText`, then a backslash between the
 * two characters of every sequence that could end (or, in WGSL, nest) the comment (`*\/` becomes
 * `*\/`, `-->` becomes `-\->`). The result holds no line break and none of those sequences.
 */
export function commentText(text: string, language: CommentLanguage = "wgsl"): string {
  let out = visibleText(text);
  for (const pair of commentRules[language].pairs) out = splitPair(out, pair);
  return out;
}

/** A whole comment of `language` holding `text`: `// text` in WGSL, `<!-- text -->` in HTML. */
export function comment(language: CommentLanguage, text: string): string {
  const rule = commentRules[language];
  return `${rule.open}${commentText(text, language)}${rule.close}`;
}

/** Writes a backslash between the characters of every occurrence of the two-character `pair`. */
function splitPair(text: string, pair: string): string {
  const [a, b] = [pair[0]!, pair[1]!];
  let out = "";
  for (let i = 0; i < text.length; i++) {
    out += text[i];
    if (text[i] === a && text[i + 1] === b) out += "\\";
  }
  return out;
}
