/**
 * Which backend `grove train|eval|predict` pick without `--backend`: the rule (a GPU adapter ->
 * gpu; a CPU driver or none -> onnx when onnxruntime-node loads, else gpu on the CPU driver, else
 * cpu) on the adapter infos that lavapipe (as Dawn reports it here), SwiftShader (Chromium) and
 * GPUs report; GROVE_BACKEND; and real runs on this machine with GROVE_BACKEND cleared (the suite
 * sets it to gpu in vitest.config.ts), which must print the choice the rule makes for this
 * machine's adapter and train on it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { backendFromEnv, chooseBackend } from "../../src/cli/backend-choice.js";
import { loadOnnxRuntime } from "../../src/export/onnx-runner.js";
import { cpuDriverOf, type AdapterInfoLike } from "../../src/runtime/adapter-kind.js";
import { acquireDevice, NoAdapterError } from "../../src/runtime/index.js";
import { runGrove } from "./run.js";

/** What Dawn reports for Mesa's lavapipe on this machine (webgpu 0.6.2, Mesa 25.0.7). */
const lavapipe: AdapterInfoLike = {
  vendor: "mesa",
  architecture: "software",
  device: "llvmpipe-llvm-15-0-6-256-bits-",
  description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1",
  isFallbackAdapter: true,
};
/** Chromium's adapter without a GPU. */
const swiftshader: AdapterInfoLike = {
  vendor: "google",
  architecture: "swiftshader",
  device: "",
  description: "",
  isFallbackAdapter: true,
};
const gpus: readonly AdapterInfoLike[] = [
  { vendor: "nvidia", architecture: "ampere", device: "", description: "NVIDIA GeForce RTX 3080" },
  {
    vendor: "nvidia",
    architecture: "hopper",
    device: "0x2330",
    description: "NVIDIA H100 80GB HBM3",
    isFallbackAdapter: false,
  },
  { vendor: "amd", architecture: "rdna-3", device: "", description: "AMD Radeon RX 7900 XTX" },
  { vendor: "apple", architecture: "metal-3", device: "", description: "Apple M2" },
  {
    vendor: "intel",
    architecture: "gen-12lp",
    device: "",
    description: "Intel(R) UHD Graphics 770",
  },
];

describe("the rule", () => {
  it("knows CPU drivers from their adapter info", () => {
    expect(cpuDriverOf(lavapipe)).toBe("lavapipe");
    expect(cpuDriverOf({ ...lavapipe, isFallbackAdapter: undefined })).toBe("lavapipe");
    expect(cpuDriverOf(swiftshader)).toBe("SwiftShader");
    expect(cpuDriverOf({ vendor: "google", architecture: "swiftshader" })).toBe("SwiftShader");
    expect(cpuDriverOf({ vendor: "microsoft", description: "Microsoft Basic Render Driver" })).toBe(
      "WARP",
    );
    expect(cpuDriverOf({ description: "Some Software Renderer", isFallbackAdapter: true })).toBe(
      "Some Software Renderer",
    );
    for (const gpu of gpus) expect(cpuDriverOf(gpu), gpu.description).toBeUndefined();
  });

  it("picks gpu on a GPU, onnx on a CPU driver or none, else what there is", () => {
    for (const gpu of gpus)
      for (const onnx of [true, false])
        expect(chooseBackend({ adapter: gpu, onnx })).toEqual({
          backend: "gpu",
          reason: `GPU adapter ${gpu.description}`,
        });
    expect(chooseBackend({ adapter: lavapipe, onnx: true })).toEqual({
      backend: "onnx",
      reason: "no GPU adapter: lavapipe is a CPU driver; --backend gpu to force",
    });
    expect(chooseBackend({ adapter: swiftshader, onnx: true }).backend).toBe("onnx");
    expect(chooseBackend({ adapter: lavapipe, onnx: false })).toEqual({
      backend: "gpu",
      reason: "no GPU adapter: lavapipe is a CPU driver, and onnxruntime-node is not installed",
    });
    expect(chooseBackend({ onnx: true })).toEqual({
      backend: "onnx",
      reason: "no WebGPU adapter",
    });
    expect(chooseBackend({ onnx: false })).toEqual({
      backend: "cpu",
      reason: "no WebGPU adapter, and onnxruntime-node is not installed",
    });
  });

  it("reads GROVE_BACKEND", () => {
    expect(backendFromEnv({})).toBeUndefined();
    expect(backendFromEnv({ GROVE_BACKEND: "" })).toBeUndefined();
    for (const b of ["gpu", "cpu", "onnx"]) expect(backendFromEnv({ GROVE_BACKEND: b })).toBe(b);
    expect(backendFromEnv({ GROVE_BACKEND: "tpu" })).toEqual({
      problem: 'GROVE_BACKEND="tpu" names no backend (gpu, cpu or onnx)',
    });
  });
});

describe("on this machine", () => {
  const saved = process.env.GROVE_BACKEND;
  afterEach(() => {
    process.env.GROVE_BACKEND = saved;
  });
  const train = (dir: string) =>
    runGrove([
      ...["train", "examples/regression.grove", "--max-steps", "1", "--eval-limit", "4"],
      ...["--checkpoint", join(dir, "r.safetensors")],
    ]);

  it("prints the automatic choice and trains on it", { timeout: 120_000 }, async () => {
    delete process.env.GROVE_BACKEND;
    let adapter: AdapterInfoLike | undefined;
    try {
      const gpu = await acquireDevice();
      adapter = gpu.adapter.info;
      gpu.close();
    } catch (e) {
      if (!(e instanceof NoAdapterError)) throw e;
    }
    const onnx = await loadOnnxRuntime().then(
      () => true,
      () => false,
    );
    const expected = chooseBackend({ ...(adapter ? { adapter } : {}), onnx });
    if (adapter && cpuDriverOf(adapter) === "lavapipe" && onnx)
      expect(expected.reason).toBe(
        "no GPU adapter: lavapipe is a CPU driver; --backend gpu to force",
      );
    const r = await train(mkdtempSync(join(tmpdir(), "grove-auto-")));
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split("\n").filter((l) => l.startsWith("grove train:"));
    expect(lines).toEqual([`grove train: backend ${expected.backend} (${expected.reason})`]);
    const where = { gpu: "", cpu: ", on the CPU", onnx: ", on the CPU through ONNX Runtime" };
    expect(r.out.split("\n")[0]).toContain(`seed 11${where[expected.backend]}, at most 1 steps`);
  });

  it("takes GROVE_BACKEND without a line, and refuses one that names no backend", async () => {
    process.env.GROVE_BACKEND = "cpu";
    const r = await train(mkdtempSync(join(tmpdir(), "grove-env-")));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("");
    expect(r.out.split("\n")[0]).toContain("seed 11, on the CPU, at most 1 steps");
    process.env.GROVE_BACKEND = "tpu";
    const bad = await train(mkdtempSync(join(tmpdir(), "grove-env-")));
    expect(bad).toEqual({
      code: 1,
      out: "",
      err: 'grove train: GROVE_BACKEND="tpu" names no backend (gpu, cpu or onnx)\n',
    });
  });
});
