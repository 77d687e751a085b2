//! The in-process figures behind DESIGN.md's budgets, measured on the release build of the
//! core against the sandbox (real TLS, real kube client, latency injected by the sandbox
//! before every answer). Not a test: `scripts/bench.sh` runs it and writes docs/benchmarks.md.
//!
//! `cargo bench -p onboard-core --bench budgets -- WHAT ARG RUNS`, each in a process of its own
//! (so the peak RSS belongs to that measurement alone), printing one JSON line:
//!   kubeconfig FILE RUNS     load + merge of FILE (`load::load`), then the summary the app lists
//!   preflight LATENCY_MS RUNS   the nine host checks against a healthy sandbox host
//!   apply LATENCY_MS RUNS    the plan (server-side dry run) and the one-click apply (which dry-runs
//!                            again, then writes) of agent.yaml on a fresh member

use kube_sandbox::{Sandbox, SandboxConfig};
use onboard_core::join::add::{self, HostTarget};
use onboard_core::join::agent::{self, AgentManifest};
use onboard_core::join::apply::{self, MemberTarget};
use onboard_core::join::form::ClusterForm;
use onboard_core::kubeconfig::client::{self, ClientSettings};
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::{sources, summary};
use onboard_core::preflight::{self, PreflightOptions, Verdict};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [what, arg, runs] = &args[..] else {
        eprintln!("usage: budgets kubeconfig FILE RUNS | preflight LATENCY_MS RUNS | apply LATENCY_MS RUNS");
        std::process::exit(2);
    };
    let runs: usize = runs.parse().expect("RUNS is a number");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let line = match what.as_str() {
        "kubeconfig" => kubeconfig(Path::new(arg), runs),
        "preflight" => runtime.block_on(preflight(latency(arg), runs)),
        "apply" => runtime.block_on(one_click_apply(latency(arg), runs)),
        other => panic!("unknown benchmark {other}"),
    };
    println!("{line}");
}

fn latency(ms: &str) -> Duration {
    Duration::from_millis(ms.parse().expect("LATENCY_MS is a number"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident set (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn kubeconfig(file: &Path, runs: usize) -> serde_json::Value {
    let (mut load_ms, mut summary_ms) = (Vec::new(), Vec::new());
    let mut contexts = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let merged = load::load(&sources::resolve(Some(file), None, None).expect("sources"))
            .expect("the kubeconfig loads");
        load_ms.push(ms(started.elapsed()));
        let started = Instant::now();
        contexts = summary::summarize(&merged).contexts.len();
        summary_ms.push(ms(started.elapsed()));
    }
    json!({"bench": "kubeconfig", "contexts": contexts, "bytes": std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
           "load_ms": load_ms, "summary_ms": summary_ms, "peak_rss_mib": peak_rss_mib()})
}

async fn sandbox(scenario: &str, latency: Duration) -> (Sandbox, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: scenario.into(),
        latency,
        timing: Default::default(),
    })
    .await
    .expect("sandbox starts");
    (sandbox, dir)
}

fn settings() -> ClientSettings {
    ClientSettings::new(SearchPath::explicit("/usr/bin:/bin"))
}

fn merged(path: &Path) -> Merged {
    load::load(&sources::resolve(Some(path), None, None).expect("sources")).expect("loads")
}

async fn client(path: &Path, context: &str) -> kube::Client {
    client::client_for(&merged(path), context, &settings())
        .await
        .expect("client")
        .0
}

async fn preflight(latency: Duration, runs: usize) -> serde_json::Value {
    let (sandbox, _dir) = sandbox("healthy", latency).await;
    let merged = merged(&sandbox.host_kubeconfig);
    let mut times = Vec::new();
    for _ in 0..runs {
        // Each run as the app does it: a fresh client (TLS handshake included), all checks.
        let started = Instant::now();
        let results = preflight::run(
            &merged,
            "sandbox-host",
            &PreflightOptions::new(settings()),
            |_| {},
        )
        .await;
        times.push(ms(started.elapsed()));
        assert!(
            results.iter().all(|r| r.verdict == Verdict::Pass),
            "a healthy host passes: {results:?}"
        );
    }
    json!({"bench": "preflight", "latency_ms": ms(latency), "checks": 9, "runs_ms": times})
}

async fn one_click_apply(latency: Duration, runs: usize) -> serde_json::Value {
    let (mut plan_ms, mut apply_ms) = (Vec::new(), Vec::new());
    let mut objects = 0;
    for run in 0..runs {
        // A fresh member each run: the apply creates every object, as a first join does.
        let (sandbox, _dir) = sandbox("healthy", latency).await;
        let host = client(&sandbox.host_kubeconfig, "sandbox-host").await;
        let member = client(&sandbox.member_kubeconfig, "sandbox-member").await;
        let data = tempfile::tempdir().expect("data dir");
        let name = format!("bench-{run}");
        let form = ClusterForm {
            name: name.clone(),
            ..ClusterForm::default()
        };
        let target = HostTarget {
            client: &host,
            context: "sandbox-host",
            member_context: Some("sandbox-member"),
            data_dir: data.path(),
        };
        add::add(&target, &form, false)
            .await
            .expect("the Cluster is created");
        let manifest = fetch_manifest(&host, &name).await;
        let member_target = MemberTarget {
            client: &member,
            context: "sandbox-member",
            host_context: "sandbox-host",
            data_dir: data.path(),
        };
        // The Join page's two buttons: "Plan" (a server-side dry run of every object), then
        // "Apply", which dry-runs again before it writes, so a stale plan is never applied.
        let started = Instant::now();
        let plan = apply::plan(&member, &manifest).await.expect("plan");
        plan_ms.push(ms(started.elapsed()));
        let started = Instant::now();
        let applied = apply::apply(&member_target, &manifest, |_| {})
            .await
            .expect("apply");
        apply_ms.push(ms(started.elapsed()));
        objects = plan.items.len();
        assert_eq!(applied.created.len(), objects, "every object created");
    }
    json!({"bench": "apply", "latency_ms": ms(latency), "objects": objects, "plan_ms": plan_ms, "apply_ms": apply_ms})
}

/// agent.yaml once tower has initialised the new Cluster (not part of the apply's time).
async fn fetch_manifest(host: &kube::Client, name: &str) -> AgentManifest {
    let started = Instant::now();
    loop {
        match agent::fetch(host, name).await {
            Ok(manifest) => return manifest,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("agent.yaml: {error:?}"),
        }
    }
}
