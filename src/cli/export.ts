/**
 * @file `grove export FILE --target T ...`: writes the model of the file's first train section for
 * another engine. Targets are rows of `exportTargets`, each with the flags it needs and how it
 * runs; only implemented targets have a row. `onnx` writes the inference graph with a
 * checkpoint's weights as an ONNX model (`--checkpoint C -o model.onnx`).
 */
import { writeFileSync } from "node:fs";
import { visibleText } from "../diag/escape.js";
import { formatSpan } from "../ir/print.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import type { CheckResult } from "../parser/program.js";
import type { Io } from "./io.js";
import { loadChecked } from "./load.js";
import { outputFileProblem, writeOutput } from "./output-path.js";

export interface ExportCliOptions {
  readonly target: string;
  readonly checkpoint?: string;
  readonly out?: string;
  /** Train settings from `--set`, each `key = value`. */
  readonly set?: readonly string[];
  /** The folder imports may reach (`--import-root`); default: the file's own folder. */
  readonly importRoot?: string;
}

/** What a target's `run` gets: the checked file, its first train section, the options. */
interface ExportJob {
  readonly file: string;
  readonly checked: CheckResult;
  readonly section: ElaboratedTrain;
  readonly opts: ExportCliOptions;
  /** Prints `grove export: MESSAGE` and gives exit code 1. */
  readonly fail: (message: string) => number;
  readonly io: Io;
}

interface ExportTarget {
  /** What it writes, for `--help` and docs. */
  readonly description: string;
  /** Why the flags cannot work for this target (a missing flag, a bad output), before any work. */
  readonly problem: (opts: ExportCliOptions) => string | undefined;
  readonly run: (job: ExportJob) => Promise<number>;
}

/** Every export target, by `--target` name. */
export const exportTargets: { readonly [name: string]: ExportTarget } = {
  onnx: {
    description:
      "the inference graph as an ONNX model (opset 17) with the checkpoint's weights (--checkpoint C -o FILE.onnx)",
    problem: (opts) => {
      if (opts.checkpoint === undefined) return "--target onnx needs --checkpoint PATH";
      if (opts.out === undefined) return "--target onnx needs -o FILE.onnx";
      if (!opts.out.endsWith(".onnx"))
        return `cannot write ${visibleText(opts.out)}: an ONNX model is written as .onnx`;
      return outputFileProblem(opts.out);
    },
    run: exportOnnxFile,
  },
};

export async function exportCommand(file: string, opts: ExportCliOptions, io: Io): Promise<number> {
  const target = Object.hasOwn(exportTargets, opts.target) ? exportTargets[opts.target] : undefined;
  if (!target) {
    const names = Object.keys(exportTargets).join(", ");
    io.err(`grove export: unknown target ${visibleText(opts.target)} (targets: ${names})\n`);
    return 2;
  }
  const fail = (message: string) => {
    io.err(`grove export: ${message}\n`);
    return 1;
  };
  const problem = target.problem(opts);
  if (problem) return fail(problem);
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const section = checked.program.trains[0];
  if (!section) return fail(`${visibleText(file)} has no train section`);
  return target.run({ file, checked, section, opts, fail, io });
}

/** `--target onnx`: lower, check the checkpoint against the parameters it reads, write. */
async function exportOnnxFile(job: ExportJob): Promise<number> {
  const { checked, section, opts, fail, io } = job;
  const onnx = await import("../export/onnx.js");
  const { batchSymbol, encodeOnnx, inferenceGraph, lowerToOnnx, OnnxExportError } = onnx;
  const { renderDiagnostics } = await import("../diag/render.js");
  const sources = checked.sources.texts();
  const at = (span: Parameters<typeof formatSpan>[0] | undefined) =>
    span ? `${visibleText(formatSpan(span, { sources }))}: ` : "";
  let program;
  try {
    const inference = inferenceGraph(section);
    if (!inference.value) {
      io.err(renderDiagnostics(inference.diagnostics, checked.sources, "rich") + "\n");
      const sizes = onnx.probeBatches.join(", ");
      return fail(
        `the export lowers the model at batch sizes ${sizes} to find its batch dimension`,
      );
    }
    program = lowerToOnnx(inference.value, {
      name: section.model,
      batchName: batchSymbol(section),
      locate: (span) => formatSpan(span, { sources }),
    });
  } catch (e) {
    if (e instanceof OnnxExportError) return fail(at(e.span) + e.message);
    throw e;
  }
  const { CheckpointError, readCheckpoint, tensorsFor } = await import("../runtime/checkpoint.js");
  const { groveMeta } = await import("../runtime/checkpoint-meta.js");
  const path = opts.checkpoint!;
  let weights;
  try {
    const checkpoint = readCheckpoint(path);
    groveMeta(checkpoint, path);
    weights = tensorsFor(checkpoint, { params: program.params, state: [] }, path);
  } catch (e) {
    if (e instanceof CheckpointError) return fail(e.message);
    throw e;
  }
  const bytes = encodeOnnx(program, weights, `Grove model ${section.model} from ${job.file}`);
  const out = opts.out!;
  const failed = writeOutput(out, () => writeFileSync(out, bytes));
  if (failed) return fail(failed);
  const signature = (vs: typeof program.inputs) => vs.map(onnx.valueText).join(", ");
  io.out(
    `wrote ${visibleText(out)} (ONNX opset ${onnx.ONNX_OPSET}): ${signature(program.inputs)} -> ${signature(program.outputs)}; ${program.params.length} initializers\n`,
  );
  return 0;
}
