/**
 * Every example exported with `grove export --target onnx` and run by ONNX Runtime gives what
 * `grove predict --backend cpu` (the reference interpreter) gives for the same checkpoint and
 * examples, within 1e-5 of the output's scale, and one `.onnx` file serves batches of 5, 2 and 3:
 * the batch dimension is symbolic.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { checkFile, nodeHost } from "../../src/parser/program.js";
import { writeNpy } from "../../src/runtime/data/index.js";
import { runGrove } from "../cli/run.js";
import { randomCheckpoint, randomInputs, relativeError, rows, runOnnx } from "./helpers.js";

const examples = [
  "mnist-mlp",
  "mnist-cnn",
  "mnist-cnn-bn",
  "autoencoder",
  "regression",
  "char-transformer",
  "residual-mlp",
  "vae",
];

/** `grove predict`'s CSV: each model output's values per row, by output name. */
function predictedOutputs(csv: string, names: readonly string[]): Map<string, Float32Array> {
  const [header, ...lines] = csv.trim().split("\n");
  const columns = header!.split(",");
  const cells = lines.map((l) => l.split(",").map(Number));
  return new Map(
    names.map((name) => {
      const picked = columns
        .map((c, i) => [c, i] as const)
        .filter(
          ([c]) =>
            c === name || (c.startsWith(`${name}_`) && /^\d+$/.test(c.slice(name.length + 1))),
        )
        .map(([, i]) => i);
      return [name, Float32Array.from(cells.flatMap((row) => picked.map((i) => row[i]!)))];
    }),
  );
}

describe.each(examples)("%s", (name) => {
  test("ONNX Runtime matches grove predict --backend cpu, batch 5 and batches 2 + 3", async () => {
    const file = join("examples", `${name}.grove`);
    const { program } = checkFile(file, nodeHost);
    const section = program.trains[0]!;
    const model = program.models.find((m) => m.name === section.model)!;
    const inputNames = new Set(model.graph.inputs.map((i) => i.name));
    const outputNames = model.graph.outputs.map((o) => o.name);
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
    const checkpoint = randomCheckpoint(section, dir);
    const onnx = join(dir, "model.onnx");

    const exported = await runGrove([
      ...["export", file, "--target", "onnx", "--checkpoint", checkpoint, "-o", onnx],
    ]);
    expect(exported.err).toBe("");
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/^wrote .*model\.onnx \(ONNX opset 17\): /);

    const inputs = randomInputs(
      section.graph.inputs.filter((i) => inputNames.has(i.name)),
      5,
    );
    const input = [...inputs.values()][0]!;
    writeNpy(join(dir, "in.npy"), input.data, input.shape);
    const predicted = await runGrove([
      ...["predict", file, "--checkpoint", checkpoint, "--input", join(dir, "in.npy")],
      ...["-o", join(dir, "out.csv"), "--backend", "cpu"],
    ]);
    expect(predicted.err).toBe("");
    expect(predicted.code).toBe(0);
    expect(inputs.size).toBe(1);
    const expected = predictedOutputs(readFileSync(join(dir, "out.csv"), "utf8"), outputNames);

    const whole = await runOnnx(onnx, inputs);
    const [first, second] = [
      await runOnnx(onnx, rows(inputs, 0, 2)),
      await runOnnx(onnx, rows(inputs, 2, 5)),
    ];
    expect([...whole.keys()].sort()).toEqual([...outputNames].sort());
    for (const out of outputNames) {
      const want = expected.get(out)!;
      const got = whole.get(out)!;
      expect(got.dims[0]).toBe(5);
      expect(got.data.length).toBe(want.length);
      expect(relativeError(got.data, want), `${out} at batch 5`).toBeLessThan(1e-5);
      const split = new Float32Array([...first.get(out)!.data, ...second.get(out)!.data]);
      expect(first.get(out)!.dims[0]).toBe(2);
      expect(second.get(out)!.dims[0]).toBe(3);
      expect(relativeError(split, want), `${out} at batches 2 and 3`).toBeLessThan(1e-5);
    }
  });
});
