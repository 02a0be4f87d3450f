/**
 * @file Elaborating a model: its inputs, parameters, layers and outputs, evaluated in order into
 * a trace graph.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { Dim } from "./dims.js";
import type { Evaluator } from "./evaluate.js";
import { describeKind, Scope, type Graph, type Tensor, type Value } from "./values.js";

export interface ModelResult {
  readonly graph: Graph;
  readonly scope: Scope;
  readonly outputs: ReadonlyMap<string, Tensor>;
  /** Outputs whose evaluation already reported an error. */
  readonly failed: ReadonlySet<string>;
  readonly inputs: ReadonlyMap<string, Tensor>;
}

/** `preset` gives values to input dimension names (a train section's data decides them). */
export function elaborateModel(
  ev: Evaluator,
  decl: A.ModelDecl,
  preset: (name: string) => Dim | undefined = () => undefined,
): ModelResult {
  const scope = new Scope(ev.globals);
  const outputs = new Map<string, Tensor>();
  const failed = new Set<string>();
  const outputList: { name: string; node: number; span: Span }[] = [];
  const inputs = new Map<string, Tensor>();
  const updates: A.UpdateDecl[] = [];
  /** Records an output; G0414 when it is not a tensor. */
  const addOutput = (name: A.Ident, v: Value, m: A.OutputDecl | A.Destructure): Value => {
    if (v.kind === "poison") failed.add(name.name);
    if (v.kind === "tensor") {
      outputs.set(name.name, v.t);
      outputList.push({ name: name.name, node: v.t.node, span: m.span });
    } else if (v.kind !== "poison") notATensor(ev, name.name, v, m.value.span);
    return v;
  };
  for (const m of decl.members) {
    switch (m.kind) {
      case "input": {
        const v = ev.declareInput(m, scope, preset);
        scope.set(m.name.name, v);
        if (v.kind === "tensor") inputs.set(m.name.name, v.t);
        break;
      }
      case "param":
        scope.set(m.name.name, ev.declarePersistent(m, scope, ""));
        break;
      case "state":
        scope.set(m.name.name, ev.declarePersistent(m, scope, ""));
        break;
      case "update":
        updates.push(m);
        break;
      case "bind":
        scope.set(m.name.name, ev.evalBinding(m, scope, ""));
        break;
      case "output":
        scope.set(m.name.name, addOutput(m.name, ev.evalExpr(m.value, scope), m));
        break;
      case "assert":
        ev.assertHolds(m, scope);
        break;
      case "destructure": {
        const values = ev.bindAll(m, ev.evalExpr(m.value, scope), scope);
        if (m.output) m.names.forEach((n, i) => addOutput(n, values[i]!, m));
        break;
      }
    }
  }
  // A model's updates run after its other members, so each state is declared by then.
  for (const u of updates) ev.evalUpdate(u, scope);
  return {
    graph: ev.graph(outputList),
    scope,
    outputs,
    failed,
    inputs,
  };
}

function notATensor(ev: Evaluator, name: string, v: Value, span: Span): void {
  const results =
    v.kind === "list" && v.items.length > 1 && v.items.every((i) => i.kind === "tensor");
  const names = results ? v.items.map((_, i) => `${name}${i + 1}`).join(", ") : "";
  ev.report({
    code: "G0414",
    message: results
      ? `output \`${name}\` must be one tensor, but this gives ${v.items.length} results`
      : `output \`${name}\` must be a tensor, but it is ${describeKind(v)}`,
    span,
    label: results ? `${v.items.length} results` : `this is ${describeKind(v)}`,
    ...(v.kind === "instance"
      ? { help: `apply the layer to an input, e.g. \`x |> ${v.inst.path}\`` }
      : results
        ? { help: `name each result: \`output (${names}) = ...\`` }
        : {}),
  });
}
