// The built-in sandbox in the real window: it says it is a sandbox, lists the simulated
// clusters' contexts, and is left for the user's own kubeconfigs in one click.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, textOf } from "../session.mjs";

describe("the sandbox", () => {
  let app;
  // "Use my kubeconfigs" reads KUBECONFIG: point it at a file of our own, not the machine's.
  const own = join(mkdtempSync(join(tmpdir(), "ks-onboard-e2e-")), "config");
  writeFileSync(own, "contexts:\n- name: my-own-cluster\n  context: {cluster: mine, user: me}\n");

  before(async () => {
    app = await openApp({ args: ["--sandbox", "healthy"], env: { KUBECONFIG: own } });
    await app.browser.execute(() => {
      localStorage.clear();
      location.reload();
    });
  });
  after(async () => app?.close());

  it("says the clusters are simulated and lists the sandbox contexts", async () => {
    const { browser } = app;
    assert.match(await textOf(browser, '[data-testid="sandbox-banner"]'), /You are in the sandbox.*“healthy”/s);
    assert.equal(await textOf(browser, '[data-testid="status-sandbox"]'), "Sandbox · healthy");
    await browser.waitUntil(async () => (await browser.$$("tbody tr")).length === 3);
    for (const name of ["sandbox-host", "sandbox-host-viewer", "sandbox-member"]) {
      assert.ok(await (await browser.$(`tr[data-context="${name}"]`)).isDisplayed(), name);
    }
    await (await browser.$('tr[data-context="sandbox-host"]').$("button=Host")).click();
    await browser.waitUntil(async () => /sandbox-host/.test(await textOf(browser, '[data-testid="status-host"]')));
  });

  it("switches to the user's kubeconfigs in one click", async () => {
    const { browser } = app;
    await (await browser.$("button=Use my kubeconfigs")).click();
    await browser.waitUntil(async () => !(await (await browser.$('[data-testid="sandbox-banner"]')).isExisting()));
    await (await browser.$('tr[data-context="my-own-cluster"]')).waitForDisplayed({ timeout: 10_000 });
    assert.match(await textOf(browser, '[data-testid="status-host"]'), /not chosen/);
  });
});
