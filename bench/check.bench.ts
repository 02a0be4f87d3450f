/**
 * @file Front-end speed on a generated 2,000-line program: parse alone, and parse + check
 * (imports, names, model elaboration, train sections). Run with
 * `npx vitest bench --run bench/check.bench.ts`. Besides vitest's table it prints the median
 * of several timed runs after a warm-up.
 */
import { performance } from "node:perf_hooks";
import { bench, describe } from "vitest";
import { renderDiagnostics } from "../src/diag/render.js";
import { parse } from "../src/parser/parse.js";
import { checkFile, type Host } from "../src/parser/program.js";
import { generateProgram } from "./generate.js";

const path = "bench/generated.grove";
const text = generateProgram(2000);
const lines = text.split("\n").length;
const host: Host = { readFile: (p) => (p === path ? text : undefined) };

const first = checkFile(path, host);
if (first.diagnostics.length > 0)
  throw new Error(
    "the generated program must check clean:\n" +
      renderDiagnostics(first.diagnostics, first.sources, "short"),
  );

function median(run: () => unknown, warmup = 3, runs = 9): number {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const parseMs = median(() => parse(text, path));
const checkMs = median(() => checkFile(path, host));
const { models, trains } = first.program;
console.log(
  `grove check bench: ${lines} lines, ${models.length} models, ${trains.length} train sections; ` +
    `median parse ${parseMs.toFixed(1)} ms, parse + check ${checkMs.toFixed(1)} ms`,
);

describe(`${lines}-line program`, () => {
  bench("parse", () => {
    parse(text, path);
  });
  bench("parse + check", () => {
    checkFile(path, host);
  });
});
