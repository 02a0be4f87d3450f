/**
 * @file `update name = value`: checking and recording a state's value after a training step. The
 * value must be an f32 tensor of the state's shape (G0417), and a state takes one value per step
 * (G0418, reported at the second call of a layer that updates its state). The structural checks
 * (`resolve.ts`) already reported an `update` of something that is not a state (G0416) or one
 * outside a forward body or a model (G0419).
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { AssertCtx } from "./asserts.js";
import { dimConst, dimEq } from "./dims.js";
import { formatType } from "./shapes.js";
import { describeKind, type ParamInfo, type Scope, type UpdateInfo } from "./values.js";

/** An update as the evaluator records it: also the user's call that ran it. */
export type RecordedUpdate = UpdateInfo & { readonly site: Span };

/** What recording an update needs of the evaluator (an interface, so no import cycle). */
export interface UpdateCtx extends AssertCtx {
  readonly states: readonly ParamInfo[];
  readonly updates: RecordedUpdate[];
  /** G0418 reported for these calls (`path@file:offset`). */
  readonly twiceReported: Set<string>;
}

/**
 * `update name = value` in the instance (or model) at `path`: records the state's value
 * after a training step. The value must be an f32 tensor of the state's shape (G0417), and a
 * state may be updated once per step (G0418: two updates, or an instance called twice).
 * `update` elsewhere was reported by the structural checks (G0416, G0419).
 */
export function evalUpdate(ev: UpdateCtx, u: A.UpdateDecl, scope: Scope, path: string): void {
  const name = path ? `${path}.${u.name.name}` : u.name.name;
  const state = ev.states.find((s) => s.name === name);
  const value = ev.evalExpr(u.value, scope);
  if (!state || value.kind === "poison") return;
  const site = ev.callerSpan(u.span.file) ?? u.span;
  const first = ev.updates.find((x) => x.name === name);
  if (first) {
    // Once per call: a layer called twice would otherwise report each of its states.
    const key = `${path}@${site.file}:${site.start}`;
    if (ev.twiceReported.has(key)) return;
    ev.twiceReported.add(key);
    // Two calls (`bn(bn(x))`): point at the calls; one call with two updates: at the updates.
    const again = first.site !== site;
    ev.report({
      code: "G0418",
      message: `state \`${name}\` is updated twice in one training step`,
      span: again ? site : u.span,
      label: again ? `\`${path || name}\` updates its state again here` : "second update",
      secondary: [
        again
          ? { span: first.site, message: "first updated here" }
          : { span: first.span, message: "first update" },
      ],
      notes: [
        "a state takes one new value per step: write one `update` for it, and call a layer that updates state once per step (a second call, or a shared instance, would update it again)",
      ],
      ...(again ? { help: "give each use its own instance, e.g. `bn2 = ...`" } : {}),
    });
    return;
  }
  const stateType = formatType(
    "f32",
    state.shape.map((n) => dimConst(n)),
  );
  const t = value.kind === "tensor" ? value.t : undefined;
  const same =
    t &&
    t.dtype === "f32" &&
    t.shape.length === state.shape.length &&
    t.shape.every((d, i) => dimEq(d, dimConst(state.shape[i]!)));
  if (!t || !same) {
    const got = t ? formatType(t.dtype, t.shape) : describeKind(value);
    ev.report({
      code: "G0417",
      message: `\`update ${u.name.name}\` gives ${got}, but the state is ${stateType}`,
      span: u.value.span,
      label: `this is ${got}`,
      secondary: [{ span: state.span, message: `declared ${stateType}` }],
      help: t
        ? `the new value must have the state's shape exactly: reduce it (\`mean(x, 0)\`) or \`broadcast(value, [...])\` it`
        : "give the state a tensor of its shape",
    });
    return;
  }
  ev.updates.push({ name, node: t.node, span: u.span, site });
}
