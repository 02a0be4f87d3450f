/**
 * A small builder for hand-written Plans, and WGSL for the kernels the runtime tests use.
 */
import type {
  BindingAccess,
  Plan,
  PlanBuffer,
  PlanBufferKind,
  PlanDispatch,
  PlanKernel,
  PlanParam,
  PlanState,
  PlanTensor,
} from "../../src/codegen/plan.js";

type Dtype = "f32" | "i32";

export class PlanBuilder {
  private readonly buffers: PlanBuffer[] = [];
  private readonly kernels: PlanKernel[] = [];
  private readonly programs: Record<string, PlanDispatch[]> = {};
  private readonly inputs: PlanTensor[] = [];
  private readonly outputs: PlanTensor[] = [];
  private readonly params: PlanParam[] = [];
  private readonly state: PlanState[] = [];
  private uniforms: Plan["uniforms"];

  buffer(name: string, kind: PlanBufferKind, elements: number, dtype: Dtype = "f32"): number {
    const id = this.buffers.length;
    this.buffers.push({ id, name: `${kind}:${name}`, kind, bytes: elements * 4, dtype });
    return id;
  }

  input(name: string, shape: number[], dtype: Dtype = "f32"): number {
    const buffer = this.buffer(name, "input", size(shape), dtype);
    this.inputs.push({ name, buffer, shape, dtype });
    return buffer;
  }

  output(name: string, shape: number[], dtype: Dtype = "f32"): number {
    const buffer = this.buffer(name, "output", size(shape), dtype);
    this.outputs.push({ name, buffer, shape, dtype });
    return buffer;
  }

  param(name: string, shape: number[]): number {
    const buffer = this.buffer(name, "param", size(shape));
    this.params.push({ name, buffer, shape, dtype: "f32", init: { name: "zeros", args: {} } });
    return buffer;
  }

  moment(param: string, name: string, elements: number): number {
    const buffer = this.buffer(name, "state", elements);
    // Laid out like its parameter; a variable, not a literal, so it also fits a PlanState with fewer fields.
    const state = { param, name, buffer, shape: [elements], dtype: "f32" as const };
    this.state.push(state);
    return buffer;
  }

  uniform(fields: string[]): number {
    const buffer = this.buffer("uniforms", "uniform", fields.length);
    this.uniforms = { buffer, fields };
    return buffer;
  }

  kernel(name: string, wgsl: string, bindings: BindingAccess[]): number {
    const id = this.kernels.length;
    this.kernels.push({
      id,
      name: `k${id}_${name}`,
      wgsl,
      bindings,
      workgroupSize: [64, 1, 1],
      ops: [name],
      flops: 0,
      bytesRead: 0,
      bytesWritten: 0,
    });
    return id;
  }

  dispatch(program: string, kernel: number, buffers: number[], groups: number): this {
    (this.programs[program] ??= []).push({ kernel, buffers, workgroups: [groups, 1, 1] });
    return this;
  }

  build(): Plan {
    const programs = Object.fromEntries(
      Object.entries(this.programs).map(([name, dispatches]) => [
        name,
        {
          dispatches,
          inputs: this.inputs.map((t) => t.name),
          outputs: this.outputs.map((t) => t.name),
        },
      ]),
    );
    return {
      version: 1,
      buffers: this.buffers,
      kernels: this.kernels,
      programs,
      inputs: this.inputs,
      params: this.params,
      state: this.state,
      outputs: this.outputs,
      ...(this.uniforms ? { uniforms: this.uniforms } : {}),
      peakBytes: this.buffers.reduce((sum, b) => sum + b.bytes, 0),
    };
  }
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * An elementwise kernel `out[i] = body` over arrays named by `reads` (read-only) and `writes`
 * (read-write; the first one sets the length), with an optional uniform struct `u`.
 */
export function elementwise(
  body: string,
  reads: string[],
  writes: string[],
  options: { dtype?: Dtype; uniform?: string[] } = {},
): { wgsl: string; bindings: BindingAccess[] } {
  const dtype = options.dtype ?? "f32";
  const lines: string[] = [];
  const bindings: BindingAccess[] = [];
  for (const name of reads) {
    lines.push(
      `@group(0) @binding(${bindings.length}) var<storage, read> ${name}: array<${dtype}>;`,
    );
    bindings.push("read");
  }
  for (const name of writes) {
    const decl = `var<storage, read_write> ${name}: array<${dtype}>;`;
    lines.push(`@group(0) @binding(${bindings.length}) ${decl}`);
    bindings.push("read_write");
  }
  if (options.uniform) {
    const fields = options.uniform.map((f) => `${f}: f32`).join(", ");
    lines.push(`struct Uniforms { ${fields} }`);
    lines.push(`@group(0) @binding(${bindings.length}) var<uniform> u: Uniforms;`);
    bindings.push("uniform");
  }
  lines.push(
    "@compute @workgroup_size(64)",
    "fn main(@builtin(global_invocation_id) gid: vec3u) {",
    "  let i = gid.x;",
    `  if (i >= arrayLength(&${writes[0]})) { return; }`,
    `  ${body}`,
    "}",
  );
  return { wgsl: lines.join("\n") + "\n", bindings };
}

/** Sums `x` (any length) into `total[0]` with one workgroup of 256 and a tree in shared memory. */
export const sumKernel = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> total: array<f32>;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < arrayLength(&x); i += 256u) { acc += x[i]; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { total[0] = partial[0]; }
}
`;

export function groups(elements: number): number {
  return Math.ceil(elements / 64);
}

/** `n` deterministic values in [-1, 1) from a fixed-seed LCG. */
export function values(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
