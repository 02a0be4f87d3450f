/**
 * Without onnxruntime-node (an optional dependency), `--backend onnx` says in one line how to
 * install it, for each command, and exits 1; the other backends are unaffected. The package is
 * made missing by importing a name no package has, which fails as a missing install does.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it, vi } from "vitest";
import { loadOnnxRuntime, type Ort } from "../../src/export/onnx-runner.js";
import { runGrove, xorProject } from "../cli/run.js";

const absent = "onnxruntime-node-not-installed-here";
const importAbsent = () => import(absent) as Promise<Ort>;

vi.mock("../../src/export/onnx-runner.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/export/onnx-runner.js")>();
  return { ...real, loadOnnxRuntime: () => real.loadOnnxRuntime(importAbsent) };
});

const hint =
  "--backend onnx needs the optional package onnxruntime-node, but onnxruntime-node is not installed; " +
  "install it with: npm install onnxruntime-node --onnxruntime-node-install=skip";

it("a missing package is an error that says how to install it", async () => {
  await expect(loadOnnxRuntime()).rejects.toThrow(hint);
});

it("train, eval and predict --backend onnx print one line and exit 1", async () => {
  const { dir, file } = xorProject();
  const checkpoint = join(dir, "c.safetensors");
  const trained = await runGrove([
    ...["train", file, "--backend", "cpu", "--max-steps", "1", "--checkpoint", checkpoint],
  ]);
  expect(trained.code).toBe(0);
  const input = join(dir, "in.csv");
  writeFileSync(input, "0.1,0.9\n");
  for (const [command, args] of [
    ["train", [file]],
    ["eval", [file, "--checkpoint", checkpoint]],
    ["predict", [file, "--checkpoint", checkpoint, "--input", input]],
  ] as const) {
    const r = await runGrove([command, ...args, "--backend", "onnx"]);
    expect(r).toEqual({ code: 1, out: "", err: `grove ${command}: ${hint}\n` });
  }
});
