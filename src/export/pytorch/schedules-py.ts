/**
 * @file Grove's learning-rate schedules in the PyTorch program, one row each: a Python callable
 * `(args, lr, since, p)` giving the rate `since` steps after the warmup, `p` of the way to the
 * last step (`grove_support.py`'s `SCHEDULES`, written from this table; the warmup is
 * `learning_rate`'s). The same rates as the session's (src/session/schedule.ts).
 */
import type { ScheduleName } from "../../ops/schedules.js";
import { pyString } from "./python-text.js";

export const pythonSchedules: { readonly [N in ScheduleName]: string } = {
  constant: "lambda a, lr, since, p: lr",
  step: 'lambda a, lr, since, p: lr * a["gamma"] ** math.floor(since / a["every"])',
  cosine:
    'lambda a, lr, since, p: a["min_lr"] + (lr - a["min_lr"]) * 0.5 * (1 + math.cos(math.pi * p))',
  linear: 'lambda a, lr, since, p: lr + (a["final_lr"] - lr) * p',
};

/** `SCHEDULES = {...}`: the rows of `pythonSchedules` by Grove name. */
export function schedulesPy(): string {
  const rows = Object.entries(pythonSchedules).map(
    ([name, row]) => `    ${pyString(name)}: ${row},`,
  );
  return ["SCHEDULES = {", ...rows, "}"].join("\n");
}
