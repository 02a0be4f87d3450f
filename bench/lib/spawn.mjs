/** @file Runs one benchmark worker in a fresh process with a new, empty Mesa shader cache. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const worker = fileURLToPath(new URL("../worker.mjs", import.meta.url));

/** Resolves with the worker's result object; rejects with its stderr when it fails. */
export function runWorker(args, { timeoutMs = 300_000 } = {}) {
  const cache = mkdtempSync(join(tmpdir(), "grove-bench-mesa-"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], {
      env: { ...process.env, MESA_SHADER_CACHE_DIR: cache },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      rmSync(cache, { recursive: true, force: true });
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (code === 0 && line) return resolve(JSON.parse(line.slice("BENCH_RESULT ".length)));
      // Dawn's notes about reduced limits are noise; keep everything else.
      const errors = stderr
        .split("\n")
        .filter((l) => l && !/^Warning: max\w+ artificially reduced/.test(l))
        .join("\n");
      reject(
        new Error(`worker ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${errors}`),
      );
    });
  });
}

/** WebGPU (on the same device), then the CPU: Grove's `--backend onnx` and the peers' wasm. */
export const libraries = ["grove", "tfjs", "jax", "grove-onnx", "tfjs-wasm", "jax-wasm"];

/** Whether a library id runs on the CPU (no WebGPU device, no matmul benchmark). */
export const onCpu = (lib) => lib === "grove-onnx" || lib.endsWith("-wasm");
