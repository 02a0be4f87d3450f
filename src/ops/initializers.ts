/**
 * @file The parameter initializers (the expression after `~`), one call-schema record each
 * (`call-schema.ts`'s `CallRule`, as every other kind of call): what it draws, its numeric
 * arguments with their defaults and doc text (one without a default is required), their
 * positional order and the check of them together. The checker binds `~ name(args)` against these
 * records (`parser/check/initializers.ts`), the language server shows them, and every backend
 * keeps a row per `InitializerName` taking `InitArgs<N>` (`runtime/host-data.ts` draws the
 * values), so a new initializer does not compile until each has one.
 */
import { F32_MAX, type BoundArgs, type CallRule, type DocArg } from "./call-schema.js";

/** Numeric arguments, each saying what it is: an initializer's. */
export type NumberArgs = Readonly<Record<string, DocArg<"number">>>;

/** An initializer's record; `validate` takes its own arguments, bound with defaults filled in. */
interface InitializerRule<A extends NumberArgs> extends CallRule {
  readonly doc: string;
  readonly args: A;
  readonly validate?: (a: BoundArgs<A>) => string | undefined;
}

/** Checks each record against its own arguments' types. */
const initializer = <A extends NumberArgs>(r: InitializerRule<A>): InitializerRule<A> => r;

const arg = (doc: string, d?: number): DocArg<"number"> & { readonly default?: number } => ({
  kind: "number",
  ...(d !== undefined ? { default: d } : {}),
  doc,
});

export const initializers = {
  zeros: initializer({ doc: "every element 0", args: {} }),
  ones: initializer({ doc: "every element 1", args: {} }),
  constant: initializer({
    doc: "every element `value`",
    args: { value: arg("the value") },
    order: ["value"],
  }),
  normal: initializer({
    doc: "normal with mean `mean` and standard deviation `std`",
    args: {
      mean: arg("the mean", 0),
      std: arg("the standard deviation, not negative", 1),
    },
    order: ["mean", "std"],
    validate: (a) => (a.std >= 0 ? undefined : "`std` must not be negative"),
  }),
  uniform: initializer({
    doc: "uniform in [`low`, `high`)",
    args: {
      low: arg("the lower end", -0.05),
      high: arg("the upper end, above `low`", 0.05),
    },
    order: ["low", "high"],
    validate: (a) =>
      !(a.low < a.high)
        ? "`low` must be less than `high`"
        : !(a.high - a.low <= F32_MAX)
          ? "`high - low` must be a finite f32 number"
          : undefined,
  }),
  glorot_uniform: initializer({ doc: "uniform in ±sqrt(6 / (fan_in + fan_out))", args: {} }),
  glorot_normal: initializer({ doc: "normal with std sqrt(2 / (fan_in + fan_out))", args: {} }),
  he_uniform: initializer({ doc: "uniform in ±sqrt(6 / fan_in)", args: {} }),
  he_normal: initializer({ doc: "normal with std sqrt(2 / fan_in)", args: {} }),
};

export type InitializerName = keyof typeof initializers;

/** The arguments of initializer `N` once bound: every argument, defaults filled in. */
export type InitArgs<N extends InitializerName> = BoundArgs<(typeof initializers)[N]["args"]>;

export const initializerNames = Object.keys(initializers) as readonly InitializerName[];

/** Whether an initializer has this name. */
export function isInitializerName(name: string): name is InitializerName {
  return Object.hasOwn(initializers, name);
}
