/**
 * @file Checks that need no evaluation: duplicate definitions, block and model structure, and
 * name resolution in every declaration, so mistakes in code no model uses are still found.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { childrenOf } from "../ast.js";
import type { DiagnosticSink } from "./sink.js";
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
  resolveBody(d.body, local, globals, sink, undefined);
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
  const states = stateNames(d.members);
  for (const m of d.members) {
    if (m.kind === "param" || m.kind === "state") {
      if (m.init?.kind === "call")
        for (const a of m.init.args) resolveExpr(a.value, local, globals, sink);
      local.add(m.name.name);
    } else if (m.kind === "update") {
      misplacedUpdate(m, "among a block's members", sink);
      resolveExpr(m.value, local, globals, sink);
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
    resolveBody(f.body, inner, globals, sink, { states, owner: `block \`${d.name.name}\`` });
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
  const states = { states: stateNames(d.members), owner: `model \`${d.name.name}\`` };
  for (const m of d.members) {
    if (m.kind === "input") for (const dim of m.type.dims) collectDimNames(dim, local);
    if (m.kind === "update") checkUpdate(m, states, local, globals, sink);
    if (m.kind === "bind" || m.kind === "output" || m.kind === "destructure")
      resolveExpr(m.value, local, globals, sink);
    if (m.kind === "assert") resolveExpr(m.condition, local, globals, sink);
    for (const n of namesOf(m)) local.add(n.name);
  }
}

/** The names a member or binding defines (several for `(a, b) = ...`). */
function namesOf(m: A.BlockMember | A.ModelMember): readonly A.Ident[] {
  if (m.kind === "forward" || m.kind === "assert" || m.kind === "update") return [];
  return m.kind === "destructure" ? m.names : [m.name];
}

function collectDimNames(root: A.DimExpr, into: Set<string>): void {
  const todo: A.DimExpr[] = [root];
  for (let d = todo.pop(); d; d = todo.pop()) {
    if (d.kind === "dim-name") into.add(d.name);
    else if (d.kind === "dim-binary") todo.push(d.right, d.left);
  }
}

/** The states a body may update: its block's (or model's), named for messages. */
interface Updatable {
  readonly states: ReadonlyMap<string, Span>;
  readonly owner: string;
}

/** `states` is undefined in a function's body, where `update` has nothing to update (G0419). */
function resolveBody(
  b: A.Body,
  outer: ReadonlySet<string>,
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
  states: Updatable | undefined,
): void {
  const local = new Set(outer);
  for (const bind of b.bindings) {
    if (bind.kind === "destructure") duplicates(bind.names, "name", sink);
    if (bind.kind === "update") {
      if (states) checkUpdate(bind, states, local, globals, sink);
      else {
        misplacedUpdate(bind, "in a function", sink);
        resolveExpr(bind.value, local, globals, sink);
      }
      continue;
    }
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

/** The `state` members of a block or model, by name. */
function stateNames(members: readonly (A.BlockMember | A.ModelMember)[]): Map<string, Span> {
  const states = new Map<string, Span>();
  for (const m of members) if (m.kind === "state") states.set(m.name.name, m.name.span);
  return states;
}

/** `update name = value` where a state may be updated: `name` must be one of `states` (G0416). */
function checkUpdate(
  u: A.UpdateDecl,
  { states, owner }: Updatable,
  local: ReadonlySet<string>,
  globals: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  resolveExpr(u.value, local, globals, sink);
  if (states.has(u.name.name)) return;
  const help = didYouMean(u.name.name, [...states.keys()]);
  sink.add(
    makeDiagnostic({
      code: "G0416",
      message: `\`update\` needs a state of ${owner}, but \`${u.name.name}\` is not one`,
      span: u.name.span,
      label: "not a `state` of this block",
      notes: [
        states.size > 0
          ? `its states: ${[...states.keys()].join(", ")}`
          : `${owner} declares no state`,
        "only a `state` declared by the block (or model) itself can be updated; parameters train through the loss",
      ],
      ...(help ? { help } : { help: `declare it, e.g. \`state ${u.name.name}: [dim] ~ zeros\`` }),
    }),
  );
}

/** G0419: an `update` outside a forward body or a model. */
function misplacedUpdate(u: A.UpdateDecl, where: string, sink: DiagnosticSink): void {
  sink.add(
    makeDiagnostic({
      code: "G0419",
      message: `\`update\` cannot stand ${where}`,
      span: { ...u.span, end: u.name.span.end },
      label: "not in a forward body or a model",
      notes: [
        "a state changes once per training step, where its block runs: in the block's `forward` (or in a model's members)",
      ],
      help: "move the `update` into the `forward` of the block that declares the state",
    }),
  );
}
