/**
 * @file A static file server for one folder (`grove serve DIR`): what an exported browser program
 * needs, since pages that load ES modules or fetch files must come over http. GET and HEAD only;
 * a path that leaves the folder, through `..` or a symbolic link, is refused; `/` and folders
 * serve their `index.html`; each file goes out with its MIME type and `nosniff`.
 */
import { createReadStream, realpathSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

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
  if (!statSync(root).isDirectory()) throw new Error(`${dir} is not a folder`);
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
  response.writeHead(200, {
    "content-type": mimeTypes[extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": statSync(file).size,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (request.method === "HEAD") return void response.end();
  createReadStream(file).pipe(response);
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
