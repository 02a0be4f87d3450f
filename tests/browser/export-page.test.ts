/**
 * `grove export --target browser`: the site it writes, served by `serveDirectory` (what
 * `grove serve` runs), trains in headless Chromium on `navigator.gpu` (SwiftShader): its per-step
 * losses match `grove train`'s on lavapipe within 1e-5 (different drivers and plans: portable
 * here, subgroups there; here they were in fact equal), the chart has a line per series with a
 * point per step, Pause then Continue takes the same steps as an unbroken run, the downloaded
 * checkpoint passes `grove eval`, and a page without WebGPU says so. Screenshots are kept in
 * test-artifacts/browser/.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveDirectory, type Served } from "../../src/cli/serve.js";
import { NO_ADAPTER, NO_WEBGPU } from "../../src/export/browser/app.js";
import { runGrove } from "../cli/run.js";
import { exportProgram, loggedSteps, tempDir } from "../export/program-helpers.js";
import { describeBrowser, screenshot } from "./chromium.js";

const file = "examples/regression.grove";

interface PageRun {
  readonly state: string;
  readonly error?: string;
  readonly steps: { step: number; loss: number }[];
  readonly epochs: { epoch: number; validation?: { loss: number } }[];
}

const pageRun = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { groveRun: PageRun }).groveRun);

/** Waits until the page's run is in `state` (or has failed). */
async function until(page: Page, state: string): Promise<PageRun> {
  await page.waitForFunction(
    (want) => {
      const s = (globalThis as unknown as { groveRun?: PageRun }).groveRun?.state;
      return s === want || s === "failed" || s === "no-webgpu";
    },
    state,
    { timeout: 120_000 },
  );
  const run = await pageRun(page);
  expect(run.error).toBeUndefined();
  expect(run.state).toBe(state);
  return run;
}

/** `grove train FILE --max-steps K`'s per-step losses (lavapipe). */
async function groveLosses(steps: number): Promise<number[]> {
  const dir = tempDir("grove-train-");
  const r = await runGrove([
    ...["train", file, "--max-steps", String(steps), "--log-json", join(dir, "log.jsonl")],
    ...["--checkpoint", join(dir, "run.safetensors")],
  ]);
  expect(r.code).toBe(0);
  return loggedSteps(join(dir, "log.jsonl")).map((s) => s.loss);
}

const close = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= 1e-5 * Math.abs(b[i]!));

describeBrowser("an exported page in headless Chromium", (open) => {
  let served: Served;
  beforeAll(async () => {
    served = await serveDirectory(await exportProgram(file, "browser"), { port: 0 });
  }, 60_000);
  afterAll(() => served.close());

  const steps = 40;
  let unbroken: number[];

  it(
    "trains K steps like grove train, with the chart, and its checkpoint passes grove eval",
    { timeout: 180_000 },
    async () => {
      const page = await open();
      await page.goto(`${served.url}?max-steps=${steps}`);
      const run = await until(page, "done");
      unbroken = run.steps.map((s) => s.loss);
      expect(run.steps.map((s) => s.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      const grove = await groveLosses(steps);
      expect(close(unbroken, grove), `${unbroken}\nvs grove train's\n${grove}`).toBe(true);
      // grove train's lines.
      const log = await page.locator("#log").textContent();
      expect(log).toMatch(
        /^training HousePrice on csv \(400 train, 100 validation examples\): 60 epochs of 13 steps, batch 32 \(the last batch of each epoch has 16\), seed 11, at most 40 steps in total\n/,
      );
      expect(log).toMatch(
        /\nepoch 1\/60 {2}loss \d+\.\d{4} {2}val_loss \d+\.\d{4} {2}val_mae \d+\.\d{4} {2}[\d.]+ steps\/s/,
      );
      expect(log).toContain("\nstopped at step 40 (--max-steps 40)\n");
      expect(await page.locator("#progress-text").textContent()).toMatch(
        /^epoch 4\/60 \[#+\.*\] 1\/13 steps {2}loss \d+\.\d{4} {2}mae \d+\.\d{4} {2}ETA \d+:\d\d/,
      );
      expect(await page.locator("#fill").getAttribute("style")).toBe("width: 100%;");
      // The chart: a line per series, a point per step for the step series.
      const lines = await page
        .locator("#chart svg polyline")
        .evaluateAll((ps) =>
          ps.map((p) => [
            p.getAttribute("data-label"),
            p.getAttribute("points")!.split(" ").length,
          ]),
        );
      expect(lines).toEqual([
        ["loss (step)", steps],
        ["loss (epoch)", 4],
        ["val_loss", 4],
        ["mae (step)", steps],
        ["val_mae", 4],
      ]);
      const shot = await screenshot(page, "export-page-trained");
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      // The checkpoint button downloads the last checkpoint, which grove eval reads.
      expect(await page.locator("#download").textContent()).toBe("Download checkpoint (step 40)");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("#download"),
      ]);
      expect(download.suggestedFilename()).toBe("HousePrice.safetensors");
      const saved = join(tempDir(), "page.safetensors");
      await download.saveAs(saved);
      const evaluated = await runGrove(["eval", file, "--checkpoint", saved]);
      expect(evaluated.code).toBe(0);
      const loss = Number(/\(step 40\): loss (\S+)/.exec(evaluated.out)![1]);
      expect(Math.abs(loss - run.epochs.at(-1)!.validation!.loss)).toBeLessThan(1e-4);
      await page.close();
    },
  );

  it(
    "pauses with a checkpoint and continues to the steps of an unbroken run",
    { timeout: 180_000 },
    async () => {
      const page = await open();
      await page.goto(`${served.url}?max-steps=${steps}`);
      await page.waitForFunction(
        () => (globalThis as unknown as { groveRun: PageRun }).groveRun.steps.length >= 3,
      );
      await page.click("#pause");
      const paused = await until(page, "paused");
      const at = paused.steps.length;
      expect(at).toBeLessThan(steps);
      expect(await page.locator("#pause").textContent()).toBe("Continue");
      expect(await page.locator("#download").textContent()).toBe(
        `Download checkpoint (step ${at})`,
      );
      await page.click("#pause");
      const run = await until(page, "done");
      expect(await page.locator("#log").textContent()).toContain(
        `\npaused at step ${at}\nresuming from HousePrice.safetensors at step ${at} `,
      );
      expect(run.steps.map((s) => s.loss)).toEqual(unbroken);
      await page.close();
    },
  );

  it("says plainly that there is no WebGPU and how to get it", async () => {
    const page = await open({ webgpu: false });
    await page.goto(served.url);
    await until(page, "no-webgpu");
    const notice = page.locator("#no-webgpu");
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toBe(NO_WEBGPU);
    expect(NO_WEBGPU).toContain("--enable-unsafe-webgpu");
    await screenshot(page, "export-page-no-webgpu");
    expect(existsSync(join("test-artifacts/browser", "export-page-no-webgpu.png"))).toBe(true);
    await page.close();
  });

  it("says so when WebGPU is there but finds no adapter", async () => {
    const page = await open();
    // What a browser with WebGPU turned off or a blocklisted GPU answers.
    await page.addInitScript("GPU.prototype.requestAdapter = async () => null;");
    await page.goto(served.url);
    await until(page, "no-webgpu");
    expect(await page.locator("#no-webgpu").textContent()).toBe(NO_ADAPTER);
    await page.close();
  });
});
