/**
 * @file The learning-rate schedules a train section may name, one schema record each: the
 * arguments with their kinds, defaults, ranges and doc text, and whether the run's length
 * stretches the schedule. The checker binds `schedule = ...` against these records (every
 * schedule has `warmup`); the backends (the session's `learningRate`, the PyTorch program's
 * `learning_rate`) implement them in tables typed `{ readonly [N in ScheduleName]: ... }`, so a
 * new record fails to compile until each has its row.
 */
import {
  count,
  countLimits,
  nonNegative,
  positiveF32,
  within,
  withDefaults,
  type DocArg,
  type DocumentedArgs,
  type ArgValue,
  type BoundArgs,
  type CallRule,
} from "./call-schema.js";

const warmup: DocArg<"int"> = {
  kind: "int",
  default: 0,
  check: within(0, countLimits.steps),
  doc: "steps of linear warmup from 0 to `lr`",
};

interface ScheduleSchema<A extends DocumentedArgs> extends CallRule {
  readonly doc: string;
  readonly args: A;
  /** The rates depend on the total number of steps (more epochs stretch them). */
  readonly spansRun: boolean;
}

/** Checks each record against its own arguments' types. */
const schedule = <A extends DocumentedArgs>(s: ScheduleSchema<A>): ScheduleSchema<A> => s;

export const scheduleSchemas = {
  constant: schedule({
    doc: "`lr` throughout (after the warmup)",
    args: { warmup },
    spansRun: false,
  }),
  step: schedule({
    doc: "`lr` multiplied by `gamma` every `every` steps after the warmup",
    args: {
      every: {
        kind: "int",
        check: count(countLimits.steps),
        doc: "steps between multiplications",
      },
      gamma: {
        kind: "number",
        default: 0.1,
        check: positiveF32,
        doc: "what the rate is multiplied by",
      },
      warmup,
    },
    order: ["every"],
    spansRun: false,
  }),
  cosine: schedule({
    doc: "cosine decay from `lr` to `min_lr` at the last step",
    args: {
      warmup,
      min_lr: {
        kind: "number",
        default: 0,
        check: nonNegative,
        doc: "rate at the last step",
      },
    },
    spansRun: true,
  }),
  linear: schedule({
    doc: "a straight line from `lr` to `final_lr` at the last step",
    args: {
      warmup,
      final_lr: {
        kind: "number",
        default: 0,
        check: nonNegative,
        doc: "rate at the last step",
      },
    },
    spansRun: true,
  }),
};

type Schemas = typeof scheduleSchemas;
export type ScheduleName = keyof Schemas;
export const scheduleNames = Object.keys(scheduleSchemas) as readonly ScheduleName[];

/** The bound arguments of schedule `N`, every default filled in. */
export type ScheduleArgs<N extends ScheduleName> = BoundArgs<Schemas[N]["args"]>;

/** A checked schedule call: its name and bound arguments. */
export type ScheduleSpec = {
  readonly [N in ScheduleName]: { readonly name: N; readonly args: ScheduleArgs<N> };
}[ScheduleName];

/** A backend's implementation of every schedule: one row each, made from its bound arguments. */
export type ScheduleRows<T> = { readonly [N in ScheduleName]: (a: ScheduleArgs<N>) => T };

/** The row of `rows` for `spec`, made from its arguments. */
export function scheduleRow<T>(rows: ScheduleRows<T>, spec: ScheduleSpec): T {
  return (rows[spec.name] as (a: ScheduleSpec["args"]) => T)(spec.args);
}

/** The schedule of a train section without one. */
export const defaultSchedule: ScheduleSpec = { name: "constant", args: { warmup: 0 } };

/** Schedule `name` with `given` arguments and the defaults for the rest (tests and tools). */
export function scheduleSpec<N extends ScheduleName>(
  name: N,
  given?: Readonly<Record<string, ArgValue>>,
): ScheduleSpec & { readonly name: N } {
  const args: unknown = withDefaults<DocumentedArgs>(scheduleSchemas[name], given);
  return { name, args } as ScheduleSpec & { readonly name: N };
}
