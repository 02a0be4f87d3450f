import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
    pool: "forks",
    testTimeout: 60_000,
    // The suite tests the WebGPU backend unless a test names another (--backend cpu|onnx):
    // without this, `grove train` with no --backend picks onnx on a CPU driver such as lavapipe
    // (the automatic choice, docs/cli.md "Which backend"), which tests/cli/backend-choice.test.ts
    // covers by clearing it. Processes the tests spawn inherit it.
    env: { GROVE_BACKEND: "gpu" },
  },
});
