/**
 * @file Elaborating a model: its inputs, parameters, layers and outputs, evaluated in order into
 * a trace graph.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { Dim } from "./dims.js";
import type { Evaluator } from "./evaluate.js";
import { formatShape } from "./shapes.js";
import { describeKind, Scope, type Graph, type Tensor } from "./values.js";

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
  for (const m of decl.members) {
    switch (m.kind) {
      case "input": {
        const v = ev.declareInput(m, scope, preset);
        scope.set(m.name.name, v);
        if (v.kind === "tensor") inputs.set(m.name.name, v.t);
        break;
      }
      case "param":
        scope.set(m.name.name, ev.declareParam(m, scope, ""));
        break;
      case "bind":
        scope.set(m.name.name, ev.evalBinding(m, scope, ""));
        break;
      case "output": {
        const v = ev.evalExpr(m.value, scope);
        scope.set(m.name.name, v);
        if (v.kind === "poison") failed.add(m.name.name);
        if (v.kind === "tensor") {
          outputs.set(m.name.name, v.t);
          outputList.push({ name: m.name.name, node: v.t.node, span: m.span });
        } else if (v.kind !== "poison") {
          ev.report({
            code: "G0414",
            message: `output \`${m.name.name}\` must be a tensor, but it is ${describeKind(v)}`,
            span: m.value.span,
            label: `this is ${describeKind(v)}`,
            ...(v.kind === "instance"
              ? {
                  help: `apply the layer to an input, e.g. \`x |> ${v.inst.path}\``,
                }
              : {}),
          });
        }
        break;
      }
    }
  }
  return {
    graph: {
      nodes: ev.nodes,
      inputs: ev.inputs,
      params: ev.params,
      outputs: outputList,
    },
    scope,
    outputs,
    failed,
    inputs,
  };
}

export function describeTensor(t: Tensor): string {
  return (t.dtype === "f32" ? "" : t.dtype) + formatShape(t.shape);
}
