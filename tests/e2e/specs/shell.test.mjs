// The real window: every stage reachable by mouse and keyboard, both languages, status bar.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openApp, textOf } from "../session.mjs";

const STAGES = [
  ["kubeconfigs", "Kubeconfigs", "No contexts chosen yet"],
  ["host", "Host", "No host to check"],
  ["proxy-address", "Proxy address", "Check the host first"],
  ["add-cluster", "Add cluster", "The proxy address comes first"],
  ["join", "Join", "No cluster waiting to join"],
  ["clusters", "Clusters & history", "Nothing changed yet"],
];

describe("the app window", () => {
  let app;
  before(async () => {
    app = await openApp({ args: ["--kubeconfig", "/tmp/e2e-host.kubeconfig"] });
    // A fresh profile every run would be ideal; instead reset what the UI remembers.
    await app.browser.execute(() => {
      localStorage.clear();
      location.reload();
    });
  });
  after(async () => app?.close());

  it("opens titled, on the first stage, with the status bar filled from Rust", async () => {
    const { browser } = app;
    assert.equal(await browser.getTitle(), "Onboard for KubeSphere");
    assert.equal(await textOf(browser, "#stage-title"), "Kubeconfigs");
    const status = await textOf(browser, '[data-testid="status-bar"]');
    assert.match(status, /Host\s*not chosen/);
    assert.match(status, /Member\s*not chosen/);
    // WebDriver's visible-text rule skips a clipped (ellipsis) box, so read the path's text.
    const source = await (await browser.$(".status-value")).getProperty("textContent");
    assert.equal(source, "/tmp/e2e-host.kubeconfig");
    assert.match(status, /Version \d+\.\d+\.\d+/);
    assert.match(await textOf(browser, '[data-testid="stage-kubeconfigs"]'), /\/tmp\/e2e-host\.kubeconfig/);
  });

  it("walks every stage from the navigation and shows its empty state and guide", async () => {
    const { browser } = app;
    for (const [id, title, emptyTitle] of STAGES) {
      await (await browser.$(`nav [data-stage="${id}"]`)).click();
      assert.equal(await textOf(browser, "#stage-title"), title);
      assert.match(await textOf(browser, `[data-testid="stage-${id}"]`), new RegExp(emptyTitle));
      assert.notEqual((await textOf(browser, '[data-testid="guide"]')).trim(), "");
      const current = await browser.$(`nav [data-stage="${id}"]`);
      assert.equal(await current.getAttribute("aria-current"), "step");
    }
  });

  it("follows each empty state's action back to the step before it", async () => {
    const { browser } = app;
    await (await browser.$('nav [data-stage="join"]')).click();
    await (await browser.$("button=Go to Add cluster")).click();
    assert.equal(await textOf(browser, "#stage-title"), "Add cluster");
  });

  it("is usable from the keyboard alone", async () => {
    const { browser } = app;
    await (await browser.$('nav [data-stage="kubeconfigs"]')).click();
    assert.equal(
      await browser.execute(() => document.activeElement?.getAttribute("data-stage")),
      "kubeconfigs",
    );
    await browser.keys(["ArrowDown"]);
    await browser.keys(["ArrowDown"]);
    await browser.keys(["Enter"]);
    assert.equal(await textOf(browser, "#stage-title"), "Proxy address");
    await browser.keys(["Alt", "6"]);
    assert.equal(await textOf(browser, "#stage-title"), "Clusters & history");
  });

  it("switches to Simplified Chinese and back", async () => {
    const { browser } = app;
    await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "zh-CN");
    assert.equal(await textOf(browser, "#stage-title"), "集群与历史");
    assert.match(await textOf(browser, "nav"), /主集群/);
    assert.match(await textOf(browser, '[data-testid="status-bar"]'), /未选择/);
    await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
    assert.equal(await textOf(browser, "#stage-title"), "Clusters & history");
  });
});
