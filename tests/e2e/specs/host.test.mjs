// The Host and Proxy address pages in the real window, against the built-in sandbox's
// "lb-pending" host (tower's LoadBalancer has no EXTERNAL-IP, nothing configured): the
// checks fill in and name the missing address; the address is written after a preview of
// the change, the checks then pass, and one click restores the previous state.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openApp, textOf } from "../session.mjs";
import { runChecks } from "../host-checks.mjs";

const ADDRESS = "http://139.198.120.120:30000";

describe("host readiness and the proxy address", () => {
  let app;
  before(async () => {
    app = await openApp({ args: ["--sandbox", "lb-pending"] });
  });
  after(async () => app?.close());

  it("checks the host chosen on the first page, each check with its verdict", async () => {
    const { browser } = app;
    await (await browser.$('tr[data-context="sandbox-host"]').$("button=Host")).click();
    await browser.waitUntil(async () => /sandbox-host/.test(await textOf(browser, '[data-testid="status-host"]')));
    await (await browser.$('nav [data-stage="host"]')).click();
    const found = await runChecks(browser);
    for (const id of ["connection", "platformAdmin", "permissions", "kubesphere", "towerExtension", "towerPods", "towerService"]) {
      assert.equal(found[id], "pass", `${id}: ${found[id]}`);
    }
    assert.equal(found.proxyAddress, "fail");
    const row = await textOf(browser, 'li[data-check="proxyAddress"]');
    assert.match(row, /no proxy address/);
    assert.match(await textOf(browser, '[data-testid="stage-host"] [role="status"]'), /check\(s\) failed/);
  });

  it("previews the change of Secret tower, writes it, and the host checks then pass", async () => {
    const { browser } = app;
    await (await browser.$('nav [data-stage="proxy-address"]')).click();
    await (await browser.$("button=Read current address")).click();
    await (await browser.$('[data-testid="proxy-current"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$("#proxy-url")).setValue(ADDRESS);
    await (await browser.$("button=Preview change")).click();
    const plan = await textOf(browser, '[data-testid="plan"]');
    assert.match(plan, /proxyPublishAddress/);
    assert.match(plan, /139\.198\.120\.120:30000/);
    await (await browser.$("button=Write the address")).click();
    const done = await textOf(browser, '[data-testid="set-done"]');
    assert.match(done, /Written and verified: members will dial http:\/\/139\.198\.120\.120:30000/);

    await (await browser.$('nav [data-stage="host"]')).click();
    const found = await runChecks(browser);
    assert.equal(found.proxyAddress, "pass");
    assert.match(await textOf(browser, '[data-testid="stage-host"] [role="status"]'), /ready for members to join/);
  });

  it("restores the previous state in one click", async () => {
    const { browser } = app;
    await (await browser.$('nav [data-stage="proxy-address"]')).click();
    await (await browser.$("button=Restore previous state")).click();
    assert.match(await textOf(browser, '[data-testid="restored"]'), /Restored byte for byte/);
    await (await browser.$('nav [data-stage="host"]')).click();
    const found = await runChecks(browser);
    assert.equal(found.proxyAddress, "fail");
  });
});
