/**
 * @file `grove predict FILE --checkpoint C --input DATA [-o OUT]`: runs the `eval` program of the
 * file's first train section with a checkpoint's parameters on the examples of a CSV file (one row
 * of feature values per example; the first row is a header when it names the columns the model
 * was trained on, see `readCsvExamples`) or a `.npy` array (examples along the first axis) and
 * writes every model output as CSV, one row per example, with an `argmax` column for a
 * classifier's class scores (and a `class` column with its name when the checkpoint was trained
 * on categorical labels), or the model's output as `.npy` when OUT ends in `.npy`.
 */
import { UserError } from "../diag/diagnostic.js";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { visibleText } from "../diag/escape.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import type { Io } from "./io.js";
import { compiledOf, cpuPlanOptions, loadChecked, openBackend } from "./load.js";
import { outputFileProblem, writeOutput } from "./output-path.js";
import type { CommandOptions } from "./commands.js";

export type PredictCliOptions = CommandOptions<"predict">;

/** A problem with the input file or the request, for a one-line message. */
class PredictError extends UserError {}

/** A cell of the written CSV: quoted (quotes doubled) when it holds a comma, quote or line end. */
const csvCell = (text: string) =>
  /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

/** Columns the training data used as labels or targets, dropped from a CSV header. */
function labelColumns(section: ElaboratedTrain): Set<string> {
  const a = section.data.args;
  const out = new Set(["label", "target"]);
  for (const k of ["label", "target"] as const) if (typeof a[k] === "string") out.add(a[k]);
  return out;
}

/**
 * The columns a CSV header must name to be one: the train section's `features`, else the columns
 * of its training CSV but the labels and targets; undefined when neither is known (the data is
 * not a CSV, or its file cannot be read here), and `readCsvExamples` then takes a first row of
 * names as the header.
 */
function trainedColumns(
  section: ElaboratedTrain,
  baseDir: string,
  headerOf: (path: string) => readonly string[] | undefined,
): readonly string[] | undefined {
  const a = section.data.args;
  if (Array.isArray(a.features)) return a.features;
  if (section.data.name !== "csv" || typeof a.path !== "string") return undefined;
  const drop = labelColumns(section);
  return headerOf(resolve(baseDir, a.path))?.filter((h) => !drop.has(h));
}

/**
 * Why `-o OUT` cannot be written, checked before any work: the extension names the format, and
 * the folder must exist and be writable (it is not created).
 */
function outputProblem(out: string): string | undefined {
  if (!/\.(csv|npy)$/.test(out))
    return `cannot write ${visibleText(out)}: the output is written as .csv or .npy`;
  return outputFileProblem(out);
}

/** Shortest text that reads back as the same f32. */
const f32Text = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(9))) : String(v));

export async function predictCommand(
  file: string,
  opts: PredictCliOptions,
  io: Io,
): Promise<number> {
  const outProblem = opts.out === undefined ? undefined : outputProblem(opts.out);
  if (outProblem) {
    io.err(`grove predict: ${outProblem}\n`);
    return 1;
  }
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const section = checked.program.trains[0];
  if (!section) {
    io.err(`grove predict: ${file} has no train section\n`);
    return 1;
  }
  const { CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { groveMeta } = await import("../runtime/checkpoint-meta.js");
  const { predict } = await import("../session/node.js");
  const { DataError, indexText, readCsvExamples, readCsvHeader, readNpy, writeNpy } =
    await import("../runtime/data/index.js");
  const fail = (message: string) => {
    io.err(`grove predict: ${message}\n`);
    return 1;
  };
  const model = checked.program.models.find((m) => m.name === section.model);
  const modelInputs = model?.graph.inputs.map((i) => i.name) ?? [];
  if (modelInputs.length !== 1)
    return fail(
      `predict feeds one model input, but ${section.model} has ${modelInputs.join(", ")}`,
    );
  const inputName = modelInputs[0]!;
  let checkpoint;
  let classes: readonly string[] | undefined;
  let rows: { width: number; values: ArrayLike<number>; shape: readonly number[] };
  let count: number;
  try {
    checkpoint = readCheckpoint(opts.checkpoint);
    classes = groveMeta(checkpoint, opts.checkpoint)?.classes;
    if (opts.input.endsWith(".csv")) {
      const names = trainedColumns(section, dirname(file), readCsvHeader);
      const examples = readCsvExamples(
        opts.input,
        { ...(names ? { names } : {}), drop: labelColumns(section) },
        model!.graph.inputs[0]!.dtype,
      );
      count = examples.count;
      rows = { ...examples, shape: [count, examples.width] };
    } else if (opts.input.endsWith(".npy")) {
      const array = readNpy(opts.input);
      if (array.shape.length === 0)
        throw new PredictError(
          `${opts.input} holds a single value, not examples along its first axis`,
        );
      count = array.shape[0]!;
      const width = array.shape.slice(1).reduce((a, d) => a * d, 1);
      rows = { width, values: array.data, shape: array.shape };
    } else
      throw new PredictError(`cannot read ${opts.input}: the input must be a .csv or .npy file`);
  } catch (e) {
    if (e instanceof CheckpointError || e instanceof PredictError || e instanceof DataError)
      return fail(e.message);
    throw e;
  }
  if (count === 0) return fail(`${opts.input} has no examples`);
  const saved = Number(checkpoint.metadata.batch);
  const batch = Math.min(
    opts.batch ?? (Number.isInteger(saved) && saved > 0 ? saved : section.batch),
    count,
  );
  const backend = await openBackend(opts.backend, "predict", io);
  if (!backend) return 1;
  const { gpu } = backend;
  const failClosed = (message: string) => {
    gpu?.close();
    return fail(message);
  };
  const device = backend.name === "gpu" ? {} : { device: cpuPlanOptions };
  const compiled = compiledOf(checked, section, { fuse: opts.fuse, batch, ...device }, io);
  if (!compiled) {
    gpu?.close();
    return 1;
  }
  const input = compiled.plan.inputs.find((t) => t.name === inputName)!;
  const per = input.shape.slice(1).reduce((a, d) => a * d, 1);
  if (rows.width !== per)
    return failClosed(
      `${opts.input} has ${rows.width} values per row, but the model input \`${inputName}\` takes ${per} ([${input.shape.slice(1).join(", ")}] after the batch)`,
    );
  const data =
    input.dtype === "i32" ? Int32Array.from(rows.values) : Float32Array.from(rows.values);
  const bad =
    input.dtype === "i32"
      ? Array.from(rows.values).findIndex((v) => !(Number.isInteger(v) && v === (v | 0)))
      : -1;
  if (bad >= 0)
    return failClosed(
      `${opts.input}: ${indexText(bad, rows.shape)} is ${rows.values[bad]}, but the model input \`${inputName}\` takes whole numbers from -2147483648 to 2147483647`,
    );
  let outputs;
  try {
    outputs = await predict({
      device: backend.session,
      train: section,
      checkpoint: { path: opts.checkpoint, checkpoint },
      inputs: {
        count,
        fields: new Map([[inputName, { dtype: input.dtype, perExample: per, data }]]),
      },
      batch,
      plan: compiled,
      fuse: opts.fuse,
      sources: checked.sources.texts(),
    });
  } catch (e) {
    if (e instanceof CheckpointError) return fail(e.message);
    throw e;
  } finally {
    gpu?.close();
  }
  if (opts.out?.endsWith(".npy")) {
    if (outputs.length !== 1)
      return fail(
        `${section.model} has ${outputs.length} outputs (${outputs.map((o) => o.name).join(", ")}); a .npy file holds one: write .csv`,
      );
    const o = outputs[0]!;
    const failed = writeOutput(opts.out, () => writeNpy(opts.out!, o.data, [count, ...o.shape]));
    if (failed) return fail(failed);
    io.out(`wrote ${count} predictions to ${opts.out}\n`);
    return 0;
  }
  // A classifier (an integer `label`) gets the index of each row's largest score.
  const classifier = section.fields.some((f) => f.name === "label" && f.dtype === "i32");
  const header: string[] = [];
  const columns: ((row: number) => string)[] = [];
  for (const o of outputs) {
    const n = o.shape.reduce((a, d) => a * d, 1);
    for (let j = 0; j < n; j++) {
      header.push(n === 1 ? o.name : `${o.name}_${j}`);
      columns.push((r) => f32Text(o.data[r * n + j]!));
    }
    if (classifier && o.shape.length === 1 && n >= 2) {
      const argmax = (r: number) => {
        let best = 0;
        for (let j = 1; j < n; j++) if (o.data[r * n + j]! > o.data[r * n + best]!) best = j;
        return best;
      };
      header.push(outputs.length === 1 ? "argmax" : `${o.name}_argmax`);
      columns.push((r) => String(argmax(r)));
      // Categorical labels: the class name of the argmax (empty past the trained classes).
      if (classes) {
        const names = classes;
        header.push(outputs.length === 1 ? "class" : `${o.name}_class`);
        columns.push((r) => csvCell(names[argmax(r)] ?? ""));
      }
    }
  }
  const lines = [header.join(",")];
  for (let r = 0; r < count; r++) lines.push(columns.map((c) => c(r)).join(","));
  const text = lines.join("\n") + "\n";
  if (opts.out === undefined) io.out(text);
  else {
    const failed = writeOutput(opts.out, () => writeFileSync(opts.out!, text));
    if (failed) return fail(failed);
    io.out(`wrote ${count} predictions to ${opts.out}\n`);
  }
  return 0;
}
