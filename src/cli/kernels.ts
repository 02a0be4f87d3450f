/**
 * @file `grove kernels FILE`: one row per dispatch of the training step (fused ops, FLOPs, bytes
 * read and written, workgroups, and with `--profile` the measured GPU time), then totals.
 */
import type { Plan } from "../codegen/plan.js";
import type { Io } from "./io.js";
import { bindingLimits, compiledOf, loadChecked } from "./load.js";

export interface KernelsOptions {
  /** Train settings from `--set`, each `key = value`. */
  readonly set?: readonly string[];
  /** The folder imports may reach (`--import-root`); default: the file's own folder. */
  readonly importRoot?: string;
  readonly fuse: boolean;
  readonly profile: boolean;
  readonly batch?: number;
  readonly program: string;
  /** Matrix products with subgroup operations, as `grove train` compiles them on such devices. */
  readonly subgroups?: boolean;
  /** `--max-binding-size`: bytes one storage binding may hold (default: WebGPU's 128 MiB). */
  readonly maxBindingSize?: number;
}

export async function kernelsCommand(file: string, opts: KernelsOptions, io: Io): Promise<number> {
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
    const plan = compiledOf(
      checked,
      train,
      {
        fuse: opts.fuse,
        batch: opts.batch,
        device: { subgroups: opts.subgroups ?? false, ...bindingLimits(opts.maxBindingSize) },
      },
      io,
    )?.plan;
    if (!plan) return 1;
    if (!plan.programs[opts.program]) {
      io.err(
        `grove kernels: no program \`${opts.program}\`; plans have ${Object.keys(plan.programs).join(", ")}\n`,
      );
      return 2;
    }
    const times = opts.profile ? await profile(plan, opts.program, io) : undefined;
    if (opts.profile && !times) return 1;
    if (trains.length > 1) io.out(`# train ${train.model}\n`);
    io.out(table(plan, opts.program, times));
  }
  return 0;
}

async function profile(plan: Plan, program: string, io: Io): Promise<number[] | undefined> {
  const { acquireDevice, PlanRunner } = await import("../runtime/index.js");
  const { initialiseParams, randomInputs } = await import("../runtime/host-data.js");
  let gpu;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    io.err(`grove kernels --profile: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
  try {
    const runner = await PlanRunner.create(gpu.device, plan);
    initialiseParams(runner, plan, 0);
    randomInputs(runner, plan, 0);
    const step: Record<string, number> = { lr: 1e-3, bc1: 0.1, bc2: 0.001, step: 1 };
    if (plan.uniforms?.fields.includes("clip")) step.clip = 1;
    runner.writeUniforms(step);
    runner.run(program); // warm up: first use pays for pipeline setup
    const times = await runner.profile(program);
    runner.destroy();
    if (!times) {
      io.err("grove kernels --profile: this adapter has no timestamp-query feature\n");
      return undefined;
    }
    return times.map((t) => t.ms);
  } finally {
    gpu.close();
  }
}

function table(plan: Plan, program: string, times?: readonly number[]): string {
  const rows = plan.programs[program]!.dispatches.map((d, i) => {
    const k = plan.kernels[d.kernel]!;
    const wg = d.workgroups[0] * d.workgroups[1] * d.workgroups[2];
    return [
      k.name,
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
    "fused ops",
    "flops",
    "read",
    "written",
    "workgroups",
    ...(times ? ["gpu ms"] : []),
  ];
  const widths = head.map((h, c) =>
    Math.min(c === 1 ? 48 : 24, Math.max(h.length, ...rows.map((r) => r[c]!.length))),
  );
  const line = (r: string[]) =>
    r
      .map((v, c) => (c <= 1 ? v.slice(0, widths[c]).padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join("  ");
  const dispatches = plan.programs[program]!.dispatches;
  const bytes = dispatches.reduce(
    (s, d) => s + plan.kernels[d.kernel]!.bytesRead + plan.kernels[d.kernel]!.bytesWritten,
    0,
  );
  const flops = dispatches.reduce((s, d) => s + plan.kernels[d.kernel]!.flops, 0);
  return [
    line(head),
    ...rows.map(line),
    "",
    `program ${program}: ${dispatches.length} dispatches per step, ${fmt(flops)} flops, ${fmt(bytes)} bytes moved` +
      (times ? `, ${times.reduce((s, t) => s + t, 0).toFixed(3)} ms GPU` : ""),
    `peak memory: ${fmt(plan.peakBytes)} bytes in ${plan.buffers.length} buffers`,
    "",
  ].join("\n");
}

function fmt(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}
