/**
 * The command examples in the docs are real: every `$ grove ...` line in a `text` block of
 * README.md and docs/*.md is run (in-process, from a folder where `examples/` and the files
 * below exist) and its output compared with the lines shown under it. A line `...` in the docs
 * stands for any number of lines. Commands whose output cannot be repeated here (timings, a
 * checkpoint from a long run) are listed in `notRun` with the reason; any other command, a shell
 * command included, fails the test until it is checked or listed.
 */
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const root = resolve(import.meta.dirname, "../..");

/** Files the examples use that are not in the repository (the docs show their errors). */
const files: Readonly<Record<string, string>> = {
  "bad.grove": "model Bad {\n  input x: [N, 3]\n  output y = x @ x\n}\n",
};

/** Commands shown but not run, each with why. */
const notRun: Readonly<Record<string, string>> = {
  "grove train examples/mnist-mlp.grove --epochs 1": "prints timings (steps/s, seconds)",
  "grove kernels examples/regression.grove --profile": "prints GPU timings",
  "grove eval examples/regression.grove --checkpoint examples/checkpoints/HousePrice.safetensors":
    "needs the checkpoint of a full training run",
  "head -4 examples/data/housing.csv > houses.csv": "prepares the predict example below",
  "grove predict examples/regression.grove --checkpoint examples/checkpoints/HousePrice.safetensors --input houses.csv":
    "needs the checkpoint of a full training run",
};

interface Example {
  readonly doc: string;
  readonly line: number;
  readonly command: string;
  readonly expected: readonly string[];
}

/** Every `$ command` of every ```text block, with the lines up to the next command or the end. */
function examples(doc: string): Example[] {
  const lines = readFileSync(join(root, doc), "utf8").split("\n");
  const out: Example[] = [];
  let inText = false;
  let current: { line: number; command: string; expected: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    while (current.expected.at(-1) === "") current.expected.pop();
    out.push({ doc, ...current });
    current = undefined;
  };
  lines.forEach((text, i) => {
    if (text.startsWith("```")) {
      flush();
      inText = !inText && text === "```text";
      return;
    }
    if (!inText) return;
    if (text.startsWith("$ ")) {
      flush();
      current = { line: i + 1, command: text.slice(2), expected: [] };
    } else current?.expected.push(text);
  });
  return out;
}

/** Splits a command line like a shell would for these examples: quotes, and `*` in a file name. */
function argv(command: string, cwd: string): string[] {
  const words = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => ({
    text: m[1] ?? m[2]!,
    quoted: m[1] !== undefined,
  }));
  return words.flatMap(({ text, quoted }) => {
    if (quoted || !text.includes("*")) return [text];
    const slash = text.lastIndexOf("/");
    const dir = text.slice(0, slash);
    const pattern = new RegExp(
      `^${text
        .slice(slash + 1)
        .replace(/\./g, "\\.")
        .replace("*", ".*")}$`,
    );
    return readdirSync(join(cwd, dir))
      .filter((f) => pattern.test(f))
      .sort()
      .map((f) => `${dir}/${f}`);
  });
}

/** Whether `actual` matches `expected`, where an expected `...` line matches any lines. */
function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    let ok: boolean;
    if (i === expected.length) ok = j === actual.length;
    else if (expected[i] === "...") {
      ok = false;
      for (let k = j; k <= actual.length && !ok; k++) ok = at(i + 1, k);
    } else ok = j < actual.length && expected[i] === actual[j] && at(i + 1, j + 1);
    memo.set(key, ok);
    return ok;
  };
  return at(0, 0);
}

const docs = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const all = docs.flatMap(examples);

let cwd = "";
let before = "";
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "grove-docs-"));
  symlinkSync(join(root, "examples"), join(cwd, "examples"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  before = process.cwd();
  process.chdir(cwd);
});
afterAll(() => process.chdir(before));

it("the docs show commands", () => {
  expect(all.length).toBeGreaterThan(10);
  const shown = new Set(all.map((e) => e.command));
  for (const command of Object.keys(notRun)) expect(shown, command).toContain(command);
});

for (const e of all)
  it(`${e.doc}:${e.line}: $ ${e.command}`, async () => {
    if (notRun[e.command]) return;
    expect(e.command.startsWith("grove "), "a shell command must be run here or listed").toBe(true);
    let printed = "";
    const write = (t: string) => (printed += t);
    await runCli(argv(e.command, cwd).slice(1), { out: write, err: write });
    const actual = printed.replace(/\n$/, "").split("\n");
    if (!matches(e.expected, actual))
      expect(actual.join("\n"), `${e.doc}:${e.line}`).toBe(e.expected.join("\n"));
  }, 60_000);
