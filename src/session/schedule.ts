/**
 * @file Learning-rate schedules on the host: the rate of each step, which the trainer hands the
 * update kernel through the `lr` uniform. One row per schedule of src/ops/schedules.ts.
 */
import { scheduleRow, type ScheduleRows, type ScheduleSpec } from "../ops/schedules.js";

/** Where a step is after the warmup: `since` steps past it, `p` of the way to the last step. */
interface Progress {
  readonly lr: number;
  readonly since: number;
  readonly p: number;
}

/** Each schedule's rate after the warmup. */
const rateRules: ScheduleRows<(at: Progress) => number> = {
  constant: () => (at) => at.lr,
  step: (a) => (at) => at.lr * a.gamma ** Math.floor(at.since / a.every),
  cosine: (a) => (at) => a.min_lr + (at.lr - a.min_lr) * 0.5 * (1 + Math.cos(Math.PI * at.p)),
  linear: (a) => (at) => at.lr + (a.final_lr - at.lr) * at.p,
};

/**
 * The learning rate of 1-based step `step` of `total`: linear warmup over `warmup` steps to `lr`,
 * then the schedule; cosine and linear reach `min_lr`/`final_lr` at the last step, `step`
 * multiplies by `gamma` every `every` steps after the warmup.
 */
export function learningRate(
  schedule: ScheduleSpec,
  lr: number,
  step: number,
  total: number,
): number {
  const warmup = schedule.args.warmup;
  if (step <= warmup) return (lr * step) / warmup;
  const since = step - warmup - 1;
  const span = Math.max(1, total - warmup - 1);
  return scheduleRow(rateRules, schedule)({ lr, since, p: Math.min(1, since / span) });
}
