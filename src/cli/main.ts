/**
 * @file The `grove` command line: a thin commander front end over the library. `runCli` takes
 * its arguments and output streams so tests can drive it in-process.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { hasErrors, UserError } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import { checkFile, nodeHost, type CheckOptions } from "../parser/program.js";
import { compileCommand } from "./compile.js";
import { evalCommand } from "./eval.js";
import { gradcheckCommand } from "./gradcheck.js";
import { kernelsCommand } from "./kernels.js";
import { processIo, type Io } from "./io.js";
import { predictCommand } from "./predict.js";
import { trainCommand } from "./train.js";

export { processIo, type Io };

/** A number as a person writes one in decimal: no `0x`, `Infinity`, `NaN` or blanks. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The largest count a flag takes (steps and sizes are i32 on the GPU). */
const MAX_COUNT = 2147483647;

/**
 * A numeric flag's parser: the value must be a decimal number within [min, max] (and whole with
 * `whole`); anything else is one line naming the flag, as commander reports it (exit 2).
 */
function numeric(
  flag: string,
  range: { min: number; max: number; whole?: boolean; what?: string },
): (v: string) => number {
  const what =
    range.what ??
    `${range.whole ? "a whole number" : "a number"} from ${range.min} to ${range.max}`;
  return (v) => {
    const n = Number(v);
    const ok =
      DECIMAL.test(v) &&
      Number.isFinite(n) &&
      n >= range.min &&
      n <= range.max &&
      (!range.whole || Number.isInteger(n));
    if (!ok) throw new InvalidArgumentError(`${flag} must be ${what}`);
    return n;
  };
}

/** Every numeric flag with its range, one row each. */
const flagRules = {
  count: (flag: string) => numeric(flag, { min: 1, max: MAX_COUNT, whole: true }),
  seed: (flag: string) => numeric(flag, { min: 0, max: 4294967295, whole: true }),
  directions: (flag: string) => numeric(flag, { min: 0, max: MAX_COUNT, whole: true }),
  port: (flag: string) => numeric(flag, { min: 0, max: 65535, whole: true }),
  bytes: (flag: string) => numeric(flag, { min: 1, max: Number.MAX_SAFE_INTEGER, whole: true }),
  tolerance: (flag: string) =>
    numeric(flag, { min: Number.MIN_VALUE, max: Number.MAX_VALUE, what: "a positive number" }),
  // The rate goes to the GPU as a float32: from its smallest normal value to its largest.
  lr: (flag: string) =>
    numeric(flag, {
      min: 1.1754943508222875e-38,
      max: 3.4028234663852886e38,
      what: "a positive number float32 holds (1.2e-38 to 3.4e38)",
    }),
};

const backendOption = () =>
  new Option(
    "--backend <backend>",
    "gpu (WebGPU), cpu (the reference interpreter: slow, no GPU needed) or onnx (ONNX Runtime on the CPU: fast, no GPU needed; needs onnxruntime-node)",
  )
    .choices(["gpu", "cpu", "onnx"])
    .default("gpu");

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
    .action((files: string[], opts: { format: Format; set: string[]; importRoot?: string }) => {
      code = check(files, opts.format, { settings: opts.set, importRoot: opts.importRoot }, io);
    });

  program
    .command("compile")
    .description("compile a .grove file and print the result")
    .argument("<file>", ".grove file")
    .addOption(
      new Option("--emit <what>", "what to produce").choices(["ir", "wgsl", "plan"]).default("ir"),
    )
    .option("-o, --out <dir>", "write files into this folder instead of printing")
    .option("--no-fuse", "one kernel per primitive (wgsl and plan)")
    .option("--fusion <edits>", 'switch fusion rules and set parameters: "-shared,deep-limit=4"')
    .option("--fusion-policy <file>", "load a fusion policy (JSON) before --fusion's edits")
    .option(
      "--subgroups",
      "matrix products with subgroup operations (what grove train uses when the device has them)",
    )
    .option("--dump-after <pass>", "print the graph after this pipeline pass")
    .option("--batch <n>", "batch size to specialise for", flagRules.count("--batch"))
    .option(
      "--max-binding-size <bytes>",
      "bytes one storage binding may hold; larger arenas are split (default 134217728)",
      flagRules.bytes("--max-binding-size"),
    )
    .action(
      (
        file: string,
        opts: {
          emit: string;
          dumpAfter?: string;
          batch?: number;
          out?: string;
          fuse: boolean;
          fusion?: string;
          fusionPolicy?: string;
        },
      ) => {
        code = compileCommand(file, opts, io);
      },
    );

  program
    .command("kernels")
    .description("list the kernels of the training step with their cost, and totals")
    .argument("<file>", ".grove file with a train section")
    .option("--no-fuse", "one kernel per primitive")
    .option("--fusion <edits>", 'switch fusion rules and set parameters: "-shared,deep-limit=4"')
    .option("--fusion-policy <file>", "load a fusion policy (JSON) before --fusion's edits")
    .option(
      "--compare <policies...>",
      "two policies side by side: fused, unfused, FILE.json or --fusion edits",
    )
    .option("--report <file>", "write a self-contained HTML report of the graph and kernels")
    .option("--profile", "measure each kernel's GPU time (needs timestamp queries)")
    .option(
      "--subgroups",
      "matrix products with subgroup operations (what grove train uses when the device has them)",
    )
    .option("--batch <n>", "batch size to specialise for", flagRules.count("--batch"))
    .option(
      "--max-binding-size <bytes>",
      "bytes one storage binding may hold; larger arenas are split (default 134217728)",
      flagRules.bytes("--max-binding-size"),
    )
    .addOption(
      new Option("--program <name>", "which program").choices(["train", "eval"]).default("train"),
    )
    .action(
      async (
        file: string,
        opts: {
          fuse: boolean;
          profile?: boolean;
          batch?: number;
          program: string;
          fusion?: string;
          fusionPolicy?: string;
          compare?: string[];
          report?: string;
        },
      ) => {
        if (opts.compare && opts.compare.length !== 2) {
          io.err(`grove kernels: --compare takes two policies, not ${opts.compare.length}\n`);
          code = 2;
          return;
        }
        code = await kernelsCommand(file, { ...opts, profile: opts.profile ?? false }, io);
      },
    );

  program
    .command("gradcheck")
    .description("check every parameter's gradient against float64 finite differences")
    .argument("<file>", ".grove file with a train section")
    .option("--batch <n>", "batch size of the random inputs", flagRules.count("--batch"), 2)
    .option("--seed <n>", "seed of the random inputs and parameters", flagRules.seed("--seed"), 1)
    .option(
      "--directions <n>",
      "random directions per parameter",
      flagRules.directions("--directions"),
      2,
    )
    .option(
      "--tolerance <x>",
      "largest allowed relative error",
      flagRules.tolerance("--tolerance"),
      1e-5,
    )
    .action(
      (
        file: string,
        opts: { batch: number; seed: number; directions: number; tolerance: number },
      ) => {
        code = gradcheckCommand(file, opts, io);
      },
    );

  program
    .command("train")
    .description("train a .grove file's train section on the GPU (or the CPU)")
    .argument("<file>", ".grove file with a train section")
    .option("--epochs <n>", "epochs (overrides the train section)", flagRules.count("--epochs"))
    .option("--batch <n>", "batch size (overrides the train section)", flagRules.count("--batch"))
    .option(
      "--lr <x>",
      "the optimizer's learning rate (overrides the train section)",
      flagRules.lr("--lr"),
    )
    .option("--seed <n>", "seed of data, initialisation and shuffling", flagRules.seed("--seed"))
    .option("--no-fuse", "one kernel per primitive")
    .option("--fusion <edits>", 'switch fusion rules and set parameters: "-shared,deep-limit=4"')
    .option("--fusion-policy <file>", "load a fusion policy (JSON) before --fusion's edits")
    .option("--log-json <file>", "write every step, epoch and the result as JSON lines")
    .option(
      "--checkpoint <path>",
      "where to save checkpoints (default: checkpoints/MODEL.safetensors next to the file)",
    )
    .option("--resume <path>", "continue the run saved in this checkpoint")
    .option("--init <path>", "start from this checkpoint's parameters (fresh optimizer, step 0)")
    .option("--watch-grads", "print each parameter's gradient norm after every epoch")
    .addOption(backendOption())
    .option(
      "--max-steps <n>",
      "stop after N training steps in total, then save and evaluate (for smoke tests)",
      flagRules.count("--max-steps"),
    )
    .option(
      "--eval-limit <n>",
      "evaluate on the first N examples of the validation and test splits",
      flagRules.count("--eval-limit"),
    )
    .action(
      async (
        file: string,
        opts: {
          epochs?: number;
          batch?: number;
          lr?: number;
          seed?: number;
          fuse: boolean;
          fusion?: string;
          fusionPolicy?: string;
          logJson?: string;
          checkpoint?: string;
          resume?: string;
          init?: string;
          watchGrads?: boolean;
          backend: "gpu" | "cpu" | "onnx";
          maxSteps?: number;
          evalLimit?: number;
        },
      ) => {
        code = await trainCommand(file, opts, io);
      },
    );

  program
    .command("eval")
    .description("report a checkpoint's loss and metrics on a split of the train section's data")
    .argument("<file>", ".grove file with a train section")
    .requiredOption("--checkpoint <path>", "the checkpoint whose parameters to evaluate")
    .addOption(
      new Option(
        "--split <split>",
        "which split (default: test, else validation, else train)",
      ).choices(["test", "validation", "train"]),
    )
    .option("--batch <n>", "batch size (default: the checkpoint's)", flagRules.count("--batch"))
    .option("--no-fuse", "one kernel per primitive")
    .option("--fusion <edits>", 'switch fusion rules and set parameters: "-shared,deep-limit=4"')
    .option("--fusion-policy <file>", "load a fusion policy (JSON) before --fusion's edits")
    .addOption(backendOption())
    .option(
      "--limit <n>",
      "evaluate the first N examples of the split only (like grove train --eval-limit)",
      flagRules.count("--limit"),
    )
    .action(
      async (
        file: string,
        opts: {
          checkpoint: string;
          split?: "test" | "validation" | "train";
          batch?: number;
          fuse: boolean;
          fusion?: string;
          fusionPolicy?: string;
          backend: "gpu" | "cpu" | "onnx";
          limit?: number;
        },
      ) => {
        code = await evalCommand(file, opts, io);
      },
    );

  program
    .command("predict")
    .description("run a checkpoint's model on the examples of a file and write its outputs")
    .argument("<file>", ".grove file with a train section")
    .requiredOption("--checkpoint <path>", "the checkpoint whose parameters to use")
    .requiredOption("--input <path>", "the examples: CSV rows of feature values")
    .option("-o, --out <path>", "write the outputs here (.csv) instead of printing them")
    .option("--batch <n>", "batch size (default: the checkpoint's)", flagRules.count("--batch"))
    .option("--no-fuse", "one kernel per primitive")
    .addOption(backendOption())
    .action(
      async (
        file: string,
        opts: {
          checkpoint: string;
          input: string;
          out?: string;
          batch?: number;
          fuse: boolean;
          backend: "gpu" | "cpu" | "onnx";
        },
      ) => {
        code = await predictCommand(file, opts, io);
      },
    );

  program
    .command("export")
    .description(
      "write the model for another engine: --target onnx (an ONNX model with weights), node or browser (a standalone training program), pytorch (a PyTorch training program)",
    )
    .argument("<file>", ".grove file with a train section")
    .requiredOption(
      "--target <target>",
      "what to write: onnx, node, browser or pytorch (see docs/export.md)",
    )
    .option("--checkpoint <path>", "the checkpoint whose parameters to write (onnx)")
    .option(
      "-o, --out <path>",
      "where to write (onnx: FILE.onnx; node, browser, pytorch: a folder)",
    )
    .option(
      "--batch <n>",
      "batch size (node, browser; overrides the train section)",
      flagRules.count("--batch"),
    )
    .option("--no-data", "leave the data files out; the program reads them from --data DIR (node)")
    .option("--portable", "compile for any WebGPU device instead of this machine's (node)")
    .action(
      async (
        file: string,
        opts: {
          target: string;
          checkpoint?: string;
          out?: string;
          batch?: number;
          data: boolean;
          portable?: boolean;
        },
      ) => {
        const { exportCommand } = await import("./export.js");
        code = await exportCommand(file, opts, io);
      },
    );

  // Every command that reads a train section takes `--set key=value` (repeatable).
  for (const command of program.commands)
    command.option(
      "--set <setting>",
      'replace or add a train setting, e.g. --set "optimizer = adam(lr: 3e-4)" (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  // ... and `--import-root DIR`: imports may reach files under DIR, not only the file's folder.
  for (const command of program.commands)
    command.option(
      "--import-root <dir>",
      "imports may reach files under this folder (default: the .grove file's folder)",
    );

  // Commands that read no .grove file, so without --set and --import-root.
  program
    .command("serve")
    .description("serve a folder over http, such as a page from grove export --target browser")
    .argument("<dir>", "the folder to serve")
    .option("--port <n>", "the port (default 8080; 0: any free port)", flagRules.port("--port"))
    .option("--host <host>", "the address to listen on (default 127.0.0.1: this machine only)")
    .action(async (dir: string, opts: { port?: number; host?: string }) => {
      const { serveCommand } = await import("./serve.js");
      code = await serveCommand(dir, opts, io);
    });

  // Formatting checks nothing beyond syntax: no --set or --import-root either.
  program
    .command("fmt")
    .description("format .grove files (the Prettier plugin in src/fmt): print, --check or --write")
    .argument("<files...>", ".grove files to format")
    .addOption(
      new Option("--check", "list the files that would change; exit 1 if any").conflicts("write"),
    )
    .option("--write", "rewrite the files in place")
    .action(async (files: string[], opts: { check?: boolean; write?: boolean }) => {
      const { fmtCommand } = await import("./fmt.js");
      code = await fmtCommand(files, opts, io);
    });

  program
    .command("lsp")
    .description("run the language server on stdin/stdout (for editors)")
    .option("--stdio", "talk over stdin and stdout (the only transport; accepted for clients)")
    .action(async () => {
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
