/** @file Markdown tables, number formats and the machine description for the results. */
import { execFileSync } from "node:child_process";
import os from "node:os";

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fmt = (x, digits = 3) =>
  x === undefined || Number.isNaN(x) ? "–" : Number(x.toPrecision(digits)).toString();
export const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${fmt(a / b)}×`);
export const seconds = (ms) => (ms === undefined ? "–" : `${(ms / 1000).toFixed(1)} s`);
export const mib = (bytes) => (bytes === undefined ? "–" : `${(bytes / 2 ** 20).toFixed(2)} MiB`);

export function machine(adapter) {
  let mesa = "unknown";
  try {
    mesa = execFileSync("dpkg-query", ["-W", "mesa-vulkan-drivers"], { encoding: "utf8" }).trim();
  } catch {
    // not Debian, or not installed
  }
  let commit = "unknown";
  try {
    const git = (...args) => execFileSync("git", args, { encoding: "utf8" }).trim();
    const dirty = git("status", "--porcelain", "--", "src").length > 0;
    commit =
      git("rev-parse", "--short", "HEAD") + (dirty ? " with uncommitted changes in src/" : "");
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores; load average at start ` +
      os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    `- Node ${process.version}, ${os.type()} ${os.release()}`,
    `- Mesa: ${mesa.replace(/\s+/, " ")}`,
    `- Grove: commit ${commit} (dist/ built from the working tree by \`npm run build\`)`,
    `- WebGPU adapter (Dawn, \`webgpu\` npm): ${adapter || "unknown"}`,
  ].join("\n");
}
