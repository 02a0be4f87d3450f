/**
 * @file Syntax classes for the playground's editor, from Grove's own lexer (`tokens.ts`), so the
 * highlighting never disagrees with the parser: keywords, numbers, strings and comments by token
 * type; identifiers as builtin primitives (`builtinNames`), capitalised names (blocks, models) or
 * constants (`true`, `f32`); `|>`, `->` and `~` as operators. Pure: the editor turns the ranges
 * into marks (`editor.ts`).
 */
import { builtinNames } from "../parser/check/builtins/index.js";
import { commentGroup, groveLexer, keywords } from "../parser/tokens.js";

/** A highlighted range of the text and its class (`keyword`, `number`, ...). */
export interface TokenClass {
  readonly from: number;
  readonly to: number;
  readonly cls: string;
}

/** The class of each token type the highlighting styles, by the lexer's token name. */
const tokenRules: Readonly<Record<string, string>> = {
  ...Object.fromEntries(keywords.map((k) => [k.name, "keyword"])),
  NumberLiteral: "number",
  StringLiteral: "string",
  UnterminatedString: "string",
  LineComment: "comment",
  BlockComment: "comment",
  UnterminatedComment: "comment",
  Pipe: "operator",
  Arrow: "operator",
  Tilde: "operator",
};

const builtins = new Set(builtinNames);
const constants = new Set(["true", "false", "f32", "i32"]);

/** The class of an identifier: a builtin, a capitalised name, a constant, or none. */
function identifierClass(name: string): string | undefined {
  if (constants.has(name)) return "constant";
  if (builtins.has(name)) return "builtin";
  return /^[A-Z]/.test(name) ? "type" : undefined;
}

/** The highlighted ranges of `text`, in order. */
export function tokenClasses(text: string): TokenClass[] {
  const r = groveLexer.tokenize(text);
  const tokens = [...r.tokens, ...(r.groups[commentGroup] ?? []), ...(r.groups["problems"] ?? [])];
  const out: TokenClass[] = [];
  for (const t of tokens) {
    const name = t.tokenType.name;
    const cls = name === "Identifier" ? identifierClass(t.image) : tokenRules[name];
    if (cls) out.push({ from: t.startOffset, to: t.startOffset + t.image.length, cls });
  }
  return out.sort((a, b) => a.from - b.from);
}
