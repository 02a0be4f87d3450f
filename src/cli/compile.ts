/**
 * @file `grove compile FILE --emit ir`: prints the forward graph and the forward + backward
 * training graph after simplification (and with `--remat`, that graph partitioned by the policy,
 * recomputed nodes marked), or any pipeline stage with `--dump-after=PASS`; `--emit wgsl|plan`
 * the kernels or the Plan.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { renderDiagnostics } from "../diag/render.js";
import type { CheckResult } from "../parser/program.js";
import { lowerTrace } from "../ir/lower.js";
import type { Graph } from "../ir/node.js";
import { compileTrain, pipelinePassNames } from "../ir/pipeline.js";
import { printGraph } from "../ir/print.js";
import { simplify } from "../ir/simplify.js";
import type { Io } from "./io.js";
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import { policyFromFlags } from "./fusion-flags.js";
import { partitionTraining } from "../codegen/compile.js";
import { bindingLimits, compiledOf, loadChecked } from "./load.js";
import type { CommandOptions } from "./commands.js";

export type CompileOptions = CommandOptions<"compile">;

export function compileCommand(file: string, opts: CompileOptions, io: Io): number {
  if (opts.dumpAfter !== undefined && !pipelinePassNames.includes(opts.dumpAfter)) {
    io.err(
      `grove compile: unknown pass \`${opts.dumpAfter}\`; passes: ${pipelinePassNames.join(", ")}\n`,
    );
    return 2;
  }
  const fusion = policyFromFlags("compile", opts, io);
  if (!fusion) return 2;
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  if (opts.emit !== "ir") return emitCode(checked, opts, fusion, io);
  const sources = checked.sources.texts();
  const chunks: string[] = [];
  const print = (title: string, g: Graph) =>
    chunks.push(`# ${title}\n${printGraph(g, { sources })}\n\n`);
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
    if (opts.remat !== undefined && opts.remat !== "store")
      print(
        `train ${t.model}: forward + backward, partitioned by --remat ${opts.remat}`,
        partitionTraining(r.value, opts.remat).graph,
      );
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
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    const path = join(opts.out, `${basename(file).replace(/\.grove$/, "")}.ir.txt`);
    writeFileSync(path, chunks.join(""));
    io.out(`wrote ${path}\n`);
  } else io.out(chunks.join(""));
  return 0;
}

/** `--emit wgsl|plan`: the kernels of each train section, or its whole Plan as JSON. */
function emitCode(
  checked: CheckResult,
  opts: CompileOptions,
  fusion: FusionPolicy,
  io: Io,
): number {
  const { trains } = checked.program;
  if (trains.length === 0) {
    io.err("grove compile: kernels are compiled from a train section, and this file has none\n");
    return 1;
  }
  for (const t of trains) {
    const plan = compiledOf(
      checked,
      t,
      {
        fuse: opts.fuse ?? true,
        fusion,
        remat: opts.remat,
        memoryBudget: opts.memoryBudget,
        batch: opts.batch,
        device: { subgroups: opts.subgroups ?? false, ...bindingLimits(opts.maxBindingSize) },
      },
      io,
    )?.plan;
    if (!plan) return 1;
    const files: [string, string][] =
      opts.emit === "plan"
        ? [[`${t.model}.plan.json`, JSON.stringify(plan, null, 2) + "\n"]]
        : plan.kernels.map((k) => [`${t.model}.${k.name}.wgsl`, k.wgsl]);
    if (opts.out) {
      mkdirSync(opts.out, { recursive: true });
      for (const [name, text] of files) writeFileSync(join(opts.out, name), text);
      io.out(`wrote ${files.length} file${files.length === 1 ? "" : "s"} to ${opts.out}\n`);
    } else
      for (const [name, text] of files)
        io.out(opts.emit === "plan" ? text : `// ==> ${name}\n${text}\n`);
  }
  return 0;
}
