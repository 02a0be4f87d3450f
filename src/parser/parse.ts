/**
 * @file `parse(text, file)`: lexes and parses one Grove file into an AST plus diagnostics.
 * Never throws on user input.
 */
import type { IRecognitionException } from "chevrotain";
import { makeDiagnostic, type Diagnostic, type Result } from "../diag/diagnostic.js";
import type * as A from "./ast.js";
import type { Program, TrainSetting } from "./ast.js";
import { GroveParser } from "./grammar.js";
import { groveLexer, reservedWords, UnterminatedString } from "./tokens.js";

let shared: GroveParser | undefined;

/** The one parser instance (building it runs Chevrotain's grammar analysis, which is slow). */
export function groveParser(): GroveParser {
  shared ??= new GroveParser();
  return shared;
}

export function parse(text: string, file: string): Result<Program> {
  const diagnostics: Diagnostic[] = [];
  const lexed = groveLexer.tokenize(text);
  for (const e of lexed.errors) diagnostics.push(lexError(text, file, e.offset, e.length));
  for (const t of lexed.groups["problems"] ?? [])
    diagnostics.push(lexError(text, file, t.startOffset, t.image.length));
  for (const t of lexed.tokens)
    if (t.tokenType === UnterminatedString)
      diagnostics.push(lexError(text, file, t.startOffset, t.image.length));

  const parser = groveParser();
  parser.file = file;
  parser.textLength = text.length;
  parser.input = lexed.tokens;
  const decls = parser.program() ?? [];
  for (const e of parser.errors) diagnostics.push(parseError(file, text, e));

  return {
    value: { file, decls, span: { file, start: 0, end: text.length } },
    diagnostics,
  };
}

/**
 * Parses one train setting given on the command line (`--set "optimizer = adam(lr: 3e-4)"`) as
 * the virtual file `file`; anything after the setting is a syntax error.
 */
export function parseSetting(text: string, file: string): Result<TrainSetting | undefined> {
  const diagnostics: Diagnostic[] = [];
  const lexed = groveLexer.tokenize(text);
  for (const e of lexed.errors) diagnostics.push(lexError(text, file, e.offset, e.length));
  for (const t of lexed.groups["problems"] ?? [])
    diagnostics.push(lexError(text, file, t.startOffset, t.image.length));
  const parser = groveParser();
  parser.file = file;
  parser.textLength = text.length;
  parser.input = lexed.tokens;
  const b = parser.binding() as A.Binding | undefined;
  // A rule used as the entry point stops at the end of its value: the rest is extra.
  const rest = b && lexed.tokens.find((t) => t.startOffset >= b.span.end);
  for (const e of parser.errors)
    if (!rest || e.token.startOffset < rest.startOffset)
      diagnostics.push(parseError(file, text, e));
  if (!b || diagnostics.length > 0) return { value: undefined, diagnostics };
  if (rest)
    diagnostics.push(
      makeDiagnostic({
        code: "G0110",
        message: "expected the end of the setting",
        span: { file, start: rest.startOffset, end: text.trimEnd().length },
        label: "a setting is one `name = value`",
        help: "give each setting its own `--set`",
      }),
    );
  if (diagnostics.length > 0) return { value: undefined, diagnostics };
  return { value: { key: b.name, value: b.value, span: b.span }, diagnostics };
}

function lexError(text: string, file: string, offset: number, length: number): Diagnostic {
  const ch = text[offset] ?? "";
  if (ch === '"') {
    const lineEnd = text.slice(offset).search(/[\n\r]|$/);
    return makeDiagnostic({
      code: "G0102",
      message: "unterminated string",
      span: { file, start: offset, end: offset + Math.max(1, lineEnd) },
      label: 'this string has no closing `"`',
      help: 'close the string on the same line: `"like this"`',
    });
  }
  if (text.startsWith("/*", offset)) {
    return makeDiagnostic({
      code: "G0103",
      message: "unterminated block comment",
      span: { file, start: offset, end: offset + 2 },
      label: "this comment is never closed",
      help: "end it with `*/`",
    });
  }
  const bad = text.slice(offset, offset + Math.max(1, length));
  const first = String.fromCodePoint(bad.codePointAt(0) ?? 63);
  return makeDiagnostic({
    code: "G0101",
    message: `unexpected character ${JSON.stringify(first)}`,
    span: { file, start: offset, end: offset + first.length },
    label: "Grove has no token that starts here",
    ...(first === "#" ? { help: "comments start with `//`" } : {}),
  });
}

function parseError(file: string, text: string, e: IRecognitionException): Diagnostic {
  const tok = e.token;
  let start = tok.startOffset;
  let end = start + Math.max(1, tok.image.length);
  if (Number.isNaN(start) || tok.tokenType?.name === "EOF") {
    // At the end of the file: point just past the last non-space character.
    start = text.trimEnd().length;
    end = start;
  }
  // A keyword where a name was expected, after something on the same line: likely used as a name.
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const reserved = reservedWords.includes(tok.image) && text.slice(lineStart, start).trim() !== "";
  const chained = /^(<|<=|>|>=|==|!=)$/.test(tok.image) && e.message.startsWith("unexpected");
  return makeDiagnostic({
    code: "G0110",
    message: chained ? "comparisons cannot be chained" : e.message,
    ...(chained
      ? {
          notes: [
            "`a < b < c` is not `a < b` and `b < c`; compare twice and combine the masks with `*`",
          ],
        }
      : {}),
    span: { file, start, end },
    label: tok.tokenType?.name === "EOF" ? "the file ends here" : "unexpected here",
    ...(reserved ? { help: `\`${tok.image}\` is a reserved word; choose another name` } : {}),
  });
}
