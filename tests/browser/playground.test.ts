/**
 * The playground (src/playground), built here from source into a temporary folder, served by
 * `serveDirectory` (what `grove serve` runs) and driven in headless Chromium: typing an error
 * shows it as a lint mark and in the problems list with its line and column, fixing it clears
 * both; the time from a keystroke to the lint mark is measured in the page (median of several,
 * written to test-artifacts/browser/playground-timing.json); the kernels tab lists the kernels the
 * compiler in Node makes of the same program, each with its `.grove` lines; the shapes tab shows
 * the bindings' types; Train runs steps on WebGPU (SwiftShader) and the page's losses fall;
 * without WebGPU the Train tab says so and the editor still checks. Screenshots are kept.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveDirectory, type Served } from "../../src/cli/serve.js";
import { compilePlan } from "../../src/codegen/compile.js";
import { checkFile } from "../../src/parser/program.js";
import { buildPlayground } from "../../src/playground/build.js";
import { tempDir } from "../export/program-helpers.js";
import { artifacts, describeBrowser, screenshot } from "./chromium.js";

interface State {
  checks: number;
  checkMs: number[];
  diagnostics: { code: string; short: string; at?: { line: number; column: number } }[];
  kernels?: string[];
  train: { state: string; steps: { step: number; loss: number }[]; error?: string };
}

const state = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { grovePlayground: State }).grovePlayground);

const example = "examples/mnist-mlp.grove";
const errorMark = ".cm-lintRange-error";

/**
 * Page script (plain JavaScript: these tests have no DOM types): records in `markAt` the time
 * from the last keydown to each appearance of an error mark where there was none.
 */
const timeMarks = `
  window.markAt = [];
  let keyAt = 0;
  let marked = false;
  document.addEventListener("keydown", () => (keyAt = performance.now()), true);
  new MutationObserver(() => {
    const now = document.querySelector("${errorMark}") !== null;
    if (now && !marked) window.markAt.push(performance.now() - keyAt);
    marked = now;
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
`;

/** Opens the playground on mnist-mlp.grove and waits for its first check. */
async function openPlayground(open: () => Promise<Page>, url: string): Promise<Page> {
  const page = await open();
  await page.goto(`${url}#mnist-mlp.grove`);
  await page.waitForSelector("body[data-ready=true]", { state: "attached", timeout: 30_000 });
  return page;
}

/** Puts the caret right after `256` in `l2 = Dense(256, 10)`. */
async function caretAfter256(page: Page): Promise<void> {
  await page.locator(".cm-line", { hasText: "l2 = Dense(256, 10)" }).click();
  await page.keyboard.press("End");
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
}

describeBrowser("the playground in headless Chromium", (open) => {
  let served: Served;
  beforeAll(async () => {
    const dir = tempDir("grove-playground-");
    const built = await buildPlayground(dir);
    // The checker in the page reads through the in-memory host: the Node front end is not in it.
    expect(built.inputs.some((f) => f.endsWith("parser/check-program.ts"))).toBe(true);
    expect(built.inputs.filter((f) => /parser\/(program|node-host)\.ts$/.test(f))).toEqual([]);
    served = await serveDirectory(dir, { port: 0 });
  }, 60_000);
  afterAll(() => served?.close());

  it("shows a typed error with its place, clears it when fixed, and times it", async () => {
    const page = await openPlayground(open, served.url);
    expect((await state(page)).diagnostics).toEqual([]);
    await caretAfter256(page);
    await page.keyboard.press("Backspace");
    await page.keyboard.type("0");
    await page.locator(errorMark).first().waitFor({ timeout: 10_000 });
    const broken = await state(page);
    expect(broken.diagnostics.map((d) => d.code)).toEqual(["G0404"]);
    expect(broken.diagnostics[0]!.at).toMatchObject({ line: 22, column: 19 });
    const problem = page.locator("#problems li").first();
    await expect(problem.textContent()).resolves.toContain(`${example}:22:19: error[G0404]`);
    await expect(page.locator(errorMark).first().textContent()).resolves.toBe("image |> l1");
    // Hovering the mark shows the message with its code.
    await page.locator(errorMark).first().hover();
    const tooltip = page.locator(".cm-tooltip .cm-diagnostic").first();
    await tooltip.waitFor({ timeout: 10_000 });
    await expect(tooltip.locator(".cm-diagnosticSource").textContent()).resolves.toBe("G0404");
    await expect(tooltip.locator(".cm-diagnosticText").textContent()).resolves.toContain(
      "`l2` (Dense) expects [N, 250] but got [N, 256]",
    );
    await screenshot(page, "playground-error");

    await page.keyboard.press("Backspace");
    await page.keyboard.type("6");
    await page.locator(errorMark).first().waitFor({ state: "detached", timeout: 10_000 });
    expect((await state(page)).diagnostics).toEqual([]);
    await expect(page.locator("#problems li").count()).resolves.toBe(0);

    // Time to first diagnostic: from the keydown that breaks the program to the lint mark.
    await page.evaluate(timeMarks);
    const before = (await state(page)).checks;
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press("Backspace");
      await page.keyboard.type("0");
      await page.locator(errorMark).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press("Backspace");
      await page.keyboard.type("6");
      await page.locator(errorMark).first().waitFor({ state: "detached", timeout: 10_000 });
    }
    const times = await page.evaluate(() => (globalThis as unknown as { markAt: number[] }).markAt);
    expect(times).toHaveLength(7);
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[3]!;
    // The check itself (parse, imports, std, elaboration) of each keystroke's text.
    const checks = (await state(page)).checkMs.slice(before);
    const checkMedian = [...checks].sort((a, b) => a - b)[Math.floor(checks.length / 2)]!;
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(
      join(artifacts, "playground-timing.json"),
      JSON.stringify(
        {
          keystrokeToLintMarkMs: times,
          medianMs: median,
          checkMs: checks,
          checkMedianMs: checkMedian,
        },
        null,
        2,
      ) + "\n",
    );
    console.log(
      `playground: keystroke to lint mark, median ${median.toFixed(0)} ms of 7; ` +
        `the check itself, median ${checkMedian.toFixed(1)} ms`,
    );
    expect(median).toBeLessThan(1500);
  });

  it("lists the kernels the compiler makes, with their .grove lines, and the shapes", async () => {
    const page = await openPlayground(open, served.url);
    await page.click("#tab-shapes");
    const shapes = await page.locator("#shapes").textContent();
    expect(shapes).toContain("imageinputf32[N, 784]");
    expect(shapes).toContain("logitsoutputf32[N, 10]");
    expect(shapes).toContain("l1.w: [784, 256]");

    await page.click("#tab-kernels");
    await page.locator("#kernels li").first().waitFor({ timeout: 30_000 });
    const checked = checkFile(example);
    const plan = compilePlan(checked.program.trains[0]!, { sources: checked.sources.texts() });
    const names = plan.value!.plan.kernels.map((k) => k.name);
    expect((await state(page)).kernels).toEqual(names);
    await expect(page.locator("#kernels li").count()).resolves.toBe(names.length);
    // The first kernel (the first layer's matmul) names the line of Dense's forward in the file.
    await page.locator("#kernels li summary").first().click();
    const first = page.locator("#kernels li").first();
    await expect(first.locator(".lines").textContent()).resolves.toContain(`${example}: `);
    await expect(first.locator("a.line").allTextContents()).resolves.toContain("15");
    await expect(first.locator("pre.wgsl").textContent()).resolves.toContain(`${example}:15:`);
    await screenshot(page, "playground-kernels");
  });

  it(
    "trains a picked example a few steps on WebGPU and the loss falls",
    { timeout: 120_000 },
    async () => {
      const page = await openPlayground(open, served.url);
      const checks = (await state(page)).checks;
      await page.selectOption("#example", "regression.grove");
      await page.waitForFunction(
        (n) => (globalThis as unknown as { grovePlayground: State }).grovePlayground.checks > n,
        checks,
      );
      await page.click("#tab-train");
      await page.fill("#steps", "12");
      await page.click("#train");
      await page.waitForFunction(
        () => {
          const s = (globalThis as unknown as { grovePlayground: State }).grovePlayground.train;
          return !["idle", "starting", "training"].includes(s.state);
        },
        null,
        { timeout: 100_000 },
      );
      const run = (await state(page)).train;
      expect(run.error).toBeUndefined();
      expect(run.state).toBe("done");
      expect(run.steps.map((s) => s.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const losses = run.steps.map((s) => s.loss);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(mean(losses.slice(-3))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
      // The status and chart show the same numbers the run reports.
      const status = await page.locator("#train-status").textContent();
      expect(status).toContain(`last loss ${losses.at(-1)!.toPrecision(4)}`);
      await expect(page.locator("#chart polyline").count()).resolves.toBeGreaterThan(0);
      await screenshot(page, "playground-train");

      // MNIST reads the page's own digits (gzip IDX files, fetched and unpacked in the page).
      // Stop ends a long run after the current step.
      await page.fill("#steps", "1000");
      await page.click("#train");
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { grovePlayground: State }).grovePlayground.train.steps
            .length >= 3,
      );
      await page.click("#stop");
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { grovePlayground: State }).grovePlayground.train.state ===
          "stopped",
      );
      const stopped = (await state(page)).train.steps.length;
      expect(stopped).toBeLessThan(1000);
      await expect(page.locator("#train-status").textContent()).resolves.toBe(
        `stopped after step ${stopped}`,
      );

      // Train right after the switch: the page checks the new text first (no stale program).
      await page.selectOption("#example", "mnist-mlp.grove");
      await page.fill("#steps", "3");
      await page.click("#train");
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { grovePlayground: State }).grovePlayground.train.state ===
          "done",
        null,
        { timeout: 60_000 },
      );
      const mnist = (await state(page)).train;
      expect(mnist.steps.map((s) => s.step)).toEqual([1, 2, 3]);
      expect(mnist.steps.every((s) => Number.isFinite(s.loss))).toBe(true);
      await expect(page.locator("#train-log").textContent()).resolves.toContain(
        "mnist (900 train, 100 validation, 200 test examples)",
      );
    },
  );

  it("says plainly that there is no WebGPU, and still checks", async () => {
    const page = await open({ webgpu: false });
    await page.goto(`${served.url}#regression.grove`);
    await page.waitForSelector("body[data-ready=true]", { state: "attached" });
    expect((await state(page)).checks).toBeGreaterThan(0);
    await page.click("#tab-train");
    await expect(page.locator("#no-webgpu").isVisible()).resolves.toBe(true);
    await expect(page.locator("#no-webgpu").textContent()).resolves.toContain(
      "does not offer WebGPU",
    );
    await expect(page.locator("#train").isDisabled()).resolves.toBe(true);
    await screenshot(page, "playground-no-webgpu");
  });
});
