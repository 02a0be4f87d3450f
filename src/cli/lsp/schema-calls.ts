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
import { initializerNames, initializers, initializerSchema } from "../../ops/initializers.js";
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

/** The schema of the initializer `name`, if it is one. */
function initializerCall(name: string): SchemaCall | undefined {
  const s = initializerSchema(name);
  return s && { what: "initializer", name, doc: s.doc, params: paramsOf(s.params) };
}

/** A train setting's calls by setting name: what they are and their schema records in src/ops. */
const settingCalls: Readonly<
  Record<string, { readonly what: string; readonly table: Readonly<Record<string, CallRule>> }>
> = {
  data: { what: "data source", table: dataSources },
  optimizer: { what: "optimizer", table: optimizerSchemas },
  schedule: { what: "schedule", table: scheduleSchemas },
};

/** The call `name` of train setting `setting` (`optimizer = adam(...)`), if it is one. */
function settingCall(setting: string, name: string): SchemaCall | undefined {
  const calls = Object.hasOwn(settingCalls, setting) ? settingCalls[setting] : undefined;
  const rule = calls && Object.hasOwn(calls.table, name) ? calls.table[name] : undefined;
  if (!rule) return undefined;
  return { what: calls!.what, name, doc: rule.doc ?? "", params: paramsOf(rule.args) };
}

/**
 * The schema call `token` names in `text`, if any: an initializer when `~` comes before it, a
 * data source, an optimizer or a schedule when `data =`, `optimizer =` or `schedule =` does.
 */
export function schemaCall(text: string, token: IToken): SchemaCall | undefined {
  const tokens = T.groveLexer.tokenize(text).tokens;
  const k = tokens.findIndex((t) => t.startOffset === token.startOffset);
  if (tokens[k - 1]?.tokenType === T.Tilde) return initializerCall(token.image);
  const [key, equals] = [tokens[k - 2], tokens[k - 1]];
  if (key?.tokenType === T.Identifier && equals?.tokenType === T.Equals)
    return settingCall(key.image, token.image);
  return undefined;
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
  const k = before.length - (typing ? 1 : 0);
  if (before[k - 1]?.tokenType === T.Tilde)
    return initializerNames.map((name) => ({
      name,
      what: "initializer",
      doc: initializers[name].doc,
    }));
  const [key, equals] = [before[k - 2], before[k - 1]];
  if (key?.tokenType !== T.Identifier || equals?.tokenType !== T.Equals) return [];
  const calls = Object.hasOwn(settingCalls, key.image) ? settingCalls[key.image] : undefined;
  const decl = program.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
  if (!calls || decl?.kind !== "train") return [];
  return Object.entries(calls.table).map(([name, rule]) => ({
    name,
    what: calls.what,
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
