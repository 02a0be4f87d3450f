/**
 * @file The fuzz worker: a long-lived worker thread that runs cases (`run-case.ts`) as the
 * parent sends them, so that the parent can stop a case that hangs (by terminating this worker
 * and starting another) and a stack overflow or out-of-memory stays in here. Loads the
 * TypeScript sources through `register-ts.mjs`. Messages in: `{ id, text, options, selfTest? }`; out:
 * `{ ready: true }` once, then per case `{ id, stage }` as each stage starts and
 * `{ id, report, ms }` at the end.
 */
import "./register-ts.mjs";
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const { documentedCodes, runCase } = await import("./run-case.ts");
const codes = documentedCodes(readFileSync(workerData.diagnosticsDoc, "utf8"));

/**
 * What the runner's own tests ask for instead of a case: `hang` spins forever, `exit` ends the
 * worker, `depth` reports how deep a plain recursion goes (the worker's stack against the main
 * thread's).
 */
const selfTests = {
  hang: () => {
    for (;;);
  },
  exit: () => process.exit(3),
  depth: () => {
    let d = 0;
    const down = () => {
      d++;
      down();
    };
    try {
      down();
    } catch {
      // RangeError: the depth is what we came for.
    }
    return { problems: [], plans: 0, refused: 0, checkMs: 0, compileMs: 0, depth: d };
  },
};

parentPort.on("message", ({ id, text, options, selfTest }) => {
  const t0 = performance.now();
  if (selfTest) return parentPort.postMessage({ id, report: selfTests[selfTest](), ms: 0 });
  const report = runCase(text, codes, options, (stage) => parentPort.postMessage({ id, stage }));
  parentPort.postMessage({ id, report, ms: performance.now() - t0 });
});
parentPort.postMessage({ ready: true });
