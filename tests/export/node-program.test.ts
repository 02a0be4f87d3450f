/**
 * `grove export --target node`: the folder it writes runs without Grove (with `webgpu` linked in,
 * the offline equivalent of `npm install`), takes the same steps as `grove train` with the same
 * seed on the same device bit for bit (the same kernels run on lavapipe), writes checkpoints that
 * `grove eval` reads, stops on Ctrl-C with a checkpoint it resumes from, and says what is wrong
 * with a flag or the data in one line.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { runGrove } from "../cli/run.js";
import { describeGpu } from "../runtime/gpu.js";
import {
  errLines,
  exportProgram,
  linkWebgpu,
  loggedSteps,
  runProgram,
  tempDir,
  type ChildRun,
} from "./program-helpers.js";

/** `grove train FILE --max-steps K` with its log; the losses and the output. */
async function groveTrain(file: string, steps: number, ...flags: string[]) {
  const dir = tempDir("grove-train-");
  const log = join(dir, "log.jsonl");
  const checkpoint = join(dir, "run.safetensors");
  const r = await runGrove([
    ...["train", file, "--max-steps", String(steps), "--log-json", log],
    ...["--checkpoint", checkpoint, ...flags],
  ]);
  expect(r.code).toBe(0);
  return { ...r, steps: loggedSteps(log), checkpoint };
}

/** `node train.mjs --max-steps K` in `dir` with a log; its losses and output. */
async function programTrain(dir: string, steps: number, ...flags: string[]) {
  const log = join(tempDir(), "log.jsonl");
  const r = await runProgram(dir, ["--max-steps", String(steps), "--log-json", log, ...flags]);
  expect(errLines(r.err)).toEqual([]);
  expect(r.code).toBe(0);
  return { ...r, steps: loggedSteps(log) };
}

/** The lines two runs print alike: all but speeds, times, paths and the timed step lines. */
const timeless = (out: string) =>
  out
    .split("\n")
    .filter((l) => !/^(checkpoint saved|chart saved| {2}step )/.test(l))
    .map((l) => l.replace(/\s+[\d.]+ steps\/s.*$/, "").replace(/ in [\d.]+s.*$/, ""));

describeGpu("an exported Node program", () => {
  let regression: string;
  let mnist: string;
  beforeAll(async () => {
    regression = await exportProgram("examples/regression.grove", "node");
    mnist = await exportProgram("examples/mnist-mlp.grove", "node");
    linkWebgpu(regression);
    linkWebgpu(mnist);
  }, 120_000);

  it("writes train.mjs (Prettier-formatted, with its header), the runtime, package.json, README and data", async () => {
    const train = readFileSync(join(regression, "train.mjs"), "utf8");
    const prettier = await import("prettier");
    expect(await prettier.check(train, { parser: "babel", printWidth: 100 })).toBe(true);
    expect(train).toMatch(
      /^\/\/ train\.mjs: trains the Grove model HousePrice of examples\/regression\.grove/,
    );
    expect(train).toMatch(
      /\n\/\/ Exported by Grove 0\.1\.0( \(commit [0-9a-f]{12}\+?\))? with grove export --target node/,
    );
    const pkg = JSON.parse(readFileSync(join(regression, "package.json"), "utf8"));
    const grove = JSON.parse(readFileSync("package.json", "utf8"));
    expect(pkg.dependencies).toEqual({ webgpu: grove.dependencies.webgpu });
    expect(existsSync(join(regression, "README.md"))).toBe(true);
    expect(readFileSync(join(regression, "data/housing.csv"), "utf8")).toBe(
      readFileSync("examples/data/housing.csv", "utf8"),
    );
    // Only the runtime: no compiler (its entry points keep their names in the bundle).
    const runtime = readFileSync(join(mnist, "grove-runtime.mjs"), "utf8");
    const names = [
      "function emitPlan",
      "function lowerTrace",
      "function compileTrain",
      "CpuRunner",
    ];
    expect(names.filter((n) => runtime.includes(n))).toEqual([]);
    expect(runtime.includes("function runSession")).toBe(true);
    expect(Buffer.byteLength(runtime)).toBeLessThan(100 * 1024);
    // The csv reader (and csv-parse) only where the source is csv.
    expect(runtime.includes("CSV_QUOTE_NOT_CLOSED")).toBe(false);
    const csv = readFileSync(join(regression, "grove-runtime.mjs"), "utf8");
    expect(csv.includes("CSV_QUOTE_NOT_CLOSED")).toBe(true);
  });

  it(
    "takes grove train's steps bit for bit and prints its lines (regression)",
    { timeout: 120_000 },
    async () => {
      const ours = await programTrain(regression, 20);
      const grove = await groveTrain("examples/regression.grove", 20);
      expect(ours.steps.map((s) => [s.loss, s.metrics])).toEqual(
        grove.steps.map((s) => [s.loss, s.metrics]),
      );
      expect(ours.steps).toHaveLength(20);
      expect(timeless(ours.out)).toEqual(timeless(grove.out));
    },
  );

  it(
    "takes grove train's steps bit for bit on MNIST, and grove eval reads its checkpoint",
    { timeout: 180_000 },
    async () => {
      const ours = await programTrain(mnist, 4);
      const grove = await groveTrain("examples/mnist-mlp.grove", 4);
      expect(ours.steps.map((s) => s.loss)).toEqual(grove.steps.map((s) => s.loss));
      const checkpoint = join(mnist, "checkpoints/Mlp.safetensors");
      expect(ours.out).toContain(`checkpoint saved to ${checkpoint}\n`);
      const test = /\ntest \(2000 examples\): (.*)\n/.exec(ours.out)![1]!;
      const evaluated = await runGrove([
        "eval",
        "examples/mnist-mlp.grove",
        "--checkpoint",
        checkpoint,
      ]);
      expect(evaluated.code).toBe(0);
      expect(evaluated.out).toContain(`(step 4): ${test}\n`);
      // The same steps, the same data, the same metadata: the same file as grove train's.
      expect(readFileSync(checkpoint)).toEqual(readFileSync(grove.checkpoint));
    },
  );

  it(
    "stops on Ctrl-C with a checkpoint (exit 130) and resumes to grove train's steps",
    { timeout: 120_000 },
    async () => {
      const checkpoint = join(tempDir(), "stopped.safetensors");
      const log = join(tempDir(), "log.jsonl");
      const child = spawn(
        process.execPath,
        ["train.mjs", "--checkpoint", checkpoint, "--log-json", log],
        {
          cwd: regression,
        },
      );
      let out = "";
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((done) => {
        child.stdout.on("data", (d) => {
          out += d;
          // The first epoch line: the program is in its loop.
          if (out.includes("\nepoch 1/60")) child.kill("SIGINT");
        });
        child.on("exit", (c) => done(c));
      });
      expect(code).toBe(130);
      const stopped = loggedSteps(log).length;
      expect(errLines(err).at(-1)).toBe(
        `train.mjs: interrupted at step ${stopped}; checkpoint saved to ${checkpoint}; ` +
          `resume with: node train.mjs --resume ${checkpoint}`,
      );
      const resumed = await programTrain(regression, stopped + 5, "--resume", checkpoint);
      expect(resumed.out).toContain(`resuming from ${checkpoint} at step ${stopped} `);
      const grove = await groveTrain("examples/regression.grove", stopped + 5);
      expect([...loggedSteps(log), ...resumed.steps].map((s) => s.loss)).toEqual(
        grove.steps.map((s) => s.loss),
      );
    },
  );

  it("says what is wrong with a flag in one line (exit 2)", async () => {
    const cases: [string[], string][] = [
      [["--epoch", "3"], "train.mjs: unknown flag --epoch (node train.mjs --help lists them)"],
      [
        ["--max-steps", "0"],
        "train.mjs: --max-steps must be a whole number from 1 to 2147483647 (node train.mjs --help lists them)",
      ],
      [["--seed"], "train.mjs: --seed needs a value (--seed N) (node train.mjs --help lists them)"],
      [["extra"], "train.mjs: unknown argument extra (node train.mjs --help lists them)"],
    ];
    for (const [args, line] of cases) {
      const r: ChildRun = await runProgram(regression, args);
      expect([r.code, errLines(r.err), r.out]).toEqual([2, [line], ""]);
    }
    const help = await runProgram(regression, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: node train\.mjs \[flags\]\n/);
    expect(help.out).toContain("--data DIR");
  });

  it(
    "says a data file is missing in one line, and reads the data from --data",
    { timeout: 60_000 },
    async () => {
      const empty = tempDir();
      const r = await runProgram(regression, ["--data", empty]);
      expect([r.code, errLines(r.err), r.out]).toEqual([
        1,
        [`train.mjs: cannot read ${join(empty, "housing.csv")}: no such file`],
        "",
      ]);
      const bare = await exportProgram("examples/regression.grove", "node", "--no-data");
      linkWebgpu(bare);
      expect(existsSync(join(bare, "data"))).toBe(false);
      const missing = await runProgram(bare, []);
      expect(errLines(missing.err)).toEqual([
        `train.mjs: cannot read ${join(bare, "data", "housing.csv")}: no such file ` +
          "(this program was exported without its data: pass --data DIR, a folder with housing.csv)",
      ]);
      const ours = await programTrain(bare, 3, "--data", resolve("examples/data"));
      const grove = await groveTrain("examples/regression.grove", 3);
      expect(ours.steps.map((s) => s.loss)).toEqual(grove.steps.map((s) => s.loss));
      // A moved data file is one line too.
      renameSync(join(regression, "data/housing.csv"), join(regression, "data/moved.csv"));
      try {
        const moved = await runProgram(regression, []);
        expect(errLines(moved.err)).toEqual([
          `train.mjs: cannot read ${join(regression, "data", "housing.csv")}: no such file`,
        ]);
      } finally {
        renameSync(join(regression, "data/moved.csv"), join(regression, "data/housing.csv"));
      }
    },
  );
});
