/**
 * @file The calls the language knows by name rather than by a declaration: an initializer after
 * `~`, a train section's data source, optimizer and schedule. Their doc text and parameters come
 * from the schema records in `src/ops`, for hover and for completing a call's arguments.
 */
import type { IToken } from "chevrotain";
import type * as A from "../../parser/ast.js";
import * as T from "../../parser/tokens.js";
import type { ArgValue, CallRule } from "../../ops/call-schema.js";
import { dataSources } from "../../ops/data-sources.js";
import { initializers } from "../../ops/initializers.js";
import { optimizerSchemas } from "../../ops/optimizers.js";
import { scheduleSchemas } from "../../ops/schedules.js";

/** A call the language knows: what it is, its doc text and its parameters. */
export interface SchemaCall {
  /** `initializer`, `data source`, `optimizer`, `schedule`. */
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

/** A schema call's parameters from its record's arguments: default as written, doc text. */
function paramsOf(
  args: Readonly<Record<string, { readonly default?: ArgValue; readonly doc?: string }>>,
): SchemaCall["params"] {
  return Object.entries(args).map(([name, { default: d, doc }]) => ({
    name,
    ...(d !== undefined ? { default: written(d) } : {}),
    ...(doc !== undefined ? { doc } : {}),
  }));
}

/** A default as Grove would write it: `0.1`, `"train"`, `true`, `["a", "b"]`. */
function written(v: ArgValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object") return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
  return String(v);
}

/** A kind of schema call: what it is and its schema records in src/ops, by name. */
interface CallKind {
  readonly what: string;
  readonly table: Readonly<Record<string, CallRule>>;
}

/** Initializers, after `~`. */
const initializerCalls: CallKind = { what: "initializer", table: initializers };

/** A train setting's calls by setting name (`optimizer = adam(...)`). */
const settingCalls: Readonly<Record<string, CallKind>> = {
  data: { what: "data source", table: dataSources },
  optimizer: { what: "optimizer", table: optimizerSchemas },
  schedule: { what: "schedule", table: scheduleSchemas },
};

/**
 * The kind of call whose name comes at `tokens[k]`, from the tokens before it: an initializer
 * after `~`, a data source, an optimizer or a schedule after `data =`, `optimizer =` or
 * `schedule =`.
 */
function kindAt(tokens: readonly IToken[], k: number): CallKind | undefined {
  if (tokens[k - 1]?.tokenType === T.Tilde) return initializerCalls;
  const [key, equals] = [tokens[k - 2], tokens[k - 1]];
  if (key?.tokenType !== T.Identifier || equals?.tokenType !== T.Equals) return undefined;
  return Object.hasOwn(settingCalls, key.image) ? settingCalls[key.image] : undefined;
}

/** The schema call `token` names in `text`, if any (`kindAt` says which kinds where). */
export function schemaCall(text: string, token: IToken): SchemaCall | undefined {
  const tokens = T.groveLexer.tokenize(text).tokens;
  const kind = kindAt(
    tokens,
    tokens.findIndex((t) => t.startOffset === token.startOffset),
  );
  const name = token.image;
  const rule = kind && Object.hasOwn(kind.table, name) ? kind.table[name] : undefined;
  if (!rule) return undefined;
  return { what: kind!.what, name, doc: rule.doc ?? "", params: paramsOf(rule.args) };
}

/** A call that may be written somewhere: its name, what it is, its doc text. */
export interface SchemaName {
  readonly name: string;
  readonly what: string;
  readonly doc: string;
}

/**
 * The calls that may be written at `offset` (a name being typed there included): initializers
 * after `~`, and in a train section a setting's calls after `data =`, `optimizer =` or
 * `schedule =`.
 */
export function schemaNamesAt(program: A.Program, text: string, offset: number): SchemaName[] {
  const before = T.groveLexer.tokenize(text).tokens.filter((t) => t.startOffset < offset);
  const last = before.at(-1);
  const typing = last?.tokenType === T.Identifier && last.startOffset + last.image.length >= offset;
  const kind = kindAt(before, before.length - (typing ? 1 : 0));
  if (!kind) return [];
  const decl = program.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
  if (kind !== initializerCalls && decl?.kind !== "train") return []; // settings: in a train section
  return Object.entries(kind.table).map(([name, rule]) => ({
    name,
    what: kind.what,
    doc: rule.doc ?? "",
  }));
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
