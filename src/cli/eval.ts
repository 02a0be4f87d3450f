/**
 * @file `grove eval FILE --checkpoint C`: the loss and metrics of a checkpoint's parameters on one
 * split of the file's first train section (default `test`, else `validation`, else `train`),
 * through the `eval` program, batched like training, on the GPU or (`--backend cpu`) the host.
 */
import { dirname } from "node:path";
import type { Io } from "./io.js";
import { compiledOf, loadChecked, openBackend } from "./load.js";
import { policyFromFlags } from "./fusion-flags.js";
import { dataMisfit } from "./train.js";
import { evalText } from "./train-output.js";
import type { CommandOptions } from "./commands.js";

export type EvalCliOptions = CommandOptions<"eval">;

export async function evalCommand(file: string, opts: EvalCliOptions, io: Io): Promise<number> {
  const fusion = policyFromFlags("eval", opts, io);
  if (!fusion) return 2;
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const section = checked.program.trains[0];
  if (!section) {
    io.err(`grove eval: ${file} has no train section\n`);
    return 1;
  }
  const { DataError, loadData, subset, UnsupportedDataError } =
    await import("../runtime/data/index.js");
  const { CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { checkLoaded, evaluateCheckpoint } = await import("../session/node.js");
  const fail = (message: string) => {
    io.err(`grove eval: ${message}\n`);
    return 1;
  };
  let checkpoint;
  let meta;
  try {
    checkpoint = readCheckpoint(opts.checkpoint);
    // Every field of a `grove train` checkpoint is checked; another tool's file gives tensors only.
    meta = checkLoaded({ path: opts.checkpoint, checkpoint });
  } catch (e) {
    if (e instanceof CheckpointError) return fail(e.message);
    throw e;
  }
  // The seed decides the synthetic sets and so the held-out split: use the training run's.
  const seed = meta?.seed ?? section.seed;
  let data;
  try {
    data = loadData(section.data, seed, dirname(file), meta?.classes);
  } catch (e) {
    if (e instanceof UnsupportedDataError || e instanceof DataError) return fail(e.message);
    throw e;
  }
  const split = opts.split ?? (data.test ? "test" : data.validation ? "validation" : "train");
  let set = data[split];
  if (!set) {
    const have = (["train", "validation", "test"] as const).filter((s) => data[s]).join(", ");
    return fail(`the data source \`${section.data.name}\` has no ${split} split; it has ${have}`);
  }
  if (opts.limit !== undefined && opts.limit < set.count)
    set = subset(
      set,
      Array.from({ length: opts.limit }, (_, i) => i),
    );
  const batch = Math.min(opts.batch ?? meta?.batch ?? section.batch, set.count);
  const backend = await openBackend(opts.backend, "eval", io);
  if (!backend) return 1;
  const { gpu, options } = backend;
  const compiled = compiledOf(
    checked,
    section,
    { fuse: opts.fuse, fusion, batch, device: options },
    io,
  );
  const misfit = compiled && dataMisfit(compiled, set, split);
  if (!compiled || misfit) {
    gpu?.close();
    return misfit ? fail(misfit) : 1;
  }
  try {
    const r = await evaluateCheckpoint({
      device: backend.session,
      train: section,
      checkpoint: { path: opts.checkpoint, checkpoint },
      data: set,
      batch,
      plan: compiled,
      fuse: opts.fuse,
      fusion,
      sources: checked.sources.texts(),
    });
    const step = meta ? ` (step ${meta.step})` : "";
    io.out(
      `${section.model} ${split} (${r.examples} examples) with ${opts.checkpoint}${step}: ${evalText("", r)}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof CheckpointError) return fail(e.message);
    throw e;
  } finally {
    gpu?.close();
  }
}
