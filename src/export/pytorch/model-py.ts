/**
 * @file `model.py`: the model as PyTorch modules, from the checker's trace (symbolic shapes, one
 * node per primitive, each node's instance path). Every instance becomes a module at its path, so
 * `state_dict()` names are the `.grove` parameter names (`blocks.0.ff.up.w`); instances whose
 * modules read alike share one class, named after their Grove block (`Dense`, `Dense2` when a
 * second kind of `Dense` differs). Each call's nodes become its `forward`, values read once are
 * written inline, each statement ends with its `.grove` location, and dimensions stay symbolic
 * (`N = x.shape[0]`), so any batch runs. State (batch norm's running statistics) is a buffer of
 * its module, its `update` written at the end of `forward` in training mode (forward-py.ts). The
 * loss and metrics are `objective`, which reads the model's outputs, the batch and (an L2 term)
 * the model's own parameters.
 */
import { type Span, UserError } from "../../diag/diagnostic.js";
import { commentText } from "../../diag/escape.js";
import type { Dim } from "../../parser/check/dims.js";
import type { Binding, BlockDecl, ModelDecl } from "../../parser/ast.js";
import type { ElaboratedTrain, TraceNode } from "../../parser/check/values.js";
import { callTree, isCall, isMember, type Call, type MemberNode } from "./calls.js";
import { isPyIdentifier, pyDim, pyName, pyString } from "./python-text.js";
import { hasTorchRule } from "./torch-rules.js";
import { forwardText, indent, renderBody, type Shared } from "./forward-py.js";

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

/** Refuses the first node without a PyTorch lowering, naming it and where it is. */
function checkLowerable(nodes: readonly TraceNode[]): void {
  for (const n of nodes)
    if (n.op !== "input" && !isMember(n) && !hasTorchRule(n.op))
      throw new PytorchExportError(
        "G0804",
        `the primitive \`${n.op}\` has no PyTorch lowering, so this model cannot be exported to PyTorch`,
        n.span,
      );
}

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
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const modelOutputs = graph.outputs.filter((o) => !isObjective(o.name));
  const objectiveOutputs = graph.outputs.filter((o) => isObjective(o.name));
  // the model: what its outputs read, and what its state updates read (written in training)
  const modelNodes = cone(graph.nodes, [
    ...modelOutputs.map((o) => o.node),
    ...graph.updates.map((u) => u.node),
  ]);
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
  const instances = new Map<string, { params: MemberNode[]; children: string[]; calls: Call[] }>();
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
    if (isMember(n)) instance(n.scope).params.push(n);
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
  const shared: Shared = {
    byId,
    readers,
    locate: options.locate,
    lists,
    extraSymbols: new Map(),
    updates: new Map(graph.updates.map((u) => [u.node, u.name])),
  };

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
    const own = inst.params.map((p) => lastPart(p.attrs.name));
    const childLines = inst.children.map((c) => memberInit(c, ctor.get(c)!));
    const body = list
      ? [
          `def __init__(self):`,
          `    super().__init__([${inst.children.map((c) => ctor.get(c)).join(", ")}])`,
        ]
      : [
          `def __init__(self${own.map((p) => `, ${pyName(p)}`).join("")}):`,
          `    super().__init__()`,
          ...own.map((p, k) => `    ${memberTensorInit(inst.params[k]!, p, pyName(p))}`),
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
  const inputs = root.items.filter(
    (x): x is Extract<TraceNode, { op: "input" }> => !isCall(x) && x.op === "input",
  );
  const inputNames = inputs.map((n) => n.attrs.name);
  const outNames = new Map(modelOutputs.map((o) => [o.node, pyName(o.name)]));
  const taken = new Set([...inputNames.map(pyName), ...outNames.values()]);
  const rootBody = renderBody(
    {
      call: root,
      args: new Map(inputs.map((n) => [n.id, pyName(n.attrs.name)])),
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
      (p) => `        ${memberTensorInit(p, p.attrs.name, shapeTuple(p.shape))}`,
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
      objArgs.set(n.id, `batch[${pyString(n.attrs.name)}]`);
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

/**
 * A parameter, `self.w = nn.Parameter(torch.zeros(w))` (`register_parameter` for a name Python
 * cannot spell), or a state tensor, `self.register_buffer("running_mean", ...)`; train.py loads
 * their values from init.safetensors.
 */
function memberTensorInit(n: TraceNode, local: string, shape: string): string {
  if (n.op === "state") return `self.register_buffer(${pyString(local)}, torch.zeros(${shape}))`;
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
