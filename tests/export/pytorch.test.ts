/**
 * `grove export --target pytorch` run on Debian's python3-torch (`/usr/bin/python3`): for every
 * example in examples/, the exported train.py's first two steps have `grove train`'s losses within
 * 1e-5 relative (same seed, same initial parameters from init.safetensors, same batches from
 * Grove's shuffle, the same dropout masks and noise from Grove's Philox draws; the second step
 * also checks the gradients and the update, e.g. that a weight tied to the embedding table is
 * one parameter), with the same checkpoint names and, in evaluation mode after those steps, the
 * same validation loss within 1e-4 (batch norm's running statistics); a two-process DistributedDataParallel run on
 * gloo through `torchrun` trains, both ranks end with the same parameters, the loss falls, and
 * `grove eval` reads its checkpoint to the validation scores train.py printed; a primitive
 * without a PyTorch lowering is one error with its location; Python literals hold any text.
 *
 * Without python3 or torch the file skips, except under CI=true, where it fails. The examples run
 * in one Python process (torch is imported once) while Grove trains the same examples in this
 * one. Examples whose data source is the same share one exported `data/` (`--no-data` and
 * train.py's `--data`). Grove's side runs `--backend cpu` (the reference interpreter), except the
 * examples in `onOnnx`, whose interpreter step takes 10-50 s here: they run on `--backend onnx`,
 * which agrees with the interpreter within 2e-6 (tests/export/onnx-train-cli.test.ts).
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { formatSpan } from "../../src/ir/print.js";
import type { TraceNode } from "../../src/parser/check/values.js";
import { checkFile, nodeHost } from "../../src/parser/program.js";
import { PytorchExportError, writeModelPy } from "../../src/export/pytorch/index.js";
import { pyString } from "../../src/export/pytorch/python-text.js";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove } from "../cli/run.js";

const python = "/usr/bin/python3";
const hasTorch =
  existsSync(python) &&
  spawnSync(python, ["-c", "import torch, numpy"], { timeout: 60_000 }).status === 0;
if (!hasTorch && process.env.CI === "true")
  throw new Error(
    `${python} with torch is missing: install it with scripts/setup.sh (python3-torch)`,
  );

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".grove"))
  .map((f) => f.slice(0, -".grove".length))
  .sort();
/** Examples Grove trains here on `--backend onnx`: the interpreter's step takes 10-50 s. */
const onOnnx = [
  "char-gpt-tied",
  "char-transformer",
  "lenet5",
  "mlp-mixer",
  "mnist-cnn",
  "mnist-cnn-bn",
];

interface StepEvent {
  readonly event: string;
  readonly step: number;
  readonly loss: number;
}
const readLog = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as StepEvent & Record<string, unknown>);
const stepLosses = (path: string) =>
  readLog(path)
    .filter((e) => e.event === "step")
    .map((e) => e.loss);

/** The validation loss of the first epoch event, if the run evaluated one. */
const validationLoss = (path: string) =>
  (readLog(path).find((e) => e.event === "epoch")?.validation as { loss: number } | undefined)
    ?.loss;

async function exportTo(name: string, dir: string, ...flags: string[]) {
  const out = join(dir, name);
  const r = await runGrove([
    ...["export", `examples/${name}.grove`, "--target", "pytorch", "-o", out],
    ...flags,
  ]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return out;
}

/** The examples by data source (its call and folder): those of one source read the same data. */
function byDataSource(names: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const file = `examples/${name}.grove`;
    const data = checkFile(file, nodeHost, {}).program.trains[0]!.data;
    const key = JSON.stringify([dirname(file), data.name, data.args]);
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  return groups;
}

it("keys the onnx list by examples that exist", () => {
  expect(examples).toEqual(expect.arrayContaining(onOnnx));
  expect(examples.length).toBeGreaterThan(onOnnx.length);
});

describe.skipIf(!hasTorch)("PyTorch export", () => {
  it("every example's first two steps have grove train's losses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-pytorch-"));
    const strings = [
      "plain",
      'quote " and \\ backslash',
      "line\nbreak\r",
      "\u202e bidi \u2028",
      "é 漢 😀",
      "\0",
    ];
    writeFileSync(join(dir, "strings.py"), `STRINGS = [${strings.map(pyString).join(", ")}]\n`);
    const runs: [string, string[]][] = [];
    for (const group of byDataSource(examples).values()) {
      const data = join(resolve(await exportTo(group[0]!, dir)), "data");
      for (const name of group) {
        const folder = resolve(
          name === group[0] ? join(dir, name) : await exportTo(name, dir, "--no-data"),
        );
        expect(existsSync(join(folder, "data")), name).toBe(name === group[0]);
        const args = ["--max-steps", "2", "--eval-limit", "4", "--data", data];
        const log = ["--log-json", join(dir, `${name}.torch.jsonl`)];
        runs.push([folder, [...args, ...log, "--checkpoint", join(dir, `${name}.torch.st`)]]);
      }
    }
    writeFileSync(
      join(dir, "job.json"),
      JSON.stringify({ runs, strings: join(dir, "strings.py") }),
    );
    // Python runs every example while Grove trains them here
    const torch = promisify(execFile)(
      python,
      ["tests/export/pytorch-driver.py", join(dir, "job.json")],
      {
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    torch.catch(() => undefined);
    for (const name of examples) {
      const r = await runGrove([
        ...["train", `examples/${name}.grove`, "--max-steps", "2", "--eval-limit", "4"],
        ...["--backend", onOnnx.includes(name) ? "onnx" : "cpu"],
        ...["--log-json", join(dir, `${name}.grove.jsonl`)],
        ...["--checkpoint", join(dir, `${name}.grove.st`)],
      ]);
      expect(r.code, r.err).toBe(0);
    }
    const printed = (await torch).stdout;
    expect(JSON.parse(printed.split("STRINGS ")[1]!)).toEqual(strings);
    for (const name of examples) {
      const grove = stepLosses(join(dir, `${name}.grove.jsonl`));
      const torch = stepLosses(join(dir, `${name}.torch.jsonl`));
      expect(torch, name).toHaveLength(2);
      torch.forEach((loss, k) =>
        expect(
          Math.abs(loss - grove[k]!) / Math.abs(grove[k]!),
          `${name} step ${k + 1}`,
        ).toBeLessThan(1e-5),
      );
      const names = (file: string) => [...readCheckpoint(join(dir, file)).tensors.keys()].sort();
      expect(names(`${name}.torch.st`), name).toEqual(names(`${name}.grove.st`));
      // evaluation mode after two steps: batch norm's running statistics, as the steps updated them
      const groveVal = validationLoss(join(dir, `${name}.grove.jsonl`));
      const torchVal = validationLoss(join(dir, `${name}.torch.jsonl`));
      expect(torchVal === undefined, name).toBe(groveVal === undefined);
      if (groveVal !== undefined)
        expect(Math.abs(torchVal! - groveVal) / groveVal, `${name} validation`).toBeLessThan(1e-4);
    }
  }, 600_000);

  it("trains with DistributedDataParallel on two processes (gloo); grove eval reads the checkpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-pytorch-ddp-"));
    const folder = await exportTo("regression", dir);
    const log = join(dir, "ddp.jsonl");
    const checkpoint = join(dir, "ddp.safetensors");
    const single = join(dir, "single.jsonl");
    execFileSync(
      python,
      [
        "train.py",
        "--max-steps",
        "1",
        "--log-json",
        single,
        "--checkpoint",
        join(dir, "one.safetensors"),
      ],
      { cwd: folder, timeout: 120_000 },
    );
    // torchrun on Python 3.11 crashes without --redirects/--tee (a known bug). `--standalone`
    // rendezvous on the fixed port 29400 (torch 1.13), where a second run on the machine at the
    // same time (another checkout's tests) makes both wait until they time out: a free port.
    const port = await freePort();
    const out = await run(
      python,
      [
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--rdzv_backend=c10d",
        `--rdzv_endpoint=localhost:${port}`,
        "--rdzv_id=grove-ddp-test",
        "--nproc_per_node=2",
        "--redirects",
        "1",
        "--tee",
        "1",
        "train.py",
        "--max-steps",
        "26",
        "--log-json",
        log,
        "--checkpoint",
        checkpoint,
      ],
      // LOGLEVEL=INFO: the launcher says where it is (rendezvous, workers started, exits).
      {
        cwd: folder,
        env: { ...process.env, OMP_NUM_THREADS: "1", LOGLEVEL: "INFO" },
        timeout: 240_000,
      },
    );
    const digests = [...out.matchAll(/rank (\d): parameters sha256 ([0-9a-f]{64})/g)];
    expect(digests.map((m) => m[1]).sort()).toEqual(["0", "1"]);
    expect(digests[0]![2]).toBe(digests[1]![2]);
    expect(out).toContain("2 processes");
    const events = readLog(log);
    const losses = events.filter((e) => e.event === "step").map((e) => e.loss);
    expect(losses).toHaveLength(26);
    // the two ranks' halves of the first batch make the whole batch's loss
    const first = readLog(single).find((e) => e.event === "step")!.loss;
    expect(Math.abs(losses[0]! - first) / first).toBeLessThan(1e-5);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
    const epochs = events.filter((e) => e.event === "epoch");
    const validation = (epochs[epochs.length - 1]!.validation as { loss: number }).loss;
    const r = await runGrove([
      "eval",
      "examples/regression.grove",
      "--checkpoint",
      checkpoint,
      "--backend",
      "cpu",
      "--split",
      "validation",
    ]);
    expect(r.code, r.err).toBe(0);
    const printed = Number(/loss ([0-9.]+)/.exec(r.out)![1]);
    expect(Math.abs(printed - validation)).toBeLessThan(1e-4 * validation + 1e-4);
  }, 600_000);
});

describe("PyTorch lowering refusals", () => {
  it("names a primitive without a PyTorch lowering and where it is", () => {
    const checked = checkFile("examples/regression.grove", nodeHost, {});
    const train = checked.program.trains[0]!;
    const victim = train.graph.nodes.find((n) => n.op === "matmul")!;
    // `scan` is no trace op (the checker unrolls it): it stands for a primitive without a lowering.
    const renamed = { ...victim, op: "scan" } as unknown as TraceNode;
    const nodes = train.graph.nodes.map((n) => (n === victim ? renamed : n));
    const sources = checked.sources.texts();
    let error: unknown;
    try {
      writeModelPy(
        { ...train, graph: { ...train.graph, nodes } },
        { locate: (s) => formatSpan(s, { sources }), blocks: [] },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PytorchExportError);
    const e = error as PytorchExportError;
    expect(e.code).toBe("G0804");
    expect(e.message).toBe(
      "the primitive `scan` has no PyTorch lowering, so this model cannot be exported to PyTorch",
    );
    expect(formatSpan(e.span!, { sources })).toBe(formatSpan(victim.span, { sources }));
  });
});

/** A TCP port free on this machine now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * `file args` run to its end (killed after `timeout` ms): its stdout, or a failure with the end of
 * its stdout and stderr, so a hang says where it stopped.
 */
async function run(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<string> {
  try {
    return (await promisify(execFile)(file, args, { ...options, killSignal: "SIGKILL" })).stdout;
  } catch (e) {
    const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
    throw new Error(
      `${(e as Error).message}\nstdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr.slice(-3000)}`,
    );
  }
}
