/**
 * @file Optimizer update kernels. Parameters live in an arena, their gradients in another with
 * the same layout, and each moment in its own, all split into the same chunks; one dispatch
 * updates every parameter of a chunk. Each optimizer (src/ops/optimizers.ts) has its row in
 * `updateRules`; the moments it keeps and its per-step scalars come from its schema record.
 * Constant hyper-parameters are baked into the WGSL; the learning rate and Adam's bias
 * corrections change per step and come from the uniform buffer, whose values for a step
 * `stepScalars` computes on the host.
 *
 * Parameter groups (a train section's `freeze` and `groups`): the kernel of a chunk holding
 * parameters with rules tests the element's range. A frozen range returns before anything is
 * read (no update, no weight decay, moments stay 0); a group's range runs the same update with its
 * own baked `weight_decay` and its learning rate `u.lr * lrScale`. Without rules the kernel is
 * exactly what it was before groups existed.
 */
import { InternalError } from "../diag/diagnostic.js";
import {
  optimizerMoments,
  optimizerRow,
  optimizerScalars,
  withWeightDecay,
  type Moment,
  type OptimizerArgs,
  type OptimizerRows,
  type OptimizerSpec,
} from "../ops/optimizers.js";
import type { ParamRule } from "../parser/check/values.js";
import { comment } from "../diag/escape.js";
import type { Location } from "./kernel.js";
import { dispatchSize, type KernelSource } from "./kernel-module.js";
import { workgroupSize } from "./tiles.js";
import { chunkName } from "./memory.js";
import { f32Literal } from "./wgsl/writer.js";

/**
 * Per-step scalars the optimizer kernel reads, in uniform-buffer order. With gradient clipping a
 * fifth, `clip`, holds the largest allowed global gradient norm (0: no clipping).
 */
export function uniformFields(clipping: boolean): string[] {
  return ["lr", "bc1", "bc2", "step", ...(clipping ? ["clip"] : [])];
}

/** The values of every per-step uniform `uniformFields` can name. */
export interface StepUniforms {
  /** The learning rate after the schedule. */
  readonly lr: number;
  /** Adam's bias corrections `1 - beta1^t` and `1 - beta2^t`; 1 for other optimizers. */
  readonly bc1: number;
  readonly bc2: number;
  /** The 1-based global step `t`. */
  readonly step: number;
  /** The largest allowed global gradient norm; 0: no clipping. */
  readonly clip: number;
}

/**
 * The per-step scalars of 1-based step `step` for `spec`, whose learning rate after the schedule
 * is `lr`: the one place the host computes what the update kernel reads from its uniforms.
 */
export function stepScalars(spec: OptimizerSpec, step: number, lr: number, clip = 0): StepUniforms {
  return { lr, ...optimizerScalars(spec, step), step, clip };
}

/**
 * The uniform values a plan asks for, `fields` (its `uniforms.fields`) in order, from a step's
 * scalars. A field this module does not define is a compiler bug.
 */
export function uniformValues(
  fields: readonly string[],
  scalars: StepUniforms,
): Record<string, number> {
  const all: Readonly<Record<string, number>> = { ...scalars };
  const out: Record<string, number> = {};
  for (const f of fields) {
    if (!Object.hasOwn(all, f))
      throw new InternalError(`the plan needs the uniform \`${f}\`, which no optimizer defines`);
    out[f] = all[f]!;
  }
  return out;
}

/** One chunk of the gradients: its arena name and element count. */
export interface GradChunk {
  readonly arena: string;
  readonly count: number;
}

/**
 * The global gradient norm ‖g‖₂ over every parameter, written to `norm` (in an outputs chunk)
 * where the optimizer and the host both read it. Each kernel is one workgroup's tree reduction (a single
 * workgroup, so its barriers stay cheap) over as many gradient chunks as it may bind besides
 * the norm's chunk: one kernel when they fit, else a sequence that accumulates the sum of squares
 * at `norm` and takes its square root in the last.
 */
export function gradNormKernels(
  chunks: readonly GradChunk[],
  norm: Location,
  maxStorageBuffers: number,
): KernelSource[] {
  const perKernel = Math.max(1, maxStorageBuffers - 1);
  const batches: GradChunk[][] = [];
  for (let i = 0; i < chunks.length; i += perKernel) batches.push(chunks.slice(i, i + perKernel));
  const total = chunks.reduce((s, c) => s + c.count, 0);
  return batches.map((batch, j) => {
    const size = 256;
    const name = batches.length === 1 ? "k_grad_norm" : `k_grad_norm_${j}`;
    const count = batch.reduce((s, c) => s + c.count, 0);
    const which = [
      ...(chunks.length > 1 ? [` in ${batch.map((c) => c.arena).join(", ")}`] : []),
      ...(batches.length > 1 ? [` (part ${j + 1} of ${batches.length})`] : []),
    ].join("");
    const at = `a_${norm.arena}[${norm.offset}]`;
    const sum = j === 0 ? "partial[0]" : `${at} + partial[0]`;
    const result = j === batches.length - 1 ? `sqrt(${sum})` : sum;
    const wgsl = [
      `// ${name}: the global L2 norm of all ${total} gradient values${which}, for clipping`,
      "// one workgroup: each invocation sums squares with a stride, then a tree reduction",
      "",
      ...batch.map(
        (c, i) => `@group(0) @binding(${i}) var<storage, read> a_${c.arena}: array<f32>;`,
      ),
      `@group(0) @binding(${batch.length}) var<storage, read_write> a_${norm.arena}: array<f32>;`,
      `var<workgroup> partial: array<f32, ${size}>;`,
      "",
      `@compute @workgroup_size(${size})`,
      "fn main(@builtin(local_invocation_index) li: u32) {",
      "  var s = 0.0;",
      ...batch.flatMap((c) => [
        `  for (var i = li; i < ${c.count}u; i = i + ${size}u) {`,
        `    let g = a_${c.arena}[i];`,
        "    s = fma(g, g, s);",
        "  }",
      ]),
      "  partial[li] = s;",
      "  workgroupBarrier();",
      `  for (var w = ${size / 2}u; w > 0u; w = w / 2u) {`,
      "    if (li < w) { partial[li] = partial[li] + partial[li + w]; }",
      "    workgroupBarrier();",
      "  }",
      `  if (li == 0u) { ${at} = ${result}; }`,
      "}",
      "",
    ].join("\n");
    return {
      name,
      wgsl,
      arenas: [
        ...batch.map((c) => ({ arena: c.arena, access: "read" as const })),
        { arena: norm.arena, access: "read_write" as const },
      ],
      workgroupSize: [size, 1, 1],
      workgroups: [1, 1, 1],
      ops: ["grad_norm"],
      flops: 2 * count,
      bytesRead: 4 * count,
      bytesWritten: 4,
    };
  });
}

export interface OptimizerKernel {
  readonly source: KernelSource;
  /** Moment arenas it needs, named `state_<moment>`. */
  readonly moments: readonly string[];
}

/** Elements `[start, end)` of a chunk that hold one parameter with a rule. */
export interface RuleRange {
  readonly start: number;
  readonly end: number;
  readonly rule: ParamRule;
}

/** The optimizer a parameter with `rule` follows: `spec` with the group's `weight_decay`. */
export function groupSpec(spec: OptimizerSpec, rule: ParamRule): OptimizerSpec {
  return rule.weightDecay === undefined ? spec : withWeightDecay(spec, rule.weightDecay);
}

/**
 * The update of one element `i`, as WGSL statements over p, g and the moment arenas (chunk
 * `chunk` of each); `lr` is the WGSL expression of the learning rate.
 */
function updateBody(
  spec: OptimizerSpec,
  chunk: number,
  lr = "u.lr",
): { moments: string[]; lines: string[] } {
  const { moments, lines } = updateLines(spec, chunk);
  return { moments, lines: lr === "u.lr" ? lines : lines.map((l) => l.replaceAll("u.lr", lr)) };
}

function updateLines(spec: OptimizerSpec, chunk: number): { moments: string[]; lines: string[] } {
  const moments = [...optimizerMoments(spec)];
  const state = (m: Moment) => `a_${chunkName(`state_${m}`, chunk)}[i]`;
  return { moments, lines: optimizerRow(updateRules, spec)({ m: state("m"), v: state("v") }) };
}

/** `g + wd * p` in WGSL, or `g` without weight decay. */
const decayed = (wd: number) => (wd ? `g + ${f32Literal(wd)} * p` : "g");

/**
 * Each optimizer's update of one element as WGSL statements over `p`, `g`, `u.lr` (and `u.bc1`,
 * `u.bc2`) and its moments (`state.m`, `state.v`: the moment arenas' elements); the moments are
 * those `optimizerMoments` gives.
 */
const updateRules: OptimizerRows<(state: Readonly<Record<Moment, string>>) => string[]> = {
  sgd: (a) => (state) => {
    const [L, mu] = [f32Literal, a.momentum];
    if (Math.fround(mu) === 0) return [`p = p - u.lr * (${decayed(a.weight_decay)});`];
    return [
      `let gd = ${decayed(a.weight_decay)};`,
      `let m = ${L(mu)} * ${state.m} + gd;`,
      `${state.m} = m;`,
      a.nesterov ? `p = p - u.lr * (gd + ${L(mu)} * m);` : "p = p - u.lr * m;",
    ];
  },
  adam: (a) => adamLines(a, a.weight_decay, 0),
  adamw: (a) => adamLines(a, 0, a.weight_decay),
  rmsprop: (a) => (state) => {
    const L = f32Literal;
    const lines = [
      `let gd = ${decayed(a.weight_decay)};`,
      `let v = ${L(a.alpha)} * ${state.v} + ${L(1 - a.alpha)} * gd * gd;`,
      `${state.v} = v;`,
    ];
    if (Math.fround(a.momentum) === 0)
      return [...lines, `p = p - u.lr * gd / (sqrt(v) + ${L(a.eps)});`];
    return [
      ...lines,
      `let m = ${L(a.momentum)} * ${state.m} + gd / (sqrt(v) + ${L(a.eps)});`,
      `${state.m} = m;`,
      "p = p - u.lr * m;",
    ];
  },
};

/** Adam's update with weight decay `coupled` (added to the gradient) or `decoupled` (adamw). */
function adamLines(
  a: OptimizerArgs<"adam">,
  coupled: number,
  decoupled: number,
): (state: Readonly<Record<Moment, string>>) => string[] {
  const L = f32Literal;
  return (state) => [
    `let gd = ${decayed(coupled)};`,
    `let m = ${L(a.beta1)} * ${state.m} + ${L(1 - a.beta1)} * gd;`,
    `let v = ${L(a.beta2)} * ${state.v} + ${L(1 - a.beta2)} * gd * gd;`,
    `${state.m} = m;`,
    `${state.v} = v;`,
    ...(decoupled !== 0 ? [`p = p - u.lr * ${L(decoupled)} * p;`] : []),
    `p = p - u.lr * (m / u.bc1) / (sqrt(v / u.bc2) + ${L(a.eps)});`,
  ];
}

/** A WGSL condition: `i` lies in one of `ranges`. */
const inRanges = (ranges: readonly RuleRange[]) =>
  ranges.map((r) => `(i >= ${r.start}u && i < ${r.end}u)`).join(" || ");

/** The key of a rule's update: ranges with equal keys share one branch. */
const ruleKey = (r: ParamRule) => `${r.lrScale ?? 1}/${r.weightDecay ?? "-"}`;

/**
 * The statements updating `p` from `g` in chunk `k`: the plain update, or with `ranges` a frozen
 * early return and one branch per distinct group (see the file comment).
 */
function groupedUpdate(
  spec: OptimizerSpec,
  k: number,
  ranges: readonly RuleRange[],
): { moments: string[]; frozen: string[]; lines: string[] } {
  const plain = updateBody(spec, k);
  const frozen = ranges.filter((r) => r.rule.frozen);
  const byKey = new Map<string, RuleRange[]>();
  for (const r of ranges)
    if (!r.rule.frozen) byKey.set(ruleKey(r.rule), [...(byKey.get(ruleKey(r.rule)) ?? []), r]);
  const frozenLines = frozen.length > 0 ? [`if (${inRanges(frozen)}) { return; }`] : [];
  if (byKey.size === 0) return { moments: plain.moments, frozen: frozenLines, lines: plain.lines };
  const lines: string[] = [];
  for (const group of byKey.values()) {
    const rule = group[0]!.rule;
    const scaled = rule.lrScale !== undefined && rule.lrScale !== 1;
    const body = updateBody(groupSpec(spec, rule), k, scaled ? "lr" : "u.lr");
    lines.push(
      `${lines.length === 0 ? "" : "} else "}if (${inRanges(group)}) {`,
      ...(scaled ? [`  let lr = u.lr * ${f32Literal(rule.lrScale!)};`] : []),
      ...body.lines.map((l) => "  " + l),
    );
  }
  lines.push("} else {", ...plain.lines.map((l) => "  " + l), "}");
  return { moments: plain.moments, frozen: frozenLines, lines };
}

/**
 * One kernel updating `count` parameters in place: all of them, or with `chunk` those of chunk
 * `chunk` of the parameter arena (gradients and moments are chunked the same way). With `norm`
 * (where the global gradient norm is) every gradient is first scaled by min(1, clip / ‖g‖).
 * `ranges` are the chunk's parameters with a rule (`freeze`, `groups`).
 */
export function optimizerKernel(
  spec: OptimizerSpec,
  count: number,
  norm?: Location,
  chunk?: number,
  ranges: readonly RuleRange[] = [],
): OptimizerKernel {
  const k = chunk ?? 0;
  const { moments, frozen, lines } = groupedUpdate(spec, k, ranges);
  const clipping = norm !== undefined;
  const [grads, params] = [chunkName("grads", k), chunkName("params", k)];
  const arenas = [
    { arena: grads, access: "read" as const },
    ...(norm ? [{ arena: norm.arena, access: "read" as const }] : []),
    { arena: params, access: "read_write" as const },
    ...moments.map((m) => ({ arena: chunkName(`state_${m}`, k), access: "read_write" as const })),
  ].sort((x, y) => (x.arena < y.arena ? -1 : 1));
  const name = chunk === undefined ? `k_${spec.name}` : `k_${spec.name}_${params}`;
  const bindings = arenas.map(
    (b, i) =>
      `@group(0) @binding(${i}) var<storage, ${b.access === "read" ? "read" : "read_write"}> a_${b.arena}: array<f32>;`,
  );
  const wgsl = [
    chunk === undefined
      ? `// ${name}: updates all ${count} parameter values in one dispatch`
      : `// ${name}: updates the ${count} parameter values in ${params}, one dispatch per chunk`,
    comment("wgsl", JSON.stringify(spec.args)),
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
    ...frozen.map((l) => "  " + l),
    ...(norm
      ? [
          `  let norm = a_${norm.arena}[${norm.offset}];`,
          `  let g = a_${grads}[i] * select(1.0, u.clip / norm, u.clip > 0.0 && norm > u.clip);`,
        ]
      : [`  let g = a_${grads}[i];`]),
    `  var p = a_${params}[i];`,
    ...lines.map((l) => "  " + l),
    `  a_${params}[i] = p;`,
    "}",
    "",
  ].join("\n");
  return {
    moments,
    source: {
      name,
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
