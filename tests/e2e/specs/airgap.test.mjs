// An air-gapped member joined in the real window: the sandbox's member pulls only from
// mirror.local:5000 and auth-mirror.local:5000 (user sandbox). The Cluster Configuration
// step finds that the member cannot reach docker.io, the mirror and its login are set there
// (the password goes to the keyring through Rust), the Join page checks the agent image
// pull, applies agent.yaml with the pull secret, and the cluster turns Ready with both the
// agent and ks-core pulling from the mirror. Plain kubectl reads the member.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectl, startSandbox } from "../sandbox-cli.mjs";
import { chooseSandboxRoles, openApp, textOf } from "../session.mjs";
import { walkWizardToReview } from "../wizard.mjs";

const MIRROR = "auth-mirror.local:5000";
const PASSWORD = "mirror-pass";
const TOKEN = /[0-9a-f]{64}/;

describe("an air-gapped member joins through a mirror registry, in the real window", () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-onboard-e2e-airgap-"));
  const data = mkdtempSync(join(tmpdir(), "ks-onboard-e2e-airgap-data-"));
  const host = join(dir, "host.kubeconfig");
  const member = join(dir, "member.kubeconfig");
  let sandbox;
  let app;
  before(async () => {
    sandbox = await startSandbox(dir, "air-gapped");
  });
  after(async () => {
    await app?.close();
    sandbox?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it("finds the member air-gapped, sets the mirror and its login, and joins it to Ready", async () => {
    app = await openApp({ args: ["--kubeconfig", host, "--kubeconfig", member], env: { KS_ONBOARD_DATA_DIR: data } });
    const { browser } = app;
    await browser.execute(() => localStorage.clear());
    await chooseSandboxRoles(browser);
    await (await browser.$('nav [data-stage="add-cluster"]')).click();
    await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$("#cluster-name")).setValue("edge");
    await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", { timeout: 10_000 });
    await walkWizardToReview(browser, "config");

    await (await browser.$('[data-testid="check-public-pull"]')).click();
    const detected = await browser.$('[data-testid="public-pull-result"]');
    await detected.waitForDisplayed({ timeout: 30_000 });
    assert.equal(await detected.getAttribute("data-pulled"), "false");
    assert.match(await detected.getText(), /no such host/);
    await (await browser.$("#mirror-registry")).setValue(MIRROR);
    await (await browser.$("#mirror-pull-secret")).setValue("mirror-pull");
    await (await browser.$("#mirror-username")).setValue("sandbox");
    await (await browser.$("#mirror-password")).setValue(PASSWORD);
    await (await browser.$('[data-testid="apply-mirror"]')).click();
    await (await browser.$('[data-testid="mirror-applied"]')).waitForDisplayed({ timeout: 10_000 });
    const config = await (await browser.$("#cluster-config")).getValue();
    assert.match(config, /imageRegistry: auth-mirror\.local:5000/);
    assert.match(config, /name: mirror-pull/);
    assert.equal(await (await browser.$("#mirror-password")).getValue(), "", "the password leaves the page once saved");

    await walkWizardToReview(browser);
    await (await browser.$('[data-testid="wizard-create"]')).click();
    await (await browser.$('[data-testid="go-to-join"]')).click();

    const yaml = await browser.$('[data-testid="manifest-yaml"]');
    await yaml.waitForDisplayed({ timeout: 20_000 });
    assert.match(await yaml.getText(), /image: auth-mirror\.local:5000\/kubesphere\/tower:v0\.2\.1/);
    assert.match(await textOf(browser, '[data-testid="mirror-registry"]'), /pull secret mirror-pull is created from the OS keyring's login/);
    await (await browser.$('[data-testid="check-image"]')).click();
    const pulled = await browser.$('[data-testid="image-result"]');
    await pulled.waitForDisplayed({ timeout: 30_000 });
    assert.equal(await pulled.getAttribute("data-pulled"), "true", await pulled.getText());

    await (await browser.$('[data-testid="plan-apply"]')).click();
    await (await browser.$('[data-testid="plan-table"] tr[data-object="Secret kubesphere-system/mirror-pull"][data-action="create"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$('[data-testid="apply-agent"]')).click();
    await browser.waitUntil(async () => /^Applied:/.test(await textOf(browser, '[data-testid="apply-progress"]')), { timeout: 15_000 });
    await (await browser.$('[data-testid="join-ready"]')).waitForDisplayed({ timeout: 60_000 });

    const agent = JSON.parse(kubectl(member, "-n", "kubesphere-system", "get", "deploy", "cluster-agent", "-o", "json"));
    assert.equal(agent.spec.template.spec.containers[0].image, `${MIRROR}/kubesphere/tower:v0.2.1`);
    const ksAgent = JSON.parse(kubectl(member, "-n", "kubesphere-system", "get", "deploy", "ks-agent", "-o", "json"));
    assert.equal(ksAgent.spec.template.spec.containers[0].image, `${MIRROR}/kubesphere/ks-apiserver:v4.1.3`);
    assert.deepEqual(ksAgent.spec.template.spec.imagePullSecrets, [{ name: "mirror-pull" }]);
    const secret = JSON.parse(kubectl(member, "-n", "kubesphere-system", "get", "secret", "mirror-pull", "-o", "json"));
    const source = await browser.getPageSource();
    assert.doesNotMatch(source, TOKEN, "the join token never reaches the page");
    assert.ok(!source.includes(PASSWORD), "the registry password never comes back to the page");
    assert.ok(!source.includes(secret.data[".dockerconfigjson"]), "nor the pull secret's data");
  });

  it("shows both changes in the history, from the hash-checked audit log", async () => {
    const { browser } = app;
    await (await browser.$('[data-testid="go-to-clusters"]')).click();
    const apply = await browser.$('[data-testid="history-table"] tr[data-action="agent-apply"]');
    await apply.waitForDisplayed({ timeout: 15_000 });
    assert.match(await apply.getText(), /edge/);
    assert.ok(await (await browser.$('[data-testid="history-table"] tr[data-action="cluster-add"]')).isExisting());
    assert.match(await textOf(browser, '[data-testid="audit-integrity"]'), /intact/i);
    const log = readFileSync(join(data, "audit.jsonl"), "utf8");
    // The Review step's server dry run is recorded too, as a dry run.
    const entries = log.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(entries.map((e) => [e.action, e.dryRun]), [["cluster-add", true], ["cluster-add", false], ["agent-apply", false]]);
    assert.ok(!log.includes(PASSWORD), "the audit log holds no password");
  });
});
