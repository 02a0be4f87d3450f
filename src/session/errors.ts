/**
 * @file How a training session stops early: `DivergedError` (the loss diverged or parameters are
 * not finite; names the last good checkpoint) and `InterruptedError` (its `AbortSignal`; names the
 * checkpoint saved at the exact step).
 */
import { UserError } from "../diag/diagnostic.js";
import type { DivergenceOutcome, KeptCheckpoint } from "./rotation.js";

/** The end of the divergence message: which checkpoint is the last good one, and where. */
const lastGood = (o: DivergenceOutcome) =>
  (o.good
    ? `the last good checkpoint is ${o.good.path} (step ${o.good.step})`
    : "no good checkpoint was saved before it") +
  (o.moved
    ? `; the checkpoint saved after it began (step ${o.moved.step}) was moved to ${o.moved.path}`
    : "");

/**
 * Training stopped: the loss was not finite or had grown out of bounds (the rule in
 * `divergence.ts`), or the parameters after a step were not finite.
 */
export class DivergedError extends UserError {
  /** The last good checkpoint (never overwritten by a worse one), if any. */
  readonly checkpoint: KeptCheckpoint | undefined;

  constructor(
    readonly step: number,
    readonly loss: number,
    outcome: DivergenceOutcome = {},
    what = `the loss is ${loss}`,
  ) {
    super(
      `training diverged: ${what} at step ${step}; try a smaller learning rate; ${lastGood(outcome)}`,
    );
    this.name = "DivergedError";
    this.checkpoint = outcome.good;
  }
}

/** Training stopped on its `AbortSignal` after step `step`; `path` holds the checkpoint. */
export class InterruptedError extends Error {
  constructor(
    readonly step: number,
    readonly path: string | undefined,
  ) {
    super(
      `interrupted at step ${step}; ` +
        (path ? `checkpoint saved to ${path}` : "no checkpoint path was given, nothing saved"),
    );
    this.name = "InterruptedError";
  }
}
