/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed by scripts/setup.sh) driven
 * by playwright-core with WebGPU enabled (Chromium picks SwiftShader as the adapter here). One
 * browser per test file. Without the browser a file fails in CI (`CI=true`) and skips with a
 * visible warning elsewhere, like the GPU tests. Screenshots go to `test-artifacts/browser/`.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, describe, it } from "vitest";

export const chromiumPath = process.env.GROVE_CHROMIUM ?? "/usr/bin/chromium";
export const artifacts = resolve(import.meta.dirname, "../../test-artifacts/browser");

const missing = `no Chromium at ${chromiumPath}: run scripts/setup.sh (or set GROVE_CHROMIUM)`;

async function launch(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(missing);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--enable-unsafe-webgpu", "--no-sandbox", "--disable-background-networking"],
  });
}

/**
 * `describe(name, body)` with a page factory on the file's browser (`webgpu: false` launches no
 * second browser: it hides `navigator.gpu` before the page's scripts run).
 */
export function describeBrowser(
  name: string,
  body: (open: (options?: { webgpu?: boolean }) => Promise<Page>) => void,
): void {
  if (!existsSync(chromiumPath) && process.env.CI !== "true") {
    console.warn(`skipping browser tests: ${missing}`);
    describe(name, () => it.skip(missing, () => {}));
    return;
  }
  let browser: Promise<Browser> | undefined;
  describe(name, () => {
    afterAll(async () => (await browser?.catch(() => undefined))?.close());
    body(async ({ webgpu = true } = {}) => {
      const b = await (browser ??= launch());
      const page = await b.newPage({ viewport: { width: 900, height: 600 } });
      if (!webgpu)
        await page.addInitScript(
          'Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined });',
        );
      return page;
    });
  });
}

/** Saves a screenshot of `page` as `test-artifacts/browser/NAME.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
