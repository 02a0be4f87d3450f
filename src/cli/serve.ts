/**
 * @file A static file server for one folder (`grove serve DIR [--port N] [--host H]`): what an
 * exported browser program needs, since pages that load ES modules or fetch files must come over
 * http. GET and HEAD only; a path that leaves the folder, through `..` or a symbolic link, is
 * refused; `/` and folders serve their `index.html`; each file goes out with its MIME type and
 * `nosniff`; text (the `text/*` types and JSON) is gzip-compressed for a client that accepts it,
 * as a production web server would send it. The command prints the address and serves until
 * Ctrl-C (or SIGTERM).
 */
import { UserError } from "../diag/diagnostic.js";
import { createReadStream, realpathSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream";
import { createGzip } from "node:zlib";
import { visibleText } from "../diag/escape.js";
import type { Io } from "./io.js";

/** MIME types by extension; anything else is `application/octet-stream`. */
export const mimeTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wgsl": "text/wgsl; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
};

export interface Served {
  /** `http://HOST:PORT/` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on `host:port` (port 0: any free port). Resolves once listening; rejects when the
 * folder is missing or the port is taken.
 */
export async function serveDirectory(
  dir: string,
  { port = 8080, host = "127.0.0.1" }: { port?: number; host?: string } = {},
): Promise<Served> {
  const root = realpathSync(resolve(dir));
  if (!statSync(root).isDirectory())
    throw Object.assign(new UserError(`${dir} is not a folder`), { code: "ENOTDIR" });
  const server = createServer((request, response) => respond(root, request, response));
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function respond(root: string, request: IncomingMessage, response: ServerResponse): void {
  const fail = (status: number, message: string) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    response.end(`${status} ${message}\n`);
  };
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return fail(405, "method not allowed");
  }
  const file = locate(root, request.url ?? "/");
  if (file === "outside") return fail(403, "forbidden");
  if (!file) return fail(404, "not found");
  const type = mimeTypes[extname(file).toLowerCase()] ?? "application/octet-stream";
  const gzip = COMPRESSED.test(type) && acceptsGzip(request.headers["accept-encoding"]);
  response.writeHead(200, {
    "content-type": type,
    ...(gzip ? { "content-encoding": "gzip" } : { "content-length": statSync(file).size }),
    vary: "accept-encoding",
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (request.method === "HEAD") return void response.end();
  // A file that fails mid-read (removed, unreadable) ends the response instead of the server.
  const done = (error: Error | null) => error && response.destroy();
  if (gzip) pipeline(createReadStream(file), createGzip(), response, done);
  else pipeline(createReadStream(file), response, done);
}

/** The MIME types served compressed: text; images, wasm and `.gz` files as they are. */
const COMPRESSED = /^(text\/|application\/json)/;

/**
 * Whether an `Accept-Encoding` header admits gzip: its `gzip` entry, else its `*` entry, with a
 * weight above 0 (`gzip`, `gzip;q=0.5`, `*`; not `gzip;q=0`).
 */
export function acceptsGzip(header: string | undefined): boolean {
  const weights = new Map<string, number>();
  for (const item of (header ?? "").toLowerCase().split(",")) {
    const [coding, ...params] = item.split(";").map((p) => p.trim());
    const q = params.find((p) => p.startsWith("q="));
    if (coding) weights.set(coding, q === undefined ? 1 : Number(q.slice(2)));
  }
  return (weights.get("gzip") ?? weights.get("*") ?? 0) > 0;
}

/** The regular file a request path names inside `root`, `outside` if it leaves it, else undefined. */
function locate(root: string, url: string): string | "outside" | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, "http://host").pathname);
  } catch {
    return undefined;
  }
  if (path.includes("\0")) return undefined;
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  let target = resolve(root, `.${path}`);
  if (!inside(target)) return "outside";
  try {
    target = realpathSync(target);
    if (!inside(target)) return "outside";
    if (statSync(target).isDirectory()) target = realpathSync(join(target, "index.html"));
    if (!inside(target)) return "outside";
    return statSync(target).isFile() ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Why the server could not start, in a few words, from the error's `code`. */
const START_FAILURES: Readonly<
  Record<string, (dir: string, port: number, host: string) => string>
> = {
  ENOENT: (dir) => `${dir} does not exist`,
  ENOTDIR: (dir) => `${dir} is not a folder`,
  EACCES: (dir) => `permission denied (reading ${dir}, or a port below 1024 needs root)`,
  EADDRINUSE: (_, port) => `port ${port} is taken; pick another with --port`,
  EADDRNOTAVAIL: (_, __, host) => `${host} is not an address of this machine`,
};

/**
 * `grove serve DIR`: serves `dir` until SIGINT or SIGTERM (`stop`, for tests, replaces waiting for
 * them), printing the address; 0 when stopped, 1 when it cannot start.
 */
export async function serveCommand(
  dir: string,
  opts: { port?: number; host?: string },
  io: Io,
  stop?: Promise<void>,
): Promise<number> {
  const port = opts.port ?? 8080;
  const host = opts.host ?? "127.0.0.1";
  let served: Served;
  try {
    served = await serveDirectory(dir, { port, host });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code !== undefined && Object.hasOwn(START_FAILURES, code) && START_FAILURES[code];
    if (!why) throw e;
    io.err(`grove serve: ${why(visibleText(dir), port, visibleText(host))}\n`);
    return 1;
  }
  io.out(`serving ${visibleText(dir)} at ${served.url} (Ctrl-C stops)\n`);
  await (stop ??
    new Promise<void>((done) => {
      const signals = ["SIGINT", "SIGTERM"] as const;
      const end = () => {
        for (const s of signals) process.off(s, end);
        done();
      };
      for (const s of signals) process.on(s, end);
    }));
  await served.close();
  io.out("stopped\n");
  return 0;
}
