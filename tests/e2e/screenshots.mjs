// Saves a screenshot of every stage, in English and Simplified Chinese, to docs/screenshots/.
// Run under xvfb-run after `tauri build` (scripts/screenshots.sh does both).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseSandboxRoles, openApp, textOf } from "./session.mjs";
import { walkWizardToReview } from "./wizard.mjs";

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
  await chooseSandboxRoles(sandbox.browser);
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
  await chooseSandboxRoles(browser);
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

// The sandbox's "healthy" host: the Add cluster wizard (filled, and its review), the Join page
// applying agent.yaml and following the join to Ready, the cluster list and the removal dialog.
const healthy = await openApp({ args: ["--sandbox", "healthy"] });
try {
  const { browser } = healthy;
  const save = async (name, selector) => {
    if (selector) await (await browser.$(selector)).scrollIntoView({ block: "start" });
    const file = join(out, name);
    await browser.saveScreenshot(file);
    console.log(`saved ${file}`);
  };
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await chooseSandboxRoles(browser);

  await (await browser.$('nav [data-stage="add-cluster"]')).click();
  await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("#cluster-name")).setValue("Edge_1");
  await browser.waitUntil(async () => (await browser.$$("#cluster-name-errors li")).length > 0, { timeout: 10_000 });
  await save("en-sandbox-4a-add-cluster-invalid-name.png");
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "zh-CN");
  await save("zh-CN-sandbox-4a-add-cluster-invalid-name.png");
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await (await browser.$("#cluster-name")).clearValue();
  await (await browser.$("#cluster-name")).setValue("edge-1");
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", { timeout: 10_000 });
  await (await browser.$('button.tag-suggestion[data-tag="env=production"]')).click();
  await (await browser.$("#cluster-provider")).setValue("Amazon EKS");
  await (await browser.$("#cluster-description")).setValue("Edge site 1, joined through tower");
  await browser.waitUntil(async () => /33/.test(await textOf(browser, '[data-testid="description-counter"]')), { timeout: 5_000 });
  await save("en-sandbox-4b-add-cluster-basic.png");
  await walkWizardToReview(browser, "config");
  await save("en-sandbox-4c-add-cluster-config.png");
  await walkWizardToReview(browser);
  await textOf(browser, '[data-testid="review"]');
  await save("en-sandbox-4d-add-cluster-review.png");
  await (await browser.$('[data-testid="wizard-create"]')).click();
  await textOf(browser, '[data-testid="add-done"]');
  await save("en-sandbox-4e-add-cluster-created.png");
  await (await browser.$('[data-testid="go-to-join"]')).click();

  await (await browser.$('[data-testid="manifest-yaml"]')).waitForDisplayed({ timeout: 20_000 });
  await save("en-sandbox-5a-join-agent-yaml.png", '[data-testid="agent-manifest"]');
  await (await browser.$('[data-testid="probe-nodes"]')).click();
  await (await browser.$('[data-testid="probe-table"]')).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$('[data-testid="plan-apply"]')).click();
  await (await browser.$('[data-testid="plan-table"]')).waitForDisplayed({ timeout: 15_000 });
  await save("en-sandbox-5b-join-plan.png", '[data-testid="agent-plan"]');
  await (await browser.$('[data-testid="apply-agent"]')).click();
  await (await browser.$('[data-testid="join-ready"]')).waitForDisplayed({ timeout: 60_000 });
  await save("en-sandbox-5c-join-ready.png", '[data-testid="join-session"]');
  await save("en-sandbox-5d-join-timeline.png", '[data-testid="join-timeline"]');
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "zh-CN");
  await save("zh-CN-sandbox-5c-join-ready.png", '[data-testid="join-session"]');
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");

  await (await browser.$('[data-testid="go-to-clusters"]')).click();
  await (await browser.$('[data-testid="clusters-table"] tr[data-cluster="edge-1"]')).waitForDisplayed({ timeout: 15_000 });
  await save("en-sandbox-6a-clusters.png");
  await (await browser.$('[data-testid="clusters-table"] tr[data-cluster="edge-1"] button[data-action="remove"]')).click();
  await (await browser.$('[data-testid="remove-dialog"] section.removal-side[data-side="member"] li[data-object]')).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$("#remove-confirm")).setValue("edge-1");
  await (await browser.$('[data-testid="remove-confirm-button"]')).waitForEnabled({ timeout: 5_000 });
  await save("en-sandbox-6b-remove-dialog.png", "#remove-confirm");
} finally {
  await healthy.close();
}

// A join that cannot finish: in "extension-disabled" tower does not run, and the timeline says so.
const stuck = await openApp({ args: ["--sandbox", "extension-disabled"] });
try {
  const { browser } = stuck;
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await chooseSandboxRoles(browser);
  await (await browser.$('nav [data-stage="add-cluster"]')).click();
  await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("#cluster-name")).setValue("edge-2");
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", { timeout: 10_000 });
  await walkWizardToReview(browser);
  await (await browser.$('[data-testid="wizard-create"]')).click();
  await (await browser.$('[data-testid="go-to-join"]')).click();
  await (await browser.$('[data-testid="diagnoses"] li[data-code="towerNotRunning"]')).waitForDisplayed({ timeout: 30_000 });
  const file = join(out, "en-sandbox-5e-join-diagnosis.png");
  await (await browser.$('[data-testid="diagnoses"]')).scrollIntoView({ block: "start" });
  await browser.saveScreenshot(file);
  console.log(`saved ${file}`);
} finally {
  await stuck.close();
}

// The sandbox's "air-gapped" member: the Cluster Configuration step finds it cannot reach
// docker.io and takes the mirror; the Join page shows the mirror and the images, checks the
// pull and applies; Clusters & history shows the audit log of those changes.
const airGapped = await openApp({ args: ["--sandbox", "air-gapped"] });
try {
  const { browser } = airGapped;
  const save = async (name, selector) => {
    if (selector) await (await browser.$(selector)).scrollIntoView({ block: "start" });
    const file = join(out, name);
    await browser.saveScreenshot(file);
    console.log(`saved ${file}`);
  };
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await chooseSandboxRoles(browser);
  await (await browser.$('nav [data-stage="add-cluster"]')).click();
  await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("#cluster-name")).setValue("edge-air");
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", { timeout: 10_000 });
  await walkWizardToReview(browser, "config");
  await (await browser.$('[data-testid="check-public-pull"]')).click();
  await (await browser.$('[data-testid="public-pull-result"]')).waitForDisplayed({ timeout: 30_000 });
  await (await browser.$("#mirror-registry")).setValue("auth-mirror.local:5000");
  await (await browser.$("#mirror-pull-secret")).setValue("mirror-pull");
  await (await browser.$("#mirror-username")).setValue("sandbox");
  await (await browser.$("#mirror-password")).setValue("mirror-pass");
  await (await browser.$('[data-testid="apply-mirror"]')).click();
  await (await browser.$('[data-testid="mirror-applied"]')).waitForDisplayed({ timeout: 10_000 });
  await save("en-sandbox-7a-air-gap-config.png", '[data-testid="air-gap"]');
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "zh-CN");
  await save("zh-CN-sandbox-7a-air-gap-config.png", '[data-testid="air-gap"]');
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "en");
  await walkWizardToReview(browser);
  await (await browser.$('[data-testid="wizard-create"]')).click();
  await (await browser.$('[data-testid="go-to-join"]')).click();
  await (await browser.$('[data-testid="manifest-yaml"]')).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$('[data-testid="mirror-facts"] summary')).click();
  await save("en-sandbox-7b-join-mirror.png", '[data-testid="mirror-facts"]');
  await (await browser.$('[data-testid="check-image"]')).click();
  await (await browser.$('[data-testid="image-result"]')).waitForDisplayed({ timeout: 30_000 });
  await (await browser.$('[data-testid="plan-apply"]')).click();
  await (await browser.$('[data-testid="plan-table"]')).waitForDisplayed({ timeout: 15_000 });
  await save("en-sandbox-7c-join-image-check.png", '[data-testid="agent-plan"]');
  await (await browser.$('[data-testid="apply-agent"]')).click();
  await (await browser.$('[data-testid="join-ready"]')).waitForDisplayed({ timeout: 60_000 });
  await (await browser.$('[data-testid="go-to-clusters"]')).click();
  await (await browser.$('[data-testid="history-table"] tr[data-action="agent-apply"]')).waitForDisplayed({ timeout: 15_000 });
  await save("en-sandbox-7d-history.png", '#history-title');
  await (await browser.$('[data-testid="language"]')).selectByAttribute("value", "zh-CN");
  await save("zh-CN-sandbox-7d-history.png", '#history-title');
} finally {
  await airGapped.close();
}
