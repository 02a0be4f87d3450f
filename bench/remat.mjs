/**
 * @file Rematerialisation policies measured on one device: for each model, the plan of every
 * `--remat` policy (compiled as `grove train` compiles for this device), its peak memory,
 * temporaries, bytes moved and dispatches, and training steps per second, with the policies
 * interleaved round by round so a busy machine slows them alike. Prints a Markdown table (the one
 * in docs/research.md). `npm run build && node bench/remat.mjs [--steps N] [--rounds R] [FILE...]`
 * (default: the char transformer, the MNIST CNN and the 784-512-512-10 MLP of bench/models).
 */
import { bytesMoved } from "../dist/codegen/budget.js";
import { compilePlan } from "../dist/codegen/compile.js";
import { renderDiagnostics } from "../dist/diag/render.js";
import { rematPolicies } from "../dist/ir/remat.js";
import { checkFile } from "../dist/parser/program.js";
import { acquireDevice, planOptionsFor, PlanRunner } from "../dist/runtime/index.js";
import { initialiseParams, randomInputs } from "../dist/runtime/host-data.js";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const steps = option("steps", 10);
const rounds = option("rounds", 3);
const given = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
const files =
  given.length > 0
    ? given
    : [
        "examples/char-transformer.grove",
        "examples/mnist-cnn.grove",
        "bench/models/mlp-large.grove",
      ];

const gpu = await acquireDevice();
const device = gpu.device;
const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A runner for `train` under `policy`, warmed up (its pipelines compiled by a first step). */
async function prepare(train, policy) {
  const r = compilePlan(train, { ...planOptionsFor(device), quick: false, remat: policy });
  if (!r.value) throw new Error(renderDiagnostics(r.diagnostics, new Map(), "short"));
  const plan = r.value.plan;
  const runner = await PlanRunner.create(device, plan, { programs: ["train"] });
  initialiseParams(runner, plan, 1);
  randomInputs(runner, plan, 1);
  const fields = plan.uniforms?.fields ?? [];
  const scalars = { lr: 1e-4, bc1: 0.1, bc2: 0.001, step: 1, clip: 0 };
  const step = () => {
    runner.writeUniforms(Object.fromEntries(fields.map((f) => [f, scalars[f]])));
    runner.run("train");
  };
  step();
  await runner.readOutput("loss");
  return { plan, runner, step };
}

/** Steps per second over `steps` steps submitted back to back, waiting for the last loss. */
async function measure({ runner, step }) {
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  await runner.readOutput("loss");
  return (steps * 1000) / (performance.now() - t0);
}

const rows = [];
for (const file of files) {
  const checked = checkFile(file);
  if (checked.diagnostics.length > 0)
    throw new Error(renderDiagnostics(checked.diagnostics, checked.sources, "short"));
  const train = checked.program.trains[0];
  const runs = [];
  for (const policy of rematPolicies) {
    process.stderr.write(`${file}: compiling and warming up ${policy} ...\n`);
    runs.push({ policy, ...(await prepare(train, policy)), rates: [] });
  }
  for (let round = 0; round < rounds; round++)
    for (const run of runs) run.rates.push(await measure(run));
  for (const run of runs) {
    const temps = run.plan.buffers
      .filter((b) => b.kind === "temp")
      .reduce((s, b) => s + b.bytes, 0);
    const rate = median(run.rates);
    rows.push([
      file,
      run.policy,
      String(run.plan.programs.train.dispatches.length),
      mb(run.plan.peakBytes),
      mb(temps),
      mb(bytesMoved(run.plan)),
      `${rate.toFixed(2)} (${run.rates.map((r) => r.toFixed(2)).join(", ")})`,
      (rate / median(runs[0].rates)).toFixed(2),
    ]);
    run.runner.destroy();
  }
}
gpu.close();

const head = [
  "model",
  "--remat",
  "dispatches",
  "peak memory",
  "temporaries",
  "bytes moved",
  "steps/s (median of rounds)",
  "vs store",
];
console.log(`| ${head.join(" | ")} |`);
console.log(`| ${head.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(
  `\n${device.adapterInfo.description || device.adapterInfo.vendor}; batch as in each file; ${steps} steps per round, ${rounds} rounds`,
);
