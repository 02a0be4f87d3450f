/**
 * @file Declarations that make leaf tensors: a parameter or a state (`w: [n, m] ~ init`, f32, a
 * known positive shape, an initializer) and a model input (whose unknown dimension names become
 * symbols shared by all inputs). Each records a trace node and its entry in the graph's lists.
 */
import type { DiagnosticInit, Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { Ctx } from "./builtins/index.js";
import { dimConst, dimSym, dimToString, dimValue, type Dim } from "./dims.js";
import { initializerRules, type InitContext } from "./initializers.js";
import { originLabels } from "./shapes.js";
import type { Reporter } from "./sink.js";
import { dtypeOf, evalDim } from "./type-match.js";
import { poison, type InputInfo, type ParamInfo, type Scope, type Value } from "./values.js";

/** What declaring needs of the evaluator (an interface, so no import cycle). */
export interface DeclareCtx extends Reporter, InitContext, Pick<Ctx, "emit"> {
  report(init: DiagnosticInit): Value;
  readonly params: ParamInfo[];
  readonly states: ParamInfo[];
  readonly inputs: InputInfo[];
}

/**
 * A parameter or a state: f32, a known positive shape, an initializer (the same rules for both;
 * without `~`, a parameter of rank 2 or more is glorot_uniform, anything else zeros).
 */
export function declarePersistent(
  c: DeclareCtx,
  p: A.ParamDecl | A.StateDecl,
  scope: Scope,
  prefix: string,
): Value {
  const name = prefix ? `${prefix}.${p.name.name}` : p.name.name;
  const what = p.kind === "param" ? "parameter" : "state";
  if (p.type.dtype && dtypeOf(c, p.type.dtype) === "i32") {
    return c.report({
      code: "G0206",
      message: `${what === "state" ? "states" : "parameters"} must be f32`,
      span: p.type.dtype.span,
      label: what === "state" ? "states are always f32" : "trainable parameters are always f32",
    });
  }
  const shape: number[] = [];
  const origins: Span[] = [];
  for (const d of p.type.dims) {
    const v = evalDim(c, d, scope);
    if (!v) return poison;
    const n = dimValue(v.dim);
    if (n === undefined || n <= 0) {
      return c.report({
        code: n === undefined ? "G0411" : "G0412",
        message:
          n === undefined
            ? `${what} \`${name}\` needs a known size, but this dimension is ${dimToString(v.dim)}`
            : `${what} \`${name}\` has a dimension of ${n}`,
        span: d.span,
        label: n === undefined ? "depends on the data" : "dimensions must be positive",
        secondary: originLabels([{ origin: v.origin, dim: v.dim }], [d.span]),
      });
    }
    shape.push(n);
    origins.push(v.origin);
  }
  const init = initializerRules.resolve(c, p, scope, shape);
  if (!init) return poison;
  const dims = shape.map((n) => dimConst(n));
  const v = c.emit(p.kind, [], { name }, "f32", dims, origins, p.span);
  if (v.kind !== "tensor") return v;
  (p.kind === "param" ? c.params : c.states).push({
    name,
    node: v.t.node,
    shape,
    init,
    span: p.span,
  });
  return v;
}

/** A model input: unknown names in its shape become symbols shared by all inputs. */
export function declareInput(
  c: DeclareCtx,
  decl: A.InputDecl,
  scope: Scope,
  preset: (name: string) => Dim | undefined,
): Value {
  const dtype = dtypeOf(c, decl.type.dtype);
  if (!dtype) return poison;
  const shape: Dim[] = [];
  const origins: Span[] = [];
  for (const d of decl.type.dims) {
    const v = evalDim(c, d, scope, (name, span) => {
      const value: Value = {
        kind: "int",
        dim: preset(name) ?? dimSym(name),
        origin: span,
      };
      scope.set(name, value);
      return value;
    });
    if (!v) return poison;
    shape.push(v.dim);
    origins.push(v.origin);
  }
  const v = c.emit("input", [], { name: decl.name.name }, dtype, shape, origins, decl.span);
  if (v.kind !== "tensor") return v;
  c.inputs.push({
    name: decl.name.name,
    node: v.t.node,
    dtype,
    shape,
    span: decl.span,
  });
  return v;
}
