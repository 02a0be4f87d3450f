/**
 * @file A minimal Web `Worker` for Node (which has none before Node 22), enough for jax-js's wasm
 * backend to run its kernels on a pool of threads as it does in a browser: a module-less worker
 * made from a `blob:` URL, `self.onmessage` / `postMessage` on both sides, over
 * `node:worker_threads` (SharedArrayBuffer-backed wasm memory and compiled modules pass through
 * `postMessage` unchanged). The worker's source arrives with its first message, since a blob is
 * read asynchronously; messages posted before it runs wait in order.
 */
import { resolveObjectURL } from "node:buffer";
import { Worker as ThreadWorker } from "node:worker_threads";

const bootstrap = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
let waiting = [];
parentPort.on("message", (data) => {
  if (waiting && data && data.__webWorkerSource !== undefined) {
    new Function(data.__webWorkerSource)();
    const queued = waiting;
    waiting = undefined;
    for (const d of queued) self.onmessage?.({ data: d });
    return;
  }
  if (waiting) waiting.push(data);
  else self.onmessage?.({ data });
});
`;

export class WebWorker {
  onmessage = null;
  onerror = null;

  constructor(url) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`WebWorker: cannot load ${url} (only blob: URLs are supported)`);
    this.thread = new ThreadWorker(bootstrap, { eval: true });
    this.thread.on("message", (data) => this.onmessage?.({ data }));
    this.thread.on("error", (e) => this.onerror?.({ message: e.message }));
    // The thread keeps the process alive (an unref'd one lets a pending await end the process);
    // a benchmark worker exits when it is done.
    this.ready = blob
      .text()
      .then((source) => this.thread.postMessage({ __webWorkerSource: source }));
  }

  postMessage(data) {
    // Everything goes after the source, in order.
    this.ready = this.ready.then(() => this.thread.postMessage(data));
  }

  terminate() {
    void this.thread.terminate();
  }
}

/** Installs `Worker` and `navigator.hardwareConcurrency = threads` for libraries that look. */
export function installWebWorker(threads) {
  globalThis.Worker ??= WebWorker;
  if (globalThis.navigator) globalThis.navigator.hardwareConcurrency = threads;
  else
    Object.defineProperty(globalThis, "navigator", {
      value: { hardwareConcurrency: threads, userAgent: `Node.js/${process.versions.node}` },
      configurable: true,
      writable: true,
    });
}
