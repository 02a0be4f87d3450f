/**
 * @file The fusion policy a command compiles with, from `--fusion EDITS`, `--fusion-policy FILE`
 * (both: the file, then the edits) or `--no-fuse`; and `grove kernels --compare`'s policy words.
 * A bad policy is one error line naming the flag or file.
 */
import { readFileSync } from "node:fs";
import {
  defaultPolicy,
  parseFusionEdits,
  parsePolicyJson,
  PolicyError,
  type FusionPolicy,
} from "../codegen/fusion-policy.js";
import type { Io } from "./io.js";

export interface FusionFlags {
  /** `--fusion "-prologue-deep,reread-budget=65536"`. */
  readonly fusion?: string;
  /** `--fusion-policy FILE.json`. */
  readonly fusionPolicy?: string;
}

/** A compile's fusion: `fuse` false is `--no-fuse`; `policy` applies when it is true. */
export interface FusionChoice {
  readonly fuse: boolean;
  readonly policy: FusionPolicy;
}

/** The policy the flags ask for, or undefined after printing why it cannot be used. */
export function policyFromFlags(
  command: string,
  flags: FusionFlags,
  io: Io,
): FusionPolicy | undefined {
  const file = flags.fusionPolicy;
  const base = file === undefined ? defaultPolicy : attempt(() => readPolicyFile(file));
  if (!base || flags.fusion === undefined) return base;
  const edits = flags.fusion;
  return attempt(() => parseFusionEdits(edits, base), "--fusion: ");

  function attempt(f: () => FusionPolicy, prefix = ""): FusionPolicy | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      io.err(`grove ${command}: ${prefix}${e.message}\n`);
      return undefined;
    }
  }
}

/**
 * One side of `--compare`: `fused` (the default policy), `unfused` (`--no-fuse`), a policy file
 * (a name ending in `.json`) or `--fusion` edits. Throws `PolicyError`.
 */
export function choiceFromSpec(spec: string): FusionChoice {
  if (spec === "fused") return { fuse: true, policy: defaultPolicy };
  if (spec === "unfused") return { fuse: false, policy: defaultPolicy };
  if (spec.endsWith(".json")) return { fuse: true, policy: readPolicyFile(spec) };
  return { fuse: true, policy: parseFusionEdits(spec) };
}

function readPolicyFile(path: string): FusionPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyError(
      `${path}: cannot read the policy file (${code === "ENOENT" ? "no such file" : (code ?? String(e))})`,
    );
  }
  return parsePolicyJson(text, path);
}
