// Saves a screenshot of every stage, in English and Simplified Chinese, to docs/screenshots/.
// Run under xvfb-run after `tauri build` (scripts/screenshots.sh does both).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openApp, textOf } from "./session.mjs";

const out = resolve(import.meta.dirname, "../../docs/screenshots");
mkdirSync(out, { recursive: true });
const STAGES = ["kubeconfigs", "host", "proxy-address", "add-cluster", "join", "clusters"];

const args = ["--kubeconfig", fileURLToPath(new URL("./fixtures/two-clusters.yaml", import.meta.url))];
const IMPORT_FILES = ["host.yaml", "member.yaml"].map((name) => fileURLToPath(new URL(`./fixtures/import/${name}`, import.meta.url)));

/** The import dialog showing its preview of the two kubeadm fixtures (nothing is imported). */
async function importPreview(browser, file) {
  await (await browser.$('nav [data-stage="kubeconfigs"]')).click();
  await (await browser.$('[data-testid="open-import"]')).click();
  for (const path of IMPORT_FILES) {
    await (await browser.$('[data-testid="import-path"]')).setValue(path);
    await (await browser.$('[data-testid="add-path"]')).click();
  }
  await (await browser.$('[data-testid="run-preview"]')).click();
  await textOf(browser, '[data-testid="import-preview"]');
  await browser.saveScreenshot(file);
  console.log(`saved ${file}`);
  await browser.keys(["Escape"]);
}

/** The details of a context read from the user's files. */
async function contextDetails(browser, file) {
  await (await browser.$('tr[data-context="kubesphere-host"] [data-action="details"]')).click();
  await (await browser.$('[data-testid="context-details"] [data-field="token"]')).waitForDisplayed({ timeout: 10_000 });
  await browser.saveScreenshot(file);
  console.log(`saved ${file}`);
  await browser.keys(["Escape"]);
}
const { browser, close } = await openApp({ args });
try {
  await browser.execute(() => {
    localStorage.clear();
    location.reload();
  });
  // Pick the roles first so every page shows a filled status bar.
  await (await browser.$('tr[data-context="kubesphere-host"]').$("button=Host")).click();
  await (await browser.$('tr[data-context="edge-member"]').$("button=Member")).click();
  for (const language of ["en", "zh-CN"]) {
    await (await browser.$('[data-testid="language"]')).selectByAttribute("value", language);
    for (const [index, stage] of STAGES.entries()) {
      await (await browser.$(`nav [data-stage="${stage}"]`)).click();
      await textOf(browser, `[data-testid="stage-${stage}"]`);
      const file = join(out, `${language}-${index + 1}-${stage}.png`);
      await browser.saveScreenshot(file);
      console.log(`saved ${file}`);
    }
    await importPreview(browser, join(out, `${language}-1b-import.png`));
    await contextDetails(browser, join(out, `${language}-1c-context-details.png`));
  }
} finally {
  await close();
}

// Dark mode follows the OS: GTK's dark theme preference makes WebKit report prefers-color-scheme: dark.
const dark = await openApp({ args, env: { GTK_THEME: "Adwaita:dark" } });
try {
  for (const language of ["en", "zh-CN"]) {
    await (await dark.browser.$('[data-testid="language"]')).selectByAttribute("value", language);
    await (await dark.browser.$('nav [data-stage="proxy-address"]')).click();
    await textOf(dark.browser, '[data-testid="stage-proxy-address"]');
    const file = join(out, `${language}-dark-3-proxy-address.png`);
    await dark.browser.saveScreenshot(file);
    console.log(`saved ${file}`);
  }
  await (await dark.browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await importPreview(dark.browser, join(out, "en-dark-1b-import.png"));
} finally {
  await dark.close();
}

// The built-in sandbox, as `scripts/run.sh` opens it.
const sandbox = await openApp({ args: ["--sandbox", "healthy"] });
try {
  await (await sandbox.browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await (await sandbox.browser.$('tr[data-context="sandbox-host"]')).waitForDisplayed({ timeout: 10_000 });
  await (await sandbox.browser.$('tr[data-context="sandbox-host"]').$("button=Host")).click();
  await (await sandbox.browser.$('tr[data-context="sandbox-member"]').$("button=Member")).click();
  await sandbox.browser.waitUntil(async () => /sandbox-member/.test(await textOf(sandbox.browser, '[data-testid="status-member"]')));
  const file = join(out, "en-sandbox-1-kubeconfigs.png");
  await sandbox.browser.saveScreenshot(file);
  console.log(`saved ${file}`);
} finally {
  await sandbox.close();
}

// The sandbox's "lb-pending" host: a connection test, the host checks (the proxy address
// missing), and the proxy address page with the change previewed.
const pending = await openApp({ args: ["--sandbox", "lb-pending"] });
try {
  const { browser } = pending;
  const save = async (name) => {
    const file = join(out, name);
    await browser.saveScreenshot(file);
    console.log(`saved ${file}`);
  };
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await (await browser.$('tr[data-context="sandbox-host"]')).waitForDisplayed({ timeout: 10_000 });
  await (await browser.$('tr[data-context="sandbox-host"]').$("button=Host")).click();
  await (await browser.$('tr[data-context="sandbox-member"]').$("button=Member")).click();
  await browser.waitUntil(async () => /sandbox-member/.test(await textOf(browser, '[data-testid="status-member"]')));
  await (await browser.$("button=Test connection")).click();
  await browser.waitUntil(async () => /Connected/.test(await (await browser.$("body")).getText()), { timeout: 20_000 });
  await (await browser.$(".connection-tests")).scrollIntoView();
  await save("en-sandbox-1d-connection-test.png");

  await (await browser.$('nav [data-stage="host"]')).click();
  await (await browser.$("button=Run checks")).click();
  await browser.waitUntil(async () => (await browser.$$('li[data-verdict="pending"]')).length === 0 && (await browser.$$("li[data-check]")).length === 9, {
    timeout: 30_000,
  });
  await save("en-sandbox-2-host-checks.png");

  await (await browser.$('nav [data-stage="proxy-address"]')).click();
  await (await browser.$("button=Read current address")).click();
  await (await browser.$('[data-testid="proxy-current"]')).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("#proxy-url")).setValue("http://139.198.120.120:30000");
  await (await browser.$("button=Preview change")).click();
  const plan = await browser.$('[data-testid="plan"]');
  await plan.waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("button=Preview change")).waitForEnabled({ timeout: 15_000 });
  await plan.scrollIntoView({ block: "center" });
  await save("en-sandbox-3-proxy-address-preview.png");
} finally {
  await pending.close();
}
