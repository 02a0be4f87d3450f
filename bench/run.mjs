/**
 * @file The benchmark: every workload (two MLPs × SGD and Adam) in Grove, TF.js and jax-js, each
 * in a fresh process, on the same WebGPU device and on the CPU (Grove's `--backend onnx`, the
 * peers' wasm backends), then the 1024³ matmul on WebGPU. Prints the tables with ratios Grove /
 * peer (each against Grove on the same kind of device) and writes them to bench/RESULTS.md.
 * `npm run bench`; options: `--workloads large-sgd,small-adam`, `--libs grove,grove-onnx,jax-wasm`,
 * `--no-matmul`, `--no-write`. Exits 1 when the libraries' losses disagree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { fileURLToPath } from "node:url";
import { exampleRuns, measureExample } from "./lib/examples.mjs";
import { checkSteps, workloads } from "./lib/workloads.mjs";
import { matmulReport, measureMatmul } from "./matmul.mjs";
import { fmt, machine, mib, ratio, seconds, table } from "./lib/report.mjs";
import { libraries, onCpu, runWorker } from "./lib/spawn.mjs";

const tolerance = 1e-3;

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const libs = option("libs")?.split(",") ?? libraries;
const chosen = option("workloads")?.split(",");
const kinds = option("models")?.split(",");
const selected = workloads.filter(
  (w) => (!chosen || chosen.includes(w.id)) && (!kinds || kinds.includes(w.kind)),
);
if (selected.length === 0) {
  const ids = workloads.map((w) => w.id).join(", ");
  const all = [...new Set(workloads.map((w) => w.kind))].join(", ");
  process.stderr.write(`no workload selected: workloads are ${ids}; models are ${all}\n`);
  process.exit(2);
}
/** The matmul's size. */
const n = 1024;

/** Every measurement of the run, as data (workloads by id), so that `--from` can report it again. */
async function measure() {
  const started = Date.now();
  const header = machine();
  const results = [];
  /** [workload, library, why]: combinations a library cannot run. */
  const notRun = [];
  for (const w of selected) {
    for (const lib of libs) {
      const unsupported = w.unsupported?.[lib];
      if (unsupported) {
        process.stderr.write(`${w.id}: ${lib} not run: ${unsupported}\n`);
        notRun.push([w, lib, unsupported]);
        continue;
      }
      process.stderr.write(`${w.id}: ${lib} ...\n`);
      try {
        const result = await runWorker(["train", lib, w.id], { timeoutMs: w.timeoutMs });
        results.push({ workload: w, ...result });
        const losses = `loss ${result.firstLoss} at step 1, ${result.loss} at step ${checkSteps}`;
        process.stderr.write(`  ${losses}; ${fmt(result.stepsPerSec)} steps/s\n`);
      } catch (e) {
        process.stderr.write(`${e.message}\n`);
        results.push({ workload: w, lib, failed: true, error: e.message.split("\n")[0] });
      }
    }
  }
  const gpuLibs = libs.filter((l) => !onCpu(l));
  const matmul =
    process.argv.includes("--no-matmul") || gpuLibs.length === 0
      ? []
      : await measureMatmul(n, gpuLibs);

  // Grove's backends on the examples, for the default backend of `grove train`.
  const exampleRows = [];
  if (!process.argv.includes("--no-examples"))
    for (const example of exampleRuns) {
      const row = [example.name, String(example.steps)];
      const measured = {};
      for (const backend of ["gpu", "onnx"]) {
        process.stderr.write(`example ${example.name}: --backend ${backend} ...\n`);
        try {
          measured[backend] = await measureExample(example, backend);
        } catch (e) {
          process.stderr.write(`${e.message}\n`);
        }
      }
      const { gpu, onnx } = measured;
      row.push(
        gpu ? `${fmt(gpu.stepsPerSec)} (first step ${seconds(gpu.firstStep * 1000)})` : "failed",
        onnx ? `${fmt(onnx.stepsPerSec)} (first step ${seconds(onnx.firstStep * 1000)})` : "failed",
        gpu && onnx ? ratio(onnx.stepsPerSec, gpu.stepsPerSec) : "–",
      );
      exampleRows.push(row);
    }
  return {
    header,
    minutes: (Date.now() - started) / 60000,
    loadEnd: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    selected: selected.map((w) => w.id),
    results: results.map((r) => ({ ...r, workload: r.workload.id })),
    notRun: notRun.map(([w, lib, why]) => [w.id, lib, why]),
    matmul,
    exampleRows,
  };
}

// The measurements are saved before the report is written: a report bug does not cost the run.
const from = option("from");
const raw = from ? JSON.parse(readFileSync(from, "utf8")) : await measure();
if (!from) {
  const saved = join(tmpdir(), "grove-bench-last.json");
  writeFileSync(saved, JSON.stringify(raw));
  process.stderr.write(
    `measurements saved: node bench/run.mjs --from ${saved} reports them again\n`,
  );
}
const byId = new Map(workloads.map((w) => [w.id, w]));
const selectedRun = raw.selected.map((id) => byId.get(id));
const results = raw.results.map((r) => ({ ...r, workload: byId.get(r.workload) }));
const notRun = raw.notRun.map(([id, lib, why]) => [byId.get(id), lib, why]);
const { header, matmul, exampleRows } = raw;

const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const failures = [];
const sections = [];
const speedRows = [];
const detailRows = [];
const checkRows = [];
const cpuRows = [];
const summaryRows = [];
for (const w of selectedRun) {
  const rs = results.filter((r) => r.workload === w);
  const groveOn = (kind) => rs.find((r) => r.lib === "Grove" && !r.failed && r.kind === kind);
  const groveGpu = groveOn("webgpu");
  const groveCpu = groveOn("cpu");
  // Agreement is checked against Grove on WebGPU, or on the CPU when WebGPU did not run.
  const reference = groveGpu ?? groveCpu;
  const opt = `${w.optimizer.name === "sgd" ? "SGD" : "Adam"} (lr ${w.optimizer.args.lr})`;
  const label = `${w.title}, ${opt}`;
  if (groveGpu && groveCpu)
    cpuRows.push([
      label,
      fmt(groveGpu.stepsPerSec),
      fmt(groveCpu.stepsPerSec),
      ratio(groveCpu.stepsPerSec, groveGpu.stepsPerSec),
      seconds(groveGpu.coldMs),
      seconds(groveCpu.coldMs),
    ]);
  // The loss agreement first: a row whose losses disagree with Grove's is no comparison.
  const verdicts = new Map();
  for (const r of rs) {
    if (r.failed || r === reference || !reference) continue;
    const d1 = rel(r.firstLoss, reference.firstLoss);
    const dk = rel(r.loss, reference.loss);
    const ok = d1 <= tolerance && dk <= tolerance;
    verdicts.set(r, { ok, text: `${fmt(d1, 2)} / ${fmt(dk, 2)}${ok ? "" : " **FAIL**"}` });
    if (!ok) failures.push(`${w.id} ${r.lib} ${r.kind}: loss ${r.loss} vs Grove ${reference.loss}`);
  }
  const agrees = (r) => verdicts.get(r)?.ok !== false;
  for (const kind of ["webgpu", "cpu"]) {
    const grove = kind === "cpu" ? groveCpu : groveGpu;
    const peers = rs.filter((r) => !r.failed && r.kind === kind && r !== grove && agrees(r));
    if (!grove || peers.length === 0) continue;
    const best = peers.reduce((a, b) => (b.stepsPerSec > a.stepsPerSec ? b : a));
    const x = grove.stepsPerSec / best.stepsPerSec;
    summaryRows.push([
      label,
      kind === "cpu" ? "CPU" : "WebGPU",
      fmt(grove.stepsPerSec),
      `${best.lib} ${best.version}: ${fmt(best.stepsPerSec)}`,
      `${fmt(x)}×`,
      x >= 3 ? "yes" : "**no**",
    ]);
  }
  for (const r of rs) {
    if (r.failed) {
      failures.push(`${w.id} ${r.lib}: ${r.error}`);
      speedRows.push([label, r.lib, "failed", "", "", ""]);
      continue;
    }
    // Speed is compared with Grove on the same kind of device.
    const grove = r.kind === "cpu" ? groveCpu : groveGpu;
    const peer = r !== grove && grove !== undefined;
    const speedRatio = agrees(r) ? ratio(grove?.stepsPerSec, r.stepsPerSec) : "**losses disagree**";
    speedRows.push([
      label,
      `${r.lib} ${r.version}`,
      `${fmt(r.stepsPerSec)} (${fmt(Math.min(...r.rates))}–${fmt(Math.max(...r.rates))})`,
      peer ? speedRatio : "–",
      seconds(r.coldMs),
      peer ? ratio(grove.coldMs, r.coldMs) : "–",
    ]);
    const groveCheck =
      r === grove ? ` (plan: ${r.planDispatches} dispatches, peak ${mib(r.planPeakBytes)})` : "";
    if (r.kind === "webgpu")
      detailRows.push([
        label,
        r.lib,
        `${fmt(r.dispatchesPerStep)}${groveCheck}`,
        fmt(r.submitsPerStep),
        peer ? ratio(grove.dispatchesPerStep, r.dispatchesPerStep) : "–",
        mib(r.peakBufferBytes) + (r.tfMemoryBytes ? ` (tf.memory ${mib(r.tfMemoryBytes)})` : ""),
        peer ? ratio(grove.peakBufferBytes, r.peakBufferBytes) : "–",
      ]);
    if (r === groveGpu && Math.round(r.dispatchesPerStep) !== r.planDispatches)
      failures.push(
        `${w.id}: Grove counted ${r.dispatchesPerStep} dispatches, plan has ${r.planDispatches}`,
      );
    const verdict = verdicts.get(r)?.text ?? "reference";
    const who = `${r.lib} ${r.kind === "cpu" ? r.version.split(" ")[1] : "webgpu"}`;
    checkRows.push([label, who, r.firstLoss.toFixed(6), r.loss.toFixed(6), verdict]);
  }
  for (const [, lib, why] of notRun.filter(([nw]) => nw === w))
    speedRows.push([label, lib, `not run: ${why}`, "–", "–", "–"]);
}

if (summaryRows.length > 0)
  sections.push(
    "## Grove against the faster peer\n\n" +
      "For each workload, Grove's steps/s over those of the fastest peer whose losses agree with " +
      "Grove's, on the same kind of device (the target is 3× or more).\n\n" +
      table(
        ["workload", "device", "Grove steps/s", "fastest peer: steps/s", "Grove / peer", "≥ 3×"],
        summaryRows,
      ),
  );
sections.push(
  "## Training steps\n\n" +
    "Steps/s: median (and range) of timed runs of several steps, each ending with a readback of the loss and " +
    "the last bias (which waits for the whole run). Cold: fresh process with an empty Mesa shader " +
    "cache, from building the model to the first step's loss on the host. Grove / peer compares " +
    "with Grove on the same kind of device: the WebGPU peers with Grove on WebGPU, the wasm peers " +
    "with Grove's `--backend onnx` (ONNX Runtime on the CPU). Above 1× means Grove is faster in " +
    "steps/s; below 1× means Grove starts faster.\n\n" +
    table(
      [
        "workload",
        "library",
        "steps/s (min–max)",
        "Grove / peer",
        "cold first step",
        "Grove / peer",
      ],
      speedRows,
    ),
  "## Dispatches and memory\n\n" +
    "Per step, counted by wrapping `GPUComputePassEncoder.dispatchWorkgroups` and " +
    "`GPUQueue.submit` over the timed runs (the readbacks add a few submits). Memory: the peak of " +
    "live bytes over every `GPUDevice.createBuffer` (less `destroy`) in the process, staging " +
    "buffers and the library's pools included.\n\n" +
    table(
      [
        "workload",
        "library",
        "dispatches / step",
        "submits / step",
        "Grove / peer",
        "peak GPU buffers",
        "Grove / peer",
      ],
      detailRows,
    ),
  `## Agreement\n\nThe loss of step 1 and of step ${checkSteps} (before that step's update) from ` +
    `the same initial weights and batch; relative difference to Grove, flagged above ${tolerance}.\n\n` +
    table(
      [
        "workload",
        "library",
        "loss step 1",
        `loss step ${checkSteps}`,
        "rel. diff (1 / " + checkSteps + ")",
      ],
      checkRows,
    ),
);
if (cpuRows.length > 0)
  sections.push(
    "## Grove on this machine: `--backend onnx` against WebGPU\n\n" +
      "Grove's own two backends on the same workloads: WebGPU on this machine's adapter and ONNX " +
      "Runtime on its CPU cores (`grove train --backend onnx`). onnx / gpu above 1× means the ONNX " +
      "backend trains faster here.\n\n" +
      table(
        [
          "workload",
          "WebGPU steps/s",
          "onnx steps/s",
          "onnx / gpu",
          "cold first step, gpu",
          "cold first step, onnx",
        ],
        cpuRows,
      ),
  );
if (exampleRows.length > 0)
  sections.push(
    "### The examples\n\n" +
      "`grove train examples/NAME.grove --backend gpu|onnx --max-steps STEPS --eval-limit 64`, each " +
      "in a fresh process (an empty Mesa shader cache): steps/s after the first three steps, from " +
      "the `--log-json` step times; the first step counts from the start of the session (compiling " +
      "the plan, or lowering to ONNX, and the step).\n\n" +
      table(["example", "steps", "gpu steps/s", "onnx steps/s", "onnx / gpu"], exampleRows),
  );
if (matmul.length > 0) sections.push(matmulReport(n, matmul));

const adapter = results.find((r) => r.adapter)?.adapter ?? matmul[0]?.adapter;
const minutes = raw.minutes.toFixed(1);
const loadEnd = raw.loadEnd;
const report =
  `# Grove benchmark results\n\nWritten by \`npm run bench\` (bench/run.mjs) in ${minutes} min. ` +
  "The WebGPU libraries run on the same WebGPU device; lavapipe is Mesa's CPU Vulkan driver, so " +
  "those numbers compare WebGPU implementations on one device, not GPU speed. The CPU rows " +
  "(Grove's `--backend onnx`, the peers' wasm backends) use the same cores directly. See " +
  "bench/README.md.\n\n" +
  `${header.replace("WebGPU adapter (Dawn, `webgpu` npm): unknown", `WebGPU adapter (Dawn, \`webgpu\` npm): ${adapter ?? "none (CPU rows only)"}`)}\n` +
  `- load average at end: ${loadEnd}\n\n` +
  sections.join("\n\n") +
  (failures.length > 0 ? `\n\n## Failures\n\n${failures.map((f) => `- ${f}`).join("\n")}` : "") +
  "\n";
const resultsPath = fileURLToPath(new URL("RESULTS.md", import.meta.url));
// Formatted like the rest of the repository, so that `prettier --check .` passes.
const formatted = await prettier.format(report, {
  ...(await prettier.resolveConfig(resultsPath)),
  filepath: resultsPath,
});
console.log(formatted);
if (!process.argv.includes("--no-write")) {
  writeFileSync(resultsPath, formatted);
  process.stderr.write("wrote bench/RESULTS.md\n");
}
process.exit(failures.length > 0 ? 1 : 0);
