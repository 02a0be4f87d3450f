/**
 * @file Helpers for front-end tests: an in-memory Host and one-call checking of source text.
 */
import { renderDiagnostics } from "../../src/diag/render.js";
import type { Diagnostic } from "../../src/diag/diagnostic.js";
import { formatShape } from "../../src/parser/check/shapes.js";
import type { Graph } from "../../src/parser/check/values.js";
import { checkFile, type CheckResult, type Host } from "../../src/parser/program.js";

/** Serves files from a map; paths are used as given (relative ones as seen from the repo root). */
export function memoryHost(files: Readonly<Record<string, string>>): Host {
  const map = new Map(Object.entries(files));
  return { readFile: (path) => map.get(path) };
}

/** Checks `text` as the file `mem/main.grove`, with `extra` files beside it. */
export function check(text: string, extra: Readonly<Record<string, string>> = {}): CheckResult {
  const files: Record<string, string> = { "mem/main.grove": text };
  for (const [k, v] of Object.entries(extra)) files[`mem/${k}`] = v;
  return checkFile("mem/main.grove", memoryHost(files));
}

export function codes(r: { diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.map((d) => d.code);
}

export function short(r: CheckResult): string {
  return renderDiagnostics(r.diagnostics, r.sources, "short");
}

export function rich(r: CheckResult): string {
  return renderDiagnostics(r.diagnostics, r.sources, "rich");
}

/** The printed shape of a named output of a graph, with an `i32` prefix when not f32. */
export function outputType(g: Graph, name: string): string | undefined {
  const o = g.outputs.find((x) => x.name === name);
  if (!o) return undefined;
  const n = g.nodes[o.node]!;
  return (n.dtype === "f32" ? "" : n.dtype) + formatShape(n.shape);
}

export function paramShapes(g: Graph): Record<string, number[]> {
  return Object.fromEntries(g.params.map((p) => [p.name, [...p.shape]]));
}

/** The text a span covers in the file it points into. */
export function spanText(r: CheckResult, span: { file: string; start: number; end: number }) {
  return r.sources.get(span.file)!.text.slice(span.start, span.end);
}
