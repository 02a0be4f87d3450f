/**
 * @file Every `grove` command, declared once: its description, operand, options and the module
 * that runs it (imported when the command runs). Each command's options are a table whose rows
 * make the commander `Option` (flags, help, parser, choices, default) and carry the value's
 * TypeScript type, so a command's options type is `CommandOptions<"train">`, derived from the
 * rows main.ts adds. A row's key is the property commander sets (`--max-steps` → `maxSteps`,
 * `--no-fuse` → `fuse`); `addOptions` refuses a key that is not. Numeric flags parse through
 * `flagRules`. Adding a command is a row in `commandOptions` and one in `commands`.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { Format } from "../diag/render.js";
import type { Io } from "./io.js";
import { readDecimal } from "../diag/decimal.js";
import { rematPolicies } from "../ir/remat.js";
import { InternalError } from "../diag/diagnostic.js";
import { MAX_COUNT, MAX_SEED } from "../runtime/checkpoint-meta.js";

/** One option: how to make it, and (as a type only) the value commander gives the action. */
interface OptionRow<T> {
  make(): Option;
  /** Never set: carries the value's type to `CommandOptions`. */
  readonly value?: T;
}

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
    const n = readDecimal(v, range);
    if (n === undefined) throw new InvalidArgumentError(`${flag} must be ${what}`);
    return n;
  };
}

/** Every numeric flag's range, one row each. */
const flagRules = {
  count: (flag: string) => numeric(flag, { min: 1, max: MAX_COUNT, whole: true }),
  seed: (flag: string) => numeric(flag, { min: 0, max: MAX_SEED, whole: true }),
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

/** The flag's long name, for messages: `--batch <n>` → `--batch`. */
const flagName = (flags: string) => flags.split(/[ ,]+/).find((f) => f.startsWith("--"))!;

// ------------------------------------------------------------------ row makers

/** `--x <value>`: a string, or undefined when not given. */
const text = (flags: string, help: string): OptionRow<string | undefined> => ({
  make: () => new Option(flags, help),
});

/** `--x <value>` that must be given. */
const required = (flags: string, help: string): OptionRow<string> => ({
  make: () => new Option(flags, help).makeOptionMandatory(),
});

/** `--x`: true when given. */
const flag = (flags: string, help: string): OptionRow<boolean | undefined> => ({
  make: () => new Option(flags, help),
});

/** `--no-x`: false when given, else true. */
const negated = (flags: string, help: string): OptionRow<boolean> => ({
  make: () => new Option(flags, help),
});

/** `--x <n>` through a `flagRules` row: a number, or `fallback` (undefined without one). */
function numberOf(
  flags: string,
  help: string,
  rule: keyof typeof flagRules,
): OptionRow<number | undefined>;
function numberOf(
  flags: string,
  help: string,
  rule: keyof typeof flagRules,
  fallback: number,
): OptionRow<number>;
function numberOf(
  flags: string,
  help: string,
  rule: keyof typeof flagRules,
  fallback?: number,
): OptionRow<number | undefined> {
  return {
    make: () => {
      const o = new Option(flags, help).argParser(flagRules[rule](flagName(flags)));
      return fallback === undefined ? o : o.default(fallback);
    },
  };
}

/** `--x <c>` from `choices`: one of them, or `fallback` (undefined without one). */
function choice<C extends string>(
  flags: string,
  help: string,
  choices: readonly C[],
): OptionRow<C | undefined>;
function choice<C extends string>(
  flags: string,
  help: string,
  choices: readonly C[],
  fallback: C,
): OptionRow<C>;
function choice<C extends string>(
  flags: string,
  help: string,
  choices: readonly C[],
  fallback?: C,
): OptionRow<C | undefined> {
  return {
    make: () => {
      const o = new Option(flags, help).choices(choices);
      return fallback === undefined ? o : o.default(fallback);
    },
  };
}

/** `--x <values...>`: every value up to the next option, or undefined. */
const list = (flags: string, help: string): OptionRow<string[] | undefined> => ({
  make: () => new Option(flags, help),
});

/** `--x <value>`, repeatable: every value given, in order (none: empty). */
const repeated = (flags: string, help: string): OptionRow<string[]> => ({
  make: () =>
    new Option(flags, help)
      .argParser((value: string, previous: string[]) => [...previous, value])
      .default([]),
});

// ------------------------------------------------------------------ shared rows

const fusionRows = {
  fusion: text(
    "--fusion <edits>",
    'switch fusion rules and set parameters: "-shared,deep-limit=4"',
  ),
  fusionPolicy: text(
    "--fusion-policy <file>",
    "load a fusion policy (JSON) before --fusion's edits",
  ),
};

/** The commands that compile a training step: which forward values the backward recomputes. */
const rematRows = {
  remat: choice(
    "--remat <policy>",
    "which forward values the backward recomputes instead of storing (default store)",
    rematPolicies,
  ),
  memoryBudget: numberOf(
    "--memory-budget <bytes>",
    "compile the plan moving the fewest bytes whose peak memory fits (every --remat policy, or the one given)",
    "bytes",
  ),
};

const subgroups = flag(
  "--subgroups",
  "matrix products with subgroup operations (what grove train uses when the device has them)",
);

const maxBindingSize = numberOf(
  "--max-binding-size <bytes>",
  "bytes one storage binding may hold; larger arenas are split (default 134217728)",
  "bytes",
);

const backend = choice(
  "--backend <backend>",
  "gpu (WebGPU), cpu (the reference interpreter: slow, no GPU needed) or onnx (ONNX Runtime on the CPU: fast, no GPU needed; needs onnxruntime-node); default: GROVE_BACKEND, else gpu on a GPU and onnx on a CPU driver such as lavapipe",
  ["gpu", "cpu", "onnx"] as const,
);

/** Every command that reads a .grove file ends with these two. */
const fileRows = {
  set: repeated(
    "--set <setting>",
    'replace or add a train setting, e.g. --set "optimizer = adam(lr: 3e-4)" (repeatable)',
  ),
  importRoot: text(
    "--import-root <dir>",
    "imports may reach files under this folder (default: the .grove file's folder)",
  ),
};

// ------------------------------------------------------------------ the commands

/** Each command's options in the order `--help` lists them. */
export const commandOptions = {
  check: {
    format: choice(
      "--format <format>",
      "how to print diagnostics",
      ["rich", "short", "json"] as Format[],
      "rich",
    ),
    ...fileRows,
  },
  compile: {
    emit: choice("--emit <what>", "what to produce", ["ir", "wgsl", "plan"] as const, "ir"),
    out: text("-o, --out <dir>", "write files into this folder instead of printing"),
    fuse: negated("--no-fuse", "one kernel per primitive (wgsl and plan)"),
    ...fusionRows,
    subgroups,
    dumpAfter: text("--dump-after <pass>", "print the graph after this pipeline pass"),
    batch: numberOf("--batch <n>", "batch size to specialise for", "count"),
    maxBindingSize,
    ...rematRows,
    ...fileRows,
  },
  kernels: {
    fuse: negated("--no-fuse", "one kernel per primitive"),
    ...fusionRows,
    compare: list(
      "--compare <policies...>",
      "two or three policies side by side: fused, unfused, FILE.json, --fusion edits, or store, recompute-cheap, min-cut",
    ),
    report: text("--report <file>", "write a self-contained HTML report of the graph and kernels"),
    profile: flag("--profile", "measure each kernel's GPU time (needs timestamp queries)"),
    subgroups,
    batch: numberOf("--batch <n>", "batch size to specialise for", "count"),
    maxBindingSize,
    program: choice("--program <name>", "which program", ["train", "eval"] as const, "train"),
    ...rematRows,
    ...fileRows,
  },
  gradcheck: {
    batch: numberOf("--batch <n>", "batch size of the random inputs", "count", 2),
    seed: numberOf("--seed <n>", "seed of the random inputs and parameters", "seed", 1),
    directions: numberOf("--directions <n>", "random directions per parameter", "directions", 2),
    tolerance: numberOf("--tolerance <x>", "largest allowed relative error", "tolerance", 1e-5),
    ...fileRows,
  },
  train: {
    epochs: numberOf("--epochs <n>", "epochs (overrides the train section)", "count"),
    batch: numberOf("--batch <n>", "batch size (overrides the train section)", "count"),
    lr: numberOf("--lr <x>", "the optimizer's learning rate (overrides the train section)", "lr"),
    seed: numberOf("--seed <n>", "seed of data, initialisation and shuffling", "seed"),
    fuse: negated("--no-fuse", "one kernel per primitive"),
    ...fusionRows,
    logJson: text("--log-json <file>", "write every step, epoch and the result as JSON lines"),
    checkpoint: text(
      "--checkpoint <path>",
      "where to save checkpoints (default: checkpoints/MODEL.safetensors next to the file)",
    ),
    resume: text("--resume <path>", "continue the run saved in this checkpoint"),
    init: text(
      "--init <path>",
      "start from this checkpoint's parameters (fresh optimizer, step 0)",
    ),
    watchGrads: flag("--watch-grads", "print each parameter's gradient norm after every epoch"),
    backend,
    maxSteps: numberOf(
      "--max-steps <n>",
      "stop after N training steps in total, then save and evaluate (for smoke tests)",
      "count",
    ),
    evalLimit: numberOf(
      "--eval-limit <n>",
      "evaluate on the first N examples of the validation and test splits",
      "count",
    ),
    ...rematRows,
    ...fileRows,
  },
  eval: {
    checkpoint: required("--checkpoint <path>", "the checkpoint whose parameters to evaluate"),
    split: choice("--split <split>", "which split (default: test, else validation, else train)", [
      "test",
      "validation",
      "train",
    ] as const),
    batch: numberOf("--batch <n>", "batch size (default: the checkpoint's)", "count"),
    fuse: negated("--no-fuse", "one kernel per primitive"),
    ...fusionRows,
    backend,
    limit: numberOf(
      "--limit <n>",
      "evaluate the first N examples of the split only (like grove train --eval-limit)",
      "count",
    ),
    ...fileRows,
  },
  predict: {
    checkpoint: required("--checkpoint <path>", "the checkpoint whose parameters to use"),
    input: required("--input <path>", "the examples: CSV rows of feature values"),
    out: text("-o, --out <path>", "write the outputs here (.csv) instead of printing them"),
    batch: numberOf("--batch <n>", "batch size (default: the checkpoint's)", "count"),
    fuse: negated("--no-fuse", "one kernel per primitive"),
    backend,
    ...fileRows,
  },
  export: {
    target: required(
      "--target <target>",
      "what to write: onnx, node, browser or pytorch (see docs/export.md)",
    ),
    checkpoint: text("--checkpoint <path>", "the checkpoint whose parameters to write (onnx)"),
    out: text(
      "-o, --out <path>",
      "where to write (onnx: FILE.onnx; node, browser, pytorch: a folder)",
    ),
    batch: numberOf(
      "--batch <n>",
      "batch size (node, browser; overrides the train section)",
      "count",
    ),
    data: negated(
      "--no-data",
      "leave the data files out; the program reads them from --data DIR (node, pytorch)",
    ),
    portable: flag("--portable", "compile for any WebGPU device instead of this machine's (node)"),
    ...rematRows,
    ...fileRows,
  },
  serve: {
    port: numberOf("--port <n>", "the port (default 8080; 0: any free port)", "port"),
    host: text("--host <host>", "the address to listen on (default 127.0.0.1: this machine only)"),
  },
  fmt: {
    check: {
      make: () =>
        new Option("--check", "list the files that would change; exit 1 if any").conflicts("write"),
    } as OptionRow<boolean | undefined>,
    write: flag("--write", "rewrite the files in place"),
  },
  lsp: {
    stdio: flag("--stdio", "talk over stdin and stdout (the only transport; accepted for clients)"),
  },
} as const;

export type CommandName = keyof typeof commandOptions;

type Rows<C extends CommandName> = (typeof commandOptions)[C];
type ValueOf<R> = R extends OptionRow<infer T> ? T : never;

/**
 * The options object commander hands `command`'s action: an option that may be absent is an
 * optional property, one with a default or that must be given a required one.
 */
export type CommandOptions<C extends CommandName> = {
  readonly [K in keyof Rows<C> as undefined extends ValueOf<Rows<C>[K]> ? K : never]?: ValueOf<
    Rows<C>[K]
  >;
} & {
  readonly [K in keyof Rows<C> as undefined extends ValueOf<Rows<C>[K]> ? never : K]: ValueOf<
    Rows<C>[K]
  >;
};

/** Adds `name`'s options to `command`, in table order. */
export function addOptions(command: Command, name: CommandName): Command {
  for (const [key, row] of Object.entries(commandOptions[name]) as [string, OptionRow<unknown>][]) {
    const option = row.make();
    if (option.attributeName() !== key)
      throw new InternalError(
        `option row ${key} makes ${option.flags} (${option.attributeName()})`,
      );
    command.addOption(option);
  }
  return command;
}

/** What a command is and does; `run` gets its operands (none, one, or the variadic list). */
interface CommandSpec<C extends CommandName> {
  readonly description: string;
  readonly operand?: { readonly name: string; readonly help: string };
  readonly run: (operands: string[], opts: CommandOptions<C>, io: Io) => Promise<number>;
}

const grovePath = ".grove file with a train section";

/** Every command, in the order `grove --help` lists them. */
export const commands: { readonly [C in CommandName]: CommandSpec<C> } = {
  check: {
    description: "parse and check .grove files: names, arity, shapes, imports, train sections",
    operand: { name: "<files...>", help: ".grove files to check" },
    run: async (files, opts, io) => (await import("./check.js")).checkCommand(files, opts, io),
  },
  compile: {
    description: "compile a .grove file and print the result",
    operand: { name: "<file>", help: ".grove file" },
    run: async ([file], opts, io) => (await import("./compile.js")).compileCommand(file!, opts, io),
  },
  kernels: {
    description: "list the kernels of the training step with their cost, and totals",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) => (await import("./kernels.js")).kernelsCommand(file!, opts, io),
  },
  gradcheck: {
    description: "check every parameter's gradient against float64 finite differences",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) =>
      (await import("./gradcheck.js")).gradcheckCommand(file!, opts, io),
  },
  train: {
    description: "train a .grove file's train section on the GPU (or the CPU)",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) => (await import("./train.js")).trainCommand(file!, opts, io),
  },
  eval: {
    description: "report a checkpoint's loss and metrics on a split of the train section's data",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) => (await import("./eval.js")).evalCommand(file!, opts, io),
  },
  predict: {
    description: "run a checkpoint's model on the examples of a file and write its outputs",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) => (await import("./predict.js")).predictCommand(file!, opts, io),
  },
  export: {
    description:
      "write the model for another engine: --target onnx (an ONNX model with weights), node or browser (a standalone training program), pytorch (a PyTorch training program)",
    operand: { name: "<file>", help: grovePath },
    run: async ([file], opts, io) => (await import("./export.js")).exportCommand(file!, opts, io),
  },
  // Commands that read no .grove file have no --set or --import-root.
  serve: {
    description: "serve a folder over http, such as a page from grove export --target browser",
    operand: { name: "<dir>", help: "the folder to serve" },
    run: async ([dir], opts, io) => (await import("./serve.js")).serveCommand(dir!, opts, io),
  },
  fmt: {
    description: "format .grove files (the Prettier plugin in src/fmt): print, --check or --write",
    operand: { name: "<files...>", help: ".grove files to format" },
    run: async (files, opts, io) => (await import("./fmt.js")).fmtCommand(files, opts, io),
  },
  lsp: {
    description: "run the language server on stdin/stdout (for editors)",
    run: async () => {
      await (await import("./lsp/server.js")).serveLsp();
      return 0;
    },
  },
};
