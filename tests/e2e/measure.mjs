// Measures cold start to an interactive window and the idle memory of the app's process tree
// (the app + WebKit's web and network processes), and prints a Markdown table for
// docs/benchmarks.md. Run under xvfb-run after `tauri build` (scripts/measure.sh).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { openApp, application } from "./session.mjs";

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

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

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
      const tree = processTree(pid);
      const perProcess = tree.map((p) => ({ pid: p, name: readFileSync(`/proc/${p}/comm`, "utf8").trim(), ...memoryKiB(p) }));
      memory = perProcess;
    }
  } finally {
    await close();
  }
}

const mib = (kib) => (kib / 1024).toFixed(1);
const totalRss = memory.reduce((s, p) => s + p.rss, 0);
const totalPss = memory.reduce((s, p) => s + p.pss, 0);
console.log(`| cold start, process start → first stage rendered (median of ${RUNS}) | ${Math.round(median(starts.map((s) => s.sinceProcess)))} ms |`);
console.log(`| of which page navigation → interactive (median) | ${Math.round(median(starts.map((s) => s.sinceNavigation)))} ms |`);
console.log(`| idle memory after ${IDLE_MS / 1000} s, whole process tree, PSS | ${mib(totalPss)} MiB |`);
console.log(`| idle memory, whole process tree, RSS (counts shared pages once per process) | ${mib(totalRss)} MiB |`);
for (const p of memory) console.log(`|   ${p.name} (PSS / RSS) | ${mib(p.pss)} / ${mib(p.rss)} MiB |`);
