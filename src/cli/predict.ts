/**
 * @file `grove predict FILE --checkpoint C --input DATA [-o OUT]`: runs the `eval` program of the
 * file's first train section with a checkpoint's parameters on the examples of a CSV file (one row
 * of feature values per example, an optional header row) or a `.npy` array (examples along the
 * first axis) and writes every model output as CSV, one row per example, with an `argmax` column
 * for a classifier's class scores, or the model's output as `.npy` when OUT ends in `.npy`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { visibleText } from "../diag/escape.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import type { Io } from "./io.js";
import { compiledOf, loadChecked, openBackend } from "./load.js";
import { outputFileProblem, writeOutput } from "./output-path.js";
import type { BackendName } from "./train.js";

export interface PredictCliOptions {
  /** Train settings from `--set`, each `key = value`. */
  readonly set?: readonly string[];
  readonly checkpoint: string;
  readonly input: string;
  readonly out?: string;
  readonly batch?: number;
  readonly fuse: boolean;
  readonly backend?: BackendName;
}

/** A problem with the input file or the request, for a one-line message. */
class PredictError extends Error {}

/** Columns the training data used as labels or targets, dropped from a CSV header. */
function labelColumns(section: ElaboratedTrain): Set<string> {
  const a = section.data.args;
  const out = new Set(["label", "target"]);
  for (const k of ["label", "target"] as const) if (typeof a[k] === "string") out.add(a[k]);
  return out;
}

/**
 * The rows of a CSV file as numbers: a first row with a cell that is not a number is a header;
 * with a header, the train section's `features` columns are kept when it lists them, else every
 * column but the labels and targets.
 */
function readCsv(path: string, section: ElaboratedTrain): { width: number; values: number[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new PredictError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ cells: l.split(",").map((c) => c.trim()), line: i + 1, blank: !l.trim() }))
    .filter((l) => !l.blank);
  if (lines.length === 0) throw new PredictError(`${path} has no rows`);
  const isNumber = (c: string) => c !== "" && Number.isFinite(Number(c));
  let columns: number[] | undefined;
  if (!lines[0]!.cells.every(isNumber)) {
    const header = lines.shift()!.cells;
    const wanted = section.data.args.features;
    if (Array.isArray(wanted) && wanted.every((f) => header.includes(f)))
      columns = wanted.map((f) => header.indexOf(f));
    else {
      const drop = labelColumns(section);
      columns = header.flatMap((h, i) => (drop.has(h) ? [] : [i]));
    }
  }
  if (lines.length === 0) throw new PredictError(`${path} has a header but no rows`);
  const first = lines[0]!.cells.length;
  const width = columns?.length ?? first;
  const values: number[] = [];
  for (const { cells, line } of lines) {
    if (cells.length !== first)
      throw new PredictError(
        `${path}:${line}: ${cells.length} values, but the first row has ${first}`,
      );
    for (const c of columns ?? cells.map((_, i) => i)) {
      if (!isNumber(cells[c]!))
        throw new PredictError(
          `${path}:${line}: column ${c + 1} holds \`${cells[c]}\`, not a number`,
        );
      values.push(Number(cells[c]));
    }
  }
  return { width, values };
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
  const checked = loadChecked(file, io, "rich", { settings: opts.set ?? [] });
  if (!checked) return 1;
  const section = checked.program.trains[0];
  if (!section) {
    io.err(`grove predict: ${file} has no train section\n`);
    return 1;
  }
  const { CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { predict } = await import("../runtime/train.js");
  const { DataError, readNpy, writeNpy } = await import("../runtime/data/index.js");
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
  let rows: { width: number; values: ArrayLike<number> };
  let count: number;
  try {
    checkpoint = readCheckpoint(opts.checkpoint);
    if (opts.input.endsWith(".csv")) {
      rows = readCsv(opts.input, section);
      count = rows.values.length / rows.width;
    } else if (opts.input.endsWith(".npy")) {
      const array = readNpy(opts.input);
      if (array.shape.length === 0)
        throw new PredictError(
          `${opts.input} holds a single value, not examples along its first axis`,
        );
      count = array.shape[0]!;
      rows = { width: array.shape.slice(1).reduce((a, d) => a * d, 1), values: array.data };
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
  const compiled = compiledOf(checked, section, { fuse: opts.fuse, batch }, io);
  if (!compiled) return 1;
  const input = compiled.plan.inputs.find((t) => t.name === inputName)!;
  const per = input.shape.slice(1).reduce((a, d) => a * d, 1);
  if (rows.width !== per)
    return fail(
      `${opts.input} has ${rows.width} values per row, but the model input \`${inputName}\` takes ${per} ([${input.shape.slice(1).join(", ")}] after the batch)`,
    );
  const data =
    input.dtype === "i32" ? Int32Array.from(rows.values) : Float32Array.from(rows.values);
  if (input.dtype === "i32" && Array.from(rows.values).some((v) => !Number.isInteger(v)))
    return fail(`the model input \`${inputName}\` takes whole numbers; ${opts.input} has others`);
  const backend = await openBackend(opts.backend, "predict", io);
  if (!backend) return 1;
  const { gpu } = backend;
  let outputs;
  try {
    outputs = await predict({
      device: gpu ? gpu.device : "cpu",
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
      header.push(outputs.length === 1 ? "argmax" : `${o.name}_argmax`);
      columns.push((r) => {
        let best = 0;
        for (let j = 1; j < n; j++) if (o.data[r * n + j]! > o.data[r * n + best]!) best = j;
        return String(best);
      });
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
