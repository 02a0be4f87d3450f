/**
 * @file The playground's Train button: trains the editor's train section on `navigator.gpu` with
 * the training session `grove train` uses (plans compiled in the page as it needs them), on the
 * page's built-in data (`data.ts`), for at most the steps asked for, with the exported page's live
 * chart (`export/browser/chart.ts`) and its lines (intro, epochs, result). Stop ends the run after
 * the current step. Without WebGPU, or without an adapter, it says so plainly.
 */
import { LiveChart } from "../export/browser/chart.js";
import { NO_ADAPTER, NO_WEBGPU } from "../export/browser/app.js";
import type { SourceMap } from "../diag/render.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { acquireDevice } from "../runtime/device.js";
import { NoAdapterError } from "../runtime/errors.js";
import { InterruptedError } from "../session/errors.js";
import { epochLine, introLine, resultLines } from "../session/report-text.js";
import type { EpochReport, StepReport } from "../session/reports.js";
import { resolveRun } from "../session/run-spec.js";
import { trainSession } from "../session/session.js";
import { splitCounts } from "../export/program/checks.js";
import { dataProblem, pageSplits } from "./data.js";
import { byId, page } from "./dom.js";

/** A run as tests and the curious see it (`grovePlayground.train`). */
export interface PageRun {
  state: "idle" | "starting" | "training" | "done" | "stopped" | "failed" | "no-webgpu";
  steps: { step: number; loss: number }[];
  error?: string;
}

/** The Train tab: its buttons, status, chart and log. */
export class Trainer {
  readonly run: PageRun = { state: "idle", steps: [] };
  private device: Promise<GPUDevice> | undefined;
  private controller: AbortController | undefined;
  private readonly chart = new LiveChart(
    (svg) => (byId("chart").innerHTML = svg),
    (draw) => page.requestAnimationFrame(draw),
  );

  constructor() {
    if (!page.navigator.gpu) this.noWebGpu(NO_WEBGPU);
    byId("stop").addEventListener("click", () => this.controller?.abort());
  }

  private noWebGpu(message: string): void {
    this.set("no-webgpu", "no WebGPU");
    const box = byId("no-webgpu");
    box.textContent = message;
    box.hidden = false;
    byId("train").disabled = true;
  }

  private set(state: PageRun["state"], status: string): void {
    this.run.state = state;
    byId("train-status").textContent = status;
    page.document.body.dataset["train"] = state;
  }

  private say(line: string): void {
    byId("train-log").append(line);
  }

  private async gpuDevice(): Promise<GPUDevice> {
    const gpu = page.navigator.gpu!;
    // A failed attempt is not kept: the next Train tries again.
    this.device ??= acquireDevice({ gpu }).then(
      (d) => d.device,
      (e: unknown) => {
        this.device = undefined;
        throw e;
      },
    );
    return this.device;
  }

  /** No WebGPU here: the button stays off. */
  get unavailable(): boolean {
    return this.run.state === "no-webgpu";
  }

  get busy(): boolean {
    return this.run.state === "starting" || this.run.state === "training";
  }

  /** Trains `train` for at most `maxSteps` steps; every problem is said in the tab. */
  async start(train: ElaboratedTrain, sources: SourceMap, maxSteps: number): Promise<void> {
    if (this.busy || this.unavailable) return;
    const problem = dataProblem(train.data);
    if (problem) return this.fail(problem);
    this.run.steps = [];
    delete this.run.error;
    this.chart.clear();
    byId("train-log").textContent = "";
    this.set("starting", "reading the data and taking the GPU");
    byId("train").disabled = true;
    byId("stop").disabled = false;
    try {
      const device = await this.gpuDevice();
      const data = await pageSplits(train.data, train.seed);
      const counts = splitCounts(data);
      const { spec } = resolveRun(train, { maxSteps }, counts.train);
      const total = Math.min(spec.totalSteps, maxSteps);
      this.say(introLine({ model: train.model, source: train.data.name, counts, spec, maxSteps }));
      this.controller = new AbortController();
      this.set("training", "compiling the kernels");
      const result = await trainSession({
        device,
        train,
        data,
        maxSteps,
        sources: sources.texts(),
        signal: this.controller.signal,
        onStep: (s) => this.onStep(s, total),
        onEpoch: (e) => this.onEpoch(e, spec),
      });
      for (const line of resultLines(result, maxSteps)) this.say(line);
      this.chart.draw(true);
      this.set("done", `done: ${result.steps} steps, last loss ${this.lastLoss()}`);
    } catch (e) {
      if (e instanceof InterruptedError) this.set("stopped", `stopped after step ${e.step}`);
      else if (e instanceof NoAdapterError) this.noWebGpu(NO_ADAPTER);
      else this.fail((e as Error).message);
    } finally {
      byId("train").disabled = this.unavailable;
      byId("stop").disabled = true;
    }
  }

  private lastLoss(): string {
    return this.run.steps.at(-1)?.loss.toPrecision(4) ?? "none";
  }

  private onStep(s: StepReport, total: number): void {
    this.run.steps.push({ step: s.step, loss: s.loss });
    this.set("training", `step ${s.step} of ${total}: loss ${s.loss.toPrecision(4)}`);
    this.chart.step(s);
  }

  private onEpoch(e: EpochReport, spec: Parameters<typeof epochLine>[1]): void {
    this.say(epochLine(e, spec));
    this.chart.epoch({ ...e, step: this.run.steps.at(-1)?.step ?? 0 });
  }

  private fail(message: string): void {
    this.run.error = message;
    this.set("failed", "failed");
    this.say(`error: ${message}\n`);
  }
}
