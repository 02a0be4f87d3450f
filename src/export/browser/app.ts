/**
 * @file The exported page's program (bundled into `grove-app.js`): it checks for WebGPU and says
 * plainly how to get it when there is none, fetches `program.json` and the data files (mounted for
 * Grove's data readers, gzip files decompressed), then trains with the training session over the
 * program's plans on `navigator.gpu`, as `grove train` does: the same lines (intro, epochs,
 * result) and progress line, a live chart (`chart.ts`), a progress bar, Pause / Continue (a pause
 * stops after the current step with a checkpoint in memory, Continue resumes from it: the same
 * steps as an unbroken run), and a button that downloads the last checkpoint (`.safetensors`).
 * URL parameters: `max-steps`, `epochs`, `seed`. `globalThis.groveRun` holds the run's state,
 * steps and epochs for tests and for the curious.
 */
import type { Plan } from "../../codegen/plan.js";
import { readDecimal } from "../../diag/decimal.js";
import { acquireDevice } from "../../runtime/device.js";
import { NoAdapterError } from "../../runtime/errors.js";
import { checkPlan } from "../../runtime/check-plan.js";
import { decodeTrainingMeta, MAX_COUNT, MAX_SEED } from "../../runtime/checkpoint-meta.js";
import type { Splits } from "../../runtime/data/types.js";
import { decodeSafetensors } from "../../runtime/safetensors.js";
import { InterruptedError } from "../../session/errors.js";
import type { LoadedCheckpoint } from "../../session/evaluate.js";
import { ProgressBar, renderProgress } from "../../session/progress.js";
import type { EpochReport, StepReport, TrainResult } from "../../session/reports.js";
import {
  epochLine,
  introLine,
  resultLines,
  resumeLine,
  RunningMeans,
} from "../../session/report-text.js";
import { CheckpointRotation, MemoryCheckpointStore } from "../../session/rotation.js";
import {
  resolveRun,
  refusalText,
  type RunOverrides,
  type RunSpec,
} from "../../session/run-spec.js";
import { planRunners } from "../../session/runners.js";
import { runSession } from "../../session/session.js";
import { planSizes, programProblem, seedProblem, splitCounts } from "../program/checks.js";
import type { ExportedProgram } from "../program/program.js";
import { sizesProblem } from "../program/sizes.js";
import type { SourceReader } from "../program/sources.js";
import { LiveChart } from "./chart.js";
import { page, type PageElement } from "./dom.js";
import { mount } from "./shims/fs.js";

/** What the page says when there is no WebGPU, and how to get it. */
export const NO_WEBGPU =
  "This page trains a neural network on your GPU with WebGPU, and this browser does not offer " +
  "WebGPU. Open it in a current Chrome or Edge (version 113 or later) or Safari 26 or later; on " +
  "Linux, start Chrome or Chromium with the flag --enable-unsafe-webgpu.";

export const NO_ADAPTER =
  "This browser has WebGPU but found no GPU adapter to train on (WebGPU may be turned off or the " +
  "GPU blocklisted: chrome://gpu says why). On Linux, start Chrome or Chromium with the flag " +
  "--enable-unsafe-webgpu; elsewhere, update the browser and the graphics driver.";

/** The run as tests and the curious see it (`globalThis.groveRun`). */
interface RunState {
  state: "loading" | "training" | "paused" | "done" | "failed" | "no-webgpu";
  readonly steps: StepReport[];
  readonly epochs: EpochReport[];
  result?: TrainResult;
  error?: string;
}

const byId = (id: string): PageElement => page.document.getElementById(id)!;

/** The page's elements and what they show. */
class View {
  readonly run: RunState = { state: "loading", steps: [], epochs: [] };
  readonly chart = new LiveChart(
    (svg) => (byId("chart").innerHTML = svg),
    (draw) => page.requestAnimationFrame(draw),
  );

  constructor() {
    (globalThis as { groveRun?: RunState }).groveRun = this.run;
  }

  set(state: RunState["state"], status?: string): void {
    this.run.state = state;
    page.document.body.dataset.state = state;
    if (status !== undefined) byId("status").textContent = status;
  }

  /** The page cannot train: says why (and how to fix it) in place of the run. */
  cannot(state: "no-webgpu" | "failed", message: string): void {
    if (state === "failed") this.run.error = message;
    const box = byId(state === "no-webgpu" ? "no-webgpu" : "error");
    box.textContent = message;
    box.hidden = false;
    if (state === "no-webgpu") byId("run").hidden = true;
    this.set(state, state === "no-webgpu" ? "no WebGPU" : "stopped");
  }

  say(line: string): void {
    byId("log").append(line);
  }

  /** Step `s` was taken: its progress line, and the run's progress `fraction` for the bar. */
  step(s: StepReport, progress: string, fraction: number): void {
    this.run.steps.push(s);
    byId("progress-text").textContent = progress;
    byId("fill").style.width = `${(100 * fraction).toFixed(1)}%`;
    this.chart.step(s);
  }

  epoch(e: EpochReport, step: number): void {
    this.run.epochs.push(e);
    this.chart.epoch({ ...e, step });
  }
}

/** The URL's `max-steps`, `epochs` and `seed`, or why one is not a whole number in range. */
function urlOverrides(): RunOverrides | string {
  const params = new URL(page.location.href).searchParams;
  const out: Record<string, number> = {};
  // The ranges of train.mjs's flags and grove train's: a seed is any u32.
  const rules: [string, keyof RunOverrides, number, number][] = [
    ["max-steps", "maxSteps", 1, MAX_COUNT],
    ["epochs", "epochs", 1, MAX_COUNT],
    ["seed", "seed", 0, MAX_SEED],
  ];
  for (const [name, key, min, max] of rules) {
    const text = params.get(name);
    if (text === null) continue;
    const n = readDecimal(text, { min, max, whole: true });
    if (n === undefined)
      return `the URL parameter ${name} must be a whole number from ${min} to ${max}`;
    out[key] = n;
  }
  return out;
}

/**
 * Fetches `url` into the readers' file system at `path`, gunzipped when `unzip` and the bytes are
 * gzip; false when the server has no such file (the reader then says it is missing, as in Node).
 */
export async function fetchInto(url: string, path: string, unzip: boolean): Promise<boolean> {
  const response = await fetch(url);
  if (!response.ok) return false;
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (unzip && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  mount(path, bytes);
  return true;
}

/** Fetches the program's data files into the readers' file system (`data/NAME`). */
async function fetchData(program: ExportedProgram): Promise<void> {
  const unzip = program.data.gzipFiles === true;
  for (const name of program.data.files)
    await fetchInto(`data/${encodeURIComponent(name)}`, `data/${name}`, unzip);
}

/** Why the device cannot run the plans (binding limits), or undefined. */
function deviceProblem(device: GPUDevice, plans: readonly Plan[]): string | undefined {
  try {
    for (const plan of plans) checkPlan(plan, device.limits);
    return undefined;
  } catch (e) {
    return `${(e as Error).message.split(";")[0]}; this GPU is too small for the model`;
  }
}

/** The training loop of the page: runs, pauses (a checkpoint in memory), continues. */
class Training {
  private readonly store = new MemoryCheckpointStore();
  private readonly path: string;
  private readonly bar = new ProgressBar({ write: () => {} });
  private readonly means = new RunningMeans();
  private epochStart = performance.now();
  private controller = new AbortController();
  private resume: LoadedCheckpoint | undefined;
  private continued: (() => void) | undefined;

  constructor(
    private readonly view: View,
    private readonly program: ExportedProgram,
    private readonly device: GPUDevice,
    private readonly data: Splits,
    private readonly overrides: RunOverrides,
    private spec: RunSpec,
  ) {
    this.path = `${program.settings.model}.safetensors`;
    byId("pause").addEventListener("click", () => this.toggle());
    byId("download").addEventListener("click", () => this.download());
  }

  private toggle(): void {
    if (this.view.run.state === "training") {
      byId("pause").disabled = true;
      byId("pause").textContent = "Pausing…";
      this.controller.abort();
    } else if (this.view.run.state === "paused") this.continued?.();
  }

  private download(): void {
    const bytes = this.store.files.get(this.path);
    if (!bytes) return;
    const a = page.document.createElement("a");
    a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    a.download = this.path;
    a.click();
  }

  private onStep(s: StepReport): void {
    const update = this.means.after(s, this.spec);
    if (update.step === 1) this.epochStart = performance.now();
    this.bar.update(update);
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const line = renderProgress({ ...update, elapsed, rate: this.bar.rate ?? 0 }, 96);
    const total = Math.min(this.spec.totalSteps, this.overrides.maxSteps ?? Infinity);
    this.view.step(s, line, s.step / total);
    this.view.set("training", `training: step ${s.step} of ${total}`);
  }

  private onEpoch(e: EpochReport): void {
    this.view.say(epochLine(e, this.spec));
    // Its point on the chart: the last step it ran (steps are reported before their epoch).
    this.view.epoch(e, this.view.run.steps.at(-1)?.step ?? 0);
  }

  private saved(step: number): void {
    const button = byId("download");
    button.disabled = false;
    button.textContent = `Download checkpoint (step ${step})`;
  }

  /** Trains until done, pausing and continuing on the button. */
  async run(): Promise<void> {
    const plans = new Map(Object.entries(this.program.plans).map(([k, p]) => [Number(k), p]));
    for (;;) {
      this.controller = new AbortController();
      this.view.set("training", "training");
      byId("pause").disabled = false;
      byId("pause").textContent = "Pause";
      try {
        const result = await runSession({
          ...this.overrides,
          train: this.program.settings,
          runners: () => planRunners(this.device, plans),
          data: this.data,
          checkpoints: (kept) => new CheckpointRotation(this.path, this.store, kept),
          ...(this.resume ? { resume: this.resume } : {}),
          sourceFile: this.program.sourceFile,
          signal: this.controller.signal,
          onStep: (s) => this.onStep(s),
          onEpoch: (e) => this.onEpoch(e),
          onCheckpoint: (c) => this.saved(c.step),
          onWarning: (m) => this.view.say(`warning: ${m}\n`),
        });
        for (const line of resultLines(result, this.overrides.maxSteps)) this.view.say(line);
        this.view.run.result = result;
        this.view.chart.draw(true);
        byId("pause").disabled = true;
        this.view.set("done", `done: ${result.steps} steps`);
        return;
      } catch (e) {
        if (!(e instanceof InterruptedError)) throw e;
        await this.pause(e);
      }
    }
  }

  /** Paused at a checkpoint in memory: waits for Continue, then resumes from it. */
  private async pause(e: InterruptedError): Promise<void> {
    this.view.say(`paused at step ${e.step}\n`);
    byId("pause").disabled = false;
    byId("pause").textContent = "Continue";
    this.view.set("paused", `paused at step ${e.step}`);
    await new Promise<void>((done) => (this.continued = done));
    const checkpoint = decodeSafetensors(this.store.files.get(this.path)!, this.path);
    this.resume = { path: this.path, checkpoint };
    const meta = decodeTrainingMeta(checkpoint, this.path);
    this.spec = resolveRun(this.program.settings, this.overrides, this.data.train.count, {
      path: this.path,
      meta,
    }).spec;
    this.view.say(resumeLine(this.path, meta, this.spec, "the URL parameter epochs"));
  }
}

/** Loads the program and its data, takes the GPU and trains; every problem is said on the page. */
export async function startPage(read: SourceReader): Promise<void> {
  const view = new View();
  const fail = (message: string) => view.cannot("failed", message);
  const gpu = page.navigator.gpu;
  if (!gpu) return view.cannot("no-webgpu", NO_WEBGPU);
  try {
    view.set("loading", "loading the program and its data");
    const program = (await (await fetch("program.json")).json()) as ExportedProgram;
    const broken = programProblem(program);
    if (broken) return fail(broken);
    const overrides = urlOverrides();
    if (typeof overrides === "string") return fail(overrides);
    const seedRefused = seedProblem(program, overrides.seed);
    if (seedRefused) return fail(seedRefused);
    await fetchData(program);
    const data = read(program.data, "data", overrides.seed ?? program.settings.seed);
    const { spec, refusals } = resolveRun(program.settings, overrides, data.train.count);
    if (refusals[0]) return fail(refusalText(refusals[0]));
    const counts = splitCounts(data);
    const sizes = sizesProblem(planSizes(program), counts, spec.batch);
    if (sizes) return fail(sizes);
    let device;
    try {
      device = (await acquireDevice({ gpu })).device;
    } catch (e) {
      if (e instanceof NoAdapterError) return view.cannot("no-webgpu", NO_ADAPTER);
      throw e;
    }
    const unfit = deviceProblem(device, Object.values(program.plans));
    if (unfit) return fail(unfit);
    view.say(
      introLine({
        model: program.settings.model,
        source: program.data.source,
        counts,
        spec,
        maxSteps: overrides.maxSteps,
      }),
    );
    await new Training(view, program, device, data, overrides, spec).run();
  } catch (e) {
    fail((e as Error).message);
  }
}
