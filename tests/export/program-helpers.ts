/**
 * @file Shared by the tests of exported training programs: export a .grove file through the CLI
 * into a new folder, make `webgpu` resolvable there without a network, run `node train.mjs` as a
 * child process, and read the per-step losses of a `--log-json` file.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { runGrove } from "../cli/run.js";

/** A new temporary folder. */
export const tempDir = (prefix = "grove-program-") => mkdtempSync(join(tmpdir(), prefix));

/**
 * `grove export FILE --target TARGET -o DIR ...flags` into a new folder under a temporary one;
 * the folder, once the export succeeded.
 */
export async function exportProgram(
  file: string,
  target: "node" | "browser",
  ...flags: string[]
): Promise<string> {
  const dir = join(tempDir(), "program");
  const r = await runGrove(["export", file, "--target", target, "-o", dir, ...flags]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return dir;
}

/**
 * The offline equivalent of `npm install` in an exported Node folder: its one dependency,
 * `webgpu`, linked from Grove's own node_modules (the same version Grove's package.json pins,
 * which the folder's package.json names).
 */
export function linkWebgpu(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(resolve("node_modules/webgpu"), join(dir, "node_modules", "webgpu"), "dir");
}

export interface ChildRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `node train.mjs ARGS...` in `dir`. */
export function runProgram(dir: string, args: readonly string[]): Promise<ChildRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["train.mjs", ...args],
      { cwd: dir, maxBuffer: 1 << 26 },
      (error, out, err) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, out, err });
      },
    );
  });
}

/** Lines of stderr, without the warnings Dawn itself prints when it makes a device. */
export const errLines = (err: string) =>
  err.split("\n").filter((l) => l !== "" && !/^Warning: max\w+ artificially reduced/.test(l));

interface LoggedStep {
  readonly step: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The step events of a `--log-json` file. */
export function loggedSteps(path: string): LoggedStep[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as LoggedStep & { event: string })
    .filter((e) => e.event === "step");
}
