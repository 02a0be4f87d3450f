/**
 * @file The vocabulary of a call schema, below every other layer: the kinds an argument of an
 * initializer or a train-section call (data source, optimizer, schedule, parameter group) takes,
 * a rule per argument (kind, default, range check, doc text), the range checks themselves with
 * the limits they quote, and `BoundArgs`, the type of a call's arguments once the checker has
 * bound them and filled in every default. A backend's row takes `BoundArgs` of its record, so it neither
 * casts nor restates a default.
 */

/** Largest finite f32, the bound for numbers that become tensor values or f32 settings. */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal f32: positive f32 settings (`lr`, `eps`) must reach it. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

export type ArgKind = "number" | "int" | "string" | "bool" | "strings";
export type ArgValue = number | string | boolean | readonly string[];

/** What an argument of each kind holds once bound. */
interface KindValues {
  number: number;
  int: number;
  string: string;
  bool: boolean;
  strings: readonly string[];
}

export interface ArgRule {
  readonly kind: ArgKind;
  readonly default?: ArgValue;
  /** May be left out even without a default. */
  readonly optional?: boolean;
  /** Returns a complaint about a value of the right kind, or undefined. */
  readonly check?: (v: ArgValue) => string | undefined;
  /** One line for hover and completion. */
  readonly doc?: string;
  /** The argument names a file the call reads (a data source's; `grove export` copies it). */
  readonly file?: boolean;
}

/** A call's arguments by name; which of them may be given by position is its `order`. */
export type ArgRules = Readonly<Record<string, ArgRule>>;

export interface CallRule {
  readonly args: ArgRules;
  /** The arguments that may be given by position, in that order (none without it). */
  readonly order?: readonly string[];
  /**
   * A complaint about the argument combination (bound, defaults filled in), or undefined. A
   * method, so a kind's record type may narrow it to its own bound arguments (`BoundArgs`).
   */
  validate?(args: Readonly<Record<string, ArgValue>>): string | undefined;
  /** One line for hover and completion. */
  readonly doc?: string;
}

/**
 * The arguments of a call with rules `A` after binding: every argument with a default or
 * required is present, one marked `optional` may be absent.
 */
export type BoundArgs<A extends ArgRules> = {
  readonly [
    P in keyof A as A[P] extends { readonly optional: true } ? never : P
  ]: KindValues[A[P]["kind"]];
} & {
  readonly [
    P in keyof A as A[P] extends { readonly optional: true } ? P : never
  ]?: KindValues[A[P]["kind"]];
};

/** Largest values of counts (also in docs/language.md, Limits). */
export const countLimits = {
  batch: 2 ** 24,
  epochs: 1_000_000,
  classes: 65_536,
  context: 65_536,
  steps: 2 ** 31 - 1,
} as const;

type Check = (v: ArgValue) => string | undefined;

/**
 * A range check: `min` (exclusive when `above`) to `max`, finite. Numbers that reach the runtime
 * as f32 stay within f32; counts have maxima that keep memory and loops sane (`countLimits`).
 */
export function within(min: number, max: number, above = false): Check {
  return (v) => {
    if (typeof v !== "number") return undefined;
    if (Number.isNaN(v)) return "must be a number";
    if (above ? !(v > min) : !(v >= min))
      return min !== 0
        ? `must be at least ${min}`
        : above
          ? "must be positive"
          : "must not be negative";
    if (v > max) return `must be at most ${max}`;
    return undefined;
  };
}

export const positive = within(0, F32_MAX, true);
/** Positive and no smaller than the smallest normal f32, so it never flushes to zero. */
export const positiveF32: Check = (v) =>
  positive(v) ??
  (typeof v === "number" && v < F32_MIN_NORMAL ? `must be at least ${F32_MIN_NORMAL}` : undefined);
export const nonNegative = within(0, F32_MAX);
export const count = (max: number) => within(0, max, true);
export const fraction: Check = (v) =>
  typeof v === "number" && v >= 0 && v < 1 ? undefined : "must be at least 0 and less than 1";

/** An argument that says what it is and keeps its kind's literal type (for `BoundArgs`). */
export type DocArg<K extends ArgKind = ArgKind> = ArgRule & {
  readonly kind: K;
  readonly doc: string;
};
/** Arguments that each say what they are (optimizers', schedules'). */
export type DocumentedArgs = Readonly<Record<string, DocArg>>;

/** The arguments of `rule` with every default filled in over `given` (for tests and tools). */
export function withDefaults<A extends ArgRules>(
  rule: { readonly args: A },
  given?: Readonly<Record<string, ArgValue>>,
): BoundArgs<A> {
  const out: Record<string, ArgValue> = {};
  for (const [name, arg] of Object.entries(rule.args)) {
    const v = given?.[name] ?? arg.default;
    if (v !== undefined) out[name] = v;
  }
  return out as BoundArgs<A>;
}
