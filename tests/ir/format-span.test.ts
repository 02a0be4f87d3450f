/**
 * @file `formatSpan` (file:line:col of a node, in printed IR and every kernel header): found by
 * fuzzing (issue 12), it sliced and split the whole source for every span, so compiling a long
 * chain in a megabyte file spent seconds there (quadratic). It now keeps each text's line starts
 * and searches them; these tests compare it with the direct count on random offsets, across more
 * texts than its cache holds, and bound its time on a large file.
 */
import { describe, expect, it } from "vitest";
import { formatSpan } from "../../src/ir/print.js";
import { Rng } from "./helpers.js";

/** The line and column counted directly, as the printer did before. */
function direct(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `${line}:${offset - (before.lastIndexOf("\n") + 1) + 1}`;
}

function randomText(rng: Rng): string {
  const parts = ["a", "bc", "\n", "\r\n", "\n\n", " ", "é", "🌲", "\u2028"];
  return Array.from({ length: rng.int(0, 80) }, () => rng.pick(parts)).join("");
}

describe("formatSpan", () => {
  it("gives the direct line:col for random offsets in many texts (seed 12)", () => {
    const rng = new Rng(12);
    const texts = Array.from({ length: 20 }, () => randomText(rng));
    for (let trial = 0; trial < 2000; trial++) {
      const k = rng.int(0, texts.length - 1);
      const text = texts[k]!;
      const start = rng.int(0, text.length);
      const file = `f${k}.grove`;
      const got = formatSpan({ file, start, end: start }, { sources: { [file]: text } });
      expect(got, `seed 12, trial ${trial}`).toBe(`${file}:${direct(text, start)}`);
    }
  });

  it("stays fast on a megabyte file with many spans", () => {
    const text = "x = 1\n".repeat(170_000);
    const sources = new Map([["big.grove", text]]);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const start = (i * 7919) % text.length;
      formatSpan({ file: "big.grove", start, end: start }, { sources });
    }
    // Counting directly took seconds for this; the line index takes milliseconds.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(formatSpan({ file: "big.grove", start: text.length - 1, end: 0 }, { sources })).toBe(
      "big.grove:170000:6",
    );
  });
});
