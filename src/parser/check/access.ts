/**
 * @file Several results and member access: `(mu, logvar) = encoder(x)` binds one name per
 * result of a tuple (or list), and `l1.w`, `blocks.0.attn.q.w` name an instance's parameters,
 * sub-layers and other members, or one copy of a stack, from outside.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { Reporter } from "./sink.js";
import { didYouMean } from "./suggest.js";
import { describeKind, poison, type Instance, type Stack, type Value } from "./values.js";

/** `object.name`, with `object` already evaluated. */
export function evalMember(ev: Reporter, e: A.MemberExpr, object: Value): Value {
  switch (object.kind) {
    case "poison":
      return poison;
    case "instance":
      return instanceMember(ev, object.inst, e.member);
    case "stack":
      return stackCopy(ev, object.stack, e.member);
    default:
      return ev.report({
        code: "G0204",
        message: `${describeKind(object)} has no members`,
        span: e.member.span,
        label: `\`.${e.member.name}\` needs a layer on its left`,
        secondary: [{ span: e.object.span, message: `this is ${describeKind(object)}` }],
        notes: [
          "`.` names a layer's parameters and members (`l1.w`) or a copy of a stack (`blocks.0`)",
        ],
      });
  }
}

/** A member of an instance: an argument, parameter, sub-layer or other value of its block. */
function instanceMember(ev: Reporter, inst: Instance, member: A.Ident): Value {
  const v = inst.scope.has(member.name) ? inst.scope.get(member.name) : undefined;
  if (v) return v;
  const names = inst.scope.ownNames();
  const help = ev.reporting(member.span) ? didYouMean(member.name, names) : undefined;
  return ev.report({
    code: "G0201",
    message: `\`${inst.path}\` (${inst.decl.name.name}) has no member \`${member.name}\``,
    span: member.span,
    label: "no such member",
    notes: [`members of \`${inst.path}\`: ${names.join(", ") || "none"}`],
    ...(help ? { help } : {}),
  });
}

/** `blocks.K`: the copy with index K, written as digits without leading zeros. */
function stackCopy(ev: Reporter, stack: Stack, member: A.Ident): Value {
  const n = stack.copies.length;
  const copies = `\`${stack.path}.0\` to \`${stack.path}.${n - 1}\``;
  const index = /^(0|[1-9]\d*)$/.test(member.name) ? Number(member.name) : undefined;
  if (index === undefined)
    return ev.report({
      code: "G0201",
      message: `the stack \`${stack.path}\` has no member \`${member.name}\``,
      span: member.span,
      label: "a copy's number is expected here",
      notes: [`the members of a stack are its copies, ${copies}`],
    });
  const copy = stack.copies[index];
  if (copy) return { kind: "instance", inst: copy };
  return ev.report({
    code: "G0407",
    message: `\`${stack.path}\` has no copy ${member.name}: it has ${n}, ${copies}`,
    span: member.span,
    label: "out of range",
    secondary: [{ span: stack.span, message: `${n} copies made here` }],
  });
}

/**
 * The values `(a, b, ...) = value` binds, one per name: the items of a tuple or list of exactly
 * that length, or poison for every name after a report.
 */
export function destructure(ev: Reporter, d: A.Destructure, value: Value): Value[] {
  const none = d.names.map(() => poison);
  if (value.kind === "poison") return none;
  const n = d.names.length;
  if (value.kind === "list" && value.items.length === n) return [...value.items];
  const got =
    value.kind === "list"
      ? `${value.items.length} result${value.items.length === 1 ? "" : "s"}`
      : describeKind(value);
  ev.report({
    code: "G0415",
    message: `${n} names need ${n} results, but this gives ${got}`,
    span: d.value.span,
    label: `gives ${got}`,
    secondary: [{ span: namesSpan(d), message: `${n} names` }],
    ...(value.kind === "list"
      ? {}
      : { help: "a function or forward gives several results as a tuple: `(a, b)`" }),
  });
  return none;
}

function namesSpan(d: A.Destructure): Span {
  const first = d.names[0]!.span;
  const last = d.names[d.names.length - 1]!.span;
  return { file: first.file, start: first.start, end: last.end };
}
