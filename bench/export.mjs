/**
 * @file The exported program's figures (issue: standalone training programs), on this machine:
 * its size (code and gzipped, as `grove export` reports it), the time from the process start to
 * the first step of `node train.mjs` against `grove train --backend gpu` (each run with an empty
 * shader cache, interleaved), and the steps/s of the exported page in headless Chromium against
 * `grove train`'s, over the first epoch. `node bench/export.mjs [--example FILE] [--runs N]
 * [--steps N]` (after `npm run build`; needs what scripts/setup.sh installs, Chromium included).
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { serveDirectory } from "../dist/cli/serve.js";
import { fmt, machine, ratio, table } from "./lib/report.mjs";

const root = resolve(import.meta.dirname, "..");
const grove = join(root, "bin/grove.js");
const { values: opts } = parseArgs({
  options: {
    example: { type: "string", default: "examples/mnist-mlp.grove" },
    runs: { type: "string", default: "3" },
    steps: { type: "string", default: "57" },
  },
});
const example = resolve(root, opts.example);
const tmp = (prefix) => mkdtempSync(join(os.tmpdir(), prefix));

/** Exports `example` for `target` into a new folder; the size and device lines `grove export` prints. */
function exportTo(target) {
  const dir = tmp(`grove-bench-${target}-`);
  const out = execFileSync(
    process.execPath,
    [grove, "export", example, "--target", target, "-o", dir],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const lines = out.split("\n");
  return { dir, size: lines[1].trim(), device: lines[2].trim().replace(/^compiled for /, "") };
}

/** The JSON lines of a `--log-json` file. */
const logged = (file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/**
 * Seconds from spawning `args` (in `cwd`, with a new shader cache) to the first step event in its
 * log; the process then runs to its end.
 */
async function firstStep(args, cwd) {
  const dir = tmp("grove-bench-first-");
  const log = join(dir, "log.jsonl");
  const env = { ...process.env, MESA_SHADER_CACHE_DIR: join(dir, "shader-cache") };
  const start = performance.now();
  const child = spawn(process.execPath, [...args, "--log-json", log], {
    cwd,
    env,
    stdio: "ignore",
  });
  const exited = new Promise((done) => child.on("exit", done));
  let seconds;
  while (seconds === undefined) {
    await new Promise((done) => setTimeout(done, 10));
    if (existsSync(log) && readFileSync(log, "utf8").includes('"event":"step"'))
      seconds = (performance.now() - start) / 1000;
    else if (child.exitCode !== null) throw new Error(`${args.join(" ")} ended before a step`);
  }
  await exited;
  return seconds;
}

/** `grove train`'s steps/s over its first epoch of `steps` steps (lavapipe). */
function groveStepsPerSecond(steps) {
  const log = join(tmp("grove-bench-train-"), "log.jsonl");
  execFileSync(
    process.execPath,
    [grove, "train", example, "--backend", "gpu", "--max-steps", steps, "--log-json", log],
    { stdio: "ignore" },
  );
  return logged(log).find((e) => e.event === "epoch").stepsPerSecond;
}

/** The exported page's steps/s over its first epoch of `steps` steps, and its adapter. */
async function pageStepsPerSecond(dir, steps) {
  const served = await serveDirectory(dir, { port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env.GROVE_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--enable-unsafe-webgpu", "--no-sandbox", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${served.url}?max-steps=${steps}`);
    await page.waitForFunction(
      () => ["done", "failed", "no-webgpu"].includes(globalThis.groveRun?.state),
      null,
      {
        timeout: 600_000,
      },
    );
    const run = await page.evaluate(() => globalThis.groveRun);
    if (run.state !== "done")
      throw new Error(`the page's run ended ${run.state}: ${run.error ?? ""}`);
    const adapter = await page.evaluate(async () => {
      const a = await navigator.gpu.requestAdapter();
      return a ? `${a.info.vendor} ${a.info.architecture} ${a.info.description}`.trim() : "none";
    });
    return { stepsPerSecond: run.epochs[0].stepsPerSecond, adapter };
  } finally {
    await browser.close();
    await served.close();
  }
}

const node = exportTo("node");
symlinkSync(join(root, "node_modules"), join(node.dir, "node_modules"));
const page = exportTo("browser");
const runs = Number(opts.runs);
const times = { grove: [], program: [] };
for (let i = 0; i < runs; i++) {
  process.stderr.write(`first step, round ${i + 1} of ${runs} ...\n`);
  times.grove.push(
    await firstStep([grove, "train", example, "--backend", "gpu", "--max-steps", "2"], root),
  );
  times.program.push(await firstStep(["train.mjs", "--max-steps", "2"], node.dir));
}
process.stderr.write("steps/s: grove train, then the page ...\n");
const groveRate = groveStepsPerSecond(opts.steps);
const pageRate = await pageStepsPerSecond(page.dir, opts.steps);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (xs) => `${xs.map((x) => x.toFixed(2)).join(", ")} (median ${median(xs).toFixed(2)})`;
console.log(`# The exported program: ${opts.example}

${machine(node.device)}

- node: ${node.size}
- browser: ${page.size}

${table(
  ["figure", "exported", "grove train --backend gpu", "ratio"],
  [
    [
      "first step, s (empty shader cache)",
      secs(times.program),
      secs(times.grove),
      ratio(median(times.program), median(times.grove)),
    ],
    [
      `steps/s, first epoch (${opts.steps} steps)`,
      `${fmt(pageRate.stepsPerSecond)} (page, ${pageRate.adapter})`,
      fmt(groveRate),
      ratio(pageRate.stepsPerSecond, groveRate),
    ],
  ],
)}`);
