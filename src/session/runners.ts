/**
 * @file Runners by batch size for one session: a `PlanRunner` per size on a WebGPU device, a
 * `CpuRunner` (the reference interpreter) with `"cpu"`, or what a host's `RunnerFactory` makes (the
 * CLI's `--backend onnx`), sharing one set of parameter values that is copied into a runner when
 * another one changed it. How a runner for a size is made is a
 * `MakeRunner`: compiled on demand (`compilingRunners`: the last partial batch of an epoch gets its
 * own plan) or from plans compiled beforehand (`planRunners`, what an exported program runs, with
 * no compiler in it).
 */
import { CompileError, UsageError } from "../diag/diagnostic.js";
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import type { RematPolicy } from "../ir/remat.js";
import { compilePlan, type CompiledPlan } from "../codegen/compile.js";
import { unboundedLimits } from "../codegen/memory.js";
import { modelTensors, type Plan } from "../codegen/plan.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { planOptionsFor } from "../runtime/check-plan.js";
import { CpuRunner } from "../runtime/cpu-runner.js";
import { PlanRunner } from "../runtime/runner.js";
import type { StepRunner } from "../runtime/step-runner.js";
import { planBatch } from "./batches.js";

/** The runners a session drives: `StepRunner`s over a `Plan`. */
export type Runner = StepRunner & { readonly plan: Plan };

/**
 * A backend the host supplies: makes the runner of each plan the session compiles (the CLI passes
 * `--backend onnx`'s, from src/export, which the session does not import). Its plans are compiled
 * like the CPU backend's, without binding limits.
 */
export interface RunnerFactory {
  /** What it is called (`onnx`). */
  readonly name: string;
  createRunner(compiled: CompiledPlan, train: ElaboratedTrain): Promise<Runner>;
}

/**
 * Where the programs run: a WebGPU device (`PlanRunner`, the fused WGSL kernels), `"cpu"`
 * (`CpuRunner`: the float32 reference interpreter and the host optimizer; no device is touched)
 * or a `RunnerFactory`'s runners. All keep the Plan's tensor names, so checkpoints move between
 * them.
 */
export type Backend = GPUDevice | "cpu" | RunnerFactory;

const isFactory = (b: Backend): b is RunnerFactory => typeof b === "object" && "createRunner" in b;

export interface RunnerOptions {
  readonly fuse: boolean;
  /** The fusion rules when `fuse` is on (`--fusion`; default: `defaultPolicy`). */
  readonly fusion?: FusionPolicy;
  /** What the backward recomputes (`--remat`; default `store`). */
  readonly remat?: RematPolicy;
  /** Source texts, for kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
}

/**
 * Makes the runner for batch size `size`; `first` is the session's first runner, the only one
 * worth starting on quick kernels.
 */
export type MakeRunner = (size: number, first: boolean) => Promise<Runner>;

/**
 * Runners for `train` on `device`, each batch size compiled when first needed; `compiled` is the
 * plan for one batch size when the caller already has it.
 */
export function compilingRunners(
  device: Backend,
  train: ElaboratedTrain,
  options: RunnerOptions,
  compiled?: Plan | CompiledPlan,
): MakeRunner {
  const given =
    compiled === undefined
      ? undefined
      : "compiled" in compiled
        ? { plan: compiled.plan, full: compiled }
        : { plan: compiled, full: undefined };
  const compile = (size: number): CompiledPlan => {
    const r = compilePlan(train, {
      batch: size,
      fuse: options.fuse,
      ...(options.fusion ? { fusion: options.fusion } : {}),
      ...(options.remat ? { remat: options.remat } : {}),
      ...(device === "cpu" || isFactory(device)
        ? { limits: unboundedLimits }
        : planOptionsFor(device)),
      ...(options.sources ? { sources: options.sources } : {}),
    });
    if (!r.value) throw new CompileError(`compiling the plan for batch ${size}`, r.diagnostics);
    return r.value;
  };
  return async (size, first) => {
    const plan = given && planBatch(given.plan) === size ? given : undefined;
    if (device === "cpu") return CpuRunner.create(plan?.full ?? compile(size), train.optimizer);
    if (isFactory(device)) return device.createRunner(plan?.full ?? compile(size), train);
    // Only the first training step is worth starting on quick kernels (see `prepare`): later
    // runners and evaluation compile their own kernels at once.
    return PlanRunner.create(device, plan?.plan ?? compile(size).plan, {
      programs: [],
      quick: first ? ["train"] : [],
    });
  };
}

/**
 * Runners on `device` from plans compiled beforehand, by batch size (an exported program's): a
 * size without a plan is an `Error` naming the sizes there are.
 */
export function planRunners(device: GPUDevice, plans: ReadonlyMap<number, Plan>): MakeRunner {
  return async (size, first) => {
    const plan = plans.get(size);
    if (!plan)
      throw new UsageError(
        `there is no plan for batch size ${size} (plans for ${[...plans.keys()].join(", ")})`,
      );
    return PlanRunner.create(device, plan, { programs: [], quick: first ? ["train"] : [] });
  };
}

/** Runners by batch size, sharing one set of parameter values (copied on demand). */
export class Runners {
  private readonly runners = new Map<number, { runner: Runner; version: number }>();
  private version = 0;
  private latest: Runner | undefined;

  /** `initial` writes the starting parameters and optimizer state into the first runner. */
  constructor(
    private readonly make: MakeRunner,
    private readonly initial: (runner: Runner) => void,
  ) {}

  /**
   * The runner for `size` with `program` prepared and the current parameters. When the runner
   * still compiles kernels behind a quick variant's first run, waits for them (`ready`), after
   * `beforeWait` (the training loop reports the step already run).
   */
  async get(size: number, program: string, beforeWait?: () => Promise<void>): Promise<Runner> {
    let entry = this.runners.get(size);
    if (!entry) {
      entry = { runner: await this.make(size, this.runners.size === 0), version: -1 };
      this.runners.set(size, entry);
      if (!this.latest) {
        this.initial(entry.runner);
        entry.version = this.version;
        this.latest = entry.runner;
      }
    }
    await entry.runner.prepare(program);
    if (entry.runner.compiling) {
      await beforeWait?.();
      await entry.runner.ready();
    }
    if (entry.version !== this.version) {
      const from = this.latest!;
      for (const t of [...modelTensors(from.plan), ...from.plan.state])
        entry.runner.writeParam(t.name, await from.readParam(t.name));
      entry.version = this.version;
    }
    return entry.runner;
  }

  /** The runner that holds the current parameters (the one that ran the last step). */
  get current(): Runner {
    return this.latest!;
  }

  /**
   * The current value of every parameter and model state, or with `state` also every optimizer
   * moment.
   */
  async params(state = false): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const from = this.latest!;
    for (const p of [...modelTensors(from.plan), ...(state ? from.plan.state : [])])
      out.set(p.name, (await from.readParam(p.name)) as Float32Array);
    return out;
  }

  /** Records that `runner` changed the parameters. */
  updated(runner: Runner): void {
    this.version++;
    this.latest = runner;
    for (const e of this.runners.values()) if (e.runner === runner) e.version = this.version;
  }

  destroy(): void {
    for (const e of this.runners.values()) e.runner.destroy();
  }
}
