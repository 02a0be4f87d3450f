/**
 * @file The Grove extension's entry: starts `grove lsp --stdio` (server-command.ts says which
 * command) as a language client for `.grove` files, and restarts it on request or when the
 * `grove.server.command` setting changes. esbuild bundles this file with vscode-languageclient
 * into out/extension.js (scripts/package-vscode.mjs), so the package needs no node_modules.
 */
import { statSync } from "node:fs";
import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { resolveServerCommand, type CommandHost } from "./server-command";

let client: LanguageClient | undefined;

const nodeHost: CommandHost = {
  platform: process.platform,
  pathVariable: process.env.PATH,
  pathExt: process.env.PATHEXT,
  isFile(file) {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  },
};

function serverOptions(): ServerOptions {
  const setting = vscode.workspace.getConfiguration("grove").get<string>("server.command", "");
  const { command, args, shell } = resolveServerCommand(setting, nodeHost);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return { command, args, transport: TransportKind.stdio, options: { cwd, shell } };
}

const clientOptions: LanguageClientOptions = {
  documentSelector: [{ language: "grove" }],
};

async function startClient(): Promise<void> {
  client = new LanguageClient("grove", "Grove", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `Grove: could not start the language server (${reason}). Set grove.server.command to your grove command.`,
    );
  }
}

async function restartClient(): Promise<void> {
  const old = client;
  client = undefined;
  if (old !== undefined) await old.stop().catch(() => undefined);
  await startClient();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("grove.restartServer", restartClient),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("grove.server.command")) void restartClient();
    }),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
