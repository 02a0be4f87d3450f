/**
 * @file The kernel body writer: emits WGSL statements with indentation, names each computed
 * value once (`let v7 = ...`) and remembers it by (node, index) so a value used twice inside a
 * kernel is computed once. Index expressions are strings of WGSL i32 arithmetic.
 */
import type { Node } from "../../ir/node.js";

export type Index = readonly string[];

export class Writer {
  private readonly lines: string[] = [];
  private depth = 1;
  private counter = 0;
  private readonly memo = new Map<string, string>();

  line(text: string): void {
    this.lines.push("  ".repeat(this.depth) + text);
  }

  /** Writes `open {`, the body one level deeper, then `}`. */
  block(open: string, body: () => void): void {
    this.line(`${open} {`);
    this.depth++;
    body();
    this.depth--;
    this.line("}");
  }

  fresh(prefix = "v"): string {
    return `${prefix}${this.counter++}`;
  }

  /** Binds an expression to a new `let` and returns its name. */
  bind(expr: string, prefix = "v"): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^-?[0-9.e+-]+[fi]?$/.test(expr)) return expr;
    const name = this.fresh(prefix);
    this.line(`let ${name} = ${expr};`);
    return name;
  }

  recall(node: Node, idx: Index): string | undefined {
    return this.memo.get(memoKey(node, idx));
  }

  remember(node: Node, idx: Index, name: string): void {
    this.memo.set(memoKey(node, idx), name);
  }

  /** Runs `fn` with a memo that forgets what was computed inside (for loop bodies). */
  scoped<T>(fn: () => T): T {
    const saved = new Map(this.memo);
    try {
      return fn();
    } finally {
      this.memo.clear();
      for (const [k, v] of saved) this.memo.set(k, v);
    }
  }

  text(): string {
    return this.lines.join("\n");
  }
}

function memoKey(node: Node, idx: Index): string {
  return `${node.id}@${idx.join(",")}`;
}

/** Strides of a row-major shape. */
export function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/** The index into an operand of shape `inShape` broadcast to `outShape`. */
export function broadcastIndex(
  idx: Index,
  outShape: readonly number[],
  inShape: readonly number[],
): string[] {
  const lead = outShape.length - inShape.length;
  return inShape.map((d, k) => (d === 1 ? "0" : idx[k + lead]!));
}

/** The flat offset of a multi-index, dropping terms that are known to be zero. */
export function flatten(idx: Index, shape: readonly number[], offset = 0): string {
  const st = strides(shape);
  const terms: string[] = [];
  idx.forEach((e, k) => {
    if (e === "0" || shape[k] === 1) return;
    terms.push(st[k] === 1 ? paren(e) : `${paren(e)} * ${st[k]}`);
  });
  if (offset !== 0) terms.push(String(offset));
  return terms.length === 0 ? "0" : terms.join(" + ");
}

/** The multi-index of a flat offset into `shape`. */
export function unflatten(flat: string, shape: readonly number[]): string[] {
  const st = strides(shape);
  return shape.map((d, k) => {
    if (d === 1) return "0";
    const q = st[k] === 1 ? flat : `(${flat} / ${st[k]})`;
    return k === 0 ? q : `(${q} % ${d})`;
  });
}

export function paren(e: string): string {
  return /^[A-Za-z0-9_.]+$/.test(e) || /^\(.*\)$/.test(e) ? e : `(${e})`;
}

/**
 * A WGSL f32 literal for any double. NaN, infinities and subnormals cannot be WGSL constants, so
 * they go through `g_bits` (a helper function, hence not constant-folded) from their bit pattern.
 */
export function f32Literal(v: number): string {
  if (Number.isNaN(v)) return "g_bits(0x7fc00000u)";
  const f = Math.fround(v);
  if (f === Infinity) return "g_bits(0x7f800000u)";
  if (f === -Infinity) return "g_bits(0xff800000u)";
  if (f !== 0 && Math.abs(f) < 1.1754943508222875e-38) return `g_bits(${floatBits(f)}u)`;
  let s = String(f);
  if (!/[.e]/.test(s)) s += ".0";
  return s.startsWith("-") ? `(${s})` : s;
}

export function i32Literal(v: number): string {
  const n = v | 0;
  return n < 0 ? `(${n})` : `${n}`;
}

function floatBits(f: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f);
  return b.getUint32(0);
}
