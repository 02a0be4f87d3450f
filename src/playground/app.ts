/**
 * @file The playground page's program (bundled into `playground.js`): loads the bundled files
 * (`files.json`: std/ and the examples), opens an example in the editor and, `CHECK_DELAY_MS`
 * after each change, checks it with the real compiler: diagnostics as lint marks and in the
 * problems list (a click goes to the line), the bindings' types in the shapes tab, and, when the
 * IR or kernels tab is open (`COMPILE_DELAY_MS` after the check), the compiled IR and kernels with
 * their `.grove` lines. The Train tab trains on the page's GPU (`train.ts`).
 * `globalThis.grovePlayground` holds what tests read.
 */
import type { CheckResult } from "../parser/check-program.js";
import {
  compileView,
  EXAMPLES_DIR,
  shapesOf,
  viewDiagnostics,
  Workspace,
  type CompiledView,
  type KernelView,
  type PlaygroundFiles,
  type ViewDiagnostic,
} from "./analyse.js";
import { byId, el, page, type El } from "./dom.js";
import { GroveEditor } from "./editor.js";
import { Trainer, type PageRun } from "./train.js";

/** Quiet time after a keystroke before the program is checked again. */
export const CHECK_DELAY_MS = 150;
/** Quiet time after a check before an open IR or kernels tab compiles (up to a second). */
const COMPILE_DELAY_MS = 500;

const TABS = ["problems", "shapes", "ir", "kernels", "train"] as const;
type Tab = (typeof TABS)[number];

/** What tests and the curious read (`globalThis.grovePlayground`). */
interface PageState {
  example: string;
  /** Checks done so far, how long each took (milliseconds), and the last one's diagnostics. */
  checks: number;
  checkMs: number[];
  diagnostics: readonly ViewDiagnostic[];
  /** The kernels' names of the last compile, when one ran. */
  kernels: readonly string[] | undefined;
  train: PageRun;
  /** Ends the example's train section `steps` steps in (tests). */
  trainSteps(steps: number): void;
}

class Playground {
  private readonly workspace: Workspace;
  private readonly editor: GroveEditor;
  private readonly trainer = new Trainer();
  private example: string;
  private timer: number | undefined;
  private compileTimer: number | undefined;
  private checked: CheckResult | undefined;
  private compiled: CompiledView | undefined;
  private tab: Tab = "problems";
  readonly state: PageState;

  constructor(files: PlaygroundFiles, first: string) {
    this.workspace = new Workspace(files);
    this.example = first;
    const text = files.examples.find(([n]) => n === first)?.[1] ?? "";
    this.editor = new GroveEditor(byId("editor"), text, () => this.schedule());
    this.state = {
      example: first,
      checks: 0,
      checkMs: [],
      diagnostics: [],
      kernels: undefined,
      train: this.trainer.run,
      trainSteps: (steps) => this.train(steps),
    };
    this.wireExamples(files, first);
    for (const tab of TABS) byId(`tab-${tab}`).addEventListener("click", () => this.show(tab));
    byId("train").addEventListener("click", () => this.train(Number(byId("steps").value)));
    this.check();
  }

  private get path(): string {
    return `${EXAMPLES_DIR}/${this.example}`;
  }

  private wireExamples(files: PlaygroundFiles, first: string): void {
    const select = byId("example");
    for (const [name] of files.examples) {
      const option = el("option", "", name);
      option.setAttribute("value", name);
      select.append(option);
    }
    select.value = first;
    select.addEventListener("change", () => {
      const name = select.value;
      const text = files.examples.find(([n]) => n === name)?.[1];
      if (text === undefined) return;
      this.example = this.state.example = name;
      this.editor.setText(text);
    });
  }

  private schedule(): void {
    if (this.timer !== undefined) page.clearTimeout(this.timer);
    if (this.compileTimer !== undefined) page.clearTimeout(this.compileTimer);
    this.timer = page.setTimeout(() => this.check(), CHECK_DELAY_MS);
  }

  /** Checks the editor's text: lint marks, the problems list, shapes; then compiles if shown. */
  private check(): void {
    this.timer = undefined;
    const start = performance.now();
    const result = this.workspace.check(this.example, this.editor.text);
    const diagnostics = viewDiagnostics(result.diagnostics, result.sources);
    this.editor.setProblems(this.path, diagnostics);
    this.checked = result;
    this.compiled = undefined;
    this.state.diagnostics = diagnostics;
    this.state.checks++;
    this.state.checkMs.push(performance.now() - start);
    this.showProblems(diagnostics);
    this.showShapes(result);
    if (this.tab === "ir" || this.tab === "kernels")
      this.compileTimer = page.setTimeout(() => this.compile(), COMPILE_DELAY_MS);
  }

  private showProblems(diagnostics: readonly ViewDiagnostic[]): void {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    byId("tab-problems").textContent = `Problems (${diagnostics.length})`;
    byId("summary").textContent =
      diagnostics.length === 0
        ? "no problems"
        : `${errors} error${errors === 1 ? "" : "s"}, ${diagnostics.length - errors} other`;
    page.document.body.dataset["problems"] = String(diagnostics.length);
    const items = diagnostics.map((d) => {
      const item = el("li", `problem ${d.severity}`, el("code", "", d.short));
      for (const r of d.related)
        item.append(el("div", "related", `${r.file}:${r.line}: ${r.label}`));
      for (const n of d.notes) item.append(el("div", "note", `note: ${n}`));
      if (d.help) item.append(el("div", "help", `help: ${d.help}`));
      const at = d.at;
      if (at?.file === this.path) item.addEventListener("click", () => this.editor.goto(at.line));
      return item;
    });
    byId("problems").replaceChildren(...items);
  }

  private showShapes(result: CheckResult): void {
    const rows = shapesOf(result, this.path).flatMap((m) => [
      el("tr", "model", el("th", "", `model ${m.model}`), el("th", ""), el("th", "")),
      ...m.bindings.map((b) => {
        const row = el("tr", b.kind, el("td", "", b.name), el("td", "", b.kind));
        row.append(el("td", "", b.type ?? "(no single type)"));
        row.addEventListener("click", () => this.editor.goto(b.line));
        return row;
      }),
    ]);
    byId("shapes").replaceChildren(...rows);
    const empty = byId("shapes-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = result.program.models.length
      ? "no model in this file"
      : "no checked model: shapes are known once the file has no syntax errors";
  }

  /** Compiles the checked program (once per check) and shows its IR and kernels. */
  private compile(): void {
    this.compileTimer = undefined;
    if (this.compiled || !this.checked) return;
    if (this.state.diagnostics.some((d) => d.severity === "error")) {
      const text = "the program has errors: see Problems";
      byId("ir").textContent = text;
      byId("kernels-summary").textContent = text;
      byId("kernels").replaceChildren();
      this.state.kernels = undefined;
      return;
    }
    const view = compileView(this.checked);
    this.compiled = view;
    byId("ir").textContent = view ? `# ${view.title}\n${view.ir || view.problem}` : "no model";
    const kernels = view?.kernels ?? [];
    this.state.kernels = kernels.map((k) => k.name);
    byId("kernels-summary").textContent = !view
      ? "no model"
      : (view.problem ?? `${view.title}: ${kernels.length} kernels`);
    byId("kernels").replaceChildren(...kernels.map((k) => this.kernelItem(k)));
  }

  private kernelItem(k: KernelView): El {
    const where = el("div", "lines");
    for (const f of k.lines) {
      const mine = f.file === this.path;
      where.append(el("span", "file", `${f.file}: `));
      f.lines.forEach((line, i) => {
        const link = el(mine ? "a" : "span", mine ? "line" : "", String(line));
        if (mine) link.addEventListener("click", () => this.editor.goto(line));
        where.append(...(i > 0 ? [", "] : []), link);
      });
      where.append(el("br", ""));
    }
    const summary = el("summary", "", el("code", "", k.name), ` ${k.program}: ${k.ops.join(" ")}`);
    return el("li", "kernel", el("details", "", summary, where, el("pre", "wgsl", k.wgsl)));
  }

  private show(tab: Tab): void {
    this.tab = tab;
    for (const t of TABS) {
      byId(`tab-${t}`).classList.toggle("active", t === tab);
      byId(`pane-${t}`).hidden = t !== tab;
    }
    if (tab === "ir" || tab === "kernels") this.compile();
  }

  private train(steps: number): void {
    // Trains what the editor holds: a check still waiting for typing to pause runs now.
    if (this.timer !== undefined) {
      page.clearTimeout(this.timer);
      this.check();
    }
    this.show("train");
    const train = this.checked?.program.trains[0];
    const errors = this.state.diagnostics.some((d) => d.severity === "error");
    if (!this.checked || !train || errors) {
      byId("train-status").textContent = errors
        ? "the program has errors: see Problems"
        : "this file has no train section";
      return;
    }
    const max = Number.isInteger(steps) && steps > 0 ? steps : 100;
    void this.trainer.start(train, this.checked.sources, max);
  }
}

/** Starts the page: the example in the URL's hash (`#vae.grove`), else the MNIST MLP. */
export async function startPlayground(): Promise<void> {
  try {
    const files = (await (await fetch("files.json")).json()) as PlaygroundFiles;
    const wanted = decodeURIComponent(page.location.hash.slice(1));
    const names = files.examples.map(([n]) => n);
    const first = names.includes(wanted)
      ? wanted
      : names.includes("mnist-mlp.grove")
        ? "mnist-mlp.grove"
        : names[0]!;
    const app = new Playground(files, first);
    (globalThis as { grovePlayground?: PageState }).grovePlayground = app.state;
    page.document.body.dataset["ready"] = "true";
  } catch (e) {
    const box = byId("error");
    box.textContent = `the playground could not start: ${(e as Error).message}`;
    box.hidden = false;
  }
}
