/**
 * @file The function bodies of `model.py`: a module's `forward` for one call of it, and the body
 * of `objective`. One statement per trace node (through `torchRules`), values read once written
 * inline, each statement ending with its `.grove` location; symbolic dimensions a body needs and
 * cannot find in its inputs become keyword arguments.
 */
import { InternalError, type Span } from "../../diag/diagnostic.js";
import { commentText } from "../../diag/escape.js";
import type { Dim } from "../../parser/check/dims.js";
import type { TraceNode } from "../../parser/check/values.js";
import { isCall, isFree, isMember, nodesOf, within, type Call } from "./calls.js";
import { isPyIdentifier, pyDim, pyName, pyString } from "./python-text.js";
import { torchExpr, type Expr, type RuleContext } from "./torch-rules.js";

/** The symbols of dimensions in a node's attributes (shapes, lengths, values). */
function symbolsOf(n: TraceNode): string[] {
  const out: string[] = [];
  const add = (d: unknown) => {
    if (typeof d === "object" && d !== null && "terms" in d)
      for (const t of (d as Dim).terms) out.push(...t.symbols);
  };
  for (const v of Object.values(n.attrs)) (Array.isArray(v) ? v : [v]).forEach(add);
  return out;
}

const bareSymbol = (d: Dim) =>
  d.terms.length === 1 && d.terms[0]!.coeff === 1 && d.terms[0]!.symbols.length === 1
    ? d.terms[0]!.symbols[0]
    : undefined;

/** A Python reference to the attribute at relative path `rel` of `owner` (`self`, `model`). */
function memberPath(
  rel: string,
  lists: ReadonlySet<string>,
  scope: string,
  owner = "self",
): string {
  let out = owner;
  let at = scope;
  for (const part of rel.split(".")) {
    if (lists.has(at) && /^\d+$/.test(part)) out += `[${part}]`;
    else if (isPyIdentifier(part)) out += `.${part}`;
    else out = `getattr(${out}, ${pyString(part)})`;
    at = at === "" ? part : `${at}.${part}`;
  }
  return out;
}

export interface Shared {
  readonly byId: ReadonlyMap<number, TraceNode>;
  readonly readers: ReadonlyMap<number, number>;
  readonly locate: (span: Span) => string;
  /** Instances that are `nn.ModuleList`s (only numbered children, no parameters). */
  readonly lists: ReadonlySet<string>;
  /** Symbols each instance's forward takes as keyword arguments (not found in its inputs). */
  readonly extraSymbols: Map<string, string[]>;
  /** The state each `update` node gives its value to, by node id. */
  readonly updates: ReadonlyMap<number, string>;
}

export interface FnSpec {
  readonly call: Call;
  /** Python expressions of the values it reads from outside. */
  readonly args: ReadonlyMap<number, string>;
  /** Its scope for `self.` paths ("" in `objective`, whose parameters are the model's). */
  readonly scope: string;
  /** Who holds the parameters: `self` in a module, `model` in `objective`. */
  readonly owner: string;
  readonly training: string;
  /** Names already taken (arguments, outputs). */
  readonly taken: Set<string>;
  /** Names for result ids (the model's outputs). */
  readonly resultNames?: ReadonlyMap<number, string>;
}

/** The statements of a function body, and the expressions of its results. */
export function renderBody(
  spec: FnSpec,
  shared: Shared,
): { lines: string[]; results: string[]; symbols: string[] } {
  const { call } = spec;
  const exprs = new Map<number, Expr>();
  for (const [id, text] of spec.args) exprs.set(id, { text });
  const lines: string[] = [];
  let counter = 0;
  const fresh = () => {
    let name: string;
    do name = `h${++counter}`;
    while (spec.taken.has(name));
    return name;
  };
  const symbols = new Map<string, string>();
  const missing: string[] = [];
  const symbol = (s: string) => {
    if (!symbols.has(s)) {
      const bound = [...spec.args].find(([id]) =>
        shared.byId.get(id)!.shape.some((d) => bareSymbol(d) === s),
      );
      if (!bound) missing.push(s);
      symbols.set(s, pyName(s));
    }
    return symbols.get(s)!;
  };
  const firstTensor = () => [...spec.args.values()][0];
  const cx: RuleContext = {
    training: spec.training,
    dim: (d) => pyDim(d, symbol),
    device: () => {
      const t = firstTensor();
      if (t) return `${t}.device`;
      const p = nodesOf(call)
        .flatMap((n) => n.inputs)
        .map((i) => shared.byId.get(i)!)
        .find(isMember);
      return p ? `${exprOf(p.id).text}.device` : "None";
    },
  };
  const exprOf = (id: number): Expr => {
    const e = exprs.get(id);
    if (e) return e;
    const n = shared.byId.get(id)!;
    if (isMember(n) && within(n.scope, spec.scope)) {
      const name = n.attrs.name;
      const rel = spec.scope === "" ? name : name.slice(spec.scope.length + 1);
      return { text: memberPath(rel, shared.lists, spec.scope, spec.owner) };
    }
    if (n.op === "const" || n.op === "training") return torchExpr(n, [], cx);
    throw new InternalError(
      `node ${id} (${n.op}) is not available in ${call.scope || "the model"}`,
    );
  };
  // a state's update is computed with the call's values and written at its end, in training
  const updates = call.items.filter((x): x is TraceNode => !isCall(x) && shared.updates.has(x.id));
  const results = new Set([...call.outputs, ...updates.map((n) => n.id)]);
  for (const item of call.items) {
    if (isCall(item)) {
      const outs = item.outputs.map((id) => spec.resultNames?.get(id) ?? fresh());
      const args = item.inputs.map((i) => exprOf(i).text);
      for (const s of shared.extraSymbols.get(item.scope) ?? [])
        args.push(`${pyName(s)}=${symbol(s)}`);
      const rel = spec.scope === "" ? item.scope : item.scope.slice(spec.scope.length + 1);
      const target = outs.length === 0 ? "" : `${outs.join(", ")} = `;
      lines.push(
        `${target}${memberPath(rel, shared.lists, spec.scope, spec.owner)}(${args.join(", ")})`,
      );
      item.outputs.forEach((id, k) => exprs.set(id, { text: outs[k]! }));
      continue;
    }
    if (isFree(item) || item.op === "input") continue;
    for (const s of symbolsOf(item)) symbol(s);
    const e = torchExpr(item, item.inputs.map(exprOf), cx);
    const once = shared.readers.get(item.id) === 1 && !results.has(item.id);
    if (once && e.text.length <= 60) {
      exprs.set(item.id, e);
      continue;
    }
    const name = spec.resultNames?.get(item.id) ?? fresh();
    lines.push(`${name} = ${e.text}  # ${commentText(shared.locate(item.span), "python")}`);
    exprs.set(item.id, { text: name });
  }
  const bindings: string[] = [];
  for (const [s, py] of symbols) {
    if (missing.includes(s)) continue;
    for (const [id, text] of spec.args) {
      const k = shared.byId.get(id)!.shape.findIndex((d) => bareSymbol(d) === s);
      if (k >= 0) {
        bindings.push(`${py} = ${text}.shape[${k}]`);
        break;
      }
    }
  }
  if (updates.length > 0)
    lines.push(
      `if ${spec.training}:`,
      "    with torch.no_grad():",
      ...updates.map((n) => {
        const name = shared.updates.get(n.id)!;
        const rel = spec.scope === "" ? name : name.slice(spec.scope.length + 1);
        const target = memberPath(rel, shared.lists, spec.scope, spec.owner);
        return `        ${target}.copy_(${exprOf(n.id).text})  # ${commentText(shared.locate(n.span), "python")}`;
      }),
    );
  return {
    lines: [...bindings, ...lines],
    results: call.outputs.map((id) => exprOf(id).text),
    symbols: missing,
  };
}

export const indent = (lines: readonly string[], by: string) => lines.map((l) => (l ? by + l : l));

/** A module's forward for one call of it: `def forward(self, x, ...)` and its body. */
export function forwardText(
  call: Call,
  path: string,
  shared: Shared,
): { text: string; lines: string[]; symbols: string[] } {
  const names = call.inputs.length === 1 ? ["x"] : call.inputs.map((_, k) => `x${k + 1}`);
  const body = renderBody(
    {
      call,
      args: new Map(call.inputs.map((id, k) => [id, names[k]!])),
      scope: path,
      owner: "self",
      training: "self.training",
      taken: new Set(names),
    },
    shared,
  );
  const extra = body.symbols.map((s) => `, ${pyName(s)}`).join("");
  const ret = body.results.length === 1 ? body.results[0]! : body.results.join(", ");
  const lines = [
    `def forward(self${names.map((n) => `, ${n}`).join("")}${extra}):`,
    ...indent(body.lines, "    "),
    `    return ${ret}`,
  ];
  return { text: lines.join("\n"), lines, symbols: body.symbols };
}
