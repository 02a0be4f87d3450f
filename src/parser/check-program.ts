/**
 * @file Checking a Grove program through a `Host`: the entry file, its imports (missing, cyclic,
 * outside the import root or not Grove source reported; reading rules in `source-files.ts`), the
 * standard library every file sees (given parsed, `parseStd`), the global scope, and then the
 * structural checks, model elaboration and train sections. No Node.js module is imported here, so
 * the checker also runs in a browser page; `program.ts` is the front end's Node API (`checkFile`).
 */
import { makeDiagnostic, type Diagnostic, type Span } from "../diag/diagnostic.js";
import { SourceMap } from "../diag/render.js";
import type * as A from "./ast.js";
import { builtinNames } from "./check/builtins/index.js";
import { Evaluator } from "./check/evaluate.js";
import { DiagnosticSink } from "./check/sink.js";
import { elaborateModel } from "./check/model.js";
import { checkStructure } from "./check/resolve.js";
import { checkTrain } from "./check/train.js";
import {
  Scope,
  type CheckedProgram,
  type ElaboratedModel,
  type ElaboratedTrain,
} from "./check/values.js";
import { parse, parseSetting } from "./parse.js";
import { dirname, join, normalize, relative, resolve } from "./paths.js";
import {
  capImportedSyntaxErrors,
  cwdOf,
  importRoot,
  loadSource,
  type Host,
} from "./source-files.js";

export interface CheckResult {
  readonly program: CheckedProgram;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceMap;
}

interface Loaded {
  readonly user: A.Program[];
  readonly std: readonly A.Program[];
}

/** The standard library parsed: every file's AST, syntax diagnostics and text. */
export interface StdLibrary {
  readonly programs: readonly A.Program[];
  readonly diagnostics: readonly Diagnostic[];
  /** `[display path, text]` of each file (`std/layers.grove`). */
  readonly texts: readonly (readonly [string, string])[];
}

/** Parses the standard library's files, given as `[file name, text]` (`layers.grove`). */
export function parseStd(files: readonly (readonly [string, string])[]): StdLibrary {
  const programs: A.Program[] = [];
  const diagnostics: Diagnostic[] = [];
  const texts: [string, string][] = [];
  for (const [name, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const display = `std/${name}`;
    const r = parse(text, display);
    programs.push(r.value);
    diagnostics.push(...r.diagnostics);
    texts.push([display, text]);
  }
  return { programs, diagnostics, texts };
}

/**
 * Loads `entry` and everything it imports, depth first, reporting missing and cyclic imports and
 * imports that leave `root` or are not Grove source (`source-files.ts`).
 */
function loadUser(
  entry: string,
  host: Host,
  root: string,
  sources: SourceMap,
  diags: Diagnostic[],
): A.Program[] {
  const done = new Map<string, A.Program>();
  const order: A.Program[] = [];
  // The files being loaded, innermost last, each with the next of its decls to look at: an
  // explicit stack, so a chain of thousands of imports cannot overflow the call stack.
  const stack: { path: string; key: string; program: A.Program; next: number }[] = [];
  const loading = new Set<string>();

  /** Reads and parses one file and pushes it on `stack`, or reports why not. */
  const cwd = cwdOf(host);
  const visit = (path: string, from?: A.ImportDecl): void => {
    const key = resolve(cwd, path);
    if (loading.has(key)) {
      const chain = [
        ...stack.slice(stack.findIndex((f) => f.key === key)).map((f) => f.path),
        path,
      ];
      diags.push(
        makeDiagnostic({
          code: "G0502",
          message: `cyclic import: ${chain.join(" -> ")}`,
          span: from!.path.span,
          label: "this import leads back to a file that is still being loaded",
          help: "move the shared definitions into a third file that both import",
        }),
      );
      return;
    }
    if (done.has(key)) return;
    const loaded = loadSource(host, root, path, from);
    if ("diagnostic" in loaded) {
      diags.push(loaded.diagnostic);
      return;
    }
    const { text } = loaded;
    sources.add({ path, text });
    const r = parse(text, path);
    diags.push(
      ...(from ? capImportedSyntaxErrors(r.diagnostics, path, text, from) : r.diagnostics),
    );
    done.set(key, r.value);
    stack.push({ path, key, program: r.value, next: 0 });
    loading.add(key);
  };

  visit(entry);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const decls = top.program.decls;
    while (top.next < decls.length && decls[top.next]!.kind !== "import") top.next++;
    const d = decls[top.next++];
    if (d?.kind === "import") {
      visit(displayPath(cwd, join(dirname(top.path), d.path.value)), d);
      continue;
    }
    stack.pop();
    loading.delete(top.key);
    order.push(top.program);
  }
  return order;
}

function displayPath(cwd: string, p: string): string {
  const rel = relative(cwd, cwd, resolve(cwd, p));
  return rel.startsWith("..") ? normalize(p) : rel;
}

type Named = A.FnDecl | A.BlockDecl | A.ModelDecl;

function isNamed(d: A.Decl): d is Named {
  return d.kind === "fn" || d.kind === "block" || d.kind === "model";
}

/** builtins ← standard library ← user declarations. */
function buildGlobals(loaded: Loaded, diags: Diagnostic[]): { globals: Scope; names: Set<string> } {
  const builtins = new Scope();
  for (const n of builtinNames) builtins.set(n, { kind: "builtin", name: n });
  builtins.set("true", { kind: "bool", value: true });
  builtins.set("false", { kind: "bool", value: false });
  builtins.set("f32", { kind: "dtype", dtype: "f32" });
  builtins.set("i32", { kind: "dtype", dtype: "i32" });
  builtins.set("repeat", { kind: "repeat" });
  const std = new Scope(builtins);
  for (const p of loaded.std)
    for (const d of p.decls) if (isNamed(d)) std.set(d.name.name, valueOf(d));
  const user = new Scope(std);
  const first = new Map<string, Span>();
  for (const p of loaded.user)
    for (const d of p.decls) {
      if (!isNamed(d)) continue;
      const prev = first.get(d.name.name);
      if (prev) {
        diags.push(
          makeDiagnostic({
            code: "G0202",
            message: `\`${d.name.name}\` is defined twice`,
            span: d.name.span,
            label: "second definition",
            secondary: [{ span: prev, message: "first defined here" }],
            help: "rename one of them",
          }),
        );
        continue;
      }
      first.set(d.name.name, d.name.span);
      user.set(d.name.name, valueOf(d));
    }
  return { globals: user, names: new Set(user.allNames()) };
}

function valueOf(d: Named) {
  if (d.kind === "fn") return { kind: "fn", decl: d } as const;
  if (d.kind === "block") return { kind: "block", decl: d } as const;
  return { kind: "model", decl: d } as const;
}

export interface CheckOptions {
  /**
   * Train settings from the command line (`optimizer = adam(lr: 3e-4)`), one per string; each
   * replaces the setting of the same name in every train section (or adds it), and is checked
   * like one written there. Diagnostics point into the virtual file `--set N`.
   */
  readonly settings?: readonly string[];
  /**
   * The folder imports may reach (with everything under it); default: the entry file's folder.
   * Symbolic links are resolved before the check. `--import-root` on the command line.
   */
  readonly importRoot?: string | undefined;
}

/**
 * Parses and checks the file `entry` of `host` with its imports and the standard library `std`.
 * Never throws on user error.
 */
export function checkProgram(
  entry: string,
  host: Host,
  std: StdLibrary,
  options: CheckOptions = {},
): CheckResult {
  const sources = new SourceMap();
  const diags: Diagnostic[] = [];
  for (const [path, text] of std.texts) sources.add({ path, text });
  diags.push(...std.diagnostics);
  const root = importRoot(host, options.importRoot ?? dirname(entry));
  const user = loadUser(entry, host, root, sources, diags);
  const overrides: A.TrainSetting[] = [];
  (options.settings ?? []).forEach((text, k) => {
    const path = `--set ${k + 1}`;
    sources.add({ path, text });
    const r = parseSetting(text, path);
    diags.push(...r.diagnostics);
    if (r.value) overrides.push(r.value);
  });
  const loaded: Loaded = { user, std: std.programs };
  const { globals, names } = buildGlobals(loaded, diags);

  const sink = new DiagnosticSink();
  for (const d of diags) sink.add(d);
  // After a syntax error the AST is partial: checking it would mostly report echoes.
  if (diags.length > 0)
    return {
      program: { models: [], trains: [] },
      diagnostics: sortDiagnostics(sink.list),
      sources,
    };
  const decls = user.flatMap((p) => p.decls);
  checkStructure(decls, names, sink);

  const modelDecls = new Map<string, A.ModelDecl>();
  for (const d of decls)
    if (d.kind === "model" && !modelDecls.has(d.name.name)) modelDecls.set(d.name.name, d);
  const models: ElaboratedModel[] = [];
  for (const d of modelDecls.values()) {
    const ev = new Evaluator(globals, sink);
    const m = elaborateModel(ev, d);
    models.push({ name: d.name.name, graph: m.graph, span: d.span });
  }
  const trains: ElaboratedTrain[] = [];
  for (const d of decls) {
    if (d.kind !== "train") continue;
    const t = checkTrain(d, modelDecls, globals, sink, overrides);
    if (t) trains.push(t);
  }
  return { program: { models, trains }, diagnostics: sortDiagnostics(sink.list), sources };
}

/** Source order within a file; files in the order they were first mentioned. */
function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const fileOrder = new Map<string, number>();
  for (const d of list) {
    const f = d.labels[0]?.span.file ?? "";
    if (!fileOrder.has(f)) fileOrder.set(f, fileOrder.size);
  }
  return [...list].sort((a, b) => {
    const sa = a.labels[0]?.span;
    const sb = b.labels[0]?.span;
    const fa = fileOrder.get(sa?.file ?? "")!;
    const fb = fileOrder.get(sb?.file ?? "")!;
    return fa - fb || (sa?.start ?? 0) - (sb?.start ?? 0);
  });
}
