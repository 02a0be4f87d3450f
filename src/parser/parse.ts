/**
 * @file `parse(text, file)`: lexes and parses one Grove file into an AST plus diagnostics.
 * Never throws on user input: nesting beyond `limits.nesting` is refused before the parser
 * runs (G0111), deeply nested files are parsed without error recovery, and at most
 * `limits.errorsPerFile` errors are reported (the rest are counted in one G0113).
 */
import type { ILexingResult, IRecognitionException, IToken } from "chevrotain";
import { makeDiagnostic, type Diagnostic, type Result } from "../diag/diagnostic.js";
import type * as A from "./ast.js";
import type { Program, TrainSetting } from "./ast.js";
import { GroveParser, TooManyErrors, type LateError } from "./grammar.js";
import { afterLineEnd, insertLineEnds } from "./line-ends.js";
import { limits } from "./limits.js";
import { blankJunk } from "./junk.js";
import { scanNesting } from "./nesting.js";
import { groveLexer, reservedWords, UnterminatedString } from "./tokens.js";

const parsers: { recovering?: GroveParser; strict?: GroveParser } = {};

/** The one parser instance (building it runs Chevrotain's grammar analysis, which is slow). */
export function groveParser(): GroveParser {
  parsers.recovering ??= new GroveParser(true);
  return parsers.recovering;
}

/** The parser for deeply nested files: no error recovery, so the stack holds. */
function strictParser(): GroveParser {
  parsers.strict ??= new GroveParser(false);
  return parsers.strict;
}

/** An error found while lexing or parsing, built into a diagnostic only if it is reported. */
interface Found {
  readonly offset: number;
  readonly build: () => Diagnostic;
}

/**
 * The errors of one file, from several lists each in source order (junk, lexer, parser). Only
 * the first `limits.errorsPerFile + 1` of each list are kept, so a file with half a million
 * errors costs no more than one with a hundred; the others are only counted.
 */
class Errors {
  private readonly found: Found[] = [];
  private total = 0;

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  addAll<T>(list: readonly T[], offset: (t: T) => number, build: (t: T) => Diagnostic): void {
    this.total += list.length;
    for (const t of list.slice(0, limits.errorsPerFile + 1))
      this.found.push({ offset: offset(t), build: () => build(t) });
  }

  /** The first `limits.errorsPerFile` errors in source order, then a G0113 for the rest. */
  first(): Diagnostic[] {
    const end = this.text.length;
    const at = (f: Found) => (Number.isNaN(f.offset) ? end : Math.min(f.offset, end));
    const sorted = [...this.found].sort((a, b) => at(a) - at(b));
    const shown = sorted.slice(0, limits.errorsPerFile).map((f) => f.build());
    const rest = this.total - shown.length;
    if (rest > 0) {
      const next = sorted[limits.errorsPerFile];
      shown.push(tooManyErrors(this.file, next ? at(next) : end));
    }
    return shown;
  }
}

/** Lexes `text` (junk blanked first, see junk.ts) and records the lexical errors. */
function lex(text: string, file: string, errors: Errors): ILexingResult {
  const { text: lexable, junk } = blankJunk(text);
  const lexed = groveLexer.tokenize(lexable);
  const report = (offset: number, length: number) => lexError(text, file, offset, length);
  errors.addAll(
    junk,
    (j) => j.offset,
    (j) => report(j.offset, j.length),
  );
  errors.addAll(
    lexed.errors,
    (e) => e.offset,
    (e) => report(e.offset, e.length),
  );
  const problems = lexed.groups["problems"] ?? [];
  errors.addAll(
    problems,
    (t) => t.startOffset,
    (t) => report(t.startOffset, t.image.length),
  );
  return lexed;
}

/**
 * Runs one parser rule over the tokens, after the length and nesting checks. Returns no value
 * (and reports G0111) when the file is too long or too deeply nested to parse at all.
 */
function runRule<R>(
  text: string,
  file: string,
  tokens: IToken[],
  errors: Errors,
  rule: (p: GroveParser) => R,
): { value: R | undefined; parser?: GroveParser } {
  if (tokens.length > limits.tokens) {
    errors.addAll(
      [tokens[limits.tokens]!],
      (t) => t.startOffset,
      (t) => tooLong(file, t),
    );
    return { value: undefined };
  }
  const nesting = scanNesting(tokens, limits.nesting);
  if (nesting.over) {
    errors.addAll(
      [nesting.over],
      (t) => t.startOffset,
      (t) => tooDeep(file, t),
    );
    return { value: undefined };
  }
  const parser = nesting.depth > limits.recoveringNesting ? strictParser() : groveParser();
  parser.file = file;
  parser.textLength = text.length;
  parser.errorBudget = limits.errorsPerFile + 1; // one more than shown, so G0113 follows
  parser.lateErrors = [];
  parser.labelledLists = [];
  parser.input = tokens;
  try {
    return { value: rule(parser), parser };
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
    return { value: undefined, parser };
  }
}

export function parse(text: string, file: string): Result<Program> {
  const errors = new Errors(file, text);
  const lexed = lex(text, file, errors);
  const unterminated = lexed.tokens.filter((t) => t.tokenType === UnterminatedString);
  errors.addAll(
    unterminated,
    (t) => t.startOffset,
    (t) => lexError(text, file, t.startOffset, t.image.length),
  );
  const tokens =
    lexed.tokens.length > limits.tokens ? lexed.tokens : insertLineEnds(text, lexed.tokens);
  const { value, parser } = runRule(text, file, tokens, errors, (p) => p.program());
  errors.addAll(
    parser?.errors ?? [],
    (e) => e.token.startOffset,
    (e) => parseError(file, text, e, tokens),
  );
  errors.addAll(
    parser?.lateErrors ?? [],
    (e) => e.span.start,
    (e) => lateError(e, text),
  );
  const metrics = new Set(
    (value ?? []).flatMap((d) => (d.kind === "train" ? d.settings : [])).map(metricsList),
  );
  errors.addAll(
    (parser?.labelledLists ?? []).filter((l) => !metrics.has(l)),
    (l) => firstLabel(l).span.start,
    (l) => misplacedLabel(l),
  );
  return {
    value: { file, decls: value ?? [], span: { file, start: 0, end: text.length } },
    diagnostics: errors.first(),
  };
}

/**
 * Parses one train setting given on the command line (`--set "optimizer = adam(lr: 3e-4)"`) as
 * the virtual file `file`; anything after the setting is a syntax error.
 */
export function parseSetting(text: string, file: string): Result<TrainSetting | undefined> {
  const errors = new Errors(file, text);
  const lexed = lex(text, file, errors);
  const { value, parser } = runRule(text, file, lexed.tokens, errors, (p) => p.binding());
  const b = value as A.Binding | undefined;
  // A rule used as the entry point stops at the end of its value: the rest is extra.
  const rest = b && lexed.tokens.find((t) => t.startOffset >= b.span.end);
  errors.addAll(
    (parser?.errors ?? []).filter((e) => !rest || e.token.startOffset < rest.startOffset),
    (e) => e.token.startOffset,
    (e) => parseError(file, text, e, lexed.tokens),
  );
  if (b) {
    const allowed = metricsList({ key: b.name, value: b.value, span: b.span });
    errors.addAll(
      (parser?.labelledLists ?? []).filter((l) => l !== allowed),
      (l) => firstLabel(l).span.start,
      (l) => misplacedLabel(l),
    );
  }
  const diagnostics = errors.first();
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

/**
 * G0113: a file with more errors than are worth reading, at the first one not shown. Also used
 * by the checker's sink. No count: the parser stops at the limit and the checker stops looking.
 */
export function tooManyErrors(file: string, at: number): Diagnostic {
  return makeDiagnostic({
    code: "G0113",
    severity: "note",
    message: `too many errors: only the first ${limits.errorsPerFile} in this file are shown`,
    span: { file, start: at, end: at },
    label: "more errors from here on",
    help: "fix the first errors and check again",
  });
}

function tooLong(file: string, tok: IToken): Diagnostic {
  return makeDiagnostic({
    code: "G0111",
    message: `file too long: more than ${limits.tokens} tokens`,
    span: { file, start: tok.startOffset, end: tok.startOffset + Math.max(1, tok.image.length) },
    label: `token ${limits.tokens + 1}`,
    notes: [`a file may hold at most ${limits.tokens} tokens (names, numbers, operators)`],
    help: "split it into files that import each other",
  });
}

function tooDeep(file: string, tok: IToken): Diagnostic {
  return makeDiagnostic({
    code: "G0111",
    message: `nesting too deep: more than ${limits.nesting} levels`,
    span: { file, start: tok.startOffset, end: tok.startOffset + Math.max(1, tok.image.length) },
    label: `level ${limits.nesting + 1} starts here`,
    notes: [
      `brackets, unary minus and \`^\` may be nested at most ${limits.nesting} levels deep in one expression`,
    ],
    help: "name intermediate results (`h = ...`) to split the expression",
  });
}

function lexError(text: string, file: string, offset: number, length: number): Diagnostic {
  const ch = text[offset] ?? "";
  if (ch === '"') {
    const lineEnd = endOfLine(text, offset) - offset;
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

/** The list a `metrics = [...]` setting gives, where items may be named. */
function metricsList(s: TrainSetting): A.Expr | undefined {
  return s.key.name === "metrics" && s.value.kind === "list" ? s.value : undefined;
}

function firstLabel(l: A.ListExpr): A.Ident {
  return l.labels!.find((x) => x)!;
}

/** A `name = value` item in a list that is not a train section's `metrics`. */
function misplacedLabel(l: A.ListExpr): Diagnostic {
  const label = firstLabel(l);
  return makeDiagnostic({
    code: "G0110",
    message: "only the items of a train section's `metrics` list can be named",
    span: label.span,
    label: `\`${label.name} = ...\` names an item`,
    help: "remove the name, or name a metric in `metrics = [name = ...]`",
  });
}

/** A mistake found in a parser action (see `GroveParser.lateErrors`). */
function lateError(e: LateError, text: string): Diagnostic {
  const atLineStart = startsLine(text, e.span.start);
  const first = text[e.span.start];
  return makeDiagnostic({
    code: "G0110",
    message: e.message,
    span: e.span,
    label: e.label,
    notes: [
      ...(e.notes ?? []),
      ...(atLineStart && (first === "-" || first === "(") ? [newlineNote(first)] : []),
    ],
    ...(e.help ? { help: e.help } : {}),
  });
}

/** Why a line that starts with `-` or `(` did not continue the line before it. */
function newlineNote(first: string): string {
  return `a line that starts with \`${first}\` begins a new binding or result, even after a complete expression on the line before; to continue that expression, end its line with the operator (\`a -\` then \`b\` on the next line) or wrap the whole expression in parentheses`;
}

function parseError(
  file: string,
  text: string,
  e: IRecognitionException,
  tokens: readonly IToken[],
): Diagnostic {
  const tok = e.token;
  let start = tok.startOffset;
  let end = start + Math.max(1, tok.image.length);
  if (Number.isNaN(start) || tok.tokenType?.name === "EOF") {
    // At the end of the file: point just past the last non-space character.
    start = text.trimEnd().length;
    end = start;
  }
  // A keyword where a name was expected, after something on the same line: likely used as a name.
  const reserved = reservedWords.includes(tok.image) && !startsLine(text, start);
  const chained = /^(<|<=|>|>=|==|!=)$/.test(tok.image) && e.message.startsWith("unexpected");
  const newLine = (tok.image === "-" || tok.image === "(") && afterLineEnd(tokens, tok);
  const notes = [
    ...(chained
      ? ["`a < b < c` is not `a < b` and `b < c`; compare twice and combine the masks with `*`"]
      : []),
    ...(newLine ? [newlineNote(tok.image)] : []),
  ];
  return makeDiagnostic({
    code: "G0110",
    message: chained ? "comparisons cannot be chained" : e.message,
    ...(notes.length > 0 ? { notes } : {}),
    span: { file, start, end },
    label: tok.tokenType?.name === "EOF" ? "the file ends here" : "unexpected here",
    ...(reserved ? { help: `\`${tok.image}\` is a reserved word; choose another name` } : {}),
  });
}

/** The offset of the end of the line holding `offset` (without scanning the rest of the text). */
function endOfLine(text: string, offset: number): number {
  const eol = /[\n\r]/g;
  eol.lastIndex = offset;
  return eol.exec(text)?.index ?? text.length;
}

/** Whether only blanks stand between the start of the line and `offset`. */
function startsLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c === "\n") return true;
    if (c !== " " && c !== "\t" && c !== "\r") return false;
  }
  return true;
}
