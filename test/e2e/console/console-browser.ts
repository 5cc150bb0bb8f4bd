import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Debian's Chromium, installed by `.ci/run` (`apt-get install chromium`) when it is missing. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const SCREENSHOT_DIR = path.join(REPO, "test/e2e/screenshots");

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Builds the console from the current sources into `outDir`, so the test never runs against a stale build in
 * dist/console. Vite is run as its CLI (as `npm run build:console` does) in a child process.
 */
export async function buildConsole(outDir: string): Promise<void> {
  const vite = path.join(REPO, "node_modules/.bin/vite");
  await promisify(execFile)(vite, ["build", "--config", "src/admin/console/web/vite.config.ts", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], { cwd: REPO });
}

/**
 * Starts headless Chromium. The flags are those this machine needs: no sandbox as root, no background networking
 * (the closed network refuses Chromium's own update and sync connections), and /tmp instead of a small /dev/shm.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** Saves a full-page screenshot as test/e2e/screenshots/<name>.png for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
