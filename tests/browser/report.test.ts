/**
 * `grove kernels --report`: the MNIST MLP's page, written from a folder and file whose names hold
 * HTML (`<img onerror>`, `<script>`), opens from file:// in headless Chromium: it runs no injected
 * code, shows those names as text, draws every kernel as a named region of the graph and a table
 * row, and clicking a kernel shows its WGSL with the header. The screenshot is kept as
 * test-artifacts/browser/kernel-report.png.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { checkFile } from "../../src/parser/program.js";
import { layoutProgram, nodeLimit } from "../../src/cli/report-graph.js";
import { reportHtml } from "../../src/cli/report.js";
import { runGrove } from "../cli/run.js";
import { describeBrowser, screenshot } from "./chromium.js";

const hostileDir = "<script>window.pwned=1<\\script>";
const hostileFile = '<img src=x onerror="window.pwned=2">.grove';

describeBrowser("grove kernels --report", (open) => {
  it("renders the MNIST MLP's kernels and shows a kernel's WGSL on click", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "grove-report-")), hostileDir);
    mkdirSync(dir);
    const file = join(dir, hostileFile);
    copyFileSync("examples/mnist-mlp.grove", file);
    const out = join(dir, "report.html");
    const r = await runGrove(["kernels", file, "--report", out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^wrote .*report\.html: [\d.]+k? bytes in \d+ ms\n$/);
    const html = readFileSync(out, "utf8");
    // The path is raw only inside the leading HTML comment, which it cannot end early.
    const [, comment, rest] = /^<!doctype html>\n(<!--.*-->)\n([^]*)$/.exec(html)!;
    expect(comment!.match(/-->/g)).toHaveLength(1);
    expect(rest).not.toContain("<script>window.pwned");
    expect(rest).not.toContain("<img src=x");

    const checked = checkFile(file);
    const plan = compilePlan(checked.program.trains[0]!, { sources: checked.sources.texts() })
      .value!.plan;
    const names = plan.programs.train!.dispatches.map((d) => plan.kernels[d.kernel]!.name);

    const page = await open({ webgpu: false });
    await page.goto(pathToFileURL(out).href);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator("h1").textContent()).toContain(hostileFile);
    const rows = await page.locator("tr[data-kernel] td.name").allTextContents();
    expect(rows).toEqual(names);
    // Every kernel computed by fused groups is a region of the graph; the update's kernels boxes.
    const regions = await page.locator("g.cluster").count();
    expect(regions).toBe(new Set(plan.programs.train!.dispatches.map((d) => d.kernel)).size);
    const labels = await page.locator("g.cluster text").allTextContents();
    expect(labels.sort()).toEqual([...names].sort());
    expect(await page.locator("g.box.forward").count()).toBeGreaterThan(5);
    expect(await page.locator("g.box.backward").count()).toBeGreaterThan(5);
    expect(await page.locator("g.box.optimizer").count()).toBeGreaterThan(0);
    const wheres = await page.locator("g.box text.where").allTextContents();
    expect(wheres.some((w) => w.endsWith(`.grove:15:41`))).toBe(true);

    const k = plan.kernels.find((x) => x.name === names[1])!;
    await page.locator(`g.cluster[data-kernel="${k.id}"]`).dispatchEvent("click");
    expect(await page.locator("#wgsl-title").textContent()).toBe(k.name);
    expect(await page.locator("#wgsl-text").textContent()).toBe(k.wgsl);
    expect(k.wgsl).toMatch(/^\/\/ k1_/);
    await page.locator("tr[data-kernel] td.name", { hasText: names[0]! }).click();
    expect(await page.locator("#wgsl-title").textContent()).toBe(names[0]);
    await screenshot(page, "kernel-report");
  }, 60_000);
});

describe("a large graph's report", () => {
  it("collapses each fused group into one box named by its kernel, without regions", () => {
    const checked = checkFile("examples/residual-mlp.grove");
    const sources = checked.sources.texts();
    const compiled = compilePlan(checked.program.trains[0]!, { sources }).value!;
    const laid = layoutProgram(compiled, "train", sources);
    expect(laid.collapsed).toBe(true);
    expect(laid.clusters).toEqual([]);
    const { plan } = compiled;
    const groups = plan.programs.train!.dispatches.flatMap(
      (d) => compiled.origins![d.kernel]!.groups,
    );
    expect(groups.reduce((n, g) => n + g.nodes.length, 0)).toBeGreaterThan(nodeLimit);
    for (const b of laid.boxes) {
      expect(b.kernel, b.label).toBeGreaterThanOrEqual(0);
      expect(b.label.startsWith(plan.kernels[b.kernel]!.name)).toBe(true);
    }
    const shown = new Set(laid.boxes.map((b) => b.kernel));
    for (const d of plan.programs.train!.dispatches) expect(shown.has(d.kernel)).toBe(true);
  }, 60_000);
});

describe("the report with --profile times", () => {
  it("has a bar per dispatch, as long as its share of the slowest", () => {
    const checked = checkFile("examples/regression.grove");
    const sources = checked.sources.texts();
    const compiled = compilePlan(checked.program.trains[0]!, { sources }).value!;
    const n = compiled.plan.programs.train!.dispatches.length;
    const times = Array.from({ length: n }, (_, i) => (i + 1) * 0.5);
    const html = reportHtml({
      file: "r.grove",
      label: "default",
      compiled,
      program: "train",
      sources,
      times,
    });
    const widths = [...html.matchAll(/class="bar" style="width:([\d.]+)px"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toEqual(times.map((t) => Number(((100 * t) / times.at(-1)!).toFixed(1))));
    const total = times.reduce((a, b) => a + b, 0);
    expect(html).toContain(`, ${total.toFixed(3)} ms GPU</p>`);
  });
});
