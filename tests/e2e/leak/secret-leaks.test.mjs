// Secret-leak proof: unique canary secrets are seeded where users keep credentials (a kubeconfig
// with a token, a password, an OIDC id-token, refresh-token and client secret, an exec plugin's
// secret env value and a client key; the host's jwtSecret and a credential in tower's Secret;
// registry logins), the real credentials of the run are added (the sandbox's tokens and client
// keys, the Cluster's join token once the host made it, the mirror's password and the pull
// secret made from it), and the whole flow runs twice: headless with the CLI, then in the real
// window. Then nothing may hold any of them, plain, base64-encoded at any alignment, base64 of
// base64, or as UTF-16: not one CLI output, not one IPC answer, channel message or event the
// page received, not the page, its storage, the app's output, the audit log, and not one file
// the app, the CLI or WebKit wrote (the strace traces of every process, see
// scripts/test-secret-leaks.sh, which runs this file; it is not in specs/, since it needs that
// script's wrappers). Deliberate exports of a secret
// (`kubeconfig view --raw`, `cluster bundle --include-token`, "Export agent.yaml") are not used.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canary, filesUnder, scanFiles, SecretSet, writtenFiles } from "../canaries.mjs";
import { kubectl, kubectlInput, startSandbox } from "../sandbox-cli.mjs";
import { chooseSandboxRoles, openApp, textOf } from "../session.mjs";
import { runChecks } from "../host-checks.mjs";
import { walkWizardToReview } from "../wizard.mjs";

const WORK = process.env.LEAK_WORK;
const CLI = process.env.LEAK_CLI;
const MIRROR = "auth-mirror.local:5000";
const MIRROR_PASSWORD = "mirror-pass"; // the sandbox's authenticating mirror wants this one
const ADDRESS = "http://139.198.120.120:8080";

/** Every canary, each under the name the report uses. */
const CANARIES = {
  kubeconfigToken: canary("kubeconfig-token"),
  kubeconfigPassword: canary("kubeconfig-password"),
  oidcIdToken: canary("oidc-id-token"),
  oidcRefreshToken: canary("oidc-refresh-token"),
  oidcClientSecret: canary("oidc-client-secret"),
  execSecret: canary("exec-secret-env"),
  clientKey: canary("client-key"),
  jwtSecret: canary("jwt-secret"),
  towerCredential: canary("tower-credential"),
  registryPassword: canary("registry-password"),
};

function canaryKubeconfig() {
  const key = `-----BEGIN PRIVATE KEY-----\n${CANARIES.clientKey}\n-----END PRIVATE KEY-----\n`;
  const users = {
    "canary-token": { token: CANARIES.kubeconfigToken },
    "canary-basic": { username: "canary", password: CANARIES.kubeconfigPassword },
    "canary-oidc": {
      "auth-provider": {
        name: "oidc",
        config: {
          "idp-issuer-url": "https://issuer.invalid",
          "client-id": "canary",
          "client-secret": CANARIES.oidcClientSecret,
          "id-token": CANARIES.oidcIdToken,
          "refresh-token": CANARIES.oidcRefreshToken,
        },
      },
    },
    "canary-exec": {
      exec: { apiVersion: "client.authentication.k8s.io/v1", command: "/bin/false", interactiveMode: "Never", env: [{ name: "AWS_SECRET_ACCESS_KEY", value: CANARIES.execSecret }] },
    },
    "canary-cert": { "client-certificate-data": Buffer.from("not a certificate").toString("base64"), "client-key-data": Buffer.from(key).toString("base64") },
  };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "canary", cluster: { server: "https://127.0.0.1:9" } }],
    users: Object.entries(users).map(([name, user]) => ({ name, user })),
    contexts: Object.keys(users).map((name) => ({ name, context: { cluster: "canary", user: name } })),
  });
}

/** The credentials a sandbox kubeconfig holds (tokens, client keys), to be looked for too. */
function credentialsOf(file) {
  const text = readFileSync(file, "utf8");
  const values = [...text.matchAll(/^\s*(token|client-key-data):\s*(\S+)\s*$/gm)].map((m) => [m[1], m[2]]);
  assert.ok(values.length > 0, `no credential found in ${file}`);
  return values.flatMap(([field, value]) => (field === "client-key-data" ? [value, Buffer.from(value, "base64").toString().trim()] : [value]));
}

/** Everything the page received from Rust, recorded from the moment this is installed:
 * every IPC answer (the `ipc:` custom protocol's responses, with the command's name) and every
 * callback Tauri runs (answers, channel messages, events), whatever path it came by. */
function installIpcRecorder() {
  window.__leakRecord = [];
  const record = (what, value) => {
    let text;
    try {
      text = typeof value === "string" ? value : JSON.stringify(value);
    } catch {
      text = String(value);
    }
    window.__leakRecord.push(`${what}\t${text}`);
  };
  const fetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await fetch.call(window, input, init);
    const url = String(input?.url ?? input);
    if (url.startsWith("ipc:")) {
      response
        .clone()
        .text()
        .then((text) => record(`answer ${decodeURIComponent(url.replace(/^ipc:\/\/localhost\//, ""))}`, text))
        .catch((error) => record("answer unreadable", String(error)));
    }
    return response;
  };
  // Tauri keeps every callback (an invoke's answer, a channel's messages, an event listener)
  // in one Map and runs it from there: wrap the ones there and every one added later.
  const callbacks = window.__TAURI_INTERNALS__.callbacks;
  if (!(callbacks instanceof Map)) throw new Error("Tauri's callback registry is not where this recorder looks");
  const wrap = (id, callback) => (data) => (record(`callback ${id}`, data), callback(data));
  const set = callbacks.set.bind(callbacks);
  for (const [id, callback] of callbacks) set(id, wrap(id, callback));
  callbacks.set = (id, callback) => set(id, wrap(id, callback));
  return true;
}

/** What the page holds now: its source, its storage, and what the recorder saw. */
async function pageState(browser) {
  const [source, storage, record] = await Promise.all([
    browser.getPageSource(),
    browser.execute(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })),
    browser.execute(() => window.__leakRecord ?? null),
  ]);
  assert.ok(Array.isArray(record), "the IPC recorder was lost (the page reloaded?)");
  return { source, storage, record };
}

describe("no secret reaches an output, the page, a log or a file: canaries through the CLI and the window", () => {
  const fixtures = join(WORK ?? "/nonexistent", "fixtures");
  const sandboxDir = join(fixtures, "sandbox");
  const canaryFile = join(fixtures, "canary.kubeconfig");
  const secrets = new SecretSet();
  const seen = []; // [where, text]: every output and page state to scan
  let sandbox;
  let app;

  before(async () => {
    assert.ok(WORK && CLI, "run through scripts/test-secret-leaks.sh (it sets LEAK_WORK and LEAK_CLI)");
    assert.ok(process.env.KS_ONBOARD_IN_KEYRING_SESSION, "run inside scripts/lib/keyring-session.sh");
    mkdirSync(sandboxDir, { recursive: true });
    writeFileSync(canaryFile, canaryKubeconfig(), { mode: 0o600 });
    sandbox = await startSandbox(sandboxDir, "air-gapped");
    for (const [name, value] of Object.entries(CANARIES)) secrets.add(name, value);
    for (const side of ["host", "member"]) {
      credentialsOf(join(sandboxDir, `${side}.kubeconfig`)).forEach((value, i) => secrets.add(`sandbox ${side} credential ${i + 1}`, value));
    }
    secrets.add("mirror password", MIRROR_PASSWORD);
    secrets.add("mirror login", Buffer.from(`sandbox:${MIRROR_PASSWORD}`).toString("base64"));

    // The host's secrets: jwtSecret in kubesphere.yaml, a credential beside tower's configuration.
    const host = join(sandboxDir, "host.kubeconfig");
    const config = JSON.parse(kubectl(host, "-n", "kubesphere-system", "get", "configmap", "kubesphere-config", "-o", "json"));
    assert.match(config.data["kubesphere.yaml"], /jwtSecret: sandbox-jwt-secret/);
    config.data["kubesphere.yaml"] = config.data["kubesphere.yaml"].replace("sandbox-jwt-secret", CANARIES.jwtSecret);
    kubectlInput(host, JSON.stringify(config), "replace", "-f", "-");
    const tower = JSON.parse(kubectl(host, "-n", "kubesphere-system", "get", "secret", "tower", "-o", "json"));
    tower.data["credential"] = Buffer.from(CANARIES.towerCredential).toString("base64");
    kubectlInput(host, JSON.stringify(tower), "replace", "-f", "-");
  });
  after(async () => {
    await app?.close();
    sandbox?.kill("SIGTERM");
  });

  /** Runs the CLI (through the tracing wrapper) and keeps its output for the scan. */
  function cli(args, { input, env = {}, expectFail = false } = {}) {
    const options = { encoding: "utf8", input, env: { ...process.env, KS_ONBOARD_DATA_DIR: join(WORK, "cli-data"), KUBECONFIG: join(WORK, "no-kubeconfig"), ...env }, stdio: ["pipe", "pipe", "pipe"] };
    let stdout = "";
    let stderr = "";
    let failed = false;
    try {
      stdout = execFileSync(CLI, args, options);
    } catch (error) {
      ({ stdout, stderr } = error);
      failed = true;
      if (!expectFail) throw new Error(`ks-onboard-cli ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
    }
    seen.push([`cli ${args.join(" ")} (stdout)`, stdout], [`cli ${args.join(" ")} (stderr)`, stderr ?? ""]);
    assert.equal(failed, expectFail, `ks-onboard-cli ${args.join(" ")}`);
    return stdout;
  }

  it("runs the whole flow with the CLI: import, checks, proxy address, registry login, add, join, bundle, audit, removal", () => {
    const files = [join(sandboxDir, "host.kubeconfig"), join(sandboxDir, "member.kubeconfig"), canaryFile];
    cli(["kubeconfig", "import", ...files, "--as", "sandbox-host=cli-host", "--as", "sandbox-member=cli-member"]);
    cli(["kubeconfig", "list"]);
    cli(["-o", "json", "kubeconfig", "list"]);
    for (const context of ["cli-host", "canary-token", "canary-basic", "canary-oidc", "canary-exec", "canary-cert"]) {
      cli(["-o", "json", "kubeconfig", "show", context]);
    }
    cli(["kubeconfig", "view"]);
    cli(["-o", "json", "kubeconfig", "view"]);
    cli(["kubeconfig", "get-contexts"]);
    cli(["kubeconfig", "test", "cli-host"]);
    cli(["kubeconfig", "test", "canary-exec"], { expectFail: true });
    cli(["kubeconfig", "test", "canary-basic"], { expectFail: true });
    cli(["host", "check", "--context", "cli-host"]);
    cli(["-o", "json", "proxy-address", "show", "--context", "cli-host"]);
    cli(["-o", "json", "proxy-address", "set", ADDRESS, "--context", "cli-host"]);
    cli(["proxy-address", "restore", "--context", "cli-host"]);
    cli(["registry", "login", "canary-registry.local:5000", "-u", "canary", "--password-stdin"], { input: CANARIES.registryPassword });
    cli(["registry", "login", MIRROR, "-u", "sandbox", "--password-stdin"], { input: MIRROR_PASSWORD });
    cli(["-o", "json", "cluster", "add", "cli-edge", "--host-context", "cli-host", "--member-context", "cli-member", "--image-registry", MIRROR, "--pull-secret", "mirror-pull", "--wait"]);
    secrets.add("join token of cli-edge", joinToken("cli-edge"));
    secrets.add("pull secret of cli-edge", pullSecretData());
    cli(["cluster", "status", "cli-edge", "--context", "cli-host"]);
    cli(["-o", "json", "cluster", "list", "--context", "cli-host"]);
    cli(["cluster", "bundle", "cli-edge", "--context", "cli-host", "--out", join(WORK, "cli-bundle")]);
    cli(["audit", "list"]);
    cli(["audit", "verify"]);
    cli(["cluster", "remove", "cli-edge", "--host-context", "cli-host", "--member-context", "cli-member", "--yes"]);
    cli(["registry", "logout", "canary-registry.local:5000"]);
    cli(["kubeconfig", "remove", "canary-basic"]);
  });

  function joinToken(cluster) {
    const object = JSON.parse(kubectl(join(sandboxDir, "host.kubeconfig"), "get", "cluster", cluster, "-o", "json"));
    assert.match(object.spec.connection.token, /^[0-9a-f]{64}$/);
    return object.spec.connection.token;
  }

  function pullSecretData() {
    const secret = JSON.parse(kubectl(join(sandboxDir, "member.kubeconfig"), "-n", "kubesphere-system", "get", "secret", "mirror-pull", "-o", "json"));
    return secret.data[".dockerconfigjson"];
  }

  it("runs the whole flow in the window: import, connection test, checks, proxy address, mirror login, add, join, bundle, history, removal", async () => {
    app = await openApp({ env: { KUBECONFIG: join(WORK, "no-kubeconfig"), KS_ONBOARD_DATA_DIR: join(WORK, "app-data") } });
    const { browser } = app;
    assert.equal(await browser.execute(installIpcRecorder), true);
    const snapshot = async (where) => {
      const { source, storage, record } = await pageState(browser);
      seen.push([`page ${where} (source)`, source], [`page ${where} (storage)`, storage], [`page ${where} (IPC)`, record.join("\n")]);
      return record;
    };

    // Import the three files; every credential goes to the OS keyring.
    await (await browser.$('[data-testid="open-import"]')).click();
    const path = await browser.$('[data-testid="import-path"]');
    for (const file of [join(sandboxDir, "host.kubeconfig"), join(sandboxDir, "member.kubeconfig"), canaryFile]) {
      await path.setValue(file);
      await (await browser.$('[data-testid="add-path"]')).click();
    }
    await (await browser.$('[data-testid="run-preview"]')).click();
    await (await browser.$('[data-testid="import-preview"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$('[data-testid="run-import"]')).click();
    assert.match(await textOf(browser, '[data-testid="import-outcome"]'), /credentials saved in the OS keyring/);
    for (const context of ["canary-token", "canary-basic", "canary-oidc", "canary-exec", "canary-cert"]) {
      await (await browser.$(`tr[data-context="${context}"]`).$(`button[aria-label="Details of ${context}"]`)).click();
      await (await browser.$('[data-testid="context-details"] li[data-field]')).waitForDisplayed({ timeout: 10_000 });
      await snapshot(`details of ${context}`);
      await browser.keys(["Escape"]);
      await browser.waitUntil(async () => !(await (await browser.$('[data-testid="context-details"]')).isExisting()));
    }
    await chooseSandboxRoles(browser);
    await (await browser.$('section.connection-test[data-context="sandbox-host"] button')).click();
    await (await browser.$('section.connection-test[data-context="sandbox-host"] .connection-report.ok')).waitForDisplayed({ timeout: 20_000 });

    // Host checks, then the proxy address written and restored (a backup of Secret tower).
    await (await browser.$('nav [data-stage="host"]')).click();
    const checks = await runChecks(browser);
    assert.equal(checks.connection, "pass");
    await (await browser.$('nav [data-stage="proxy-address"]')).click();
    await (await browser.$("button=Read current address")).click();
    await (await browser.$('[data-testid="proxy-current"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$("#proxy-url")).setValue(ADDRESS);
    await (await browser.$("button=Preview change")).click();
    assert.match(await textOf(browser, '[data-testid="plan"]'), /proxyPublishAddress/);
    await (await browser.$("button=Write the address")).click();
    assert.match(await textOf(browser, '[data-testid="set-done"]'), /Written and verified/);
    await snapshot("proxy address written");
    await (await browser.$("button=Restore previous state")).click();
    assert.match(await textOf(browser, '[data-testid="restored"]'), /Restored byte for byte/);

    // Add cluster with the mirror and its login, then join through the mirror to Ready.
    await (await browser.$('nav [data-stage="add-cluster"]')).click();
    await (await browser.$("#cluster-name")).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$("#cluster-name")).setValue("edge");
    await browser.waitUntil(async () => (await (await browser.$('[data-testid="name-check"]')).getAttribute("data-state")) === "free", { timeout: 10_000 });
    await walkWizardToReview(browser, "config");
    await (await browser.$('[data-testid="use-mirror"]')).click();
    await (await browser.$("#mirror-registry")).setValue(MIRROR);
    await (await browser.$("#mirror-pull-secret")).setValue("mirror-pull");
    await (await browser.$("#mirror-username")).setValue("sandbox");
    await (await browser.$("#mirror-password")).setValue(MIRROR_PASSWORD);
    await (await browser.$('[data-testid="apply-mirror"]')).click();
    await (await browser.$('[data-testid="mirror-applied"]')).waitForDisplayed({ timeout: 10_000 });
    await walkWizardToReview(browser);
    await (await browser.$('[data-testid="wizard-create"]')).click();
    await (await browser.$('[data-testid="go-to-join"]')).click();
    await (await browser.$('[data-testid="manifest-yaml"]')).waitForDisplayed({ timeout: 20_000 });
    secrets.add("join token of edge", joinToken("edge"));
    await (await browser.$('[data-testid="check-image"]')).click();
    await (await browser.$('[data-testid="image-result"][data-pulled="true"]')).waitForDisplayed({ timeout: 30_000 });
    await (await browser.$('[data-testid="plan-apply"]')).click();
    await (await browser.$('[data-testid="plan-table"] tr[data-action="create"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$('[data-testid="apply-agent"]')).click();
    await browser.waitUntil(async () => /^Applied:/.test(await textOf(browser, '[data-testid="apply-progress"]')), { timeout: 15_000 });
    await (await browser.$('[data-testid="join-ready"]')).waitForDisplayed({ timeout: 60_000 });
    secrets.add("pull secret of edge", pullSecretData());
    await (await browser.$('[data-testid="bundle-export"] summary')).click();
    await (await browser.$("#bundle-dir")).setValue(join(WORK, "app-bundle"));
    await (await browser.$('[data-testid="write-bundle"]')).click();
    await (await browser.$('[data-testid="bundle-written"]')).waitForDisplayed({ timeout: 15_000 });
    await snapshot("joined");

    // Clusters and history, then the removal.
    await (await browser.$('[data-testid="go-to-clusters"]')).click();
    const row = await browser.$('[data-testid="clusters-table"] tr[data-cluster="edge"]');
    await row.waitForDisplayed({ timeout: 15_000 });
    await (await browser.$('[data-testid="history-table"] tr[data-action="agent-apply"]')).waitForDisplayed({ timeout: 15_000 });
    await (await row.$('button[data-action="remove"]')).click();
    await (await browser.$('[data-testid="remove-dialog"] section.removal-side[data-side="member"] li[data-object]')).waitForDisplayed({ timeout: 20_000 });
    await (await browser.$("#remove-confirm")).setValue("edge");
    await (await browser.$('[data-testid="remove-confirm-button"]')).click();
    await (await browser.$('[data-testid="remove-close"]')).waitForDisplayed({ timeout: 30_000 });
    const record = await snapshot("removed");

    // The recorder saw the flow's answers and messages: a scan of nothing would prove nothing.
    const commands = new Set(record.filter((r) => r.startsWith("answer ")).map((r) => r.split("\t")[0].slice("answer ".length)));
    for (const command of ["preview_import", "import_contexts", "kubeconfig_summary", "context_details", "test_connection", "host_preflight", "set_proxy_address", "restore_proxy_address", "save_registry_login", "add_cluster", "agent_manifest", "check_agent_image", "plan_agent_apply", "apply_agent", "export_join_bundle", "list_clusters", "audit_log", "plan_cluster_removal", "remove_cluster"]) {
      assert.ok([...commands].some((c) => c === command || c.endsWith(`|${command}`)), `the recorder saw no answer of ${command}; it saw: ${[...commands].join(", ")}`);
    }
    assert.ok(record.some((r) => r.startsWith("callback ")), "the recorder saw no callback (channel message or event)");
    await app.close();
    app = undefined;
  });

  it("finds none of them in any output, page state, log or file written", () => {
    // The scanner must be able to fail: the seeded file holds every kubeconfig canary.
    const control = secrets.findIn(readFileSync(canaryFile));
    for (const name of ["kubeconfigToken", "kubeconfigPassword", "oidcIdToken", "execSecret", "clientKey"]) {
      assert.ok(control.includes(name), `the scanner misses ${name} in the seeded kubeconfig`);
    }
    const leaks = [];
    for (const [where, text] of seen) {
      const found = secrets.findIn(text);
      if (found.length) leaks.push(`${where}: ${found.join(", ")}`);
    }

    // The app's stdout and stderr (through tauri-driver), and every file the traced processes
    // wrote, wherever it is, plus everything under the run's HOME and XDG directories.
    const log = join(import.meta.dirname, "..", "artifacts", "tauri-driver.log");
    const traces = readdirSync(join(WORK, "traces")).map((f) => readFileSync(join(WORK, "traces", f), "utf8"));
    assert.ok(traces.length > 0, "no strace output: the wrappers never ran");
    const written = writtenFiles(traces.join("\n"), process.cwd());
    for (const expected of [join(WORK, "cli-data", "audit.jsonl"), join(WORK, "app-data", "audit.jsonl"), join(WORK, "app-data", "kubeconfig.yaml"), join(WORK, "cli-data", "kubeconfig.yaml")]) {
      assert.ok(written.has(expected), `the traces do not show ${expected} written: they missed the app's own files`);
    }
    const outside = [...written.keys()].filter((p) => !p.startsWith(fixtures + "/") && !/^\/(dev|proc|sys)\//.test(p));
    const around = [process.env.HOME, process.env.XDG_DATA_HOME, process.env.XDG_CONFIG_HOME, process.env.XDG_CACHE_HOME, process.env.XDG_RUNTIME_DIR, WORK]
      .filter(Boolean)
      .flatMap(filesUnder)
      .filter((p) => !p.startsWith(fixtures + "/") && !p.startsWith(join(WORK, "traces") + "/"));
    const { scanned, findings } = scanFiles(secrets, new Set([log, ...outside, ...around]));
    for (const { path, secrets: found } of findings) leaks.push(`file ${path}: ${found.join(", ")}`);
    const summary = `${secrets.names.length} secrets, ${seen.length} outputs and page states, ${scanned} files (${written.size} written per the traces)`;
    console.log(`leak scan: ${summary}`);
    writeFileSync(join(WORK, "summary.txt"), `${summary}\n`);
    assert.deepEqual(leaks, [], `secrets found:\n${leaks.join("\n")}`);
    rmSync(join(WORK, "cli-bundle"), { recursive: true, force: true });
  });
});
