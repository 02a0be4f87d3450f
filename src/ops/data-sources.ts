/**
 * @file The data sources of a train section (`data = mnist(...)`), one schema record each: doc
 * text, arguments (kind, default, range, which name files the source reads), positional order,
 * the check of the arguments together, and the fields it provides. The checker binds
 * `data = name(args)` against these records (`parser/check/train-calls.ts`), the language server
 * shows them, and every backend keeps a row per `DataSourceName` (`runtime/data/index.ts`,
 * `export/program/sources.ts`, `playground/data.ts`), each taking `SourceArgs` with every default
 * filled in, so a new source does not compile until each has one; `grove export` copies the files
 * its `file` arguments name (`export/program/data-files.ts`).
 */
import {
  count,
  countLimits,
  fraction,
  nonNegative,
  positive,
  type ArgRule,
  type ArgRules,
  type ArgValue,
  type BoundArgs,
  type CallRule,
} from "./call-schema.js";

/** A field of the data: its name, dtype and the dimensions after the batch. */
export interface DataField {
  readonly name: string;
  readonly dtype: "f32" | "i32";
  /** Dimensions after the batch; `undefined` where only loading the data tells. */
  readonly dims: readonly (number | undefined)[];
}

/** Every source takes `validate`, the fraction held out for validation. */
const validate = {
  kind: "number",
  default: 0,
  check: fraction,
  doc: "the fraction of examples held out for validation, at least 0 and below 1",
} as const satisfies ArgRule;

/** A source's arguments: every source takes `validate`. */
type SourceArgRules = ArgRules & { readonly validate: typeof validate };

/** A data source's record; `validate` and `fields` take its own bound arguments. */
export interface SourceSchema<A extends SourceArgRules = SourceArgRules> extends CallRule {
  readonly doc: string;
  readonly args: A;
  readonly validate?: (a: BoundArgs<A>) => string | undefined;
  /** The fields it provides for these arguments. */
  readonly fields: (a: BoundArgs<A>) => DataField[];
  /**
   * Its reader takes gzip-compressed files (as `.gz` IDX files): a page, which cannot decompress
   * synchronously, gunzips them as it fetches them.
   */
  readonly gzipFiles?: true;
}

/** Checks each record against its own arguments' types. */
const source = <A extends SourceArgRules>(s: SourceSchema<A>): SourceSchema<A> => s;

/** A synthetic set is drawn in memory before training: 2^24 examples take about 20 s. */
const maxSyntheticExamples = 2 ** 24;
const examples = {
  kind: "int",
  default: 1000,
  check: (v) =>
    positive(v) ??
    ((v as number) <= maxSyntheticExamples ? undefined : `must be at most ${maxSyntheticExamples}`),
  doc: "the number of examples drawn",
} as const satisfies ArgRule;

const noise = (d: number) =>
  ({
    kind: "number",
    default: d,
    check: nonNegative,
    doc: "the standard deviation of the Gaussian noise",
  }) as const;

const file = (doc: string) => ({ kind: "string", file: true, doc }) as const satisfies ArgRule;
const optionalFile = (doc: string) =>
  ({ kind: "string", file: true, optional: true, doc }) as const satisfies ArgRule;

const f = (name: string, dtype: "f32" | "i32", dims: (number | undefined)[]): DataField => ({
  name,
  dtype,
  dims,
});
const labelOrTarget = (
  a: Readonly<Record<string, ArgValue | undefined>>,
  labels: string,
  targets: string,
) =>
  (a[labels] === undefined) === (a[targets] === undefined)
    ? `give exactly one of \`${labels}\` and \`${targets}\``
    : undefined;

export const dataSources = {
  mnist: source({
    doc: "10,000 MNIST digits, 28×28 pixels in [0, 1]: 8,000 `train`, 2,000 `test`",
    gzipFiles: true,
    args: {
      split: {
        kind: "string",
        default: "train",
        check: (v) => (v === "train" || v === "test" ? undefined : 'must be "train" or "test"'),
        doc: '"train" or "test"',
      },
      validate,
    },
    fields: () => [f("image", "f32", [784]), f("label", "i32", [])],
  }),
  idx: source({
    doc: "IDX files (MNIST's format): images and their labels",
    gzipFiles: true,
    args: {
      images: file("the IDX file of the images"),
      labels: file("the IDX file of the labels"),
      validate,
    },
    order: ["images", "labels"],
    fields: () => [f("image", "f32", [undefined]), f("label", "i32", [])],
  }),
  csv: source({
    doc: "a CSV file with a header row: feature columns and a label or target column",
    args: {
      path: file("the CSV file"),
      label: { kind: "string", optional: true, doc: "the column of class labels" },
      target: { kind: "string", optional: true, doc: "the column of regression targets" },
      features: {
        kind: "strings",
        optional: true,
        doc: "the feature columns (default: every other column)",
      },
      validate,
    },
    order: ["path"],
    validate: (a) => labelOrTarget(a, "label", "target"),
    fields: (a) => [
      f("features", "f32", [undefined]),
      a.label !== undefined ? f("label", "i32", []) : f("target", "f32", [1]),
    ],
  }),
  npy: source({
    doc: "NumPy .npy files: features, and labels or targets",
    args: {
      features: file("the .npy file of the features"),
      labels: optionalFile("the .npy file of the class labels"),
      targets: optionalFile("the .npy file of the regression targets"),
      validate,
    },
    validate: (a) => labelOrTarget(a, "labels", "targets"),
    fields: (a) => [
      f("features", "f32", [undefined]),
      a.labels !== undefined ? f("label", "i32", []) : f("target", "f32", [1]),
    ],
  }),
  spirals: source({
    doc: "interleaved spiral arms in the plane, one per class, drawn from the seed",
    args: {
      n: examples,
      classes: {
        kind: "int",
        default: 3,
        check: count(countLimits.classes),
        doc: "the number of arms (classes)",
      },
      noise: noise(0.1),
      validate,
    },
    fields: () => [f("features", "f32", [2]), f("label", "i32", [])],
  }),
  xor: source({
    doc: "points uniform in [-1, 1]², label 1 where x·y < 0, drawn from the seed",
    args: { n: examples, noise: noise(0.1), validate },
    fields: () => [f("features", "f32", [2]), f("label", "i32", [])],
  }),
  sine: source({
    doc: "x uniform in [-π, π) with target sin(x) plus noise, drawn from the seed",
    args: { n: examples, noise: noise(0.05), validate },
    fields: () => [f("features", "f32", [1]), f("target", "f32", [1])],
  }),
  text: source({
    doc: "a text file as byte windows: tokens and the next byte of each",
    args: {
      path: file("the text file"),
      context: {
        kind: "int",
        default: 64,
        check: count(countLimits.context),
        doc: "the window length in bytes",
      },
      validate,
    },
    order: ["path", "context"],
    fields: (a) => [f("tokens", "i32", [a.context]), f("targets", "i32", [a.context])],
  }),
};

export type DataSourceName = keyof typeof dataSources;

/** The arguments of source `N` once bound: defaults filled in, optional ones maybe absent. */
export type SourceArgs<N extends DataSourceName> = BoundArgs<(typeof dataSources)[N]["args"]>;

export const dataSourceNames = Object.keys(dataSources) as readonly DataSourceName[];

/** Whether a data source has this name. */
export function isDataSourceName(name: string): name is DataSourceName {
  return Object.hasOwn(dataSources, name);
}

/** The fields the source `spec` provides (the checker bound its arguments against its record). */
export function sourceFields(spec: {
  readonly name: DataSourceName;
  readonly args: Readonly<Record<string, ArgValue>>;
}): DataField[] {
  const fields = dataSources[spec.name].fields as (a: typeof spec.args) => DataField[];
  return fields(spec.args);
}

/** The names of the arguments of `name` that name files the source reads. */
export function fileArgs(name: DataSourceName): string[] {
  const args: ArgRules = dataSources[name].args;
  return Object.keys(args).filter((k) => args[k]!.file === true);
}
