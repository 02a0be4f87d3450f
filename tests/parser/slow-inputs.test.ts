/**
 * @file Hostile inputs just under the 1 MiB source limit must check quickly (the bound is 1 s
 * on an idle machine; the tests allow 3 s of CPU time, see `cpuTimed`) and give the right
 * diagnostics: a megabyte line of junk, a 300,000-character name, a 50,000-line file, nesting
 * just under and over the limit, thousands of errors, the densest file the token limit allows.
 * Rendering stays small too: a megabyte line is shown as a window, a long name is shortened.
 */
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diag/render.js";
import { limits } from "../../src/parser/limits.js";
import type { CheckResult } from "../../src/parser/program.js";
import { cpuTimed } from "../cpu-time.js";
import { check, codes } from "./helpers.js";

const bound = 3000;
/** Bytes of UTF-8, under the 1 MiB a source file may have. */
const size = 1_000_000;

/** `unit` repeated to about `total` bytes of UTF-8. */
const fill = (unit: string, total = size) =>
  unit.repeat(Math.floor(total / Buffer.byteLength(unit)));
const model = (out: string, members = "") =>
  `model M {\n  input x: [N, 8]\n${members}\n  output y = ${out}\n}\n`;

/** Checks and renders `text` in every format, failing when that takes longer than `bound`. */
function timed(text: string): CheckResult & { rendered: Record<string, string> } {
  const { value, ms } = cpuTimed(() => {
    const r = check(text);
    const rendered = {
      rich: renderDiagnostics(r.diagnostics, r.sources, "rich"),
      short: renderDiagnostics(r.diagnostics, r.sources, "short"),
      json: renderDiagnostics(r.diagnostics, r.sources, "json"),
    };
    return { ...r, rendered };
  });
  expect(ms, `took ${ms.toFixed(0)} ms of CPU time`).toBeLessThan(bound);
  return value;
}

describe("hostile inputs are fast and reported well", () => {
  it("a megabyte line of junk characters: one G0101, a short rendering", () => {
    const r = timed(fill("#"));
    expect(codes(r)).toEqual(["G0101"]);
    expect(r.rendered.rich.length).toBeLessThan(1000);
  });

  it("a megabyte line of junk between tokens: at most 100 errors and a G0113", () => {
    const r = timed(`fn f(x) = x\n${fill("$ x = é ) ")}`);
    expect(r.diagnostics).toHaveLength(limits.errorsPerFile + 1);
    expect(r.diagnostics.at(-1)!.code).toBe("G0113");
    // every snippet is a window of the line, not the line
    expect(r.rendered.rich.length).toBeLessThan(101 * 600);
  });

  it("a megabyte string literal and a megabyte comment", () => {
    expect(codes(timed(model("x", `  s = "${fill("a ", size - 100)}"`)))).toEqual([]);
    expect(codes(timed(`// ${fill("# é ", size - 10)}\n${model("x")}`))).toEqual([]);
    expect(codes(timed(`/* ${fill("a ", size - 10)}`))).toEqual(["G0103"]);
  });

  it("an unknown name of 300,000 characters: shortened in the message, no suggestion", () => {
    const name = "a".repeat(300_000);
    const r = timed(`fn ${name}b(x) = x\n${model(`${name}(x)`)}`);
    expect(codes(r)).toEqual(["G0201"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(`unknown name \`${"a".repeat(40)}…(300000 characters)\``);
    expect(d.help).toBeUndefined();
    expect(r.rendered.rich.length).toBeLessThan(1000);
  });

  it("a 50,000-line file checks clean", () => {
    let members = "  h0 = x\n";
    for (let i = 1; i <= 50_000; i++)
      members += i % 4 === 0 ? `  h${i} = relu(h${i - 1})\n` : `  h${i} = h${i - 1}\n`;
    const r = timed(model("h50000", members));
    expect(codes(r)).toEqual([]);
    expect(r.program.models[0]!.graph.nodes.length).toBeGreaterThan(12_500);
  });

  it("the densest file under the token limit: a 120,000-operator sum", () => {
    const r = timed(model("x" + " + x".repeat(120_000)));
    expect(codes(r)).toEqual([]);
  });

  it("nesting just under the limit checks, far over it is G0111", () => {
    const under = "relu(".repeat(limits.nesting - 1) + "x" + ")".repeat(limits.nesting - 1);
    expect(codes(timed(model(under)))).toEqual([]);
    const over = "(".repeat(300_000) + "x" + ")".repeat(300_000);
    expect(codes(timed(model(over)))).toEqual(["G0111"]);
  });

  it("thousands of errors: the first 100 and a G0113, rendered quickly", () => {
    let members = "";
    for (let i = 0; i < 20_000; i++) members += `  h${i} = missing_name_${i}\n`;
    const r = timed(model("x", members));
    expect(codes(r).filter((c) => c === "G0201")).toHaveLength(limits.errorsPerFile);
    expect(codes(r).at(-1)).toBe("G0113");
  });

  it("thousands of syntax errors stop the parser at the limit", () => {
    const r = timed(fill("model M { x = ) }\n", 600_000));
    expect(r.diagnostics).toHaveLength(limits.errorsPerFile + 1);
    expect(codes(r).at(-1)).toBe("G0113");
  });

  it("many unterminated strings, one per line", () => {
    const r = timed(fill('s = "open\n', 600_000));
    expect(codes(r).slice(0, 3)).toEqual(["G0110", "G0102", "G0102"]);
    expect(codes(r).at(-1)).toBe("G0113");
  });
});
