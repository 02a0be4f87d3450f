/**
 * The runtime runs in a real browser: `PlanRunner` bundled with esbuild for the browser, served
 * over http and driven in headless Chromium, runs an example's Plan on `navigator.gpu` (Chromium's
 * SwiftShader adapter). Its losses, metrics, parameters after three steps and evaluation outputs
 * match the CPU backend within float32 rounding; a screenshot of the page is kept.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { expect, it } from "vitest";
import { serveDirectory } from "../../src/cli/serve.js";
import { compilePlan } from "../../src/codegen/compile.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { checkFile } from "../../src/parser/program.js";
import { CpuRunner } from "../../src/runtime/index.js";
import { relError } from "../codegen/helpers.js";
import { describeBrowser, screenshot } from "./chromium.js";

const root = resolve(import.meta.dirname, "../..");

/** The page: runs the case in `case.json` and leaves what it read in `window.result`. */
const page = `<!doctype html>
<meta charset="utf-8">
<title>Grove PlanRunner in the browser</title>
<h1>Grove PlanRunner in the browser</h1>
<pre id="log">running...</pre>
<script type="module">
import { PlanRunner } from "./runner.js";
const log = document.getElementById("log");
const size = (t) => t.shape.reduce((a, b) => a * b, 1);
try {
  const c = await (await fetch("./case.json")).json();
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice();
  const runner = await PlanRunner.create(device, c.plan);
  for (const p of c.plan.params) runner.writeParam(p.name, Float32Array.from(c.params[p.name]));
  for (const s of c.plan.state) runner.writeParam(s.name, new Float32Array(size(s)));
  for (const t of c.plan.inputs)
    runner.writeInput(t.name, (t.dtype === "i32" ? Int32Array : Float32Array).from(c.inputs[t.name]));
  const read = async (names) =>
    Object.fromEntries((await runner.readOutputs(names)).map((v, i) => [names[i], Array.from(v)]));
  const steps = [];
  for (const u of c.uniforms) {
    runner.writeUniforms(u);
    runner.run("train");
    steps.push(await read(c.plan.programs.train.outputs));
  }
  const params = {};
  for (const p of c.plan.params) params[p.name] = Array.from(await runner.readParam(p.name));
  await runner.prepare("eval");
  runner.run("eval");
  const evaluation = await read(c.plan.programs.eval.outputs);
  log.textContent = adapter.info.architecture + "\\n" +
    steps.map((s, i) => "step " + (i + 1) + ": loss " + s.loss[0].toFixed(6)).join("\\n");
  window.result = { adapter: adapter.info.architecture, steps, params, evaluation };
} catch (e) {
  log.textContent = String(e && e.stack || e);
  window.result = { error: String(e && e.stack || e) };
}
</script>
`;

describeBrowser("PlanRunner in headless Chromium", (open) => {
  it("trains examples/regression.grove 3 steps like the CPU backend", async () => {
    const file = join(root, "examples/regression.grove");
    const r = checkFile(file);
    expect(r.diagnostics).toEqual([]);
    const train = r.program.trains[0]!;
    const compiled = compilePlan(train, { batch: 8 }).value!;
    const { plan } = compiled;
    const values = randomBindings(compiled.compiled.training, seededRandom(3));
    const data = (name: string) => Array.from(values[name]!.data);
    const uniforms = [1, 2, 3].map((step) => ({
      lr: 0.01,
      bc1: 1 - 0.9 ** step,
      bc2: 1 - 0.999 ** step,
      step,
      ...(plan.uniforms!.fields.includes("clip") ? { clip: 0.5 } : {}),
    }));

    // The reference: the same steps on the CPU backend.
    const cpu = CpuRunner.create(compiled, train.optimizer);
    for (const p of plan.params) cpu.writeParam(p.name, Float32Array.from(data(p.name)));
    for (const t of plan.inputs)
      cpu.writeInput(
        t.name,
        t.dtype === "i32" ? Int32Array.from(data(t.name)) : Float32Array.from(data(t.name)),
      );
    const want: Record<string, number[]>[] = [];
    for (const u of uniforms) {
      cpu.writeUniforms(u);
      cpu.run("train");
      const names = plan.programs.train!.outputs;
      const got = await cpu.readOutputs(names);
      want.push(Object.fromEntries(names.map((n, i) => [n, Array.from(got[i]!)])));
    }
    const wantParams = Object.fromEntries(
      await Promise.all(plan.params.map(async (p) => [p.name, await cpu.readParam(p.name)])),
    );
    cpu.run("eval");
    const evalNames = plan.programs.eval!.outputs;
    const wantEval = await cpu.readOutputs(evalNames);

    const dir = mkdtempSync(join(tmpdir(), "grove-browser-"));
    await build({
      entryPoints: [join(root, "src/runtime/runner.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      external: ["node:*"],
      outfile: join(dir, "runner.js"),
      logLevel: "error",
    });
    writeFileSync(join(dir, "index.html"), page);
    const inputs = Object.fromEntries(plan.inputs.map((t) => [t.name, data(t.name)]));
    const params = Object.fromEntries(plan.params.map((p) => [p.name, data(p.name)]));
    writeFileSync(join(dir, "case.json"), JSON.stringify({ plan, params, inputs, uniforms }));

    const served = await serveDirectory(dir, { port: 0 });
    const tab = await open();
    try {
      await tab.goto(served.url);
      await tab.waitForFunction("'result' in window", undefined, { timeout: 60_000 });
      const result = (await tab.evaluate("window.result")) as {
        error?: string;
        adapter: string;
        steps: Record<string, number[]>[];
        params: Record<string, number[]>;
        evaluation: Record<string, number[]>;
      };
      await screenshot(tab, "runner-regression");
      expect(result.error).toBeUndefined();
      expect(result.steps).toHaveLength(3);
      result.steps.forEach((step, i) => {
        for (const [name, w] of Object.entries(want[i]!))
          expect(relError(step[name]!, w, 1e-3), `${name} at step ${i + 1}`).toBeLessThan(2e-3);
      });
      for (const p of plan.params)
        expect(relError(result.params[p.name]!, wantParams[p.name]!, 1e-3), p.name).toBeLessThan(
          2e-3,
        );
      evalNames.forEach((name, i) =>
        expect(relError(result.evaluation[name]!, wantEval[i]!, 1e-3), `eval ${name}`).toBeLessThan(
          2e-3,
        ),
      );
    } finally {
      await tab.close();
      await served.close();
    }
  }, 120_000);
});
