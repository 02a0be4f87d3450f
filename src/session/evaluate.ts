/**
 * @file Evaluation and prediction: the `eval` program's mean loss and metrics over a dataset,
 * batched like training, and, from a checkpoint's parameters, the same evaluation or every model
 * output for given inputs. Checkpoints arrive already read (`LoadedCheckpoint`); reading them is
 * the host's business (`node.ts` reads files).
 */
import { UserError } from "../diag/diagnostic.js";
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import type { CompiledPlan } from "../codegen/compile.js";
import { modelTensors, type Plan } from "../codegen/plan.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFinite, tensorsFor, type Checkpoint } from "../runtime/safetensors.js";
import { groveMeta, type TrainingMeta } from "../runtime/checkpoint-meta.js";
import type { Dataset, Field } from "../runtime/data/types.js";
import { batches, inOrder, writeBatch } from "./batches.js";
import type { EvalReport, Prediction } from "./reports.js";
import { compilingRunners, Runners, type Backend, type Runner } from "./runners.js";
import { emptyRecord } from "../diag/records.js";

/** A checkpoint already read, with the path (or name) that messages give for it. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly checkpoint: Checkpoint;
}

/**
 * Checks what a load checks: the metadata (`groveMeta`: every field of a `grove train` file,
 * nothing for a file from elsewhere) and that every tensor is finite; a `CheckpointError`
 * otherwise.
 */
export function checkLoaded(loaded: LoadedCheckpoint): TrainingMeta | undefined {
  const meta = groveMeta(loaded.checkpoint, loaded.path);
  checkFinite(loaded.checkpoint, loaded.path);
  return meta;
}

/**
 * Mean loss and metrics of the `eval` program over `data`, weighted by batch size. `stop` is
 * called before each batch (it throws to stop an interrupted run).
 */
export async function evaluate(
  runners: Runners,
  data: Dataset,
  batch: number,
  step: number,
  stop?: () => void,
): Promise<EvalReport> {
  const order = inOrder(data.count);
  let loss = 0;
  const metrics = emptyRecord<number>();
  for (const b of batches(data.count, batch)) {
    stop?.();
    const runner = await runners.get(b.size, "eval");
    writeBatch(runner, "eval", data, order, b, step);
    runner.run("eval");
    const names = runner.plan.programs.eval!.outputs.filter(
      (n) => n === "loss" || n.startsWith("metric:"),
    );
    const values = await runner.readOutputs(names);
    names.forEach((name, k) => {
      const value = values[k]![0]! * b.size;
      if (name === "loss") loss += value;
      else metrics[name.slice(7)] = (metrics[name.slice(7)] ?? 0) + value;
    });
  }
  for (const k of Object.keys(metrics)) metrics[k]! /= data.count;
  return { loss: loss / data.count, metrics, examples: data.count };
}

export interface FromCheckpointOptions {
  readonly device: Backend;
  readonly train: ElaboratedTrain;
  /** Its parameters are used; optimizer state is ignored. */
  readonly checkpoint: LoadedCheckpoint;
  readonly batch: number;
  readonly fuse?: boolean;
  /** The fusion rules when `fuse` is on (`--fusion`; default: `defaultPolicy`). */
  readonly fusion?: FusionPolicy;
  readonly sources?: ReadonlyMap<string, string>;
  /** The Plan for `batch`, when the caller already compiled it (with its graphs for the CPU). */
  readonly plan?: Plan | CompiledPlan;
}

/** Runs `body` with runners holding the checkpoint's parameters. */
async function withCheckpoint<T>(
  options: FromCheckpointOptions,
  body: (runners: Runners) => Promise<T>,
): Promise<T> {
  const { path, checkpoint } = options.checkpoint;
  const runners = new Runners(
    compilingRunners(
      options.device,
      options.train,
      {
        fuse: options.fuse ?? true,
        ...(options.fusion ? { fusion: options.fusion } : {}),
        ...(options.sources ? { sources: options.sources } : {}),
      },
      options.plan,
    ),
    (runner) => {
      const tensors = tensorsFor(checkpoint, runner.plan, path);
      for (const p of modelTensors(runner.plan)) runner.writeParam(p.name, tensors.get(p.name)!);
    },
  );
  try {
    return await body(runners);
  } finally {
    runners.destroy();
  }
}

/** The `eval` program's mean loss and metrics over `data` with a checkpoint's parameters. */
export async function evaluateCheckpoint(
  options: FromCheckpointOptions & { readonly data: Dataset },
): Promise<EvalReport> {
  const step = checkLoaded(options.checkpoint)?.step ?? 0;
  return withCheckpoint(options, (runners) =>
    evaluate(runners, options.data, Math.min(options.batch, options.data.count), step),
  );
}

/**
 * Runs the `eval` program on `inputs` (the model's inputs; data fields the model does not read,
 * such as `label`, are filled with zeros) and returns every model output, in example order.
 */
export async function predict(
  options: FromCheckpointOptions & { readonly inputs: Dataset },
): Promise<Prediction[]> {
  const data = options.inputs;
  if (data.count === 0) throw new UserError("there are no examples to predict");
  checkLoaded(options.checkpoint);
  return withCheckpoint(options, async (runners) => {
    const order = inOrder(data.count);
    let out: Prediction[] = [];
    for (const b of batches(data.count, Math.min(options.batch, data.count))) {
      const runner = await runners.get(b.size, "eval");
      const plan = runner.plan;
      const fields = new Map<string, Field>(data.fields);
      for (const t of plan.inputs) {
        if (fields.has(t.name) || t.name === "@step") continue;
        const per = t.shape.slice(1).reduce((a, d) => a * d, 1);
        const zeros =
          t.dtype === "i32" ? new Int32Array(data.count * per) : new Float32Array(data.count * per);
        fields.set(t.name, { dtype: t.dtype, perExample: per, data: zeros });
      }
      writeBatch(runner, "eval", { fields, count: data.count }, order, b, 0);
      runner.run("eval");
      if (out.length === 0) out = outputsOf(plan, data.count);
      for (const o of out) {
        const values = await runner.readOutput(o.name);
        o.data.set(values, b.start * (o.data.length / data.count));
      }
    }
    return out;
  });
}

/** Zeroed arrays for every model output of `plan`'s `eval` program over `count` examples. */
function outputsOf(plan: Runner["plan"], count: number): Prediction[] {
  const names = plan.programs.eval!.outputs.filter((n) => n !== "loss" && !n.startsWith("metric:"));
  return names.map((name) => {
    const t = plan.outputs.find((o) => o.name === name)!;
    const shape = t.shape.slice(1);
    const per = shape.reduce((a, d) => a * d, 1);
    const values = t.dtype === "i32" ? new Int32Array(count * per) : new Float32Array(count * per);
    return { name, shape, dtype: t.dtype, data: values };
  });
}
