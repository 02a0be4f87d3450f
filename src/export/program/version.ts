/**
 * @file Which Grove exported a program: the version in its package.json and, when Grove runs
 * from its own git checkout (not from a project's `node_modules` inside another repository), the
 * commit (with `+` when tracked files have changes).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { groveRoot } from "./bundle.js";

export interface GroveVersion {
  readonly version: string;
  readonly commit?: string;
}

/** Grove's package.json (one folder above `src/` or `dist/`). */
export function grovePackage(): {
  version: string;
  dependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(groveRoot, "..", "package.json"), "utf8")) as {
    version: string;
  };
}

/** The version and, in a git checkout, the short commit. */
export function groveVersion(): GroveVersion {
  const version = grovePackage().version;
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: join(groveRoot, ".."),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  try {
    const home = realpathSync(join(groveRoot, ".."));
    if (realpathSync(git("rev-parse", "--show-toplevel")) !== home) return { version };
    const commit = git("rev-parse", "--short=12", "HEAD");
    const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
    return { version, commit: dirty ? `${commit}+` : commit };
  } catch {
    return { version };
  }
}
