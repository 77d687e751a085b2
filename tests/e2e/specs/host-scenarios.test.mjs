// The Host page's checks in the real window against every KubeSphere scenario of the
// built-in sandbox, and as a user who is not platform-admin: each verdict the page shows is
// the one that scenario calls for (core and CLI tests check the details behind them).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { openApp, textOf } from "../session.mjs";
import { runChecks } from "../host-checks.mjs";

const CASES = [
  { scenario: "healthy", expect: { connection: "pass", platformAdmin: "pass", permissions: "pass", towerExtension: "pass", towerPods: "pass", towerService: "pass", proxyAddress: "pass" } },
  { scenario: "lb-pending", expect: { towerExtension: "pass", towerService: "pass", proxyAddress: "fail" } },
  { scenario: "legacy-configmap", expect: { towerExtension: "pass", proxyAddress: "fail" } },
  { scenario: "v3-installer", expect: { kubesphere: "pass", proxyAddress: "fail" }, text: { kubesphere: /v3\.4\.1/ } },
  { scenario: "broken-config", expect: { towerExtension: "pass", proxyAddress: "fail" } },
  { scenario: "no-extension", expect: { kubesphere: "pass", towerExtension: "fail", towerPods: "fail", towerService: "fail" }, text: { towerExtension: /not installed/ } },
  { scenario: "extension-disabled", expect: { kubesphere: "pass", towerExtension: "fail", towerPods: "fail" }, text: { towerExtension: /installed but disabled/ } },
  { scenario: "healthy", context: "sandbox-host-viewer", expect: { connection: "pass", permissions: "fail" }, not: { platformAdmin: "pass" } },
];

describe("host checks in every sandbox scenario", () => {
  for (const { scenario, context = "sandbox-host", expect, text = {}, not = {} } of CASES) {
    it(`${scenario} as ${context}`, async () => {
      const app = await openApp({ args: ["--sandbox", scenario] });
      try {
        const { browser } = app;
        await (await browser.$(`tr[data-context="${context}"]`)).waitForDisplayed({ timeout: 15_000 });
        await (await browser.$(`tr[data-context="${context}"]`).$("button=Host")).click();
        await browser.waitUntil(async () => new RegExp(context).test(await textOf(browser, '[data-testid="status-host"]')));
        await (await browser.$('nav [data-stage="host"]')).click();
        const found = await runChecks(browser);
        for (const [id, verdict] of Object.entries(expect)) assert.equal(found[id], verdict, `${id} in ${scenario}: ${JSON.stringify(found)}`);
        for (const [id, verdict] of Object.entries(not)) assert.notEqual(found[id], verdict, `${id} in ${scenario}`);
        for (const [id, pattern] of Object.entries(text)) assert.match(await textOf(browser, `li[data-check="${id}"]`), pattern);
      } finally {
        await app.close();
      }
    });
  }
});
