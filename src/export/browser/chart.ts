/**
 * @file The page's live chart, drawn as SVG markup by `chartSvg` (pure, so tests can read it): a
 * panel for the loss (each step's, each epoch's mean, each epoch's validation loss) and, when the
 * train section has metrics, a panel for them (each step's, each epoch's validation value). The x
 * axis is the global step; an epoch's point sits at its last step. Long runs are thinned to at
 * most `MAX_POINTS` points per line.
 */
import { htmlText } from "../program/text.js";

export interface ChartStep {
  readonly step: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ChartEpoch {
  readonly epoch: number;
  /** The global step the epoch ended at. */
  readonly step: number;
  readonly loss: number;
  readonly validation?: {
    readonly loss: number;
    readonly metrics: Readonly<Record<string, number>>;
  };
}

interface Line {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  /** Epoch lines get dots and a heavier stroke. */
  readonly epochs: boolean;
  readonly dashed?: boolean;
}

const MAX_POINTS = 600;
const PANEL = { width: 640, height: 220, left: 56, right: 12, top: 26, bottom: 26 };
const COLORS = ["#2f6fdf", "#e0712c", "#2a9d5c", "#9b4dca", "#c23b5a", "#6b7785"];

/** At most `MAX_POINTS` of `points`, evenly spread, the last one kept. */
function thinned<T>(points: readonly T[]): readonly T[] {
  if (points.length <= MAX_POINTS) return points;
  const stride = points.length / MAX_POINTS;
  const out = Array.from({ length: MAX_POINTS - 1 }, (_, i) => points[Math.floor(i * stride)]!);
  return [...out, points.at(-1)!];
}

/** A number for an axis label: 4 significant digits. */
const label = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)
    ? x.toExponential(2)
    : String(+x.toPrecision(4));

/** One panel at vertical offset `y0`: a frame, the axes' ranges, the lines and a legend. */
function panel(title: string, lines: readonly Line[], y0: number, lastStep: number): string {
  const finite = lines.flatMap((l) => l.points.map((p) => p[1])).filter(Number.isFinite);
  const { width, height, left, right, top, bottom } = PANEL;
  let [lo, hi] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (step: number) => left + ((width - left - right) * step) / Math.max(lastStep, 1);
  const y = (v: number) => y0 + top + ((height - top - bottom) * (hi - v)) / (hi - lo);
  const parts = [
    `<text x="${left}" y="${y0 + 16}" class="title">${htmlText(title)}</text>`,
    `<rect x="${left}" y="${y0 + top}" width="${width - left - right}" height="${height - top - bottom}" class="frame"/>`,
    `<text x="${left - 6}" y="${y0 + top + 4}" class="axis" text-anchor="end">${label(hi)}</text>`,
    `<text x="${left - 6}" y="${y0 + height - bottom}" class="axis" text-anchor="end">${label(lo)}</text>`,
    `<text x="${left}" y="${y0 + height - 8}" class="axis">step 0</text>`,
    `<text x="${width - right}" y="${y0 + height - 8}" class="axis" text-anchor="end">step ${lastStep}</text>`,
  ];
  let legend = left + 120;
  for (const line of lines) {
    const points = thinned(line.points.filter((p) => Number.isFinite(p[1])));
    if (points.length === 0) continue;
    const xy = points.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`);
    const style = `stroke="${line.color}" stroke-width="${line.epochs ? 2 : 1}"${line.dashed ? ' stroke-dasharray="5 3"' : ""}`;
    parts.push(
      `<polyline class="line" data-label="${htmlText(line.label)}" points="${xy.join(" ")}" fill="none" ${style}/>`,
    );
    if (line.epochs)
      for (const p of xy)
        parts.push(
          `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${line.color}"/>`,
        );
    parts.push(
      `<line x1="${legend}" y1="${y0 + 12}" x2="${legend + 16}" y2="${y0 + 12}" ${style}/>`,
      `<text x="${legend + 20}" y="${y0 + 16}" class="legend">${htmlText(line.label)}</text>`,
    );
    legend += 28 + 7 * line.label.length;
  }
  return parts.join("");
}

/** The chart of a run so far, as one `<svg>` element's markup. */
export function chartSvg(steps: readonly ChartStep[], epochs: readonly ChartEpoch[]): string {
  const lastStep = Math.max(steps.at(-1)?.step ?? 0, epochs.at(-1)?.step ?? 0, 1);
  const loss: Line[] = [
    {
      label: "loss (step)",
      points: steps.map((s) => [s.step, s.loss]),
      color: "#9db8ea",
      epochs: false,
    },
    {
      label: "loss (epoch)",
      points: epochs.map((e) => [e.step, e.loss]),
      color: COLORS[0]!,
      epochs: true,
    },
    {
      label: "val_loss",
      points: epochs.flatMap((e) => (e.validation ? [[e.step, e.validation.loss] as const] : [])),
      color: COLORS[1]!,
      epochs: true,
      dashed: true,
    },
  ];
  const names = [
    ...new Set([
      ...steps.flatMap((s) => Object.keys(s.metrics)),
      ...epochs.flatMap((e) => Object.keys(e.validation?.metrics ?? {})),
    ]),
  ];
  const metrics: Line[] = names.flatMap((name, i) => {
    const color = COLORS[(i + 2) % COLORS.length]!;
    return [
      {
        label: `${name} (step)`,
        points: steps.map((s) => [s.step, s.metrics[name] ?? NaN] as const),
        color,
        epochs: false,
      },
      {
        label: `val_${name}`,
        points: epochs.flatMap((e) =>
          e.validation ? [[e.step, e.validation.metrics[name] ?? NaN] as const] : [],
        ),
        color,
        epochs: true,
        dashed: true,
      },
    ];
  });
  const panels = [panel("loss", loss, 0, lastStep)];
  if (metrics.length > 0) panels.push(panel("metrics", metrics, PANEL.height, lastStep));
  const height = PANEL.height * panels.length;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${PANEL.width} ${height}" width="${PANEL.width}" height="${height}" role="img" aria-label="loss and metrics per step and per epoch">${panels.join("")}</svg>`;
}

/**
 * A run's chart on a page: keeps the points and redraws through `show` at most once per frame
 * (`nextFrame`, the page's requestAnimationFrame), or at once after an epoch and when asked.
 */
export class LiveChart {
  private steps: ChartStep[] = [];
  private epochs: ChartEpoch[] = [];
  private pending = false;

  constructor(
    private readonly show: (svg: string) => void,
    private readonly nextFrame: (draw: () => void) => void,
  ) {}

  step(s: ChartStep): void {
    this.steps.push(s);
    this.draw();
  }

  epoch(e: ChartEpoch): void {
    this.epochs.push(e);
    this.draw(true);
  }

  /** Forgets every point (a new run) and draws the empty chart. */
  clear(): void {
    this.steps = [];
    this.epochs = [];
    this.draw(true);
  }

  draw(now = false): void {
    const render = () => {
      this.pending = false;
      this.show(chartSvg(this.steps, this.epochs));
    };
    if (now) return render();
    if (this.pending) return;
    this.pending = true;
    this.nextFrame(render);
  }
}
