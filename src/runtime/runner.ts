/**
 * @file `PlanRunner`: creates a Plan's buffers, pipelines and bind groups once, then runs its
 * programs. A run encodes every dispatch of a program into one compute pass of one command buffer
 * and submits it without waiting; reads copy into pooled staging buffers in their own small submit.
 */
import {
  modelTensors,
  type Plan,
  type PlanBuffer,
  type PlanDispatch,
  type PlanDtype,
  type PlanProgram,
  type PlanTensor,
} from "../codegen/plan.js";
import { InternalError, UsageError, UserError } from "../diag/diagnostic.js";
import { checkPlan, subgroupProblem } from "./check-plan.js";
import { DeviceLostError, GpuError } from "./errors.js";
import { PipelineCache } from "./pipelines.js";
import { encodeDispatches, timeDispatches } from "./profile.js";
import type { DispatchTime, EncodedDispatch } from "./profile.js";
import { StagingPool } from "./readback.js";
import { checkedUniforms, type HostArray, type StepRunner } from "./step-runner.js";
import { compilesAtFirstDispatch, settleQuietly, warmPipelines } from "./warm.js";

export type { HostArray } from "./step-runner.js";

/** A named tensor the host may write or read: an input, output, parameter or optimizer state. */
interface HostTensor {
  readonly name: string;
  readonly buffer: PlanBuffer;
  /** First element within the buffer (tensors may share an arena). */
  readonly offset: number;
  readonly elements: number;
  readonly dtype: PlanDtype;
}

export class PlanRunner implements StepRunner {
  private readonly pool: StagingPool;
  private readonly written = new Set<number | string>();
  private failure: Error | undefined;
  private destroyed = false;
  private runs = 0;
  /** Programs running their quick variant whose own dispatches compile after their first run. */
  private readonly deferred = new Map<string, readonly PlanDispatch[]>();
  /** Those compilations, once started (see `prepare`, `ready`), and how many are under way. */
  private readonly upgrades: Promise<void>[] = [];
  private inflight = 0;

  /** A program's own kernels are compiling behind its quick variant (see `prepare`). */
  get compiling(): boolean {
    return this.inflight > 0;
  }

  private constructor(
    readonly device: GPUDevice,
    readonly plan: Plan,
    private readonly buffers: ReadonlyMap<number, GPUBuffer>,
    private readonly programs: Map<string, readonly EncodedDispatch[]>,
    private readonly tensors: {
      readonly inputs: ReadonlyMap<string, HostTensor>;
      readonly outputs: ReadonlyMap<string, HostTensor>;
      readonly params: ReadonlyMap<string, HostTensor>;
      readonly grads: ReadonlyMap<string, HostTensor>;
    },
    /** Programs that may start on their quick variant; undefined: all. */
    private readonly quickPrograms?: ReadonlySet<string>,
  ) {
    this.pool = new StagingPool(device);
    device.addEventListener("uncapturederror", this.onUncapturedError);
    void device.lost.then((info) => {
      if (!this.destroyed) this.failure ??= new DeviceLostError(info.reason, info.message);
    });
  }

  /**
   * Creates every buffer of `plan`, then prepares `options.programs` (default: all of them):
   * compiles their kernels (in parallel; cached per device by WGSL) and prebuilds one bind group
   * per dispatch. Other programs are prepared later with `prepare`, so a training run does not
   * wait for the evaluation kernels. Throws an `InternalError` for a malformed plan or a kernel
   * that does not compile, and a `GpuError` when the buffers do not fit on the device.
   */
  static async create(
    device: GPUDevice,
    plan: Plan,
    options: {
      readonly programs?: readonly string[];
      /** Programs that may start on their quick variant (see `prepare`); default: all. */
      readonly quick?: readonly string[];
    } = {},
  ): Promise<PlanRunner> {
    const planBuffers = checkPlan(plan, device.limits);
    const buffers = await createBuffers(device, [...planBuffers.values()]);
    const host = (list: readonly PlanTensor[]) =>
      new Map(list.map((t) => [t.name, hostTensor(t, planBuffers.get(t.buffer)!)]));
    const tensors = {
      inputs: host(plan.inputs),
      outputs: host(plan.outputs),
      params: host([...modelTensors(plan), ...plan.state]),
      grads: host(plan.grads ?? []),
    };
    const quick = options.quick && new Set(options.quick);
    const runner = new PlanRunner(device, plan, buffers, new Map(), tensors, quick);
    try {
      for (const name of options.programs ?? Object.keys(plan.programs)) await runner.prepare(name);
    } catch (e) {
      runner.destroy();
      throw e;
    }
    return runner;
  }

  /**
   * Compiles a program's kernels and builds its bind groups; a no-op when already prepared. When
   * the plan has the program's quick variant and the driver compiles at first dispatch, prepares
   * that instead: it compiles fast and computes the same values bit for bit. The program's own
   * kernels start compiling behind its first run (`run`), and runs use them once they are ready;
   * `ready()` waits for that.
   */
  async prepare(programName: string): Promise<void> {
    this.assertUsable();
    if (this.programs.has(programName)) return;
    const program = this.plan.programs[programName];
    if (!program) {
      const known = Object.keys(this.plan.programs).join(", ");
      throw new UsageError(`no program "${programName}" in this plan; it has ${known || "none"}`);
    }
    const tiered =
      program.quick &&
      (this.quickPrograms?.has(programName) ?? true) &&
      compilesAtFirstDispatch(this.device.adapterInfo);
    this.programs.set(
      programName,
      await this.encode(programName, tiered ? program.quick! : program.dispatches),
    );
    if (tiered) this.deferred.set(programName, program.dispatches);
  }

  /**
   * Resolves when every program that has run uses its own kernels, not its quick variant (at
   * once when no compilation is pending); rejects if they failed to compile. The training loop
   * waits for this before a program's second run: the first run's result comes early, and the
   * compilers then have every core (quick kernels run several times slower).
   */
  async ready(): Promise<void> {
    await settleQuietly(Promise.all(this.upgrades));
    this.assertUsable();
  }

  /** Compiles the program's own kernels behind its first run and switches to them (`prepare`). */
  private upgrade(programName: string): void {
    const dispatches = this.deferred.get(programName);
    if (!dispatches) return;
    this.deferred.delete(programName);
    this.inflight++;
    const upgrade = this.encode(programName, dispatches, { background: true })
      .then((encoded) => {
        if (!this.destroyed) this.programs.set(programName, encoded);
      })
      .finally(() => this.inflight--);
    // A failure is reported by the next call (`assertUsable`) and by `ready()`.
    this.upgrades.push(
      upgrade.catch((e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      }),
    );
  }

  /**
   * Compiles `dispatches`' kernels (warming them up first, see warm.ts; in the `background`, this
   * device's share queues behind the runs already submitted) and builds their bind groups.
   */
  private async encode(
    programName: string,
    dispatches: readonly PlanDispatch[],
    options: { readonly background?: boolean } = {},
  ): Promise<EncodedDispatch[]> {
    const cache = PipelineCache.for(this.device);
    const kernels = new Map(this.plan.kernels.map((k) => [k.id, k]));
    const used = [...new Set(dispatches.map((d) => d.kernel))].map((id) => kernels.get(id)!);
    const problem = subgroupProblem(
      used,
      this.device.features as ReadonlySet<string>,
      this.device.adapterInfo,
    );
    if (problem) throw new UserError(problem);
    await warmPipelines(this.device, used, options.background ? { background: true } : {});
    const pipelines = new Map(
      await Promise.all(used.map(async (k) => [k.id, await cache.pipeline(k)] as const)),
    );
    this.device.pushErrorScope("validation");
    const encoded = dispatches.map((d, i): EncodedDispatch => {
      const kernel = kernels.get(d.kernel)!;
      const bindGroup = this.device.createBindGroup({
        label: `${programName}#${i}:${kernel.name}`,
        layout: cache.layout(kernel.bindings),
        entries: d.buffers.map((id, binding) => ({
          binding,
          resource: { buffer: this.buffers.get(id)! },
        })),
      });
      return {
        kernel: kernel.name,
        pipeline: pipelines.get(d.kernel)!,
        bindGroup,
        workgroups: d.workgroups,
      };
    });
    const error = await this.device.popErrorScope();
    if (error) throw new InternalError(`bind groups rejected: ${error.message}`);
    return encoded;
  }

  /** Writes a program input. `data` must match the input's dtype and element count. */
  writeInput(name: string, data: HostArray): void {
    this.write(this.find("input", this.tensors.inputs, name), data);
  }

  /** Writes a parameter or optimizer-state tensor, e.g. from a checkpoint or an initializer. */
  writeParam(name: string, data: HostArray): void {
    this.write(this.find("param or state", this.tensors.params, name), data);
  }

  /** Reads a parameter or optimizer-state tensor as it is after every run submitted so far. */
  readParam(name: string): Promise<HostArray> {
    return this.read(this.find("param or state", this.tensors.params, name));
  }

  /** Reads a parameter's gradient as the last `train` run left it. */
  readGrad(name: string): Promise<HostArray> {
    return this.read(this.find("gradient", this.tensors.grads, name));
  }

  /** Writes the per-run scalars; every field of `plan.uniforms` must be given, and nothing else. */
  writeUniforms(values: Readonly<Record<string, number>>): void {
    this.assertUsable();
    const stored = checkedUniforms(this.plan.uniforms?.fields, values);
    const uniforms = this.plan.uniforms!;
    const buffer = this.buffers.get(uniforms.buffer)!;
    const data = new Float32Array(buffer.size / 4);
    uniforms.fields.forEach((field, i) => (data[i] = stored[field]!));
    this.device.queue.writeBuffer(buffer, 0, data);
    this.written.add(uniforms.buffer);
  }

  /**
   * Encodes every dispatch of `programName` into one compute pass of one command buffer and submits
   * it. Returns at once; the GPU runs it in order after earlier submits. Every input of the
   * program (and the uniforms, if it binds them) must have been written at least once.
   */
  run(programName: string): void {
    this.assertUsable();
    const { program, dispatches } = this.program(programName);
    this.checkWritten(programName, program);
    const label = `${programName}#${this.runs++}`;
    const encoder = this.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    encodeDispatches(pass, dispatches);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.upgrade(programName);
  }

  /**
   * Reads an output as it is after every run submitted so far. The copy is submitted now, so
   * `run(); const y = readOutput("loss"); run();` reads the first run's loss while the second
   * runs; the promise resolves when the GPU has finished the copy.
   */
  readOutput(name: string): Promise<HostArray> {
    return this.read(this.find("output", this.tensors.outputs, name));
  }

  /**
   * Reads several outputs like `readOutput`; outputs in one buffer (the loss and the metrics are
   * neighbouring scalars) come back through a single copy of the range that spans them.
   */
  async readOutputs(names: readonly string[]): Promise<HostArray[]> {
    const tensors = names.map((n) => this.find("output", this.tensors.outputs, n));
    const first = tensors[0];
    if (!first || tensors.some((t) => t.buffer.id !== first.buffer.id))
      return Promise.all(tensors.map((t) => this.read(t)));
    this.assertUsable();
    const lo = Math.min(...tensors.map((t) => t.offset));
    const hi = Math.max(...tensors.map((t) => t.offset + t.elements));
    const buffer = this.buffers.get(first.buffer.id)!;
    const bytes = await this.pool.read(buffer, (hi - lo) * 4, lo * 4);
    this.assertUsable();
    return tensors.map((t) =>
      t.dtype === "i32"
        ? new Int32Array(bytes, (t.offset - lo) * 4, t.elements)
        : new Float32Array(bytes, (t.offset - lo) * 4, t.elements),
    );
  }

  /**
   * Runs `programName` with one compute pass per dispatch, each with timestamps, and resolves with
   * every dispatch's GPU time in ms; undefined when the device lacks `timestamp-query`. Separate
   * passes perturb the schedule, so the sum is larger than a normal run; compare kernels, not totals.
   * The run is real: it updates params and state like `run`.
   */
  async profile(programName: string): Promise<DispatchTime[] | undefined> {
    await this.ready();
    const { program, dispatches } = this.program(programName);
    if (!this.device.features.has("timestamp-query")) return undefined;
    this.checkWritten(programName, program);
    const times = await timeDispatches(this.device, `${programName}#${this.runs++}`, dispatches);
    this.assertUsable();
    return times;
  }

  /** Frees every buffer this runner created. Pipelines stay in the device's cache. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.removeEventListener("uncapturederror", this.onUncapturedError);
    this.pool.destroy();
    for (const buffer of this.buffers.values()) buffer.destroy();
  }

  private readonly onUncapturedError = (event: Event): void => {
    this.failure ??= GpuError.from((event as GPUUncapturedErrorEvent).error);
  };

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.destroyed) throw new UsageError("this PlanRunner was destroyed");
  }

  private program(name: string): { program: PlanProgram; dispatches: readonly EncodedDispatch[] } {
    const program = this.plan.programs[name];
    const dispatches = this.programs.get(name);
    if (!program) {
      const known = Object.keys(this.plan.programs).join(", ");
      throw new UsageError(`no program "${name}" in this plan; it has ${known || "none"}`);
    }
    if (!dispatches)
      throw new UsageError(
        `program "${name}" is not prepared: await runner.prepare("${name}") first`,
      );
    return { program, dispatches };
  }

  private checkWritten(programName: string, program: PlanProgram): void {
    for (const name of program.inputs) {
      const tensor = this.find("input", this.tensors.inputs, name);
      if (!this.written.has(`input:${tensor.name}`)) {
        throw new UsageError(
          `run("${programName}"): input "${name}" was never written (writeInput)`,
        );
      }
    }
    const uniforms = this.plan.uniforms;
    const usesUniforms = program.dispatches.some((d) => d.buffers.includes(uniforms?.buffer ?? -1));
    if (uniforms && usesUniforms && !this.written.has(uniforms.buffer)) {
      throw new UsageError(
        `run("${programName}"): the uniforms were never written (writeUniforms)`,
      );
    }
  }

  private find(kind: string, map: ReadonlyMap<string, HostTensor>, name: string): HostTensor {
    const tensor = map.get(name);
    if (tensor) return tensor;
    const known = [...map.keys()].join(", ");
    throw new UsageError(`no ${kind} "${name}" in this plan; it has ${known || "none"}`);
  }

  private write(tensor: HostTensor, data: HostArray): void {
    this.assertUsable();
    const wantArray = tensor.dtype === "i32" ? Int32Array : Float32Array;
    if (!(data instanceof wantArray) || data.length !== tensor.elements) {
      throw new UsageError(
        `"${tensor.name}" holds ${tensor.elements} ${tensor.dtype} values (a ${wantArray.name}); ` +
          `got a ${data.constructor.name} of length ${data.length}`,
      );
    }
    this.device.queue.writeBuffer(this.buffers.get(tensor.buffer.id)!, tensor.offset * 4, data);
    this.written.add(`input:${tensor.name}`);
  }

  private async read(tensor: HostTensor): Promise<HostArray> {
    this.assertUsable();
    const buffer = this.buffers.get(tensor.buffer.id)!;
    const bytes = await this.pool.read(buffer, tensor.elements * 4, tensor.offset * 4);
    this.assertUsable();
    return tensor.dtype === "i32" ? new Int32Array(bytes) : new Float32Array(bytes);
  }
}

/** A buffer's fixed contents as its bytes: `values` (i32) padded with zeros to `words`. */
function constants(values: readonly number[], words: number): Int32Array {
  const out = new Int32Array(words);
  out.set(values);
  return out;
}

function hostTensor(t: PlanTensor, buffer: PlanBuffer): HostTensor {
  const elements = t.shape.reduce((a, b) => a * b, 1);
  return { name: t.name, buffer, offset: t.offset ?? 0, elements, dtype: t.dtype };
}

/** Creates the plan's buffers; uniform buffers are rounded up to 16 bytes. */
async function createBuffers(
  device: GPUDevice,
  planBuffers: readonly PlanBuffer[],
): Promise<Map<number, GPUBuffer>> {
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("validation");
  const buffers = new Map<number, GPUBuffer>();
  for (const b of planBuffers) {
    const uniform = b.kind === "uniform";
    const usage = uniform
      ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
      : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const size = uniform ? Math.ceil(b.bytes / 16) * 16 : b.bytes;
    const buffer = device.createBuffer({ label: b.name, size, usage });
    if (b.values) device.queue.writeBuffer(buffer, 0, constants(b.values, size / 4));
    buffers.set(b.id, buffer);
  }
  const invalid = await device.popErrorScope();
  const outOfMemory = await device.popErrorScope();
  const error = outOfMemory ?? invalid;
  if (error) {
    for (const b of buffers.values()) b.destroy();
    const total = planBuffers.reduce((sum, b) => sum + b.bytes, 0);
    throw GpuError.from(error, `creating ${planBuffers.length} buffers (${total} bytes)`);
  }
  return buffers;
}
