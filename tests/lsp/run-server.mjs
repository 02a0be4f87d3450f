// Starts `grove lsp` from the TypeScript sources (as vitest sees them), for tests/lsp.
import "../fuzz/register-ts.mjs";

const { runCli } = await import("../../src/cli/main.js");
process.exitCode = await runCli(["lsp", "--stdio"]);
