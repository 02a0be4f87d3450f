/**
 * @file Kernels that differ only in numbers inside their arena indices (`a_temps[t + 46208]`) get
 * one code. Such kernels are the copies of one step of an unrolled `scan` (or of a `repeat`d
 * block): the same computation on tensors at other offsets. The numbers that differ are read
 * from a small uniform array `c_`, one buffer per kernel holding its own numbers, so the kernels'
 * WGSL is the same apart from header comments, and the driver compiles it once (the runtime's
 * pipeline cache ignores comments). Each kernel keeps its name, header and dispatches.
 */
import type { Plan, PlanBuffer, PlanDispatch, PlanKernel } from "./plan.js";

/** A kernel's WGSL without its comment lines: what kernels that share code have in common. */
export function kernelCode(kernel: PlanKernel): string {
  return kernel.wgsl
    .split("\n")
    .filter((l) => !l.startsWith("//"))
    .join("\n");
}

/** Numbers per kernel read from `c_`; more would not fit the 256-byte scratch buffer of warm-up. */
const maxShared = 64;

/** A kernel's code split at the integer literals inside arena indices. */
interface Split {
  readonly kernel: PlanKernel;
  readonly header: readonly string[];
  /** The code between the literals: one more part than `numbers`. */
  readonly parts: readonly string[];
  readonly numbers: readonly string[];
}

/** Plain decimal integers: not part of a name (`i0`), a float (`1.5`, `1e5`) or suffixed (`3u`). */
const integer = /(?<![\w.])\d+(?![\w.])/g;

/** Splits a kernel's WGSL into header comments, and code split at its arena-index integers. */
function split(kernel: PlanKernel): Split {
  const lines = kernel.wgsl.split("\n");
  const header = lines.filter((l) => l.startsWith("//"));
  const code = lines.filter((l) => !l.startsWith("//")).join("\n");
  const parts: string[] = [];
  const numbers: string[] = [];
  let from = 0;
  for (const [start, end] of indexRanges(code))
    for (const m of code.slice(start, end).matchAll(integer)) {
      const at = start + m.index;
      parts.push(code.slice(from, at));
      numbers.push(m[0]);
      from = at + m[0].length;
    }
  parts.push(code.slice(from));
  return { kernel, header, parts, numbers };
}

/** Where the indices of arena accesses are: between `a_name[` and its `]`, outermost only. */
function indexRanges(code: string): [number, number][] {
  const ranges: [number, number][] = [];
  const access = /\ba_\w+\[/g;
  for (let m = access.exec(code); m; m = access.exec(code)) {
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    for (; i < code.length && depth > 0; i++)
      if (code[i] === "[") depth++;
      else if (code[i] === "]") depth--;
    ranges.push([start, i - 1]);
    access.lastIndex = i;
  }
  return ranges;
}

/** What makes two kernels share code: everything but the arena-index integers. */
function shapeKey(s: Split): string {
  const k = s.kernel;
  return `${k.bindings.join(",")}|${k.workgroupSize.join(",")}|${s.parts.join("#")}`;
}

/**
 * The plan with each group of kernels that differ only in arena-index integers rewritten to
 * share one code, reading the integers that differ from a uniform buffer of their own.
 */
export function shareKernels(plan: Plan): Plan {
  const groups = new Map<string, Split[]>();
  for (const k of plan.kernels) {
    const s = split(k);
    if (s.numbers.length === 0) continue;
    const key = shapeKey(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const kernels = new Map(plan.kernels.map((k) => [k.id, k]));
  const buffers: PlanBuffer[] = [...plan.buffers];
  const extra = new Map<number, number>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const first = group[0]!;
    const varying = first.numbers.flatMap((n, i) =>
      group.some((s) => s.numbers[i] !== n) ? [i] : [],
    );
    if (varying.length === 0 || varying.length > maxShared) continue;
    for (const s of group) {
      const id = buffers.length;
      const values = varying.map((i) => Number(s.numbers[i]!));
      buffers.push(constantBuffer(id, s.kernel, values));
      kernels.set(s.kernel.id, rewrite(s, varying, values, group.length));
      extra.set(s.kernel.id, id);
    }
  }
  if (extra.size === 0) return plan;
  const bind = (ds: readonly PlanDispatch[]) =>
    ds.map((d) => {
      const id = extra.get(d.kernel);
      return id === undefined ? d : { ...d, buffers: [...d.buffers, id] };
    });
  const programs = Object.fromEntries(
    Object.entries(plan.programs).map(([name, p]) => [
      name,
      {
        ...p,
        dispatches: bind(p.dispatches),
        ...(p.quick ? { quick: bind(p.quick) } : {}),
      },
    ]),
  );
  const added = buffers.slice(plan.buffers.length).reduce((s, b) => s + b.bytes, 0);
  return {
    ...plan,
    buffers,
    kernels: plan.kernels.map((k) => kernels.get(k.id)!),
    programs,
    peakBytes: plan.peakBytes + added,
  };
}

function constantBuffer(id: number, kernel: PlanKernel, values: readonly number[]): PlanBuffer {
  const padded = [...values, ...new Array<number>((4 - (values.length % 4)) % 4).fill(0)];
  return {
    id,
    name: `const:${kernel.name}`,
    kind: "uniform",
    bytes: 4 * padded.length,
    dtype: "i32",
    values: padded,
  };
}

/** The kernel with the varying integers read from `c_` (bound last), and a header line saying so. */
function rewrite(
  s: Split,
  varying: readonly number[],
  values: readonly number[],
  sharers: number,
): PlanKernel {
  const slot = new Map(varying.map((i, j) => [i, j]));
  let code = s.parts[0]!;
  s.numbers.forEach((n, i) => {
    const j = slot.get(i);
    code += (j === undefined ? n : `c_[${j >> 2}].${"xyzw"[j & 3]}`) + s.parts[i + 1]!;
  });
  const binding = s.kernel.bindings.length;
  const declaration = `@group(0) @binding(${binding}) var<uniform> c_: array<vec4<i32>, ${Math.ceil(varying.length / 4)}>;`;
  const lines = code.split("\n");
  const last = lines.findLastIndex((l) => l.startsWith("@group(0) @binding("));
  lines.splice(last + 1, 0, declaration);
  const note = `// the same code as ${sharers - 1} other kernel${sharers === 2 ? "" : "s"}: c_ (binding ${binding}) holds its offsets ${values.join(", ")}`;
  return {
    ...s.kernel,
    wgsl: [...s.header, note, ...lines].join("\n"),
    bindings: [...s.kernel.bindings, "uniform"],
  };
}
