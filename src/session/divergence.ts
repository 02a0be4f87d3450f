/**
 * @file When training has diverged, decided from each step's loss in step order. A loss that is
 * NaN or infinite has diverged at once. A loss is *high* when its magnitude is more than
 * `DIVERGENCE.factor` times the magnitude of the run's first loss that is not 0 (the reference,
 * computed before any update and kept in checkpoints, so a resumed run compares with the same
 * value), or more than `DIVERGENCE.ceiling`, beyond which float32 gradients overflow; training
 * has diverged after `DIVERGENCE.steps` high losses in a row. One high loss (a spike) is not
 * divergence.
 */

export const DIVERGENCE = {
  /** How many times the reference a loss may reach before it is high. */
  factor: 1e4,
  /** A loss above this magnitude is high whatever the reference. */
  ceiling: 1e30,
  /** High losses in a row that make divergence. */
  steps: 3,
} as const;

export type LossVerdict =
  | { readonly kind: "ok" }
  /** High, but not `DIVERGENCE.steps` times in a row yet. */
  | { readonly kind: "high" }
  /** `what` says why, to follow "training diverged: ". */
  | { readonly kind: "diverged"; readonly what: string };

const shown = (x: number) =>
  Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));

/** Applies the rule to one run's losses, step after step. */
export class DivergenceWatch {
  /** The magnitude of the run's first loss that is not 0; undefined before it. */
  reference: number | undefined;
  /** The first step of the current run of high losses. */
  private highSince: number | undefined;
  private high = 0;

  /** `reference` continues a resumed run's (from its checkpoint). */
  constructor(reference?: number) {
    this.reference = reference;
  }

  /** The verdict on the loss of `step`. */
  observe(step: number, loss: number): LossVerdict {
    if (!Number.isFinite(loss)) return { kind: "diverged", what: `the loss is ${loss}` };
    const size = Math.abs(loss);
    if (this.reference === undefined && size > 0) this.reference = size;
    const limit = Math.min(DIVERGENCE.ceiling, DIVERGENCE.factor * (this.reference ?? Infinity));
    if (size <= limit) {
      this.high = 0;
      this.highSince = undefined;
      return { kind: "ok" };
    }
    this.high++;
    this.highSince ??= step;
    if (this.high < DIVERGENCE.steps) return { kind: "high" };
    const why =
      limit === DIVERGENCE.ceiling
        ? `above ${DIVERGENCE.ceiling.toExponential(0)}`
        : `over ${DIVERGENCE.factor} times the first loss ${shown(this.reference!)}`;
    return {
      kind: "diverged",
      what: `the loss is ${shown(loss)} (${why} since step ${this.highSince})`,
    };
  }
}
