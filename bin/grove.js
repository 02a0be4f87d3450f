#!/usr/bin/env node
// The `grove` executable: runs the compiled CLI from dist/ (built by `npm run build`).
import { runCli } from "../dist/cli/main.js";

// A reader that stops early (`grove compile ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });

process.exitCode = await runCli(process.argv.slice(2));
