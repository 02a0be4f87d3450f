/**
 * @file `grove export FILE --target T ...`: writes the model of the file's first train section for
 * another engine. Targets are rows of `exportTargets`, each with the flags it needs and how it
 * runs; only implemented targets have a row. `onnx` writes the inference graph with a
 * checkpoint's weights as an ONNX model (`--checkpoint C -o model.onnx`); `node` and `browser`
 * write a standalone training program into a folder (`-o DIR`, see `src/export/program`).
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { visibleText } from "../diag/escape.js";
import { makeDiagnostic } from "../diag/diagnostic.js";
import { formatSpan } from "../ir/print.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import type { CheckResult } from "../parser/program.js";
import type { Io } from "./io.js";
import { compiledOf, loadChecked } from "./load.js";
import type { ProgramRequest } from "../export/program/prepare.js";
import { outputFileProblem, writeOutput } from "./output-path.js";
import type { CommandOptions } from "./commands.js";

export type ExportCliOptions = CommandOptions<"export">;

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
  /** Why the flags cannot work for this target (a missing flag, a bad output), before any work. */
  readonly problem: (opts: ExportCliOptions) => string | undefined;
  readonly run: (job: ExportJob) => Promise<number>;
}

const rematFlagsGiven = (opts: ExportCliOptions) =>
  opts.remat !== undefined || opts.memoryBudget !== undefined;

/** Every export target, by `--target` name. */
const exportTargets: { readonly [name: string]: ExportTarget } = {
  onnx: {
    problem: (opts) => {
      if (opts.checkpoint === undefined) return "--target onnx needs --checkpoint PATH";
      if (rematFlagsGiven(opts))
        return "--remat and --memory-budget shape a WebGPU training step; --target onnx writes the inference graph";
      if (opts.out === undefined) return "--target onnx needs -o FILE.onnx";
      if (!opts.out.endsWith(".onnx"))
        return `cannot write ${visibleText(opts.out)}: an ONNX model is written as .onnx`;
      return outputFileProblem(opts.out);
    },
    run: exportOnnxFile,
  },
  node: {
    problem: (opts) => programFolderProblem(opts, "node"),
    run: (job) => exportProgram(job, "node"),
  },
  browser: {
    problem: (opts) => programFolderProblem(opts, "browser"),
    run: (job) => exportProgram(job, "browser"),
  },
  pytorch: {
    problem: (opts) => programFolderProblem(opts, "pytorch"),
    run: exportPytorch,
  },
};

/**
 * Why a program cannot be written into `-o DIR`: no `-o`, a flag of the other target, or a folder
 * that exists with other things in it (a previous export is replaced).
 */
function programFolderProblem(
  opts: ExportCliOptions,
  target: "node" | "browser" | "pytorch",
): string | undefined {
  if (opts.out === undefined) return `--target ${target} needs -o DIR (the folder to write)`;
  if (target === "pytorch" && (opts.portable || opts.batch !== undefined))
    return '--target pytorch takes no --portable or --batch (use --set "batch = N")';
  if (target === "pytorch" && rematFlagsGiven(opts))
    return "--remat and --memory-budget shape a WebGPU training step; --target pytorch writes PyTorch code";
  if (opts.checkpoint !== undefined)
    return `--target ${target} trains from the start; it takes no --checkpoint`;
  if (target === "browser" && opts.data === false)
    return "--target browser needs its data: a page reads it from its own folder (drop --no-data)";
  if (target === "browser" && opts.portable)
    return "--target browser is always compiled for any WebGPU device (drop --portable)";
  const dir = opts.out;
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory())
      return `cannot write into ${visibleText(dir)}: it is not a folder`;
    entries = readdirSync(dir);
  } catch (e) {
    // A new folder is made in one that exists (as `mkdir` would).
    if ((e as { code?: string }).code === "ENOENT") return outputFileProblem(dir);
    return `cannot write into ${visibleText(dir)}: ${(e as { code?: string }).code ?? (e as Error).message}`;
  }
  const exported = ["train.mjs", "index.html", "train.py"].some((f) => entries.includes(f));
  if (entries.length > 0 && !exported)
    return `${visibleText(dir)} is not empty and holds no exported program; write into a new or empty folder`;
  return undefined;
}

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

/** `--target pytorch`: model.py, train.py, the initial parameters and the data. */
async function exportPytorch(job: ExportJob): Promise<number> {
  const { file, checked, section, opts, fail, io } = job;
  const { writePytorchProgram, PytorchExportError } = await import("../export/pytorch/index.js");
  const { DataError, UnsupportedDataError } = await import("../runtime/data/index.js");
  const sources = checked.sources.texts();
  const locate = (span: Parameters<typeof formatSpan>[0]) => formatSpan(span, { sources });
  const dir = opts.out!;
  let written;
  try {
    written = writePytorchProgram({ file, train: section, sources, dir, locate, data: opts.data });
  } catch (e) {
    if (e instanceof PytorchExportError) {
      if (!e.span) return fail(`error[${e.code}]: ${visibleText(e.message)}`);
      // located: a diagnostic like the checker's, with the .grove line and a caret
      const { renderDiagnostics } = await import("../diag/render.js");
      const { code, message, span, help } = e;
      const diagnostic = makeDiagnostic({ code, message, span, ...(help ? { help } : {}) });
      io.err(renderDiagnostics([diagnostic], checked.sources, "rich") + "\n");
      return 1;
    }
    if (e instanceof DataError || e instanceof UnsupportedDataError)
      return fail(visibleText(e.message));
    throw e;
  }
  const counts = Object.entries(written.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  io.out(
    `wrote ${visibleText(dir)}: model.py, train.py, grove_support.py, init.safetensors, README.md, ${opts.data === false ? "no data/" : "data/"} (${counts} examples)\n` +
      `run it: cd ${visibleText(dir)} && python3 train.py${opts.data === false ? " --data DIR" : ""}   (several processes: torchrun --standalone --nproc_per_node=2 train.py)\n`,
  );
  return 0;
}

/** Where a program's plans are compiled for: this machine's device, or any WebGPU device. */
async function programDevice(
  job: ExportJob,
  target: "node" | "browser",
): Promise<ProgramRequest["device"]> {
  const portable = {
    options: {},
    compiledFor: { portable: true, subgroups: false, device: "any WebGPU device" },
  };
  if (target === "browser" || job.opts.portable) return portable;
  const { acquireDevice, NoAdapterError, planOptionsFor } = await import("../runtime/index.js");
  let gpu;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    job.io.err(
      "grove export: no WebGPU adapter here, so the plans are compiled for any WebGPU device (--portable)\n",
    );
    return portable;
  }
  try {
    const options = planOptionsFor(gpu.device);
    const info = gpu.device.adapterInfo;
    const device = info.description || info.architecture || info.vendor || "this machine's GPU";
    return {
      options,
      compiledFor: { portable: false, subgroups: options.subgroups, device },
    };
  } finally {
    gpu.close();
  }
}

/**
 * The rematerialisation policy of every plan of the program: `--remat`, or the one
 * `--memory-budget` chooses for the full batch (printed); undefined after printing why none fits.
 */
function rematFor(job: ExportJob, options: ProgramRequest["device"]["options"]) {
  const { opts, section, checked, io } = job;
  if (opts.memoryBudget === undefined) return opts.remat ?? "store";
  const batch = opts.batch ?? section.batch;
  const compiled = compiledOf(checked, section, { ...opts, batch, device: options }, io);
  return compiled ? (compiled.remat?.report.policy ?? "store") : undefined;
}

/** `--target node|browser`: read the data, compile the plans, write the folder. */
async function exportProgram(job: ExportJob, target: "node" | "browser"): Promise<number> {
  const { file, checked, section, opts, fail, io } = job;
  const { prepareProgram } = await import("../export/program/prepare.js");
  const { DataError, UnsupportedDataError } = await import("../runtime/data/index.js");
  const device = await programDevice(job, target);
  const remat = rematFor(job, device.options);
  if (remat === undefined) return 1;
  let prepared;
  try {
    prepared = prepareProgram({
      file,
      train: section,
      device: { ...device, options: { ...device.options, remat } },
      ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    });
  } catch (e) {
    // The message may quote a path or a column name: one line, whatever they hold.
    if (e instanceof DataError || e instanceof UnsupportedDataError)
      return fail(visibleText(e.message));
    throw e;
  }
  if (!("program" in prepared)) {
    const { renderDiagnostics } = await import("../diag/render.js");
    io.err(renderDiagnostics(prepared, checked.sources, "rich") + "\n");
    return 1;
  }
  const { splitsMisfit } = await import("./train.js");
  const { data, compiled } = prepared;
  const misfit = splitsMisfit(compiled, data);
  if (misfit) return fail(misfit);
  const dir = opts.out!;
  const program = prepared.program(opts.data === false ? undefined : join(dir, "data"));
  const written =
    target === "node"
      ? await (await import("../export/node/write.js")).writeNodeProgram(program, dir)
      : await (await import("../export/browser/write.js")).writeBrowserProgram(program, dir);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const sizes = Object.keys(program.plans).join(", ");
  io.out(
    `wrote ${visibleText(dir)}: ${written.files.join(", ")}\n` +
      `  ${kb(written.runtimeBytes + written.programBytes)} of code (${kb(written.gzipBytes)} gzipped): ${kb(written.runtimeBytes)} runtime, ${kb(written.programBytes)} program with the plans for batches ${sizes} (${kb(written.planBytes)} of plan data)\n` +
      `  compiled for ${program.compiledFor.device}\n` +
      (target === "node"
        ? `run it: cd ${visibleText(dir)} && npm install && node train.mjs\n`
        : `serve it: grove serve ${visibleText(dir)}, then open the address in a browser with WebGPU\n`),
  );
  return 0;
}
