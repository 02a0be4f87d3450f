/**
 * The literals an exported program is written with: a template literal gives back its text exactly
 * (line breaks as lines, everything a template or an HTML `<script>` would read otherwise
 * escaped), and the program literal reads back as the program with each kernel's WGSL as lines.
 */
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import type { ExportedProgram } from "../../src/export/program/program.js";
import { programLiteral, templateLiteral } from "../../src/export/program/text.js";

const hostile = [
  "",
  "plain\nlines\n",
  "a `tick` and ${x} and \\ and \\` and $ {y} and $${z}",
  "</script> <!-- <x/ <a",
  "\u2028\u2029\r\t\0\u007f é 😀 \ud800 \udc00",
];

it("a template literal reads back as its text, safe in a script", () => {
  for (const text of hostile) {
    const literal = templateLiteral(text);
    expect(runInNewContext(literal)).toBe(text);
    expect(
      /[\u2028\u2029\r\0]/.test(literal) || literal.includes("</") || literal.includes("<!"),
    ).toBe(false);
    // Nothing but the literal's own backticks and escaped ones.
    expect(literal.slice(1, -1).replace(/\\[\\`]/g, "")).not.toContain("`");
  }
});

it("the program literal reads back as the program, its WGSL as lines", () => {
  const kernel = (id: number, wgsl: string) => ({
    id,
    name: `k${id}`,
    wgsl,
    bindings: ["read_write"],
    workgroupSize: [64, 1, 1],
    ops: ["add"],
    flops: 1,
    bytesRead: 4,
    bytesWritten: 4,
  });
  const program = {
    format: "grove-program",
    // A string that looks like the placeholder the literal uses for WGSL stays a string.
    sourceFile: '"__wgsl0" __wgsl1 </script>',
    plans: {
      8: { kernels: [kernel(0, "// k0\n@compute fn main() {}\n"), kernel(1, hostile[2]!)] },
      4: { kernels: [kernel(0, hostile[3]!)] },
    },
  } as unknown as ExportedProgram;
  const literal = programLiteral(program);
  expect(runInNewContext(`(${literal})`)).toEqual(program);
  expect(literal).toContain("`// k0\n@compute fn main() {}\n`");
  expect(literal.includes("</")).toBe(false);
});
