/**
 * @file The fuzzer's mutations, shared by the seeded test (`fuzz.test.ts`) and the long run
 * (`scripts/fuzz.mjs`): a small PRNG, the inputs (every example and std file), and a table of
 * mutation kinds, from token edits and injected bytes to the hostile inputs of issue 12 (deep
 * nesting, 32k+ identifiers, 1 MB lines, JavaScript property names, odd numbers, sizes that
 * depend on the batch, wide expressions, long elementwise chains). A case is (input, kind, seed); `makeCase` turns it into a mutant text,
 * the same on every machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** mulberry32: a tiny, fast 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

interface Token {
  readonly start: number;
  readonly end: number;
}

/** Rough tokens with their offsets: names, numbers, strings, comments, punctuation. */
function tokens(text: string): Token[] {
  const re =
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\d*\.?\d+(?:[eE][+-]?\d+)?|\.\.\.|\|>|->|[<>=!]=|\S/g;
  const out: Token[] = [];
  for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

const isName = (s: string) => /^[A-Za-z_]/.test(s);
const isNumber = (s: string) => /^\d|^\.\d/.test(s);

const keywords = new Set([
  "fn",
  "block",
  "model",
  "train",
  "param",
  "input",
  "output",
  "forward",
  "import",
  "true",
  "false",
]);

/** Name tokens, keywords left out when `declared` (so renaming them keeps the syntax). */
function names(text: string, declared = false): Token[] {
  return tokens(text).filter((t) => {
    const s = text.slice(t.start, t.end);
    return isName(s) && !(declared && keywords.has(s));
  });
}

const show = (s: string) =>
  s.length > 40 ? `${JSON.stringify(s.slice(0, 40))}…(${s.length})` : JSON.stringify(s);

/** Replaces `t` in `text` by `by`. */
function splice(text: string, t: Token, by: string): string {
  return text.slice(0, t.start) + by + text.slice(t.end);
}

/** Replaces every whole-word occurrence of `name` (outside strings and comments: good enough). */
function renameAll(text: string, name: string, by: string): string {
  return text.replace(new RegExp(`\\b${name}\\b`, "g"), () => by);
}

/** A random offset at the start of a line. */
function lineStart(text: string, rng: Rng): number {
  const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  return pick(rng, starts);
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

export interface Mutant {
  readonly text: string;
  /** What was done, with offsets, short enough to print. */
  readonly what: string;
}

type Mutation = (text: string, rng: Rng) => Mutant;

/** Inserts `n` random characters from `char` at random offsets. */
function inject(text: string, rng: Rng, char: (rng: Rng) => string): Mutant {
  let out = text;
  const n = 1 + int(rng, 4);
  const what: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = int(rng, out.length + 1);
    const ch = char(rng);
    what.push(`${at}:${JSON.stringify(ch)}`);
    out = out.slice(0, at) + ch + out.slice(at);
  }
  return { text: out, what: `injected ${what.join(", ")}` };
}

/** Depths for nesting: plausible, large, and far past any sane program. */
const depths = [20, 200, 2000, 10000];

/** Wraps a token `depth` times in `open`/`close` (parentheses, calls, lists). */
function nestAround(text: string, rng: Rng): Mutant {
  const ts = tokens(text).filter((t) => {
    const s = text.slice(t.start, t.end);
    return isName(s) || isNumber(s);
  });
  if (ts.length === 0) return { text, what: "nothing to nest" };
  const t = pick(rng, ts);
  const depth = pick(rng, depths);
  const [open, close] = pick(rng, [
    ["(", ")"],
    ["relu(", ")"],
    ["-(", ")"],
    ["[", "]"],
    ["abs(1 * ", " + 0)"],
  ] as const);
  const tok = text.slice(t.start, t.end);
  return {
    text: splice(text, t, open.repeat(depth) + tok + close.repeat(depth)),
    what: `nested ${t.start}:${JSON.stringify(tok)} in ${depth} × ${JSON.stringify(open)}`,
  };
}

/** Prepends `fn f0(x) = x`, `fn f1(x) = f0(x)`, ... and puts the last where a name was. */
function fnChain(text: string, rng: Rng): Mutant {
  const depth = pick(rng, depths);
  const fns = [`fn f0(x) = x`];
  for (let i = 1; i <= depth; i++) fns.push(`fn f${i}(x) = f${i - 1}(x)`);
  const ts = names(text, true);
  const t = ts.length > 0 ? pick(rng, ts) : undefined;
  const body = t ? splice(text, t, `f${depth}`) : text;
  return {
    text: fns.join("\n") + "\n" + body,
    what: `${depth} chained fns, f${depth} replacing ${t ? `${t.start}:${JSON.stringify(text.slice(t.start, t.end))}` : "nothing"}`,
  };
}

/** A name of `length` characters: one letter repeated, or a mix. */
function longName(rng: Rng, length: number): string {
  if (rng() < 0.5) return "a".repeat(length);
  let s = "x_";
  while (s.length < length) s += "abcdefghijklmnopqrstuvwxyz0123456789_"[int(rng, 37)];
  return s;
}

/** About a megabyte: the inputs are under 10 kB, so a mutant with such a line stays under 1 MB. */
const mega = 990_000;

/** Insertions of about a megabyte on one line. */
const megaLines: readonly ((rng: Rng) => string)[] = [
  () => "// " + "x".repeat(mega),
  () => " ".repeat(mega),
  () => `fn long_sum(x) = x${" + x".repeat(mega / 4)}`,
  () => `"${"s".repeat(mega)}"`,
  () => "1 ".repeat(mega / 2),
  () => "+".repeat(mega),
  (rng) => `fn ${longName(rng, mega)}(x) = x`,
  () => "/* " + "*".repeat(mega),
];

/** JavaScript names that an object-keyed registry would find on Object.prototype. */
const jsNames = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "prototype"];

/** Numbers that JavaScript or a 32-bit path reads oddly. */
const oddNumbers = [
  "1e999",
  "-1e999",
  "1e-999",
  "-0",
  "0.0",
  "9007199254740993",
  "4294967297",
  "2147483648",
  "99999999999",
  "1e20",
  "1e308",
  "0x",
  "0x10",
  "1_000",
  "00",
  "1.",
  "5e-324",
  "NaN",
  "Infinity",
];

/** Sizes that depend on the batch `N`: fine for some batches, not for others. */
const symbolicSizes = [
  "N",
  "N - 1",
  "N - 16",
  "N - 17",
  "N + 1",
  "N * 2",
  "N * N",
  "(N - 3) * N",
  "N * N * N",
];

/** One step of an elementwise chain: `#` is the previous value, `@` an earlier one. */
const chainSteps = [
  "tanh(#)",
  "# * 1.01",
  "# + 0.5",
  "sigmoid(#) - 0.5",
  "# - @ * 0.25",
  "relu(#)",
  "abs(#) * 0.5",
  "exp(-(# * #))",
  "maximum(#, @)",
  "where(# > 0, #, 0.1 * #)",
  "sin(#)",
  "# / (1 + abs(#))",
];

/** Steps that fusion inlines, each using only the previous value: one long fused chain. */
const cheapSteps = ["# * 1.01", "# + 0.5", "-#", "relu(#)", "abs(#)", "maximum(#, 0.1)"];

/** A `fn` with a chain of `length` elementwise steps, each a binding. */
function chainFn(rng: Rng, name: string, length: number): string {
  const steps = rng() < 0.5 ? chainSteps : cheapSteps;
  const lines = [`fn ${name}(x) {`, `  c0 = x`];
  for (let i = 1; i <= length; i++) {
    const step = pick(rng, steps)
      .replaceAll("#", `c${i - 1}`)
      .replaceAll("@", `c${int(rng, i)}`);
    lines.push(`  c${i} = ${step}`);
  }
  lines.push(`  c${length}`, "}");
  return lines.join("\n");
}

export const mutations: Readonly<Record<string, Mutation>> = {
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
    const t = pick(rng, tokens(text));
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
    const ts = tokens(text).filter((t) => isNumber(text.slice(t.start, t.end)));
    if (ts.length === 0) return { text, what: "no number" };
    const t = pick(rng, ts);
    const n = pick(rng, ["0", "1", "2", "3", "7", "-1", "0.5", "1e9", "100000", "2.5E+4", ".5"]);
    return {
      text: splice(text, t, n),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${n}`,
    };
  },
  "replace name": (text, rng) => {
    const ts = names(text);
    const t = pick(rng, ts);
    const o = pick(rng, ts);
    const other = text.slice(o.start, o.end);
    return {
      text: splice(text, t, other),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${other}`,
    };
  },
  truncate: (text, rng) => {
    const at = int(rng, text.length + 1);
    return { text: text.slice(0, at), what: `truncated at ${at}` };
  },
  "inject bytes": (text, rng) => inject(text, rng, (r) => String.fromCharCode(int(r, 256))),
  "inject unicode": (text, rng) => inject(text, rng, randomUnicode),
  "deep nesting": (text, rng) => (rng() < 0.7 ? nestAround(text, rng) : fnChain(text, rng)),
  "long identifier": (text, rng) => {
    const ts = names(text, true);
    const t = pick(rng, ts);
    const old = text.slice(t.start, t.end);
    const name = longName(rng, pick(rng, [32768, 100_000, 300_000]));
    // Renaming every occurrence keeps a program valid, so the compiler sees the long name too.
    if (rng() < 0.5)
      return { text: renameAll(text, old, name), what: `renamed every ${old} to ${show(name)}` };
    return { text: splice(text, t, name), what: `replaced ${t.start}:${old} by ${show(name)}` };
  },
  "megabyte line": (text, rng) => {
    const at = lineStart(text, rng);
    const k = int(rng, megaLines.length);
    const line = megaLines[k]!(rng);
    return {
      text: text.slice(0, at) + line + "\n" + text.slice(at),
      what: `inserted megaLines[${k}] (${show(line)}) at ${at}`,
    };
  },
  "javascript name": (text, rng) => {
    const ts = names(text, true);
    const t = pick(rng, ts);
    const old = text.slice(t.start, t.end);
    const js = pick(rng, jsNames);
    if (rng() < 0.5)
      return { text: renameAll(text, old, js), what: `renamed every ${old} to ${js}` };
    return { text: splice(text, t, js), what: `replaced ${t.start}:${old} by ${js}` };
  },
  "odd number": (text, rng) => {
    const ts = tokens(text).filter((t) => isNumber(text.slice(t.start, t.end)));
    if (ts.length === 0) return { text, what: "no number" };
    const t = pick(rng, ts);
    const n = pick(rng, oddNumbers);
    return {
      text: splice(text, t, n),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${n}`,
    };
  },
  "symbolic size": (text, rng) => {
    const ts = tokens(text).filter((t) => isNumber(text.slice(t.start, t.end)));
    if (ts.length === 0) return { text, what: "no number" };
    const t = pick(rng, ts);
    const by = pick(rng, symbolicSizes);
    return {
      text: splice(text, t, by),
      what: `replaced ${t.start}:${JSON.stringify(text.slice(t.start, t.end))} by ${by}`,
    };
  },
  "wide expression": (text, rng) => {
    const width = pick(rng, [10, 200, 1000]);
    const fn = pick(rng, [
      `fn wide(x) = concat([${Array(width).fill("x").join(", ")}], -1)`,
      `fn wide(x) = ${Array.from({ length: width }, (_, i) => `x * ${(i % 7) / 8}`).join(" + ")}`,
      `fn wide(x) = concat([${Array(width).fill("x").join(", ")}], 0)`,
    ]);
    const ends = [...text.matchAll(/\|>[^\n]*/g)].map((m) => m.index + m[0].length);
    if (ends.length === 0) return { text: fn + "\n" + text, what: `${width}-wide fn, unused` };
    const at = pick(rng, ends);
    return {
      text: fn + "\n" + text.slice(0, at) + " |> wide" + text.slice(at),
      what: `${show(fn)} after the pipe ending at ${at}`,
    };
  },
  "long chain": (text, rng) => {
    const length = pick(rng, [100, 300, 1000]);
    // After a pipeline's last stage, or in place of an activation passed to a layer.
    const ends = [...text.matchAll(/\|>[^\n]*/g)].map((m) => m.index + m[0].length);
    const acts = names(text).filter((t) =>
      ["relu", "gelu", "tanh", "sigmoid", "identity"].includes(text.slice(t.start, t.end)),
    );
    const fn = chainFn(rng, "chain", length);
    if (ends.length > 0 && (acts.length === 0 || rng() < 0.5)) {
      const at = pick(rng, ends);
      const body = text.slice(0, at) + " |> chain" + text.slice(at);
      return {
        text: fn + "\n" + body,
        what: `${length}-step chain after the pipe ending at ${at}`,
      };
    }
    if (acts.length === 0) return { text: fn + "\n" + text, what: `${length}-step chain, unused` };
    const t = pick(rng, acts);
    return {
      text: fn + "\n" + splice(text, t, "chain"),
      what: `${length}-step chain replacing ${t.start}:${text.slice(t.start, t.end)}`,
    };
  },
};

export const mutationKinds: readonly string[] = Object.keys(mutations);

/** Every example and std file, as [path, text]; `root` is the repository root. */
export function fuzzInputs(root = "."): [string, string][] {
  return ["examples", "std"].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith(".grove"))
      .sort()
      .map((f): [string, string] => [`${dir}/${f}`, readFileSync(join(root, dir, f), "utf8")]),
  );
}

/** One case's seed from the base seed and the case's coordinates (a murmur-style mix). */
export function caseSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** The mutant of case `seed`: mutation `kind` applied to `text`. */
export function makeMutant(kind: string, text: string, seed: number): Mutant {
  const m = mutations[kind];
  if (!m) throw new Error(`no mutation kind ${JSON.stringify(kind)}`);
  return m(text, mulberry32(seed));
}

/** A mutant for printing: its start, and its length when cut. */
export function truncated(text: string, max = 300): string {
  return text.length <= max
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, max))}… (${text.length} chars)`;
}
