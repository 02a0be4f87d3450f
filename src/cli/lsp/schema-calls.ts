/**
 * @file The calls the language knows by name rather than by a declaration: an initializer after
 * `~` and a train section's data source. Their doc text and parameters come from the schema
 * records in `src/ops`, for hover and for completing a call's arguments.
 */
import type { IToken } from "chevrotain";
import type * as A from "../../parser/ast.js";
import * as T from "../../parser/tokens.js";
import { initializerSchema } from "../../ops/initializers.js";

/** A call the language knows: what it is, its doc text and its parameters. */
export interface SchemaCall {
  /** `initializer`, `data source`. */
  readonly what: string;
  readonly name: string;
  readonly doc: string;
  readonly params: readonly {
    readonly name: string;
    /** The default as it would be written; absent when required. */
    readonly default?: string;
    readonly doc?: string;
  }[];
}

/** The schema of the initializer `name`, if it is one. */
function initializerCall(name: string): SchemaCall | undefined {
  const s = initializerSchema(name);
  if (!s) return undefined;
  const params = Object.entries(s.params).map(([p, { default: d, doc }]) => ({
    name: p,
    ...(d !== undefined ? { default: String(d) } : {}),
    doc,
  }));
  return { what: "initializer", name, doc: s.doc, params };
}

/**
 * The schema call `token` names in `text`, if any: an initializer when `~` comes before it.
 */
export function schemaCall(
  _program: A.Program,
  text: string,
  token: IToken,
): SchemaCall | undefined {
  const tokens = T.groveLexer.tokenize(text).tokens;
  const k = tokens.findIndex((t) => t.startOffset === token.startOffset);
  if (tokens[k - 1]?.tokenType === T.Tilde) return initializerCall(token.image);
  return undefined;
}

/** Hover text for a schema call: its name, doc and parameters. */
export function schemaHover(call: SchemaCall): string {
  const params = call.params.map(
    (p) =>
      `- \`${p.name}\`${p.default !== undefined ? ` (default ${p.default})` : ""}${p.doc ? `: ${p.doc}` : ""}`,
  );
  return [
    `(${call.what}) \`${call.name}\`: ${call.doc}`,
    ...(params.length ? ["", ...params] : []),
  ].join("\n");
}
