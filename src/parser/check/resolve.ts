/**
 * @file Checks that need no evaluation: duplicate definitions, block and model structure, and
 * name resolution in every declaration, so mistakes in code no model uses are still found.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { childrenOf } from "../ast.js";
import type { DiagnosticSink } from "./evaluate.js";
import { makeDiagnostic } from "../../diag/diagnostic.js";
import { didYouMean } from "./suggest.js";

export function checkStructure(
  decls: readonly A.Decl[],
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  for (const d of decls) {
    if (d.kind === "fn") checkFn(d, globals, sink);
    else if (d.kind === "block") checkBlock(d, globals, sink);
    else if (d.kind === "model") checkModel(d, globals, sink);
  }
}

function duplicates(names: readonly A.Ident[], what: string, sink: DiagnosticSink): void {
  const seen = new Map<string, Span>();
  for (const n of names) {
    const first = seen.get(n.name);
    if (first)
      sink.add(
        makeDiagnostic({
          code: "G0202",
          message: `${what} \`${n.name}\` is defined twice`,
          span: n.span,
          label: "second definition",
          secondary: [{ span: first, message: "first defined here" }],
          help: "rename one of them",
        }),
      );
    else seen.set(n.name, n.span);
  }
}

function checkFn(d: A.FnDecl, globals: ReadonlySet<string>, sink: DiagnosticSink): void {
  duplicates(
    d.params.map((p) => p.name),
    "parameter",
    sink,
  );
  const local = new Set<string>();
  for (const p of d.params) {
    if (p.default) resolveExpr(p.default, local, globals, sink);
    local.add(p.name.name);
  }
  resolveBody(d.body, local, globals, sink);
}

function checkBlock(d: A.BlockDecl, globals: ReadonlySet<string>, sink: DiagnosticSink): void {
  duplicates(
    d.params.map((p) => p.name),
    "block argument",
    sink,
  );
  const members = d.members.filter((m) => m.kind !== "forward");
  duplicates([...d.params.map((p) => p.name), ...members.flatMap(namesOf)], "name", sink);
  const forwards = d.members.filter((m): m is A.ForwardDecl => m.kind === "forward");
  if (forwards.length === 0)
    sink.add(
      makeDiagnostic({
        code: "G0701",
        message: `block \`${d.name.name}\` has no \`forward\``,
        span: d.name.span,
        label: "this block cannot be applied to anything",
        help: "add e.g. `forward(x: [N, in]) -> [N, out] = x @ w`",
      }),
    );
  for (const extra of forwards.slice(1))
    sink.add(
      makeDiagnostic({
        code: "G0702",
        message: `block \`${d.name.name}\` has more than one \`forward\``,
        span: extra.keywordSpan,
        label: "second forward",
        secondary: [{ span: forwards[0]!.keywordSpan, message: "first forward" }],
      }),
    );
  const local = new Set<string>();
  for (const p of d.params) {
    if (p.default) resolveExpr(p.default, local, globals, sink);
    local.add(p.name.name);
  }
  for (const m of d.members) {
    if (m.kind === "param") {
      if (m.init?.kind === "call")
        for (const a of m.init.args) resolveExpr(a.value, local, globals, sink);
      local.add(m.name.name);
    } else if (m.kind === "bind" || m.kind === "destructure") {
      resolveExpr(m.value, local, globals, sink);
      for (const n of namesOf(m)) local.add(n.name);
    } else if (m.kind === "assert") resolveExpr(m.condition, local, globals, sink);
  }
  for (const f of forwards) {
    duplicates(
      f.inputs.map((i) => i.name),
      "forward input",
      sink,
    );
    const inner = new Set(local);
    for (const i of f.inputs) {
      inner.add(i.name.name);
      for (const dim of i.type.dims) collectDimNames(dim, inner);
    }
    resolveBody(f.body, inner, globals, sink);
  }
}

function checkModel(d: A.ModelDecl, globals: ReadonlySet<string>, sink: DiagnosticSink): void {
  duplicates(d.members.flatMap(namesOf), "name", sink);
  if (!d.members.some((m) => m.kind === "output" || (m.kind === "destructure" && m.output)))
    sink.add(
      makeDiagnostic({
        code: "G0703",
        message: `model \`${d.name.name}\` has no \`output\``,
        span: d.name.span,
        label: "nothing to compute",
        help: "add e.g. `output logits = x |> layer`",
      }),
    );
  const local = new Set<string>();
  for (const m of d.members) {
    if (m.kind === "input") for (const dim of m.type.dims) collectDimNames(dim, local);
    if (m.kind === "bind" || m.kind === "output" || m.kind === "destructure")
      resolveExpr(m.value, local, globals, sink);
    if (m.kind === "assert") resolveExpr(m.condition, local, globals, sink);
    for (const n of namesOf(m)) local.add(n.name);
  }
}

/** The names a member or binding defines (several for `(a, b) = ...`). */
function namesOf(m: A.BlockMember | A.ModelMember): readonly A.Ident[] {
  if (m.kind === "forward" || m.kind === "assert") return [];
  return m.kind === "destructure" ? m.names : [m.name];
}

function collectDimNames(root: A.DimExpr, into: Set<string>): void {
  const todo: A.DimExpr[] = [root];
  for (let d = todo.pop(); d; d = todo.pop()) {
    if (d.kind === "dim-name") into.add(d.name);
    else if (d.kind === "dim-binary") todo.push(d.right, d.left);
  }
}

function resolveBody(
  b: A.Body,
  outer: ReadonlySet<string>,
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  const local = new Set(outer);
  for (const bind of b.bindings) {
    if (bind.kind === "destructure") duplicates(bind.names, "name", sink);
    resolveExpr(bind.kind === "assert" ? bind.condition : bind.value, local, globals, sink);
    for (const n of namesOf(bind)) local.add(n.name);
  }
  resolveExpr(b.result, local, globals, sink);
}

/**
 * Reports names that are neither local nor global. Named-argument labels are not names.
 * Iterative (an explicit stack), so a chain of thousands of operators is no deeper than one.
 */
export function resolveExpr(
  root: A.Expr,
  local: ReadonlySet<string>,
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  const todo: A.Expr[] = [root];
  for (let e = todo.pop(); e; e = todo.pop()) {
    if (e.kind === "name") {
      if (!local.has(e.name) && !globals.has(e.name)) unknownName(e, local, globals, sink);
    } else {
      const next = childrenOf(e);
      for (let i = next.length - 1; i >= 0; i--) todo.push(next[i]!);
    }
  }
}

function unknownName(
  e: A.NameRef,
  local: ReadonlySet<string>,
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  if (!sink.accepts(e.span.file)) return sink.drop(e.span.file, e.span.start);
  const help = didYouMean(e.name, [...local, ...globals]);
  sink.add(
    makeDiagnostic({
      code: "G0201",
      message: `unknown name \`${e.name}\``,
      span: e.span,
      label: "not found in this scope",
      ...(help ? { help } : {}),
    }),
  );
}

/** The sub-expressions whose names must resolve, in source order. */
