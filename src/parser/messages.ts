/**
 * @file Parser error messages in Grove's voice: "expected `)` but found `x`", naming tokens by
 * their labels rather than Chevrotain's internal token names.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { clip } from "../diag/diagnostic.js";
import { own } from "./check/own.js";

/** A token as written, shortened when long (a 1 MB string literal is still one token). */
function describe(tok: IToken): string {
  if (tok.tokenType?.name === "EOF") return "the end of the file";
  return `\`${clip(tok.image, 40)}\``;
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

/** The rule names the parser uses, as words for a person. */
const ruleWords: Record<string, string> = {
  program: "a declaration (`fn`, `block`, `model`, `train` or `import`)",
  expr: "an expression",
  primary: "an expression",
  dimExpr: "a dimension",
  dimAtom: "a dimension (a number or a name)",
  typeExpr: "a shape such as `[N, 784]`",
  body: "`=` or `{` to start the body",
  blockDecl: "a block member (`param`, `forward` or `name = ...`)",
  modelDecl: "a model member (`input`, `output`, `param` or `name = ...`)",
  unaryExpr: "an expression",
};

function listAlternatives(paths: TokenType[][][]): string {
  const first = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) first.add(label(path[0]));
  const items = [...first];
  if (items.length <= 1) return items[0] ?? "something else";
  if (items.length > 6) return "one of " + items.slice(0, 6).join(", ") + ", …";
  return items.slice(0, -1).join(", ") + " or " + items[items.length - 1];
}

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected.name === "EOF")
      return `unexpected ${describe(actual)}: expected a declaration (\`fn\`, \`block\`, \`model\`, \`train\` or \`import\`)`;
    return `expected ${label(expected)} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describe(firstRedundant)}: expected a declaration (\`fn\`, \`block\`, \`model\`, \`train\` or \`import\`)`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const found = actual[0] ? describe(actual[0]) : "the end of the file";
    const what = own(ruleWords, ruleName) ?? listAlternatives(expectedPathsPerAlt);
    return `expected ${what} but found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const found = actual[0] ? describe(actual[0]) : "the end of the file";
    const what = own(ruleWords, ruleName) ?? listAlternatives([expectedIterationPaths]);
    return `expected ${what} but found ${found}`;
  },
};
