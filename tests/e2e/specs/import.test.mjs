// Importing in the real window: two kubeadm kubeconfigs (same context, cluster and user
// names) become "host" and "member", their credentials go to the OS keyring (a private
// gnome-keyring: scripts/lib/keyring-session.sh), and no secret ever reaches the page.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openApp, textOf } from "../session.mjs";

const fixture = (name) => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
const HOST_FILE = fixture("host.yaml");
const MEMBER_FILE = fixture("member.yaml");
const KEY = readFileSync(fixture("pki/admin.key"));
// Each secret as written, and as the import embeds it (base64, the `*-data` form).
const SECRETS = ["e2e-host-token-canary-7f3a", KEY.toString().trim(), KEY.toString("base64")];
const KUBEADM_CONTEXT = "kubernetes-admin@kubernetes";

/** The X clipboard's text, read by another program (GTK through Debian's python3-gi). */
function readClipboard() {
  const script =
    "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk, Gdk; " +
    "print(Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).wait_for_text() or '', end='')";
  return execFileSync("/usr/bin/python3", ["-c", script], { encoding: "utf8", timeout: 10_000 });
}

async function assertNoSecretInPage(browser) {
  const source = await browser.getPageSource();
  for (const secret of SECRETS) assert.ok(!source.includes(secret), `the page holds a secret (${secret.slice(0, 8)}…)`);
}

const candidateRow = (group) => `[data-group="${group}"] tr[data-candidate="${KUBEADM_CONTEXT}"]`;

async function candidate(browser, group) {
  const row = await browser.$(candidateRow(group));
  await row.waitForDisplayed({ timeout: 10_000 });
  return row;
}

/** A preview row's text, found afresh on each try: the preview may still be re-rendering,
 * and a row found before that is stale. Read as textContent: WebDriver's visible-text rule
 * gives "" for a row the dialog's scroll box clips. */
async function candidateText(browser, group) {
  let text = "";
  await browser.waitUntil(
    async () => {
      const row = await browser.$(candidateRow(group));
      text = (await row.isExisting()) ? await row.getProperty("textContent") : "";
      return text !== "";
    },
    { timeout: 10_000, timeoutMsg: `no preview row for group ${group}` },
  );
  return text;
}

describe("importing kubeconfigs", () => {
  let app;
  const data = mkdtempSync(join(tmpdir(), "ks-onboard-e2e-import-"));

  before(async () => {
    // The credentials go to the OS keyring: only ever a throwaway one, never the user's.
    assert.ok(process.env.KS_ONBOARD_IN_KEYRING_SESSION, "run the e2e suite inside scripts/lib/keyring-session.sh");
    app = await openApp({ env: { KUBECONFIG: join(data, "no-such-kubeconfig"), KS_ONBOARD_DATA_DIR: join(data, "store") } });
    await app.browser.execute(() => {
      localStorage.clear();
      location.reload();
    });
  });
  after(async () => {
    await app?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it("starts with no contexts and offers the import", async () => {
    const { browser } = app;
    // The page first says it is reading the files; wait for what it found (nothing).
    await browser.waitUntil(async () => /No contexts found/.test(await textOf(browser, '[data-testid="stage-kubeconfigs"]')), {
      timeout: 10_000,
      timeoutMsg: "the empty list was not shown",
    });
    await (await browser.$("button=Import kubeconfigs…")).click();
    await (await browser.$('[data-testid="import-panel"]')).waitForDisplayed();
    // The first field has focus; dropping files is offered only once the window accepted the listener.
    assert.equal(await browser.execute(() => document.activeElement?.getAttribute("value")), "files");
    assert.ok(await (await browser.$('[data-testid="drop-hint"]')).isDisplayed(), "the window did not accept the drop listener");
  });

  it("previews both files, the second kubeadm context under a free name, before saving anything", async () => {
    const { browser } = app;
    const path = await browser.$('[data-testid="import-path"]');
    for (const file of [HOST_FILE, MEMBER_FILE]) {
      await path.setValue(file);
      await (await browser.$('[data-testid="import-panel"]').$("button=Add")).click();
    }
    await (await browser.$("button=Preview")).click();
    assert.match(await candidateText(browser, 0), /https:\/\/127\.0\.0\.11:6443[\s\S]*token/);
    const memberText = await candidateText(browser, 1);
    assert.match(memberText, /https:\/\/127\.0\.0\.12:6443[\s\S]*client certificate/);
    assert.match(memberText, /twice in this import/);
    assert.equal(await (await (await candidate(browser, 0)).$("input.save-as")).getValue(), KUBEADM_CONTEXT);
    assert.equal(await (await (await candidate(browser, 1)).$("input.save-as")).getValue(), `${KUBEADM_CONTEXT}-2`);
    await assertNoSecretInPage(browser);
  });

  it("imports them as host and member, credentials into the OS keyring", async () => {
    const { browser } = app;
    for (const [group, name] of [
      [0, "host"],
      [1, "member"],
    ]) {
      const saveAs = await (await candidate(browser, group)).$("input.save-as");
      await saveAs.clearValue();
      await saveAs.setValue(name);
    }
    await (await browser.$("button=Import 2 contexts")).click();
    assert.equal(
      await textOf(browser, '[data-testid="import-outcome"]'),
      "2 contexts imported, 2 credentials saved in the OS keyring.",
    );
    assert.ok(!(await (await browser.$('[data-testid="import-panel"]')).isExisting()));
    for (const name of ["host", "member"]) {
      assert.match(await textOf(browser, `tr[data-context="${name}"]`), /imported/);
    }
  });

  it("assigns the host and the member", async () => {
    const { browser } = app;
    await (await browser.$('tr[data-context="host"]').$("button=Host")).click();
    await (await browser.$('tr[data-context="member"]').$("button=Member")).click();
    await browser.waitUntil(async () => /member/.test(await textOf(browser, '[data-testid="status-member"]')));
    assert.match(await textOf(browser, '[data-testid="status-host"]'), /host/);
  });

  it("shows each credential as kept in the OS keyring, never its value", async () => {
    const { browser } = app;
    for (const [name, field] of [
      ["host", "token"],
      ["member", "client-key-data"],
    ]) {
      await (await browser.$(`tr[data-context="${name}"]`).$(`button[aria-label="Details of ${name}"]`)).click();
      const credential = await browser.$(`[data-testid="context-details"] li[data-field="${field}"]`);
      await credential.waitForDisplayed({ timeout: 10_000 });
      assert.match(await credential.getText(), new RegExp(`^${field}\\s*••••\\s*in the OS keyring\\s*Copy$`));
      assert.match(await textOf(browser, '[data-testid="context-details"]'), /imported into the app/);
      await assertNoSecretInPage(browser);
      await browser.keys(["Escape"]);
      await browser.waitUntil(async () => !(await (await browser.$('[data-testid="context-details"]')).isExisting()));
    }
  });

  it("copies the host's token to the clipboard through Rust, never through the page", async () => {
    const { browser } = app;
    await (await browser.$('tr[data-context="host"]').$('button[aria-label="Details of host"]')).click();
    const copy = await browser.$('button[aria-label="Copy token to the clipboard"]');
    await copy.waitForDisplayed({ timeout: 10_000 });
    await copy.click();
    await browser.waitUntil(async () => /copied to the clipboard/.test(await textOf(browser, '[data-testid="context-details"]')));
    assert.equal(readClipboard(), SECRETS[0]);
    await assertNoSecretInPage(browser);
    await browser.keys(["Escape"]);
    await browser.waitUntil(async () => !(await (await browser.$('[data-testid="context-details"]')).isExisting()));
  });

  it("removes an imported context after confirmation, and its role with it", async () => {
    const { browser } = app;
    await (await browser.$('tr[data-context="member"]').$('button[aria-label="Details of member"]')).click();
    await (await browser.$("button=Remove from app")).click();
    await (await browser.$('[data-testid="context-details"]').$("button=Remove")).click();
    await browser.waitUntil(async () => !(await (await browser.$('tr[data-context="member"]')).isExisting()));
    assert.match(await textOf(browser, '[data-testid="status-member"]'), /not chosen/);
    assert.match(await textOf(browser, '[data-testid="status-host"]'), /host/);
  });
});
