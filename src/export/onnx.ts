/**
 * @file Export to ONNX: the inference graph of a train section's model (its outputs for its
 * inputs with `training()` = 0, what `grove predict` computes, without loss, metrics or labels),
 * written as an ONNX opset 17 model whose batch dimension stays symbolic and whose parameters are
 * initializers holding a checkpoint's values, under their `.grove` names.
 */
import { readFileSync } from "node:fs";
import { type Result, type Span, UserError } from "../diag/diagnostic.js";
import { commentText } from "../diag/escape.js";
import { lowerTrace } from "../ir/lower.js";
import type { Graph, Node } from "../ir/node.js";
import type { Op } from "../ops/ops.js";
import { rewriteGraph } from "../ir/rewrite.js";
import { simplify } from "../ir/simplify.js";
import { dimToString } from "../parser/check/dims.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { BatchStructureError, batchGraph, probeBatches, type BatchGraph } from "./batch.js";
import {
  encodeModel,
  onnxDataType,
  type NodeMessage,
  type ValueInfoMessage,
} from "./onnx-proto.js";
import { onnxRules, type OnnxRule } from "./onnx-rules.js";
import { denseTensor, OnnxWriter, type Locate } from "./onnx-writer.js";

export { probeBatches };

export const ONNX_OPSET = 17;
/** The ONNX IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;

/** A model the exporter cannot write; `span` is where in the `.grove` source. */
export class OnnxExportError extends UserError {
  constructor(
    message: string,
    readonly span: Span | undefined,
  ) {
    super(message);
    this.name = "OnnxExportError";
  }
}

/** Whether a train section's output is the model's (not `loss` or a metric). */
export const isModelOutput = (name: string) => name !== "loss" && !name.startsWith("metric:");

/**
 * The model's inference graph lowered at the probe batches and lined up (`batchGraph`): only the
 * model outputs and what they read. Lowering problems (G0801) are diagnostics; a graph whose
 * batch dimension cannot stay symbolic is an `OnnxExportError`.
 */
export function inferenceGraph(train: ElaboratedTrain): Result<BatchGraph | undefined> {
  const graphs: Graph[] = [];
  for (const batch of probeBatches) {
    const lowered = lowerTrace(train.graph, { batch, training: false, seed: train.seed });
    if (!lowered.value) return { value: undefined, diagnostics: lowered.diagnostics };
    graphs.push(modelOutputsOnly(simplify(lowered.value)));
  }
  try {
    return { value: batchGraph(graphs as [Graph, Graph, Graph]), diagnostics: [] };
  } catch (e) {
    if (e instanceof BatchStructureError) throw new OnnxExportError(e.message, e.span);
    throw e;
  }
}

/** `graph` with the model's outputs and the nodes they read (no loss, metrics or labels). */
function modelOutputsOnly(graph: Graph): Graph {
  const outputs = new Map([...graph.outputs].filter(([name]) => isModelOutput(name)));
  const live = new Set<Node>();
  const stack = [...outputs.values()];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    stack.push(...n.inputs);
  }
  return rewriteGraph({ ...graph, outputs }, undefined, live);
}

/** An ONNX graph before its initializers: the parameters it reads, by name and shape. */
export interface OnnxProgram {
  readonly name: string;
  readonly nodes: readonly NodeMessage[];
  readonly inputs: readonly ValueInfoMessage[];
  readonly outputs: readonly ValueInfoMessage[];
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/**
 * Writes every node of the inference graph through its `onnxRules` row. A primitive without one
 * is an `OnnxExportError` naming it, at the `.grove` code that made it.
 */
export function lowerToOnnx(
  batch: BatchGraph,
  options: { readonly name: string; readonly batchName: string; readonly locate: Locate },
): OnnxProgram {
  const w = new OnnxWriter(batch, options.batchName, options.locate);
  try {
    for (const node of batch.graph.nodes) {
      const rule = onnxRules[node.op] as OnnxRule<Op> | undefined;
      if (!rule)
        throw new OnnxExportError(
          `the primitive \`${node.op}\` has no ONNX lowering, so this model cannot be exported to ONNX`,
          node.span,
        );
      w.lower(node, () => rule(w, node));
    }
    const outputs = [...batch.graph.outputs].map(([name, node]) => w.output(name, node));
    return {
      name: options.name,
      nodes: w.nodes,
      inputs: w.inputs,
      outputs,
      params: w.params,
    };
  } catch (e) {
    if (e instanceof BatchStructureError) throw new OnnxExportError(e.message, e.span);
    throw e;
  }
}

/** The batch symbol of a train section's model (`N`), named in the exported input types. */
export function batchSymbol(train: ElaboratedTrain): string {
  const first = train.graph.inputs[0]?.shape[0];
  const text = first ? dimToString(first) : "";
  return /^[A-Za-z_]\w*$/.test(text) ? text : "N";
}

const groveVersion = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/**
 * The bytes of the `.onnx` file: `program` with `weights[name]` as the initializer of each
 * parameter; `description` (user text such as a path) becomes the model's doc string, escaped.
 */
export function encodeOnnx(
  program: OnnxProgram,
  weights: ReadonlyMap<string, Float32Array>,
  description: string,
): Uint8Array {
  const initializer = program.params.map((p) =>
    denseTensor(weights.get(p.name)!, "f32", p.shape, p.name),
  );
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "grove",
    producerVersion: groveVersion,
    docString: commentText(description, "onnx"),
    graph: {
      name: program.name,
      node: program.nodes,
      initializer,
      input: program.inputs,
      output: program.outputs,
    },
  });
}

/** `image: f32[N, 784]`: a graph input or output as the CLI reports it. */
export function valueText(v: ValueInfoMessage): string {
  const t = v.type.tensorType;
  const dims = t.shape.dim.map((d) => ("dimValue" in d ? String(d.dimValue) : d.dimParam));
  return `${v.name}: ${t.elemType === onnxDataType.INT32 ? "i32" : "f32"}[${dims.join(", ")}]`;
}
