/**
 * The automatic backend choice without onnxruntime-node (made missing as in
 * tests/export/onnx-train-missing.test.ts): on a CPU driver it falls back to `gpu`, without an
 * adapter to `cpu`, and says so; the run trains on what it printed.
 */
import { expect, it, vi } from "vitest";
import { chooseBackend } from "../../src/cli/backend-choice.js";
import type { Ort } from "../../src/export/onnx-runner.js";
import type { AdapterInfoLike } from "../../src/runtime/adapter-kind.js";
import { acquireDevice, NoAdapterError } from "../../src/runtime/index.js";
import { runGrove, xorProject } from "./run.js";

vi.mock("../../src/export/onnx-runner.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/export/onnx-runner.js")>();
  const name = "onnxruntime-node-not-installed-here";
  const absent = () => import(name) as Promise<Ort>;
  return { ...real, loadOnnxRuntime: () => real.loadOnnxRuntime(absent) };
});

it("falls back to gpu on a CPU driver (cpu without an adapter) and says why", async () => {
  const saved = process.env.GROVE_BACKEND;
  delete process.env.GROVE_BACKEND;
  try {
    let adapter: AdapterInfoLike | undefined;
    try {
      const gpu = await acquireDevice();
      adapter = gpu.adapter.info;
      gpu.close();
    } catch (e) {
      if (!(e instanceof NoAdapterError)) throw e;
    }
    const expected = chooseBackend({ ...(adapter ? { adapter } : {}), onnx: false });
    expect(expected.backend).not.toBe("onnx");
    const { file } = xorProject();
    const r = await runGrove(["train", file, "--max-steps", "1"]);
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split("\n").filter((l) => l.startsWith("grove train:"));
    expect(lines).toEqual([`grove train: backend ${expected.backend} (${expected.reason})`]);
    const where = expected.backend === "cpu" ? ", on the CPU" : "";
    expect(r.out.split("\n")[0]).toMatch(new RegExp(`seed \\d+${where}, at most 1 steps`));
  } finally {
    process.env.GROVE_BACKEND = saved;
  }
}, 120_000);
