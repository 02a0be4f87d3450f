/**
 * `grove lsp` (src/cli/lsp): the server is spawned and spoken to over stdio with JSON-RPC, as an
 * editor would: diagnostics of unsaved buffers (and of a file importing another open buffer),
 * an edit that fixes an error, hover, go to definition (into std/), completion, document
 * symbols, formatting and rename.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import { afterAll, beforeAll, expect, test } from "vitest";

interface Published {
  uri: string;
  diagnostics: {
    code: string;
    message: string;
    range: { start: { line: number; character: number } };
  }[];
}

let server: ChildProcess;
let rpc: MessageConnection;
const published = new Map<string, Published[]>();
const dir = mkdtempSync(join(tmpdir(), "grove-lsp-"));
const uri = (name: string) => pathToFileURL(join(dir, name)).href;

/** The next diagnostics published for `u` after `action`. */
async function diagnosticsAfter(u: string, action: () => Promise<void>): Promise<Published> {
  const before = published.get(u)?.length ?? 0;
  await action();
  for (let i = 0; i < 200; i++) {
    const list = published.get(u) ?? [];
    if (list.length > before) return list.at(-1)!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no diagnostics for ${u}`);
}

const model = [
  "block Twice(n) {",
  "  forward(x: [N, n]) -> [N, n] {",
  "    y = x * 2",
  "    y + y",
  "  }",
  "}",
  "model M {",
  "  input features: [N, 2]",
  "  h = Dense(2, 4, relu)",
  "  t = Twice(4)",
  "  output o = features |> h |> t",
  "}",
  "",
].join("\n");

beforeAll(async () => {
  server = spawn(process.execPath, [resolve(import.meta.dirname, "run-server.mjs")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  rpc = createMessageConnection(
    new StreamMessageReader(server.stdout!),
    new StreamMessageWriter(server.stdin!),
  );
  rpc.onNotification("textDocument/publishDiagnostics", (p: Published) => {
    published.set(p.uri, [...(published.get(p.uri) ?? []), p]);
  });
  rpc.listen();
  const init = await rpc.sendRequest("initialize", {
    processId: null,
    rootUri: null,
    capabilities: {},
  });
  expect(init).toMatchObject({ capabilities: { hoverProvider: true, renameProvider: true } });
  await rpc.sendNotification("initialized", {});
}, 30_000);

afterAll(async () => {
  await rpc.sendRequest("shutdown");
  await rpc.sendNotification("exit");
  rpc.dispose();
  server.kill();
});

const open = (name: string, text: string) =>
  rpc.sendNotification("textDocument/didOpen", {
    textDocument: { uri: uri(name), languageId: "grove", version: 1, text },
  });

test("an unsaved buffer with an error gets its diagnostic; an edit that fixes it clears it", async () => {
  const bad = "model Bad {\n  input x: [N, 3]\n  output y = x @ x\n}\n";
  const first = await diagnosticsAfter(uri("bad.grove"), () => open("bad.grove", bad));
  expect(first.diagnostics.map((d) => d.code)).toEqual(["G0401"]);
  expect(first.diagnostics[0]!.range.start).toEqual({ line: 2, character: 17 });
  const fixed = await diagnosticsAfter(uri("bad.grove"), () =>
    rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri: uri("bad.grove"), version: 2 },
      contentChanges: [
        {
          range: { start: { line: 2, character: 13 }, end: { line: 2, character: 18 } },
          text: "x",
        },
      ],
    }),
  );
  expect(fixed.diagnostics).toEqual([]);
  const syntax = await diagnosticsAfter(uri("bad.grove"), () =>
    rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri: uri("bad.grove"), version: 3 },
      contentChanges: [{ text: "fn f(x) = (x\n" }],
    }),
  );
  expect(syntax.diagnostics.map((d) => d.code)).toEqual(["G0110"]);
});

test("a file importing an open, unsaved buffer is checked against the buffer", async () => {
  writeFileSync(join(dir, "lib.grove"), "fn double(x) = x * 2\n"); // on disk: has `double`
  await open("lib.grove", "fn triple(x) = x * 3\n"); // unsaved: has `triple` instead
  const user = 'import "lib.grove"\nfn g(x) = triple(x)\n';
  const p = await diagnosticsAfter(uri("user.grove"), () => open("user.grove", user));
  expect(p.diagnostics).toEqual([]);
});

test("hover, definition into std/, completion, symbols, formatting and rename", async () => {
  await diagnosticsAfter(uri("m.grove"), () => open("m.grove", model));
  const doc = { uri: uri("m.grove") };
  const at = (line: number, character: number) => ({
    textDocument: doc,
    position: { line, character },
  });

  const hover = (await rpc.sendRequest("textDocument/hover", at(10, 25))) as {
    contents: { value: string };
  };
  expect(hover.contents.value).toContain("h = Dense(2, 4, relu)");
  expect(hover.contents.value).toContain(
    "(bind) `h`: 2 parameters (12 numbers): h.w: [2, 4], h.b: [4]",
  );
  const hoverText = async (line: number, character: number) =>
    (
      (await rpc.sendRequest("textDocument/hover", at(line, character))) as {
        contents: { value: string };
      }
    ).contents.value.split("\n")[0];
  expect(await hoverText(7, 9)).toBe("(input) `features`: f32[N, 2]");
  expect(await hoverText(10, 9)).toBe("(output) `o`: f32[N, 4]");
  expect(await hoverText(2, 4)).toBe("(bind) `y`"); // inside a block: no single shape

  const def = (await rpc.sendRequest("textDocument/definition", at(8, 7))) as {
    uri: string;
    range: unknown;
  };
  expect(def.uri).toBe(pathToFileURL(resolve(import.meta.dirname, "../../std/layers.grove")).href);

  const local = (await rpc.sendRequest("textDocument/definition", at(3, 4))) as {
    range: { start: unknown };
  };
  expect(local.range.start).toEqual({ line: 2, character: 4 });

  const items = (await rpc.sendRequest("textDocument/completion", at(10, 14))) as {
    label: string;
  }[];
  const labels = items.map((i) => i.label);
  expect(labels).toEqual(expect.arrayContaining(["features", "h", "t", "Twice", "Dense", "relu"]));
  expect(labels).not.toContain("epochs");

  // Inside `Dense(2, 4, relu)`: Dense's arguments from std/layers.grove, with their defaults.
  const inCall = (await rpc.sendRequest("textDocument/completion", at(8, 18))) as {
    label: string;
    detail: string;
  }[];
  expect(inCall.slice(0, 3)).toEqual([
    expect.objectContaining({ label: "in:", detail: "argument" }),
    expect.objectContaining({ label: "out:", detail: "argument" }),
    expect.objectContaining({ label: "act:", detail: "argument (default identity)" }),
  ]);

  const symbols = (await rpc.sendRequest("textDocument/documentSymbol", { textDocument: doc })) as {
    name: string;
    children: { name: string }[];
  }[];
  expect(symbols.map((s) => s.name)).toEqual(["Twice", "M"]);
  expect(symbols[1]!.children.map((c) => c.name)).toEqual(["features", "h", "t", "o"]);

  const edits = (await rpc.sendRequest("textDocument/formatting", {
    textDocument: doc,
    options: { tabSize: 2, insertSpaces: true },
  })) as unknown[];
  expect(edits).toEqual([]); // already formatted

  const rename = (await rpc.sendRequest("textDocument/rename", { ...at(2, 4), newName: "z" })) as {
    changes: Record<string, { range: { start: { line: number; character: number } } }[]>;
  };
  expect(rename.changes[doc.uri]!.map((e) => e.range.start)).toEqual([
    { line: 2, character: 4 },
    { line: 3, character: 4 },
    { line: 3, character: 8 },
  ]);
});

test("a train section's optimizer and schedule: hover from their schemas, arguments completed", async () => {
  const text =
    "model M {\n  input x: [N, 2]\n  output o = x\n}\ntrain M {\n  optimizer = adamw(lr: 1e-3, )\n  schedule = step(5, )\n}\n";
  await diagnosticsAfter(uri("opt.grove"), () => open("opt.grove", text));
  const at = (character: number) => ({
    textDocument: { uri: uri("opt.grove") },
    position: { line: 5, character },
  });
  const hover = (await rpc.sendRequest("textDocument/hover", at(15))) as {
    contents: { value: string };
  };
  expect(hover.contents.value.split("\n")).toEqual([
    "(optimizer) `adamw`: Adam with decoupled weight decay",
    "",
    "- `lr` (default 0.001): learning rate before the schedule",
    "- `beta1` (default 0.9): decay of the first moment (the mean of gradients)",
    "- `beta2` (default 0.999): decay of the second moment (the mean of squared gradients)",
    "- `eps` (default 1e-8): added to the root of the second moment",
    "- `weight_decay` (default 0.01): decoupled weight decay: p -= lr * weight_decay * p",
  ]);
  const items = (await rpc.sendRequest("textDocument/completion", at(30))) as {
    label: string;
    detail: string;
    documentation?: string;
  }[];
  expect(items.slice(0, 5).map((i) => [i.label, i.detail])).toEqual([
    ["lr:", "argument (default 0.001)"],
    ["beta1:", "argument (default 0.9)"],
    ["beta2:", "argument (default 0.999)"],
    ["eps:", "argument (default 1e-8)"],
    ["weight_decay:", "argument (default 0.01)"],
  ]);
  expect(items[0]!.documentation).toBe("learning rate before the schedule");
  const schedule = {
    textDocument: { uri: uri("opt.grove") },
    position: { line: 6, character: 14 },
  };
  const stepHover = (await rpc.sendRequest("textDocument/hover", schedule)) as {
    contents: { value: string };
  };
  expect(stepHover.contents.value.split("\n")).toEqual([
    "(schedule) `step`: `lr` multiplied by `gamma` every `every` steps after the warmup",
    "",
    "- `every`: steps between multiplications",
    "- `gamma` (default 0.1): what the rate is multiplied by",
    "- `warmup` (default 0): steps of linear warmup from 0 to `lr`",
  ]);
  const stepArgs = (await rpc.sendRequest("textDocument/completion", {
    ...schedule,
    position: { line: 6, character: 21 },
  })) as { label: string }[];
  expect(stepArgs.slice(0, 3).map((i) => i.label)).toEqual(["every:", "gamma:", "warmup:"]);
});

test("train sections complete their settings; formatting returns the formatted text", async () => {
  const text = "model M {\n  input x: [N, 2]\n  output o = x\n}\ntrain M {\n  loss=o\n  \n}\n";
  await diagnosticsAfter(uri("t.grove"), () => open("t.grove", text));
  const items = (await rpc.sendRequest("textDocument/completion", {
    textDocument: { uri: uri("t.grove") },
    position: { line: 6, character: 2 },
  })) as { label: string; documentation?: string }[];
  const epochs = items.find((i) => i.label === "epochs");
  expect(epochs?.documentation).toContain("positive integer");
  const edits = (await rpc.sendRequest("textDocument/formatting", {
    textDocument: { uri: uri("t.grove") },
    options: { tabSize: 2, insertSpaces: true },
  })) as { newText: string }[];
  expect(edits[0]!.newText).toContain("  loss = o\n\n}\n");
});

test("initializers: hover shows the schema record, completion in the call its parameters", async () => {
  const text =
    "model P {\n  input x: [N, 2]\n  param w: [2, 3] ~ normal(std: 0.1)\n  output o = x @ w\n}\n";
  await diagnosticsAfter(uri("p.grove"), () => open("p.grove", text));
  const at = (line: number, character: number) => ({
    textDocument: { uri: uri("p.grove") },
    position: { line, character },
  });
  const hover = (await rpc.sendRequest("textDocument/hover", at(2, 22))) as {
    contents: { value: string };
  };
  expect(hover.contents.value.split("\n")).toEqual([
    "(initializer) `normal`: normal with mean `mean` and standard deviation `std`",
    "",
    "- `mean` (default 0): the mean",
    "- `std` (default 1): the standard deviation, not negative",
  ]);
  const items = (await rpc.sendRequest("textDocument/completion", at(2, 27))) as {
    label: string;
    detail: string;
    documentation?: string;
  }[];
  expect(items.slice(0, 2)).toEqual([
    { label: "mean:", kind: 5, detail: "argument (default 0)", documentation: "the mean" },
    expect.objectContaining({ label: "std:", detail: "argument (default 1)" }),
  ]);
  // Typing the name after `~`: the initializers, from their records.
  const names = (await rpc.sendRequest("textDocument/completion", at(2, 23))) as typeof items;
  expect(names.slice(0, 9).map((i) => i.label)).toEqual([
    "zeros",
    "ones",
    "constant",
    "normal",
    "uniform",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
  ]);
  expect(names[3]).toMatchObject({
    detail: "initializer",
    documentation: expect.stringContaining("std"),
  });
});

test("hover on a state declared in a model shows its shape, like a parameter's", async () => {
  const text =
    "model S {\n  input x: [N, 3]\n  state total: [3] ~ zeros\n  update total = total + sum(x, 0)\n  output o = x + total\n}\n";
  const p = await diagnosticsAfter(uri("s.grove"), () => open("s.grove", text));
  expect(p.diagnostics).toEqual([]);
  const hover = (await rpc.sendRequest("textDocument/hover", {
    textDocument: { uri: uri("s.grove") },
    position: { line: 2, character: 9 },
  })) as { contents: { value: string } };
  expect(hover.contents.value.split("\n")[0]).toBe("(state) `total`: [3]");
});

test("data sources: hover shows the schema record, completion in the call its parameters", async () => {
  const text = [
    "model S {",
    "  input features: [N, 2]",
    "  output o = features",
    "}",
    "train S {",
    "  data = spirals(n: 100)",
    "  loss = mean(o)",
    "  optimizer = sgd()",
    "}",
    "",
  ].join("\n");
  await diagnosticsAfter(uri("ds.grove"), () => open("ds.grove", text));
  const at = (line: number, character: number) => ({
    textDocument: { uri: uri("ds.grove") },
    position: { line, character },
  });
  const hover = (await rpc.sendRequest("textDocument/hover", at(5, 11))) as {
    contents: { value: string };
  };
  expect(hover.contents.value.split("\n").slice(0, 4)).toEqual([
    "(data source) `spirals`: interleaved spiral arms in the plane, one per class, drawn from the seed",
    "",
    "- `n` (default 1000): the number of examples drawn",
    "- `classes` (default 3): the number of arms (classes)",
  ]);
  const items = (await rpc.sendRequest("textDocument/completion", at(5, 17))) as {
    label: string;
    detail: string;
    documentation?: string;
  }[];
  expect(items.slice(0, 4).map((i) => [i.label, i.detail])).toEqual([
    ["n:", "argument (default 1000)"],
    ["classes:", "argument (default 3)"],
    ["noise:", "argument (default 0.1)"],
    ["validate:", "argument (default 0)"],
  ]);
  // Typing the name after `data =`: the data sources, from their records.
  const sources = (await rpc.sendRequest("textDocument/completion", at(5, 11))) as typeof items;
  expect(sources.slice(0, 8).map((i) => i.label)).toEqual([
    "mnist",
    "idx",
    "csv",
    "npy",
    "spirals",
    "xor",
    "sine",
    "text",
  ]);
  expect(sources[4]).toMatchObject({ detail: "data source" });
  const settings = (await rpc.sendRequest("textDocument/completion", at(6, 2))) as typeof items;
  const data = settings.find((i) => i.label === "data");
  expect(data?.documentation).toContain("spirals(...), xor(...), sine(...)");
});
