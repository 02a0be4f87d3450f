/**
 * @file What hover shows about a model's names from the checked program: an input's or output's
 * type with its symbolic dimensions (`f32[N, 784]`), a binding's type (the traced node its value
 * made), a parameter's shape, and for an instance (`l1 = Dense(784, 256)`) its parameter count
 * and names. Names inside blocks and functions have no single shape (each instance has its own).
 */
import type * as A from "../../parser/ast.js";
import type { Graph } from "../../parser/check/values.js";
import type { Dim } from "../../parser/check/dims.js";
import { formatShape } from "../../parser/check/shapes.js";
import type { DType } from "../../parser/check/values.js";
import type { CheckResult } from "../../parser/program.js";
import type { Definition } from "./symbols.js";

/** `f32[N, 784]`: the dtype always written, unlike in diagnostics. */
const formatType = (dtype: DType, shape: readonly Dim[]) => dtype + formatShape(shape);
const numbers = (shape: readonly number[]) => `[${shape.join(", ")}]`;

const within = (inner: { start: number; end: number }, outer: { start: number; end: number }) =>
  outer.start <= inner.start && inner.end <= outer.end;

/** The type of the traced value that `value` made at model level, if any. */
function valueType(graph: Graph, value: A.Expr): string | undefined {
  const nodes = graph.nodes.filter((n) => n.scope === "" && n.span.file === value.span.file);
  const exact = nodes.filter(
    (n) => n.span.start === value.span.start && n.span.end === value.span.end,
  );
  const node = exact.at(-1) ?? nodes.filter((n) => within(n.span, value.span)).at(-1);
  return node && formatType(node.dtype, node.shape);
}

/** An instance's parameters: how many numbers, and each name with its shape. */
function instanceText(graph: Graph, name: string): string | undefined {
  const params = graph.params.filter((p) => p.name.startsWith(`${name}.`));
  if (params.length === 0) return undefined;
  const count = params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const list = params.map((p) => `${p.name}: ${numbers(p.shape)}`).join(", ");
  return `${params.length} parameters (${count.toLocaleString("en-US")} numbers): ${list}`;
}

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
  if (def.kind === "param") {
    const p = graph.params.find((x) => x.name === def.name);
    return p && numbers(p.shape);
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
