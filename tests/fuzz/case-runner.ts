/**
 * @file Runs fuzz cases in one long-lived worker thread (`worker.mjs`) with a time limit per
 * case: a case over the limit is a hang, the worker is terminated and a fresh one started for the
 * next case. The worker's stack is about the size of Node's main thread's (where `grove` runs), so
 * a recursion that would overflow in the CLI overflows here too, and its heap is capped so a
 * runaway allocation is reported instead of taking the machine down.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CaseOptions, CaseReport, Stage } from "./run-case.js";

export type Outcome =
  | { readonly kind: "done"; readonly report: CaseReport; readonly ms: number }
  /** Over the time limit; `stage` is where it was when stopped. */
  | { readonly kind: "hang"; readonly stage: Stage | undefined; readonly ms: number }
  /** The worker died (out of memory, a native crash). */
  | {
      readonly kind: "died";
      readonly stage: Stage | undefined;
      readonly error: string;
      readonly ms: number;
    };

export interface CaseRunnerOptions {
  /**
   * Stack of the worker thread in MiB. Node gives V8 this less 192 KiB, so 1.15 matches the main
   * thread's default of 984 KiB.
   */
  readonly stackSizeMb?: number;
  /** Heap cap in MiB (default 2048). */
  readonly maxHeapMb?: number;
}

interface Pending {
  readonly id: number;
  readonly resolve: (o: Outcome) => void;
  readonly timer: NodeJS.Timeout;
  readonly t0: number;
  stage: Stage | undefined;
}

type Message =
  | { readonly ready: true }
  | { readonly id: number; readonly stage: Stage }
  | { readonly id: number; readonly report: CaseReport; readonly ms: number };

export class CaseRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private pending: Pending | undefined;
  private nextId = 0;
  /** Workers started so far (the first, plus one after each hang or death). */
  starts = 0;

  constructor(private readonly options: CaseRunnerOptions = {}) {}

  /**
   * Runs one case; resolves when it finishes, dies, or passes `limitMs` (then a hang).
   * `selfTest` runs one of the worker's self-tests instead (the runner's own tests).
   */
  async run(
    text: string,
    caseOptions: CaseOptions,
    limitMs: number,
    selfTest?: "hang" | "exit" | "depth",
  ): Promise<Outcome> {
    await this.start();
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<Outcome>((resolve) => {
      const t0 = performance.now();
      const timer = setTimeout(() => {
        const stage = this.pending?.stage;
        this.pending = undefined;
        this.stop();
        resolve({ kind: "hang", stage, ms: performance.now() - t0 });
      }, limitMs);
      this.pending = { id, resolve, timer, t0, stage: undefined };
      worker.postMessage({ id, text, options: caseOptions, selfTest });
    });
  }

  /** Terminates the worker; the next `run` starts another. */
  stop(): void {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    void w?.terminate();
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    this.starts++;
    const worker = new Worker(fileURLToPath(new URL("./worker.mjs", import.meta.url)), {
      workerData: {
        diagnosticsDoc: fileURLToPath(new URL("../../docs/diagnostics.md", import.meta.url)),
      },
      resourceLimits: {
        stackSizeMb: this.options.stackSizeMb ?? 1.15,
        maxOldGenerationSizeMb: this.options.maxHeapMb ?? 2048,
      },
    });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: Message) => {
        if ("ready" in m) return resolve();
        const p = this.pending;
        if (!p || p.id !== m.id) return;
        if ("stage" in m) p.stage = m.stage;
        else this.settle({ kind: "done", report: m.report, ms: m.ms });
      });
      // Events of a worker already replaced (stopped after a hang) concern no pending case.
      const died = (error: string) => {
        if (this.worker !== worker) return;
        this.stop();
        const p = this.pending;
        if (!p) return reject(new Error(`fuzz worker failed to start: ${error}`));
        this.settle({ kind: "died", stage: p.stage, error, ms: performance.now() - p.t0 });
      };
      worker.on("error", (e: Error) => died(`${e.name}: ${e.message}`));
      worker.on("exit", (code) => died(`worker exited with ${code}`));
    });
    return this.ready;
  }

  private settle(o: Outcome): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve(o);
  }
}
