/**
 * @file Checks of a Plan before the runtime touches the GPU. A Plan comes from codegen (or from
 * JSON on disk), so a structural fault is a compiler bug and throws an `InternalError`; a plan
 * compiled for larger binding limits than the device's is refused with an `Error` saying so.
 */
import type { PlanOptions } from "../codegen/compile.js";
import type { BindingLimits } from "../codegen/memory.js";
import { modelTensors, type Plan, type PlanBuffer, type PlanDispatch } from "../codegen/plan.js";
import { InternalError, UserError } from "../diag/diagnostic.js";
import { compilesAtFirstDispatch } from "./warm.js";

/** Checks `plan` against the device's `limits` (`device.limits`) and returns its buffers by id. */
export function checkPlan(plan: Plan, limits: BindingLimits): Map<number, PlanBuffer> {
  const fail = (message: string): never => {
    throw new InternalError(`malformed plan: ${message}`);
  };
  const refuse = (message: string): never => {
    throw new UserError(
      `${message}; compile the plan for this device's limits (\`compilePlan(train, { limits: device.limits })\`, as grove train and eval do) or use a smaller batch`,
    );
  };
  if (plan.version !== 1) fail(`version ${String(plan.version)}, the runtime reads version 1`);
  const buffers = new Map<number, PlanBuffer>();
  for (const b of plan.buffers) {
    if (buffers.has(b.id)) fail(`two buffers have id ${b.id}`);
    if (!(b.bytes >= 4 && b.bytes % 4 === 0)) fail(`buffer ${b.name} has ${b.bytes} bytes`);
    if (b.kind !== "uniform" && b.bytes > limits.maxStorageBufferBindingSize)
      refuse(
        `this plan needs a ${b.bytes}-byte ${b.name} buffer, but the device binds at most ` +
          `${limits.maxStorageBufferBindingSize} bytes in one storage binding`,
      );
    if (b.bytes > limits.maxBufferSize)
      refuse(
        `this plan needs a ${b.bytes}-byte ${b.name} buffer, but the device's buffers hold at ` +
          `most ${limits.maxBufferSize} bytes`,
      );
    buffers.set(b.id, b);
  }
  const kernels = new Map(plan.kernels.map((k) => [k.id, k]));
  for (const k of plan.kernels) {
    const storage = k.bindings.filter((a) => a !== "uniform").length;
    if (storage > limits.maxStorageBuffersPerShaderStage)
      refuse(
        `kernel ${k.name} binds ${storage} storage buffers, but the device allows ` +
          `${limits.maxStorageBuffersPerShaderStage} per shader stage`,
      );
  }
  for (const [name, program] of Object.entries(plan.programs)) {
    const variants: [string, readonly PlanDispatch[]][] = [["", program.dispatches]];
    if (program.quick) variants.push(["quick ", program.quick]);
    for (const [variant, dispatches] of variants)
      dispatches.forEach((d, i) => {
        const where = `program ${name}, ${variant}dispatch ${i}`;
        const kernel = kernels.get(d.kernel) ?? fail(`${where}: no kernel ${d.kernel}`);
        if (d.buffers.length !== kernel.bindings.length) {
          fail(
            `${where}: ${kernel.name} has ${kernel.bindings.length} bindings, got ${d.buffers.length} buffers`,
          );
        }
        d.buffers.forEach((id, binding) => {
          const buffer = buffers.get(id) ?? fail(`${where}: no buffer ${id}`);
          const isUniform = kernel.bindings[binding] === "uniform";
          if (isUniform !== (buffer.kind === "uniform")) {
            fail(
              `${where}: binding ${binding} of ${kernel.name} is ${kernel.bindings[binding]} but ${buffer.name} is ${buffer.kind}`,
            );
          }
        });
      });
  }
  const tensors = [
    ...plan.inputs,
    ...modelTensors(plan),
    ...plan.outputs,
    ...plan.state,
    ...(plan.grads ?? []),
  ];
  for (const t of tensors) {
    const buffer =
      buffers.get(t.buffer) ?? fail(`tensor ${t.name} names missing buffer ${t.buffer}`);
    const end = ((t.offset ?? 0) + t.shape.reduce((a, b) => a * b, 1)) * 4;
    if (!((t.offset ?? 0) >= 0) || end > buffer.bytes) {
      fail(`tensor ${t.name} of shape [${t.shape.join(", ")}] does not fit in ${buffer.name}`);
    }
  }
  if (plan.uniforms && buffers.get(plan.uniforms.buffer)?.kind !== "uniform") {
    fail(`uniforms name buffer ${plan.uniforms.buffer}, which is not a uniform buffer`);
  }
  return buffers;
}

/**
 * Why `device` cannot run `kernels` that use the subgroup template (`enable subgroups;`, from
 * `compilePlan(..., { subgroups: true })`), or undefined when it can: the template needs the
 * `subgroups` feature and subgroup sizes that are multiples of 8, at most the workgroup size 64.
 */
export function subgroupProblem(
  kernels: readonly { readonly name: string; readonly wgsl: string }[],
  features: ReadonlySet<string>,
  info: { readonly subgroupMinSize?: number; readonly subgroupMaxSize?: number } | undefined,
): string | undefined {
  const user = kernels.find((k) => k.wgsl.includes("enable subgroups;"));
  if (!user) return undefined;
  const fix = "compile the plan with `subgroups: false`";
  if (!features.has("subgroups"))
    return `kernel ${user.name} uses subgroups, which this device does not support; ${fix}`;
  const [min, max] = [info?.subgroupMinSize ?? 0, info?.subgroupMaxSize ?? 0];
  if (!subgroupSizesFit(info))
    return `kernel ${user.name} needs subgroups of 8 to 64 lanes (a multiple of 8); this device's are ${min} to ${max}; ${fix}`;
  return undefined;
}

function subgroupSizesFit(
  info: { readonly subgroupMinSize?: number; readonly subgroupMaxSize?: number } | undefined,
): boolean {
  const [min, max] = [info?.subgroupMinSize ?? 0, info?.subgroupMaxSize ?? 0];
  return min >= 8 && max <= 64 && min % 8 === 0 && max % 8 === 0;
}

/** The `compilePlan` options that depend on the device. */
export type DevicePlanOptions = Required<
  Pick<PlanOptions, "subgroups" | "treeReductions" | "quick" | "limits">
>;

/**
 * The compile options that suit `device`, what the commands and the training loop pass: the
 * subgroup template where it can run (`useSubgroups`); its binding limits; on a driver that
 * compiles at first dispatch (lavapipe), quick variants to start with and no tree reductions
 * (barrier rounds cost more than they save on a few CPU cores), elsewhere tree reductions.
 */
export function planOptionsFor(device: GPUDevice): DevicePlanOptions {
  const lazy = compilesAtFirstDispatch(device.adapterInfo);
  return {
    subgroups: useSubgroups(device),
    treeReductions: !lazy,
    quick: lazy,
    limits: device.limits,
  };
}

/**
 * Whether plans for `device` should use the subgroup template (`compilePlan(..., { subgroups })`):
 * the device has the feature and subgroup sizes the template can use. What the commands pass.
 */
export function useSubgroups(device: GPUDevice): boolean {
  return device.features.has("subgroups") && subgroupSizesFit(device.adapterInfo);
}
