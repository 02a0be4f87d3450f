/**
 * The static server behind `grove serve`: MIME types, index.html, and no way out of the folder
 * (`..`, encoded `..`, symbolic links) or into other methods; the command prints its address,
 * stops on Ctrl-C and says in one line why it cannot start. Text goes out gzip-compressed to a
 * client that accepts it.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acceptsGzip, serveCommand, serveDirectory, type Served } from "../../src/cli/serve.js";
import { runGrove } from "./run.js";

let served: Served;
let base: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "grove-serve-"));
  writeFileSync(join(base, "secret.txt"), "outside the folder\n");
  const site = join(base, "site");
  mkdirSync(join(site, "data"), { recursive: true });
  mkdirSync(join(site, "empty"));
  writeFileSync(join(site, "index.html"), "<!doctype html><title>t</title>");
  writeFileSync(join(site, "app.mjs"), "export const x = 1;\n");
  writeFileSync(join(site, "data", "train.csv"), "a,b\n1,2\n");
  writeFileSync(join(site, "model.safetensors"), Buffer.from([1, 2, 3]));
  symlinkSync(join(base, "secret.txt"), join(site, "link.txt"));
  served = await serveDirectory(site, { port: 0 });
});
afterAll(() => served.close());

/** A raw request: the path goes out exactly as written (fetch would normalise `..`). */
function get(
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string; bytes: Buffer; encoding?: string }> {
  const url = new URL(served.url);
  return new Promise((done, fail) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        const encoding = res.headers["content-encoding"];
        done({
          status: res.statusCode!,
          type: String(res.headers["content-type"]),
          body: bytes.toString(),
          bytes,
          ...(encoding ? { encoding } : {}),
        });
      });
    });
    req.on("error", fail);
    req.end();
  });
}

it("serves files with their MIME types, and index.html for the folder", async () => {
  expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const index = await get("/");
  expect(index).toMatchObject({ status: 200, type: "text/html; charset=utf-8" });
  expect(index.body).toContain("<title>t</title>");
  expect(await get("/app.mjs")).toMatchObject({
    status: 200,
    type: "text/javascript; charset=utf-8",
    body: "export const x = 1;\n",
  });
  expect(await get("/data/train.csv")).toMatchObject({
    status: 200,
    type: "text/csv; charset=utf-8",
  });
  expect(await get("/model.safetensors")).toMatchObject({
    status: 200,
    type: "application/octet-stream",
  });
  expect(await get("/app.mjs", "HEAD")).toMatchObject({ status: 200, body: "" });
});

it("compresses text for a client that accepts gzip, and nothing else", async () => {
  const gzip = { "accept-encoding": "gzip, deflate, br" };
  const app = await get("/app.mjs", "GET", gzip);
  expect(app).toMatchObject({ status: 200, encoding: "gzip" });
  expect(gunzipSync(app.bytes).toString()).toBe("export const x = 1;\n");
  const csv = await get("/data/train.csv", "GET", gzip);
  expect(gunzipSync(csv.bytes).toString()).toBe("a,b\n1,2\n");
  // Binary files go out as they are; so does text to a client that does not ask.
  const binary = await get("/model.safetensors", "GET", gzip);
  expect(binary.encoding).toBeUndefined();
  expect([...binary.bytes]).toEqual([1, 2, 3]);
  expect((await get("/app.mjs")).encoding).toBeUndefined();
  expect(
    (await get("/app.mjs", "GET", { "accept-encoding": "gzip;q=0" })).encoding,
  ).toBeUndefined();
});

it("reads Accept-Encoding's weights", () => {
  expect(acceptsGzip("gzip")).toBe(true);
  expect(acceptsGzip("br, GZIP;q=0.5")).toBe(true);
  expect(acceptsGzip("*")).toBe(true);
  expect(acceptsGzip("*;q=0, gzip")).toBe(true);
  expect(acceptsGzip("gzip;q=0, *")).toBe(false);
  expect(acceptsGzip("identity")).toBe(false);
  expect(acceptsGzip(undefined)).toBe(false);
});

it("refuses paths that leave the folder, missing files, and other methods", async () => {
  // URL parsing removes `..` segments (also `%2e%2e`), leaving a path inside the folder; an
  // encoded slash survives parsing and is caught after decoding.
  for (const path of ["/../secret.txt", "/%2e%2e/secret.txt"])
    expect(await get(path), path).toMatchObject({ status: 404, body: "404 not found\n" });
  for (const path of ["/data/..%2f..%2fsecret.txt", "/..%2fsecret.txt", "/link.txt"])
    expect(await get(path), path).toMatchObject({ status: 403, body: "403 forbidden\n" });
  expect((await get("/missing.js")).status).toBe(404);
  expect((await get("/empty/")).status).toBe(404);
  expect((await get("/%00")).status).toBe(404);
  expect((await get("/app.mjs", "POST")).status).toBe(405);
});

describe("grove serve DIR", () => {
  /** `grove serve` in-process until `stop` resolves (or a signal), with what it printed. */
  function serve(dir: string, flags: string[], stop?: Promise<void>) {
    let out = "";
    let err = "";
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    const flagged = { port: Number(flags[flags.indexOf("--port") + 1] ?? 0) };
    const done = serveCommand(dir, flagged, io, stop);
    return { done, out: () => out, err: () => err };
  }

  it("prints the address, serves the folder and stops on Ctrl-C", async () => {
    const run = serve(join(base, "site"), ["--port", "0"]);
    await vi.waitFor(() =>
      expect(run.out()).toMatch(
        /^serving .*site at http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C stops\)\n$/,
      ),
    );
    const url = /at (\S+)/.exec(run.out())![1]!;
    const page = await fetch(url);
    expect(await page.text()).toContain("<title>t</title>");
    process.emit("SIGINT");
    expect(await run.done).toBe(0);
    expect(run.out().endsWith("stopped\n")).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
  });

  it("says in one line why it cannot serve", async () => {
    const missing = serve(join(base, "nowhere"), ["--port", "0"], Promise.resolve());
    expect(await missing.done).toBe(1);
    expect(missing.err()).toBe(`grove serve: ${join(base, "nowhere")} does not exist\n`);
    const file = serve(join(base, "secret.txt"), ["--port", "0"], Promise.resolve());
    expect(await file.done).toBe(1);
    expect(file.err()).toBe(`grove serve: ${join(base, "secret.txt")} is not a folder\n`);
    const port = Number(new URL(served.url).port);
    const taken = serve(join(base, "site"), ["--port", String(port)], Promise.resolve());
    expect(await taken.done).toBe(1);
    expect(taken.err()).toBe(`grove serve: port ${port} is taken; pick another with --port\n`);
  });

  it("is a command: --port out of range is a usage error", async () => {
    const r = await runGrove(["serve", join(base, "site"), "--port", "70000"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--port must be a whole number from 0 to 65535");
  });
});
