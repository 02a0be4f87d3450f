/**
 * @file `grove compile FILE --emit ir`: prints the forward graph and the forward + backward
 * training graph after simplification, or any pipeline stage with `--dump-after=PASS`.
 */
import { renderDiagnostics } from "../diag/render.js";
import { lowerTrace } from "../ir/lower.js";
import type { Graph } from "../ir/node.js";
import { compileTrain, pipelinePassNames } from "../ir/pipeline.js";
import { printGraph } from "../ir/print.js";
import { simplify } from "../ir/simplify.js";
import type { Io } from "./io.js";
import { loadChecked } from "./load.js";

export interface CompileOptions {
  readonly emit: string;
  readonly dumpAfter?: string;
  readonly batch?: number;
}

export function compileCommand(file: string, opts: CompileOptions, io: Io): number {
  if (opts.dumpAfter !== undefined && !pipelinePassNames.includes(opts.dumpAfter)) {
    io.err(
      `grove compile: unknown pass \`${opts.dumpAfter}\`; passes: ${pipelinePassNames.join(", ")}\n`,
    );
    return 2;
  }
  const checked = loadChecked(file, io);
  if (!checked) return 1;
  const sources = checked.sources.texts();
  const print = (title: string, g: Graph) =>
    io.out(`# ${title}\n${printGraph(g, { sources })}\n\n`);
  const { models, trains } = checked.program;
  for (const t of trains) {
    const r = compileTrain(t, {
      ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
      afterPass: (name, g) => {
        if (name === opts.dumpAfter) print(`train ${t.model}: after ${name}`, g);
      },
    });
    if (!r.value) {
      io.err(renderDiagnostics(r.diagnostics, checked.sources, "rich") + "\n");
      return 1;
    }
    if (opts.dumpAfter !== undefined) continue;
    print(`train ${t.model}: forward (batch ${opts.batch ?? t.batch})`, r.value.forward);
    print(`train ${t.model}: forward + backward`, r.value.training);
  }
  // Models without a train section compile to their forward pass alone.
  for (const m of models) {
    if (trains.some((t) => t.model === m.name) || opts.dumpAfter !== undefined) continue;
    const r = lowerTrace(m.graph, { batch: opts.batch ?? 1, training: false, seed: 0 });
    if (!r.value) {
      io.err(renderDiagnostics(r.diagnostics, checked.sources, "rich") + "\n");
      return 1;
    }
    print(`model ${m.name}: forward (batch ${opts.batch ?? 1})`, simplify(r.value));
  }
  return 0;
}
