/**
 * @file Fusion policies as data: every rule of the fusion pass (`fuse.ts`) and of merging a
 * stage's groups into one dispatch (`emit-program.ts`), each with a name, a one-line reason, an
 * on/off switch and its numeric parameter where it has one. Parses `--fusion "-prologue-deep,+shared"`
 * edits and policy files (JSON); a policy that cannot be applied is a `PolicyError` with one line.
 */
import { UserError } from "../diag/diagnostic.js";
import { closest } from "../parser/check/suggest.js";

/** What a rule does when it is on. */
export type RuleKind =
  /** A node the rule fires on gets a kernel of its own (a group boundary). */
  | "boundary"
  /** Fusion itself: off makes more kernels or dispatches. */
  | "fusion";

export interface FusionRule {
  readonly name: string;
  readonly kind: RuleKind;
  /** The one-line reason, shown by `grove kernels` and docs/research.md. */
  readonly reason: string;
  /** Why it cannot be switched off; absent for a rule a policy may switch. */
  readonly required?: string;
  /** Its numeric parameter: name, default, and the smallest and largest value allowed. */
  readonly param?: {
    readonly name: string;
    readonly value: number;
    readonly min: number;
    readonly max: number;
  };
}

/** The rules in the order the fusion pass tries them (boundary rules first fires wins). */
export const fusionRules: readonly FusionRule[] = [
  {
    name: "graph-output",
    kind: "boundary",
    reason: "the host reads it, so it must be stored",
    required: "a value the host reads back must be in memory after the step",
  },
  {
    name: "loop",
    kind: "boundary",
    reason: "a loop recomputed per consumer element would repeat its whole loop",
    required:
      "the kernel writer computes a loop (product, reduction) only as a kernel's own output or its epilogue's main, never inline in an expression",
  },
  {
    name: "too-many-buffers",
    kind: "boundary",
    reason:
      "the group it belonged to bound more arena chunks than a shader stage may, so it is split",
    required: "a kernel binding more storage buffers than the device allows cannot be created",
  },
  {
    name: "shared",
    kind: "boundary",
    reason: "several kernels use it; computing it once is cheaper than in each",
  },
  {
    name: "reread",
    kind: "boundary",
    reason:
      "a matmul or convolution reads each operand many times; costly math is done once beforehand",
  },
  {
    name: "reread-large",
    kind: "boundary",
    reason:
      "recomputing even cheap math for every re-read of a large operand costs more than a dispatch",
    param: { name: "reread-budget", value: 1 << 20, min: 1, max: 2 ** 40 },
  },
  {
    name: "shared-deep",
    kind: "boundary",
    reason: "a chain of cheap ops is too long to repeat in every one of several consumers",
    param: { name: "deep-limit", value: 6, min: 0, max: 1000 },
  },
  {
    name: "prologue-deep",
    kind: "boundary",
    reason:
      "a product's operand chain longer than this is stored first, not recomputed for every re-read",
    param: { name: "prologue-limit", value: 3, min: 0, max: 1000 },
  },
  {
    name: "chain-deep",
    kind: "boundary",
    reason: "a node deeper than this in its group's inlined chain is stored",
    required:
      "it bounds the code of one kernel and the recursion that writes it; only its depth may change",
    param: { name: "max-inline-depth", value: 64, min: 1, max: 64 },
  },
  {
    name: "inline",
    kind: "fusion",
    reason:
      "a node no boundary rule fires on is computed inside the kernels that use it (off: one kernel per primitive, `--no-fuse`)",
  },
  {
    name: "epilogue",
    kind: "fusion",
    reason:
      "a loop whose only consumers are a same-shape elementwise chain is computed in the kernel storing the chain's end",
  },
  {
    name: "merge-stage",
    kind: "fusion",
    reason: "independent groups of one dependency level share one dispatch",
  },
];

export type RuleName = string;

/** A policy: each rule on or off, and each parameter's value. Plain data (JSON round trips). */
export interface FusionPolicy {
  readonly rules: Readonly<Record<RuleName, boolean>>;
  readonly params: Readonly<Record<string, number>>;
}

/** A policy that cannot be parsed or applied: one line naming the rule, value or file. */
export class PolicyError extends UserError {
  override name = "PolicyError";
}

const ruleByName = new Map(fusionRules.map((r) => [r.name, r]));
const ruleByParam = new Map(fusionRules.flatMap((r) => (r.param ? [[r.param.name, r]] : [])));

export const defaultPolicy: FusionPolicy = {
  rules: Object.fromEntries(fusionRules.map((r) => [r.name, true])),
  params: Object.fromEntries(
    fusionRules.flatMap((r) => (r.param ? [[r.param.name, r.param.value]] : [])),
  ),
};

/** `--no-fuse`: every switchable rule that fuses is off, so every primitive is a kernel. */
export const unfusedPolicy: FusionPolicy = {
  ...defaultPolicy,
  rules: { ...defaultPolicy.rules, inline: false, epilogue: false, "merge-stage": false },
};

/** The policy's value of a parameter (its default when a hand-built policy leaves it out). */
export function policyParam(policy: FusionPolicy, name: string): number {
  return policy.params[name] ?? ruleByParam.get(name)!.param!.value;
}

/** Whether a rule is on (required rules always are). */
export function ruleOn(policy: FusionPolicy, name: RuleName): boolean {
  return ruleByName.get(name)?.required !== undefined || (policy.rules[name] ?? true);
}

const switchWords: Readonly<Record<string, boolean>> = { on: true, off: false };

/**
 * Applies `--fusion` edits to `base`: a comma-separated list of `-rule` or `rule=off` (off),
 * `+rule`, `rule` or `rule=on` (on) and `param=value` (`rule=off` also works where a leading `-`
 * would be read as a flag, as in `--compare fused shared=off`).
 */
export function parseFusionEdits(text: string, base: FusionPolicy = defaultPolicy): FusionPolicy {
  const rules = { ...base.rules };
  const params = { ...base.params };
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const value = item.slice(eq + 1).trim();
    if (eq >= 0 && ruleByName.has(item.slice(0, eq).trim()) && value in switchWords) {
      const name = item.slice(0, eq).trim();
      rules[name] = checkSwitch(name, switchWords[value]!);
      continue;
    }
    if (eq >= 0) {
      const name = item.slice(0, eq).trim();
      params[name] = checkParam(name, value === "" ? NaN : Number(value), value);
      continue;
    }
    const on = !item.startsWith("-");
    const name = item.replace(/^[-+]/, "");
    rules[name] = checkSwitch(name, on);
  }
  return { rules, params };
}

/**
 * Reads a policy from its JSON form: `{"rules": {"shared": false}, "params": {"deep-limit": 4}}`,
 * both optional, anything left out as in `defaultPolicy`. `where` names the file in errors.
 */
export function parsePolicyJson(text: string, where: string): FusionPolicy {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(`${where}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(data)) throw new PolicyError(`${where}: a policy is a JSON object`);
  for (const key of Object.keys(data))
    if (key !== "rules" && key !== "params")
      throw new PolicyError(
        `${where}: unknown field \`${key}\`; a policy has \`rules\` and \`params\``,
      );
  const rules = { ...defaultPolicy.rules };
  const params = { ...defaultPolicy.params };
  for (const [name, on] of Object.entries(field(data, "rules", where))) {
    if (typeof on !== "boolean")
      throw new PolicyError(`${where}: rules.${name} must be true or false`);
    rules[name] = wrap(where, () => checkSwitch(name, on));
  }
  for (const [name, value] of Object.entries(field(data, "params", where)))
    params[name] = wrap(where, () => checkParam(name, value, JSON.stringify(value)));
  return { rules, params };
}

/** A policy's JSON form, which `parsePolicyJson` reads back to an equal policy. */
export function policyJson(policy: FusionPolicy): string {
  return JSON.stringify({ rules: policy.rules, params: policy.params }, null, 2) + "\n";
}

/** What differs from the default, in `--fusion` syntax (`default` when nothing does). */
export function describePolicy(policy: FusionPolicy): string {
  const parts = [
    ...fusionRules.filter((r) => !ruleOn(policy, r.name)).map((r) => `-${r.name}`),
    ...Object.entries(policy.params)
      .filter(([k, v]) => defaultPolicy.params[k] !== v)
      .map(([k, v]) => `${k}=${v}`),
  ];
  return parts.length === 0 ? "default" : parts.join(",");
}

function checkSwitch(name: string, on: boolean): boolean {
  const rule = ruleByName.get(name);
  if (!rule) {
    const hint = closest(name, [...ruleByName.keys(), ...ruleByParam.keys()]);
    throw new PolicyError(
      `unknown fusion rule \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ""} (rules: ${[...ruleByName.keys()].join(", ")})`,
    );
  }
  if (!on && rule.required)
    throw new PolicyError(`fusion rule \`${name}\` cannot be switched off: ${rule.required}`);
  return on;
}

function checkParam(name: string, value: unknown, shown: string): number {
  const rule = ruleByParam.get(name);
  if (!rule) {
    const hint = closest(name, [...ruleByParam.keys()]);
    throw new PolicyError(
      `unknown fusion parameter \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ""} (parameters: ${[...ruleByParam.keys()].join(", ")})`,
    );
  }
  const { min, max } = rule.param!;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new PolicyError(
      `fusion parameter \`${name}\` must be an integer from ${min} to ${max}, not ${shown.trim() || "nothing"}`,
    );
  return value;
}

function field(data: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const v = data[key] ?? {};
  if (!isObject(v)) throw new PolicyError(`${where}: \`${key}\` must be an object`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function wrap<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${where}: ${e.message}`);
    throw e;
  }
}
