// Files dropped onto the real window: a GTK drag source (as a file manager is) offers a
// kubeconfig, the X pointer drags it onto the app with xdotool, and Tauri hands its path to
// the import dialog. The window sits at 0,0 (Xvfb has no window manager); the source beside it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openApp, textOf } from "../session.mjs";

const FILE = fileURLToPath(new URL("../fixtures/import/host.yaml", import.meta.url));
const SOURCE = fileURLToPath(new URL("../drag-source.py", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const xdotool = (...args) => execFileSync("xdotool", args.map(String));

describe("dropping files onto the window", () => {
  let app;
  let source;
  before(async () => {
    app = await openApp({ env: { KUBECONFIG: "/nonexistent/ks-onboard-e2e/kubeconfig" } });
    await (await app.browser.$('[data-testid="open-import"]')).waitForDisplayed({ timeout: 10_000 });
    source = spawn("/usr/bin/python3", [SOURCE, FILE, 1200, 790], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve, reject) => {
      source.stdout.once("data", resolve);
      source.once("exit", (code) => reject(new Error(`drag-source.py exited with ${code}`)));
    });
    await sleep(500);
  });
  after(async () => {
    source?.kill();
    await app?.close();
  });

  it("opens the import dialog with the dropped file listed", async () => {
    const { browser } = app;
    xdotool("mousemove", 1230, 815);
    await sleep(200);
    xdotool("mousedown", 1);
    // Move in steps, as a hand does: GTK starts a drag only after the pointer has moved.
    for (let step = 1; step <= 20; step++) {
      xdotool("mousemove", 1230 - step * 30, 815 - step * 20);
      await sleep(50);
    }
    await sleep(300);
    xdotool("mouseup", 1);
    assert.equal(await textOf(browser, '[data-testid="import-panel"] .path-list code'), FILE);
    assert.equal(await (await browser.$('input[value="files"]')).isSelected(), true);
  });
});
