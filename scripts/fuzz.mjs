#!/usr/bin/env node
/**
 * @file The long fuzz run (`npm run fuzz`): the seeded cases of tests/fuzz/fuzz.test.ts, round
 * after round (round 0 is the test's), through the whole compiler in worker threads with a time
 * limit per case, until `--count` cases have run. Prints the figures (cases, crashes, hangs, bad
 * diagnostics, slow cases; each slow case on stderr as it happens) and writes every failure's
 * mutant and report to `--out`. Runs the
 * TypeScript sources directly (tests/fuzz/register-ts.mjs), so no build is needed.
 *
 *   node scripts/fuzz.mjs [--count 100000] [--seed 20261128] [--limit-ms 10000]
 *                         [--slow-ms 1000] [--jobs 1] [--out test-artifacts/fuzz]
 *
 * Exit status: 0 when nothing failed, 1 otherwise.
 */
import "../tests/fuzz/register-ts.mjs";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { CaseRunner } = await import("../tests/fuzz/case-runner.ts");
const { describeFailure, judge, roundCases } = await import("../tests/fuzz/judge.ts");
const { fuzzInputs } = await import("../tests/fuzz/mutations.ts");

const { values: args } = parseArgs({
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: process.env.GROVE_FUZZ_SEED ?? "20261128" },
    "limit-ms": { type: "string", default: "10000" },
    "slow-ms": { type: "string", default: "1000" },
    jobs: { type: "string", default: "1" },
    out: { type: "string", default: "test-artifacts/fuzz" },
  },
});

/** A whole number from option `name`, or a one-line error and exit 2. */
function whole(name, min) {
  const v = Number(args[name]);
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(
      `fuzz: --${name} must be a whole number of at least ${min}, not ${args[name]}\n`,
    );
    process.exit(2);
  }
  return v;
}

const count = whole("count", 1);
const baseSeed = whole("seed", 0);
const limitMs = whole("limit-ms", 1);
const slowMs = whole("slow-ms", 1);
const jobs = whole("jobs", 1);
const out = args.out;

const inputs = fuzzInputs();
const figures = {
  cases: 0,
  compiled: 0,
  crashes: 0,
  hangs: 0,
  problems: 0,
  slow: 0,
  slowCheck: 0,
};
/** Written reproducers per failure kind, at most `maxFiles` each (mutants can be 1 MB). */
const written = new Map();
const maxFiles = 50;
let slowest = { ms: 0, what: "" };

function* cases() {
  let n = 0;
  for (let round = 0; ; round++)
    for (const c of roundCases(baseSeed, inputs, round)) {
      if (n++ >= count) return;
      yield c;
    }
}

function record(c, failure) {
  const kind = failure.kind;
  const n = written.get(kind) ?? 0;
  if (n >= maxFiles) return;
  written.set(kind, n + 1);
  mkdirSync(out, { recursive: true });
  const base = join(out, `${kind}-${c.kind.replaceAll(" ", "-")}-${c.seed}`);
  writeFileSync(`${base}.grove`, c.mutant.text);
  writeFileSync(`${base}.txt`, describeFailure(baseSeed, c, failure) + "\n");
}

const t0 = performance.now();
let lastReport = t0;
const source = cases();

async function work() {
  const runner = new CaseRunner();
  for (const c of source) {
    const o = await runner.run(c.mutant.text, c.options, limitMs);
    figures.cases++;
    if (o.kind === "done") {
      figures.compiled += o.report.plans;
      if (o.ms > slowMs) {
        figures.slow++;
        const { checkMs, compileMs } = o.report;
        process.stderr.write(
          `slow: ${o.ms.toFixed(0)} ms (check ${checkMs.toFixed(0)}, compile ${compileMs.toFixed(0)}) ${c.input} ${c.kind} ${c.seed}: ${c.mutant.what.slice(0, 160)}\n`,
        );
      }
      if (o.report.checkMs > slowMs) figures.slowCheck++;
      if (o.ms > slowest.ms) slowest = { ms: o.ms, what: `${c.input} ${c.kind} ${c.seed}` };
    }
    const failures = judge(o, limitMs);
    for (const f of failures) {
      if (f.kind === "crash") figures.crashes++;
      else if (f.kind === "hang") figures.hangs++;
      else figures.problems++;
      record(c, f);
      process.stderr.write(describeFailure(baseSeed, c, f) + "\n");
    }
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      process.stderr.write(`fuzz: ${figures.cases} of ${count} cases, ${summary()}\n`);
    }
  }
  runner.stop();
}

function summary() {
  return [
    `${figures.crashes} crashes`,
    `${figures.hangs} hangs (over ${limitMs} ms)`,
    `${figures.problems} bad diagnostics`,
    `${figures.slow} slow (over ${slowMs} ms in all; ${figures.slowCheck} of them in checking)`,
  ].join(", ");
}

await Promise.all(Array.from({ length: jobs }, work));
const seconds = ((performance.now() - t0) / 1000).toFixed(0);
process.stdout.write(
  [
    `fuzz: seed ${baseSeed}, ${figures.cases} cases in ${seconds} s (${jobs} worker${jobs === 1 ? "" : "s"}), ${figures.compiled} compiled to a Plan`,
    `  crashes  ${figures.crashes}`,
    `  hangs    ${figures.hangs} (over ${limitMs} ms)`,
    `  bad diagnostics ${figures.problems}`,
    `  slow     ${figures.slow} (over ${slowMs} ms; ${figures.slowCheck} of them in checking)`,
    `  slowest  ${slowest.ms.toFixed(0)} ms (${slowest.what})`,
    written.size > 0 ? `  reproducers in ${out}/` : "",
  ]
    .filter((l) => l !== "")
    .join("\n") + "\n",
);
process.exit(figures.crashes + figures.hangs + figures.problems > 0 ? 1 : 0);
