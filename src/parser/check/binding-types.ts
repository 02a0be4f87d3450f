/**
 * @file The type of each name a model binds, read from its checked trace: an input's or output's
 * type with its symbolic dimensions (`f32[N, 784]`), a binding's type (the traced node its value
 * made at model level), a parameter's shape, and for an instance (`l1 = Dense(784, 256)`) its
 * parameter count and names. Names inside blocks and functions have no single type (each
 * instance has its own). Hover in `grove lsp` and the playground's shapes tab show these.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { Dim } from "./dims.js";
import { formatShape } from "./shapes.js";
import type { DType, Graph } from "./values.js";

/** `f32[N, 784]`: the dtype always written, unlike in diagnostics. */
export const formatType = (dtype: DType, shape: readonly Dim[]) => dtype + formatShape(shape);
export const formatSizes = (shape: readonly number[]) => `[${shape.join(", ")}]`;

const within = (inner: { start: number; end: number }, outer: { start: number; end: number }) =>
  outer.start <= inner.start && inner.end <= outer.end;

/** The type of the traced value that `value` made at model level, if any. */
export function valueType(graph: Graph, value: A.Expr): string | undefined {
  const nodes = graph.nodes.filter((n) => n.scope === "" && n.span.file === value.span.file);
  const exact = nodes.filter(
    (n) => n.span.start === value.span.start && n.span.end === value.span.end,
  );
  const node = exact.at(-1) ?? nodes.filter((n) => within(n.span, value.span)).at(-1);
  return node && formatType(node.dtype, node.shape);
}

/** An instance's parameters: how many numbers, and each name with its shape; then its state. */
export function instanceText(graph: Graph, name: string): string | undefined {
  const mine = (p: { readonly name: string }) => p.name.startsWith(`${name}.`);
  const params = graph.params.filter(mine);
  const state = graph.state.filter(mine);
  if (params.length + state.length === 0) return undefined;
  const count = params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const list = (ps: typeof params) =>
    ps.map((p) => `${p.name}: ${formatSizes(p.shape)}`).join(", ");
  const text = `${params.length} parameters (${count.toLocaleString("en-US")} numbers): ${list(params)}`;
  return state.length > 0 ? `${text}; state (not trained): ${list(state)}` : text;
}

/** One name a model binds, with what the check knows of its type. */
export interface BindingType {
  readonly name: string;
  readonly kind: "input" | "param" | "bind" | "output";
  /** Its type, an instance's parameters, or undefined when the trace has none for it. */
  readonly type: string | undefined;
  readonly span: Span;
}

/** The type of the output named `name`, if the model has one. */
function outputType(graph: Graph, name: string): string | undefined {
  const output = graph.outputs.find((o) => o.name === name);
  const node = output && graph.nodes[output.node];
  return node && formatType(node.dtype, node.shape);
}

/** The names `decl` binds at model level, in source order, with their types in `graph`. */
export function bindingTypes(decl: A.ModelDecl, graph: Graph): BindingType[] {
  const rows: BindingType[] = [];
  const add = (kind: BindingType["kind"], name: A.Ident, type: string | undefined) =>
    rows.push({ name: name.name, kind, type, span: name.span });
  for (const m of decl.members) {
    if (m.kind === "input") {
      const i = graph.inputs.find((x) => x.name === m.name.name);
      add("input", m.name, i && formatType(i.dtype, i.shape));
    } else if (m.kind === "param") {
      const p = graph.params.find((x) => x.name === m.name.name);
      add("param", m.name, p && formatSizes(p.shape));
    } else if (m.kind === "output") add("output", m.name, outputType(graph, m.name.name));
    else if (m.kind === "bind")
      add(
        "bind",
        m.name,
        outputType(graph, m.name.name) ??
          instanceText(graph, m.name.name) ??
          valueType(graph, m.value),
      );
    else if (m.kind === "destructure")
      for (const n of m.names) add(m.output ? "output" : "bind", n, outputType(graph, n.name));
  }
  return rows;
}
