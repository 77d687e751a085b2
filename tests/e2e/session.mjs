// Starts tauri-driver (which starts WebKitWebDriver) and opens a WebDriver session on the
// real app binary. The binary must come from `tauri build`: a plain `cargo build` loads the
// dev server instead of the bundled UI. Needs a display: run under `xvfb-run`.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const ARTIFACTS = join(import.meta.dirname, "artifacts");
// Same default as scripts/lib/setup.sh: builds live outside the clone.
const targetDir = process.env.CARGO_TARGET_DIR ?? "/var/cache/ks-onboard/target";
export const application = process.env.KS_ONBOARD_APP ?? join(targetDir, "release", "ks-onboard");

function driverBinary() {
  const fromCargo = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin", "tauri-driver");
  return existsSync(fromCargo) ? fromCargo : "tauri-driver";
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Opens the app; returns { browser, close }. `args` are passed to the app binary, `env`
 * is added to its environment (through tauri-driver and WebKitWebDriver, which pass it on).
 * Unless `env` names one, the app keeps its store in a fresh directory, removed on close:
 * no test run ever writes to the user's own ~/.local/share. */
export async function openApp({ args = [], env = {}, port = 4444 } = {}) {
  if (!existsSync(application)) {
    throw new Error(`app binary not found at ${application}: build it with \`npm exec --prefix ui -- tauri build\``);
  }
  const dataDir = env.KS_ONBOARD_DATA_DIR ? null : mkdtempSync(join(tmpdir(), "ks-onboard-e2e-data-"));
  const appEnv = dataDir ? { KS_ONBOARD_DATA_DIR: dataDir, ...env } : env;
  // The driver, WebKitWebDriver and the app run in a process group of their own, so closing
  // ends all three even when the WebDriver session cannot be deleted; their output goes to a
  // log file, so a process left behind cannot hold the test runner's pipes open.
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = openSync(join(ARTIFACTS, "tauri-driver.log"), "a");
  const driver = spawn(driverBinary(), ["--port", String(port)], {
    stdio: ["ignore", log, log],
    env: { ...process.env, ...appEnv },
    detached: true,
  });
  closeSync(log);
  const exited = new Promise((r) => driver.once("exit", r));
  const stop = async () => {
    try {
      process.kill(-driver.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await exited;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 10_000);
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      capabilities: {
        browserName: "wry",
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application, args },
      },
    });
    const close = async () => {
      await browser.deleteSession().catch(() => {});
      await stop();
    };
    return { browser, close };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Visible text of the element matching `selector`, waiting for it to appear. */
export async function textOf(browser, selector) {
  const element = await browser.$(selector);
  await element.waitForDisplayed({ timeout: 10_000 });
  return element.getText();
}

/** Makes the sandbox's contexts the host and the member, and waits for the status bar. */
export async function chooseSandboxRoles(browser) {
  await (await browser.$('tr[data-context="sandbox-host"]')).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$('tr[data-context="sandbox-host"]').$("button=Host")).click();
  await (await browser.$('tr[data-context="sandbox-member"]').$("button=Member")).click();
  await browser.waitUntil(async () => /sandbox-member/.test(await textOf(browser, '[data-testid="status-member"]')));
}
