/**
 * @file The vectorised elementwise template: four consecutive output elements per invocation as
 * `vec4<f32>`.
 */
import { type Node, sizeOf } from "../../ir/node.js";
import type { KernelGroup } from "../fuse.js";
import { workgroupSize } from "../tiles.js";
import type { Emitter } from "../wgsl/rules.js";
import { operandKind, vectorMode, vectorRules, type VectorMode } from "../wgsl/vector.js";
import { broadcastIndex, flatten, unflatten, type Index, type Writer } from "../wgsl/writer.js";
import type { Layout, Load, Store } from "./layout.js";

/**
 * The vectorised elementwise template, for a group with no loop node whose values all fit
 * `vectorMode`: each invocation computes four consecutive output elements with `vec4<f32>` math.
 * A stored operand at a vector position is read as four scalar loads (the arenas stay
 * `array<f32>`, shared with every other part of the dispatch; offsets are multiples of 4
 * elements); an operand that is one value for all four (a splat) is computed once by the scalar
 * rules. The result is stored as four scalar stores.
 */
export function vectorLayout(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  load: Load,
  store: Store,
): Layout | undefined {
  const out = group.output;
  if (group.main) return undefined;
  const inGroup = new Set(group.nodes);
  const mode = vectorMode(out, inGroup);
  if (!mode) return undefined;
  const total = sizeOf(out.shape);
  const invocations = total / 4;
  w.line(`if (t >= ${invocations}) { return; }`);
  w.line("let f = t * 4;");
  // inner: the multi-index of the first of the four elements; flat: the flat index itself.
  const idx = mode === "inner" ? unflatten("f", out.shape).map((v) => w.bind(v, "i")) : ["f"];
  const value = vectorValue(w, e, mode, out.shape, load);
  const v = value(out, idx);
  ["x", "y", "z", "w"].forEach((c, j) => store(j === 0 ? "f" : `f + ${j}`, `${v}.${c}`));
  return {
    invocations,
    split: `4 consecutive elements per invocation as vec4<f32> (${mode === "inner" ? "along the last axis" : "at the same flat index"}; 4 scalar loads per stored operand): ${invocations} invocations in workgroups of ${workgroupSize}`,
  };
}

/**
 * The vec4 value of a node at a vector position: `idx` is its own multi-index of the first of
 * the four elements (inner mode) or the flat index (flat mode, where every vector-position node
 * has the output's shape).
 */
function vectorValue(
  w: Writer,
  e: Emitter,
  mode: VectorMode,
  outShape: readonly number[],
  load: Load,
): (node: Node, idx: Index) => string {
  const value = (node: Node, idx: Index): string => {
    const key = ["vec4", ...idx];
    const hit = w.recall(node, key);
    if (hit !== undefined) return hit;
    const first = mode === "inner" ? flatten(idx, node.shape) : "f";
    const lane = (j: number) => (o: number) => (o + j ? `${first} + ${o + j}` : first);
    let expr: string;
    if (load(node, lane(0))) {
      expr = `vec4<f32>(${[0, 1, 2, 3].map((j) => load(node, lane(j))).join(", ")})`;
    } else {
      const operands = node.inputs.map((input) => {
        const at = mode === "inner" ? broadcastIndex(idx, node.shape, input.shape) : idx;
        if (operandKind(mode, outShape, input) === "vector") return value(input, at);
        const scalar = e.value(input, mode === "inner" ? at : input.shape.map(() => "0"));
        return w.bind(`vec4<f32>(${scalar})`, "s");
      });
      expr = vectorRules[node.op]!(e, operands);
    }
    const name = w.bind(expr, "u");
    w.remember(node, key, name);
    return name;
  };
  return value;
}
