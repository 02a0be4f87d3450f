/**
 * `--backend cpu` end to end through the CLI, on a machine where WebGPU has no adapter: the device
 * module is replaced by one whose `acquireDevice` always fails, so a run that passes here never
 * touched the GPU. Also what `grove train` draws: the chart next to the checkpoint (with the
 * epochs before a resume), `--max-steps`, and the live progress line on a TTY.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { runGrove, xorProject, xorSource } from "./run.js";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";

vi.mock("../../src/runtime/device.js", async () => {
  const { NoAdapterError } = await import("../../src/runtime/errors.js");
  return {
    acquireDevice: () => Promise.reject(new NoAdapterError("node")),
  };
});

const cli = runGrove;

/** The XOR classifier over three epochs, in a new folder. */
const project = () => xorProject(xorSource({ epochs: 3 }));

/** The x coordinates of each polyline of an SVG, by its `data-series`. */
function series(svg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of svg.matchAll(/<polyline data-series="([^"]+)"[^>]* points="([^"]*)"/g))
    out.set(m[1]!, m[2]!.split(" ").filter(Boolean));
  return out;
}

it("without an adapter, train, eval and predict say to use --backend cpu in one line, exit 1", async () => {
  const { dir, file } = project();
  const ckpt = join(dir, "c.safetensors");
  expect(
    (await cli(["train", file, "--backend", "cpu", "--epochs", "1", "--checkpoint", ckpt])).code,
  ).toBe(0);
  const input = join(dir, "in.csv");
  writeFileSync(input, "0.1,0.9\n");
  for (const [command, args] of [
    ["train", [file]],
    ["eval", [file, "--checkpoint", ckpt]],
    ["predict", [file, "--checkpoint", ckpt, "--input", input]],
  ] as const) {
    const r = await cli([command, ...args]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      new RegExp(`^grove ${command}: no WebGPU adapter found\\. [^\\n]*--backend cpu[^\\n]*\\n$`),
    );
  }
  const bad = await cli(["train", file, "--backend", "tpu"]);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("Allowed choices are gpu, cpu");
});

it("trains on the CPU, writes the chart, and eval and predict on the CPU repeat its numbers", async () => {
  const { dir, file } = project();
  const ckpt = join(dir, "run", "xor.safetensors");
  const log = join(dir, "log.jsonl");
  const r = await cli(["train", file, "--backend", "cpu", "--checkpoint", ckpt, "--log-json", log]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /^training Xor on xor \(168 train, 42 validation examples\): 3 epochs of 6 steps, batch 32 \(the last batch of each epoch has 8\), seed 3, on the CPU\n/,
  );
  const chart = join(dir, "run", "xor.svg");
  expect(r.out.endsWith(`checkpoint saved to ${ckpt}\nchart saved to ${chart}\n`)).toBe(true);
  const last = /\nepoch 3\/3 {2}loss \S+ {2}val_loss (\S+) {2}val_accuracy (\S+) /.exec(r.out)!;
  const steps = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string; loss: number })
    .filter((e) => e.event === "step");
  expect(steps).toHaveLength(18);
  expect(steps.every((s) => Number.isFinite(s.loss))).toBe(true);

  // One point per epoch in each series: train loss, validation loss, validation accuracy.
  const svg = readFileSync(chart, "utf8");
  expect(svg.startsWith("<svg ")).toBe(true);
  const lines = series(svg);
  expect([...lines.keys()]).toEqual(["train loss", "validation loss", "val_accuracy"]);
  for (const points of lines.values()) expect(points).toHaveLength(3);
  // The history is in the checkpoint's metadata.
  const history = JSON.parse(readCheckpoint(ckpt).metadata.history!) as { epoch: number }[];
  expect(history.map((e) => e.epoch)).toEqual([1, 2, 3]);

  const ev = await cli(["eval", file, "--checkpoint", ckpt, "--backend", "cpu"]);
  expect(ev.err).toBe("");
  expect(ev.out).toBe(
    `Xor validation (42 examples) with ${ckpt} (step 18): loss ${last[1]}  accuracy ${last[2]}\n`,
  );
  const limited = await cli([
    "eval",
    file,
    "--checkpoint",
    ckpt,
    "--backend",
    "cpu",
    "--limit",
    "5",
  ]);
  expect(limited.out).toMatch(/^Xor validation \(5 examples\) with /);

  const input = join(dir, "in.csv");
  writeFileSync(input, "x,y\n0.9,0.1\n0.1,0.9\n-0.8,-0.9\n");
  const p = await cli([
    "predict",
    file,
    "--checkpoint",
    ckpt,
    "--input",
    input,
    "--backend",
    "cpu",
  ]);
  expect(p.err).toBe("");
  expect(p.out).toMatch(/^logits_0,logits_1,argmax\n(-?[\d.e-]+,-?[\d.e-]+,[01]\n){3}$/);
});

it("keeps the epochs before an interrupt in the resumed run's chart; --max-steps stops mid-epoch", async () => {
  const { dir, file } = project();
  const ckpt = join(dir, "cut.safetensors");
  const chart = join(dir, "cut.svg");
  // Ctrl-C after the first epoch's report: the chart so far is written before exiting 130.
  let out = "";
  let err = "";
  const code = await runCli(["train", file, "--backend", "cpu", "--checkpoint", ckpt], {
    out: (t) => {
      out += t;
      if (t.startsWith("epoch 1/")) process.emit("SIGINT");
    },
    err: (t) => (err += t),
  });
  expect(code).toBe(130);
  expect(out).toContain(`chart saved to ${chart}\n`);
  expect(err).toMatch(/grove train: interrupted at step 6; checkpoint saved to /);
  for (const points of series(readFileSync(chart, "utf8")).values()) expect(points).toHaveLength(1);

  const rest = await cli(["train", file, "--backend", "cpu", "--resume", ckpt]);
  expect(rest.err).toBe("");
  expect(rest.out).not.toContain("epoch 1/3");
  const lines = series(readFileSync(chart, "utf8"));
  expect(lines.size).toBe(3);
  for (const points of lines.values()) expect(points).toHaveLength(3);

  // --max-steps 8 stops two steps into epoch 2: that epoch is reported for its 64 examples,
  // validated, saved at the exact position and drawn; the test split (none here) would follow.
  const short = join(dir, "short.safetensors");
  const m = await cli([
    "train",
    file,
    "--backend",
    "cpu",
    "--checkpoint",
    short,
    "--max-steps",
    "8",
    "--eval-limit",
    "10",
  ]);
  expect(m.err).toBe("");
  expect(m.out).toContain(
    ", at most 8 steps in total; evaluating on the first 10 examples of each split\n",
  );
  const cut =
    /\nepoch 2\/3 \(64 of 168 examples\) {2}loss \S+ {2}val_loss (\S+) {2}val_accuracy (\S+) /.exec(
      m.out,
    )!;
  // grove eval --limit 10 repeats the evaluation on those 10 examples.
  const ten = await cli(["eval", file, "--checkpoint", short, "--backend", "cpu", "--limit", "10"]);
  expect(ten.out).toBe(
    `Xor validation (10 examples) with ${short} (step 8): loss ${cut[1]}  accuracy ${cut[2]}\n`,
  );
  expect(m.out).toContain("\nstopped at step 8 (--max-steps 8)\ntrained 8 steps (232 examples)");
  const meta = readCheckpoint(short).metadata;
  expect([meta.step, meta.epoch, meta.next_batch, meta.reason]).toEqual([
    "8",
    "2",
    "2",
    "max-steps",
  ]);
  for (const points of series(readFileSync(join(dir, "short.svg"), "utf8")).values())
    expect(points).toHaveLength(2);
  // Resumed without --max-steps, the cut epoch is trained to its end and drawn once.
  const done = await cli(["train", file, "--backend", "cpu", "--resume", short]);
  expect(done.out).toContain("resuming from");
  expect(done.out).toMatch(/\nepoch 2\/3 {2}loss /);
  for (const points of series(readFileSync(join(dir, "short.svg"), "utf8")).values())
    expect(points).toHaveLength(3);
  expect(JSON.parse(readCheckpoint(short).metadata.history!)).toHaveLength(3);
  expect(existsSync(short)).toBe(true);
});

it("draws a live progress line on a TTY instead of the per-step lines, and clears it for every other line", async () => {
  const { dir, file } = project();
  // One stream for everything, in order; `\r` marks what the bar wrote.
  const written: string[] = [];
  const tty = { isTTY: true, columns: 100, write: (t: string) => void written.push(`BAR${t}`) };
  const r = await cli(
    ["train", file, "--backend", "cpu", "--checkpoint", join(dir, "t.safetensors")],
    { out: (t: string) => void written.push(t), progress: tty },
  );
  expect(r.code).toBe(0);
  const bar = written.filter((t) => t.startsWith("BAR\r") && t.trim() !== "BAR");
  expect(bar.some((t) => /^BAR\repoch 1\/3 \[[#.]+\] \d\/6 steps {2}loss \d\.\d{4}/.test(t))).toBe(
    true,
  );
  expect(bar.some((t) => t.includes("epoch 3/3"))).toBe(true);
  const text = written.filter((t) => !t.startsWith("BAR")).join("");
  expect(text).not.toMatch(/\n {2}step \d/);
  expect(text).toMatch(/\nepoch 3\/3 {2}loss /);
  // No line is printed while the bar is drawn: each comes after a clear (`\r`, spaces, `\r`).
  let drawn = false;
  for (const t of written) {
    if (t.startsWith("BAR")) drawn = !/^BAR\r +\r$/.test(t);
    else expect(drawn, `printed over the bar: ${JSON.stringify(t)}`).toBe(false);
  }
  expect(drawn).toBe(false);
});
