/**
 * @file The one argument binder: matches the arguments of a call (positional and named) to a
 * call schema's parameters, reporting unknown names (with did-you-mean), duplicates, surplus
 * positional arguments and missing required ones. Calls of functions, blocks and builtins
 * (calls.ts), train-section calls (train-calls.ts) and initializers (initializers.ts) all bind
 * here; each caller gives its wording, so every diagnostic keeps its code and text.
 */
import type { DiagnosticInit, Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { didYouMean } from "./suggest.js";

/** One parameter of a call schema; a parameter with a default is not required. */
export interface SchemaParam {
  readonly name: string;
  readonly required: boolean;
}

/** An argument as written: optionally named, with the span of the whole argument. */
export interface BindArg {
  readonly name?: A.Ident;
  readonly span: Span;
}

/** The text of a diagnostic, less its code and span (the binder supplies those). */
export type Wording = Omit<DiagnosticInit, "code" | "span">;

/** How one kind of call words its mistakes and how far it goes after the first one. */
export interface BindPolicy<P extends SchemaParam> {
  /** Parameters that may be given by position, in order (the rest only by name). */
  readonly positional: readonly P[];
  /** Set to refuse (G0305) a positional argument after a named one; else it binds by position. */
  readonly positionalAfterNamed?: () => Wording;
  /** Where binding stops: at any mistake, at surplus positional arguments only, or never. */
  readonly stopAt: "any" | "surplus" | "never";
  /** Report every missing parameter, or only the first and only when nothing else was wrong. */
  readonly missing: "all" | "first-if-clean";
  readonly surplus: (positionalCount: number) => Wording;
  readonly unknown: (name: string, help: string | undefined) => Wording;
  readonly twice: (name: string, first: Span) => Wording;
  readonly missingParam: (name: string) => Wording;
}

/**
 * Binds `args` to `params`. `accept` is called for each argument as it binds (in source order,
 * so diagnostics about values interleave with binding mistakes) and returns false after
 * reporting a bad value. Returns the bound arguments, or undefined after a mistake.
 */
export function bindArgs<P extends SchemaParam, T extends BindArg>(
  params: readonly P[],
  args: readonly T[],
  span: Span,
  policy: BindPolicy<P>,
  report: (d: DiagnosticInit) => unknown,
  accept: (param: P, arg: T) => boolean = () => true,
): Map<string, T> | undefined {
  const bound = new Map<string, T>();
  let ok = true;
  let positional = 0;
  let sawNamed = false;
  const fail = (code: string, at: Span, w: Wording): void => {
    report({ code, span: at, ...w });
    ok = false;
  };
  for (const a of args) {
    if (!a.name) {
      if (sawNamed && policy.positionalAfterNamed) {
        fail("G0305", a.span, policy.positionalAfterNamed());
        if (policy.stopAt === "any") break;
        continue;
      }
      const p = policy.positional[positional++];
      if (!p) {
        fail("G0301", a.span, policy.surplus(args.filter((x) => !x.name).length));
        if (policy.stopAt !== "never") break;
        continue;
      }
      if (!bindOne(p, a)) break;
      continue;
    }
    sawNamed = true;
    const p = params.find((q) => q.name === a.name!.name);
    if (!p) {
      const help = didYouMean(
        a.name.name,
        params.map((q) => q.name),
      );
      fail("G0302", a.name.span, policy.unknown(a.name.name, help));
      if (policy.stopAt === "any") break;
      continue;
    }
    if (!bindOne(p, a)) break;
  }
  /** Binds one argument; false when binding must stop. */
  function bindOne(p: P, a: T): boolean {
    const first = bound.get(p.name);
    if (first) {
      fail("G0303", a.span, policy.twice(p.name, first.span));
      return policy.stopAt !== "any";
    }
    bound.set(p.name, a);
    if (!accept(p, a)) {
      ok = false;
      return policy.stopAt !== "any";
    }
    return true;
  }
  for (const p of params) {
    if (!p.required || bound.has(p.name)) continue;
    if (policy.missing === "first-if-clean" && !ok) break;
    fail("G0304", span, policy.missingParam(p.name));
  }
  return ok ? bound : undefined;
}

/** Parameter names for a note (`parameters: a, b`). */
export function paramList(params: readonly SchemaParam[]): string {
  return params.map((q) => q.name).join(", ");
}
