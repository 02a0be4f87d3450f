/**
 * @file What the language server knows about names, from the AST and the tokens alone: the
 * definitions in a file (top-level declarations and the names each one binds), the name under
 * the cursor, where it is defined (this file, its imports, then `std/`), the names in scope for
 * completion, and the places a local binding is used (for rename).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { IToken } from "chevrotain";
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../../parser/ast.js";
import { parse } from "../../parser/parse.js";
import { stdDir } from "../../parser/program.js";
import * as T from "../../parser/tokens.js";
import { dataSourceNames } from "../../ops/data-sources.js";
import { optimizerNames } from "../../ops/optimizers.js";
import { defaultSchedule, scheduleNames } from "../../ops/schedules.js";
import { schemaCall } from "./schema-calls.js";

/** A name with where it is defined and what defines it. */
export interface Definition {
  readonly name: string;
  readonly span: Span;
  /** `fn`, `block`, `model`, `train`, `param`, `input`, `output`, `bind`, `argument`, ... */
  readonly kind: string;
  /** The declaration it belongs to (a top-level name: itself). */
  readonly owner: Span;
}

/** `a(...), b(...) or c(...)`. */
function callList(names: readonly string[]): string {
  const calls = names.map((n) => `${n}(...)`);
  return `${calls.slice(0, -1).join(", ")} or ${calls.at(-1)}`;
}

/** Train settings with what each takes (docs/language.md, Train sections). */
export const trainSettings: Readonly<Record<string, string>> = {
  data: `a data source call: ${callList(dataSourceNames)}`,
  loss: "a scalar f32 expression over model outputs and data fields",
  optimizer: callList(optimizerNames),
  schedule: `${callList(scheduleNames)}; default ${defaultSchedule.name}()`,
  batch: "positive integer, at most 16777216; default 32",
  epochs: "positive integer, at most 1000000; default 1",
  clip_grad_norm: "positive number: clip the global gradient norm to this",
  seed: "integer 0 … 4294967295: initialisation, shuffling, dropout; default 0",
  metrics: "list of scalar expressions, each may be named `name = ...`",
};

const isIdent = (v: unknown): v is A.Ident =>
  typeof v === "object" && v !== null && typeof (v as A.Ident).name === "string" && "span" in v;

/** Every name `node` binds (recursively), owned by `owner`. */
function bound(node: unknown, owner: Span, out: Definition[], kind = "bind"): void {
  if (Array.isArray(node)) {
    for (const n of node) bound(n, owner, out, kind);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const rec = node as Record<string, unknown>;
  const k = typeof rec["kind"] === "string" ? (rec["kind"] as string) : kind;
  if (isIdent(rec["name"])) out.push({ ...rec["name"], name: rec["name"].name, kind: k, owner });
  if (Array.isArray(rec["names"]))
    for (const n of rec["names"])
      if (isIdent(n)) out.push({ name: n.name, span: n.span, kind: k, owner });
  for (const [key, v] of Object.entries(rec))
    if (key === "params") bound(v, owner, out, "argument");
    else if (key === "inputs") bound(v, owner, out, "input");
    else if (key === "members" || key === "body" || key === "bindings") bound(v, owner, out);
}

/** The top-level declarations of `program` and the names each binds inside. */
export function definitionsOf(program: A.Program): { top: Definition[]; local: Definition[] } {
  const top: Definition[] = [];
  const local: Definition[] = [];
  for (const d of program.decls) {
    if (d.kind === "import") continue;
    const name = d.kind === "train" ? d.model : d.name;
    top.push({ name: name.name, span: name.span, kind: d.kind, owner: d.span });
    const inner: Definition[] = [];
    bound(d, d.span, inner);
    local.push(...inner.filter((x) => x.span.start !== name.span.start));
  }
  return { top, local };
}

/** The identifier token at `offset` (or ending right at it), if any. */
export function identifierAt(text: string, offset: number): IToken | undefined {
  const { tokens } = T.groveLexer.tokenize(text);
  return tokens.find(
    (t) =>
      t.tokenType === T.Identifier &&
      t.startOffset <= offset &&
      offset <= t.startOffset + t.image.length,
  );
}

/** The declaration whose span holds `offset`. */
export function enclosing(program: A.Program, offset: number): A.Decl | undefined {
  return program.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
}

/** The programs a file sees besides itself: its imports (one level), then std/. */
export function visiblePrograms(
  program: A.Program,
  read: (p: string) => string | undefined,
): A.Program[] {
  const out: A.Program[] = [];
  for (const d of program.decls) {
    if (d.kind !== "import") continue;
    const path = resolve(dirname(program.file), d.path.value);
    const text = read(path);
    if (text !== undefined) out.push(parse(text, path).value);
  }
  return [...out, ...stdPrograms()];
}

let stdCache: A.Program[] | undefined;
function stdPrograms(): A.Program[] {
  stdCache ??= readdirSync(stdDir)
    .filter((f) => f.endsWith(".grove"))
    .sort()
    .map((f) => parse(readFileSync(join(stdDir, f), "utf8"), join(stdDir, f)).value);
  return stdCache;
}

/** Where the name at `offset` is defined: a local binding, this file, an import, std/. */
export function definitionAt(
  program: A.Program,
  text: string,
  offset: number,
  read: (p: string) => string | undefined,
): Definition | undefined {
  const tok = identifierAt(text, offset);
  if (!tok) return undefined;
  const name = tok.image;
  const here = definitionsOf(program);
  const decl = enclosing(program, offset);
  const local = decl && here.local.find((d) => d.name === name && d.owner === decl.span);
  if (local) return local;
  const top = here.top.find((d) => d.name === name && d.kind !== "train");
  if (top) return top;
  for (const p of visiblePrograms(program, read)) {
    const found = definitionsOf(p).top.find((d) => d.name === name && d.kind !== "train");
    if (found) return found;
  }
  return undefined;
}

/** Names in scope at `offset`: local ones first, then this file's, imported and std names. */
export function namesInScope(
  program: A.Program,
  offset: number,
  read: (p: string) => string | undefined,
): Definition[] {
  const here = definitionsOf(program);
  const decl = enclosing(program, offset);
  const local = decl ? here.local.filter((d) => d.owner === decl.span) : [];
  const others = visiblePrograms(program, read).flatMap((p) => definitionsOf(p).top);
  const seen = new Set<string>();
  return [...local, ...here.top, ...others].filter(
    (d) => d.kind !== "train" && !seen.has(d.name) && (seen.add(d.name), true),
  );
}

/**
 * The spans of every use of the local binding at `offset` inside its declaration, definition
 * included; undefined when the name there is not a local binding. Member names (`l1.w`) and
 * named arguments (`keepdims: true`) are not uses.
 */
export function localUses(program: A.Program, text: string, offset: number): Span[] | undefined {
  const decl = enclosing(program, offset);
  const tok = identifierAt(text, offset);
  if (!decl || !tok) return undefined;
  const defs = definitionsOf(program).local.filter(
    (d) => d.name === tok.image && d.owner === decl.span,
  );
  if (defs.length === 0) return undefined;
  const starts = new Set(defs.map((d) => d.span.start));
  const { tokens } = T.groveLexer.tokenize(text);
  const uses: Span[] = [];
  tokens.forEach((t, k) => {
    if (t.tokenType !== T.Identifier || t.image !== tok.image) return;
    if (t.startOffset < decl.span.start || t.startOffset >= decl.span.end) return;
    if (tokens[k - 1]?.tokenType === T.Dot) return;
    if (tokens[k + 1]?.tokenType === T.Colon && !starts.has(t.startOffset)) return;
    uses.push({ file: program.file, start: t.startOffset, end: t.startOffset + t.image.length });
  });
  return uses;
}

/** The callee of the innermost call whose `(` is open at `offset`: its token. */
function openCallee(text: string, offset: number): IToken | undefined {
  const tokens = T.groveLexer.tokenize(text).tokens.filter((t) => t.startOffset < offset);
  let depth = 0;
  for (let k = tokens.length - 1; k >= 0; k--) {
    const type = tokens[k]!.tokenType;
    if (type === T.RParen || type === T.RBracket) depth++;
    else if (type === T.LBracket && depth > 0) depth--;
    else if (type === T.LParen) {
      if (depth > 0) depth--;
      else return tokens[k - 1]?.tokenType === T.Identifier ? tokens[k - 1] : undefined;
    }
  }
  return undefined;
}

/**
 * The arguments of the `fn` or `block` being called at `offset` (`Dense(784, |`), each with its
 * default as written; for an initializer, data source, optimizer or schedule, its schema's
 * parameters (`schema-calls.ts`); empty outside a call or for a builtin.
 */
export function callArguments(
  program: A.Program,
  text: string,
  offset: number,
  read: (p: string) => string | undefined,
): { name: string; default?: string; doc?: string }[] {
  const callee = openCallee(text, offset);
  const def = callee && definitionAt(program, text, callee.startOffset, read);
  if (!def && callee) return [...(schemaCall(text, callee)?.params ?? [])];
  if (!def || (def.kind !== "fn" && def.kind !== "block")) return [];
  const source = def.span.file === program.file ? text : read(def.span.file);
  if (source === undefined) return [];
  const decl = parse(source, def.span.file).value.decls.find(
    (d) => (d.kind === "fn" || d.kind === "block") && d.name.span.start === def.span.start,
  );
  if (!decl || (decl.kind !== "fn" && decl.kind !== "block")) return [];
  return decl.params.map((p) => ({
    name: p.name.name,
    ...(p.default ? { default: source.slice(p.default.span.start, p.default.span.end) } : {}),
  }));
}
