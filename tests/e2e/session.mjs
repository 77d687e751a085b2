// Starts tauri-driver (which starts WebKitWebDriver) and opens a WebDriver session on the
// real app binary. The binary must come from `tauri build`: a plain `cargo build` loads the
// dev server instead of the bundled UI. Needs a display: run under `xvfb-run`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { remote } from "webdriverio";

const root = resolve(import.meta.dirname, "../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
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
 * is added to its environment (through tauri-driver and WebKitWebDriver, which pass it on). */
export async function openApp({ args = [], env = {}, port = 4444 } = {}) {
  if (!existsSync(application)) {
    throw new Error(`app binary not found at ${application}: build it with \`npm exec --prefix ui -- tauri build\``);
  }
  const driver = spawn(driverBinary(), ["--port", String(port)], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise((r) => driver.once("exit", r));
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
      driver.kill();
      await exited;
    };
    return { browser, close };
  } catch (error) {
    driver.kill();
    await exited;
    throw error;
  }
}

/** Visible text of the element matching `selector`, waiting for it to appear. */
export async function textOf(browser, selector) {
  const element = await browser.$(selector);
  await element.waitForDisplayed({ timeout: 10_000 });
  return element.getText();
}
