/**
 * @file `grove kernels` with fusion policies: the `rule` column, `--fusion` and `--fusion-policy`
 * (and their one-line errors), and `--compare A B`'s table, with and without `--profile`; the
 * same flags on `compile`, `train` and `eval`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fusionRules } from "../../src/codegen/fusion-policy.js";
import { describeGpu } from "../runtime/gpu.js";
import { resumeCommand } from "../../src/cli/train.js";
import { runGrove, xorProject } from "./run.js";

const mlp = "examples/mnist-mlp.grove";
const rules = new Set([...fusionRules.map((r) => r.name), "optimizer", "grad-norm", "alias"]);

/** The kernel rows of a `grove kernels` table: name, rule(s), dispatch count from the totals. */
function parse(out: string) {
  const lines = out.split("\n");
  const start = lines.findIndex((l) => l.startsWith("kernel "));
  const rows = lines.slice(start + 1, lines.indexOf("", start)).map((l) => l.split(/\s{2,}/));
  const dispatches = Number(/(\d+) dispatches per step/.exec(out)![1]);
  return { rows, dispatches };
}

describe("grove kernels with fusion policies", () => {
  it("names the rule that decided each kernel's group boundaries", async () => {
    const r = await runGrove(["kernels", mlp]);
    expect(r.err).toBe("");
    const { rows, dispatches } = parse(r.out);
    expect(rows).toHaveLength(dispatches);
    for (const [name, rule] of rows)
      for (const part of rule!.split(","))
        expect(rules.has(part.replace("+epilogue", "")), `${name}: ${rule}`).toBe(true);
    expect(rows.map((r) => r[1]).join(" ")).toMatch(/\bshared\b/);
  });

  it("--fusion switches a rule off and --fusion-policy loads one; both agree", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-policy-"));
    const file = join(dir, "no-shared.json");
    writeFileSync(file, JSON.stringify({ rules: { shared: false } }));
    const edits = await runGrove(["kernels", mlp, "--fusion", "-shared"]);
    const loaded = await runGrove(["kernels", mlp, "--fusion-policy", file]);
    expect(edits.code).toBe(0);
    expect(loaded.out).toBe(edits.out);
    expect(edits.out).not.toMatch(/\bshared\b(?!-)/);
  });

  it.each([
    [
      ["--fusion", "-sharde"],
      "grove kernels: --fusion: unknown fusion rule `sharde`; did you mean `shared`?",
    ],
    [
      ["--fusion", "-graph-output"],
      "grove kernels: --fusion: fusion rule `graph-output` cannot be switched off",
    ],
    [
      ["--fusion-policy", "/nonexistent/p.json"],
      "grove kernels: /nonexistent/p.json: cannot read the policy file (no such file)",
    ],
    [["--compare", "fused"], "grove kernels: --compare takes two or three policies, not 1"],
    [
      ["--compare", "fused", "deep-limt=2"],
      "grove kernels: --compare: unknown fusion parameter `deep-limt`; did you mean `deep-limit`?",
    ],
  ])("refuses %j with one line", async (args, message) => {
    const r = await runGrove(["kernels", mlp, ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toContain(message);
  });

  it("--compare A B prints both tables and their totals side by side", async () => {
    const r = await runGrove(["kernels", mlp, "--compare", "fused", "unfused"]);
    expect(r.code).toBe(0);
    const [a, b] = r.out.split(/^# [AB]: .*$/m).slice(1);
    const compare = r.out.slice(r.out.indexOf("# compare train"));
    const row = (name: string) =>
      compare
        .split("\n")
        .find((l) => l.startsWith(name))!
        .split(/\s{2,}/);
    expect(compare).toMatch(/^# compare train: A = fused, B = unfused$/m);
    const d = row("dispatches");
    expect(Number(d[1])).toBe(parse(a!).dispatches);
    expect(Number(d[2])).toBe(parse(b!).dispatches);
    expect(Number(d[3])).toBeCloseTo(parse(b!).dispatches / parse(a!).dispatches, 2);
    for (const name of ["flops", "bytes moved", "peak memory"]) expect(row(name)).toHaveLength(4);
    expect(compare).not.toMatch(/gpu ms/);
  });
});

describeGpu("grove kernels --compare --profile", () => {
  it("measures both policies on one device: per kernel and in total", async () => {
    const r = await runGrove([
      "kernels",
      mlp,
      "--compare",
      "fused",
      "merge-stage=off",
      "--profile",
    ]);
    expect(r.err).toBe("");
    const [a, b] = r.out.split(/^# [AB]: .*$/m).slice(1);
    const total = (t: string) => Number(/, ([\d.]+) ms GPU/.exec(t)![1]);
    const sum = (t: string) => parse(t).rows.reduce((s, row) => s + Number(row.at(-1)), 0);
    // Each time is printed to 3 decimals: the rounded sum may differ by half a unit per row.
    for (const t of [a!, b!])
      expect(Math.abs(sum(t) - total(t))).toBeLessThanOrEqual(0.0005 * parse(t).rows.length + 1e-3);
    const gpu = r.out
      .split("\n")
      .find((l) => l.startsWith("gpu ms"))!
      .split(/\s{2,}/);
    expect(Number(gpu[1])).toBeCloseTo(total(a!), 3);
    expect(Number(gpu[2])).toBeCloseTo(total(b!), 3);
  }, 120_000);
});

describe("--fusion on compile, train and eval", () => {
  it("grove compile --emit plan compiles with the policy", async () => {
    const plan = async (...args: string[]) => {
      const r = await runGrove(["compile", mlp, "--emit", "plan", ...args]);
      expect(r.err).toBe("");
      return JSON.parse(r.out) as { programs: { train: { dispatches: unknown[] } } };
    };
    const base = (await plan()).programs.train.dispatches.length;
    const split = (await plan("--fusion", "-merge-stage")).programs.train.dispatches.length;
    expect(split).toBeGreaterThan(base);
  });

  it.each(["compile", "train", "eval"])(
    "grove %s refuses an unknown rule in one line",
    async (cmd) => {
      const extra = cmd === "eval" ? ["--checkpoint", "x.safetensors"] : [];
      const r = await runGrove([cmd, mlp, ...extra, "--fusion", "-epilog"]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `grove ${cmd}: --fusion: unknown fusion rule \`epilog\`; did you mean \`epilogue\`? (rules: ${fusionRules.map((x) => x.name).join(", ")})\n`,
      );
    },
  );
});

describe("grove train's resume command", () => {
  it("keeps the fusion flags", () => {
    const opts = { fuse: true, fusion: "-shared", fusionPolicy: "p.json", backend: "gpu" } as const;
    expect(resumeCommand("m.grove", "c.safetensors", opts as never)).toBe(
      "grove train m.grove --resume c.safetensors --fusion-policy p.json --fusion -shared --backend gpu",
    );
  });
});

describeGpu("grove train and eval with --fusion", () => {
  it("a policy changes the kernels, not the losses", async () => {
    const { dir, file, checkpoint } = xorProject();
    const losses = async (log: string, ...args: string[]) => {
      const r = await runGrove(["train", file, "--log-json", join(dir, log), ...args]);
      expect(r.err).toBe("");
      return readFileSync(join(dir, log), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; loss?: number })
        .filter((e) => e.event === "step")
        .map((e) => e.loss!);
    };
    const base = await losses("a.jsonl");
    const other = await losses("b.jsonl", "--fusion", "-epilogue,-merge-stage,-shared");
    expect(other).toHaveLength(base.length);
    other.forEach((l, i) => expect(l, `step ${i + 1}`).toBeCloseTo(base[i]!, 5));
    const ev = await runGrove(["eval", file, "--checkpoint", checkpoint, "--fusion", "-shared"]);
    expect(ev.code, ev.err).toBe(0);
  }, 120_000);
});
