/**
 * @file Grove's two backends on this machine for every example: `grove train FILE --backend gpu`
 * and `--backend onnx`, each in a fresh process (an empty Mesa shader cache for the GPU), a fixed
 * number of steps. From the `--log-json` step events: the time to the first step's loss (from the
 * start of the session: compiling the plan, or lowering to ONNX and creating the session, and the
 * step) and the steady rate after the first `skip` steps. Measures which backend the default should be.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Each example with the steps it runs (the transformer's take about a second each on lavapipe). */
export const exampleRuns = [
  { name: "mnist-mlp", steps: 40 },
  { name: "mnist-cnn", steps: 20 },
  { name: "autoencoder", steps: 40 },
  { name: "regression", steps: 40 },
  { name: "char-transformer", steps: 12 },
];

const skip = 3;

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin/grove.js"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`grove ${args.join(" ")}: exit ${code}\n${stderr}`)),
    );
  });
}

/** One example on one backend: first step and steady steps/s. */
export async function measureExample({ name, steps }, backend) {
  const dir = mkdtempSync(join(tmpdir(), "grove-bench-example-"));
  try {
    const log = join(dir, "log.jsonl");
    const file = join(root, "examples", `${name}.grove`);
    await run(
      [
        ...["train", file, "--backend", backend, "--max-steps", String(steps)],
        ...["--eval-limit", "64", "--checkpoint", join(dir, "c.safetensors"), "--log-json", log],
      ],
      { MESA_SHADER_CACHE_DIR: join(dir, "mesa") },
    );
    const times = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === "step")
      .map((e) => e.seconds);
    const steady = (times.length - 1 - skip) / (times.at(-1) - times[skip]);
    return { firstStep: times[0], stepsPerSec: steady };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
