/**
 * @file Learning-rate schedules on the host: the rate of each step, which the trainer hands the
 * update kernel through the `lr` uniform.
 */
import type { CallSpec } from "../parser/check/values.js";

/** A schedule call (`cosine(warmup: 100)`); its place in the source is not needed. */
type Schedule = Pick<CallSpec, "name" | "args">;

const num = (spec: Schedule, name: string, fallback: number): number =>
  typeof spec.args[name] === "number" ? (spec.args[name] as number) : fallback;

/**
 * The learning rate of 1-based step `step` of `total`: linear warmup over `warmup` steps to `lr`,
 * then the schedule; cosine and linear reach `min_lr`/`final_lr` at the last step, `step`
 * multiplies by `gamma` every `every` steps after the warmup.
 */
export function learningRate(schedule: Schedule, lr: number, step: number, total: number): number {
  const warmup = num(schedule, "warmup", 0);
  if (step <= warmup) return (lr * step) / warmup;
  const since = step - warmup - 1;
  const span = Math.max(1, total - warmup - 1);
  const p = Math.min(1, since / span);
  switch (schedule.name) {
    case "step":
      return lr * num(schedule, "gamma", 0.1) ** Math.floor(since / num(schedule, "every", 1));
    case "cosine": {
      const min = num(schedule, "min_lr", 0);
      return min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case "linear": {
      const end = num(schedule, "final_lr", 0);
      return lr + (end - lr) * p;
    }
    default:
      return lr;
  }
}
