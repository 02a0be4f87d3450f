/**
 * Hostile names in an exported Node program: the .grove file's path, a data file's path and a CSV
 * column name hold a line break, `*\/`, `</script>` and U+2028. The exported code still parses,
 * runs and trains like `grove train`; user text appears in comments only escaped (one comment
 * line each, no comment end) and in code only inside JSON strings (no raw U+2028, no `</`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { runGrove } from "../cli/run.js";
import { describeGpu } from "../runtime/gpu.js";
import {
  errLines,
  exportProgram,
  linkWebgpu,
  loggedSteps,
  runProgram,
  tempDir,
} from "./program-helpers.js";

const hostile = "\n*/</script>\u2028";

/** A project under a folder path holding `hostile`, with its CSV data. */
function hostileProject(): { file: string; column: string } {
  // The names hold slashes (`*\/`, `</`): each is a path of folders.
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  const file = join(tempDir(), `ev${hostile}il`, `m${hostile}.grove`);
  const data = `in${hostile}/d${hostile}.csv`;
  const column = `t${hostile}`;
  const rows = Array.from({ length: 16 }, (_, i) => `${i / 16},${(i * 7) % 5},${(i % 3) - 1}`);
  write(join(dirname(file), data), `a,b,"${column}"\n${rows.join("\n")}\n`);
  const quoted = (s: string) => JSON.stringify(s).replace(/\\u2028/g, "\u2028");
  write(
    file,
    `model M {
  input features: [N, 2]
  h = Dense(2, 4, tanh)
  out = Dense(4, 1)
  output y = features |> h |> out
}

train M {
  data      = csv(path: ${quoted(data)}, target: ${quoted(column)}, validate: 0.25)
  loss      = mse(y, target)
  optimizer = adam(lr: 0.01)
  batch     = 5
  epochs    = 2
  seed      = 5
}
`,
  );
  return { file, column };
}

describeGpu("hostile names", () => {
  it(
    "stay data in the exported program, which parses, runs and trains like grove train",
    { timeout: 120_000 },
    async () => {
      const { file, column } = hostileProject();
      const dir = await exportProgram(file, "node");
      const train = readFileSync(join(dir, "train.mjs"), "utf8");
      const runtime = readFileSync(join(dir, "grove-runtime.mjs"), "utf8");
      for (const text of [train, runtime]) expect(/[\u2028\u2029]/.test(text)).toBe(false);
      expect(train.includes("</")).toBe(false);
      // The header: comment lines only, none ending a comment, up to the import.
      const header = train.slice(0, train.indexOf("\nimport ")).split("\n");
      expect(header.every((l) => l.startsWith("//"))).toBe(true);
      expect(header.some((l) => l.includes("*/"))).toBe(false);
      expect(header[0]).toContain("\\n*\\/<\\/script>\\u2028");
      execFileSync(process.execPath, ["--check", join(dir, "train.mjs")]);
      // The names are data: the program object gives them back as they were.
      const literal = /\nconst program = (\{[\s\S]*?\n\});\n/.exec(train)![1]!;
      const program = runInNewContext(`(${literal})`) as {
        sourceFile: string;
        data: { args: { target: string; path: string }; files: string[] };
      };
      expect(program.sourceFile).toBe(file);
      expect(program.data.args.target).toBe(column);
      expect(program.data.files).toEqual(["script__.csv"]);
      expect(program.data.args.path).toBe("script__.csv");
      const readme = readFileSync(join(dir, "README.md"), "utf8");
      expect(readme.includes("</script>")).toBe(false);
      expect(/[\u2028\u2029]/.test(readme)).toBe(false);
      // It runs, with grove train's losses.
      linkWebgpu(dir);
      const logs = tempDir();
      const ours = await runProgram(dir, [
        "--max-steps",
        "3",
        "--log-json",
        join(logs, "ours.jsonl"),
      ]);
      expect(errLines(ours.err)).toEqual([]);
      expect(ours.code).toBe(0);
      const grove = await runGrove([
        ...["train", file, "--max-steps", "3", "--log-json", join(logs, "grove.jsonl")],
        ...["--checkpoint", join(logs, "grove.safetensors")],
      ]);
      expect(grove.code).toBe(0);
      expect(loggedSteps(join(logs, "ours.jsonl")).map((s) => s.loss)).toEqual(
        loggedSteps(join(logs, "grove.jsonl")).map((s) => s.loss),
      );
    },
  );
});

describeGpu("hostile names in an exported page", () => {
  it("are escaped in index.html and data in program.json", { timeout: 60_000 }, async () => {
    const { file, column } = hostileProject();
    const dir = await exportProgram(file, "browser");
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(/[\u2028\u2029]/.test(html)).toBe(false);
    // Only the page's own two scripts end; the names are entities and visible escapes.
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain("m\\n*/&#60;/script&#62;\\u2028.grove, exported by Grove");
    const json = readFileSync(join(dir, "program.json"), "utf8");
    expect(/[\u2028\u2029]/.test(json) || json.includes("</")).toBe(false);
    const program = JSON.parse(json) as { sourceFile: string; data: { args: { target: string } } };
    expect(program.sourceFile).toBe(file);
    expect(program.data.args.target).toBe(column);
    const app = readFileSync(join(dir, "grove-app.js"), "utf8");
    expect(/[\u2028\u2029]/.test(app)).toBe(false);
  });
});
