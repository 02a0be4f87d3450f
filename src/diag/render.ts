/**
 * @file Presentation of diagnostics: rich (source snippet with carets), short
 * (`file:line:col: error[G0101]: message`) and JSON. Positions are 1-based lines and columns,
 * columns counted in UTF-16 code units like editors do.
 */
import type { Diagnostic, Label, SourceFile, Span } from "./diagnostic.js";

export type Format = "rich" | "short" | "json";

export interface Position {
  line: number;
  column: number;
}

/** Maps file paths to their text, so spans can be shown as lines and columns. */
export class SourceMap {
  private readonly files = new Map<string, SourceFile>();
  private readonly lineStarts = new Map<string, number[]>();

  add(file: SourceFile): void {
    this.files.set(file.path, file);
    this.lineStarts.delete(file.path);
  }

  get(path: string): SourceFile | undefined {
    return this.files.get(path);
  }

  /** Every file's text by path. */
  texts(): Map<string, string> {
    return new Map([...this.files].map(([p, f]) => [p, f.text]));
  }

  position(path: string, offset: number): Position {
    const starts = this.starts(path);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  lineText(path: string, line: number): string {
    const text = this.files.get(path)?.text ?? "";
    const starts = this.starts(path);
    const start = starts[line - 1] ?? text.length;
    const end = starts[line] ?? text.length;
    return text.slice(start, end).replace(/\r?\n$/, "");
  }

  private starts(path: string): number[] {
    let s = this.lineStarts.get(path);
    if (!s) {
      const text = this.files.get(path)?.text ?? "";
      s = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") s.push(i + 1);
      this.lineStarts.set(path, s);
    }
    return s;
  }
}

export function formatLocation(sources: SourceMap, span: Span): string {
  const p = sources.position(span.file, span.start);
  return `${span.file}:${p.line}:${p.column}`;
}

function primaryLabel(d: Diagnostic): Label | undefined {
  return d.labels.find((l) => l.primary) ?? d.labels[0];
}

export function renderShort(d: Diagnostic, sources: SourceMap): string {
  const l = primaryLabel(d);
  const where = l ? formatLocation(sources, l.span) + ": " : "";
  return `${where}${d.severity}[${d.code}]: ${d.message}`;
}

export function renderJson(diagnostics: readonly Diagnostic[], sources: SourceMap): string {
  const items = diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    labels: d.labels.map((l) => ({
      file: l.span.file,
      start: sources.position(l.span.file, l.span.start),
      end: sources.position(l.span.file, l.span.end),
      message: l.message,
      primary: l.primary,
    })),
    notes: d.notes,
    ...(d.help !== undefined ? { help: d.help } : {}),
  }));
  return JSON.stringify(items, null, 2);
}

/**
 * Rich rendering in the style of rustc and codespan:
 *
 *     error[G0401]: matrix product needs matching inner dimensions: [N, 784] @ [256, 10]
 *       --> mlp.grove:8:20
 *        |
 *      8 |   output y = x @ w
 *        |              ^ has shape [256, 10]
 *        = note: ...
 *        = help: ...
 */
export function renderRich(d: Diagnostic, sources: SourceMap): string {
  const out: string[] = [`${d.severity}[${d.code}]: ${d.message}`];
  const primary = primaryLabel(d);
  const shown = orderLabels(d.labels, primary);
  const lineNumbers = shown.map((l) => sources.position(l.span.file, l.span.start).line);
  const gutter = String(Math.max(1, ...lineNumbers)).length;
  const pad = " ".repeat(gutter);
  let lastFile = "";
  let lastLine = -1;
  let window: Window | undefined;
  for (const l of shown) {
    if (l.span.file !== lastFile) {
      const head = primary && primary.span.file === l.span.file ? primary.span : l.span;
      out.push(`${pad}--> ${formatLocation(sources, head)}`);
      out.push(`${pad} |`);
      lastFile = l.span.file;
      lastLine = -1;
    }
    const start = sources.position(l.span.file, l.span.start);
    const end = sources.position(l.span.file, l.span.end);
    const line = sources.lineText(l.span.file, start.line);
    const width =
      end.line === start.line
        ? Math.max(1, end.column - start.column)
        : Math.max(1, line.length - start.column + 1);
    // A long line is shown as a window of `snippetColumns` around the label.
    const from = start.column - 1;
    if (start.line !== lastLine || !window || from < window.from || from >= window.to) {
      if (lastLine !== -1 && start.line > lastLine + 1) out.push(`${pad} ...`);
      window = windowAt(line, from);
      out.push(`${String(start.line).padStart(gutter)} | ${window.text}`.trimEnd());
    }
    lastLine = start.line;
    const mark = (l.primary ? "^" : "-").repeat(Math.min(width, window.to - from));
    const msg = l.message ? " " + l.message : "";
    out.push(`${pad} | ${" ".repeat(window.indent + from - window.from)}${mark}${msg}`.trimEnd());
  }
  for (const n of d.notes) out.push(`${pad} = note: ${n}`);
  if (d.help !== undefined) out.push(`${pad} = help: ${d.help}`);
  return out.join("\n");
}

/** At most this many columns of a source line are shown around a label. */
export const snippetColumns = 160;

/** The part of a line shown: columns [from, to), `indent` the width of a leading `…`. */
interface Window {
  readonly text: string;
  readonly from: number;
  readonly to: number;
  readonly indent: number;
}

/** The whole line when it is short; otherwise `snippetColumns` of it around column `at`. */
function windowAt(line: string, at: number): Window {
  if (line.length <= snippetColumns)
    return { text: line.replace(/\t/g, " "), from: 0, to: Infinity, indent: 0 };
  const from = Math.max(0, Math.min(at - 40, line.length - snippetColumns));
  const to = from + snippetColumns;
  const head = from > 0 ? "…" : "";
  const tail = to < line.length ? "…" : "";
  const text = head + line.slice(from, to).replace(/\t/g, " ") + tail;
  return { text, from, to, indent: head.length };
}

/** Primary label first; the others grouped by file and then in source order. */
function orderLabels(labels: readonly Label[], primary: Label | undefined): Label[] {
  const rest = labels.filter((l) => l !== primary);
  const files = [...new Set([primary?.span.file, ...rest.map((l) => l.span.file)])];
  const byFile = (f: string | undefined) =>
    [
      ...(f === primary?.span.file && primary ? [primary] : []),
      ...rest.filter((l) => l.span.file === f),
    ].sort((a, b) => a.span.start - b.span.start);
  return files.flatMap(byFile);
}

export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceMap,
  format: Format,
): string {
  if (format === "json") return renderJson(diagnostics, sources);
  if (format === "short") return diagnostics.map((d) => renderShort(d, sources)).join("\n");
  return diagnostics.map((d) => renderRich(d, sources)).join("\n\n");
}
