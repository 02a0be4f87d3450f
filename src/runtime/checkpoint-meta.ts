/**
 * @file The `__metadata__` that `grove train` writes into a checkpoint, in one place:
 * `encodeTrainingMeta` (what a save writes) and `decodeTrainingMeta` (what resume, eval and predict
 * read). Metadata is input, not truth: decoding checks every field's type and range and that the
 * fields agree with each other and with the file's tensors, and a problem is one `CheckpointError`
 * naming the field and the file. A file without `format: grove` metadata (another tool's
 * safetensors, or one written by hand) is read for its tensors only.
 */
import { CheckpointError, OPTIMIZER_PREFIX, type Checkpoint } from "./safetensors.js";
import { emptyRecord } from "../diag/records.js";

/** The checkpoint format version in `__metadata__.format_version`. */
export const CHECKPOINT_VERSION = "1";

/** The largest step, epoch count, batch or example count (the step is an i32 on the GPU). */
export const MAX_COUNT = 2147483647;
/** Seeds are 32-bit (the Philox key). */
export const MAX_SEED = 4294967295;
/** The largest finite float32; a learning rate beyond it is infinite on the GPU. */
export const F32_MAX = 3.4028234663852886e38;

/** One epoch of a run as checkpoints keep it (`__metadata__.history`) and the chart draws it. */
export interface EpochHistory {
  readonly epoch: number;
  readonly loss: number;
  readonly validation?: {
    readonly loss: number;
    readonly metrics: Readonly<Record<string, number>>;
  };
  /** The epoch was cut short by `maxSteps`; a resumed run replaces it with the whole epoch. */
  readonly partial?: boolean;
}

export type SaveReason = "epoch" | "interrupt" | "max-steps";

/** Everything a checkpoint of `grove train` records besides its tensors. */
export interface TrainingMeta {
  readonly model: string;
  /** The `.grove` file. */
  readonly source: string;
  /** Optimizer steps done. */
  readonly step: number;
  /** The epoch of the next step (1-based) and the index of its next batch. */
  readonly epoch: number;
  readonly nextBatch: number;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly batch: number;
  readonly seed: number;
  /** The base learning rate. */
  readonly lr: number;
  readonly optimizer: string;
  readonly optimizerArgs: Readonly<Record<string, unknown>>;
  readonly schedule: { readonly name: string; readonly args: Readonly<Record<string, unknown>> };
  /** 0: no clipping. */
  readonly clipGradNorm: number;
  readonly trainExamples: number;
  readonly examplesSeen: number;
  /** The sum of loss × batch size over the current epoch's steps so far. */
  readonly epochLossSum: number;
  readonly history: readonly EpochHistory[];
  readonly reason: SaveReason;
  /** The magnitude the divergence rule compares losses with (absent in older files). */
  readonly lossReference?: number;
  /** A categorical label's class names in class order (`classes`, a JSON array of strings). */
  readonly classes?: readonly string[];
}

/** JSON has no NaN or infinities: they are written as strings and read back as numbers. */
const encodeNumber = (_: string, v: unknown) =>
  typeof v === "number" && !Number.isFinite(v) ? String(v) : v;

/** The `__metadata__` strings of `meta`. */
export function encodeTrainingMeta(meta: TrainingMeta): Record<string, string> {
  return {
    format: "grove",
    format_version: CHECKPOINT_VERSION,
    model: meta.model,
    source: meta.source,
    step: String(meta.step),
    epoch: String(meta.epoch),
    next_batch: String(meta.nextBatch),
    epochs: String(meta.epochs),
    steps_per_epoch: String(meta.stepsPerEpoch),
    batch: String(meta.batch),
    seed: String(meta.seed),
    lr: String(meta.lr),
    optimizer: meta.optimizer,
    optimizer_args: JSON.stringify(meta.optimizerArgs),
    schedule: JSON.stringify(meta.schedule),
    clip_grad_norm: String(meta.clipGradNorm),
    train_examples: String(meta.trainExamples),
    examples_seen: String(meta.examplesSeen),
    epoch_loss_sum: String(meta.epochLossSum),
    history: JSON.stringify(meta.history, encodeNumber),
    reason: meta.reason,
    ...(meta.lossReference !== undefined ? { loss_reference: String(meta.lossReference) } : {}),
    ...(meta.classes !== undefined ? { classes: JSON.stringify(meta.classes) } : {}),
  };
}

// ------------------------------------------------------------------------------- decoding

/** A metadata value as the message shows it: JSON-quoted (escapes invisible characters), cut. */
const shown = (text: string) =>
  text.length > 32 ? `${JSON.stringify(text.slice(0, 32))}...` : JSON.stringify(text);

/** A decimal number as `String(number)` writes it (no `0x`, `Infinity`, blanks). */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses one field's text: its value, or what it must be. */
type FieldRule = (text: string) => { readonly value: unknown } | { readonly must: string };
const must = (what: string) => ({ must: `it must be ${what}` });

const whole =
  (min: number, max: number): FieldRule =>
  (text) => {
    const n = Number(text);
    return /^\d+$/.test(text) && n >= min && n <= max
      ? { value: n }
      : must(`a whole number from ${min} to ${max}`);
  };

const real =
  (ok: (n: number) => boolean, what: string): FieldRule =>
  (text) => {
    const n = Number(text);
    return DECIMAL.test(text) && Number.isFinite(n) && ok(n) ? { value: n } : must(what);
  };

const name: FieldRule = (text) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? { value: text } : must("a name");
const anyText: FieldRule = (text) => ({ value: text });

const json =
  (check: (v: unknown) => boolean, what: string): FieldRule =>
  (text) => {
    try {
      const v: unknown = JSON.parse(text);
      if (check(v)) return { value: v };
    } catch {
      // reported below
    }
    return must(what);
  };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isSetting = (v: unknown) =>
  typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && isFinite(v));
const isArgs = (v: unknown) => isRecord(v) && Object.values(v).every(isSetting);
/** The most class names `classes` may hold (as the `csv` source reads them). */
const MAX_CLASSES = 65_536;
/** Class names: distinct strings, sorted by code units (as the `csv` source numbers them). */
const isClasses = (v: unknown) =>
  Array.isArray(v) &&
  v.length >= 1 &&
  v.length <= MAX_CLASSES &&
  v.every((c, i) => typeof c === "string" && c !== "" && (i === 0 || v[i - 1] < c));

/** Every field `grove train` writes, with how it is read; `optional` ones may be absent. */
const fieldRules: Readonly<Record<string, { rule: FieldRule; optional?: boolean }>> = {
  model: { rule: name },
  source: { rule: anyText },
  step: { rule: whole(0, MAX_COUNT) },
  epoch: { rule: whole(1, MAX_COUNT) },
  next_batch: { rule: whole(0, MAX_COUNT) },
  epochs: { rule: whole(1, MAX_COUNT) },
  steps_per_epoch: { rule: whole(1, MAX_COUNT) },
  batch: { rule: whole(1, MAX_COUNT) },
  seed: { rule: whole(0, MAX_SEED) },
  lr: { rule: real((n) => n > 0 && n <= F32_MAX, `a positive number up to ${F32_MAX}`) },
  optimizer: { rule: name },
  optimizer_args: { rule: json(isArgs, "a JSON object of numbers, strings and booleans") },
  schedule: {
    rule: json(
      (v) => isRecord(v) && typeof v.name === "string" && isArgs(v.args),
      "a JSON object {name, args}",
    ),
  },
  clip_grad_norm: { rule: real((n) => n >= 0, "a finite number of at least 0") },
  train_examples: { rule: whole(1, MAX_COUNT) },
  examples_seen: { rule: whole(0, Number.MAX_SAFE_INTEGER) },
  epoch_loss_sum: { rule: real(() => true, "a finite number") },
  history: { rule: anyText, optional: true },
  reason: {
    rule: (text) =>
      ["epoch", "interrupt", "max-steps"].includes(text)
        ? { value: text }
        : must("epoch, interrupt or max-steps"),
  },
  loss_reference: { rule: real((n) => n >= 0, "a finite number of at least 0"), optional: true },
  classes: {
    rule: json(isClasses, `a JSON array of 1 to ${MAX_CLASSES} distinct non-empty strings, sorted`),
    optional: true,
  },
};

/** A history number: a JSON number, or NaN and the infinities as `encodeNumber` writes them. */
const historyNumber = (v: unknown): number | undefined =>
  typeof v === "number"
    ? v
    : v === "NaN" || v === "Infinity" || v === "-Infinity"
      ? Number(v)
      : undefined;

/** The history entries, or undefined when one is malformed. */
function parseHistory(text: string, epoch: number): EpochHistory[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  const out: EpochHistory[] = [];
  for (const e of raw as unknown[]) {
    if (!isRecord(e)) return undefined;
    const n = historyNumber(e.epoch);
    const loss = historyNumber(e.loss);
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > epoch || loss === undefined)
      return undefined;
    let validation: EpochHistory["validation"];
    if (e.validation !== undefined) {
      const v = e.validation;
      if (!isRecord(v) || !isRecord(v.metrics ?? {})) return undefined;
      const vLoss = historyNumber(v.loss);
      const metrics = emptyRecord<number>();
      for (const [k, x] of Object.entries((v.metrics ?? {}) as Record<string, unknown>)) {
        const m = historyNumber(x);
        if (m === undefined) return undefined;
        metrics[k] = m;
      }
      if (vLoss === undefined) return undefined;
      validation = { loss: vLoss, metrics };
    }
    out.push({
      epoch: n,
      loss,
      ...(validation ? { validation } : {}),
      ...(e.partial === true ? { partial: true } : {}),
    });
  }
  return out;
}

/** Fields that must agree; each returns the problem, naming the field, or undefined. */
const agreements: readonly ((m: TrainingMeta) => string | undefined)[] = [
  (m) => {
    const steps = Math.ceil(m.trainExamples / m.batch);
    return m.stepsPerEpoch === steps
      ? undefined
      : `metadata \`steps_per_epoch\` is ${m.stepsPerEpoch}, but ${m.trainExamples} examples in batches of ${m.batch} make ${steps}`;
  },
  (m) =>
    m.nextBatch < m.stepsPerEpoch
      ? undefined
      : `metadata \`next_batch\` is ${m.nextBatch}, but an epoch has ${m.stepsPerEpoch} batches`,
  (m) =>
    m.epoch <= m.epochs + 1
      ? undefined
      : `metadata \`epoch\` is ${m.epoch}, past the end of the run's ${m.epochs} epochs`,
  (m) => {
    const want = (m.epoch - 1) * m.stepsPerEpoch + m.nextBatch;
    return m.step === want
      ? undefined
      : `metadata \`step\` is ${m.step}, but epoch ${m.epoch}, batch ${m.nextBatch} of ${m.stepsPerEpoch} is step ${want}`;
  },
  (m) => {
    const want = (m.epoch - 1) * m.trainExamples + m.nextBatch * m.batch;
    return m.examplesSeen === want
      ? undefined
      : `metadata \`examples_seen\` is ${m.examplesSeen}, but ${m.step} steps over ${m.trainExamples} examples see ${want}`;
  },
  (m) =>
    m.nextBatch > 0 || m.epochLossSum === 0
      ? undefined
      : `metadata \`epoch_loss_sum\` is ${m.epochLossSum} at the start of an epoch, where it is 0`,
  (m) =>
    m.reason !== "epoch" || m.nextBatch === 0
      ? undefined
      : `metadata \`reason\` is epoch, but \`next_batch\` is ${m.nextBatch}, not 0`,
];

/**
 * What the tensors must satisfy in a Grove checkpoint: F32 values, and every optimizer moment
 * `optimizer.<moment>:<param>` belongs to a parameter in the file with its shape.
 */
function tensorProblem(checkpoint: Checkpoint): string | undefined {
  for (const [key, t] of checkpoint.tensors) {
    if (t.dtype !== "F32") return `tensor \`${key}\` is ${t.dtype}; Grove checkpoints hold F32`;
    if (!key.startsWith(OPTIMIZER_PREFIX)) continue;
    const colon = key.indexOf(":");
    const param = colon < 0 ? undefined : checkpoint.tensors.get(key.slice(colon + 1));
    const owner = key.slice(colon + 1);
    if (!param || owner.startsWith(OPTIMIZER_PREFIX))
      return `tensor \`${key}\` is an optimizer moment of no parameter in the file`;
    if (param.shape.length !== t.shape.length || param.shape.some((d, i) => d !== t.shape[i]))
      return `tensor \`${key}\` is [${t.shape.join(", ")}], but its parameter \`${owner}\` is [${param.shape.join(", ")}]`;
  }
  return undefined;
}

/**
 * The training metadata of a checkpoint written by `grove train`, every field checked; a
 * `CheckpointError` naming the field and `file` otherwise (also for a file without it).
 */
export function decodeTrainingMeta(checkpoint: Checkpoint, file: string): TrainingMeta {
  const m = checkpoint.metadata;
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  if (m.format !== "grove") fail("was not saved by grove train (no `format: grove` metadata)");
  if (m.format_version !== CHECKPOINT_VERSION)
    fail(
      `has checkpoint format version ${shown(m.format_version ?? "")}; this Grove reads version ${CHECKPOINT_VERSION}`,
    );
  const v: Record<string, unknown> = {};
  for (const [key, { rule, optional }] of Object.entries(fieldRules)) {
    const text = Object.hasOwn(m, key) ? m[key] : undefined;
    if (text === undefined) {
      if (!optional) fail(`metadata \`${key}\` is missing`);
      continue;
    }
    const r = rule(text);
    if ("must" in r) fail(`metadata \`${key}\` is ${shown(text)}; ${r.must}`);
    else v[key] = r.value;
  }
  const epoch = v.epoch as number;
  const history =
    v.history === undefined || v.history === "" ? [] : parseHistory(v.history as string, epoch);
  if (!history)
    fail(
      `metadata \`history\` is not a JSON array of epochs ({epoch, loss, validation?}) up to epoch ${epoch}`,
    );
  const meta: TrainingMeta = {
    model: v.model as string,
    source: v.source as string,
    step: v.step as number,
    epoch,
    nextBatch: v.next_batch as number,
    epochs: v.epochs as number,
    stepsPerEpoch: v.steps_per_epoch as number,
    batch: v.batch as number,
    seed: v.seed as number,
    lr: v.lr as number,
    optimizer: v.optimizer as string,
    optimizerArgs: v.optimizer_args as Record<string, unknown>,
    schedule: v.schedule as TrainingMeta["schedule"],
    clipGradNorm: v.clip_grad_norm as number,
    trainExamples: v.train_examples as number,
    examplesSeen: v.examples_seen as number,
    epochLossSum: v.epoch_loss_sum as number,
    history: history!,
    reason: v.reason as SaveReason,
    ...(v.loss_reference !== undefined ? { lossReference: v.loss_reference as number } : {}),
    ...(v.classes !== undefined ? { classes: v.classes as string[] } : {}),
  };
  for (const agree of agreements) {
    const problem = agree(meta);
    if (problem) fail(problem);
  }
  const tensors = tensorProblem(checkpoint);
  if (tensors) fail(tensors);
  return meta;
}

/**
 * `decodeTrainingMeta` for a checkpoint that may come from elsewhere: undefined when the file has
 * no `format: grove` metadata (only its tensors are used), every field checked when it has.
 */
export function groveMeta(checkpoint: Checkpoint, file: string): TrainingMeta | undefined {
  return checkpoint.metadata.format === "grove" ? decodeTrainingMeta(checkpoint, file) : undefined;
}
