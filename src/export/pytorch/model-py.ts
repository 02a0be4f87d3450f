/**
 * @file `model.py`: the model as PyTorch modules, from the checker's trace (symbolic shapes, one
 * node per primitive, each node's instance path). Every instance becomes a module at its path, so
 * `state_dict()` names are the `.grove` parameter names (`blocks.0.ff.up.w`); instances whose
 * modules read alike share one class, named after their Grove block (`Dense`, `Dense2` when a
 * second kind of `Dense` differs). Each call's nodes become its `forward`, values read once are
 * written inline, each statement ends with its `.grove` location, and dimensions stay symbolic
 * (`N = x.shape[0]`), so any batch runs. The loss and metrics are `objective`, which reads the
 * model's outputs, the batch and (an L2 term) the model's own parameters.
 */
import { InternalError, type Span, UserError } from "../../diag/diagnostic.js";
import { commentText } from "../../diag/escape.js";
import type { Dim } from "../../parser/check/dims.js";
import type { Binding, BlockDecl, ModelDecl } from "../../parser/ast.js";
import type { ElaboratedTrain, TraceNode } from "../../parser/check/values.js";
import { callTree, isCall, isFree, nodesOf, within, type Call } from "./calls.js";
import { isPyIdentifier, pyDim, pyName, pyString } from "./python-text.js";
import { torchRules, type Expr, type RuleContext } from "./torch-rules.js";

/**
 * A model the PyTorch export cannot write: G0804 for a primitive without a PyTorch lowering,
 * G0805 for the other refusals; `span` is where in the `.grove` source (`grove export` shows it
 * as a diagnostic).
 */
export class PytorchExportError extends UserError {
  constructor(
    readonly code: "G0804" | "G0805",
    message: string,
    readonly span?: Span,
    readonly help?: string,
  ) {
    super(message);
    this.name = "PytorchExportError";
  }
}

export interface ModelPyOptions {
  /** A span as `file:line:col`. */
  readonly locate: (span: Span) => string;
  /** The block declarations of the sources, to name classes after their blocks. */
  readonly blocks: readonly BlockDecl[];
  /** The model's declaration: which block each of its members instantiates. */
  readonly model?: ModelDecl;
}

/** What train.py needs to know of model.py. */
export interface ModelPy {
  readonly text: string;
  /** The model class's name. */
  readonly className: string;
  /** Model inputs, in `forward`'s order. */
  readonly inputs: readonly string[];
  readonly metrics: readonly string[];
}

const isObjective = (name: string) => name === "loss" || name.startsWith("metric:");

/** The nodes that `ids` read, transitively, in id order. */
function cone(nodes: readonly TraceNode[], ids: Iterable<number>): TraceNode[] {
  const keep = new Set<number>(ids);
  for (let i = nodes.length - 1; i >= 0; i--)
    if (keep.has(nodes[i]!.id)) for (const j of nodes[i]!.inputs) keep.add(j);
  return nodes.filter((n) => keep.has(n.id));
}

/**
 * Model state (`state` members and their `update`s, batch norm's running statistics) is not
 * written yet (it would be a registered buffer updated in training mode): refused, naming the
 * first state, rather than exported without its updates.
 */
function refuseState(state: { readonly name: string; readonly span: Span } | undefined): void {
  if (!state) return;
  throw new PytorchExportError(
    "G0804",
    `model state (\`${state.name}\`) has no PyTorch lowering yet, so this model cannot be exported to PyTorch`,
    state.span,
    "export it to ONNX (`--target onnx`) or as a training program (`--target node`), which keep state",
  );
}

/** Refuses the first node without a PyTorch lowering, naming it and where it is. */
function checkLowerable(nodes: readonly TraceNode[]): void {
  for (const n of nodes)
    if (n.op !== "input" && n.op !== "param" && !torchRules[n.op])
      throw new PytorchExportError(
        "G0804",
        `the primitive \`${n.op}\` has no PyTorch lowering, so this model cannot be exported to PyTorch`,
        n.span,
      );
}

/** The symbols of dimensions in a node's attributes (shapes, lengths, values). */
function symbolsOf(n: TraceNode): string[] {
  const out: string[] = [];
  const add = (d: unknown) => {
    if (typeof d === "object" && d !== null && "terms" in d)
      for (const t of (d as Dim).terms) out.push(...t.symbols);
  };
  for (const v of Object.values(n.attrs)) (Array.isArray(v) ? v : [v]).forEach(add);
  return out;
}

const bareSymbol = (d: Dim) =>
  d.terms.length === 1 && d.terms[0]!.coeff === 1 && d.terms[0]!.symbols.length === 1
    ? d.terms[0]!.symbols[0]
    : undefined;

/** A Python reference to the attribute at relative path `rel` of `owner` (`self`, `model`). */
function memberPath(
  rel: string,
  lists: ReadonlySet<string>,
  scope: string,
  owner = "self",
): string {
  let out = owner;
  let at = scope;
  for (const part of rel.split(".")) {
    if (lists.has(at) && /^\d+$/.test(part)) out += `[${part}]`;
    else if (isPyIdentifier(part)) out += `.${part}`;
    else out = `getattr(${out}, ${pyString(part)})`;
    at = at === "" ? part : `${at}.${part}`;
  }
  return out;
}

interface Shared {
  readonly byId: ReadonlyMap<number, TraceNode>;
  readonly readers: ReadonlyMap<number, number>;
  readonly locate: (span: Span) => string;
  /** Instances that are `nn.ModuleList`s (only numbered children, no parameters). */
  readonly lists: ReadonlySet<string>;
  /** Symbols each instance's forward takes as keyword arguments (not found in its inputs). */
  readonly extraSymbols: Map<string, string[]>;
}

interface FnSpec {
  readonly call: Call;
  /** Python expressions of the values it reads from outside. */
  readonly args: ReadonlyMap<number, string>;
  /** Its scope for `self.` paths ("" in `objective`, whose parameters are the model's). */
  readonly scope: string;
  /** Who holds the parameters: `self` in a module, `model` in `objective`. */
  readonly owner: string;
  readonly training: string;
  /** Names already taken (arguments, outputs). */
  readonly taken: Set<string>;
  /** Names for result ids (the model's outputs). */
  readonly resultNames?: ReadonlyMap<number, string>;
}

/** The statements of a function body, and the expressions of its results. */
function renderBody(
  spec: FnSpec,
  shared: Shared,
): { lines: string[]; results: string[]; symbols: string[] } {
  const { call } = spec;
  const exprs = new Map<number, Expr>();
  for (const [id, text] of spec.args) exprs.set(id, { text });
  const lines: string[] = [];
  let counter = 0;
  const fresh = () => {
    let name: string;
    do name = `h${++counter}`;
    while (spec.taken.has(name));
    return name;
  };
  const symbols = new Map<string, string>();
  const missing: string[] = [];
  const symbol = (s: string) => {
    if (!symbols.has(s)) {
      const bound = [...spec.args].find(([id]) =>
        shared.byId.get(id)!.shape.some((d) => bareSymbol(d) === s),
      );
      if (!bound) missing.push(s);
      symbols.set(s, pyName(s));
    }
    return symbols.get(s)!;
  };
  const firstTensor = () => [...spec.args.values()][0];
  const cx: RuleContext = {
    training: spec.training,
    dim: (d) => pyDim(d, symbol),
    device: () => {
      const t = firstTensor();
      if (t) return `${t}.device`;
      const p = nodesOf(call)
        .flatMap((n) => n.inputs)
        .map((i) => shared.byId.get(i)!)
        .find((n) => n.op === "param");
      return p ? `${exprOf(p.id).text}.device` : "None";
    },
  };
  const exprOf = (id: number): Expr => {
    const e = exprs.get(id);
    if (e) return e;
    const n = shared.byId.get(id)!;
    if (n.op === "param" && within(n.scope, spec.scope)) {
      const name = n.attrs.name as string;
      const rel = spec.scope === "" ? name : name.slice(spec.scope.length + 1);
      return { text: memberPath(rel, shared.lists, spec.scope, spec.owner) };
    }
    if (n.op === "const" || n.op === "training") return torchRules[n.op]!(n, [], cx);
    throw new InternalError(
      `internal compiler error: node ${id} (${n.op}) is not available in ${call.scope || "the model"}`,
    );
  };
  const results = new Set(call.outputs);
  for (const item of call.items) {
    if (isCall(item)) {
      const outs = item.outputs.map((id) => spec.resultNames?.get(id) ?? fresh());
      const args = item.inputs.map((i) => exprOf(i).text);
      for (const s of shared.extraSymbols.get(item.scope) ?? [])
        args.push(`${pyName(s)}=${symbol(s)}`);
      const rel = spec.scope === "" ? item.scope : item.scope.slice(spec.scope.length + 1);
      const target = outs.length === 0 ? "" : `${outs.join(", ")} = `;
      lines.push(
        `${target}${memberPath(rel, shared.lists, spec.scope, spec.owner)}(${args.join(", ")})`,
      );
      item.outputs.forEach((id, k) => exprs.set(id, { text: outs[k]! }));
      continue;
    }
    if (isFree(item) || item.op === "input") continue;
    for (const s of symbolsOf(item)) symbol(s);
    const e = torchRules[item.op]!(item, item.inputs.map(exprOf), cx);
    const once = shared.readers.get(item.id) === 1 && !results.has(item.id);
    if (once && e.text.length <= 60) {
      exprs.set(item.id, e);
      continue;
    }
    const name = spec.resultNames?.get(item.id) ?? fresh();
    lines.push(`${name} = ${e.text}  # ${commentText(shared.locate(item.span), "python")}`);
    exprs.set(item.id, { text: name });
  }
  const bindings: string[] = [];
  for (const [s, py] of symbols) {
    if (missing.includes(s)) continue;
    for (const [id, text] of spec.args) {
      const k = shared.byId.get(id)!.shape.findIndex((d) => bareSymbol(d) === s);
      if (k >= 0) {
        bindings.push(`${py} = ${text}.shape[${k}]`);
        break;
      }
    }
  }
  return {
    lines: [...bindings, ...lines],
    results: call.outputs.map((id) => exprOf(id).text),
    symbols: missing,
  };
}

const indent = (lines: readonly string[], by: string) => lines.map((l) => (l ? by + l : l));

/** The innermost block declaration holding `span`. */
function blockAt(blocks: readonly BlockDecl[], span: Span): BlockDecl | undefined {
  let best: BlockDecl | undefined;
  for (const b of blocks)
    if (b.span.file === span.file && b.span.start <= span.start && span.end <= b.span.end)
      if (!best || b.span.end - b.span.start < best.span.end - best.span.start) best = b;
  return best;
}

/** The binding of member `name` in `owner` (`ffn = FeedForward(dim)`). */
const memberBinding = (owner: BlockDecl | ModelDecl | undefined, name: string) =>
  owner?.members.find((m): m is Binding => m.kind === "bind" && m.name.name === name);

/** The block that member `name` of `owner` instantiates, if it is one. */
function memberBlock(
  owner: BlockDecl | ModelDecl | undefined,
  name: string,
  blocks: readonly BlockDecl[],
): BlockDecl | undefined {
  const value = memberBinding(owner, name)?.value;
  if (value?.kind !== "call" || value.callee.kind !== "name") return undefined;
  const callee = value.callee.name;
  return blocks.find((b) => b.name.name === callee);
}

const pascal = (s: string) =>
  pyName(s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase()));

/** Writes model.py for `train`'s model. */
export function writeModelPy(train: ElaboratedTrain, options: ModelPyOptions): ModelPy {
  const graph = train.graph;
  refuseState(graph.state[0]);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const modelOutputs = graph.outputs.filter((o) => !isObjective(o.name));
  const objectiveOutputs = graph.outputs.filter((o) => isObjective(o.name));
  const modelNodes = cone(
    graph.nodes,
    modelOutputs.map((o) => o.node),
  );
  const inModel = new Set(modelNodes.map((n) => n.id));
  const objectiveNodes = cone(
    graph.nodes,
    objectiveOutputs.map((o) => o.node),
  ).filter((n) => !inModel.has(n.id));
  checkLowerable([...modelNodes, ...objectiveNodes]);

  const readers = new Map<number, number>();
  for (const n of [...modelNodes, ...objectiveNodes])
    for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const root = callTree(
    modelNodes,
    modelOutputs.map((o) => o.node),
  );

  // instances: every path of a parameter or a call, and the paths above them
  const instances = new Map<string, { params: TraceNode[]; children: string[]; calls: Call[] }>();
  const instance = (path: string) => {
    let i = instances.get(path);
    if (!i) {
      i = { params: [], children: [], calls: [] };
      instances.set(path, i);
      if (path !== "") {
        const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
        const p = instance(parent);
        if (!p.children.includes(path)) p.children.push(path);
      }
    }
    return i;
  };
  instance("");
  // a parameter the loss reads (`sum(trunk.w^2)`) is the model's too: objective reads `model.trunk.w`
  for (const n of [...modelNodes, ...objectiveNodes])
    if (n.op === "param") instance(n.scope).params.push(n);
  const collect = (c: Call) => {
    instance(c.scope).calls.push(c);
    for (const item of c.items) if (isCall(item)) collect(item);
  };
  collect(root);
  const lastPart = (p: string) => p.slice(p.lastIndexOf(".") + 1);
  const parentOf = (p: string) => (p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "");
  // an instance's block: the one holding its own nodes, else what its owner's member names (a
  // block whose forward only calls its members, like FeedForward, makes no nodes of its own)
  const decls = new Map<string, BlockDecl | undefined>();
  const declOf = (path: string): BlockDecl | undefined => {
    if (decls.has(path)) return decls.get(path);
    const inst = instances.get(path)!;
    let decl = [
      ...inst.params.map((p) => p.span),
      ...inst.calls.flatMap((c) =>
        c.items.filter((x): x is TraceNode => !isCall(x)).map((n) => n.span),
      ),
    ]
      .map((s) => blockAt(options.blocks, s))
      .find((b) => b !== undefined);
    if (!decl && path !== "") decl = memberBlock(ownerOf(path), lastPart(path), options.blocks);
    decls.set(path, decl);
    return decl;
  };
  /** The declaration that binds instance `path` (the model's, or its parent's block). */
  const ownerOf = (path: string) => {
    const parent = parentOf(path);
    return parent === "" ? options.model : declOf(parent);
  };
  const lists = new Set(
    [...instances]
      .filter(
        ([p, i]) =>
          p !== "" &&
          i.params.length === 0 &&
          i.children.length > 0 &&
          i.children.every((c) => /^\d+$/.test(lastPart(c))),
      )
      .map(([p]) => p),
  );
  const shared: Shared = { byId, readers, locate: options.locate, lists, extraSymbols: new Map() };

  // classes, children first
  const classes: string[] = [];
  const classByText = new Map<string, string>();
  const usedNames = new Set<string>();
  const ctor = new Map<string, string>();
  const build = (path: string): void => {
    const inst = instances.get(path)!;
    for (const c of inst.children) build(c);
    if (path === "") return;
    const forwards = inst.calls.map((call) => forwardText(call, path, shared));
    if (new Set(forwards.map((f) => f.text)).size > 1)
      throw new PytorchExportError(
        "G0805",
        `\`${path}\` is called in ways that give different code (the PyTorch export writes one forward per instance)`,
        memberBinding(ownerOf(path), lastPart(path))?.span ??
          inst.calls[1]!.items.find((x): x is TraceNode => !isCall(x))?.span,
        "bind one instance for each kind of call (each with its own parameters), or call it alike",
      );
    const forward = forwards[0];
    if (forward) shared.extraSymbols.set(path, forward.symbols);
    const list = lists.has(path);
    const own = inst.params.map((p) => lastPart(p.attrs.name as string));
    const childLines = inst.children.map((c) => memberInit(c, ctor.get(c)!));
    const body = list
      ? [
          `def __init__(self):`,
          `    super().__init__([${inst.children.map((c) => ctor.get(c)).join(", ")}])`,
        ]
      : [
          `def __init__(self${own.map((p) => `, ${pyName(p)}`).join("")}):`,
          `    super().__init__()`,
          ...own.map((p) => `    ${paramInit(p, pyName(p))}`),
          ...childLines.map((l) => `    ${l}`),
        ];
    const text = [...body, ...(forward ? ["", ...forward.lines] : [])].join("\n");
    const decl = declOf(path);
    const key = `${list}\n${decl?.name.name ?? ""}\n${text}`;
    let name = classByText.get(key);
    if (!name) {
      const base = decl ? pyName(decl.name.name) : pascal(lastPart(path)) + (list ? "List" : "");
      name = base;
      for (let k = 2; usedNames.has(name); k++) name = `${base}${k}`;
      usedNames.add(name);
      classByText.set(key, name);
      const doc = decl
        ? `"""Grove block \`${commentText(decl.name.name, "python")}\` (${commentText(options.locate(decl.span), "python")})."""`
        : `"""The instances at \`${commentText(path, "python")}\` and alike."""`;
      classes.push(
        [
          `class ${name}(nn.${list ? "ModuleList" : "Module"}):`,
          `    ${doc}`,
          "",
          ...indent(text.split("\n"), "    "),
        ].join("\n"),
      );
    }
    const shapes = inst.params.map((p, k) => `${pyName(own[k]!)}=${shapeTuple(p.shape)}`);
    ctor.set(path, `${name}(${shapes.join(", ")})`);
  };
  build("");

  // the model class
  const inputs = root.items.filter((x): x is TraceNode => !isCall(x) && x.op === "input");
  const inputNames = inputs.map((n) => n.attrs.name as string);
  const outNames = new Map(modelOutputs.map((o) => [o.node, pyName(o.name)]));
  const taken = new Set([...inputNames.map(pyName), ...outNames.values()]);
  const rootBody = renderBody(
    {
      call: root,
      args: new Map(inputs.map((n) => [n.id, pyName(n.attrs.name as string)])),
      scope: "",
      owner: "self",
      training: "self.training",
      taken,
      resultNames: outNames,
    },
    shared,
  );
  if (rootBody.symbols.length > 0)
    throw new PytorchExportError(
      "G0805",
      `dimension \`${rootBody.symbols[0]}\` is not a dimension of any model input`,
      graph.outputs[0]?.span,
    );
  const rootInst = instances.get("")!;
  const modelName = pyName(train.model);
  const modelClass = [
    `class ${modelName}(nn.Module):`,
    `    """Grove model \`${commentText(train.model, "python")}\`: its outputs for its inputs, as a dict by output name."""`,
    "",
    `    def __init__(self):`,
    `        super().__init__()`,
    ...rootInst.params.map(
      (p) => `        ${paramInit(p.attrs.name as string, shapeTuple(p.shape))}`,
    ),
    ...rootInst.children.map((c) => `        ${memberInit(c, ctor.get(c)!)}`),
    "",
    `    def forward(self, ${inputNames.map(pyName).join(", ")}):`,
    ...indent(rootBody.lines, "        "),
    `        return {${modelOutputs.map((o, k) => `${pyString(o.name)}: ${rootBody.results[k]}`).join(", ")}}`,
  ].join("\n");

  // the objective: loss and metrics from the outputs and the data fields
  const objCall: Call = {
    scope: "",
    items: objectiveNodes.filter((n) => n.op !== "input"),
    inputs: [],
    outputs: objectiveOutputs.map((o) => o.node),
  };
  const objArgs = new Map<number, string>();
  for (const o of modelOutputs) objArgs.set(o.node, `out[${pyString(o.name)}]`);
  for (const n of graph.nodes)
    if (n.op === "input" && (readers.has(n.id) || inModel.has(n.id)))
      objArgs.set(n.id, `batch[${pyString(n.attrs.name as string)}]`);
  const objBody = renderBody(
    {
      call: objCall,
      args: objArgs,
      scope: "",
      owner: "model",
      training: "training",
      taken: new Set(["model", "out", "batch", "training"]),
    },
    shared,
  );
  const metrics = objectiveOutputs.filter((o) => o.name !== "loss");
  const objective = [
    `def objective(model, out, batch, training):`,
    `    """The train section's loss and metrics (by name) from the model's outputs and the batch."""`,
    ...indent(objBody.lines, "    "),
    `    return ${objBody.results[objectiveOutputs.findIndex((o) => o.name === "loss")]}, {${metrics.map((m) => `${pyString(m.name.slice("metric:".length))}: ${objBody.results[objectiveOutputs.indexOf(m)]}`).join(", ")}}`,
  ].join("\n");

  return {
    text: [...classes, modelClass, objective].join("\n\n\n") + "\n",
    className: modelName,
    inputs: inputNames,
    metrics: metrics.map((m) => m.name.slice("metric:".length)),
  };
}

/** `self.w = nn.Parameter(torch.zeros(w))`, or `register_parameter` for a name Python cannot spell. */
function paramInit(local: string, shape: string): string {
  const value = `nn.Parameter(torch.zeros(${shape}))`;
  return isPyIdentifier(local)
    ? `self.${local} = ${value}`
    : `self.register_parameter(${pyString(local)}, ${value})`;
}

/** `self.l1 = Dense(...)`, or `add_module` for a name Python cannot spell. */
function memberInit(path: string, value: string): string {
  const local = path.slice(path.lastIndexOf(".") + 1);
  return isPyIdentifier(local)
    ? `self.${local} = ${value}`
    : `self.add_module(${pyString(local)}, ${value})`;
}

const shapeTuple = (shape: readonly Dim[]) => {
  const ds = shape.map((d) => pyDim(d));
  return ds.length === 1 ? `(${ds[0]},)` : `(${ds.join(", ")})`;
};

/** A module's forward for one call of it: `def forward(self, x, ...)` and its body. */
function forwardText(
  call: Call,
  path: string,
  shared: Shared,
): { text: string; lines: string[]; symbols: string[] } {
  const names = call.inputs.length === 1 ? ["x"] : call.inputs.map((_, k) => `x${k + 1}`);
  const body = renderBody(
    {
      call,
      args: new Map(call.inputs.map((id, k) => [id, names[k]!])),
      scope: path,
      owner: "self",
      training: "self.training",
      taken: new Set(names),
    },
    shared,
  );
  const extra = body.symbols.map((s) => `, ${pyName(s)}`).join("");
  const ret = body.results.length === 1 ? body.results[0]! : body.results.join(", ");
  const lines = [
    `def forward(self${names.map((n) => `, ${n}`).join("")}${extra}):`,
    ...indent(body.lines, "    "),
    `    return ${ret}`,
  ];
  return { text: lines.join("\n"), lines, symbols: body.symbols };
}
