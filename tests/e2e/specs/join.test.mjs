// The whole join in the real window, against a sandbox started by `ks-onboard-cli sandbox up`
// (outside the app, so it outlives an app restart): Add cluster → Join (agent.yaml, probe,
// plan, apply) → the app is closed mid-join and reopened, and the Join page resumes the watch
// to Ready → Clusters lists it → removal leaves the member clean. Then a join whose tower is
// stopped is diagnosed in the timeline and rolled back. Plain kubectl reads both clusters.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectl, startSandbox } from "../sandbox-cli.mjs";
import { chooseSandboxRoles, openApp, textOf } from "../session.mjs";
import { walkWizardToReview } from "../wizard.mjs";

const TOKEN = /[0-9a-f]{64}/;

/** Fills Basic information, walks the wizard to Review and creates the cluster. */
async function addCluster(browser, name, { tag } = {}) {
  await (await browser.$('nav [data-stage="add-cluster"]')).click();
  await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$("#cluster-name")).setValue(name);
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", {
    timeout: 10_000,
    timeoutMsg: "the live name check did not say the name is free",
  });
  if (tag) await (await browser.$(`button.tag-suggestion[data-tag="${tag}"]`)).click();
  await (await browser.$("#cluster-provider")).setValue("Amazon EKS");
  await walkWizardToReview(browser);
  const review = await textOf(browser, '[data-testid="review"]');
  assert.match(review, /joinFederation: true/);
  await (await browser.$('[data-testid="wizard-create"]')).click();
  assert.match(await textOf(browser, '[data-testid="add-done"]'), new RegExp(name));
  await (await browser.$('[data-testid="go-to-join"]')).click();
}

/** On the Join page: agent.yaml shown masked, the nodes probed, the plan made, applied. */
async function applyAgent(browser) {
  const yaml = await browser.$('[data-testid="manifest-yaml"]');
  await yaml.waitForDisplayed({ timeout: 20_000 });
  const text = await yaml.getText();
  assert.match(text, /--token=••••••••/);
  assert.doesNotMatch(text, TOKEN);
  await (await browser.$('[data-testid="probe-nodes"]')).click();
  await (await browser.$('[data-testid="probe-table"] tr[data-node="sandbox-member-node"][data-reachable="true"]')).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$('[data-testid="plan-apply"]')).click();
  await (await browser.$('[data-testid="plan-table"] tr[data-action="create"]')).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$('[data-testid="apply-agent"]')).click();
  // "Applied: …" only when done: "1 of 4 objects applied" also contains a 4.
  await browser.waitUntil(async () => /^Applied:/.test(await textOf(browser, '[data-testid="apply-progress"]')), { timeout: 15_000 });
}

async function pageHasNoToken(browser) {
  const source = await browser.getPageSource();
  assert.doesNotMatch(source, TOKEN, "the join token never reaches the page");
}

describe("add a cluster and join it through tower, in the real window", () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-onboard-e2e-sandbox-"));
  const data = mkdtempSync(join(tmpdir(), "ks-onboard-e2e-joins-"));
  const host = join(dir, "host.kubeconfig");
  const member = join(dir, "member.kubeconfig");
  const args = ["--kubeconfig", host, "--kubeconfig", member];
  const env = { KS_ONBOARD_DATA_DIR: data };
  let sandbox;
  let app;
  before(async () => {
    sandbox = await startSandbox(dir);
  });
  after(async () => {
    await app?.close();
    sandbox?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it("creates the Cluster from the form and applies agent.yaml to the member", async () => {
    app = await openApp({ args, env });
    const { browser } = app;
    await browser.execute(() => localStorage.clear());
    await chooseSandboxRoles(browser);
    await addCluster(browser, "e2e-member", { tag: "env=production" });
    const cluster = JSON.parse(kubectl(host, "--context", "sandbox-host", "get", "cluster", "e2e-member", "-o", "json"));
    assert.equal(cluster.spec.connection.type, "proxy");
    assert.equal(cluster.spec.joinFederation, true);
    assert.equal(cluster.spec.provider, "Amazon EKS");
    assert.equal(cluster.metadata.labels["label.cluster.kubesphere.io/k7xq2m"], "");
    await applyAgent(browser);
    assert.match(kubectl(member, "-n", "kubesphere-system", "get", "deploy", "cluster-agent", "-o", "name"), /cluster-agent/);
    await pageHasNoToken(browser);
  });

  it("resumes following the join after the app is closed and reopened, to Ready", async () => {
    await app.close();
    app = await openApp({ args, env });
    const { browser } = app;
    await (await browser.$('nav [data-stage="join"]')).click();
    assert.equal(await textOf(browser, '[data-testid="join-cluster-name"]'), "e2e-member");
    await (await browser.$('[data-testid="join-ready"]')).waitForDisplayed({ timeout: 60_000 });
    const timeline = await textOf(browser, '[data-testid="join-timeline"]');
    assert.match(timeline, /Ready: True/);
    const steps = await browser.$$('[data-testid="join-steps"] li[data-state="done"]');
    assert.ok(steps.length >= 4, `${steps.length} steps done`);
    const ready = JSON.parse(kubectl(host, "--context", "sandbox-host", "get", "cluster", "e2e-member", "-o", "json"));
    assert.ok(ready.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  });

  it("lists the cluster with its tag, provider and version, and removes it cleanly", async () => {
    const { browser } = app;
    await (await browser.$('[data-testid="go-to-clusters"]')).click();
    const row = await browser.$('[data-testid="clusters-table"] tr[data-cluster="e2e-member"]');
    await row.waitForDisplayed({ timeout: 15_000 });
    assert.equal(await row.getAttribute("data-ready"), "true");
    const text = await row.getText();
    assert.match(text, /env=production/);
    assert.match(text, /Amazon EKS/);
    assert.match(text, /v4\.1\.3/);
    await (await row.$('button[data-action="remove"]')).click();
    const dialog = await browser.$('[data-testid="remove-dialog"]');
    await (await dialog.$('section.removal-side[data-side="member"] li[data-object]')).waitForDisplayed({ timeout: 20_000 });
    const confirm = await browser.$('[data-testid="remove-confirm-button"]');
    await (await browser.$("#remove-confirm")).setValue("e2e-membe");
    assert.equal(await confirm.isEnabled(), false, "a near miss does not enable removal");
    await (await browser.$("#remove-confirm")).addValue("r");
    await confirm.click();
    await (await browser.$('[data-testid="remove-close"]')).waitForDisplayed({ timeout: 30_000 });
    await (await browser.$('[data-testid="remove-close"]')).click();
    assert.doesNotMatch(kubectl(host, "--context", "sandbox-host", "get", "clusters", "-o", "name"), /e2e-member/);
    assert.doesNotMatch(kubectl(member, "get", "namespaces", "-o", "name"), /kubesphere-system/);
    assert.doesNotMatch(kubectl(member, "get", "clusterrolebindings", "-o", "name"), /\/tower$/m);
  });

  it("explains a join whose tower stopped, and rolls it back", async () => {
    const { browser } = app;
    await addCluster(browser, "e2e-stuck");
    await (await browser.$('[data-testid="manifest-yaml"]')).waitForDisplayed({ timeout: 20_000 });
    kubectl(host, "--context", "sandbox-host", "-n", "kubesphere-system", "scale", "deploy", "tower", "--replicas=0");
    await (await browser.$('[data-testid="plan-apply"]')).click();
    await (await browser.$('[data-testid="apply-agent"]')).waitForEnabled({ timeout: 15_000 });
    await (await browser.$('[data-testid="apply-agent"]')).click();
    const diagnosis = await browser.$('[data-testid="diagnoses"] li[data-code="towerNotRunning"]');
    await diagnosis.waitForDisplayed({ timeout: 30_000 });
    assert.match(await diagnosis.getText(), /tower is not running/);
    await pageHasNoToken(browser);
    kubectl(host, "--context", "sandbox-host", "-n", "kubesphere-system", "scale", "deploy", "tower", "--replicas=1");

    await (await browser.$('[data-testid="rollback-join"]')).click();
    await (await browser.$('[data-testid="remove-dialog"] section.removal-side[data-side="member"] li[data-object]')).waitForDisplayed({ timeout: 20_000 });
    await (await browser.$("#remove-confirm")).setValue("e2e-stuck");
    await (await browser.$('[data-testid="remove-confirm-button"]')).click();
    await (await browser.$('[data-testid="remove-close"]')).waitForDisplayed({ timeout: 30_000 });
    assert.doesNotMatch(kubectl(host, "--context", "sandbox-host", "get", "clusters", "-o", "name"), /e2e-stuck/);
    assert.doesNotMatch(kubectl(member, "get", "namespaces", "-o", "name"), /kubesphere-system/);
    const records = readFileSync(join(data, "joins", "sandbox-host", "e2e-stuck.json"), "utf8");
    assert.match(records, /"phase": "removed"/);
    assert.doesNotMatch(records, TOKEN, "the join record holds no token");
  });
});
