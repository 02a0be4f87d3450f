/**
 * @file Why a plan cannot respect the binding limits, as data: a `Refusal` carries the
 * `PlanLimitError` (G0802, a tensor larger than one binding; G0803, a kernel binding too many
 * storage buffers) that `emitPlan` either answers by splitting a fused group or throws at the API
 * edge, where `compilePlan` makes it a diagnostic.
 */
import { type Span, UserError } from "../diag/diagnostic.js";
import { sizeOf, type Node } from "../ir/node.js";
import { rounded, type BindingLimits } from "./memory.js";

/**
 * A plan that cannot respect the binding limits: a tensor larger than one binding, or a kernel
 * that alone binds more storage buffers than allowed. `compilePlan` reports it as a diagnostic.
 */
export class PlanLimitError extends UserError {
  constructor(
    readonly code: string,
    message: string,
    readonly span: Span | undefined,
    /** What the span shows, for the diagnostic's label. */
    readonly label: string,
    readonly help: string,
    /** The fused group's nodes, when a group binds too many buffers (`emitPlan` splits it). */
    readonly nodes?: readonly Node[],
  ) {
    super(message);
    this.name = "PlanLimitError";
  }
}

/** An emission step's answer when the plan cannot be emitted as asked. */
export interface Refusal {
  readonly refusal: PlanLimitError;
}

export const isRefusal = (x: unknown): x is Refusal =>
  typeof x === "object" && x !== null && "refusal" in x;

/** Formats a span for a message (`file:line:col`), or "" without one. */
export type Where = (span: Span | undefined) => string;

/**
 * Why a kernel cannot be emitted at all, over the storage arenas it binds by itself (one fusion
 * group, or an optimizer kernel), with its reason. A group is never split.
 */
export const kernelRefusals: readonly (readonly [
  name: string,
  test: (storage: ReadonlySet<string>, limits: BindingLimits) => boolean,
  reason: string,
])[] = [
  [
    "kernel-storage-buffers",
    (storage, limits) => storage.size > limits.maxStorageBuffersPerShaderStage,
    "it alone reads and writes more arena chunks than a shader stage may bind",
  ],
];

/** Refuses a tensor (`what`) larger than one binding: it cannot be split across arena chunks. */
export function refuseTensor(
  what: string,
  shape: readonly number[],
  span: Span | undefined,
  capacity: number,
  where: Where,
): Refusal | undefined {
  if (rounded(sizeOf(shape)) <= capacity) return undefined;
  const bytes = 4 * sizeOf(shape);
  const at = where(span);
  const error = new PlanLimitError(
    "G0802",
    `${what} of shape [${shape.join(", ")}] needs ${bytes} bytes, more than the ${4 * capacity} bytes one storage binding may hold${at ? ` (${at})` : ""}`,
    span,
    "this tensor",
    "a single tensor cannot be split across bindings: use a smaller `batch` or a smaller layer, or compile for a device with larger limits",
  );
  return { refusal: error };
}

/** Refuses a kernel (`what`, computing the value at `span`) that no split can make fit. */
export function refuseKernel(
  storage: ReadonlySet<string>,
  limits: BindingLimits,
  where: Where,
  what: string,
  span?: Span,
  nodes?: readonly Node[],
): Refusal | undefined {
  const hit = kernelRefusals.find(([, test]) => test(storage, limits));
  if (!hit) return undefined;
  const here = where(span);
  const error = new PlanLimitError(
    "G0803",
    `${what}${here ? ` (${here})` : ""} binds ${storage.size} storage buffers (${[...storage].join(", ")}), more than the ${limits.maxStorageBuffersPerShaderStage} a shader stage may bind: ${hit[2]}`,
    span,
    "this kernel's result",
    "raise maxStorageBufferBindingSize so that fewer arena chunks are needed, or use a smaller `batch`",
    nodes,
  );
  return { refusal: error };
}
