/**
 * @file `--remat` and `--memory-budget` on the command line: `grove kernels --compare` across
 * policies, the budget's choice (checked against plans compiled in-process) and its two errors,
 * the policy recorded in `compile --emit plan` and an exported program's plans, the partitioned
 * graph of `compile --emit ir`, and `grove train` taking the same losses under every policy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesMoved } from "../../src/codegen/budget.js";
import { compilePlan } from "../../src/codegen/compile.js";
import { rematPolicies } from "../../src/ir/remat.js";
import { checkFile } from "../../src/parser/program.js";
import { describeGpu } from "../runtime/gpu.js";
import { runGrove, xorProject } from "./run.js";
import { resumeCommand } from "../../src/cli/train.js";

const mlp = "examples/mnist-mlp.grove";
const vae = "examples/vae.grove";

/** Each policy's peak and bytes moved for `file`, compiled in-process (the oracle). */
function plans(file: string) {
  const train = checkFile(file).program.trains[0]!;
  return rematPolicies.map((policy) => {
    const plan = compilePlan(train, { remat: policy }).value!.plan;
    return { policy, peak: plan.peakBytes, moved: bytesMoved(plan) };
  });
}

describe("grove kernels --remat and --memory-budget", () => {
  it("--compare store recompute-cheap min-cut prints three tables and their totals", async () => {
    const r = await runGrove(["kernels", vae, "--compare", ...rematPolicies]);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^# C: min-cut$/m);
    const compare = r.out.slice(r.out.indexOf("# compare train"));
    expect(compare).toMatch(/^# compare train: A = store, B = recompute-cheap, C = min-cut$/m);
    const row = (name: string) =>
      compare
        .split("\n")
        .find((l) => l.startsWith(name))!
        .split(/\s{2,}/);
    for (const name of ["dispatches", "flops", "bytes moved", "peak memory", "temporaries"])
      expect(row(name), name).toHaveLength(6);
    expect(row("dispatches").slice(1, 4).map(Number)).toEqual(
      [...r.out.matchAll(/(\d+) dispatches per step/g)].map((m) => Number(m[1])),
    );
    // Each table ends with what its policy decided; store recomputes nothing.
    expect(r.out).toMatch(/^remat store: .* and recomputes none$/m);
    expect(r.out).toMatch(/^remat min-cut: the backward reads \d+ forward values stored/m);
  });

  it("--memory-budget picks the plan moving the fewest bytes among those that fit", async () => {
    const all = plans(vae);
    const peaks = [...new Set(all.map((p) => p.peak))].sort((a, b) => a - b);
    for (const budget of [peaks[0]!, peaks.at(-1)!, peaks.at(-1)! * 2]) {
      const fit = all.filter((p) => p.peak <= budget);
      const best = fit.reduce((a, b) => (b.moved < a.moved ? b : a));
      const r = await runGrove(["kernels", vae, "--memory-budget", String(budget)]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(new RegExp(`^memory budget ${budget} bytes: --remat ${best.policy} `));
      expect(r.out).toMatch(new RegExp(`^remat ${best.policy}:`, "m"));
    }
  });

  it("a budget no policy fits is G0806 naming the smallest peak; below the fixed part G0807", async () => {
    const smallest = Math.min(...plans(vae).map((p) => p.peak));
    const r = await runGrove(["kernels", vae, "--memory-budget", String(smallest - 1)]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^error\[G0806\]: no rematerialisation policy fits the memory budget/);
    expect(r.err).toContain(`the smallest peak reachable is ${smallest} bytes`);
    expect(r.err).toContain("--> examples/vae.grove:");
    const tiny = await runGrove(["kernels", vae, "--memory-budget", "1000"]);
    expect(tiny.code).toBe(1);
    expect(tiny.err).toMatch(/^error\[G0807\]: the memory budget of 1000 bytes is smaller than/);
  });

  it.each([
    [["--remat", "all"], "error: option '--remat <policy>' argument 'all' is invalid"],
    [["--memory-budget", "0"], "--memory-budget must be a whole number"],
  ])("refuses %j", async (args, message) => {
    const r = await runGrove(["kernels", mlp, ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe("the policy in compiled plans and programs", () => {
  it("grove compile --emit plan records a policy other than store", async () => {
    const plan = async (...args: string[]) => {
      const r = await runGrove(["compile", mlp, "--emit", "plan", ...args]);
      expect(r.err).toBe("");
      return JSON.parse(r.out) as { remat?: string };
    };
    expect((await plan()).remat).toBeUndefined();
    expect((await plan("--remat", "store")).remat).toBeUndefined();
    expect((await plan("--remat", "min-cut")).remat).toBe("min-cut");
  });

  it("--remat store compiles the same WGSL and Plan as no --remat", async () => {
    for (const emit of ["wgsl", "plan"]) {
      const plain = await runGrove(["compile", mlp, "--emit", emit]);
      const store = await runGrove(["compile", mlp, "--emit", emit, "--remat", "store"]);
      expect(plain.code).toBe(0);
      expect(store.out).toBe(plain.out);
    }
    const cut = await runGrove(["compile", mlp, "--emit", "wgsl", "--remat", "min-cut"]);
    expect(cut.out).toMatch(/ \(recomputed\)$/m);
  });

  it("grove compile --emit ir --remat prints the partitioned graph, copies marked", async () => {
    const r = await runGrove(["compile", mlp, "--remat", "recompute-cheap", "--batch", "2"]);
    expect(r.err).toBe("");
    const part = r.out.slice(r.out.indexOf("partitioned by --remat recompute-cheap"));
    expect(part).toMatch(/# recomputed, examples\/mnist-mlp\.grove:\d+:\d+/);
    expect(r.out.slice(0, r.out.indexOf("partitioned"))).not.toMatch(/recomputed/);
  });

  it("grove export --target node writes plans that carry the policy; onnx and pytorch refuse it", async () => {
    const { dir, file } = xorProject();
    const out = join(dir, "program");
    const r = await runGrove([
      "export",
      file,
      "--target",
      "node",
      "--portable",
      "--remat",
      "min-cut",
      "-o",
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const program = readFileSync(join(out, "train.mjs"), "utf8");
    expect(program).toMatch(/remat: "min-cut"|"remat": "min-cut"/);
    const onnx = await runGrove([
      "export",
      file,
      "--target",
      "onnx",
      "--checkpoint",
      "c.safetensors",
      "-o",
      join(dir, "m.onnx"),
      "--remat",
      "min-cut",
    ]);
    expect(onnx.code).toBe(1);
    expect(onnx.err).toContain("--target onnx writes the inference graph");
    const torch = await runGrove([
      "export",
      file,
      "--target",
      "pytorch",
      "-o",
      join(dir, "t"),
      "--remat",
      "min-cut",
    ]);
    expect(torch.code).toBe(1);
    expect(torch.err).toContain("--target pytorch writes PyTorch code");
  });

  it("grove train's resume command keeps --remat and --memory-budget", () => {
    const opts = { fuse: true, remat: "min-cut", memoryBudget: 5000000, backend: "gpu" } as const;
    expect(resumeCommand("m.grove", "c.safetensors", opts as never)).toBe(
      "grove train m.grove --resume c.safetensors --remat min-cut --memory-budget 5000000 --backend gpu",
    );
  });
});

describeGpu("grove train with --remat", () => {
  it("every policy takes the same losses, and a checkpoint resumes under another", async () => {
    const { dir, file } = xorProject();
    const losses = async (log: string, ...args: string[]) => {
      const r = await runGrove(["train", file, "--log-json", join(dir, log), ...args]);
      expect(r.code, r.err).toBe(0);
      return readFileSync(join(dir, log), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; loss?: number })
        .filter((e) => e.event === "step")
        .map((e) => e.loss!);
    };
    const base = await losses("store.jsonl");
    expect(base.length).toBeGreaterThan(4);
    for (const policy of ["recompute-cheap", "min-cut"]) {
      const other = await losses(`${policy}.jsonl`, "--remat", policy);
      expect(other).toHaveLength(base.length);
      other.forEach((l, i) => expect(l, `${policy} step ${i + 1}`).toBeCloseTo(base[i]!, 5));
    }
    // A checkpoint moves between policies: stopped under min-cut, resumed under store, the run
    // takes the uninterrupted store run's steps.
    const saved = join(dir, "mincut.safetensors");
    await losses("first.jsonl", "--remat", "min-cut", "--max-steps", "3", "--checkpoint", saved);
    const rest = await losses("rest.jsonl", "--resume", saved);
    expect(rest).toHaveLength(base.length - 3);
    rest.forEach((l, i) => expect(l, `resumed step ${i + 4}`).toBeCloseTo(base[i + 3]!, 5));
  }, 120_000);
});
