/**
 * Fusion policies as data: `--fusion` edits and policy files parse (and fail with one clear line),
 * the default policy is today's fusion, switching each switchable rule off changes the kernels as
 * expected, and on the GPU every such plan of the MNIST MLP and CNN computes the interpreter's loss
 * and gradients.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import {
  defaultPolicy,
  fusionRules,
  parseFusionEdits,
  parsePolicyJson,
  policyJson,
  PolicyError,
  unfusedPolicy,
  type FusionPolicy,
} from "../../src/codegen/fusion-policy.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { checkFile } from "../../src/parser/program.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { describeGpu } from "../runtime/gpu.js";
import { relError, writeInputs } from "./helpers.js";

const switchable = fusionRules.filter((r) => !r.required).map((r) => r.name);

function compile(file: string, batch: number, fusion?: FusionPolicy, fuse = true): CompiledPlan {
  const r = checkFile(file);
  expect(r.diagnostics).toEqual([]);
  const c = compilePlan(r.program.trains[0]!, {
    batch,
    fuse,
    ...(fusion ? { fusion } : {}),
    sources: r.sources.texts(),
  });
  expect(c.diagnostics).toEqual([]);
  return c.value!;
}

const rulesOf = (c: CompiledPlan) =>
  new Set((c.origins ?? []).flatMap((o) => o.groups.flatMap((g) => g.rule.split("+"))));
const groupsOf = (c: CompiledPlan) => (c.origins ?? []).flatMap((o) => o.groups);
const wgsl = (c: CompiledPlan) => c.plan.kernels.map((k) => k.wgsl);

describe("parsing policies", () => {
  it("applies edits: off, on, rule=off and parameters", () => {
    const p = parseFusionEdits("-shared, +shared,reread=off,deep-limit=4, prologue-limit=0");
    expect(p.rules.shared).toBe(true);
    expect(p.rules.reread).toBe(false);
    expect(p.params["deep-limit"]).toBe(4);
    expect(p.params["prologue-limit"]).toBe(0);
    expect(parseFusionEdits("").rules).toEqual(defaultPolicy.rules);
  });

  it("round trips through a policy file", () => {
    const p = parseFusionEdits("-epilogue,-merge-stage,reread-budget=65536");
    expect(parsePolicyJson(policyJson(p), "p.json")).toEqual(p);
    expect(parsePolicyJson("{}", "p.json")).toEqual(defaultPolicy);
  });

  it.each([
    ["-prologe-deep", "unknown fusion rule `prologe-deep`; did you mean `prologue-deep`?"],
    ["deep-limt=3", "unknown fusion parameter `deep-limt`; did you mean `deep-limit`?"],
    ["-graph-output", "fusion rule `graph-output` cannot be switched off: a value the host reads"],
    ["-loop", "fusion rule `loop` cannot be switched off"],
    ["-chain-deep", "fusion rule `chain-deep` cannot be switched off"],
    ["deep-limit=-1", "fusion parameter `deep-limit` must be an integer from 0 to 1000, not -1"],
    ["deep-limit=", "must be an integer from 0 to 1000, not nothing"],
    ["max-inline-depth=65", "must be an integer from 1 to 64, not 65"],
  ])("refuses %s with one line", (edits, message) => {
    expect(() => parseFusionEdits(edits)).toThrow(PolicyError);
    expect(() => parseFusionEdits(edits)).toThrow(message);
  });

  it.each([
    ["[]", "p.json: a policy is a JSON object"],
    ['{"rule": {}}', "p.json: unknown field `rule`"],
    ['{"rules": {"shard": false}}', "p.json: unknown fusion rule `shard`; did you mean `shared`?"],
    ['{"rules": {"shared": "no"}}', "p.json: rules.shared must be true or false"],
    ['{"params": {"deep-limit": 2.5}}', "p.json: fusion parameter `deep-limit` must be an integer"],
    ["{", "p.json: not JSON"],
  ])("refuses the policy file %s", (text, message) => {
    expect(() => parsePolicyJson(text, "p.json")).toThrow(message);
  });
});

describe.each([
  ["examples/mnist-mlp.grove", 16],
  ["examples/mnist-cnn.grove", 4],
])("%s under each policy", (file, batch) => {
  const base = compile(file, batch);

  it("the default policy is today's fusion; the unfused policy is --no-fuse", () => {
    expect(wgsl(compile(file, batch, defaultPolicy))).toEqual(wgsl(base));
    expect(wgsl(compile(file, batch, unfusedPolicy))).toEqual(
      wgsl(compile(file, batch, undefined, false)),
    );
    expect(rulesOf(base).has("shared")).toBe(true);
  });

  it.each(switchable)("switching %s off changes the kernels as the rule says", (rule) => {
    const off = compile(file, batch, parseFusionEdits(`-${rule}`));
    const count = (c: CompiledPlan) => c.plan.programs.train!.dispatches.length;
    expect(rulesOf(off).has(rule)).toBe(false);
    if (rule === "inline" || rule === "merge-stage")
      expect(count(off)).toBeGreaterThan(count(base));
    if (rule === "epilogue")
      expect((off.origins ?? []).some((o) => o.groups.some((g) => g.main))).toBe(false);
    // Where the rule decided a boundary by default, the node is now inlined or a later rule
    // (in the table's order) decides it; and the kernels change unless a later rule took over
    // every such boundary.
    const order = (name: string) => fusionRules.findIndex((r) => r.name === name.split("+")[0]);
    const now = new Map(groupsOf(off).map((g) => [g.output.id, g.rule]));
    const moved = groupsOf(base).filter((g) => g.rule.split("+").includes(rule));
    // Without epilogues, each loop an epilogue absorbed is a group of its own.
    if (rule === "epilogue")
      expect(groupsOf(off).length).toBe(groupsOf(base).length + moved.length);
    else
      for (const g of moved) {
        const later = now.get(g.output.id);
        if (later !== undefined)
          expect(order(later), `%${g.output.id}: ${later}`).toBeGreaterThan(order(rule));
      }
    if (rule === "inline" || rule === "merge-stage" || moved.some((g) => !now.has(g.output.id)))
      expect(wgsl(off)).not.toEqual(wgsl(base));
    // A boundary rule that decided nothing in this model leaves its kernels as they were.
    if (!["inline", "merge-stage", "epilogue"].includes(rule) && moved.length === 0)
      expect(wgsl(off)).toEqual(wgsl(base));
  });
});

describe("docs/research.md", () => {
  it("lists every fusion rule with its reason, switch and parameter", () => {
    const doc = readFileSync("docs/research.md", "utf8");
    const section = doc.slice(
      doc.indexOf("## The rules"),
      doc.indexOf("\n## ", doc.indexOf("## The rules")),
    );
    const rows = section
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) =>
        l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    const want = fusionRules.map((r) => [
      `\`${r.name}\``,
      r.required ? "required" : "switchable",
      r.param ? `\`${r.param.name}\` = ${r.param.value}` : "",
      r.reason,
    ]);
    expect(rows).toEqual(want);
  });
});

describeGpu("policies on the GPU", (gpu) => {
  const cases: [string, number][] = [
    ["examples/mnist-mlp.grove", 3],
    ["examples/mnist-cnn.grove", 2],
  ];
  const policies = [
    ...switchable.map((r) => `-${r}`),
    "deep-limit=0,prologue-limit=0,reread-budget=1",
  ];
  for (const [file, batch] of cases)
    it.each(policies)(
      `${file} with %s: loss and gradients equal the interpreter's`,
      async (edits) => {
        const c = compile(file, batch, parseFusionEdits(edits));
        const g = c.compiled.training;
        const values = randomBindings(g, seededRandom(5));
        const ref = interpret(g, values, { precision: "f64" });
        const runner = await PlanRunner.create(gpu.device, c.plan);
        try {
          for (const p of c.plan.params)
            runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
          for (const s of c.plan.state)
            runner.writeParam(s.name, new Float32Array(s.shape.reduce((x, d) => x * d, 1)));
          writeInputs(runner, c.plan, values);
          const step: Record<string, number> = { lr: 0, bc1: 1, bc2: 1, step: 1 };
          if (c.plan.uniforms?.fields.includes("clip")) step.clip = 1e9;
          runner.writeUniforms(step);
          runner.run("train");
          const loss = await runner.readOutput("loss");
          expect(relError(loss, ref.get(g.outputs.get("loss")!)!.data), "loss").toBeLessThan(1e-4);
          const grads = c.compiled.params.map((p) => ref.get(g.outputs.get(`d_${p}`)!)!.data);
          let scale = 0;
          for (const d of grads) for (const v of d) scale = Math.max(scale, Math.abs(v));
          for (const [i, p] of c.compiled.params.entries())
            expect(relError(await runner.readGrad(p), grads[i]!, scale), `d_${p}`).toBeLessThan(
              1e-4,
            );
        } finally {
          runner.destroy();
        }
      },
      120_000,
    );
});
