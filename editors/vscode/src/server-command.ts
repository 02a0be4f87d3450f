/**
 * @file Which command starts `grove lsp` for the VS Code client: the `grove.server.command`
 * setting, else `grove` on PATH, else `npx --no -- grove` (a local install, never a download).
 * Pure (the file system and environment come in as a host) so it is tested without VS Code.
 */
import * as path from "node:path";

/** The server's own arguments; the client appends `--stdio` for the stdio transport. */
export const serverArgs = ["lsp"];

export interface ServerCommand {
  command: string;
  args: string[];
  /** Windows runs `.cmd` and `.bat` files only through a shell. */
  shell: boolean;
}

export interface CommandHost {
  platform: NodeJS.Platform;
  /** The PATH variable (undefined when unset). */
  pathVariable: string | undefined;
  /** PATHEXT on Windows (undefined elsewhere). */
  pathExt: string | undefined;
  isFile(file: string): boolean;
}

/** A setting naming a JavaScript file (such as a checkout's `bin/grove.js`) runs it with node. */
const scriptExtensions = [".js", ".mjs", ".cjs"];

function needsShell(command: string, host: CommandHost): boolean {
  return host.platform === "win32" && /\.(cmd|bat)$/i.test(command);
}

/** A command run through a shell is quoted when it has spaces (`C:\Program Files\...`). */
function shellSafe(command: string, shell: boolean): string {
  return shell && /\s/.test(command) ? `"${command}"` : command;
}

function runDirectly(command: string, host: CommandHost): ServerCommand {
  const shell = needsShell(command, host);
  return { command: shellSafe(command, shell), args: [...serverArgs], shell };
}

function fromSetting(setting: string, host: CommandHost): ServerCommand {
  if (scriptExtensions.some((ext) => setting.toLowerCase().endsWith(ext))) {
    return { command: "node", args: [setting, ...serverArgs], shell: false };
  }
  return runDirectly(setting, host);
}

/** Executable names to look for in each PATH folder: `grove`, or `grove.cmd` etc. on Windows. */
function candidateNames(name: string, host: CommandHost): string[] {
  if (host.platform !== "win32") return [name];
  const exts = (host.pathExt ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((ext) => ext !== "");
  return exts.map((ext) => name + ext.toLowerCase());
}

/** The first `name` in PATH's folders, as a full path, or undefined. */
export function findOnPath(name: string, host: CommandHost): string | undefined {
  const paths = host.platform === "win32" ? path.win32 : path.posix;
  const folders = (host.pathVariable ?? "").split(paths.delimiter).filter((dir) => dir !== "");
  for (const dir of folders) {
    for (const file of candidateNames(name, host)) {
      const full = paths.join(dir, file);
      if (host.isFile(full)) return full;
    }
  }
  return undefined;
}

export function resolveServerCommand(setting: string, host: CommandHost): ServerCommand {
  const configured = setting.trim();
  if (configured !== "") return fromSetting(configured, host);
  const onPath = findOnPath("grove", host);
  if (onPath !== undefined) return runDirectly(onPath, host);
  const npx = host.platform === "win32" ? "npx.cmd" : "npx";
  return {
    command: npx,
    args: ["--no", "--", "grove", ...serverArgs],
    shell: host.platform === "win32",
  };
}
