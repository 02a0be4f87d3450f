/**
 * @file Optimizer update kernels. All parameters live in one arena, their gradients in another
 * with the same layout, and each moment in its own, so one dispatch updates every parameter.
 * Constant hyper-parameters are baked into the WGSL; the learning rate and Adam's bias
 * corrections change per step and come from the uniform buffer.
 */
import type { KernelSource } from "./kernel.js";
import { dispatchSize, workgroupSize } from "./kernel.js";
import { f32Literal } from "./wgsl/writer.js";

export interface OptimizerSpec {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/**
 * Per-step scalars the optimizer kernel reads, in uniform-buffer order. With gradient clipping a
 * fifth, `clip`, holds the largest allowed global gradient norm (0: no clipping).
 */
export function uniformFields(clipping: boolean): string[] {
  return ["lr", "bc1", "bc2", "step", ...(clipping ? ["clip"] : [])];
}

/**
 * The global gradient norm ‖g‖₂ over every parameter, as one workgroup's tree reduction (one
 * dispatch; a single workgroup, so its barriers stay cheap), written to `outputs` at `offset`
 * where the optimizer and the host both read it.
 */
export function gradNormKernel(count: number, offset: number): KernelSource {
  const size = 256;
  const wgsl = [
    `// k_grad_norm: the global L2 norm of all ${count} gradient values, for clipping`,
    "// one workgroup: each invocation sums squares with a stride, then a tree reduction",
    "",
    "@group(0) @binding(0) var<storage, read> a_grads: array<f32>;",
    "@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;",
    `var<workgroup> partial: array<f32, ${size}>;`,
    "",
    `@compute @workgroup_size(${size})`,
    "fn main(@builtin(local_invocation_index) li: u32) {",
    "  var s = 0.0;",
    `  for (var i = li; i < ${count}u; i = i + ${size}u) {`,
    "    let g = a_grads[i];",
    "    s = fma(g, g, s);",
    "  }",
    "  partial[li] = s;",
    "  workgroupBarrier();",
    `  for (var w = ${size / 2}u; w > 0u; w = w / 2u) {`,
    "    if (li < w) { partial[li] = partial[li] + partial[li + w]; }",
    "    workgroupBarrier();",
    "  }",
    `  if (li == 0u) { a_outputs[${offset}] = sqrt(partial[0]); }`,
    "}",
    "",
  ].join("\n");
  return {
    name: "k_grad_norm",
    wgsl,
    arenas: [
      { arena: "grads", access: "read" },
      { arena: "outputs", access: "read_write" },
    ],
    workgroupSize: [size, 1, 1],
    workgroups: [1, 1, 1],
    ops: ["grad_norm"],
    flops: 2 * count,
    bytesRead: 4 * count,
    bytesWritten: 4,
  };
}

export interface OptimizerKernel {
  readonly source: KernelSource;
  /** Moment arenas it needs, named `state_<moment>`. */
  readonly moments: readonly string[];
}

const num = (args: Readonly<Record<string, unknown>>, k: string, d: number): number =>
  typeof args[k] === "number" ? (args[k] as number) : d;

/** The update of one element `i`, as WGSL statements over p, g and the moment arenas. */
function updateBody(spec: OptimizerSpec): { moments: string[]; lines: string[] } {
  const a = spec.args;
  const wd = num(a, "weight_decay", spec.name === "adamw" ? 0.01 : 0);
  const L = f32Literal;
  switch (spec.name) {
    case "sgd": {
      const mu = num(a, "momentum", 0);
      const nesterov = a.nesterov === true;
      const g = wd ? `g + ${L(wd)} * p` : "g";
      if (mu === 0) return { moments: [], lines: [`p = p - u.lr * (${g});`] };
      return {
        moments: ["m"],
        lines: [
          `let gd = ${g};`,
          `let m = ${L(mu)} * a_state_m[i] + gd;`,
          "a_state_m[i] = m;",
          nesterov ? `p = p - u.lr * (gd + ${L(mu)} * m);` : "p = p - u.lr * m;",
        ],
      };
    }
    case "adam":
    case "adamw": {
      const b1 = num(a, "beta1", 0.9);
      const b2 = num(a, "beta2", 0.999);
      const eps = num(a, "eps", 1e-8);
      const coupled = spec.name === "adam" && wd !== 0;
      return {
        moments: ["m", "v"],
        lines: [
          `let gd = ${coupled ? `g + ${L(wd)} * p` : "g"};`,
          `let m = ${L(b1)} * a_state_m[i] + ${L(1 - b1)} * gd;`,
          `let v = ${L(b2)} * a_state_v[i] + ${L(1 - b2)} * gd * gd;`,
          "a_state_m[i] = m;",
          "a_state_v[i] = v;",
          ...(spec.name === "adamw" && wd !== 0 ? [`p = p - u.lr * ${L(wd)} * p;`] : []),
          `p = p - u.lr * (m / u.bc1) / (sqrt(v / u.bc2) + ${L(eps)});`,
        ],
      };
    }
    case "rmsprop": {
      const alpha = num(a, "alpha", 0.99);
      const eps = num(a, "eps", 1e-8);
      const mu = num(a, "momentum", 0);
      const lines = [
        `let gd = ${wd ? `g + ${L(wd)} * p` : "g"};`,
        `let v = ${L(alpha)} * a_state_v[i] + ${L(1 - alpha)} * gd * gd;`,
        "a_state_v[i] = v;",
      ];
      if (mu === 0)
        return { moments: ["v"], lines: [...lines, `p = p - u.lr * gd / (sqrt(v) + ${L(eps)});`] };
      return {
        moments: ["m", "v"],
        lines: [
          ...lines,
          `let m = ${L(mu)} * a_state_m[i] + gd / (sqrt(v) + ${L(eps)});`,
          "a_state_m[i] = m;",
          "p = p - u.lr * m;",
        ],
      };
    }
    default:
      throw new Error(`internal compiler error: no update rule for optimizer ${spec.name}`);
  }
}

/** One kernel updating `count` parameters in place. */
/**
 * One kernel updating `count` parameters in place. With `normAt` (the offset of the global
 * gradient norm in `outputs`) every gradient is first scaled by min(1, clip / ‖g‖).
 */
export function optimizerKernel(
  spec: OptimizerSpec,
  count: number,
  normAt?: number,
): OptimizerKernel {
  const { moments, lines } = updateBody(spec);
  const clipping = normAt !== undefined;
  const arenas = [
    { arena: "grads", access: "read" as const },
    ...(clipping ? [{ arena: "outputs", access: "read" as const }] : []),
    { arena: "params", access: "read_write" as const },
    ...moments.map((m) => ({ arena: `state_${m}`, access: "read_write" as const })),
  ].sort((x, y) => (x.arena < y.arena ? -1 : 1));
  const bindings = arenas.map(
    (b, i) =>
      `@group(0) @binding(${i}) var<storage, ${b.access === "read" ? "read" : "read_write"}> a_${b.arena}: array<f32>;`,
  );
  const wgsl = [
    `// k_${spec.name}: updates all ${count} parameter values in one dispatch`,
    `// ${JSON.stringify(spec.args)}`,
    "",
    ...bindings,
    `struct Step { ${uniformFields(clipping)
      .map((f) => `${f}: f32`)
      .join(", ")} }`,
    `@group(0) @binding(${arenas.length}) var<uniform> u: Step;`,
    "",
    `@compute @workgroup_size(${workgroupSize})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
    `  let i = gid.x + gid.y * nwg.x * ${workgroupSize}u;`,
    `  if (i >= ${count}u) { return; }`,
    ...(clipping
      ? [
          `  let norm = a_outputs[${normAt}];`,
          "  let g = a_grads[i] * select(1.0, u.clip / norm, u.clip > 0.0 && norm > u.clip);",
        ]
      : ["  let g = a_grads[i];"]),
    "  var p = a_params[i];",
    ...lines.map((l) => "  " + l),
    "  a_params[i] = p;",
    "}",
    "",
  ].join("\n");
  return {
    moments,
    source: {
      name: `k_${spec.name}`,
      wgsl,
      arenas: [...arenas, { arena: "uniform", access: "uniform" }],
      workgroupSize: [workgroupSize, 1, 1],
      workgroups: dispatchSize(count),
      ops: [spec.name],
      flops: 10 * count,
      bytesRead: 4 * count * (2 + moments.length),
      bytesWritten: 4 * count * (1 + moments.length),
    },
  };
}
