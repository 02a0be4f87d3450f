/**
 * @file One fuzz case, run in-process (the worker calls this): check the mutant through an
 * in-memory host, validate every diagnostic, render them, and when it checks clean compile it the
 * way `grove compile` does: every train section to a Plan (lower, differentiate, simplify, fuse,
 * WGSL) and every model without one to its simplified forward graph. A problem is anything a
 * user must never see: a throw (InternalError, RangeError, TypeError, ...), an undocumented code,
 * an odd message, or a label outside its file.
 */
import { compilePlan, type PlanOptions } from "../../src/codegen/compile.js";
import { unboundedLimits } from "../../src/codegen/memory.js";
import type { PlanKernel } from "../../src/codegen/plan.js";
import { hasErrors, type Diagnostic } from "../../src/diag/diagnostic.js";
import { renderDiagnostics, type SourceMap } from "../../src/diag/render.js";
import { lowerTrace } from "../../src/ir/lower.js";
import { simplify } from "../../src/ir/simplify.js";
import { checkFile, type Host } from "../../src/parser/program.js";

/**
 * Plan options a case compiles with (chosen from its seed, so several templates are seen): a
 * batch other than the section's, as remainder batches compile, and `cpu` for the unbounded
 * limits of the CPU backend's plans.
 */
export type CaseOptions = Pick<
  PlanOptions,
  "fuse" | "subgroups" | "quick" | "treeReductions" | "batch"
> & { readonly cpu?: boolean };

export interface CaseReport {
  /** Everything wrong, one line (or a short stack) each; [] when the case is fine. */
  readonly problems: string[];
  /** Which stage a throw came from, when one did. */
  readonly threwIn?: Stage;
  /** Train sections compiled to a Plan, and those refused with a diagnostic. */
  readonly plans: number;
  readonly refused: number;
  readonly checkMs: number;
  readonly compileMs: number;
}

const entry = "mem/main.grove";

/** Codes documented in docs/diagnostics.md; G9999 (an internal inconsistency) is a bug. */
export function documentedCodes(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^\| (G\d{4}) \|/gm)].map((m) => m[1]!).filter((c) => c !== "G9999"),
  );
}

/** Words that betray a compiler bug in a message (`undefined` printed, `[object Object]`). */
const oddWords = ["internal", "undefined", "NaN", "[object"];

/**
 * The odd words in a message that the user did not write: names the user chose are quoted in
 * backticks or appear in shapes, and may be anything, `NaN` included.
 */
function oddWordsIn(message: string, userText: string): string[] {
  const unquoted = message.replace(/`[^`]*`/g, "``").toLowerCase();
  const user = userText.toLowerCase();
  return oddWords.filter(
    (w) => unquoted.includes(w.toLowerCase()) && !user.includes(w.toLowerCase()),
  );
}

/** What is wrong with these diagnostics (code, message, spans), rendered in every format. */
function diagnosticProblems(
  diagnostics: readonly Diagnostic[],
  sources: SourceMap,
  codes: ReadonlySet<string>,
  userText: string,
): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    if (!codes.has(d.code)) out.push(`unknown code ${d.code}: ${d.message.slice(0, 200)}`);
    if (oddWordsIn(d.message, userText).length > 0)
      out.push(`odd message: ${d.message.slice(0, 200)}`);
    for (const l of d.labels) {
      const f = sources.get(l.span.file);
      if (!f) out.push(`${d.code}: label in unknown file ${l.span.file}`);
      else if (!(0 <= l.span.start && l.span.start <= l.span.end && l.span.end <= f.text.length))
        out.push(`${d.code}: span ${l.span.start}..${l.span.end} outside ${f.text.length} chars`);
    }
  }
  for (const format of ["rich", "short", "json"] as const)
    renderDiagnostics(diagnostics, sources, format);
  return out;
}

/** WGSL's parser (Tint) refuses brackets nested this deep: "maximum parser recursive depth". */
export const wgslNestingLimit = 128;

/** The deepest nesting of (), [] and {} in WGSL code. */
export function bracketDepth(code: string): number {
  let depth = 0;
  let most = 0;
  for (const ch of code) {
    if (ch === "(" || ch === "[" || ch === "{") most = Math.max(most, ++depth);
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
  }
  return most;
}

/**
 * What in a kernel's code (comments left out) WGSL would reject: integer literals out of range
 * (i32 above 2^31 - 1, u32 above 2^32 - 1) and brackets nested past the parser's limit.
 */
function wgslProblems(k: PlanKernel): string[] {
  const out: string[] = [];
  const code = k.wgsl.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n\r]*/g, " ");
  const depth = bracketDepth(code);
  if (depth >= wgslNestingLimit) out.push(`kernel ${k.name}: brackets nested ${depth} deep`);
  for (const m of code.matchAll(/(?<![.\w])(\d+)([iu]?)(?![.\w])/g)) {
    const max = m[2] === "u" ? 2 ** 32 - 1 : 2 ** 31 - 1;
    if (Number(m[1]) > max) out.push(`kernel ${k.name}: literal ${m[0]} out of range`);
  }
  return out.slice(0, 3);
}

/** The error as a few lines: its message and the top of its stack. */
export function describeThrow(e: unknown): string {
  if (!(e instanceof Error)) return `threw ${String(e).slice(0, 300)}`;
  const stack = (e.stack ?? `${e.name}: ${e.message}`).split("\n");
  return `threw ${stack[0]!.slice(0, 300)}\n${stack.slice(1, 9).join("\n")}`;
}

export type Stage = "check" | "render" | "compile";

/**
 * Runs one case. `onStage` hears each stage as it starts, so that whoever stops a case that hangs
 * knows where it hung.
 */
export function runCase(
  text: string,
  codes: ReadonlySet<string>,
  options: CaseOptions = {},
  onStage: (stage: Stage) => void = () => {},
): CaseReport {
  const host: Host = { readFile: (path) => (path === entry ? text : undefined) };
  let t0 = performance.now();
  let stage: Stage = "check";
  onStage(stage);
  const problems: string[] = [];
  let plans = 0;
  let refused = 0;
  let checkMs = 0;
  try {
    const r = checkFile(entry, host);
    checkMs = performance.now() - t0;
    stage = "render";
    onStage(stage);
    problems.push(...diagnosticProblems(r.diagnostics, r.sources, codes, text));
    t0 = performance.now();
    stage = "compile";
    onStage(stage);
    if (!hasErrors(r.diagnostics)) {
      const sources = r.sources.texts();
      const { cpu, ...planOptions } = options;
      for (const t of r.program.trains) {
        const c = compilePlan(t, {
          ...planOptions,
          sources,
          ...(cpu ? { limits: unboundedLimits } : {}),
        });
        if (c.value) plans++;
        else refused++;
        problems.push(...diagnosticProblems(c.diagnostics, r.sources, codes, text));
        // A GPU plan's WGSL must be valid as far as text shows: literals, nesting.
        if (c.value && !cpu) problems.push(...c.value.plan.kernels.flatMap(wgslProblems));
      }
      for (const m of r.program.models) {
        if (r.program.trains.some((t) => t.model === m.name)) continue;
        const g = lowerTrace(m.graph, { batch: 1, training: false, seed: 0 });
        if (g.value) simplify(g.value);
        problems.push(...diagnosticProblems(g.diagnostics, r.sources, codes, text));
      }
    }
  } catch (e) {
    return {
      problems: [...problems, `${stage}: ${describeThrow(e)}`],
      threwIn: stage,
      plans,
      refused,
      checkMs,
      compileMs: performance.now() - t0,
    };
  }
  return { problems, plans, refused, checkMs, compileMs: performance.now() - t0 };
}
