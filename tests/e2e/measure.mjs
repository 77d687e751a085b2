// Measures, in the real window: cold start to an interactive window, the idle memory of the
// app's process tree (the app + WebKit's web and network processes), and how long after the
// Cluster turns Ready the Join page shows it. Prints one JSON document for scripts/bench.sh,
// which writes docs/benchmarks.md. Run under xvfb-run and scripts/lib/keyring-session.sh after
// `tauri build` and `cargo build -p onboard-cli`.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, KUBECTL, startSandbox } from "./sandbox-cli.mjs";
import { chooseSandboxRoles, openApp, application } from "./session.mjs";

const RUNS = Number(process.env.RUNS ?? 5);
const IDLE_MS = 5_000;

/** Every process whose parent chain leads to `root`, including it. */
function processTree(root) {
  const children = new Map();
  for (const entry of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

function memoryKiB(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))[1]);
  return { rss: field("Rss"), pss: field("Pss") };
}

function appPid() {
  const out = execFileSync("pgrep", ["-n", "-f", `^${application}`], { encoding: "utf8" });
  return Number(out.trim());
}

/** When the process started, as epoch milliseconds (10 ms resolution: clock ticks). */
function processStartEpochMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  const uptimeSeconds = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  return Date.now() - (uptimeSeconds - startTicks / ticksPerSecond) * 1000;
}

const starts = [];
let memory;
for (let run = 0; run < RUNS; run++) {
  const { browser, close } = await openApp();
  try {
    // The app marks "ks-onboard:interactive" once the first stage is rendered and Rust has
    // answered; the mark's absolute time is compared with the process's start time.
    await browser.waitUntil(
      () => browser.execute(() => performance.getEntriesByName("ks-onboard:interactive").length > 0),
      { timeout: 20_000, interval: 20 },
    );
    const [origin, mark] = await browser.execute(() => [
      performance.timeOrigin,
      performance.getEntriesByName("ks-onboard:interactive")[0].startTime,
    ]);
    const pid = appPid();
    starts.push({ sinceProcess: origin + mark - processStartEpochMs(pid), sinceNavigation: mark });
    if (run === RUNS - 1) {
      await new Promise((r) => setTimeout(r, IDLE_MS));
      memory = processTree(pid).map((p) => ({ pid: p, name: readFileSync(`/proc/${p}/comm`, "utf8").trim(), ...memoryKiB(p) }));
    }
  } finally {
    await close();
  }
}

/** Epoch ms at which a `kubectl get cluster NAME -w` sees the Ready condition turn True: an
 * independent watcher of the same API server, so the figure is the app's own delay (the
 * watcher's delivery, a few ms, is not subtracted). */
function readyWatcher(kubeconfig, name) {
  const child = spawn(KUBECTL, ["--kubeconfig", kubeconfig, "get", "cluster", name, "-w", "-o", "json", "--output-watch-events"], { stdio: ["ignore", "pipe", "inherit"] });
  let buffer = "";
  const ready = new Promise((resolve) => {
    child.stdout.on("data", (chunk) => {
      const at = Date.now();
      buffer += chunk;
      if (/"type":\s*"Ready",\s*"status":\s*"True"|"status":\s*"True",\s*"type":\s*"Ready"/.test(buffer.replace(/\s+/g, " "))) resolve(at);
    });
  });
  return { ready, stop: () => child.kill("SIGTERM") };
}

/** One join per run: the CLI creates the Cluster and applies agent.yaml (no --wait), the app,
 * opened on the same data directory, resumes the join on the Join page, and the page stamps the
 * moment it shows Ready. */
async function readyToUi(run) {
  const dir = mkdtempSync(join(tmpdir(), "ks-onboard-measure-"));
  const data = join(dir, "data");
  const sandbox = await startSandbox(join(dir, "sandbox"));
  const host = join(dir, "sandbox", "host.kubeconfig");
  const member = join(dir, "sandbox", "member.kubeconfig");
  const name = `measure-${run}`;
  const env = { KS_ONBOARD_DATA_DIR: data };
  let app;
  try {
    const watcher = readyWatcher(host, name);
    execFileSync(CLI, ["cluster", "add", name, "--host-context", "sandbox-host", "--member-context", "sandbox-member"], {
      env: { ...process.env, ...env, KUBECONFIG: `${host}:${member}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    app = await openApp({ args: ["--kubeconfig", host, "--kubeconfig", member], env });
    const { browser } = app;
    await chooseSandboxRoles(browser);
    await (await browser.$('nav [data-stage="join"]')).click();
    await (await browser.$('[data-testid="join-timeline"]')).waitForDisplayed({ timeout: 20_000 });
    const watchingEarly = await browser.execute(() => {
      window.__readyAt = null;
      const seen = () => document.querySelector('[data-testid="join-ready"]');
      if (seen()) return false;
      new MutationObserver((_, observer) => {
        if (seen()) {
          window.__readyAt = performance.timeOrigin + performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
      return true;
    });
    if (!watchingEarly) throw new Error("the Cluster was Ready before the Join page was watching: no figure");
    const readyAt = await watcher.ready;
    watcher.stop();
    await browser.waitUntil(() => browser.execute(() => window.__readyAt !== null), { timeout: 10_000, interval: 20 });
    const shownAt = await browser.execute(() => window.__readyAt);
    return shownAt - readyAt;
  } finally {
    await app?.close();
    sandbox.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

const ready = [];
for (let run = 0; run < RUNS; run++) ready.push(await readyToUi(run));

console.log(
  JSON.stringify({
    runs: RUNS,
    idleMs: IDLE_MS,
    startMs: starts.map((s) => Math.round(s.sinceProcess)),
    navigationMs: starts.map((s) => Math.round(s.sinceNavigation)),
    memoryKiB: memory,
    readyToUiMs: ready.map((ms) => Math.round(ms)),
  }),
);
