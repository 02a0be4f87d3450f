/**
 * @file What hover shows about a model's names from the checked program: the name's model and
 * its type as `parser/check/binding-types.ts` reads it from the trace (an input's or output's type,
 * a binding's, a parameter's or a state's shape, an instance's parameters).
 */
import type * as A from "../../parser/ast.js";
import {
  formatSizes,
  formatType,
  instanceText,
  valueType,
} from "../../parser/check/binding-types.js";
import type { CheckResult } from "../../parser/program.js";
import type { Definition } from "./symbols.js";

/** What the checked program says about `def`, a name defined directly in a model. */
export function shapeText(
  result: CheckResult,
  program: A.Program,
  def: Definition,
): string | undefined {
  const decl = program.decls.find(
    (d) => d.kind === "model" && d.span.start === def.owner.start && d.span.file === def.owner.file,
  ) as A.ModelDecl | undefined;
  const graph = decl && result.program.models.find((m) => m.name === decl.name.name)?.graph;
  if (!decl || !graph) return undefined;
  if (def.kind === "input") {
    const i = graph.inputs.find((x) => x.name === def.name);
    return i && formatType(i.dtype, i.shape);
  }
  if (def.kind === "param" || def.kind === "state") {
    const p = (def.kind === "param" ? graph.params : graph.state).find((x) => x.name === def.name);
    return p && formatSizes(p.shape);
  }
  const output = graph.outputs.find((o) => o.name === def.name);
  const node = output && graph.nodes[output.node];
  if (node) return formatType(node.dtype, node.shape);
  const member = decl.members.find(
    (m) => m.kind === "bind" && m.name.span.start === def.span.start,
  );
  if (member?.kind !== "bind") return undefined;
  return instanceText(graph, def.name) ?? valueType(graph, member.value);
}
