/**
 * @file The one Diagnostic type every stage reports through, plus source files and spans.
 * Errors are data; presentation lives in `render.ts`.
 */

/** A source file as the compiler saw it. `path` is what the user typed or the import resolved to. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** A half-open character range [start, end) in one file. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export type Severity = "error" | "warning" | "note";

export interface Label {
  readonly span: Span;
  readonly message: string;
  /** The primary label is where the caret goes; secondary labels explain. */
  readonly primary: boolean;
}

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code such as G0101; documented in docs/diagnostics.md. */
  readonly code: string;
  /** One line, lower case, no trailing period. */
  readonly message: string;
  readonly labels: readonly Label[];
  readonly notes: readonly string[];
  readonly help?: string;
}

/** Result of a stage that reports user errors as data and never throws on them. */
export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end: Math.max(start, end) };
}

export interface DiagnosticInit {
  code: string;
  message: string;
  span: Span;
  label?: string;
  secondary?: readonly { span: Span; message: string }[];
  notes?: readonly string[];
  help?: string;
  severity?: Severity;
}

/** Texts in a diagnostic are cut to this many characters. */
export const maxTextLength = 500;
/** A run of name characters longer than this (a hostile identifier) is shortened... */
export const maxNameLength = 64;
/** ...to its first this many characters, `…` and its length. */
const shownNameLength = 40;

/**
 * The first `n` characters of `text` (not splitting a surrogate pair), with `…` when cut.
 * Used wherever user text of any length ends up in a message.
 */
export function clip(text: string, n: number): string {
  if (text.length <= n) return text;
  const cut = /[\uD800-\uDBFF]/.test(text[n - 1] ?? "") ? n - 1 : n;
  return `${text.slice(0, cut)}…`;
}

/**
 * A message as shown: every name longer than `maxNameLength` becomes its first 40 characters,
 * `…` and its length, and the whole text is cut to `maxTextLength`, so a 300,000-character
 * identifier or a 1 MB line never makes a megabyte of output.
 */
export function shortenText(text: string): string {
  if (text.length <= maxNameLength) return text;
  const names = new RegExp(`[A-Za-z0-9_]{${maxNameLength + 1},}`, "g");
  const short = text.replace(
    names,
    (name) => `${name.slice(0, shownNameLength)}…(${name.length} characters)`,
  );
  return clip(short, maxTextLength);
}

export function makeDiagnostic(init: DiagnosticInit): Diagnostic {
  const labels: Label[] = [
    { span: init.span, message: shortenText(init.label ?? ""), primary: true },
    ...(init.secondary ?? []).map((s) => ({
      span: s.span,
      message: shortenText(s.message),
      primary: false,
    })),
  ];
  const d: Diagnostic = {
    severity: init.severity ?? "error",
    code: init.code,
    message: shortenText(init.message),
    labels,
    notes: (init.notes ?? []).map(shortenText),
    ...(init.help !== undefined ? { help: shortenText(init.help) } : {}),
  };
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/*
 * What Grove throws. A mistake in a `.grove` file is a Diagnostic (data), never thrown; the rest
 * is one of three kinds, so a front end knows what to print:
 * - `UserError`: the person running Grove can fix it (a data file, a checkpoint, a plan compiled
 *   for another device, nothing to predict). The message says what is wrong and where; front
 *   ends print it on one line without a stack. The domain errors (`DataError`,
 *   `CheckpointError`, ...) extend it.
 * - `UsageError`: a program calling Grove's library API broke its contract (a program or input
 *   the plan does not have, a runner used after `destroy`): a bug in the caller.
 * - `InternalError`: a bug in Grove itself, a broken invariant.
 */

/** Thrown only for compiler bugs: a broken invariant, never a user mistake. */
export class InternalError extends Error {
  constructor(message: string) {
    super(`internal compiler error: ${message}`);
    this.name = "InternalError";
  }
}

/** Something the person running Grove can fix; the message says what and where. */
export class UserError extends Error {
  override name = "UserError";
}

/** A caller of Grove's library API broke its contract; the message names the call. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Compiling failed with these diagnostics where the caller expected a value (`what` failed). */
export class CompileError extends UserError {
  override name = "CompileError";
  constructor(
    what: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(`${what} failed: ${diagnostics.map((d) => d.message).join("; ")}`);
  }
}
