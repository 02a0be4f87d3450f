/**
 * Numeric flags are finite, decimal and in range, or one line naming the flag (exit 2, before any
 * file is read); `--seed 4294967296` no longer runs as seed 0 and `--lr Infinity` no longer trains.
 */
import { expect, it } from "vitest";
import { runGrove } from "./run.js";

/** Flags with values refused and accepted (the file does not exist: accepted ones get that far). */
const flags: [string[], string, string[], string[]][] = [
  [
    ["train"],
    "--lr",
    ["Infinity", "-Infinity", "NaN", "0", "-1", "1e39", "1e-40", "0x10", "", " ", "1e999"],
    ["1e30", "0.001", "3e-4", ".5"],
  ],
  [["train"], "--seed", ["4294967296", "-1", "1.5", "1e999", "0x1"], ["0", "4294967295"]],
  [["train"], "--epochs", ["0", "2147483648", "2.5", "Infinity"], ["1", "2147483647"]],
  [["train"], "--batch", ["0", "-3", "1e10"], ["1", "64"]],
  [["train"], "--max-steps", ["0", "NaN"], ["2"]],
  [["train"], "--eval-limit", ["0", "9999999999"], ["10"]],
  [["eval", "--checkpoint", "c"], "--limit", ["0", "Infinity"], ["5"]],
  [["eval", "--checkpoint", "c"], "--batch", ["0"], ["8"]],
  [["gradcheck"], "--seed", ["4294967296"], ["7"]],
  [["gradcheck"], "--tolerance", ["0", "-1e-5", "Infinity", "NaN"], ["1e-5"]],
  [["gradcheck"], "--directions", ["-1", "0.5"], ["0", "3"]],
  [["compile"], "--batch", ["0", "Infinity"], ["4"]],
  [["kernels"], "--max-binding-size", ["0", "1e999"], ["802816"]],
];

const what: Record<string, string> = {
  "--lr": "a positive number float32 holds (1.2e-38 to 3.4e38)",
  "--seed": "a whole number from 0 to 4294967295",
  "--directions": "a whole number from 0 to 2147483647",
  "--tolerance": "a positive number",
  "--max-binding-size": "a whole number from 1 to 9007199254740991",
};

const placeholder: Record<string, string> = {
  "--lr": "x",
  "--tolerance": "x",
  "--max-binding-size": "bytes",
};

for (const [command, flag, bad, good] of flags)
  it(`${command[0]} ${flag}: refuses ${bad.map((b) => JSON.stringify(b)).join(" ")}`, async () => {
    const rule = what[flag] ?? "a whole number from 1 to 2147483647";
    for (const value of bad) {
      const r = await runGrove([command[0]!, "missing.grove", ...command.slice(1), flag, value]);
      expect(r.err, `${flag} ${value}`).toBe(
        `error: option '${flag} <${placeholder[flag] ?? "n"}>' argument '${value}' is invalid. ${flag} must be ${rule}\n`,
      );
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
    }
    for (const value of good) {
      const r = await runGrove([command[0]!, "missing.grove", ...command.slice(1), flag, value]);
      expect(r.err, `${flag} ${value}`).toMatch(/missing\.grove/);
      expect(r.err).not.toContain("is invalid");
    }
  });
