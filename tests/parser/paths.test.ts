/**
 * The front end's own path arithmetic (src/parser/paths.ts, which also runs in a browser page)
 * gives what Node's POSIX `node:path` gives, on paths of the shapes imports and hosts produce.
 */
import { posix } from "node:path";
import { expect, test } from "vitest";
import * as P from "../../src/parser/paths.js";

const paths = [
  "",
  ".",
  "..",
  "/",
  "//",
  "//a",
  "///a//b//",
  "a//b/",
  "a",
  "a/",
  "/a",
  "/a/",
  "a//b",
  "./a/./b/",
  "a/../b",
  "a/../../b",
  "../a/b/..",
  "/../a",
  "/a/b/../../..",
  "examples/mnist-mlp.grove",
  "examples/../std/layers.grove",
  "mem/sub/../x.grove",
  "/work/main/examples/vae.grove",
  "a/b/c/",
  "dir.with.dots/f.grove",
];
const cwds = ["/", "/work/main", "/work/main/examples/"];

test("normalize, dirname and isAbsolute agree with node:path", () => {
  for (const p of paths) {
    expect(P.normalize(p), p).toBe(posix.normalize(p));
    expect(P.dirname(p), p).toBe(posix.dirname(p));
    expect(P.isAbsolute(p), p).toBe(posix.isAbsolute(p));
  }
});

test("join, resolve and relative agree with node:path (cwd given)", () => {
  for (const cwd of cwds)
    for (const a of paths)
      for (const b of paths) {
        expect(P.join(a, b), `${a} + ${b}`).toBe(posix.join(a, b));
        const resolved = posix.resolve(cwd, a, b);
        expect(P.resolve(cwd, a, b), `${cwd}: ${a} + ${b}`).toBe(resolved);
        const rel = posix.relative(posix.resolve(cwd, a), posix.resolve(cwd, b));
        expect(P.relative(cwd, a, b), `${cwd}: ${a} -> ${b}`).toBe(rel);
      }
});
