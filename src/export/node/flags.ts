/**
 * @file The flags of an exported Node program (`node train.mjs ...`), one row each: what it
 * takes, how its value is checked, and its help line. `--name value` and `--name=value` are both
 * read; an unknown flag, a missing value or a value out of range is one line naming the flag.
 */
import { readDecimal } from "../../diag/decimal.js";
import { visibleText } from "../../diag/escape.js";
import { MAX_COUNT, MAX_SEED } from "../../runtime/checkpoint-meta.js";

/** What the flags give: every one optional. */
export interface ProgramFlags {
  readonly epochs?: number;
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly checkpoint?: string;
  readonly resume?: string;
  readonly logJson?: string;
  readonly data?: string;
  readonly help?: boolean;
}

/** A whole number in [min, max], or why not. */
const whole =
  (min: number, max: number) =>
  (v: string): number | string =>
    readDecimal(v, { min, max, whole: true }) ?? `must be a whole number from ${min} to ${max}`;

const path = (v: string): string => v;

interface FlagRule {
  readonly key: keyof ProgramFlags;
  /** Its value's name in the help (`N`, `PATH`); none for a switch. */
  readonly value?: string;
  readonly read?: (v: string) => number | string;
  readonly help: string;
}

export const flagRules: Readonly<Record<string, FlagRule>> = {
  "--epochs": {
    key: "epochs",
    value: "N",
    read: whole(1, MAX_COUNT),
    help: "epochs to train (default: the train section's)",
  },
  "--max-steps": {
    key: "maxSteps",
    value: "N",
    read: whole(1, MAX_COUNT),
    help: "stop after N training steps in total, then save and evaluate",
  },
  "--seed": {
    key: "seed",
    value: "N",
    read: whole(0, MAX_SEED),
    help: "seed of initialisation and shuffling (default: the train section's)",
  },
  "--checkpoint": {
    key: "checkpoint",
    value: "PATH",
    read: path,
    help: "where to save checkpoints (default: checkpoints/MODEL.safetensors here)",
  },
  "--resume": {
    key: "resume",
    value: "PATH",
    read: path,
    help: "continue the run saved in this checkpoint",
  },
  "--log-json": {
    key: "logJson",
    value: "FILE",
    read: path,
    help: "write every step, epoch and the result as JSON lines",
  },
  "--data": {
    key: "data",
    value: "DIR",
    read: path,
    help: "read the data files from this folder (default: data/ here)",
  },
  "--help": { key: "help", help: "print this help" },
};

/** The flags in `argv`, or why they cannot be read (one line). */
export function parseFlags(argv: readonly string[]): ProgramFlags | string {
  const out: Record<string, number | string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const rule = Object.hasOwn(flagRules, name) ? flagRules[name] : undefined;
    if (!rule) return `unknown ${arg.startsWith("-") ? "flag" : "argument"} ${visibleText(name)}`;
    if (!rule.read) {
      if (eq > 0) return `${name} takes no value`;
      out[rule.key] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--")))
      return `${name} needs a value (${name} ${rule.value})`;
    const read = rule.read(value);
    if (typeof read === "string" && rule.read !== path) return `${name} ${read}`;
    out[rule.key] = read;
  }
  return out as ProgramFlags;
}

/** The help text: how to run, then one line per flag. */
export function usage(program: string): string {
  const rows = Object.entries(flagRules).map(([name, r]) => [
    r.value ? `${name} ${r.value}` : name,
    r.help,
  ]);
  const width = Math.max(...rows.map(([f]) => f!.length));
  return (
    `usage: node ${program} [flags]\n\n` +
    rows.map(([f, h]) => `  ${f!.padEnd(width)}  ${h}`).join("\n") +
    "\n"
  );
}
