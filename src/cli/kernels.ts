/**
 * @file `grove kernels FILE`: one row per dispatch of the training step (the fusion rule that
 * decided its group boundaries, fused ops, FLOPs, bytes read and written, workgroups, and with
 * `--profile` the measured GPU time), then totals, peak memory and what rematerialisation decided;
 * `--compare A B [C]` does so for two or three fusion or rematerialisation policies and sets their
 * totals side by side; `--report FILE.html` writes the page (report.ts).
 */
import { bytesMoved } from "../codegen/budget.js";
import type { CompiledPlan } from "../codegen/compile.js";
import type { KernelOrigin } from "../codegen/emit.js";
import { describePolicy, PolicyError } from "../codegen/fusion-policy.js";
import type { Plan } from "../codegen/plan.js";
import { kernelCode } from "../codegen/share-kernels.js";
import { choiceFromSpec, policyFromFlags, type FusionChoice } from "./fusion-flags.js";
import type { Io } from "./io.js";
import { rematPolicies, type RematPolicy, type RematReport } from "../ir/remat.js";
import { bindingLimits, compiledOf, loadChecked } from "./load.js";
import type { CommandOptions } from "./commands.js";

export type KernelsOptions = CommandOptions<"kernels">;

/** One compiled variant: what it was asked as, and its plan. */
interface Variant {
  readonly label: string;
  readonly compiled: CompiledPlan;
}

/** A variant to compile: its fusion and, when it names one, its rematerialisation policy. */
interface Choice extends FusionChoice {
  readonly remat?: RematPolicy | undefined;
}

export async function kernelsCommand(file: string, opts: KernelsOptions, io: Io): Promise<number> {
  if (opts.compare && (opts.compare.length < 2 || opts.compare.length > 3)) {
    io.err(`grove kernels: --compare takes two or three policies, not ${opts.compare.length}\n`);
    return 2;
  }
  const choices = fusionChoices(opts, io);
  if (!choices) return 2;
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const trains = checked.program.trains;
  if (trains.length === 0) {
    io.err(`grove kernels: ${file} has no train section to compile\n`);
    return 1;
  }
  for (const train of trains) {
    const variants: Variant[] = [];
    for (const [label, choice] of choices) {
      const compiled = compiledOf(
        checked,
        train,
        {
          fuse: choice.fuse,
          fusion: choice.policy,
          remat: choice.remat ?? opts.remat,
          memoryBudget: opts.memoryBudget,
          batch: opts.batch,
          device: { subgroups: opts.subgroups ?? false, ...bindingLimits(opts.maxBindingSize) },
        },
        io,
      );
      if (!compiled) return 1;
      variants.push({ label, compiled });
    }
    const plan = variants[0]!.compiled.plan;
    if (!plan.programs[opts.program]) {
      io.err(
        `grove kernels: no program \`${opts.program}\`; plans have ${Object.keys(plan.programs).join(", ")}\n`,
      );
      return 2;
    }
    const times = opts.profile
      ? await profile(
          variants.map((v) => v.compiled.plan),
          opts.program,
          io,
        )
      : undefined;
    if (opts.profile && !times) return 1;
    if (trains.length > 1) io.out(`# train ${train.model}\n`);
    variants.forEach((v, i) => {
      if (variants.length > 1) io.out(`# ${letter(i)}: ${v.label}\n`);
      io.out(table(v.compiled, opts.program, times?.[i]));
    });
    if (variants.length > 1) io.out(comparison(variants, opts.program, times));
    if (opts.report) {
      const { writeReport } = await import("./report.js");
      const ok = writeReport(
        opts.report,
        {
          file,
          label: variants[0]!.label,
          compiled: variants[0]!.compiled,
          program: opts.program,
          sources: checked.sources.texts(),
          ...(times ? { times: times[0]! } : {}),
        },
        io,
      );
      if (!ok) return 1;
    }
  }
  return 0;
}

/** The policies to compile with, labelled; undefined after printing why a flag is wrong. */
function fusionChoices(opts: KernelsOptions, io: Io): (readonly [string, Choice])[] | undefined {
  const policy = policyFromFlags("kernels", opts, io);
  if (!policy) return undefined;
  const flags: FusionChoice = { fuse: opts.fuse, policy };
  if (opts.compare) {
    try {
      return opts.compare.map((spec) => [spec, choiceFromCompare(spec, flags)] as const);
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      io.err(`grove kernels: --compare: ${e.message}\n`);
      return undefined;
    }
  }
  const label = opts.fuse ? describePolicy(policy) : "unfused";
  return [[label, flags]];
}

/** A rematerialisation policy's name keeps the command's fusion; anything else is a fusion spec. */
function choiceFromCompare(spec: string, flags: FusionChoice): Choice {
  const remat = rematPolicies.find((p) => p === spec);
  return remat ? { ...flags, remat } : choiceFromSpec(spec);
}

const letter = (i: number) => String.fromCharCode(65 + i);

/** GPU time of each dispatch of `program` in each plan, measured on one device. */
async function profile(
  plans: readonly Plan[],
  program: string,
  io: Io,
): Promise<number[][] | undefined> {
  const { acquireDevice } = await import("../runtime/index.js");
  let gpu;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    io.err(`grove kernels --profile: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
  try {
    const all: number[][] = [];
    for (const plan of plans) {
      const times = await profileOne(gpu.device, plan, program);
      if (!times) {
        io.err("grove kernels --profile: this adapter has no timestamp-query feature\n");
        return undefined;
      }
      all.push(times);
    }
    return all;
  } finally {
    gpu.close();
  }
}

async function profileOne(
  device: GPUDevice,
  plan: Plan,
  program: string,
): Promise<number[] | undefined> {
  const { PlanRunner } = await import("../runtime/index.js");
  const { initialiseParams, randomInputs } = await import("../runtime/host-data.js");
  const runner = await PlanRunner.create(device, plan);
  try {
    initialiseParams(runner, plan, 0);
    randomInputs(runner, plan, 0);
    const step: Record<string, number> = { lr: 1e-3, bc1: 0.1, bc2: 0.001, step: 1 };
    if (plan.uniforms?.fields.includes("clip")) step.clip = 1;
    runner.writeUniforms(step);
    runner.run(program); // warm up: first use pays for pipeline setup
    const times = await runner.profile(program);
    return times?.map((t) => t.ms);
  } finally {
    runner.destroy();
  }
}

/** Which rule decided a kernel's group boundaries (one per part, distinct, in order). */
export function kernelRule(origin: KernelOrigin | undefined): string {
  if (!origin) return "";
  if (origin.role === "state") return "state update";
  if (origin.role !== "fused") return origin.role === "copy" ? "alias" : origin.role;
  return [...new Set(origin.groups.map((g) => g.rule))].join(",");
}

/** Totals of one program of a plan. */
export function totals(plan: Plan, program: string) {
  const dispatches = plan.programs[program]!.dispatches;
  const kernels = dispatches.map((d) => plan.kernels[d.kernel]!);
  return {
    dispatches: dispatches.length,
    flops: kernels.reduce((s, k) => s + k.flops, 0),
    bytes: bytesMoved(plan, program),
    peak: plan.peakBytes,
    temps: plan.buffers.filter((b) => b.kind === "temp").reduce((s, b) => s + b.bytes, 0),
  };
}

/** `--compare`: the variants' totals side by side, and each relative to the first (A). */
function comparison(
  variants: readonly Variant[],
  program: string,
  times: readonly (readonly number[])[] | undefined,
): string {
  const all = variants.map((v) => totals(v.compiled.plan, program));
  const gpu = times?.map((t) => t.reduce((s, x) => s + x, 0));
  const rows: [string, number[], (n: number) => string][] = [
    ["dispatches", all.map((t) => t.dispatches), String],
    ["flops", all.map((t) => t.flops), fmt],
    ["bytes moved", all.map((t) => t.bytes), fmt],
    ["peak memory", all.map((t) => t.peak), fmt],
    ["temporaries", all.map((t) => t.temps), fmt],
    ["saved for backward", variants.map((v) => v.compiled.remat?.report.savedBytes ?? 0), fmt],
    ...(gpu
      ? [["gpu ms", gpu, (n: number) => n.toFixed(3)] as [string, number[], (n: number) => string]]
      : []),
  ];
  const names = variants.map((_, i) => letter(i));
  const ratios = names.slice(1).map((n) => `${n}/A`);
  const cells = [
    ["", ...names, ...ratios],
    ...rows.map(([name, xs, f]) => [
      name,
      ...xs.map(f),
      ...xs.slice(1).map((y) => (xs[0] === 0 ? "-" : (y / xs[0]!).toFixed(2))),
    ]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join("  ");
  const labels = variants.map((v, i) => `${letter(i)} = ${v.label}`).join(", ");
  return [`# compare ${program}: ${labels}`, ...cells.map(line), ""].join("\n");
}

function table(compiled: CompiledPlan, program: string, times?: readonly number[]): string {
  const plan = compiled.plan;
  const rows = plan.programs[program]!.dispatches.map((d, i) => {
    const k = plan.kernels[d.kernel]!;
    const wg = d.workgroups[0] * d.workgroups[1] * d.workgroups[2];
    return [
      k.name,
      kernelRule(compiled.origins?.[d.kernel]),
      [...new Set(k.ops)].join(" "),
      fmt(k.flops),
      fmt(k.bytesRead),
      fmt(k.bytesWritten),
      String(wg),
      ...(times ? [times[i]!.toFixed(3)] : []),
    ];
  });
  const head = [
    "kernel",
    "rule",
    "fused ops",
    "flops",
    "read",
    "written",
    "workgroups",
    ...(times ? ["gpu ms"] : []),
  ];
  const widths = head.map((h, c) =>
    Math.min([32, 40, 48][c] ?? 24, Math.max(h.length, ...rows.map((r) => r[c]!.length))),
  );
  const line = (r: string[]) =>
    r
      .map((v, c) => (c <= 2 ? v.slice(0, widths[c]).padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join("  ");
  const { dispatches, flops, bytes } = totals(plan, program);
  return [
    line(head),
    ...rows.map(line),
    "",
    `program ${program}: ${dispatches} dispatches per step, ${fmt(flops)} flops, ${fmt(bytes)} bytes moved` +
      (times ? `, ${times.reduce((s, t) => s + t, 0).toFixed(3)} ms GPU` : ""),
    memoryLine(plan),
    ...(compiled.remat ? [rematLine(compiled.remat.report)] : []),
    "",
  ].join("\n");
}

/** Peak memory and its buffers; the offset tables of shared kernels are counted apart. */
function memoryLine(plan: Plan): string {
  const tables = plan.buffers.filter((b) => b.values).length;
  const shared =
    tables > 0
      ? `, and the offsets of ${tables} kernels sharing code (${new Set(plan.kernels.map((k) => `${k.bindings.join()}\n${kernelCode(k)}`)).size} distinct kernels)`
      : "";
  const temps = plan.buffers.filter((b) => b.kind === "temp").reduce((s, b) => s + b.bytes, 0);
  return `peak memory: ${fmt(plan.peakBytes)} bytes in ${plan.buffers.length - tables} buffers (temporaries ${fmt(temps)})${shared}`;
}

/** What the rematerialisation policy decided, in one line. */
function rematLine(r: RematReport): string {
  const store =
    r.policy === "store" ? "" : `; store reads ${r.activations}, ${fmt(r.activationBytes)} bytes`;
  return (
    `remat ${r.policy}: the backward reads ${r.saved.length} forward values stored ` +
    `(${fmt(r.savedBytes)} bytes${store}) and recomputes ${r.recomputed.length || "none"}`
  );
}

export function fmt(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}
