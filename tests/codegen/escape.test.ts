/**
 * @file Text Grove writes into generated code: `commentText` and `comment` for every target
 * language, on hostile strings and seeded random ones, and WGSL kernel headers of a program whose
 * path holds line breaks, U+2028, `*\/`, a carriage return and NUL: no injected line, the same
 * kernels as from a plain path, and Tint still compiles every one of them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import type { Plan } from "../../src/codegen/plan.js";
import {
  comment,
  commentRules,
  commentText,
  visibleText,
  type CommentLanguage,
} from "../../src/diag/escape.js";
import { checkFile } from "../../src/parser/program.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { runGrove, xorSource } from "../cli/run.js";
import { describeGpu } from "../runtime/gpu.js";
import { memoryHost } from "../parser/helpers.js";

/** Every character some language reads as the end of a line (WGSL's list is the longest). */
const lineBreaks = /[\n\v\f\r\u0085\u2028\u2029]/;
/** Characters that must never reach generated code unescaped (the line feed aside). */
const invisible =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const languages = Object.keys(commentRules) as CommentLanguage[];

const hostile = [
  "a\nfn injected() {}",
  "a\r\nb",
  "a\rb",
  "a\u2028b\u2029c",
  "a\u0085b",
  "end */ fn x() {} /* again",
  "*/*/**//",
  "nul\u0000here",
  "tab\there",
  "\u202eevil\u202c",
  "<!-- x --> </script> --!>",
  "---->",
  "lone \ud800 surrogate",
];

/** The ways a comment of `language` could be ended or escaped from, besides a line break. */
function breaksOut(language: CommentLanguage, body: string): string | undefined {
  return commentRules[language].pairs.find((pair) => body.includes(pair));
}

describe("commentText", () => {
  it("shows line breaks and control characters as escapes", () => {
    expect(visibleText("a\nb\rc\td\u0000e\u2028f\u0085g\u202eh")).toBe(
      "a\\nb\\rc\\td\\u0000e\\u2028f\\u0085g\\u202eh",
    );
    expect(visibleText("plain/path.grove:3:7 ünïcode ok")).toBe("plain/path.grove:3:7 ünïcode ok");
    expect(visibleText("a\ud800b")).toBe("a\\ud800b");
    expect(visibleText("pair \ud83d\ude00 kept")).toBe("pair \ud83d\ude00 kept");
  });

  it("splits every sequence that ends a comment in the language", () => {
    expect(commentText("end */ x /* y", "wgsl")).toBe("end *\\/ x /\\* y");
    expect(commentText("*/*", "wgsl")).toBe("*\\/\\*");
    expect(commentText("a --> b <!-- c", "html")).toBe("a -\\-> b <\\!-\\- c");
    expect(commentText("</script>", "javascript")).toBe("<\\/script>");
    expect(commentText("a # b", "python")).toBe("a # b");
  });

  it.each(languages)("keeps every hostile string one %s comment", (language) => {
    for (const text of hostile) {
      const body = commentText(text, language);
      expect(body, JSON.stringify(text)).not.toMatch(lineBreaks);
      expect(body, JSON.stringify(text)).not.toMatch(invisible);
      expect(breaksOut(language, body), JSON.stringify(text)).toBeUndefined();
      const whole = comment(language, text);
      const rule = commentRules[language];
      expect(whole.startsWith(rule.open) && whole.endsWith(rule.close)).toBe(true);
    }
  });

  it.each(languages)("keeps seeded random strings one %s comment", (language) => {
    const alphabet = ["a", "/", "*", "-", "<", ">", "!", "\\", "\n", "\r", "\u2028", "\u0000", " "];
    let state = 20261128;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let k = 0; k < 500; k++) {
      const text = Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % 13]).join("");
      const body = commentText(text, language);
      const seed = `seed 20261128, case ${k}: ${JSON.stringify(text)}`;
      expect(body, seed).not.toMatch(lineBreaks);
      expect(breaksOut(language, body), seed).toBeUndefined();
      // Only backslashes were added: removing the added ones gives the visible text back.
      expect(body.length, seed).toBeGreaterThanOrEqual(visibleText(text).length);
    }
  });
});

/** The XOR classifier with an op written in the file itself, so its path shows in kernel headers. */
const source = xorSource().replace(
  "output logits = features |> h |> out",
  "output logits = 2 * (features |> h |> out)",
);
/** A folder name built to end the header comment and smuggle code into the kernel. */
const evilDir = "evil\nfn injected() -> f32 { return 1.0; }\r\u2028\u2029*/ /*\u0000\u0085";
const plainDir = "plain";

function planFor(dir: string): Plan {
  const path = `${dir}/xor.grove`;
  const r = checkFile(path, memoryHost({ [path]: source }));
  expect(r.diagnostics).toEqual([]);
  const c = compilePlan(r.program.trains[0]!, { batch: 8, sources: r.sources.texts() });
  expect(c.diagnostics).toEqual([]);
  return c.value!.plan;
}

/** The lines of a WGSL module, split at every WGSL line break. */
const wgslLines = (wgsl: string) => wgsl.split(/\r\n|[\n\v\f\r\u0085\u2028\u2029]/);

describe("WGSL kernel headers with hostile paths", () => {
  const evil = planFor(evilDir);

  it("keeps every header line a comment and injects no code", () => {
    let headers = 0;
    for (const k of evil.kernels) {
      const lines = wgslLines(k.wgsl);
      const header = lines.slice(0, lines.indexOf(""));
      for (const line of header) expect(line, k.name).toMatch(/^\/\//);
      expect(
        lines.filter((l) => /^\s*fn injected/.test(l)),
        k.name,
      ).toEqual([]);
      if (k.wgsl.includes("evil\\nfn injected")) headers++;
      expect(k.wgsl).not.toMatch(invisible);
    }
    expect(headers).toBeGreaterThan(0);
  });

  it("gives the kernels of a plain path with only the path's text changed", () => {
    const plain = planFor(plainDir);
    const shown = commentText(evilDir);
    expect(evil.kernels.map((k) => k.wgsl.split(shown).join(plainDir))).toEqual(
      plain.kernels.map((k) => k.wgsl),
    );
  });

  it("escapes a real folder's name in `grove compile --emit wgsl`", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "grove-escape-")), "a\nfn injected() {}\u2028*/");
    mkdirSync(dir);
    writeFileSync(join(dir, "xor.grove"), source);
    const r = await runGrove(["compile", join(dir, "xor.grove"), "--emit", "wgsl", "--batch", "8"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("a\\nfn injected() {}\\u2028*\\/");
    expect(wgslLines(r.out).filter((l) => /^\s*fn injected/.test(l))).toEqual([]);
  });
});

describeGpu("hostile-path kernels on the GPU", (gpu) => {
  it("compile on the device", async () => {
    const plan = planFor(evilDir);
    const runner = await PlanRunner.create(gpu.device, plan);
    expect(runner.plan.kernels.length).toBe(plan.kernels.length);
    runner.destroy();
  });
});
