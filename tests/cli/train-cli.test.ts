/**
 * `grove train` with checkpoints, Ctrl-C (a SIGINT emitted in-process) and resume,
 * `--watch-grads`, `grove eval` and `grove predict`, driven in-process; every user error is one
 * line on stderr with exit 1.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { runGrove, xorProject as project, xorSource, type Run } from "./run.js";
import { readNpy, writeNpy } from "../../src/runtime/data/index.js";
import { describeGpu } from "../runtime/gpu.js";

const cli = (...argv: string[]): Promise<Run> => runGrove(argv);

/** One line on stderr, exit 1, no stack trace. */
function oneLine(r: Run, message: string) {
  expect(r.out).toBe("");
  expect(r.err).toBe(`${message}\n`);
  expect(r.code).toBe(1);
}

const stepLosses = (log: string) =>
  readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string; step: number; loss: number })
    .filter((e) => e.event === "step")
    .map((e) => [e.step, e.loss]);

it("refuses --resume with --init, and a checkpoint that does not exist", async () => {
  const { dir, file } = project();
  oneLine(
    await cli("train", file, "--resume", "a", "--init", "b"),
    "grove train: --resume and --init cannot be combined (--resume continues a run, --init starts a new one)",
  );
  const missing = join(dir, "none.safetensors");
  oneLine(
    await cli("eval", file, "--checkpoint", missing),
    `grove eval: ${missing}: no such checkpoint file`,
  );
  oneLine(
    await cli("train", file, "--resume", missing),
    `grove train: ${missing}: no such checkpoint file`,
  );
  const bad = join(dir, "bad.safetensors");
  writeFileSync(bad, "not a checkpoint at all");
  oneLine(
    await cli("predict", file, "--checkpoint", bad, "--input", bad),
    `grove predict: ${bad}: truncated or not a safetensors file: the header length ${Buffer.from("not a ch").readBigUInt64LE(0)} goes past the end of the file (23 bytes)`,
  );
});

describeGpu("grove train, eval and predict with checkpoints", () => {
  it("saves next to the file, resumes after Ctrl-C to the same losses, and evaluates the result", async () => {
    const { dir, file, checkpoint } = project();
    const fullLog = join(dir, "full.jsonl");
    const full = await cli("train", file, "--log-json", fullLog);
    expect(full.err).toBe("");
    expect(full.code).toBe(0);
    expect(full.out).toMatch(
      /^training Xor on xor \(168 train, 42 validation examples\): 2 epochs of 6 steps/,
    );
    expect(
      full.out.endsWith(
        `checkpoint saved to ${checkpoint}\nchart saved to ${join(dir, "checkpoints", "Xor.svg")}\n`,
      ),
    ).toBe(true);
    const last = /\nepoch 2\/2 {2}loss \S+ {2}val_loss (\S+) {2}val_accuracy (\S+) /.exec(
      full.out,
    )!;

    // eval on the default split (xor has no test split: validation) repeats the last epoch's numbers.
    const ev = await cli("eval", file, "--checkpoint", checkpoint);
    expect(ev.err).toBe("");
    expect(ev.out).toBe(
      `Xor validation (42 examples) with ${checkpoint} (step 12): loss ${last[1]}  accuracy ${last[2]}\n`,
    );
    const onTrain = await cli("eval", file, "--checkpoint", checkpoint, "--split", "train");
    expect(onTrain.out).toMatch(
      /^Xor train \(168 examples\) with .* \(step 12\): loss \d\.\d{4}  accuracy /,
    );
    oneLine(
      await cli("eval", file, "--checkpoint", checkpoint, "--split", "test"),
      "grove eval: the data source `xor` has no test split; it has train, validation",
    );

    // Ctrl-C (SIGINT) after the first epoch's report: the run saves and exits 130 with the command
    // that resumes it, and takes its SIGINT handler away again.
    const cut = join(dir, "cut.safetensors");
    let out = "";
    let err = "";
    const code = await runCli(["train", file, "--checkpoint", cut], {
      out: (t) => {
        out += t;
        if (t.startsWith("epoch 1/")) process.emit("SIGINT");
      },
      err: (t) => (err += t),
    });
    expect(code).toBe(130);
    expect(err).toBe(
      "\nstopping after this step to save a checkpoint (Ctrl-C again to quit at once)\n" +
        `grove train: interrupted at step 6; checkpoint saved to ${cut}; resume with: grove train ${file} --resume ${cut}\n`,
    );
    expect(process.listenerCount("SIGINT")).toBe(0);
    expect(out).not.toContain("epoch 2/");
    const restLog = join(dir, "rest.jsonl");
    const rest = await cli("train", file, "--resume", cut, "--log-json", restLog);
    expect(rest.err).toBe("");
    expect(rest.out).toContain(`resuming from ${cut} at step 6 (epoch 2, batch 1 of 6)\n`);
    expect(rest.out).toContain(last[0]!.replace(/ {2}[\d.]+ steps\/s.*/, ""));
    expect(stepLosses(restLog)).toEqual(stepLosses(fullLog).slice(6));
    // The resumed run kept saving to the checkpoint it came from.
    expect(
      rest.out.endsWith(`checkpoint saved to ${cut}\nchart saved to ${join(dir, "cut.svg")}\n`),
    ).toBe(true);
    oneLine(
      await cli("train", file, "--resume", cut, "--batch", "16"),
      `grove train: ${cut}: was saved with batch 32; resume with the same batch, not 16`,
    );
  });

  it("--watch-grads, --init, and predict from CSV and .npy; refuses another model's checkpoint", async () => {
    const { dir, file, checkpoint } = project();
    expect((await cli("train", file, "--epochs", "1")).code).toBe(0);

    // An unused layer gets no gradient: it is flagged as vanishing.
    const idle = join(dir, "idle.grove");
    writeFileSync(idle, xorSource().replace("  output", "  unused = Dense(2, 2)\n  output"));
    const log = join(dir, "idle.jsonl");
    const idleCkpt = join(dir, "idle.safetensors");
    const watched = await cli(
      "train",
      idle,
      ...["--epochs", "1", "--watch-grads", "--checkpoint", idleCkpt, "--log-json", log],
    );
    expect(watched.err).toBe("");
    expect(watched.out).toContain("\n  grad unused.w  0.00e+0  vanishing\n");
    expect(watched.out).toMatch(/\n {2}grad h\.w {7}\d\.\d\de[-+]\d+\n/);
    const epoch = readFileSync(log, "utf8")
      .split("\n")
      .map((l) => (l ? (JSON.parse(l) as { event: string; gradNorms?: object }) : undefined))
      .find((e) => e?.event === "epoch")!;
    expect(Object.keys(epoch.gradNorms!)).toEqual([
      ...["h.w", "h.b", "out.w", "out.b", "unused.w", "unused.b"],
    ]);
    // --init needs every parameter of the model.
    const init = await cli("train", idle, "--init", checkpoint, "--epochs", "1");
    expect(init.err).toBe(
      `grove train: ${checkpoint}: has no tensor \`unused.w\`, the model's parameter [2, 2] (it was saved for model Xor)\n`,
    );
    expect(init.code).toBe(1);

    // 37 rows with a header; the label column is dropped. A full batch of 32 and a remainder.
    const rows = Array.from({ length: 37 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
    const csv = join(dir, "in.csv");
    writeFileSync(csv, ["x,y,label", ...rows.map((r) => `${r[0]},${r[1]},0`)].join("\n") + "\n");
    const outCsv = join(dir, "out.csv");
    const p = await cli("predict", file, "--checkpoint", checkpoint, "--input", csv, "-o", outCsv);
    expect(p.err).toBe("");
    expect(p.out).toBe(`wrote 37 predictions to ${outCsv}\n`);
    const lines = readFileSync(outCsv, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(38);
    expect(lines[0]).toBe("logits_0,logits_1,argmax");
    const table = lines.slice(1).map((l) => l.split(",").map(Number));
    for (const [a, b, arg] of table) expect(arg).toBe(b! > a! ? 1 : 0);
    expect(new Set(table.map((r) => r[2])).size).toBe(2);
    const printed = await cli("predict", file, "--checkpoint", checkpoint, "--input", csv);
    expect(printed.out).toBe(readFileSync(outCsv, "utf8"));

    // The same examples from a .npy file, written as .npy: the same scores.
    const npyIn = join(dir, "in.npy");
    writeNpy(npyIn, Float32Array.from(rows.flat()), [37, 2]);
    const npyOut = join(dir, "out.npy");
    const q = await cli(
      "predict",
      file,
      "--checkpoint",
      checkpoint,
      "--input",
      npyIn,
      "-o",
      npyOut,
    );
    expect(q.out).toBe(`wrote 37 predictions to ${npyOut}\n`);
    const scores = readNpy(npyOut);
    expect(scores.shape).toEqual([37, 2]);
    expect([...scores.data]).toEqual(table.flatMap((r) => r.slice(0, 2).map(Math.fround)));

    const wide = join(dir, "wide.csv");
    writeFileSync(wide, "1,2,3\n4,5,6\n");
    oneLine(
      await cli("predict", file, "--checkpoint", checkpoint, "--input", wide),
      `grove predict: ${wide} has 3 values per row, but the model input \`features\` takes 2 ([2] after the batch)`,
    );
    const other = join(dir, "other.grove");
    writeFileSync(other, xorSource({ model: "Other", layers: ["a = Dense(2, 2)"] }));
    const refusal = `${checkpoint}: has no tensor \`a.w\`, the model's parameter [2, 2] (it was saved for model Xor)`;
    oneLine(await cli("eval", other, "--checkpoint", checkpoint), `grove eval: ${refusal}`);
    oneLine(
      await cli("predict", other, "--checkpoint", checkpoint, "--input", csv),
      `grove predict: ${refusal}`,
    );
  });
});
