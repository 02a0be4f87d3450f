/**
 * @file The one stable text form of the IR, used by tests (inline snapshots), `--dump-after`
 * and error messages:
 *
 *     %7:f32[32,256] = matmul %3 %5  # mlp.grove:8:24
 *
 * Attributes follow in `attrNames` order; a `shape` or `dtype` attribute that the result type
 * already shows is left out, and dtypes print bare (`to=i32`). The trailing comment is the
 * node's source location.
 */
import type { Span } from "../diag/diagnostic.js";
import { formatAttrValue } from "./builder.js";
import { formatShape, shapesEqual, type Graph, type Node } from "./node.js";
import { attrNames } from "./ops.js";

export interface PrintOptions {
  /** Source text by file path, to print spans as file:line:col; without it, file@offset. */
  readonly sources?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

function sourceOf(options: PrintOptions, file: string): string | undefined {
  const s = options.sources;
  if (!s) return undefined;
  return s instanceof Map ? s.get(file) : (s as Record<string, string>)[file];
}

/** `file:line:col` (1-based) when the source is known, else `file@offset`. */
export function formatSpan(span: Span, options: PrintOptions = {}): string {
  const text = sourceOf(options, span.file);
  if (text === undefined) return `${span.file}@${span.start}`;
  const before = text.slice(0, span.start);
  const line = before.split("\n").length;
  const col = span.start - (before.lastIndexOf("\n") + 1) + 1;
  return `${span.file}:${line}:${col}`;
}

export function formatType(node: Node): string {
  return `${node.dtype}${formatShape(node.shape)}`;
}

function formatAttrs(node: Node): string {
  const attrs = node.attrs as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of attrNames[node.op] as readonly string[]) {
    const v = attrs[k];
    if (k === "shape" && shapesEqual(v as number[], node.shape)) continue;
    if (k === "dtype" && v === node.dtype) continue;
    const dtype = k === "to" || k === "dtype";
    parts.push(`${k}=${dtype ? String(v) : formatAttrValue(v)}`);
  }
  return parts.length > 0 ? ` {${parts.join(", ")}}` : "";
}

export function printNode(node: Node, options: PrintOptions = {}): string {
  const args = node.inputs.map((i) => ` %${i.id}`).join("");
  const where = node.span ? `  # ${formatSpan(node.span, options)}` : "";
  return `%${node.id}:${formatType(node)} = ${node.op}${args}${formatAttrs(node)}${where}`;
}

/** One line per node in order, then `return name=%id, ...`. */
export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const lines = graph.nodes.map((n) => printNode(n, options));
  const outs = [...graph.outputs].map(([name, n]) => `${name}=%${n.id}`);
  lines.push(`return ${outs.join(", ")}`);
  return lines.join("\n");
}
