/**
 * @file Grove's tokens and lexer. Keywords use `longer_alt: Identifier` so `inputs` is a name;
 * operators are grouped into token categories that the parser matches on.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    label: `\`${word}\``,
  });
}

export const Fn = keyword("fn");
export const Block = keyword("block");
export const Model = keyword("model");
export const Train = keyword("train");
export const Param = keyword("param");
export const Input = keyword("input");
export const Output = keyword("output");
export const Forward = keyword("forward");
export const Import = keyword("import");
export const Assert = keyword("assert");

export const keywords = [Fn, Block, Model, Train, Param, Input, Output, Forward, Import, Assert];
/** Words a user cannot use as names. */
export const reservedWords = [
  "fn",
  "block",
  "model",
  "train",
  "param",
  "input",
  "output",
  "forward",
  "import",
  "assert",
];

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /\s+/,
  group: Lexer.SKIPPED,
});
/**
 * Comments go to the lexer's `comments` group: the parser never sees them (as if skipped), and
 * the formatter (src/fmt) finds them in `groups.comments` to print them in place.
 */
export const commentGroup = "comments";
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\n\r]*/,
  group: commentGroup,
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: commentGroup,
  line_breaks: true,
});

/** An unclosed `/*`: reported as G0103 and skipped. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "problems",
  line_breaks: true,
});

const numberPattern = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const digitsPattern = /\d+/y;
/** Characters after which a `.` is member access (`l1.w`, `f(x).w`, `blocks.0.w`), not a number. */
const memberBase = /[A-Za-z0-9_)\]]/;

/**
 * A number, except where a `.` reads as member access: `.5` right after a name, a digit, `)` or
 * `]` is `.` then `5` (`blocks.5`), and right after such a `.` only digits are taken, so
 * `blocks.0.w` is `blocks` `.` `0` `.` `w` rather than `blocks` `.` `0.`... A number written
 * after a space or an operator (`x * .5`) reads as before.
 */
function matchNumber(text: string, offset: number): [string] | null {
  const before = text[offset - 1] ?? "";
  if (text[offset] === "." && memberBase.test(before)) return null;
  const pattern =
    before === "." && memberBase.test(text[offset - 2] ?? "") ? digitsPattern : numberPattern;
  pattern.lastIndex = offset;
  const m = pattern.exec(text);
  return m ? [m[0]] : null;
}

export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: { exec: matchNumber },
  line_breaks: false,
  start_chars_hint: [".", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  label: "a number",
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: "a string",
});
/** A string without its closing quote: reported as G0102 but parsed as a string, to recover. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  categories: [StringLiteral],
  label: "a string",
});

function punct(name: string, pattern: string, categories?: TokenType[]): TokenType {
  return createToken({
    name,
    pattern: new RegExp(pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")),
    label: `\`${pattern}\``,
    ...(categories ? { categories } : {}),
  });
}

// Categories group operators of one precedence level.
export const AdditiveOp = createToken({
  name: "AdditiveOp",
  pattern: Lexer.NA,
  label: "`+` or `-`",
});
export const MultiplicativeOp = createToken({
  name: "MultiplicativeOp",
  pattern: Lexer.NA,
  label: "`*`, `/`, `@` or `%`",
});
export const ComparisonOp = createToken({
  name: "ComparisonOp",
  pattern: Lexer.NA,
  label: "a comparison",
});

export const Ellipsis = punct("Ellipsis", "...");
/** Member access: `l1.w`, `blocks.0`. */
export const Dot = punct("Dot", ".");
export const PipeOp = punct("Pipe", "|>");
export const Arrow = punct("Arrow", "->");
export const LessEq = punct("LessEq", "<=", [ComparisonOp]);
export const GreaterEq = punct("GreaterEq", ">=", [ComparisonOp]);
export const EqEq = punct("EqEq", "==", [ComparisonOp]);
export const NotEq = punct("NotEq", "!=", [ComparisonOp]);
export const Less = punct("Less", "<", [ComparisonOp]);
export const Greater = punct("Greater", ">", [ComparisonOp]);
export const Equals = punct("Equals", "=");
export const Plus = punct("Plus", "+", [AdditiveOp]);
export const Minus = punct("Minus", "-", [AdditiveOp]);
export const Star = punct("Star", "*", [MultiplicativeOp]);
export const Slash = punct("Slash", "/", [MultiplicativeOp]);
export const At = punct("At", "@", [MultiplicativeOp]);
/** The remainder of whole numbers known when checking (`dim % heads`); not a tensor operation. */
export const Percent = punct("Percent", "%", [MultiplicativeOp]);
export const Caret = punct("Caret", "^");
export const Tilde = punct("Tilde", "~");
export const Colon = punct("Colon", ":");
export const Comma = punct("Comma", ",");
export const Semicolon = punct("Semicolon", ";");
/**
 * Not written: put in by `line-ends.ts` where a newline ends a binding. It counts as a `;`
 * wherever the parser takes one.
 */
export const LineEnd = createToken({
  name: "LineEnd",
  pattern: Lexer.NA,
  categories: [Semicolon],
  label: "the end of the line",
});
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");

/** Order matters: comments before `/`, two-character operators before their prefixes. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  ...keywords,
  Identifier,
  Ellipsis,
  Dot,
  PipeOp,
  Arrow,
  LessEq,
  GreaterEq,
  EqEq,
  NotEq,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  Percent,
  Caret,
  Tilde,
  Colon,
  Comma,
  Semicolon,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  AdditiveOp,
  MultiplicativeOp,
  ComparisonOp,
  LineEnd,
];

export const groveLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
});
