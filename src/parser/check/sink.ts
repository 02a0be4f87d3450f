/**
 * @file Where the checker's diagnostics go: a sink that drops exact repeats (a block used twice
 * reports its error once) and keeps at most `limits.errorsPerFile` errors per file, closing each
 * file that had more with one G0113. `Reporter` is what helpers see of reporting.
 */
import type { Diagnostic, DiagnosticInit, Span } from "../../diag/diagnostic.js";
import { limits } from "../limits.js";
import { tooManyErrors } from "../parse.js";
import type { Value } from "./values.js";

/** How the checker's helpers report through the evaluator (an interface, so no import cycle). */
export interface Reporter {
  /** Reports a mistake (with the context of the calls being inlined); gives poison. */
  report(init: DiagnosticInit): Value;
  /** Whether a diagnostic at `span` would be kept: suggestions are only worth computing then. */
  reporting(span: Span): boolean;
}

/**
 * Collects diagnostics, dropping exact repeats (a block used twice reports its error once) and
 * keeping at most `limits.errorsPerFile` errors per file; the first one dropped gets a G0113.
 */
export class DiagnosticSink {
  private readonly kept: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly errors = new Map<string, number>();
  /** Per file, where the first error that was not kept is. */
  private readonly dropped = new Map<string, number>();

  add(d: Diagnostic): void {
    const p = d.labels[0]?.span;
    const file = p?.file ?? "";
    if (d.severity === "error" && !this.accepts(file)) return this.drop(file, p?.start ?? 0);
    const key = `${d.code}|${file}|${p?.start}|${p?.end}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (d.severity === "error") this.errors.set(file, (this.errors.get(file) ?? 0) + 1);
    this.kept.push(d);
  }

  /**
   * Whether another error in `file` would still be reported. Callers skip building a
   * diagnostic (and its suggestion) that would be dropped, and call `drop` instead.
   */
  accepts(file: string): boolean {
    return (this.errors.get(file) ?? 0) < limits.errorsPerFile;
  }

  drop(file: string, at: number): void {
    if (!this.dropped.has(file)) this.dropped.set(file, at);
  }

  /** The diagnostics kept, then one G0113 per file that had more errors. */
  get list(): Diagnostic[] {
    const notes = [...this.dropped].map(([file, at]) => tooManyErrors(file, at));
    return [...this.kept, ...notes];
  }
}
