/**
 * @file The ONNX graph under construction: nodes, constants (shared when equal), the symbolic
 * batch size and shape tensors computed from it, graph inputs and the parameters that become
 * initializers. The lowering rules (onnx-rules.ts) build through it; it knows nothing of the ops.
 */
import { commentText } from "../diag/escape.js";
import { InternalError, type Span } from "../diag/diagnostic.js";
import type { Node } from "../ir/node.js";
import type { Dtype } from "../ops/ops.js";
import { BatchStructureError, type BatchAffine, type BatchGraph } from "./batch.js";
import {
  onnxAttributeType,
  onnxDataType,
  type AttributeMessage,
  type DimMessage,
  type OnnxDataType,
  type TensorMessage,
  type ValueInfoMessage,
} from "./onnx-proto.js";

/** An attribute value: a whole number (INT), a list of them (INTS), a tensor (TENSOR) or text (STRING). */
export type OnnxAttr = number | readonly number[] | TensorMessage | string;

interface MutableNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  docString?: string;
}

export const dataTypeOf: { readonly [D in Dtype]: OnnxDataType } = {
  f32: onnxDataType.FLOAT,
  i32: onnxDataType.INT32,
};

/** A one-line source location for doc strings (`examples/mlp.grove:14:41`). */
export type Locate = (span: Span) => string;

export class OnnxWriter {
  readonly nodes: MutableNode[] = [];
  readonly inputs: ValueInfoMessage[] = [];
  /** Parameters read by the graph, in order: they become initializers under their own names. */
  readonly params: { readonly name: string; readonly shape: readonly number[] }[] = [];
  private readonly names = new Map<Node, string>();
  private readonly constants = new Map<string, string>();
  private batchSizeName: string | undefined;
  /** The IR node being lowered: names and documents what its rule emits. */
  private current: Node | undefined;
  private helpers = 0;

  constructor(
    readonly batch: BatchGraph,
    /** The name of the batch dimension in input and output types (the `.grove` symbol, `N`). */
    readonly batchName: string,
    private readonly locate: Locate,
  ) {}

  /** The ONNX value holding an IR node's result (the node must be lowered already). */
  value(node: Node): string {
    const name = this.names.get(node);
    if (name === undefined) throw new InternalError(`%${node.id} not lowered yet`);
    return name;
  }

  /** Runs `rule` for `node` and records the value it returns as the node's. */
  lower(node: Node, rule: () => string): void {
    this.current = node;
    this.helpers = 0;
    let result = rule();
    // The last node emitted for this IR node gets the plain name `%id`.
    const last = this.nodes.at(-1);
    if (last && last.output[0] === result && result.startsWith(`%${node.id}.`)) {
      this.rename(result, `%${node.id}`);
      result = `%${node.id}`;
    }
    this.names.set(node, result);
    this.current = undefined;
  }

  /**
   * Emits one ONNX node and returns the name of its (single) output: `output`, else `%id.k` for
   * the k-th helper of the IR node being lowered.
   */
  op(
    opType: string,
    input: readonly string[],
    attrs: Readonly<Record<string, OnnxAttr>> = {},
    output = `%${this.current?.id}.${this.helpers++}`,
  ): string {
    const owner = this.current;
    const node: MutableNode = {
      name: output,
      opType,
      input: [...input],
      output: [output],
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    };
    if (owner?.span)
      node.docString = commentText(`${owner.op} at ${this.locate(owner.span)}`, "onnx");
    this.nodes.push(node);
    return output;
  }

  /**
   * Gives the node emitted last a further output (MaxPool's `Indices`) named after its first, and
   * returns that name.
   */
  extraOutput(suffix: string): string {
    const node = this.nodes.at(-1)!;
    const name = `${node.output[0]}:${suffix}`;
    node.output.push(name);
    return name;
  }

  /** A constant tensor, emitted once however often it is asked for. */
  constant(tensor: TensorMessage): string {
    const key = JSON.stringify([tensor.dataType, tensor.dims, tensor.int64Data, tensor.rawData]);
    const found = this.constants.get(key);
    if (found) return found;
    const name = `%c${this.constants.size}`;
    this.nodes.push({
      ...plainNode("Constant", [], name),
      attribute: [attribute("value", tensor)],
    });
    this.constants.set(key, name);
    return name;
  }

  /** A 0-d constant of `dtype`. */
  scalar(value: number, dtype: Dtype): string {
    return this.constant(scalarTensor(value, dtype));
  }

  /** A 1-d int64 constant (axes, starts, shapes). */
  ints(values: readonly number[]): string {
    return this.constant({
      dims: [values.length],
      dataType: onnxDataType.INT64,
      int64Data: values,
    });
  }

  /** A number attribute that must not depend on the batch. */
  fixedAttr(node: Node, key: string): number {
    const a = this.batch.attr(node, key);
    const one = Array.isArray(a) ? undefined : (a as BatchAffine);
    if (!one || one.k !== 0)
      throw new BatchStructureError(
        `\`${node.op}\`'s \`${key}\` depends on the batch size, which its ONNX lowering does not support`,
        node.span,
      );
    return one.c;
  }

  /**
   * An int64 shape tensor for `dims`: a constant when none depends on the batch; with `inferOne`
   * (Reshape) and one that does, the constant with -1 there; else computed from the batch size.
   */
  shape(dims: readonly BatchAffine[], { inferOne = false } = {}): string {
    const symbolic = dims.filter((d) => d.k !== 0).length;
    if (symbolic === 0 || (inferOne && symbolic === 1))
      return this.ints(dims.map((d) => (d.k === 0 ? d.c : -1)));
    const parts: string[] = [];
    let run: number[] = [];
    for (const d of dims) {
      if (d.k === 0) {
        run.push(d.c);
        continue;
      }
      if (run.length > 0) parts.push(this.ints(run));
      run = [];
      parts.push(this.batchInt64(d));
    }
    if (run.length > 0) parts.push(this.ints(run));
    return parts.length === 1 ? parts[0]! : this.op("Concat", parts, { axis: 0 });
  }

  /** `k * N + c` as an int64 tensor of shape [1]. */
  batchInt64(d: BatchAffine): string {
    if (d.k === 0) return this.ints([d.c]);
    wholeAffine(d, this.current);
    let v = this.batchSize();
    if (d.k !== 1) v = this.op("Mul", [v, this.ints([d.k])]);
    if (d.c !== 0) v = this.op("Add", [v, this.ints([d.c])]);
    return v;
  }

  /** `k * N + c` as a 0-d tensor of `dtype`. */
  batchScalar(d: BatchAffine, dtype: Dtype): string {
    if (d.k === 0) return this.scalar(d.c, dtype);
    if (dtype === "i32") wholeAffine(d, this.current);
    const n = this.op("Squeeze", [this.batchSize(), this.ints([0])]);
    let v = this.op("Cast", [n], { to: dataTypeOf[dtype] });
    if (d.k !== 1) v = this.op("Mul", [v, this.scalar(d.k, dtype)]);
    if (d.c !== 0) v = this.op("Add", [v, this.scalar(d.c, dtype)]);
    return v;
  }

  /**
   * The batch size at run time, int64 [1]: `Shape` of the first graph input along its batch axis,
   * emitted once.
   */
  batchSize(): string {
    if (this.batchSizeName) return this.batchSizeName;
    for (const input of this.batch.graph.inputs.values()) {
      const axis = this.batch.shape(input).findIndex((d) => d.k === 1 && d.c === 0);
      if (axis < 0) continue;
      const shape = plainNode("Shape", [this.value(input)], "%batch");
      shape.attribute = [attribute("start", axis), attribute("end", axis + 1)];
      this.nodes.push(shape);
      this.batchSizeName = "%batch";
      return this.batchSizeName;
    }
    throw new BatchStructureError(
      "the graph needs the batch size, but no model input it reads has the batch dimension",
      this.current?.span,
    );
  }

  /** Declares a graph input (an IR `input` leaf) and returns its name, the `.grove` one. */
  graphInput(node: Node & { op: "input" }): string {
    this.inputs.push(this.valueInfo(node.attrs.name, node));
    return node.attrs.name;
  }

  /** Declares a parameter or a state, written later as an initializer named like it (`l1.w`). */
  param(node: Node & { op: "param" | "state" }): string {
    this.params.push({ name: node.attrs.name, shape: node.shape });
    return node.attrs.name;
  }

  /** The type of a graph input or output: dtype and dimensions, the batch ones symbolic. */
  valueInfo(name: string, node: Node): ValueInfoMessage {
    const dim = this.batch.shape(node).map((d) => this.dimMessage(d));
    return {
      name,
      type: { tensorType: { elemType: dataTypeOf[node.dtype], shape: { dim } } },
    };
  }

  private dimMessage(d: BatchAffine): DimMessage {
    if (d.k === 0) return { dimValue: d.c };
    const n = d.k === 1 ? this.batchName : `${d.k}*${this.batchName}`;
    return { dimParam: d.c === 0 ? n : `${n}${d.c > 0 ? "+" : ""}${d.c}` };
  }

  /**
   * Gives the graph output `name` the value of `node`: renames the value when an ONNX node made it
   * and no other output took it, else adds an Identity.
   */
  output(name: string, node: Node): ValueInfoMessage {
    const value = this.value(node);
    const made = value.startsWith("%") && this.nodes.some((n) => n.output[0] === value);
    if (made && value !== "%batch") {
      this.rename(value, name);
      this.names.set(node, name);
    } else this.nodes.push(plainNode("Identity", [value], name));
    return this.valueInfo(name, node);
  }

  /** Renames a value everywhere it is made or read. */
  private rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input.map((v) => (v === from ? to : v));
      if (n.output[0] === from) {
        n.output = [to];
        n.name = to;
      }
    }
    for (const [k, v] of this.constants) if (v === from) this.constants.set(k, to);
    for (const [k, v] of this.names) if (v === from) this.names.set(k, to);
  }
}

function plainNode(opType: string, input: string[], output: string): MutableNode {
  return { name: output, opType, input, output: [output], attribute: [] };
}

/** A batch-dependent count must have whole coefficients. */
function wholeAffine(d: BatchAffine, node: Node | undefined): void {
  if (Number.isInteger(d.k) && Number.isInteger(d.c)) return;
  throw new BatchStructureError(
    `a count computed from the batch size is not a whole number (${d.k} * N + ${d.c})`,
    node?.span,
  );
}

function attribute(name: string, v: OnnxAttr): AttributeMessage {
  if (typeof v === "number") return { name, type: onnxAttributeType.INT, i: v };
  if (typeof v === "string")
    return { name, type: onnxAttributeType.STRING, s: new TextEncoder().encode(v) };
  if (isTensor(v)) return { name, type: onnxAttributeType.TENSOR, t: v };
  return { name, type: onnxAttributeType.INTS, ints: v };
}

const isTensor = (v: OnnxAttr): v is TensorMessage =>
  typeof v === "object" && v !== null && "dataType" in v;

/** A tensor of `dtype` holding `values` (row-major) with `dims`. */
export function denseTensor(
  values: ArrayLike<number>,
  dtype: Dtype,
  dims: readonly number[],
  name?: string,
): TensorMessage {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++)
    if (dtype === "f32") view.setFloat32(4 * i, values[i]!, true);
    else view.setInt32(4 * i, values[i]!, true);
  return { ...(name ? { name } : {}), dims, dataType: dataTypeOf[dtype], rawData: bytes };
}

export const scalarTensor = (value: number, dtype: Dtype) => denseTensor([value], dtype, []);
