import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { dashboardAssetsDir } from "../../src/server/dashboard.js";

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Whether the browser tests can run. Without Chromium they are skipped with one loud line, but
 * under CI that is an error: a skipped dashboard must not pass a build. Without the built
 * dashboard (npm run build) they fail, naming the command.
 */
export function browserTestsCanRun(): boolean {
  if (dashboardAssetsDir() === null) throw new Error("the dashboard is not built: run `npm run build` first (it compiles dashboard/ into dist/dashboard)");
  if (existsSync(CHROMIUM)) return true;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.CI) throw new Error(`${reason} (CI is set, so this fails the run)`);
  console.warn(`\n!!!!! SKIPPING DASHBOARD BROWSER TESTS — ${reason} !!!!!\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
