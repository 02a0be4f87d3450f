/**
 * @file `grove kernels FILE --report out.html`: one self-contained page (no external file, opens
 * from file://) with the program's graph laid out by report-graph.ts (forward, backward and
 * optimizer boxes by border colour, each kernel a coloured region named by it, each node's `.grove`
 * line), the kernel list with the fusion rule and, with `--profile`, a time bar per kernel;
 * clicking a kernel shows its WGSL. Every user string is HTML-escaped.
 */
import { writeFileSync } from "node:fs";
import type { CompiledPlan } from "../codegen/compile.js";
import { commentText } from "../diag/escape.js";
import type { Io } from "./io.js";
import { escapeXml } from "./chart.js";
import { fmt, kernelRule, totals } from "./kernels.js";
import { layoutProgram, type Box, type LaidOut } from "./report-graph.js";

export interface ReportInput {
  /** The `.grove` file, as the user named it. */
  readonly file: string;
  /** The fusion policy, as asked (`default`, `-shared`, ...). */
  readonly label: string;
  readonly compiled: CompiledPlan;
  readonly program: string;
  readonly sources: ReadonlyMap<string, string>;
  /** GPU milliseconds per dispatch of `program` (`--profile`). */
  readonly times?: readonly number[];
}

/** Writes the report; false after printing why it could not. */
export function writeReport(path: string, input: ReportInput, io: Io): boolean {
  const started = performance.now();
  const html = reportHtml(input);
  try {
    writeFileSync(path, html);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    io.err(`grove kernels --report: cannot write ${path} (${code})\n`);
    return false;
  }
  const ms = performance.now() - started;
  io.err(`wrote ${path}: ${fmt(html.length)} bytes in ${ms.toFixed(0)} ms\n`);
  return true;
}

/** The page. */
export function reportHtml(input: ReportInput): string {
  const laid = layoutProgram(input.compiled, input.program, input.sources);
  const { plan } = input.compiled;
  const t = totals(plan, input.program);
  const title = `Grove kernels: ${input.file}`;
  return [
    "<!doctype html>",
    `<!-- ${commentText(`grove kernels ${input.file} --report`, "html")} -->`,
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${style}</style></head><body>`,
    `<header><h1>${escapeXml(title)}</h1>`,
    `<p>program <b>${escapeXml(input.program)}</b>, fusion policy <code>${escapeXml(input.label)}</code>: ` +
      `${t.dispatches} dispatches, ${fmt(t.flops)} flops, ${fmt(t.bytes)} bytes moved, peak memory ${fmt(t.peak)} bytes` +
      (input.times ? `, ${sum(input.times).toFixed(3)} ms GPU` : "") +
      "</p>",
    legend(laid.collapsed),
    "</header><main>",
    `<section id="kernels">${kernelTable(input)}</section>`,
    `<label><input type="checkbox" id="fit"> fit the graph to the window</label>`,
    `<section id="graph">${svg(laid, (k) => plan.kernels[k]!.name)}</section>`,
    "</main>",
    '<aside id="wgsl-view"><h2 id="wgsl-title">Click a kernel to see its WGSL</h2><pre id="wgsl-text"></pre></aside>',
    ...plan.kernels.map((k) => `<template id="wgsl-${k.id}">${escapeXml(k.wgsl)}</template>`),
    `<script>${script}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** A kernel's colour: hues spread by the golden angle so neighbours differ. */
const hue = (kernel: number) => Math.round((kernel * 137.508) % 360);

function legend(collapsed: boolean): string {
  return (
    '<p class="legend"><span class="forward">forward</span> <span class="backward">backward</span> ' +
    '<span class="optimizer">optimizer</span> <span class="leaf">input / parameter</span>' +
    (collapsed
      ? " · large graph: each fused group is one box, tinted and named by its kernel, listing its ops; inputs and parameters left out"
      : "") +
    (collapsed ? "" : " · coloured regions are kernels") +
    "; click a kernel (or a row) to see its WGSL</p>"
  );
}

function kernelTable(input: ReportInput): string {
  const { plan, origins } = input.compiled;
  const dispatches = plan.programs[input.program]!.dispatches;
  const most = Math.max(1e-9, ...(input.times ?? [0]));
  const rows = dispatches.map((d, i) => {
    const k = plan.kernels[d.kernel]!;
    const ms = input.times?.[i];
    const bar =
      ms === undefined
        ? ""
        : `<td class="ms">${ms.toFixed(3)}</td><td><div class="bar" style="width:${((100 * ms) / most).toFixed(1)}px"></div></td>`;
    return (
      `<tr data-kernel="${k.id}" style="--h:${hue(k.id)}"><td class="swatch"></td>` +
      `<td class="name">${escapeXml(k.name)}</td><td>${escapeXml(kernelRule(origins?.[k.id]))}</td>` +
      `<td>${escapeXml([...new Set(k.ops)].join(" "))}</td><td class="num">${fmt(k.flops)}</td>` +
      `<td class="num">${fmt(k.bytesRead + k.bytesWritten)}</td>${bar}</tr>`
    );
  });
  const head =
    "<tr><th></th><th>kernel</th><th>rule</th><th>fused ops</th><th>flops</th><th>bytes</th>" +
    (input.times ? '<th>gpu ms</th><th class="barhead"></th>' : "") +
    "</tr>";
  return `<table>${head}${rows.join("")}</table>`;
}

function svg(laid: LaidOut, nameOf: (kernel: number) => string): string {
  const w = Math.ceil(laid.width);
  const h = Math.ceil(laid.height);
  const clusters = laid.clusters.map(
    (c) =>
      `<g class="cluster" data-kernel="${c.kernel}" style="--h:${hue(c.kernel)}">` +
      `<rect x="${c.x}" y="${c.y}" width="${c.width}" height="${c.height}" rx="6"/>` +
      `<text x="${c.x + 4}" y="${c.y + 10}">${escapeXml(nameOf(c.kernel))}</text></g>`,
  );
  const edges = laid.edges.map(
    (pts) =>
      `<polyline points="${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")}"/>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    '<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L6,3L0,6z"/></marker></defs>' +
    `<g class="clusters">${clusters.join("")}</g><g class="edges">${edges.join("")}</g>` +
    `<g class="boxes${laid.collapsed ? " tinted" : ""}">${laid.boxes.map(box).join("")}</g></svg>`
  );
}

function box(b: Box): string {
  const tip = [b.label, b.where, b.line].filter((s) => s !== "").join("\n");
  return (
    `<g class="box ${b.phase}"${b.kernel >= 0 ? ` data-kernel="${b.kernel}" style="--h:${hue(b.kernel)}"` : ""}>` +
    `<title>${escapeXml(tip)}</title>` +
    `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="3"/>` +
    `<text x="${b.x + 4}" y="${b.y + 12}">${escapeXml(b.label.length <= 26 ? b.label : b.label.slice(0, 25) + "…")}</text>` +
    `<text class="where" x="${b.x + 4}" y="${b.y + 24}">${escapeXml(clip(b.where.slice(b.where.lastIndexOf("/") + 1), 24))}</text></g>`
  );
}

function clip(text: string, n: number): string {
  return text.length <= n ? text : "…" + text.slice(text.length - n + 1);
}

const style = `
body { font: 13px system-ui, sans-serif; margin: 0; color: #222; }
header { padding: 8px 16px; border-bottom: 1px solid #ccc; }
h1 { font-size: 17px; margin: 4px 0; }
main { padding: 8px 16px; }
#kernels { max-height: 40vh; overflow: auto; margin-bottom: 8px; }
#graph { overflow: auto; max-height: 75vh; border: 1px solid #ddd; }
#graph.fit svg { width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; }
td, th { padding: 2px 6px; text-align: left; white-space: nowrap; }
tr[data-kernel] { cursor: pointer; }
tr[data-kernel]:hover, tr.selected { background: #eef; }
td.swatch { width: 10px; background: hsl(var(--h) 70% 80%); }
td.num, td.ms { text-align: right; font-variant-numeric: tabular-nums; }
.bar { height: 10px; background: #c63; }
.cluster rect { fill: hsl(var(--h) 70% 88% / 0.6); stroke: hsl(var(--h) 50% 45%); cursor: pointer; }
.cluster.selected rect { stroke-width: 3; }
.cluster text { font: bold 9px ui-monospace, monospace; fill: hsl(var(--h) 60% 30%); }
.edges polyline { fill: none; stroke: #888; marker-end: url(#arrow); }
.box rect { fill: #fff; stroke-width: 2; }
.box text { font: 10px ui-monospace, monospace; fill: #222; }
.box text.where { fill: #666; font-size: 9px; }
.box[data-kernel] { cursor: pointer; }
.tinted .box rect { fill: hsl(var(--h) 70% 88%); }
.forward rect, span.forward { stroke: #1f6fd1; border: 2px solid #1f6fd1; }
.backward rect, span.backward { stroke: #d1491f; border: 2px solid #d1491f; }
.optimizer rect, span.optimizer { stroke: #2a9d3a; border: 2px solid #2a9d3a; }
.leaf rect, span.leaf { stroke: #999; border: 2px dashed #999; stroke-dasharray: 3 2; }
.legend span { padding: 0 4px; border-radius: 3px; }
#wgsl-view { padding: 8px 16px; border-top: 1px solid #ccc; }
#wgsl-view h2 { font-size: 14px; }
#wgsl-text { font: 11px ui-monospace, monospace; background: #f7f7f7; padding: 8px; max-height: 60vh; overflow: auto; }
`;

/** Shows a kernel's WGSL (read from its inert `<template>`) and marks it in the table and graph. */
const script = `
function show(id) {
  var t = document.getElementById("wgsl-" + id);
  var row = document.querySelector('tr[data-kernel="' + id + '"]');
  document.getElementById("wgsl-title").textContent = row ? row.querySelector(".name").textContent : "kernel " + id;
  document.getElementById("wgsl-text").textContent = t ? t.content.textContent : "";
  document.querySelectorAll(".selected").forEach(function (e) { e.classList.remove("selected"); });
  document.querySelectorAll('[data-kernel="' + id + '"]').forEach(function (e) {
    if (e.matches("tr, .cluster")) e.classList.add("selected");
  });
  document.getElementById("wgsl-view").scrollIntoView({ block: "nearest" });
}
document.getElementById("fit").addEventListener("change", function (ev) {
  document.getElementById("graph").classList.toggle("fit", ev.target.checked);
});
document.addEventListener("click", function (ev) {
  var el = ev.target.closest("[data-kernel]");
  if (el) show(el.getAttribute("data-kernel"));
});
`;
