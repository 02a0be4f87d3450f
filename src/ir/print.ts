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
import { attrNames } from "../ops/ops.js";

export interface PrintOptions {
  /** Source text by file path, to print spans as file:line:col; without it, file@offset. */
  readonly sources?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

function sourceOf(options: PrintOptions, file: string): string | undefined {
  const s = options.sources;
  if (!s) return undefined;
  return s instanceof Map ? s.get(file) : (s as Record<string, string>)[file];
}

/**
 * Offsets where each line starts, for the few source texts seen last: a plan's kernel headers
 * locate every node, so scanning the text per span was quadratic in a large file.
 */
const lineStartCache = new Map<string, readonly number[]>();

function lineStarts(text: string): readonly number[] {
  const hit = lineStartCache.get(text);
  if (hit) return hit;
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  if (lineStartCache.size >= 8) lineStartCache.delete(lineStartCache.keys().next().value!);
  lineStartCache.set(text, starts);
  return starts;
}

/** `file:line:col` (1-based) when the source is known, else `file@offset`. */
export function formatSpan(span: Span, options: PrintOptions = {}): string {
  const text = sourceOf(options, span.file);
  if (text === undefined) return `${span.file}@${span.start}`;
  const starts = lineStarts(text);
  // The last line start at or before span.start (binary search).
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= span.start) lo = mid;
    else hi = mid - 1;
  }
  return `${span.file}:${lo + 1}:${span.start - starts[lo]! + 1}`;
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
  const notes = [
    ...(node.remat ? ["recomputed"] : []),
    ...(node.span ? [formatSpan(node.span, options)] : []),
  ];
  const where = notes.length > 0 ? `  # ${notes.join(", ")}` : "";
  return `%${node.id}:${formatType(node)} = ${node.op}${args}${formatAttrs(node)}${where}`;
}

/** One line per node in order, then `return name=%id, ...`. */
export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const lines = graph.nodes.map((n) => printNode(n, options));
  const outs = [...graph.outputs].map(([name, n]) => `${name}=%${n.id}`);
  lines.push(`return ${outs.join(", ")}`);
  return lines.join("\n");
}
