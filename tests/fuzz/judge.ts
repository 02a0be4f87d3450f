/**
 * @file What the fuzz test and `scripts/fuzz.mjs` share beyond the mutations: the cases (input,
 * kind, seed and the plan options the seed picks), how an outcome is judged (a crash, a hang,
 * a problem with the diagnostics, or fine), and how a failure is printed so that it can be
 * reproduced.
 */
import type { Outcome } from "./case-runner.js";
import {
  caseSeed,
  makeMutant,
  mulberry32,
  mutationKinds,
  truncated,
  type Mutant,
} from "./mutations.js";
import type { CaseOptions, Stage } from "./run-case.js";

/**
 * Cases per input and kind in one round: many of the cheap kinds, a few of the megabyte-sized
 * ones. The test runs round 0; `scripts/fuzz.mjs` runs rounds 0, 1, 2, ... until its count.
 */
export const casesPerRound: Readonly<Record<string, number>> = {
  "delete token": 40,
  "duplicate token": 40,
  "swap tokens": 40,
  "replace number": 40,
  "replace name": 40,
  truncate: 40,
  "inject bytes": 40,
  "inject unicode": 40,
  "deep nesting": 10,
  "long identifier": 3,
  "megabyte line": 3,
  "javascript name": 20,
  "odd number": 20,
  "symbolic size": 20,
  "wide expression": 4,
  "long chain": 4,
};

export interface FuzzCase {
  readonly input: string;
  readonly kind: string;
  readonly seed: number;
  readonly mutant: Mutant;
  readonly options: CaseOptions;
}

/**
 * The plan options a case compiles with: mostly the defaults, sometimes another template, a
 * small batch (as a remainder batch compiles) or the CPU backend's unbounded limits.
 */
export function caseOptions(seed: number): CaseOptions {
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const batches = [1, 2, 3, 5, 1000];
  return {
    fuse: rng() >= 1 / 8,
    quick: rng() < 1 / 4,
    subgroups: rng() < 1 / 4,
    treeReductions: rng() < 1 / 8,
    ...(rng() < 1 / 4 ? { batch: batches[Math.floor(rng() * batches.length)]! } : {}),
    ...(rng() < 1 / 8 ? { cpu: true } : {}),
  };
}

/**
 * The cases of round `round` for one input and kind (`k` counts on across rounds, so round 0 is
 * the test's cases and later rounds are new ones), made as they are asked for.
 */
export function* pairCases(
  baseSeed: number,
  inputs: readonly (readonly [string, string])[],
  fi: number,
  ki: number,
  round: number,
): Generator<FuzzCase> {
  const kind = mutationKinds[ki]!;
  const n = casesPerRound[kind] ?? 0;
  for (let k = round * n; k < (round + 1) * n; k++)
    yield makeCase(baseSeed, inputs[fi]!, fi, kind, ki, k);
}

/** Every case of round `round`, input by input and kind by kind. */
export function* roundCases(
  baseSeed: number,
  inputs: readonly (readonly [string, string])[],
  round: number,
): Generator<FuzzCase> {
  for (let fi = 0; fi < inputs.length; fi++)
    for (let ki = 0; ki < mutationKinds.length; ki++)
      yield* pairCases(baseSeed, inputs, fi, ki, round);
}

/** Case `k` of mutation `kind` (number `ki` in the table) on input `fi`. */
export function makeCase(
  baseSeed: number,
  [path, text]: readonly [string, string],
  fi: number,
  kind: string,
  ki: number,
  k: number,
): FuzzCase {
  const seed = caseSeed(baseSeed, fi, ki, k);
  return {
    input: path,
    kind,
    seed,
    mutant: makeMutant(kind, text, seed),
    options: caseOptions(seed),
  };
}

export type FailureKind = "crash" | "hang" | "problem";

export interface Failure {
  readonly kind: FailureKind;
  readonly stage: Stage | undefined;
  readonly detail: string;
}

/** Everything wrong with one outcome. */
export function judge(o: Outcome, limitMs: number): Failure[] {
  if (o.kind === "hang")
    return [{ kind: "hang", stage: o.stage, detail: `over the ${limitMs} ms limit` }];
  if (o.kind === "died") return [{ kind: "crash", stage: o.stage, detail: o.error }];
  return o.report.problems.map((p) => ({
    kind: p.startsWith(`${o.report.threwIn}: threw`) ? "crash" : "problem",
    stage: p.startsWith(`${o.report.threwIn}: threw`) ? o.report.threwIn : undefined,
    detail: p,
  }));
}

/** A failure as printed: how to reproduce it, what went wrong, and the start of the mutant. */
export function describeFailure(baseSeed: number, c: FuzzCase, f: Failure): string {
  return [
    `GROVE_FUZZ_SEED=${baseSeed}, case seed ${c.seed}: makeMutant(${JSON.stringify(c.kind)}, <${c.input}>, ${c.seed}) ${c.mutant.what}`,
    `  options ${JSON.stringify(c.options)}`,
    `  ${f.kind}${f.stage ? ` in ${f.stage}` : ""}: ${f.detail.slice(0, 1200).replaceAll("\n", "\n    ")}`,
    `  mutant: ${truncated(c.mutant.text)}`,
  ].join("\n");
}
