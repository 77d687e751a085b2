// The real window: every stage reachable by mouse and keyboard, both languages, status bar.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { openApp, textOf } from "../session.mjs";

const KUBECONFIG = fileURLToPath(new URL("../fixtures/two-clusters.yaml", import.meta.url));

const STAGES = [
  ["kubeconfigs", "Kubeconfigs", "API server"],
  // A host is chosen by then (see below), so the stages show their pages, not empty states;
  // Join has no join to follow yet.
  ["host", "Host", "Checks on “kubesphere-host”"],
  ["proxy-address", "Proxy address", "Proxy address of “kubesphere-host”"],
  ["add-cluster", "Add cluster", "Add a cluster to “kubesphere-host”"],
  ["join", "Join", "No cluster waiting to join"],
  ["clusters", "Clusters & history", "Clusters of “kubesphere-host”"],
];

describe("the app window", () => {
  let app;
  before(async () => {
    app = await openApp({ args: ["--kubeconfig", KUBECONFIG] });
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
    await browser.$("tbody tr").waitForDisplayed({ timeout: 10_000 });
    // WebDriver's visible-text rule skips a clipped (ellipsis) box, so read the path's text.
    const source = await (await browser.$(".status-value")).getProperty("textContent");
    assert.equal(source, KUBECONFIG);
    assert.match(status, /Version \d+\.\d+\.\d+/);
    assert.match(await textOf(browser, '[data-testid="kubeconfig-sources"]'), /two-clusters\.yaml/);
  });

  it("lists the contexts of the file and assigns the host and the member", async () => {
    const { browser } = app;
    const rows = await browser.$$("tbody tr");
    assert.equal(rows.length, 3);
    assert.match(await textOf(browser, 'tr[data-context="edge-member"]'), /https:\/\/127\.0\.0\.2:16443.*TLS not verified/s);
    assert.match(await textOf(browser, 'tr[data-context="edge-member"]'), /plugin: kubelogin/);
    assert.doesNotMatch(await textOf(browser, "main"), /e2e-canary-token/);

    await (await browser.$('tr[data-context="kubesphere-host"]').$("button=Host")).click();
    await (await browser.$('tr[data-context="edge-member"]').$("button=Member")).click();
    await browser.waitUntil(async () => /edge-member/.test(await textOf(browser, '[data-testid="status-member"]')));
    assert.match(await textOf(browser, '[data-testid="status-host"]'), /kubesphere-host/);
    const pressed = await (await browser.$('tr[data-context="kubesphere-host"]').$("button=Host")).getAttribute("aria-pressed");
    assert.equal(pressed, "true");
  });

  it("refuses the host's own cluster as the member and says why", async () => {
    const { browser } = app;
    await (await browser.$('tr[data-context="host-again"]').$("button=Member")).click();
    assert.match(await textOf(browser, '[role="alert"]'), /"host-again" and "kubesphere-host" are the same cluster/);
    assert.match(await textOf(browser, '[data-testid="status-member"]'), /edge-member/);
  });

  it("searches the contexts as you type", async () => {
    const { browser } = app;
    const search = await browser.$('[data-testid="context-search"]');
    await search.setValue("edge");
    await browser.waitUntil(async () => (await browser.$$("tbody tr")).length === 1);
    await search.click();
    await browser.keys(["Control", "a"]);
    await browser.keys(["Backspace"]);
    await browser.waitUntil(async () => (await browser.$$("tbody tr")).length === 3);
  });

  it("walks every stage from the navigation and shows its page or empty state, and guide", async () => {
    const { browser } = app;
    for (const [id, title, emptyTitle] of STAGES) {
      await (await browser.$(`nav [data-stage="${id}"]`)).click();
      assert.equal(await textOf(browser, "#stage-title"), title);
      assert.match(await textOf(browser, `[data-testid="stage-${id}"]`), new RegExp(emptyTitle, "i"));
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
    assert.match(await textOf(browser, '[data-testid="status-bar"]'), /主集群\s*kubesphere-host/);
    await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
    assert.equal(await textOf(browser, "#stage-title"), "Clusters & history");
  });
});
