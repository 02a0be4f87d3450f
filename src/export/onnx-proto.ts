/**
 * @file The ONNX file format through protobufjs: the subset of onnx.proto that Grove writes
 * (`onnx.proto` beside this module, parsed once at run time) and plain TypeScript shapes of its
 * messages, so the exporter builds ordinary objects and protobufjs does all the encoding.
 */
import { InternalError } from "../diag/diagnostic.js";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** TensorProto.DataType values Grove writes. */
export const onnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type OnnxDataType = (typeof onnxDataType)[keyof typeof onnxDataType];

/** AttributeProto.AttributeType values Grove writes. */
export const onnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 } as const;

export interface TensorMessage {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly dataType: OnnxDataType;
  /** Little-endian element bytes (FLOAT, INT32, BOOL). */
  readonly rawData?: Uint8Array;
  /** INT64 elements. */
  readonly int64Data?: readonly number[];
}

export interface AttributeMessage {
  readonly name: string;
  readonly type: (typeof onnxAttributeType)[keyof typeof onnxAttributeType];
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly t?: TensorMessage;
  readonly ints?: readonly number[];
}

export interface NodeMessage {
  readonly name: string;
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly AttributeMessage[];
  readonly docString?: string;
}

/** A dimension: a number, or a symbol such as `N`. */
export type DimMessage = { readonly dimValue: number } | { readonly dimParam: string };

export interface ValueInfoMessage {
  readonly name: string;
  readonly type: {
    readonly tensorType: { readonly elemType: OnnxDataType; readonly shape: { dim: DimMessage[] } };
  };
}

export interface GraphMessage {
  readonly name: string;
  readonly node: readonly NodeMessage[];
  readonly initializer: readonly TensorMessage[];
  readonly input: readonly ValueInfoMessage[];
  readonly output: readonly ValueInfoMessage[];
  readonly docString?: string;
}

export interface ModelMessage {
  readonly irVersion: number;
  readonly opsetImport: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString?: string;
  readonly graph: GraphMessage;
}

/** Where the schema is: beside the source module, which `dist/export/` reaches as well. */
const schemaPath = fileURLToPath(new URL("../../src/export/onnx.proto", import.meta.url));

let modelType: protobuf.Type | undefined;

/** ModelProto from the schema, parsed on first use. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.loadSync(schemaPath).lookupType("onnx.ModelProto");
  return modelType;
}

/** The bytes of an `.onnx` file holding `model`; the schema checks every field's type. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new InternalError(`bad ONNX model message: ${problem}`);
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Reads an `.onnx` file back into plain objects (for tests and tools). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
