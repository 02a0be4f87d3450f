/**
 * @file The Plan's kernel table as it is written: each kernel source becomes a `PlanKernel` (with
 * its origin, for reports) and a dispatch naming its arena chunks by buffer id, ids given in the
 * order arenas are first bound. A kernel binding more storage buffers than allowed is refused.
 */
import type { KernelGroup } from "./fuse.js";
import type { KernelPart } from "./kernel.js";
import type { KernelSource } from "./kernel-module.js";
import type { BindingLimits } from "./memory.js";
import type { PlanDispatch, PlanKernel } from "./plan.js";
import { refuseKernel, type Refusal, type Where } from "./emit-refusal.js";

/** Where a kernel of the Plan came from: its fused groups, or the optimizer's own kernels. */
export interface KernelOrigin {
  /** `copy`: a value stored under a second name; `state`: a state's new value into its arena. */
  readonly role: "fused" | "copy" | "state" | "grad-norm" | "optimizer";
  /** The groups of its parts (empty for the optimizer's kernels). */
  readonly groups: readonly KernelGroup[];
  /** Which graph they came from. */
  readonly program: "train" | "eval";
}

/** The origin of a kernel assembled from `batch`'s parts. */
export const fusedOrigin = (
  batch: readonly KernelPart[],
  program: KernelOrigin["program"],
  role: KernelOrigin["role"] = "fused",
): KernelOrigin => ({ role, groups: batch.map((p) => p.group), program });

/** Kernels, their origins and arena ids, in the order emission adds them. */
export class KernelTable {
  readonly kernels: PlanKernel[] = [];
  readonly origins: KernelOrigin[] = [];
  /** Arena chunks by buffer id: the five first arenas, then chunks as they are first bound. */
  readonly arenaNames = ["inputs", "params", "grads", "outputs", "temps"];
  /** The index that names the next fused kernel (`kernel_7`); optimizer kernels name themselves. */
  nextKernel = 0;

  constructor(
    private readonly limits: BindingLimits,
    private readonly where: Where,
  ) {}

  arenaId(name: string): number {
    let i = this.arenaNames.indexOf(name);
    if (i < 0) {
      this.arenaNames.push(name);
      i = this.arenaNames.length - 1;
    }
    return i;
  }

  /**
   * Adds a kernel and returns its dispatch. Every kernel's header names it by its index, so no
   * two are identical; the runtime's pipeline cache is keyed by WGSL code without comments.
   */
  add(src: KernelSource, origin: KernelOrigin): PlanDispatch | Refusal {
    const storage = src.arenas.filter((a) => a.access !== "uniform").map((a) => a.arena);
    const refused = refuseKernel(new Set(storage), this.limits, this.where, `kernel ${src.name}`);
    if (refused) return refused;
    const id = this.kernels.length;
    this.origins.push(origin);
    this.kernels.push({
      id,
      name: src.name,
      wgsl: src.wgsl,
      bindings: src.arenas.map((a) => a.access),
      workgroupSize: src.workgroupSize as [number, number, number],
      ops: src.ops,
      flops: src.flops,
      bytesRead: src.bytesRead,
      bytesWritten: src.bytesWritten,
    });
    return {
      kernel: id,
      buffers: src.arenas.map((a) => this.arenaId(a.arena)),
      workgroups: src.workgroups,
    };
  }
}
