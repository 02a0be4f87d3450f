/**
 * @file The fit between a train section's data fields and its model's inputs: the data's known
 * sizes preset the input dimension names (`presetDims`), each input must be a field of the
 * right dtype and size per example (`fitInputs`: G0606, G0607), and the fields no input takes are
 * inputs of their own for the loss and metrics (`fieldScope`).
 */
import type { DataField } from "../../ops/data-sources.js";
import type * as A from "../ast.js";
import { dimConst, dimProduct, dimSym, dimToString, dimValue, type Dim } from "./dims.js";
import type { Evaluator } from "./evaluate.js";
import { formatType } from "./shapes.js";
import { didYouMean } from "./suggest.js";
import { Scope, type CallSpec, type Tensor } from "./values.js";

/** Names in model input shapes take the sizes of the data fields they are fed from. */
export function presetDims(
  model: A.ModelDecl,
  fields: readonly DataField[],
): (name: string) => Dim | undefined {
  const known = new Map<string, Dim>();
  for (const m of model.members) {
    if (m.kind !== "input") continue;
    const fld = fields.find((x) => x.name === m.name.name);
    if (!fld || m.type.dims.length !== fld.dims.length + 1) continue;
    m.type.dims.slice(1).forEach((d, i) => {
      const size = fld.dims[i];
      if (d.kind === "dim-name" && size !== undefined && !known.has(d.name))
        known.set(d.name, dimConst(size));
    });
  }
  return (name) => known.get(name);
}

/** Each model input is a data field of its dtype and size per example; false after an error. */
export function fitInputs(
  ev: Evaluator,
  model: A.ModelDecl,
  fields: readonly DataField[],
  inputs: ReadonlyMap<string, Tensor>,
  data: CallSpec,
): boolean {
  let ok = true;
  for (const m of model.members) {
    if (m.kind !== "input") continue;
    const fld = fields.find((x) => x.name === m.name.name);
    const t = inputs.get(m.name.name);
    if (!fld) {
      const help = didYouMean(
        m.name.name,
        fields.map((x) => x.name),
      );
      ev.report({
        code: "G0606",
        message: `model input \`${m.name.name}\` is not provided by \`${data.name}\``,
        span: m.name.span,
        label: "no data field has this name",
        secondary: [
          {
            span: data.span,
            message: `provides ${fields.map((x) => `\`${x.name}\``).join(", ")}`,
          },
        ],
        help: help ?? "rename the input to one of the data fields",
      });
      ok = false;
      continue;
    }
    if (!t) continue;
    const fieldType = `${fld.dtype === "f32" ? "" : fld.dtype}[N${fld.dims.map((d) => `, ${d ?? "*"}`).join("")}]`;
    const perExample = dimProduct(t.shape.slice(1));
    const known = fld.dims.every((d) => d !== undefined);
    const fieldCount = fld.dims.reduce<number>((p, d) => p * (d ?? 1), 1);
    const count = dimValue(perExample);
    const sizeOk = !known || (count !== undefined && count === fieldCount);
    if (fld.dtype !== t.dtype || !sizeOk) {
      ev.report({
        code: "G0607",
        message: `data field \`${fld.name}\` is ${fieldType}, which does not fit model input ${formatType(t.dtype, t.shape)}`,
        span: m.type.span,
        label:
          fld.dtype !== t.dtype
            ? `the data is ${fld.dtype}`
            : `${dimToString(perExample)} values per example, but the data has ${fieldCount}`,
        secondary: [
          {
            span: data.span,
            message: `provides \`${fld.name}\` as ${fieldType}`,
          },
        ],
      });
      ok = false;
    }
  }
  return ok;
}

/**
 * The data fields by name, over `globals`: a field a model input takes is that input; any other
 * is an input of its own (recorded in `ev.inputs`) with the batch dimension of the model's first
 * input and the field's sizes, unknown ones named after the field (`label1`, ...).
 */
export function fieldScope(
  ev: Evaluator,
  globals: Scope,
  fields: readonly DataField[],
  inputs: ReadonlyMap<string, Tensor>,
  data: CallSpec,
): Scope {
  const scope = new Scope(globals);
  const batchDim = [...inputs.values()][0]?.shape[0] ?? dimSym("N");
  for (const fld of fields) {
    const input = inputs.get(fld.name);
    if (input) {
      scope.set(fld.name, { kind: "tensor", t: input });
      continue;
    }
    const shape = [
      batchDim,
      ...fld.dims.map((d, i) => (d === undefined ? dimSym(`${fld.name}${i + 1}`) : dimConst(d))),
    ];
    const origins = shape.map(() => data.span);
    const inode = ev.emit("input", [], { name: fld.name }, fld.dtype, shape, origins, data.span);
    scope.set(fld.name, inode);
    if (inode.kind === "tensor")
      ev.inputs.push({
        name: fld.name,
        node: inode.t.node,
        dtype: fld.dtype,
        shape,
        span: data.span,
      });
  }
  return scope;
}
