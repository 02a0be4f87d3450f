/**
 * @file The Plan: everything needed to run a compiled model on a GPU, as plain serialisable data.
 * Codegen produces it; the runtime and the standalone-script emitter consume only this. No IR
 * node, no function, no class: a Plan survives `JSON.stringify` and `JSON.parse` unchanged
 * (`modelTensors` is a reader's helper, not part of a Plan).
 */

export type PlanDtype = "f32" | "i32" | "u32";

/**
 * What a buffer holds. `input` buffers are written by the host before a run; `param` and `state`
 * (optimizer moments) persist across runs; `output` buffers are read back after a run; `temp`
 * buffers live only within a run and may be shared by values whose lifetimes do not overlap;
 * `grad` holds each parameter's gradient after a `train` run (laid out like the parameters);
 * `uniform` holds the per-run scalars listed in `Plan.uniforms`; `model_state` holds the model's
 * own `state` tensors (running statistics), which persist like parameters.
 */
export type PlanBufferKind =
  "input" | "param" | "grad" | "state" | "model_state" | "output" | "temp" | "uniform";

export interface PlanBuffer {
  readonly id: number;
  /** Stable, human-readable label (`param:l1.w`, `temp:3`), used as the GPU object label. */
  readonly name: string;
  readonly kind: PlanBufferKind;
  /** Size in bytes, a multiple of 4 and at least 4. */
  readonly bytes: number;
  readonly dtype: PlanDtype;
  /**
   * Contents written once when the buffer is made, never changed: a uniform buffer of i32
   * numbers a shared kernel reads (`share-kernels.ts`). Absent: zeros, or written by the host.
   */
  readonly values?: readonly number[];
}

export type BindingAccess = "read" | "read_write" | "uniform";

export interface PlanKernel {
  readonly id: number;
  /** Deterministic name, e.g. `k3_matmul_add_relu`. Also the pipeline label. */
  readonly name: string;
  /** A complete WGSL module with one `@compute` entry point named `main`, bindings in group 0. */
  readonly wgsl: string;
  /** Binding i of group 0 is `bindings[i]`. */
  readonly bindings: readonly BindingAccess[];
  readonly workgroupSize: readonly [number, number, number];
  /** The IR ops it fused, in order, for reports (`matmul`, `add`, `relu`). */
  readonly ops: readonly string[];
  /** Estimated work per dispatch, for `grove kernels`. */
  readonly flops: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export interface PlanDispatch {
  readonly kernel: number;
  /** Buffer ids for bindings 0, 1, ... of the kernel. */
  readonly buffers: readonly number[];
  readonly workgroups: readonly [number, number, number];
}

export interface PlanTensor {
  readonly name: string;
  readonly buffer: number;
  /** Where the tensor starts in its buffer, in elements (several tensors may share an arena). */
  readonly offset?: number;
  readonly shape: readonly number[];
  readonly dtype: "f32" | "i32";
}

export interface PlanParam extends PlanTensor {
  /** Initializer name and arguments, as the checker resolved them (`glorot_uniform`, `{}`). */
  readonly init: { readonly name: string; readonly args: Readonly<Record<string, number>> };
}

/** Optimizer state of one parameter (a moment), zero at the start; laid out like the parameter. */
export interface PlanState extends PlanTensor {
  /** The parameter it belongs to. */
  readonly param: string;
}

export interface PlanProgram {
  /** Dispatches in order; the runtime encodes them in one compute pass of one command buffer. */
  readonly dispatches: readonly PlanDispatch[];
  /**
   * A variant of `dispatches` whose kernels compile faster and run slower (matrix products
   * untiled), computing bit for bit the same values: for drivers that compile a pipeline at its
   * first dispatch, the runtime runs it while `dispatches` compile in the background. Dispatches
   * without a tiled product are shared with `dispatches`. Present with `compilePlan({quick})`.
   */
  readonly quick?: readonly PlanDispatch[];
  /** Inputs the host must write before the program runs. */
  readonly inputs: readonly string[];
  /** Outputs the host may read back after it ran. */
  readonly outputs: readonly string[];
}

export interface Plan {
  readonly version: 1;
  readonly buffers: readonly PlanBuffer[];
  readonly kernels: readonly PlanKernel[];
  /** `train` (forward, backward and optimizer update) and `eval` (forward, loss, metrics). */
  readonly programs: Readonly<Record<string, PlanProgram>>;
  readonly inputs: readonly PlanTensor[];
  readonly params: readonly PlanParam[];
  readonly state: readonly PlanState[];
  /**
   * The model's `state` tensors (`bn1.running_mean`), initialised like parameters and named like
   * them: `eval` reads them; `train` reads them and, in its last dispatches, writes each updated
   * state's new value. No gradient, no optimizer. Absent when the model has none.
   */
  readonly modelState?: readonly PlanParam[];
  readonly outputs: readonly PlanTensor[];
  /** Each parameter's gradient after a `train` run, named like the parameter (for tests, norms). */
  readonly grads?: readonly PlanTensor[];
  /**
   * The uniform buffer: f32 fields in this order (`lr`, `step`, ...), written by the host before
   * each run of a program that binds it.
   */
  readonly uniforms?: { readonly buffer: number; readonly fields: readonly string[] };
  /**
   * Bytes of all buffers together: the device memory a Plan needs. Temporaries already share
   * space by liveness, so this is also the peak.
   */
  readonly peakBytes: number;
  /**
   * The rematerialisation policy the training program was compiled with (`--remat`), when it is
   * not `store`: the backward recomputes some forward values instead of reading them stored.
   */
  readonly remat?: "recompute-cheap" | "min-cut";
}

/**
 * The model's own tensors, parameters then `state`: what checkpoints store under their names and
 * what evaluation reads (a helper over the data, so readers need not remember `modelState`).
 */
export function modelTensors(plan: Pick<Plan, "params" | "modelState">): readonly PlanParam[] {
  return plan.modelState ? [...plan.params, ...plan.modelState] : plan.params;
}
