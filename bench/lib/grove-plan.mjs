/**
 * @file Grove's side of a workload, shared by both of its backends: the bench model checked and
 * compiled to a Plan with the workload's optimizer, its parameters checked against the workload's
 * list (names, shapes and initialisers, so every library starts from what Grove would draw), and
 * the first values (weights, zero optimizer state, the batch) written into a runner.
 */
import { fileURLToPath } from "node:url";
import { compilePlan } from "../../dist/codegen/compile.js";
import { renderDiagnostics } from "../../dist/diag/render.js";
import { checkFile, nodeHost } from "../../dist/parser/program.js";
import { stepScalars } from "./workloads.mjs";

/** The repository: the bench models import the examples they measure. */
const root = fileURLToPath(new URL("../../", import.meta.url));

/** The workload's own train section compiled with its optimizer and batch; throws on diagnostics. */
export function compileWorkload(workload, options) {
  const checked = checkFile(workload.model, nodeHost, { importRoot: root });
  if (checked.diagnostics.length > 0)
    throw new Error(renderDiagnostics(checked.diagnostics, checked.sources, "short"));
  // An imported example brings its own train section along: take the bench file's.
  const train = checked.program.trains.find((t) => t.span.file === workload.model);
  if (!train) throw new Error(`${workload.model}: no train section of its own`);
  // Override the optimizer of the train section: the MLPs run both SGD and Adam.
  const optimizer = { ...workload.optimizer, span: train.optimizer.span };
  const compiled = compilePlan({ ...train, optimizer }, { batch: workload.batch, ...options });
  if (!compiled.value)
    throw new Error(renderDiagnostics(compiled.diagnostics, checked.sources, "short"));
  const plan = compiled.value.plan;
  const describe = (ps) =>
    ps.map((p) => `${p.name}:${p.shape.join("x")}:${JSON.stringify(p.init)}`).join(" ");
  const sorted = (p) => ({ ...p, init: { name: p.init.name, args: sortKeys(p.init.args) } });
  const got = describe(plan.params.map(sorted));
  const want = describe(workload.params.map(sorted));
  if (got !== want) throw new Error(`${workload.model}: params\n  ${got}\nexpected\n  ${want}`);
  const names = plan.inputs.map((t) => t.name).join(",");
  if (names !== workload.inputs.join(","))
    throw new Error(`${workload.model}: inputs ${names}, expected ${workload.inputs}`);
  return { compiled: compiled.value, plan, optimizer };
}

const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Writes the initial weights, zero optimizer state and the batch (`x`, `y`) into a runner. */
export function writeStart(runner, plan, weights, { x, y }) {
  for (const p of plan.params) runner.writeParam(p.name, weights.get(p.name));
  for (const s of plan.state)
    runner.writeParam(s.name, new Float32Array(s.shape.reduce((a, d) => a * d, 1)));
  const [xName, yName] = plan.inputs.map((t) => t.name);
  runner.writeInput(xName, x);
  runner.writeInput(yName, y);
}

/** Writes the step's optimizer scalars (those the plan has) before step `t`. */
export function writeStepScalars(runner, plan, optimizer, t) {
  const fields = plan.uniforms?.fields ?? [];
  if (fields.length === 0) return;
  const all = stepScalars(optimizer, t);
  runner.writeUniforms(Object.fromEntries(fields.map((f) => [f, all[f]])));
}
