/**
 * @file The `grove` command line: a thin commander front end over the library, built from the
 * command table in commands.ts. `runCli` takes its arguments and output streams so tests can
 * drive it in-process.
 */
import { Command, CommanderError } from "commander";
import { UserError } from "../diag/diagnostic.js";
import { addOptions, commands, type CommandName } from "./commands.js";
import { processIo, type Io } from "./io.js";

export { processIo, type Io };

/** A row of `commands` whatever its options' type (commander hands the action an object). */
interface AnySpec {
  readonly description: string;
  readonly operand?: { readonly name: string; readonly help: string };
  readonly run: (operands: string[], opts: never, io: Io) => Promise<number>;
}

/** Runs the CLI and returns the exit code: 0 success, 1 user errors, 2 usage or internal errors. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command("grove")
    .description("Grove: a language for neural networks, compiled to fused WebGPU kernels")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  for (const [name, spec] of Object.entries(commands) as [CommandName, AnySpec][]) {
    const command = program.command(name).description(spec.description);
    if (spec.operand) command.argument(spec.operand.name, spec.operand.help);
    addOptions(command, name).action(async (...args: unknown[]) => {
      const operands = spec.operand ? [args[0] as string | string[]].flat() : [];
      code = await spec.run(operands, args[spec.operand ? 1 : 0] as never, io);
    });
  }

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

function internalError(e: unknown): string {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return (
    "internal compiler error: Grove hit a bug, not a mistake in your program.\n" +
    "Please report it with the input that caused it.\n\n" +
    detail +
    "\n"
  );
}
