/**
 * @file What a data loader hands the training loop: named fields of equal example counts, each a
 * flat typed array with a fixed number of values per example, and the splits of a data source.
 */
import { UserError } from "../../diag/diagnostic.js";

export interface Field {
  readonly dtype: "f32" | "i32";
  /** Values per example (784 for an MNIST image, 1 for a label). */
  readonly perExample: number;
  readonly data: Float32Array | Int32Array;
}

export interface Dataset {
  readonly fields: ReadonlyMap<string, Field>;
  readonly count: number;
  /** The names of the `label` field's classes, in class order, for a categorical label. */
  readonly classes?: readonly string[];
}

/** The splits of one data source: what to train on, and what to evaluate on. */
export interface Splits {
  readonly train: Dataset;
  /** Held out from the training data by the source's `validate` fraction. */
  readonly validation?: Dataset;
  /** A separate test split, when the source has one (`mnist`). */
  readonly test?: Dataset;
}

/** A data source `grove train` cannot read yet; the message is for the user. */
export class UnsupportedDataError extends UserError {
  constructor(readonly source: string) {
    super(`data source \`${source}\` is not supported by \`grove train\` yet`);
    this.name = "UnsupportedDataError";
  }
}

/** Examples `indices` of `data`, in that order. */
export function subset(data: Dataset, indices: readonly number[] | Int32Array): Dataset {
  const fields = new Map<string, Field>();
  for (const [name, f] of data.fields) {
    const out =
      f.dtype === "i32"
        ? new Int32Array(indices.length * f.perExample)
        : new Float32Array(indices.length * f.perExample);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      out.set(f.data.subarray(i * f.perExample, (i + 1) * f.perExample), k * f.perExample);
    }
    fields.set(name, { dtype: f.dtype, perExample: f.perExample, data: out });
  }
  return { fields, count: indices.length, ...(data.classes ? { classes: data.classes } : {}) };
}

/** Examples `[start, end)` of `data` (one copy per field, not one per example). */
export function slice(data: Dataset, start: number, end: number): Dataset {
  const fields = new Map<string, Field>();
  for (const [name, f] of data.fields)
    fields.set(name, { ...f, data: f.data.slice(start * f.perExample, end * f.perExample) });
  return { fields, count: end - start, ...(data.classes ? { classes: data.classes } : {}) };
}

/** Splits off the last `fraction` of `data` (rounded down) as validation. */
export function holdOut(data: Dataset, fraction: number): { train: Dataset; validation?: Dataset } {
  const held = Math.floor(data.count * fraction);
  if (held === 0) return { train: data };
  return {
    train: slice(data, 0, data.count - held),
    validation: slice(data, data.count - held, data.count),
  };
}
