/**
 * @file The `grove` command line: a thin commander front end over the library. `runCli` takes
 * its arguments and output streams so tests can drive it in-process.
 */
import { Command, CommanderError, Option } from "commander";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import { checkFile } from "../parser/program.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Runs the CLI and returns the exit code: 0 success, 1 user errors, 2 usage or internal errors. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command("grove")
    .description("Grove: a language for neural networks, compiled to fused WebGPU kernels")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command("check")
    .description("parse and check .grove files: names, arity, shapes, imports, train sections")
    .argument("<files...>", ".grove files to check")
    .addOption(
      new Option("--format <format>", "how to print diagnostics")
        .choices(["rich", "short", "json"])
        .default("rich"),
    )
    .action((files: string[], opts: { format: Format }) => {
      code = check(files, opts.format, io);
    });

  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    io.err(internalError(e));
    return 2;
  }
  return code;
}

function check(files: readonly string[], format: Format, io: Io): number {
  let failed = false;
  const json: unknown[] = [];
  for (const file of files) {
    const r = checkFile(file);
    failed ||= hasErrors(r.diagnostics);
    if (format === "json") {
      json.push(...(JSON.parse(renderDiagnostics(r.diagnostics, r.sources, "json")) as unknown[]));
      continue;
    }
    if (r.diagnostics.length > 0)
      io.err(
        renderDiagnostics(r.diagnostics, r.sources, format) + (format === "rich" ? "\n\n" : "\n"),
      );
    else if (format === "rich") io.out(`${file}: ok\n`);
  }
  if (format === "json") io.out(JSON.stringify(json, null, 2) + "\n");
  else if (format === "rich" && failed) {
    const n = files.length;
    io.err(`grove check: errors found (${n} file${n === 1 ? "" : "s"} checked)\n`);
  }
  return failed ? 1 : 0;
}

function internalError(e: unknown): string {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return (
    "internal compiler error: Grove hit a bug, not a mistake in your program.\n" +
    "Please report it with the input that caused it.\n\n" +
    detail +
    "\n"
  );
}
