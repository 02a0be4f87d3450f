/**
 * @file `grove export FILE --target pytorch -o DIR`: writes a PyTorch program that trains the file's
 * first train section: `model.py` (model-py.ts), `train.py` (its settings as Python constants, then
 * train-body-py.ts), `grove_support.py`, the initial parameters Grove draws from the seed
 * (`init.safetensors`), the data as Grove reads it (`data/SPLIT.FIELD.npy.gz`) and a README.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Span } from "../../diag/diagnostic.js";
import { commentText } from "../../diag/escape.js";
import type { BlockDecl, ModelDecl } from "../../parser/ast.js";
import { dimValue } from "../../parser/check/dims.js";
import { parse } from "../../parser/parse.js";
import type { ElaboratedTrain, ParamInfo } from "../../parser/check/values.js";
import { loadData } from "../../runtime/data/index.js";
import type { Dataset } from "../../runtime/data/types.js";
import { encodeNpy } from "../../runtime/data/npy.js";
import { initialValues } from "../../runtime/host-data.js";
import { encodeSafetensors } from "../../runtime/safetensors.js";
import { htmlText, markdownCode } from "../program/text.js";
import { groveVersion, type GroveVersion } from "../program/version.js";
import { PytorchExportError, writeModelPy, type ModelPy } from "./model-py.js";
import { pyLiteral } from "./python-text.js";
import { torchOptimizers } from "./optimizers-py.js";
import { supportPy } from "./support-py.js";
import { trainBodyPy } from "./train-body-py.js";

export interface PytorchRequest {
  /** The `.grove` file, as given. */
  readonly file: string;
  readonly train: ElaboratedTrain;
  /** Every source text by path (the file, its imports, std/). */
  readonly sources: ReadonlyMap<string, string>;
  readonly dir: string;
  readonly locate: (span: Span) => string;
  /** False: leave `data/` out (train.py then reads `--data DIR`). */
  readonly data?: boolean;
}

export interface PytorchWritten {
  readonly files: readonly string[];
  readonly model: ModelPy;
  readonly counts: Readonly<Record<string, number>>;
}

/** The block declarations of every source and the model's, to name classes after their blocks. */
function declarations(
  sources: ReadonlyMap<string, string>,
  model: string,
): { blocks: BlockDecl[]; model?: ModelDecl } {
  const blocks: BlockDecl[] = [];
  let found: ModelDecl | undefined;
  for (const [file, text] of sources)
    for (const d of parse(text, file).value?.decls ?? []) {
      if (d.kind === "block") blocks.push(d);
      if (d.kind === "model" && d.name.name === model) found = d;
    }
  return { blocks, ...(found ? { model: found } : {}) };
}

/** The header of a generated Python file: what it is, what made it, how to run it. */
function header(lines: readonly string[], v: GroveVersion): string {
  const made = `Written by grove export --target pytorch (Grove ${v.version}${v.commit ? `, commit ${v.commit}` : ""}); export again rather than edit.`;
  return [...lines, made].map((l) => `# ${commentText(l, "python")}`).join("\n") + "\n";
}

/** Writes the program into `req.dir` (made if missing). Throws `PytorchExportError`. */
export function writePytorchProgram(req: PytorchRequest): PytorchWritten {
  const { train, file } = req;
  const torch = torchOptimizers[train.optimizer.name];
  if ("unsupported" in torch)
    throw new PytorchExportError("G0805", torch.unsupported, train.optimizer.span);
  const model = writeModelPy(train, {
    locate: req.locate,
    ...declarations(req.sources, train.model),
  });
  const fields = fieldShapes(train);
  const { counts, shapes, files } = writeData(req, fields);
  // the values grove train starts from: parameters on streams 0x10000 + k, state on 0x20000 + k
  const initial = (p: ParamInfo, stream: number) => {
    const spec = { name: p.name, shape: p.shape, init: p.init, dtype: "f32" };
    const data = initialValues(spec as Parameters<typeof initialValues>[0], train.seed, stream);
    return [p.name, { dtype: "F32" as const, shape: p.shape, data }] as const;
  };
  const params = new Map([
    ...train.graph.params.map((p, k) => initial(p, 0x10000 + k)),
    ...train.graph.state.map((s, k) => initial(s, 0x20000 + k)),
  ]);
  const source = commentText(file, "python");
  const version = groveVersion();
  const written: [string, string | Uint8Array][] = [
    ["init.safetensors", encodeSafetensors(params, { source: file, seed: String(train.seed) })],
    [
      "grove_support.py",
      header([`grove_support.py: Grove's rules for the PyTorch program of ${source}.`], version) +
        supportPy,
    ],
    ["model.py", modelFile(model, source, version)],
    ["train.py", trainFile(req, model, shapes, version, counts.classes)],
    ["README.md", readme(train.model, file)],
  ];
  for (const [name, content] of written) {
    writeFileSync(join(req.dir, name), content);
    files.push(name);
  }
  return { files, model, counts: counts.examples };
}

/**
 * Reads the train section's data and, unless `req.data` is false, writes each split's fields as
 * `data/SPLIT.FIELD.npy.gz`: every field of the source (so programs whose sources are equal can
 * share one `data/`), each shaped as stored; train.py reshapes the fields it reads to the model's
 * example shapes (`FIELD_SHAPES`, from the first split that has the field).
 */
function writeData(
  req: PytorchRequest,
  fields: ReadonlyMap<string, readonly (number | undefined)[]>,
): {
  counts: { examples: Record<string, number>; classes?: readonly string[] };
  shapes: Map<string, number[]>;
  files: string[];
} {
  const { train } = req;
  const data = loadData(train.data, train.seed, dirname(req.file));
  mkdirSync(req.data === false ? req.dir : join(req.dir, "data"), { recursive: true });
  const examples: Record<string, number> = {};
  const shapes = new Map<string, number[]>();
  const files: string[] = [];
  for (const [split, set] of Object.entries(data) as [string, Dataset | undefined][]) {
    if (!set) continue;
    examples[split] = set.count;
    for (const name of fields.keys())
      if (!set.fields.has(name))
        throw new PytorchExportError("G0805", `the data has no field \`${name}\``, train.data.span);
    for (const [name, field] of set.fields) {
      const rest = fields.get(name);
      const shape = rest
        ? exampleShape(rest, field.perExample)
        : field.perExample === 1
          ? []
          : [field.perExample];
      if (rest && !shapes.has(name)) shapes.set(name, shape);
      if (req.data === false) continue;
      const path = join("data", `${split}.${name}.npy.gz`);
      writeFileSync(
        join(req.dir, path),
        gzipSync(encodeNpy(field.data, [set.count, ...shape]), { level: 1 }),
      );
      files.push(path);
    }
  }
  return {
    counts: { examples, ...(data.train.classes ? { classes: data.train.classes } : {}) },
    shapes,
    files,
  };
}

/** Each data field the program reads, with the dimensions after the batch (undefined: from the data). */
function fieldShapes(train: ElaboratedTrain): Map<string, (number | undefined)[]> {
  const out = new Map<string, (number | undefined)[]>();
  for (const i of train.graph.inputs)
    out.set(
      i.name,
      i.shape.slice(1).map((d) => dimValue(d)),
    );
  return out;
}

/** An example's shape: the known dimensions, one unknown taking what is left of `perExample`. */
function exampleShape(rest: readonly (number | undefined)[], perExample: number): number[] {
  const known = rest.reduce<number>((p, d) => p * (d ?? 1), 1);
  const unknown = rest.filter((d) => d === undefined).length;
  if (unknown === 0 && known === perExample) return rest as number[];
  if (unknown === 1) return rest.map((d) => d ?? perExample / known);
  return [perExample];
}

function modelFile(model: ModelPy, source: string, version: GroveVersion): string {
  return [
    header(
      [
        `model.py: the Grove model ${model.className} of ${source} as PyTorch modules.`,
        "state_dict() names are the .grove parameter names; train.py loads init.safetensors (Grove's initial values).",
      ],
      version,
    ),
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "",
    "import grove_support as grove",
    "",
    "",
    model.text,
    "",
    `MODEL_CLASS = ${model.className}`,
    "",
  ].join("\n");
}

function trainFile(
  req: PytorchRequest,
  model: ModelPy,
  shapes: ReadonlyMap<string, readonly number[]>,
  version: GroveVersion,
  classes?: readonly string[],
): string {
  const t = req.train;
  const lr = t.optimizer.args.lr;
  const settings: [string, unknown][] = [
    ["MODEL", t.model],
    ["SOURCE", req.file],
    ["OPTIMIZER", { name: t.optimizer.name, args: t.optimizer.args }],
    ["LR", lr],
    ["SCHEDULE", { name: t.schedule.name, args: t.schedule.args }],
    ["BATCH", t.batch],
    ["EPOCHS", t.epochs],
    ["SEED", t.seed],
    ["CLIP_GRAD_NORM", t.clipGradNorm ?? 0],
    ["PARAM_RULES", t.paramRules ?? {}],
    ["INPUTS", model.inputs],
    ["FIELD_SHAPES", Object.fromEntries(shapes)],
    ["METRICS", model.metrics],
    ["CLASSES", classes ?? null],
  ];
  return [
    header(
      [
        `train.py: trains the Grove model ${t.model} of ${commentText(req.file, "python")} with PyTorch.`,
        "One process: /usr/bin/python3 train.py [--max-steps N] [--epochs N] [--log-json FILE]",
        "Several (DistributedDataParallel, gloo on CPUs, NCCL on GPUs): torchrun --nproc_per_node=K train.py",
      ],
      version,
    ),
    "# The train section's settings, as Grove resolved them.",
    ...settings.map(([k, v]) => `${k} = ${pyLiteral(v)}`),
    "",
    trainBodyPy,
  ].join("\n");
}

/** The folder's README; the source path is a Markdown code span (`markdownCode`), whatever it holds. */
function readme(model: string, file: string): string {
  const name = htmlText(model);
  return `# ${name} in PyTorch

Written by \`grove export --target pytorch\` from ${markdownCode(file)}. Needs Python 3 with PyTorch
and NumPy (Debian: \`apt-get install python3-torch\`).

| file | what |
| --- | --- |
| \`model.py\` | the model: an \`nn.Module\` per block instance, \`state_dict\` names as in Grove |
| \`train.py\` | the training loop: data, optimizer, schedule, clipping, checkpoints, DDP |
| \`grove_support.py\` | Grove's random draws, shuffle, checkpoint format, schedules, optimizers |
| \`init.safetensors\` | the initial parameters \`grove train\` starts from (same seed) |
| \`data/\` | each split's fields as Grove reads them (\`SPLIT.FIELD.npy.gz\`; \`--data DIR\` reads another folder) |

Run:

\`\`\`sh
python3 train.py                                   # one process, GPU if there is one
torchrun --standalone --nproc_per_node=2 train.py  # two processes on this machine
\`\`\`

Checkpoints (${markdownCode(`checkpoints/${model}.safetensors`)}) are Grove's format: \`grove eval\` and
\`grove predict\` read them, \`grove train --resume\` continues them.
`;
}
