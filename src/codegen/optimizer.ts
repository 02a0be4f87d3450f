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

/** Per-step scalars every optimizer kernel reads, in uniform-buffer order. */
export const uniformFields = ["lr", "bc1", "bc2", "step"] as const;

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
export function optimizerKernel(spec: OptimizerSpec, count: number): OptimizerKernel {
  const { moments, lines } = updateBody(spec);
  const arenas = [
    { arena: "grads", access: "read" as const },
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
    `struct Step { ${uniformFields.map((f) => `${f}: f32`).join(", ")} }`,
    `@group(0) @binding(${arenas.length}) var<uniform> u: Step;`,
    "",
    `@compute @workgroup_size(${workgroupSize})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
    `  let i = gid.x + gid.y * nwg.x * ${workgroupSize}u;`,
    `  if (i >= ${count}u) { return; }`,
    "  let g = a_grads[i];",
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
