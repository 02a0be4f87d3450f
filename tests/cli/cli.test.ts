/**
 * @file `grove check` driven in-process through `runCli`: exit codes (0 clean, 1 user errors,
 * 2 usage errors), the three formats, and user mistakes reported as diagnostics rather than
 * stack traces.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrove, type Run } from "./run.js";
import { resumeCommand } from "../../src/cli/train.js";

const cli = (...argv: string[]): Promise<Run> => runGrove(argv);

const good = "examples/mnist-mlp.grove";
const bad = "tests/fixtures/bad/08-unknown-name.grove";
const noStack = /\n\s+at .+:\d+:\d+|internal compiler error/;

describe("grove check", () => {
  it("exits 0 and says ok for a clean file", async () => {
    const r = await cli("check", good);
    expect(r).toEqual({ code: 0, out: `${good}: ok\n`, err: "" });
  });

  it("checks several files and prints nothing in short format when all are clean", async () => {
    const r = await cli("check", "--format", "short", good, "examples/regression.grove");
    expect(r).toEqual({ code: 0, out: "", err: "" });
  });

  it("exits 1 with a rich report on errors", async () => {
    const r = await cli("check", bad);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("error[G0201]: unknown name `l3`");
    expect(r.err).toContain(` --> ${bad}:6:34`);
    expect(r.err.endsWith("grove check: errors found (1 file checked)\n")).toBe(true);
  });

  it("exits 1 when any one of several files has errors", async () => {
    const r = await cli("check", good, bad, "examples/autoencoder.grove");
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${good}: ok\nexamples/autoencoder.grove: ok\n`);
    expect(r.err).toContain("(3 files checked)");
  });

  it("prints one line per diagnostic in short format", async () => {
    const r = await cli("check", "--format=short", bad);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `${bad}:6:34: error[G0201]: unknown name \`l3\`\n`,
    });
  });

  it("prints all files' diagnostics as one JSON array", async () => {
    const r = await cli("check", "--format", "json", good, bad);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const items = JSON.parse(r.out) as {
      code: string;
      labels: { file: string; start: { line: number; column: number }; primary: boolean }[];
    }[];
    expect(items.map((d) => d.code)).toEqual(["G0201"]);
    expect(items[0]!.labels[0]).toMatchObject({
      file: bad,
      start: { line: 6, column: 34 },
      primary: true,
    });
  });

  it("prints an empty JSON array for clean files", async () => {
    const r = await cli("check", "--format", "json", good);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
  });

  it("reports a missing file as a diagnostic, not a stack trace", async () => {
    const r = await cli("check", "no/such/file.grove");
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[G0500]: cannot read `no/such/file.grove`");
    expect(r.err).not.toMatch(noStack);
    const json = await cli("check", "--format", "json", "no/such/file.grove");
    expect((JSON.parse(json.out) as { code: string }[]).map((d) => d.code)).toEqual(["G0500"]);
  });

  it("reports a directory given as a file as a diagnostic", async () => {
    const r = await cli("check", "--format", "short", "examples");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error\[G0500\]: cannot read `examples`: it is a directory/);
  });

  it("reports syntax errors in a temporary file by its path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-cli-"));
    const path = join(dir, "broken.grove");
    writeFileSync(path, "model M {\n  input x: [N, 4]\n  output y = (x\n}\n");
    const r = await cli("check", "--format", "short", path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.grove:4:1: error\[G0110\]: expected `\)` but found `\}`/);
    expect(r.err).not.toMatch(noStack);
  });
});

describe("usage errors", () => {
  it("rejects an unknown format with the allowed choices and exit 2", async () => {
    const r = await cli("check", "--format", "bogus", good);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("argument 'bogus' is invalid");
    expect(r.err).toContain("Allowed choices are rich, short, json");
  });

  it("rejects an unknown command with exit 2", async () => {
    const r = await cli("frobnicate", good);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it("rejects `check` without files and unknown options with exit 2", async () => {
    const none = await cli("check");
    expect(none.code).toBe(2);
    expect(none.err).toContain("missing required argument 'files'");
    const opt = await cli("check", "--frobnicate", good);
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("unknown option '--frobnicate'");
  });

  it("prints the version and help with exit 0", async () => {
    const v = await cli("--version");
    expect(v).toEqual({ code: 0, out: "0.1.0\n", err: "" });
    const h = await cli("check", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("Usage: grove check [options] <files...>");
    expect(h.out).toContain("--format <format>");
  });

  it("shows usage and exits 2 with no command", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: grove");
  });
});

describe("--set", () => {
  it("replaces a train setting on every command that reads one", async () => {
    const plan = async (...set: string[]) => {
      const r = await cli("compile", "--emit", "plan", "bench/models/mlp-small.grove", ...set);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { state: unknown[]; uniforms?: { fields: string[] } };
    };
    const sgd = await plan("--set", "optimizer = sgd(lr: 0.1)");
    expect(sgd.state).toEqual([]);
    const adam = await plan("--set", "optimizer = adam()", "--set", "clip_grad_norm = 1");
    expect(adam.state.length).toBeGreaterThan(0);
    expect(adam.uniforms?.fields).toContain("clip");
  });

  it("reports a bad setting with its place on the command line, exit 1, no stack", async () => {
    const r = await cli("check", good, "--set", "optimizer = adma()", "--format", "short");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^--set 1:1:13: error\[G0604\]: unknown optimizer `adma`/);
    expect(r.err).not.toMatch(noStack);
    const t = await cli("train", good, "--set", "epochs = 3 batch = 2");
    expect(t.code).toBe(1);
    expect(t.err).toContain("expected the end of the setting");
  });
});

describe("--subgroups", () => {
  it("compiles matrix products with subgroup operations only when asked", async () => {
    const wgsl = async (...extra: string[]) => {
      const r = await cli("compile", "--emit", "wgsl", "bench/models/mlp-large.grove", ...extra);
      expect(r.code, r.err).toBe(0);
      return r.out;
    };
    expect(await wgsl()).not.toContain("enable subgroups;");
    expect(await wgsl("--subgroups")).toContain("subgroupBroadcast(");
  });
});

describe("the resume hint", () => {
  it("repeats the overrides of the interrupted run, quoted for a POSIX shell", () => {
    const cmd = resumeCommand("m.grove", "ck/m.safetensors", {
      fuse: true,
      backend: "gpu",
      lr: 0.5,
      set: ["optimizer = adam(lr: 3e-4)", 'data = csv(path: "it\'s.csv", label: "y")'],
    });
    expect(cmd).toBe(
      "grove train m.grove --resume ck/m.safetensors --lr 0.5 --backend gpu " +
        "--set 'optimizer = adam(lr: 3e-4)' " +
        `--set 'data = csv(path: "it'\\''s.csv", label: "y")'`,
    );
  });
});
