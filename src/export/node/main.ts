/**
 * @file The driver of an exported Node program (`node train.mjs`): reads the flags, the data (from
 * `data/` beside the program or `--data DIR`) and a checkpoint to resume, takes a WebGPU device
 * (Dawn's `webgpu` package; its instance lives as long as the process, see `device.ts`), and runs
 * the training session over the program's plans (`runSession` with `planRunners`), printing and
 * logging like `grove train` and saving checkpoints with the same rotation. The first Ctrl-C stops
 * after the current step with a checkpoint (exit 130), the second at once. Every problem the user
 * can fix is one line `train.mjs: ...` (exit 1; 2 for a bad flag).
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan } from "../../codegen/plan.js";
import { visibleText } from "../../diag/escape.js";
import { acquireDevice } from "../../runtime/device.js";
import { NoAdapterError } from "../../runtime/errors.js";
import { checkPlan, subgroupProblem } from "../../runtime/check-plan.js";
import { readCheckpoint } from "../../runtime/checkpoint.js";
import { fileCheckpointStore } from "../../runtime/checkpoint-store.js";
import { decodeTrainingMeta, type TrainingMeta } from "../../runtime/checkpoint-meta.js";
import { DataError } from "../../runtime/data/read-file.js";
import { CheckpointError } from "../../runtime/safetensors.js";
import type { Splits } from "../../runtime/data/types.js";
import { DivergedError, InterruptedError } from "../../session/errors.js";
import { checkLoaded, type LoadedCheckpoint } from "../../session/evaluate.js";
import { introLine, resumeLine } from "../../session/report-text.js";
import { CheckpointRotation } from "../../session/rotation.js";
import { refusalText, resolveRun, runSeed, RunSpecError } from "../../session/run-spec.js";
import { planRunners } from "../../session/runners.js";
import { runSession } from "../../session/session.js";
import { shellCommand, stopOnInterrupt } from "./terminal.js";
import { programProblem, planSizes, seedProblem, splitCounts } from "../program/checks.js";
import type { ExportedProgram } from "../program/program.js";
import { sizesProblem } from "../program/sizes.js";
import type { SourceReader } from "../program/sources.js";
import { parseFlags, usage, type ProgramFlags } from "./flags.js";
import { ProgramOutput } from "./output.js";

const NAME = "train.mjs";

/** Prints `train.mjs: MESSAGE` on one line (paths in it may hold line breaks: escaped). */
const fail = (message: string, code = 1): number => {
  process.stderr.write(`${NAME}: ${visibleText(message)}\n`);
  return code;
};

/** A thrown error the user can act on, as its one line; anything else is rethrown. */
function userError(e: unknown): string {
  const known = [DataError, CheckpointError, RunSpecError, NoAdapterError, DivergedError];
  if (known.some((k) => e instanceof k)) return (e as Error).message;
  throw e;
}

/** What the run reads before it trains. */
interface Loaded {
  readonly data: Splits;
  /** The checkpoint `--resume` names, read and checked, with its decoded metadata. */
  readonly resumed?: { readonly checkpoint: LoadedCheckpoint; readonly meta: TrainingMeta };
}

/** Reads `--resume` and the data; the message of the first problem otherwise. */
function load(program: RunnableProgram, flags: ProgramFlags, home: string): Loaded | string {
  let resume: LoadedCheckpoint | undefined;
  try {
    if (flags.resume !== undefined) {
      resume = { path: flags.resume, checkpoint: readCheckpoint(flags.resume) };
      checkLoaded(resume);
    }
    const meta = resume && decodeTrainingMeta(resume.checkpoint, resume.path);
    const seed = runSeed(program.settings, flags, meta && { path: resume!.path, meta });
    const dir = flags.data ?? join(home, "data");
    const data = readData(program, dir, seed);
    return { data, ...(resume && meta ? { resumed: { checkpoint: resume, meta } } : {}) };
  } catch (e) {
    return userError(e);
  }
}

/** The program's data from `dir`; a missing file says where the data should be. */
function readData(program: RunnableProgram, dir: string, seed: number): Splits {
  try {
    return program.read(program.data, dir, seed);
  } catch (e) {
    if (!(e instanceof DataError) || program.data.included) throw e;
    throw new DataError(
      `${e.message} (this program was exported without its data: pass --data DIR, a folder with ${program.data.files.join(", ")})`,
    );
  }
}

/** Why the device cannot run the plans (subgroups, binding limits), or undefined. */
export function deviceProblem(device: GPUDevice, plans: readonly Plan[]): string | undefined {
  const kernels = plans.flatMap((p) => p.kernels);
  const again = "export the program again on this machine, or with --portable for any device";
  const subgroups = subgroupProblem(kernels, device.features, device.adapterInfo);
  if (subgroups) return `${subgroups.split(";")[0]}; ${again}`;
  try {
    for (const plan of plans) checkPlan(plan, device.limits);
  } catch (e) {
    return `${(e as Error).message.split(";")[0]}; ${again}`;
  }
  return undefined;
}

/** The command that continues an interrupted run. */
function resumeCommand(path: string, flags: ProgramFlags): string {
  const args = ["node", NAME, "--resume", path];
  if (flags.epochs !== undefined) args.push("--epochs", String(flags.epochs));
  if (flags.data !== undefined) args.push("--data", flags.data);
  return shellCommand(args);
}

/** A program with its data reader, as `train.mjs` hands it over. */
export type RunnableProgram = ExportedProgram & { readonly read: SourceReader };

/**
 * Runs the program with the command line `argv`; `programUrl` is `train.mjs`'s `import.meta.url`
 * (its folder holds `data/` and `checkpoints/`). Resolves to the exit code.
 */
export async function runNodeProgram(
  program: RunnableProgram,
  argv: readonly string[],
  programUrl: string,
): Promise<number> {
  const home = dirname(fileURLToPath(programUrl));
  const broken = programProblem(program);
  if (broken) return fail(broken);
  const flags = parseFlags(argv);
  if (typeof flags === "string") return fail(`${flags} (node ${NAME} --help lists them)`, 2);
  if (flags.help) {
    process.stdout.write(usage(NAME));
    return 0;
  }
  const seedRefused = seedProblem(program, flags.seed);
  if (seedRefused) return fail(seedRefused);
  const model = program.settings.model;
  const checkpoint =
    flags.checkpoint ?? flags.resume ?? join(home, "checkpoints", `${model}.safetensors`);
  try {
    mkdirSync(dirname(checkpoint), { recursive: true });
  } catch (e) {
    return fail(
      `cannot create the folder ${dirname(checkpoint)} for the checkpoint (${(e as { code?: string }).code})`,
    );
  }
  const loaded = load(program, flags, home);
  if (typeof loaded === "string") return fail(loaded);
  const { data } = loaded;
  const resume = loaded.resumed?.checkpoint;
  const at = loaded.resumed?.meta;
  const resumed = resume && at ? { path: resume.path, meta: at } : undefined;
  const { spec, refusals } = resolveRun(program.settings, flags, data.train.count, resumed);
  if (refusals[0]) return fail(refusalText(refusals[0]));
  const counts = splitCounts(data);
  const sizes = sizesProblem(planSizes(program), counts, spec.batch);
  if (sizes) return fail(`${sizes}; export the program again with this data`);
  let gpu;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    return fail(userError(e));
  }
  const plans = new Map(Object.entries(program.plans).map(([size, p]) => [Number(size), p]));
  const unfit = deviceProblem(gpu.device, [...plans.values()]);
  if (unfit) {
    gpu.close();
    return fail(unfit);
  }
  const out = new ProgramOutput(spec);
  const logFailed = flags.logJson !== undefined ? out.openLog(flags.logJson) : undefined;
  if (logFailed) {
    gpu.close();
    return fail(logFailed);
  }
  out.say(
    introLine({ model, source: program.data.source, counts, spec, maxSteps: flags.maxSteps }),
  );
  if (at) out.say(resumeLine(resume!.path, at, spec));
  const warn = (text: string) => out.warn(text);
  try {
    const result = await stopOnInterrupt(NAME, warn, (signal) =>
      runSession({
        train: program.settings,
        runners: () => planRunners(gpu.device, plans),
        data,
        ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        ...(flags.maxSteps !== undefined ? { maxSteps: flags.maxSteps } : {}),
        checkpoints: (kept) => new CheckpointRotation(checkpoint, fileCheckpointStore, kept),
        ...(resume ? { resume } : {}),
        sourceFile: program.sourceFile,
        signal,
        onWarning: (m) => out.warn(`warning: ${m}\n`),
        onCheckpoint: (c) => out.log({ event: "checkpoint", ...c }),
        onStep: (s) => out.step(s),
        onEpoch: (e) => out.epoch(e),
      }),
    );
    out.result(result);
    return 0;
  } catch (e) {
    out.endProgress();
    if (e instanceof InterruptedError) {
      out.log({ event: "interrupted", step: e.step, checkpoint: e.path });
      const hint = e.path ? `; resume with: ${resumeCommand(e.path, flags)}` : "";
      return fail(`${e.message}${hint}`, 130);
    }
    return fail(userError(e));
  } finally {
    out.close();
    gpu.close();
  }
}
