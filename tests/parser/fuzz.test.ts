/**
 * @file Seeded fuzzing of the front end: every example and std file is mutated (tokens deleted,
 * duplicated or swapped, the text truncated, random bytes and unicode injected) and checked
 * through an in-memory host. Nothing may throw, and every diagnostic must carry a documented
 * code and label spans that lie inside their file. Set GROVE_FUZZ_SEED to explore other seeds;
 * a failure names the seed that reproduces it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diag/render.js";
import { checkFile } from "../../src/parser/program.js";
import { memoryHost } from "./helpers.js";

/** mulberry32: a tiny, fast 32-bit PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

/** Rough tokens with their offsets: names, numbers, strings, comments, punctuation. */
function tokens(text: string): { start: number; end: number }[] {
  const re =
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\d*\.?\d+(?:[eE][+-]?\d+)?|\.\.\.|\|>|->|[<>=!]=|\S/g;
  const out: { start: number; end: number }[] = [];
  for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

const nasty = [
  "\u0000",
  "\uD800",
  "\uDFFF",
  "\uDBFF\uDFFF",
  "🌲",
  "𝑥",
  "\uFEFF",
  "\u202E",
  "\u00A0",
  "\u2028",
  "\r",
  "\r\n",
  "\t",
  "é",
  "³",
  "\u0301",
  "\uFFFF",
  '"',
  "/*",
  "*/",
  "\\",
  "...",
  "|>",
];

function randomUnicode(rng: Rng): string {
  const r = rng();
  if (r < 0.5) return pick(rng, nasty);
  if (r < 0.75) return String.fromCharCode(int(rng, 0x10000));
  return String.fromCodePoint(0x10000 + int(rng, 0x100000));
}

type Mutation = (text: string, rng: Rng) => { text: string; what: string };

const mutations: Record<string, Mutation> = {
  "delete token": (text, rng) => {
    const ts = tokens(text);
    const n = 1 + int(rng, 3);
    let out = text;
    const what: string[] = [];
    for (let i = 0; i < n && ts.length; i++) {
      const t = ts.splice(int(rng, ts.length), 1)[0]!;
      what.push(`${t.start}:${JSON.stringify(text.slice(t.start, t.end))}`);
      out = out.slice(0, t.start) + " ".repeat(t.end - t.start) + out.slice(t.end);
    }
    return { text: out, what: `deleted ${what.join(", ")}` };
  },
  "duplicate token": (text, rng) => {
    const ts = tokens(text);
    const t = pick(rng, ts);
    const tok = text.slice(t.start, t.end);
    return {
      text: text.slice(0, t.end) + " " + tok + text.slice(t.end),
      what: `duplicated ${t.start}:${JSON.stringify(tok)}`,
    };
  },
  "swap tokens": (text, rng) => {
    const ts = tokens(text);
    const i = int(rng, ts.length - 1);
    const a = ts[i]!;
    const b = ts[i + 1]!;
    const ta = text.slice(a.start, a.end);
    const tb = text.slice(b.start, b.end);
    return {
      text: text.slice(0, a.start) + tb + text.slice(a.end, b.start) + ta + text.slice(b.end),
      what: `swapped ${a.start}:${JSON.stringify(ta)} and ${JSON.stringify(tb)}`,
    };
  },
  // The next two mostly keep the syntax valid, so they exercise the checker rather than the parser.
  "replace number": (text, rng) => {
    const ts = tokens(text).filter((t) => /^\d|^\.\d/.test(text.slice(t.start, t.end)));
    if (ts.length === 0) return { text, what: "no number" };
    const t = pick(rng, ts);
    const n = pick(rng, ["0", "1", "2", "3", "7", "-1", "0.5", "1e9", "100000", "2.5E+4", ".5"]);
    return {
      text: text.slice(0, t.start) + n + text.slice(t.end),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${n}`,
    };
  },
  "replace name": (text, rng) => {
    const ts = tokens(text).filter((t) => /^[A-Za-z_]/.test(text.slice(t.start, t.end)));
    const t = pick(rng, ts);
    const other = text.slice(...(({ start, end }) => [start, end])(pick(rng, ts)));
    return {
      text: text.slice(0, t.start) + other + text.slice(t.end),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${other}`,
    };
  },
  truncate: (text, rng) => {
    const at = int(rng, text.length + 1);
    return { text: text.slice(0, at), what: `truncated at ${at}` };
  },
  "inject bytes": (text, rng) => {
    let out = text;
    const n = 1 + int(rng, 4);
    const what: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = int(rng, out.length + 1);
      const ch = String.fromCharCode(int(rng, 256));
      what.push(`${at}:${JSON.stringify(ch)}`);
      out = out.slice(0, at) + ch + out.slice(at);
    }
    return { text: out, what: `injected ${what.join(", ")}` };
  },
  "inject unicode": (text, rng) => {
    let out = text;
    const n = 1 + int(rng, 4);
    const what: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = int(rng, out.length + 1);
      const ch = randomUnicode(rng);
      what.push(`${at}:${JSON.stringify(ch)}`);
      out = out.slice(0, at) + ch + out.slice(at);
    }
    return { text: out, what: `injected ${what.join(", ")}` };
  },
};

/** Codes documented in docs/diagnostics.md; G9999 (an internal inconsistency) is a bug. */
const knownCodes = new Set(
  [...readFileSync("docs/diagnostics.md", "utf8").matchAll(/^\| (G\d{4}) \|/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== "G9999"),
);

const inputs: [string, string][] = [
  ...readdirSync("examples")
    .filter((f) => f.endsWith(".grove"))
    .map((f): [string, string] => [`examples/${f}`, readFileSync(`examples/${f}`, "utf8")]),
  ...readdirSync("std")
    .filter((f) => f.endsWith(".grove"))
    .map((f): [string, string] => [`std/${f}`, readFileSync(`std/${f}`, "utf8")]),
];

const baseSeed = Number(process.env.GROVE_FUZZ_SEED ?? 20261128);

/** One case's seed from the base seed and the case's coordinates (a murmur-style mix). */
function caseSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
const casesPerPair = 50;

/**
 * Known parser crashes, reported to the lead and tallied instead of failed until fixed:
 * `block B { forward(x: N) = x }` (forwardDecl reads the span of a typeExpr that failed) and
 * `model M { input x: [N, -N] }` (dimBinary gets the undefined result of a failed dimTerm).
 * Delete this list when src/parser/grammar.ts recovers from both.
 */
/** Problems with one checked input, or [] when it is fine. */
function problems(text: string, extra: Record<string, string>): string[] {
  const entry = "mem/main.grove";
  const r = checkFile(entry, memoryHost({ [entry]: text, ...extra }));
  const out: string[] = [];
  for (const d of r.diagnostics) {
    if (!knownCodes.has(d.code)) out.push(`unknown code ${d.code}: ${d.message}`);
    if (/internal|undefined|NaN|\[object/i.test(d.message)) out.push(`odd message: ${d.message}`);
    for (const l of d.labels) {
      const f = r.sources.get(l.span.file);
      if (!f) out.push(`${d.code}: label in unknown file ${l.span.file}`);
      else if (!(0 <= l.span.start && l.span.start <= l.span.end && l.span.end <= f.text.length))
        out.push(`${d.code}: span ${l.span.start}..${l.span.end} outside ${f.text.length} chars`);
    }
  }
  for (const format of ["rich", "short", "json"] as const)
    renderDiagnostics(r.diagnostics, r.sources, format);
  return out;
}

describe("fuzz", () => {
  it("covers at least 2,000 cases", () => {
    expect(inputs.length * Object.keys(mutations).length * casesPerPair).toBeGreaterThanOrEqual(
      2000,
    );
  });

  inputs.forEach(([path, source], fi) => {
    Object.entries(mutations).forEach(([kind, mutate], mi) => {
      it(`${path}: ${kind}`, () => {
        const failures: string[] = [];
        for (let k = 0; k < casesPerPair; k++) {
          const seed = caseSeed(baseSeed, fi, mi, k);
          const m = mutate(source, mulberry32(seed));
          let found: string[];
          try {
            found = problems(m.text, {});
          } catch (e) {
            found = [`threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
          }
          for (const f of found)
            failures.push(
              `case seed ${seed}: mutations["${kind}"](${path}, mulberry32(${seed})) ${m.what}: ${f.slice(0, 400)}`,
            );
        }
        expect(failures, `GROVE_FUZZ_SEED=${baseSeed}`).toEqual([]);
      });
    });
  });
});
