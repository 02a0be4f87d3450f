/**
 * @file The training progress line, for example
 * `epoch 3/10 [#######...........] 512/1200 steps  loss 0.2345  210.3 steps/s  ETA 0:03`, as
 * `grove train`, an exported program and an exported page draw it (no `node:` module here).
 *
 * - `renderProgress(state, width)` is pure: it fits the line into `width - 1` columns (the last
 *   column is left free so terminals do not wrap), shrinking the bar first, then dropping the
 *   bar, the rate, the ETA and the loss in that order, and finally cutting the text. The ETA is
 *   for the rest of the current epoch, `--:--` while the rate is unknown; a `done` line shows the
 *   epoch's time instead (`in 0:05`).
 * - `formatDuration(seconds)` gives `m:ss`, or `h:mm:ss` from an hour on.
 * - `new ProgressBar(stream, {now, interval, tau})`: call `update({epoch, epochs, step,
 *   stepsPerEpoch, loss})` after each step. It measures the epoch's elapsed time and a smoothed
 *   rate itself (an exponential moving average of steps/s with time constant `tau` seconds,
 *   default 2, weighted by the time between updates, carried across epochs), and on a TTY stream
 *   redraws the line with `\r` at most once per `interval` ms (default 100, i.e. 10 updates/s; the
 *   first update of an epoch and `update(state, true)` always draw). `clear()` blanks the line
 *   (call it before printing an epoch summary; the next update draws again) and `done()` blanks
 *   it for good. On a stream that is not a TTY it writes nothing at all — the caller prints its own
 *   per-epoch lines — but still measures `rate`. `now` (milliseconds) can be injected for tests.
 */

/** One moment of training, as the progress line shows it. */
export interface ProgressState {
  /** The current epoch, from 1. */
  readonly epoch: number;
  readonly epochs: number;
  /** Steps finished in the current epoch. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** The running loss; left out when undefined. */
  readonly loss?: number;
  /** Running metrics (`accuracy`), shown after the loss. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Seconds since the epoch began. */
  readonly elapsed: number;
  /** Smoothed steps per second; undefined or 0 while unknown. */
  readonly rate?: number;
  /** The epoch has finished: show its time instead of an ETA. */
  readonly done?: boolean;
}

/** `m:ss` below an hour, `h:mm:ss` from an hour on; `--:--` for an unknown or endless time. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

const formatLoss = (x: number) =>
  Number.isNaN(x)
    ? "NaN"
    : Math.abs(x) >= 1e-3 || x === 0 || !Number.isFinite(x)
      ? x.toFixed(4)
      : x.toExponential(2);

function formatRate(rate: number | undefined): string | undefined {
  if (rate === undefined || !(rate > 0) || !Number.isFinite(rate)) return undefined;
  return rate >= 1 ? `${rate.toFixed(1)} steps/s` : `${(1 / rate).toFixed(1)} s/step`;
}

const MAX_BAR = 30;
const MIN_BAR = 10;

/** The progress line for `state`, at most `width - 1` characters long. */
export function renderProgress(state: ProgressState, width: number): string {
  const { epoch, epochs, stepsPerEpoch } = state;
  const step = state.done ? stepsPerEpoch : Math.min(Math.max(state.step, 0), stepsPerEpoch);
  const fraction = stepsPerEpoch > 0 ? step / stepsPerEpoch : 1;
  const head = `epoch ${epoch}/${epochs}`;
  const count = `${step}/${stepsPerEpoch} steps`;
  const loss = state.loss !== undefined ? `loss ${formatLoss(state.loss)}` : undefined;
  const metrics = Object.entries(state.metrics ?? {}).map(([k, v]) => `${k} ${formatLoss(v)}`);
  const rate = formatRate(state.rate);
  const left = stepsPerEpoch - step;
  const time = state.done
    ? `in ${formatDuration(state.elapsed)}`
    : `ETA ${left === 0 ? formatDuration(0) : state.rate && state.rate > 0 ? formatDuration(left / state.rate) : "--:--"}`;
  const room = Math.max(width - 1, 0);
  // Optional parts, dropped from the end of this list first when the line is too long.
  const optional = [loss, ...metrics, time, rate].filter((p): p is string => p !== undefined);
  const barOf = (cells: number) => {
    const filled = Math.floor(fraction * cells);
    return `[${"#".repeat(filled)}${".".repeat(cells - filled)}]`;
  };
  const withBar = (cells: number) => [`${head} ${barOf(cells)} ${count}`, ...optional].join("  ");
  const cells = Math.min(MAX_BAR, room - withBar(0).length);
  if (cells >= MIN_BAR) return withBar(cells);
  for (let keep = optional.length; keep >= 0; keep--) {
    const plain = [head, count, ...optional.slice(0, keep)].join("  ");
    if (plain.length <= room) return plain;
  }
  return `${head}  ${count}`.slice(0, room);
}

/** Where a ProgressBar draws: `process.stdout` or anything like it. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressBarOptions {
  /** The clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
  /** Least milliseconds between two redraws (default 100). */
  readonly interval?: number;
  /** Time constant of the rate's moving average, in seconds (default 2). */
  readonly tau?: number;
}

/** What `ProgressBar.update` needs: the state without the timing the bar measures itself. */
export type ProgressUpdate = Omit<ProgressState, "elapsed" | "rate">;

/** A progress line redrawn in place on a TTY; silent elsewhere. See the file comment. */
export class ProgressBar {
  private readonly now: () => number;
  private readonly interval: number;
  private readonly tau: number;
  private readonly tty: boolean;
  private epoch: number | undefined;
  private epochStart = 0;
  private sample: { at: number; step: number } | undefined;
  private lastDraw = -Infinity;
  private drawn = 0;
  private finished = false;
  private smoothed: number | undefined;

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressBarOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.interval = options.interval ?? 100;
    this.tau = options.tau ?? 2;
    this.tty = stream.isTTY === true;
  }

  /** The smoothed steps per second, undefined until two updates have been seen. */
  get rate(): number | undefined {
    return this.smoothed;
  }

  /** Records a step and redraws when due (always when `force`). */
  update(state: ProgressUpdate, force = false): void {
    if (this.finished) return;
    const now = this.now();
    let first = false;
    if (state.epoch !== this.epoch || (this.sample && state.step < this.sample.step)) {
      // A new epoch: restart its clock; the rate carries over.
      this.epoch = state.epoch;
      this.epochStart = now;
      this.sample = { at: now, step: state.step };
      first = true;
    } else if (this.sample && now > this.sample.at && state.step > this.sample.step) {
      const dt = (now - this.sample.at) / 1000;
      const instant = (state.step - this.sample.step) / dt;
      const weight = 1 - Math.exp(-dt / this.tau);
      this.smoothed =
        this.smoothed === undefined ? instant : this.smoothed + weight * (instant - this.smoothed);
      this.sample = { at: now, step: state.step };
    }
    if (!this.tty) return;
    if (!force && !first && now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const text = renderProgress(
      { ...state, elapsed: (now - this.epochStart) / 1000, rate: this.smoothed ?? 0 },
      this.stream.columns ?? 80,
    );
    this.stream.write(`\r${text}${" ".repeat(Math.max(0, this.drawn - text.length))}`);
    this.drawn = text.length;
  }

  /** Blanks the line if one is drawn; the next update draws again. */
  clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.stream.write(`\r${" ".repeat(this.drawn)}\r`);
    this.drawn = 0;
    this.lastDraw = -Infinity;
  }

  /** Blanks the line and ignores later updates. */
  done(): void {
    this.clear();
    this.finished = true;
  }
}
