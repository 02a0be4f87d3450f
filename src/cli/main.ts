/**
 * @file The `grove` command line: a thin commander front end over the library. `runCli` takes
 * its arguments and output streams so tests can drive it in-process.
 */
import { Command, CommanderError } from "commander";
import { hasErrors, UserError } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import { checkFile, nodeHost, type CheckOptions } from "../parser/program.js";
import { compileCommand } from "./compile.js";
import { evalCommand } from "./eval.js";
import { gradcheckCommand } from "./gradcheck.js";
import { kernelsCommand } from "./kernels.js";
import { processIo, type Io } from "./io.js";
import { addOptions, type CommandName, type CommandOptions } from "./options.js";
import { predictCommand } from "./predict.js";
import { trainCommand } from "./train.js";

export { processIo, type Io };

/** Runs the CLI and returns the exit code: 0 success, 1 user errors, 2 usage or internal errors. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command("grove")
    .description("Grove: a language for neural networks, compiled to fused WebGPU kernels")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const command = (name: CommandName, description: string) =>
    addOptions(program.command(name).description(description), name);

  command("check", "parse and check .grove files: names, arity, shapes, imports, train sections")
    .argument("<files...>", ".grove files to check")
    .action((files: string[], opts: CommandOptions<"check">) => {
      code = check(files, opts.format, { settings: opts.set, importRoot: opts.importRoot }, io);
    });

  command("compile", "compile a .grove file and print the result")
    .argument("<file>", ".grove file")
    .action((file: string, opts: CommandOptions<"compile">) => {
      code = compileCommand(file, opts, io);
    });

  command("kernels", "list the kernels of the training step with their cost, and totals")
    .argument("<file>", ".grove file with a train section")
    .action(async (file: string, opts: CommandOptions<"kernels">) => {
      if (opts.compare && opts.compare.length !== 2) {
        io.err(`grove kernels: --compare takes two policies, not ${opts.compare.length}\n`);
        code = 2;
        return;
      }
      code = await kernelsCommand(file, opts, io);
    });

  command("gradcheck", "check every parameter's gradient against float64 finite differences")
    .argument("<file>", ".grove file with a train section")
    .action((file: string, opts: CommandOptions<"gradcheck">) => {
      code = gradcheckCommand(file, opts, io);
    });

  command("train", "train a .grove file's train section on the GPU (or the CPU)")
    .argument("<file>", ".grove file with a train section")
    .action(async (file: string, opts: CommandOptions<"train">) => {
      code = await trainCommand(file, opts, io);
    });

  command("eval", "report a checkpoint's loss and metrics on a split of the train section's data")
    .argument("<file>", ".grove file with a train section")
    .action(async (file: string, opts: CommandOptions<"eval">) => {
      code = await evalCommand(file, opts, io);
    });

  command("predict", "run a checkpoint's model on the examples of a file and write its outputs")
    .argument("<file>", ".grove file with a train section")
    .action(async (file: string, opts: CommandOptions<"predict">) => {
      code = await predictCommand(file, opts, io);
    });

  command(
    "export",
    "write the model for another engine: --target onnx (an ONNX model with weights), node or browser (a standalone training program), pytorch (a PyTorch training program)",
  )
    .argument("<file>", ".grove file with a train section")
    .action(async (file: string, opts: CommandOptions<"export">) => {
      const { exportCommand } = await import("./export.js");
      code = await exportCommand(file, opts, io);
    });

  // Commands that read no .grove file have no --set or --import-root.
  command("serve", "serve a folder over http, such as a page from grove export --target browser")
    .argument("<dir>", "the folder to serve")
    .action(async (dir: string, opts: CommandOptions<"serve">) => {
      const { serveCommand } = await import("./serve.js");
      code = await serveCommand(dir, opts, io);
    });

  command("fmt", "format .grove files (the Prettier plugin in src/fmt): print, --check or --write")
    .argument("<files...>", ".grove files to format")
    .action(async (files: string[], opts: CommandOptions<"fmt">) => {
      const { fmtCommand } = await import("./fmt.js");
      code = await fmtCommand(files, opts, io);
    });

  command("lsp", "run the language server on stdin/stdout (for editors)").action(async () => {
    const { serveLsp } = await import("./lsp/server.js");
    await serveLsp();
  });

  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UserError) {
      const command = argv[0] && !argv[0].startsWith("-") ? ` ${argv[0]}` : "";
      io.err(`grove${command}: ${e.message}\n`);
      return 1;
    }
    io.err(internalError(e));
    return 2;
  }
  return code;
}

function check(files: readonly string[], format: Format, options: CheckOptions, io: Io): number {
  let failed = false;
  const json: unknown[] = [];
  for (const file of files) {
    const r = checkFile(file, nodeHost, options);
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
