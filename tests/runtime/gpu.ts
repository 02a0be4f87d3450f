/**
 * GPU access for runtime tests: one device per test file, closed after the file so vitest exits.
 * With no adapter, a file fails in CI (`CI=true`) with the NoAdapterError message and skips with a
 * visible warning elsewhere; it never passes silently.
 */
import { readdirSync } from "node:fs";
import { afterAll, describe, it } from "vitest";
import { acquireDevice, NoAdapterError } from "../../src/runtime/index.js";
import type { GroveDevice } from "../../src/runtime/index.js";

async function acquireForTests(): Promise<GroveDevice | string> {
  try {
    return await acquireDevice();
  } catch (e) {
    if (!(e instanceof NoAdapterError) || process.env.CI === "true") throw e;
    console.warn(`skipping GPU tests: ${e.message}`);
    return e.message;
  }
}

const acquired = await acquireForTests();

/**
 * `describe(name, body)` with the file's device, or a visibly skipped block when there is none.
 * The device is closed after the block's tests; call it once per file.
 */
export function describeGpu(name: string, body: (gpu: GroveDevice) => void): void {
  if (typeof acquired === "string") {
    describe(name, () => it.skip(`needs a WebGPU adapter: ${acquired}`, () => {}));
    return;
  }
  describe(name, () => {
    afterAll(() => acquired.close());
    body(acquired);
  });
}

/** Models whose host-visible names alias one another (see each file's first comment). */
export const aliasFixtures = readdirSync("tests/fixtures/alias")
  .filter((f) => f.endsWith(".grove"))
  .map((f) => `tests/fixtures/alias/${f}`);
