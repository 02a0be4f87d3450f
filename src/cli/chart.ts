/**
 * @file Training curves as a standalone SVG: `trainingChart(data, options?)` is pure and
 * deterministic (same input, same bytes).
 *
 * `data` holds one value per epoch: `trainLoss`, `validationLoss` and `metrics` (by name, such as
 * `val_accuracy`). The top panel draws the losses, and any metric that is not within [0, 1] (an
 * error such as `mae`); its y axis is logarithmic when every value is positive and the largest is
 * more than 100 times the smallest (more than two decades), linear otherwise. Metrics whose values
 * all lie in [0, 1] (accuracy-like) share a second panel with a fixed 0..1 axis. Each series is
 * one `<polyline>` through its finite values (NaN and infinities are skipped, so a gap is
 * bridged) plus a dot per point when there are at most 60, so a single epoch still shows; each
 * panel has ticks, labels and a legend; validation series are dashed. A panel without any finite
 * value is left out, and with none at all the chart says "no data". Text is XML-escaped.
 */

export interface ChartData {
  readonly title?: string;
  /** Mean training loss per epoch. */
  readonly trainLoss?: readonly number[];
  /** Validation loss per epoch (NaN where there was none). */
  readonly validationLoss?: readonly number[];
  /** Further per-epoch series by name, in the order given. */
  readonly metrics?: Readonly<Record<string, readonly number[]>>;
}

export interface ChartOptions {
  /** Width of the whole chart in pixels (default 720). */
  readonly width?: number;
  /** Height of one panel in pixels (default 260). */
  readonly panelHeight?: number;
}

interface Series {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
  readonly dashed: boolean;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
const MARGIN = { left: 64, right: 170, top: 28, bottom: 44 };
const TITLE_HEIGHT = 28;
const MAX_DOTS = 60;

/** Text safe inside an XML element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** A coordinate with at most two decimals and no trailing zeros. */
const px = (v: number) => String(Math.round(v * 100) / 100);

/** A tick label: short and without float noise. */
function label(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
function niceTicks(
  lo: number,
  hi: number,
  count: number,
): { lo: number; hi: number; ticks: number[] } {
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step * 1e-9; k++)
    ticks.push(Number((first + k * step).toPrecision(12)));
  return { lo: first, hi: last, ticks };
}

interface Axis {
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
}

function lossAxis(values: number[]): Axis {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (lo > 0 && hi / lo > 100) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    const ticks = Array.from({ length: b - a + 1 }, (_, k) => 10 ** (a + k));
    return { log: true, lo: a, hi: b, ticks };
  }
  return { log: false, ...niceTicks(lo, hi, 5) };
}

const finite = (v: number) => Number.isFinite(v);

function panel(
  out: string[],
  series: readonly Series[],
  axis: Axis,
  epochs: number,
  top: number,
  o: { width: number; height: number; yTitle: string },
): void {
  const x0 = MARGIN.left;
  const x1 = o.width - MARGIN.right;
  const y0 = top + MARGIN.top;
  const y1 = top + o.height - MARGIN.bottom;
  // Epochs 1..n; a single epoch sits in the middle.
  const xOf = (epoch: number) =>
    epochs === 1 ? (x0 + x1) / 2 : x0 + ((epoch - 1) / (epochs - 1)) * (x1 - x0);
  const yOf = (v: number) => {
    const t = axis.log ? Math.log10(v) : v;
    return y1 - ((t - axis.lo) / (axis.hi - axis.lo)) * (y1 - y0);
  };
  out.push(`<g class="panel">`);
  out.push(
    `<rect x="${px(x0)}" y="${px(y0)}" width="${px(x1 - x0)}" height="${px(y1 - y0)}" fill="none" stroke="#999"/>`,
  );
  // y ticks with grid lines
  for (const t of axis.ticks) {
    const y = yOf(t);
    out.push(
      `<line x1="${px(x0)}" y1="${px(y)}" x2="${px(x1)}" y2="${px(y)}" stroke="#eee"/>`,
      `<line x1="${px(x0 - 4)}" y1="${px(y)}" x2="${px(x0)}" y2="${px(y)}" stroke="#666"/>`,
      `<text x="${px(x0 - 6)}" y="${px(y + 4)}" text-anchor="end">${escapeXml(label(t))}</text>`,
    );
  }
  // x ticks at whole epochs
  const xt = epochs === 1 ? { ticks: [1] } : niceTicks(1, epochs, Math.min(8, epochs - 1));
  for (const e of xt.ticks) {
    if (e < 1 || e > epochs || !Number.isInteger(e)) continue;
    const x = xOf(e);
    out.push(
      `<line x1="${px(x)}" y1="${px(y1)}" x2="${px(x)}" y2="${px(y1 + 4)}" stroke="#666"/>`,
      `<text x="${px(x)}" y="${px(y1 + 17)}" text-anchor="middle">${e}</text>`,
    );
  }
  out.push(
    `<text x="${px((x0 + x1) / 2)}" y="${px(y1 + 35)}" text-anchor="middle">epoch</text>`,
    `<text transform="translate(${px(16)} ${px((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yTitle)}</text>`,
  );
  // the series, then the legend
  series.forEach((s, k) => {
    const pts = s.values
      .map((v, i) => [i + 1, v] as const)
      .filter(([, v]) => finite(v) && (!axis.log || v > 0));
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(
      `<polyline data-series="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([e, v]) => `${px(xOf(e))},${px(yOf(v))}`).join(" ")}"/>`,
    );
    if (pts.length <= MAX_DOTS)
      for (const [e, v] of pts)
        out.push(`<circle cx="${px(xOf(e))}" cy="${px(yOf(v))}" r="2.5" fill="${s.color}"/>`);
    const ly = y0 + 10 + k * 20;
    out.push(
      `<line x1="${px(x1 + 14)}" y1="${px(ly)}" x2="${px(x1 + 38)}" y2="${px(ly)}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${px(x1 + 44)}" y="${px(ly + 4)}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push(`</g>`);
}

/** The chart of `data` as a standalone SVG document. */
export function trainingChart(data: ChartData, options: ChartOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.panelHeight ?? 260;
  const all: Series[] = [];
  const add = (name: string, values: readonly number[] | undefined) => {
    if (!values) return;
    all.push({
      name,
      values,
      color: PALETTE[all.length % PALETTE.length]!,
      dashed: /^val/i.test(name),
    });
  };
  add("train loss", data.trainLoss);
  add("validation loss", data.validationLoss);
  for (const [name, values] of Object.entries(data.metrics ?? {})) add(name, values);
  const withData = all.filter((s) => s.values.some(finite));
  const unit = (s: Series) => s.values.filter(finite).every((v) => v >= 0 && v <= 1);
  const isLoss = (s: Series) => s.name === "train loss" || s.name === "validation loss";
  const top = withData.filter((s) => isLoss(s) || !unit(s));
  const bottom = withData.filter((s) => !isLoss(s) && unit(s));
  const epochs = Math.max(0, ...withData.map((s) => s.values.length));
  const title = data.title !== undefined ? TITLE_HEIGHT : 0;
  const panels = (top.length > 0 ? 1 : 0) + (bottom.length > 0 ? 1 : 0);
  const total = title + Math.max(1, panels) * height;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${total}" fill="white"/>`,
  ];
  if (data.title !== undefined)
    out.push(
      `<text x="${px(width / 2)}" y="20" text-anchor="middle" font-size="15">${escapeXml(data.title)}</text>`,
    );
  if (panels === 0) {
    out.push(
      `<text x="${px(width / 2)}" y="${px(title + height / 2)}" text-anchor="middle" fill="#666">no data</text>`,
    );
  } else {
    let y = title;
    if (top.length > 0) {
      const values = top.flatMap((s) => s.values.filter(finite));
      const yTitle = top.some((s) => !isLoss(s)) ? "loss / error" : "loss";
      panel(out, top, lossAxis(values), epochs, y, { width, height, yTitle });
      y += height;
    }
    if (bottom.length > 0) {
      const axis: Axis = { log: false, lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] };
      panel(out, bottom, axis, epochs, y, { width, height, yTitle: "metric" });
    }
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
