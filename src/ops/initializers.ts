/**
 * @file The parameter initializers (the expression after `~`), one schema record each: what it
 * draws, its numeric parameters in positional order with their defaults and doc text, and the
 * check of their ranges. The checker binds `~ name(args)` against these records
 * (`parser/check/initializers.ts`), the language server shows them, and every backend keeps a
 * row per `InitializerName` (`runtime/host-data.ts` draws the values), so a new initializer does
 * not compile until each has one.
 */
import { F32_MAX } from "./call-schema.js";

export interface InitParam {
  /** Absent: the parameter is required. */
  readonly default?: number;
  readonly doc: string;
}

export interface InitializerSchema {
  readonly doc: string;
  /** Parameters in positional order. */
  readonly params: Readonly<Record<string, InitParam>>;
  /** A complaint about the parameters together (all bound, defaults filled in), or undefined. */
  readonly check?: (args: Readonly<Record<string, number>>) => string | undefined;
}

export const initializers = {
  zeros: { doc: "every element 0", params: {} },
  ones: { doc: "every element 1", params: {} },
  constant: { doc: "every element `value`", params: { value: { doc: "the value" } } },
  normal: {
    doc: "normal with mean `mean` and standard deviation `std`",
    params: {
      mean: { default: 0, doc: "the mean" },
      std: { default: 1, doc: "the standard deviation, not negative" },
    },
    check: (a) => (a.std! >= 0 ? undefined : "`std` must not be negative"),
  },
  uniform: {
    doc: "uniform in [`low`, `high`)",
    params: {
      low: { default: -0.05, doc: "the lower end" },
      high: { default: 0.05, doc: "the upper end, above `low`" },
    },
    check: (a) =>
      !(a.low! < a.high!)
        ? "`low` must be less than `high`"
        : !(a.high! - a.low! <= F32_MAX)
          ? "`high - low` must be a finite f32 number"
          : undefined,
  },
  glorot_uniform: { doc: "uniform in ±sqrt(6 / (fan_in + fan_out))", params: {} },
  glorot_normal: { doc: "normal with std sqrt(2 / (fan_in + fan_out))", params: {} },
  he_uniform: { doc: "uniform in ±sqrt(6 / fan_in)", params: {} },
  he_normal: { doc: "normal with std sqrt(2 / fan_in)", params: {} },
} as const satisfies Readonly<Record<string, InitializerSchema>>;

export type InitializerName = keyof typeof initializers;

/** The arguments of initializer `N` once bound: every parameter, defaults filled in. */
export type InitArgs<N extends InitializerName> = {
  readonly [P in keyof (typeof initializers)[N]["params"]]: number;
};

export const initializerNames = Object.keys(initializers) as readonly InitializerName[];

/** Whether an initializer has this name. */
export function isInitializerName(name: string): name is InitializerName {
  return Object.hasOwn(initializers, name);
}

/** The record of `name`, or undefined when no initializer has that name. */
export function initializerSchema(name: string): InitializerSchema | undefined {
  return isInitializerName(name) ? initializers[name] : undefined;
}
