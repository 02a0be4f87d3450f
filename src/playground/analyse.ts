/**
 * @file What the playground shows about the program in its editor, computed by the real compiler
 * in the page: the check's diagnostics (with lines and columns, for lint marks and the problems
 * list), each model binding's type (the shapes tab), and for a train section the printed IR
 * (forward, and forward + backward) and the fused kernels of its Plan, each with its WGSL and the
 * `.grove` lines its IR nodes came from (the kernels tab). Pure: the page and Node tests call it
 * alike.
 */
import { compilePlan } from "../codegen/compile.js";
import type { Diagnostic } from "../diag/diagnostic.js";
import { renderShort, type SourceMap } from "../diag/render.js";
import { lowerTrace } from "../ir/lower.js";
import { printGraph } from "../ir/print.js";
import { simplify } from "../ir/simplify.js";
import type { ModelDecl } from "../parser/ast.js";
import { bindingTypes, type BindingType } from "../parser/check/binding-types.js";
import { checkProgram, parseStd, type CheckResult } from "../parser/check-program.js";
import { parse } from "../parser/parse.js";
import type { StdLibrary } from "../parser/check-program.js";
import type { Host } from "../parser/source-files.js";

/** The files bundled with the page: `[name, text]` of `std/` and of `examples/`. */
export interface PlaygroundFiles {
  readonly std: readonly (readonly [string, string])[];
  readonly examples: readonly (readonly [string, string])[];
}

/** A place in a source file: offsets and the 1-based line and column of `from`. */
export interface Place {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly line: number;
  readonly column: number;
}

/** A diagnostic as the page shows it. */
export interface ViewDiagnostic {
  readonly severity: Diagnostic["severity"];
  readonly code: string;
  readonly message: string;
  /** `file:line:col: error[G0404]: message`, or without the place when it has none. */
  readonly short: string;
  /** The primary label's place and message; absent for a diagnostic about no place (G0500). */
  readonly at?: Place & { readonly label: string };
  /** The other labels ("256 comes from here"). */
  readonly related: readonly (Place & { readonly label: string })[];
  readonly notes: readonly string[];
  readonly help?: string;
}

/** A model's bindings with their types. */
export interface ModelShapes {
  readonly model: string;
  readonly bindings: readonly (BindingType & { readonly line: number })[];
}

/** One kernel of a training step's Plan. */
export interface KernelView {
  readonly name: string;
  readonly program: "train" | "eval";
  readonly ops: readonly string[];
  /** Its WGSL module, header comment included. */
  readonly wgsl: string;
  /** The source lines its IR nodes came from, by file, in order. */
  readonly lines: readonly { readonly file: string; readonly lines: readonly number[] }[];
}

/** The compiled views of one train section (or a model's forward pass without one). */
export interface CompiledView {
  readonly title: string;
  readonly ir: string;
  readonly kernels: readonly KernelView[];
  /** Why there are no kernels: no train section, or the compiler's diagnostics (short form). */
  readonly problem?: string;
}

/** Where the page's files live: examples in `/examples`, the working folder `/`. */
export const EXAMPLES_DIR = "examples";

/** A host over `files` (absolute paths) with the working folder `/`; links are not a thing here. */
export function memoryHost(files: ReadonlyMap<string, string>): Host {
  return {
    readFile: (path) => files.get(path.startsWith("/") ? path : `/${path}`),
    cwd: () => "/",
  };
}

/** The examples and the standard library, and the file being edited over them. */
export class Workspace {
  private readonly std: StdLibrary;
  private readonly files = new Map<string, string>();

  constructor(files: PlaygroundFiles) {
    this.std = parseStd(files.std);
    for (const [name, text] of files.examples) this.files.set(`/${EXAMPLES_DIR}/${name}`, text);
  }

  /** Checks `text` as the example file `name` (imports see the other examples as bundled). */
  check(name: string, text: string): CheckResult {
    const path = `${EXAMPLES_DIR}/${name}`;
    const files = new Map(this.files).set(`/${path}`, text);
    return checkProgram(path, memoryHost(files), this.std);
  }
}

function place(sources: SourceMap, file: string, from: number, to: number): Place {
  const p = sources.position(file, from);
  return { file, from, to, line: p.line, column: p.column };
}

/** `diagnostics` with their places resolved in `sources`. */
export function viewDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceMap,
): ViewDiagnostic[] {
  return diagnostics.map((d) => {
    const labelled = d.labels.map((l) => ({
      primary: l.primary,
      ...place(sources, l.span.file, l.span.start, l.span.end),
      label: l.message ?? "",
    }));
    const primary = labelled.find((l) => l.primary) ?? labelled[0];
    const strip = ({ primary: _, ...rest }: (typeof labelled)[number]) => rest;
    return {
      severity: d.severity,
      code: d.code,
      message: d.message,
      short: renderShort(d, sources),
      ...(primary ? { at: strip(primary) } : {}),
      related: labelled.filter((l) => l !== primary).map(strip),
      notes: d.notes,
      ...(d.help !== undefined ? { help: d.help } : {}),
    };
  });
}

/** The types of the bindings of each model declared in `file` (its text parsed again). */
export function shapesOf(result: CheckResult, file: string): ModelShapes[] {
  const text = result.sources.get(file)?.text;
  if (text === undefined) return [];
  const decls = parse(text, file).value.decls.filter((d): d is ModelDecl => d.kind === "model");
  return decls.flatMap((decl) => {
    const graph = result.program.models.find((m) => m.name === decl.name.name)?.graph;
    if (!graph) return [];
    const bindings = bindingTypes(decl, graph).map((b) => ({
      ...b,
      line: result.sources.position(b.span.file, b.span.start).line,
    }));
    return [{ model: decl.name.name, bindings }];
  });
}

/** Sorted line numbers of `spans`, by file in first-seen order. */
function linesOf(
  spans: readonly { file: string; start: number }[],
  sources: SourceMap,
): KernelView["lines"] {
  const byFile = new Map<string, Set<number>>();
  for (const s of spans) {
    if (!sources.get(s.file)) continue;
    const set = byFile.get(s.file) ?? new Set<number>();
    set.add(sources.position(s.file, s.start).line);
    byFile.set(s.file, set);
  }
  return [...byFile].map(([file, set]) => ({ file, lines: [...set].sort((a, b) => a - b) }));
}

/**
 * The IR and kernels of train section `index` of the checked program (compiled for its batch), or
 * of the first model's forward pass when the file has no train section.
 */
export function compileView(result: CheckResult, index = 0): CompiledView | undefined {
  const sources = result.sources.texts();
  const train = result.program.trains[index];
  if (!train) {
    const model = result.program.models[0];
    if (!model) return undefined;
    const lowered = lowerTrace(model.graph, { batch: 1, training: false, seed: 0 });
    const title = `model ${model.name}: forward (batch 1)`;
    if (!lowered.value) return failed(title, lowered.diagnostics, result.sources);
    return {
      title,
      ir: printGraph(simplify(lowered.value), { sources }),
      kernels: [],
      problem: "kernels are compiled from a train section, and this file has none",
    };
  }
  const title = `train ${train.model} (batch ${train.batch})`;
  const r = compilePlan(train, { sources });
  if (!r.value) return failed(title, r.diagnostics, result.sources);
  const { plan, compiled, origins = [] } = r.value;
  const ir =
    `# forward\n${printGraph(compiled.forward, { sources })}\n\n` +
    `# forward + backward\n${printGraph(compiled.training, { sources })}\n`;
  const kernels = plan.kernels.map((k, i): KernelView => {
    const origin = origins[i];
    const spans = (origin?.groups ?? []).flatMap((g) =>
      g.nodes.flatMap((n) => (n.span ? [n.span] : [])),
    );
    return {
      name: k.name,
      program: origin?.program ?? "train",
      ops: k.ops,
      wgsl: k.wgsl,
      lines: linesOf(spans, result.sources),
    };
  });
  return { title, ir, kernels };
}

function failed(
  title: string,
  diagnostics: readonly Diagnostic[],
  sources: SourceMap,
): CompiledView {
  const problem = diagnostics.map((d) => renderShort(d, sources)).join("\n");
  return { title, ir: "", kernels: [], problem };
}
