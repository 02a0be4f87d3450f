/**
 * @file Runs the `grove` command in-process for tests, collecting what it prints.
 */
import { runCli } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `grove ARGV...` with stdout and stderr captured; `extra` adds to or replaces the Io. */
export async function runGrove(argv: readonly string[], extra: Partial<Io> = {}): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    ...extra,
  });
  return { code, out, err };
}
