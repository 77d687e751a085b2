//! The fault matrix: every operation that changes or follows a cluster — the host checks,
//! the proxy-address write, Cluster creation, agent apply and the join watch — under each
//! fault the sandbox injects (latency, 5xx, 429 with Retry-After, connection resets, dropped
//! watches, 410 Gone, credentials expiring between two requests, 409 from a concurrent
//! editor, the process killed between two steps), against the real kube client over HTTPS.
//!
//! Every case ends in exactly one of three ways, and says which:
//! - **completed**: the operation's goal is reached (address written and verified, Cluster
//!   created with its tags, every agent object applied and recorded, Ready seen);
//! - **rolled back**: every object the operation touches is as it was before, object by
//!   object (or as the concurrent editor left it), and the error says what happened;
//! - **resumed**: cut off (the future dropped at a request the sandbox holds, as a killed
//!   process) or refused half-way, then run again — after signing in again where the
//!   credentials expired — to the goal; what is left behind is still cleaned by a removal.
//!
//! A table of cases drives one harness; each operation's cases run side by side, each in
//! its own sandbox, with counted faults only (no sleeps that race). With
//! `KS_ONBOARD_FAULT_REPORT=<file>` every case appends one JSON line (operation, fault,
//! case, outcome, what the user was told, milliseconds), which
//! `scripts/reliability-report.sh` renders as docs/reliability.md.

use kube_sandbox::{Cluster, Matching, Sandbox, SandboxConfig, Timing, UserSpec};
use onboard_core::join::add::{self, HostTarget};
use onboard_core::join::agent::{self, AgentManifest};
use onboard_core::join::apply::{self, MemberTarget};
use onboard_core::join::form::{ClusterForm, Tag};
use onboard_core::join::record;
use onboard_core::join::remove::{self, Targets};
use onboard_core::join::watch::{self, FollowOptions, JoinStep, WatchUpdate};
use onboard_core::kubeconfig::client::{self, ClientSettings};
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::sources;
use onboard_core::kubesphere::publish::{self, Target};
use onboard_core::preflight::{self, PreflightOptions, Verdict};
use onboard_core::vault::MemoryVault;
use onboard_core::{Error, ErrorKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;

/// A token user on both clusters (cluster-admin, and platform-admin in KubeSphere): tokens
/// are what expires in real life (OIDC, exec plugins, cloud CLIs).
const OPS: &str = "ops";
const HOST_CONTEXT: &str = "ops-host";
const MEMBER_CONTEXT: &str = "ops-member";
const CLUSTER: &str = "member";
const ADDRESS: &str = "http://139.198.120.120:30000";
/// The existing tag (`env=production`) every healthy host has.
const EXISTING_TAG: &str = "k7xq2m";
/// How many cases of one operation run at once (each has its own sandbox).
const SIDE_BY_SIDE: usize = 6;

// ---------------------------------------------------------------------------------------
// The matrix

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Preflight,
    ProxyAddress,
    ClusterCreation,
    AgentApply,
    JoinWatch,
}

impl Op {
    fn title(self) -> &'static str {
        match self {
            Op::Preflight => "preflight (host checks)",
            Op::ProxyAddress => "proxy-address write",
            Op::ClusterCreation => "Cluster creation",
            Op::AgentApply => "agent apply",
            Op::JoinWatch => "join watch",
        }
    }

    fn scenario(self) -> &'static str {
        match self {
            Op::ProxyAddress => "lb-pending",
            _ => "healthy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Latency100ms,
    Latency1s,
    ServerError,
    Throttled,
    Reset,
    WatchDrop,
    WatchGone,
    CredentialsExpire,
    Conflict,
    Killed,
}

impl Fault {
    fn title(self) -> &'static str {
        match self {
            Fault::Latency100ms => "latency 100 ms",
            Fault::Latency1s => "latency 1 s",
            Fault::ServerError => "5xx",
            Fault::Throttled => "429 + Retry-After",
            Fault::Reset => "connection reset",
            Fault::WatchDrop => "watch dropped",
            Fault::WatchGone => "410 Gone",
            Fault::CredentialsExpire => "credentials expire",
            Fault::Conflict => "409 conflict",
            Fault::Killed => "killed, restarted",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Recovery {
    /// Run it again, as a restarted app would.
    RunAgain,
    /// Get a fresh token (sign in again), then run it again.
    SignInAgain,
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Completed,
    /// With parts of what the user must be told.
    RolledBack(&'static [&'static str]),
    /// Cut off or refused (then told these), recovered, then run to the goal.
    Resumed(Recovery, &'static [&'static str]),
}

struct Case {
    op: Op,
    fault: Fault,
    what: &'static str,
    /// Turns the fault on (after the operation's own set-up, before it runs).
    inject: fn(&World),
    expect: Expect,
}

const fn case(
    op: Op,
    fault: Fault,
    what: &'static str,
    inject: fn(&World),
    expect: Expect,
) -> Case {
    Case {
        op,
        fault,
        what,
        inject,
        expect,
    }
}

use Expect::{Completed, Resumed, RolledBack};
use Fault::*;
use Recovery::{RunAgain, SignInAgain};

fn real(path: &str, method: &str) -> Matching {
    Matching::path(path).method(method).dry_run(false)
}

fn get(path: &str) -> Matching {
    Matching::path(path).method("GET")
}

const SECRET: &str = "/api/v1/namespaces/kubesphere-system/secrets/tower";
const LABELS: &str = "/apis/cluster.kubesphere.io/v1alpha1/labels";
const CLUSTERS: &str = "/apis/cluster.kubesphere.io/v1alpha1/clusters";
const BIND: &str = "/apis/cluster.kubesphere.io/v1alpha1/labels/k7xq2m";
const SERVICE_ACCOUNT: &str = "/serviceaccounts/tower";
const BINDING: &str = "/clusterrolebindings/tower";
const DEPLOYMENT: &str = "/deployments/cluster-agent";

const PREFLIGHT: &[Case] = &[
    case(
        Op::Preflight,
        Latency1s,
        "1 s before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_secs(1)),
        Completed,
    ),
    case(
        Op::Preflight,
        Latency100ms,
        "100 ms before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_millis(100)),
        Completed,
    ),
    case(
        Op::Preflight,
        ServerError,
        "500 twice on GET Service tower",
        |w| {
            w.host()
                .faults()
                .fail_matching(get("/services/tower"), 2, 500)
        },
        Completed,
    ),
    case(
        Op::Preflight,
        ServerError,
        "503 on every GET Extension tower",
        |w| {
            w.host()
                .faults()
                .fail_matching(get("/extensions/tower"), u32::MAX, 503)
        },
        RolledBack(&["could not read Extension tower", "503"]),
    ),
    case(
        Op::Preflight,
        Throttled,
        "429 (Retry-After: 1) on two access reviews",
        |w| {
            w.host()
                .faults()
                .throttle_matching(Matching::path("/selfsubjectaccessreviews"), 2, 1)
        },
        Completed,
    ),
    case(
        Op::Preflight,
        Reset,
        "3 resets among the checks' GETs",
        |w| {
            w.host()
                .faults()
                .reset_matching(Matching::any().method("GET").after(2), 3)
        },
        Completed,
    ),
    case(
        Op::Preflight,
        Reset,
        "reset of the connection check's first request",
        |w| w.host().faults().reset_next(1),
        RolledBack(&["API server, TLS and credentials"]),
    ),
    case(
        Op::Preflight,
        CredentialsExpire,
        "token expires after the connection check",
        |w| w.expire_before(Side::Host, Matching::path("/selfsubjectaccessreviews")),
        RolledBack(&["401", "expired"]),
    ),
    case(
        Op::Preflight,
        Killed,
        "cut while GET Nodes hangs",
        |w| w.cut_at(Side::Host, get("/api/v1/nodes"), false),
        Resumed(RunAgain, &[]),
    ),
];

const PROXY_ADDRESS: &[Case] = &[
    case(
        Op::ProxyAddress,
        Latency1s,
        "1 s before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_secs(1)),
        Completed,
    ),
    case(
        Op::ProxyAddress,
        Latency100ms,
        "100 ms before every answer",
        |w| w.host().faults().set_latency(Duration::from_millis(100)),
        Completed,
    ),
    case(
        Op::ProxyAddress,
        ServerError,
        "503 twice on GET Secret tower",
        |w| w.host().faults().fail_matching(get(SECRET), 2, 503),
        Completed,
    ),
    case(
        Op::ProxyAddress,
        ServerError,
        "500 on the write (after its dry run)",
        |w| w.host().faults().fail_matching(real(SECRET, "PUT"), 1, 500),
        RolledBack(&["could not write Secret kubesphere-system/tower", "500"]),
    ),
    case(
        Op::ProxyAddress,
        Throttled,
        "429 (Retry-After: 1) on the write",
        |w| {
            w.host()
                .faults()
                .throttle_matching(real(SECRET, "PUT"), 1, 1)
        },
        Completed,
    ),
    case(
        Op::ProxyAddress,
        Reset,
        "reset of the read-back",
        |w| w.host().faults().reset_matching(get(SECRET).after(2), 1),
        Completed,
    ),
    case(
        Op::ProxyAddress,
        Reset,
        "reset of the write (not repeated: it may have been done)",
        |w| w.host().faults().reset_matching(real(SECRET, "PUT"), 1),
        RolledBack(&["did not answer", "nothing was written"]),
    ),
    case(
        Op::ProxyAddress,
        CredentialsExpire,
        "token expires between the dry run and the write",
        |w| w.expire_before(Side::Host, real(SECRET, "PUT")),
        RolledBack(&["401", "expired"]),
    ),
    case(
        Op::ProxyAddress,
        Conflict,
        "409 on the first write (conflict_next_writes)",
        |w| w.host().faults().conflict_next_writes(1),
        RolledBack(&["someone changed it", "nothing was written"]),
    ),
    case(
        Op::ProxyAddress,
        Conflict,
        "another client edits the Secret between our read and write",
        |w| {
            w.edit_before(Side::Host, real(SECRET, "PUT"), |host, _| {
                let secret = kube_sandbox::ObjectRef {
                    api_version: "v1",
                    kind: "Secret",
                    namespace: "kubesphere-system",
                    name: "tower",
                };
                host.merge_patch(
                    secret,
                    &json!({"metadata": {"annotations": {"edited-by": "someone else"}}}),
                    false,
                )
                .unwrap();
            })
        },
        RolledBack(&["someone changed it", "nothing was written"]),
    ),
    case(
        Op::ProxyAddress,
        Killed,
        "cut while the write hangs (never done)",
        |w| w.cut_at(Side::Host, real(SECRET, "PUT"), false),
        Resumed(RunAgain, &[]),
    ),
    case(
        Op::ProxyAddress,
        Killed,
        "cut after the write was done, before its answer",
        |w| w.cut_at(Side::Host, real(SECRET, "PUT"), true),
        Resumed(RunAgain, &[]),
    ),
];

const CLUSTER_CREATION: &[Case] = &[
    case(
        Op::ClusterCreation,
        Latency1s,
        "1 s before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_secs(1)),
        Completed,
    ),
    case(
        Op::ClusterCreation,
        Latency100ms,
        "100 ms before every answer",
        |w| w.host().faults().set_latency(Duration::from_millis(100)),
        Completed,
    ),
    case(
        Op::ClusterCreation,
        ServerError,
        "503 twice on GET the tags",
        |w| w.host().faults().fail_matching(get(LABELS), 2, 503),
        Completed,
    ),
    case(
        Op::ClusterCreation,
        ServerError,
        "500 on creating the Cluster (after its tag)",
        |w| {
            w.host()
                .faults()
                .fail_matching(real(CLUSTERS, "POST"), 1, 500)
        },
        RolledBack(&["could not create Cluster member", "500", "taken back"]),
    ),
    case(
        Op::ClusterCreation,
        ServerError,
        "500 on adding the cluster to the existing tag",
        |w| w.host().faults().fail_matching(real(BIND, "PATCH"), 1, 500),
        RolledBack(&["tag env=production", "500", "taken back"]),
    ),
    case(
        Op::ClusterCreation,
        Throttled,
        "429 (Retry-After: 1) on creating the Cluster",
        |w| {
            w.host()
                .faults()
                .throttle_matching(real(CLUSTERS, "POST"), 1, 1)
        },
        Completed,
    ),
    case(
        Op::ClusterCreation,
        Reset,
        "reset of reading the existing tag",
        |w| w.host().faults().reset_matching(get(BIND), 1),
        Completed,
    ),
    case(
        Op::ClusterCreation,
        Reset,
        "reset of creating the Cluster (not repeated)",
        |w| w.host().faults().reset_matching(real(CLUSTERS, "POST"), 1),
        RolledBack(&["did not answer", "taken back"]),
    ),
    case(
        Op::ClusterCreation,
        CredentialsExpire,
        "token expires before the first write",
        |w| w.expire_before(Side::Host, real(LABELS, "POST")),
        RolledBack(&["401", "expired"]),
    ),
    case(
        Op::ClusterCreation,
        CredentialsExpire,
        "token expires after the new tag was created",
        |w| w.expire_before(Side::Host, real(CLUSTERS, "POST")),
        Resumed(
            SignInAgain,
            &["401", "could not be taken back", "cluster remove member"],
        ),
    ),
    case(
        Op::ClusterCreation,
        Conflict,
        "another client edits the existing tag between our read and write",
        |w| {
            w.edit_before(Side::Host, real(BIND, "PATCH"), |host, _| {
                let label = kube_sandbox::ObjectRef {
                    api_version: "cluster.kubesphere.io/v1alpha1",
                    kind: "Label",
                    namespace: "",
                    name: EXISTING_TAG,
                };
                host.merge_patch(
                    label,
                    &json!({"spec": {"backgroundColor": "#ff0000"}}),
                    false,
                )
                .unwrap();
            })
        },
        Completed,
    ),
    case(
        Op::ClusterCreation,
        Conflict,
        "another client creates a Cluster of the same name first",
        |w| {
            w.edit_before(Side::Host, real(CLUSTERS, "POST"), |host, _| {
            host.create(json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster", "metadata": {"name": CLUSTER},
                "spec": {"joinFederation": true, "connection": {"type": "direct"}}})).unwrap();
        })
        },
        RolledBack(&["already has a cluster called \"member\"", "taken back"]),
    ),
    case(
        Op::ClusterCreation,
        Killed,
        "cut while creating the Cluster hangs (never done)",
        |w| w.cut_at(Side::Host, real(CLUSTERS, "POST"), false),
        Resumed(RunAgain, &[]),
    ),
    case(
        Op::ClusterCreation,
        Killed,
        "cut after the Cluster was created, before its answer",
        |w| w.cut_at(Side::Host, real(CLUSTERS, "POST"), true),
        Resumed(RunAgain, &[]),
    ),
];

const AGENT_APPLY: &[Case] = &[
    case(
        Op::AgentApply,
        Latency1s,
        "1 s before every answer of the member",
        |w| w.member().faults().set_latency(Duration::from_secs(1)),
        Completed,
    ),
    case(
        Op::AgentApply,
        Latency100ms,
        "100 ms before every answer",
        |w| w.member().faults().set_latency(Duration::from_millis(100)),
        Completed,
    ),
    case(
        Op::AgentApply,
        ServerError,
        "500 twice on applying the ServiceAccount",
        |w| {
            w.member()
                .faults()
                .fail_matching(real(SERVICE_ACCOUNT, "PATCH"), 2, 500)
        },
        Completed,
    ),
    case(
        Op::AgentApply,
        ServerError,
        "503 on every apply of the ClusterRoleBinding",
        |w| {
            w.member()
                .faults()
                .fail_matching(real(BINDING, "PATCH"), u32::MAX, 503)
        },
        RolledBack(&["ClusterRoleBinding tower", "503", "taken back"]),
    ),
    case(
        Op::AgentApply,
        Throttled,
        "429 (Retry-After: 1) on applying the Deployment",
        |w| {
            w.member()
                .faults()
                .throttle_matching(real(DEPLOYMENT, "PATCH"), 1, 1)
        },
        Completed,
    ),
    case(
        Op::AgentApply,
        Reset,
        "resets of two applies",
        |w| {
            w.member()
                .faults()
                .reset_matching(Matching::any().method("PATCH").dry_run(false), 2)
        },
        Completed,
    ),
    case(
        Op::AgentApply,
        CredentialsExpire,
        "token expires between the plan and the first apply",
        |w| w.expire_before(Side::Member, real("/namespaces/kubesphere-system", "PATCH")),
        RolledBack(&["401", "expired", "nothing was created"]),
    ),
    case(
        Op::AgentApply,
        CredentialsExpire,
        "token expires after the Namespace was applied",
        |w| w.expire_before(Side::Member, real(SERVICE_ACCOUNT, "PATCH")),
        Resumed(
            SignInAgain,
            &[
                "401",
                "could not be taken back",
                "Namespace kubesphere-system",
            ],
        ),
    ),
    case(
        Op::AgentApply,
        Conflict,
        "409 on the first dry run (conflict_next_writes)",
        |w| w.member().faults().conflict_next_writes(1),
        RolledBack(&["conflicts with what the member has", "nothing was applied"]),
    ),
    case(
        Op::AgentApply,
        Conflict,
        "another client creates ClusterRoleBinding tower half-way",
        |w| {
            w.edit_before(Side::Member, real(BINDING, "PATCH"), |_, member| {
            member.create(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "tower", "labels": {"owner": "someone-else"}},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]})).unwrap();
        })
        },
        RolledBack(&["ClusterRoleBinding tower", "taken back"]),
    ),
    case(
        Op::AgentApply,
        Killed,
        "cut while applying the ServiceAccount hangs (never done)",
        |w| w.cut_at(Side::Member, real(SERVICE_ACCOUNT, "PATCH"), false),
        Resumed(RunAgain, &[]),
    ),
    case(
        Op::AgentApply,
        Killed,
        "cut after the ServiceAccount was applied, before its answer",
        |w| w.cut_at(Side::Member, real(SERVICE_ACCOUNT, "PATCH"), true),
        Resumed(RunAgain, &[]),
    ),
];

const JOIN_WATCH: &[Case] = &[
    case(
        Op::JoinWatch,
        Latency1s,
        "1 s before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_secs(1)),
        Completed,
    ),
    case(
        Op::JoinWatch,
        Latency100ms,
        "100 ms before every answer of the host",
        |w| w.host().faults().set_latency(Duration::from_millis(100)),
        Completed,
    ),
    case(
        Op::JoinWatch,
        ServerError,
        "503 twice on the Cluster's list/watch",
        |w| w.host().faults().fail_matching(get(CLUSTERS), 2, 503),
        Completed,
    ),
    case(
        Op::JoinWatch,
        Throttled,
        "429 (Retry-After: 1) on the Cluster's list/watch",
        |w| w.host().faults().throttle_matching(get(CLUSTERS), 1, 1),
        Completed,
    ),
    case(
        Op::JoinWatch,
        Reset,
        "two resets of the Cluster's list/watch",
        |w| w.host().faults().reset_matching(get(CLUSTERS), 2),
        Completed,
    ),
    case(
        Op::JoinWatch,
        WatchDrop,
        "every watch of both clusters dropped twice during the join",
        |w| {
            for path in [SERVICE_ACCOUNT, DEPLOYMENT] {
                w.on_both_before(real(path, "PATCH"), |host, member| {
                    host.faults().drop_watches();
                    member.faults().drop_watches();
                });
            }
        },
        Completed,
    ),
    case(
        Op::JoinWatch,
        WatchGone,
        "watches dropped and their resourceVersion expired (410)",
        |w| {
            w.on_both_before(real(DEPLOYMENT, "PATCH"), |host, _| {
                host.faults().expire_next_watches(2);
                host.faults().drop_watches();
            });
        },
        Completed,
    ),
    case(
        Op::JoinWatch,
        CredentialsExpire,
        "token expires and the watches must start again",
        |w| {
            w.on_both_before(real(DEPLOYMENT, "PATCH"), |host, _| {
                host.expire_credentials(OPS, SystemTime::UNIX_EPOCH);
                host.faults().drop_watches();
            });
        },
        Resumed(SignInAgain, &["401", "sign in again"]),
    ),
    case(
        Op::JoinWatch,
        Killed,
        "cut once the agent connected",
        |w| w.cut_at_step(JoinStep::AgentConnected),
        Resumed(RunAgain, &[]),
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflight_under_faults() {
    run_matrix(PREFLIGHT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proxy_address_write_under_faults() {
    run_matrix(PROXY_ADDRESS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cluster_creation_under_faults() {
    run_matrix(CLUSTER_CREATION).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_apply_under_faults() {
    run_matrix(AGENT_APPLY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn join_watch_under_faults() {
    run_matrix(JOIN_WATCH).await;
}

// ---------------------------------------------------------------------------------------
// The harness

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    RolledBack,
    Resumed,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled back",
            Outcome::Resumed => "resumed",
        }
    }
}

/// What one case measured.
struct Measured {
    outcome: Outcome,
    /// What the user was told (error message and hint, or the failed checks).
    told: String,
}

/// Runs every case of one operation side by side; fails listing each case that failed.
async fn run_matrix(cases: &'static [Case]) {
    let limit = Arc::new(tokio::sync::Semaphore::new(SIDE_BY_SIDE));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, case) in cases.iter().enumerate() {
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let started = Instant::now();
            let result = tokio::spawn(run_case(case)).await;
            (index, result, started.elapsed())
        });
    }
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (index, result, elapsed) = done.expect("the case runner does not panic");
        let case = &cases[index];
        let (outcome, told) = match result {
            Ok(measured) => (measured.outcome.name().to_string(), measured.told),
            Err(panic) => {
                let why = panic_text(panic);
                failures.push(format!("{} / {}: {why}", case.fault.title(), case.what));
                ("FAILED".to_string(), why)
            }
        };
        rows.push((index, outcome, told, elapsed));
    }
    rows.sort_by_key(|r| r.0);
    for (index, outcome, told, elapsed) in &rows {
        let case = &cases[*index];
        eprintln!(
            "{:<22} {:<20} {:<60} {:<12} {:>6} ms  {}",
            case.op.title(),
            case.fault.title(),
            case.what,
            outcome,
            elapsed.as_millis(),
            told
        );
        report(case, outcome, told, *elapsed);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn panic_text(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into()),
        Err(error) => error.to_string(),
    }
}

/// One JSON line per case in `$KS_ONBOARD_FAULT_REPORT`, for docs/reliability.md.
fn report(case: &Case, outcome: &str, told: &str, elapsed: Duration) {
    let Some(path) = std::env::var_os("KS_ONBOARD_FAULT_REPORT") else {
        return;
    };
    let line = json!({"operation": case.op.title(), "fault": case.fault.title(), "case": case.what,
        "outcome": outcome, "told": told, "checked": checked(case), "ms": elapsed.as_millis() as u64});
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("the fault report can be appended to");
    // One write per line: lines from test processes running side by side do not interleave.
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// Our own requests wait as long as a 429 asks (kube-runtime's watcher, behind the join
/// watch, backs off on its own schedule instead).
fn honours_retry_after(case: &Case) -> bool {
    case.fault == Fault::Throttled && case.op != Op::JoinWatch
}

/// What the case proved besides the outcome, for the report.
fn checked(case: &Case) -> String {
    let goal = match case.op {
        Op::Preflight => "every check passes",
        Op::ProxyAddress => "the address is in Secret tower, earlier keys kept, read back",
        Op::ClusterCreation => "the Cluster exists, both tags list it, one new tag",
        Op::AgentApply => "the 4 agent objects are on the member and in the join record",
        Op::JoinWatch => "Ready seen",
    };
    match case.expect {
        Expect::Completed if honours_retry_after(case) => {
            format!("{goal}; waited the 1 s Retry-After asked")
        }
        Expect::Completed => goal.to_string(),
        Expect::RolledBack(_) if matches!(case.op, Op::Preflight) => {
            "nothing changed on the host; the failed check says why".into()
        }
        Expect::RolledBack(_) if case.what.contains("another client") => {
            "every object as before, plus the other client's change".into()
        }
        Expect::RolledBack(_) => "every object as before".into(),
        Expect::Resumed(recovery, _) => {
            let again = match recovery {
                Recovery::RunAgain => "run again",
                Recovery::SignInAgain => "signed in again, run again",
            };
            let undo = match case.op {
                Op::ProxyAddress => {
                    "; `proxy-address restore` then gives back every object as before"
                }
                Op::ClusterCreation => "; removal then leaves the host as before",
                Op::AgentApply => "; removal then leaves the member as before",
                Op::Preflight | Op::JoinWatch => "",
            };
            format!("{again}: {goal}{undo}")
        }
    }
}

async fn run_case(case: &'static Case) -> Measured {
    let mut w = World::start(case.op).await;
    w.set_up(case.op).await;
    let before = State::of(&w);
    (case.inject)(&w);
    let started = Instant::now();
    let first = w.attempt(case.op).await;
    if honours_retry_after(case) {
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "the 1 s Retry-After was not waited for ({:?})",
            started.elapsed()
        );
    }
    match case.expect {
        Expect::Completed => {
            if let Attempt::Failed(told) = &first {
                panic!("expected to complete, but: {told}");
            }
            assert!(matches!(first, Attempt::Done), "expected to complete");
            w.assert_all_faults_hit();
            w.assert_goal(case.op).await;
            Measured {
                outcome: Outcome::Completed,
                told: String::new(),
            }
        }
        Expect::RolledBack(says) => {
            let told = match first {
                Attempt::Failed(told) => told,
                Attempt::Done => panic!("expected an error, but it completed"),
                Attempt::Cut => panic!("expected an error, but it was cut"),
            };
            assert_told(&told, says);
            let expected = match w.edited.lock().unwrap().clone() {
                Some((pre, post)) => before.with_change(&pre, &post),
                None => before,
            };
            w.assert_state(case.op, &expected).await;
            Measured {
                outcome: Outcome::RolledBack,
                told,
            }
        }
        Expect::Resumed(recovery, says) => {
            let told = match first {
                Attempt::Failed(told) => told,
                Attempt::Cut => "(cut off, as a killed process would be)".to_string(),
                Attempt::Done => panic!("expected to be cut off or refused, but it completed"),
            };
            assert_told(&told, says);
            w.assert_all_faults_hit();
            w.host().faults().clear();
            w.member().faults().clear();
            if let Recovery::SignInAgain = recovery {
                w.sign_in_again().await;
            }
            match w.attempt(case.op).await {
                Attempt::Done => {}
                Attempt::Failed(told) => panic!("run again, it failed: {told}"),
                Attempt::Cut => unreachable!("no cut the second time"),
            }
            w.assert_goal(case.op).await;
            w.assert_clean_removal(case.op, &before).await;
            Measured {
                outcome: Outcome::Resumed,
                told,
            }
        }
    }
}

fn assert_told(told: &str, says: &[&str]) {
    for part in says {
        assert!(told.contains(part), "the user is not told {part:?}: {told}");
    }
}

fn told(error: &Error) -> String {
    match &error.hint {
        Some(hint) => format!("{} — {hint}", error.message),
        None => error.message.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// One world per case

#[derive(Debug, Clone, Copy)]
enum Side {
    Host,
    Member,
}

enum Attempt {
    Done,
    Failed(String),
    Cut,
}

struct World {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    data: tempfile::TempDir,
    merged: Merged,
    host: kube::Client,
    member: kube::Client,
    manifest: Option<AgentManifest>,
    /// The keyring of the app's machine: outlives a killed run, as the OS keyring does.
    vault: MemoryVault,
    /// Told when the operation is to be dropped, as a killed process is.
    cut: Mutex<Option<Arc<Notify>>>,
    /// The join watch is cut once it reaches this step.
    cut_step: Mutex<Option<JoinStep>>,
    /// What a concurrent editor changed (the state just before and just after its edit):
    /// a rollback must reach the state before the operation with that change on top.
    edited: Arc<Mutex<Option<(State, State)>>>,
}

fn fast() -> Timing {
    Timing {
        retry_min: Duration::from_millis(50),
        dial_timeout: Duration::from_millis(200),
        ks_core_install: Duration::from_millis(300),
        restart_back_off: Duration::from_millis(200),
    }
}

fn settings() -> ClientSettings {
    ClientSettings::new(SearchPath::explicit("/usr/bin:/bin"))
}

async fn client_of(path: &Path, context: &str) -> (Merged, kube::Client) {
    let merged = load::load(&sources::resolve(Some(path), None, None).unwrap()).unwrap();
    let (client, _) = client::client_for(&merged, context, &settings())
        .await
        .unwrap();
    (merged, client)
}

/// New tokens for the `ops` user on both clusters; kubeconfigs and clients with them.
async fn sign_in(sandbox: &Sandbox, dir: &Path) -> (Merged, kube::Client, kube::Client) {
    let host_path = dir.join("ops-host.kubeconfig");
    let member_path = dir.join("ops-member.kubeconfig");
    for (cluster, path, context) in [
        (&sandbox.host, &host_path, HOST_CONTEXT),
        (&sandbox.member, &member_path, MEMBER_CONTEXT),
    ] {
        cluster
            .add_user(UserSpec::token(OPS, &["system:masters"]))
            .unwrap();
        cluster.write_kubeconfig(path, &[(context, OPS)]).unwrap();
    }
    let (merged, host) = client_of(&host_path, HOST_CONTEXT).await;
    let (_, member) = client_of(&member_path, MEMBER_CONTEXT).await;
    (merged, host, member)
}

impl World {
    async fn start(op: Op) -> World {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig {
            dir: dir.path().into(),
            scenario: op.scenario().into(),
            latency: Duration::ZERO,
            timing: fast(),
        })
        .await
        .expect("sandbox starts");
        // The token user is platform-admin in KubeSphere too, so the host checks pass.
        sandbox
            .host
            .create(json!({"apiVersion": "iam.kubesphere.io/v1beta1", "kind": "User",
                "metadata": {"name": OPS, "annotations": {"iam.kubesphere.io/globalrole": "platform-admin"}},
                "spec": {"email": "ops@example.com"}}))
            .unwrap();
        let (merged, host, member) = sign_in(&sandbox, dir.path()).await;
        World {
            sandbox,
            dir,
            data: tempfile::tempdir().unwrap(),
            merged,
            host,
            member,
            manifest: None,
            vault: MemoryVault::new(),
            cut: Mutex::new(None),
            cut_step: Mutex::new(None),
            edited: Arc::new(Mutex::new(None)),
        }
    }

    fn host(&self) -> &Cluster {
        &self.sandbox.host
    }

    fn member(&self) -> &Cluster {
        &self.sandbox.member
    }

    fn cluster(&self, side: Side) -> &Arc<Cluster> {
        match side {
            Side::Host => &self.sandbox.host,
            Side::Member => &self.sandbox.member,
        }
    }

    /// A fresh token for `ops` on both clusters (the old one stops working).
    async fn sign_in_again(&mut self) {
        (self.merged, self.host, self.member) = sign_in(&self.sandbox, self.dir.path()).await;
    }

    /// The `ops` token stops working just before the request `matching` selects.
    fn expire_before(&self, side: Side, matching: Matching) {
        let cluster = Arc::downgrade(self.cluster(side));
        self.cluster(side).faults().before_next(matching, move || {
            if let Some(cluster) = cluster.upgrade() {
                cluster.expire_credentials(OPS, SystemTime::UNIX_EPOCH);
            }
        });
    }

    /// Another client changes the clusters just before the request `matching` selects; the
    /// state it leaves is what a rollback must come back to.
    fn edit_before(&self, side: Side, matching: Matching, edit: fn(&Cluster, &Cluster)) {
        let edited = self.edited.clone();
        let (host, member) = (
            Arc::downgrade(&self.sandbox.host),
            Arc::downgrade(&self.sandbox.member),
        );
        self.cluster(side).faults().before_next(matching, move || {
            if let (Some(host), Some(member)) = (host.upgrade(), member.upgrade()) {
                let pre = State::read(&host, &member);
                edit(&host, &member);
                *edited.lock().unwrap() = Some((pre, State::read(&host, &member)));
            }
        });
    }

    /// Runs `action` on both clusters just before the member serves the request `matching`
    /// selects (the join's own apply drives the watch cases).
    fn on_both_before(&self, matching: Matching, action: fn(&Cluster, &Cluster)) {
        let (host, member): (Weak<Cluster>, Weak<Cluster>) = (
            Arc::downgrade(&self.sandbox.host),
            Arc::downgrade(&self.sandbox.member),
        );
        self.member().faults().before_next(matching, move || {
            if let (Some(host), Some(member)) = (host.upgrade(), member.upgrade()) {
                action(&host, &member);
            }
        });
    }

    /// The operation is dropped while the request `matching` selects is held by the server
    /// (`after_serving`: once the server has acted on it).
    fn cut_at(&self, side: Side, matching: Matching, after_serving: bool) {
        let faults = self.cluster(side).faults();
        let held = if after_serving {
            faults.hang_next_after_serving(matching)
        } else {
            faults.hang_next(matching)
        };
        *self.cut.lock().unwrap() = Some(held);
    }

    fn cut_at_step(&self, step: JoinStep) {
        *self.cut.lock().unwrap() = Some(Arc::new(Notify::new()));
        *self.cut_step.lock().unwrap() = Some(step);
    }

    fn assert_all_faults_hit(&self) {
        for (side, cluster) in [("host", self.host()), ("member", self.member())] {
            let unspent = cluster.faults().unspent();
            assert!(
                unspent.is_empty(),
                "faults on the {side} never hit: {unspent:?}"
            );
        }
    }

    fn host_target(&self) -> HostTarget<'_> {
        HostTarget {
            client: &self.host,
            context: HOST_CONTEXT,
            member_context: Some(MEMBER_CONTEXT),
            data_dir: self.data.path(),
        }
    }

    fn member_target(&self) -> MemberTarget<'_> {
        MemberTarget {
            client: &self.member,
            context: MEMBER_CONTEXT,
            host_context: HOST_CONTEXT,
            data_dir: self.data.path(),
        }
    }

    fn publish_target(&self) -> Target<'_> {
        Target {
            client: &self.host,
            context: HOST_CONTEXT,
            data_dir: self.data.path(),
            vault: &self.vault,
        }
    }

    /// What an operation needs first: the Cluster and its agent.yaml for apply and watch.
    async fn set_up(&mut self, op: Op) {
        if !matches!(op, Op::AgentApply | Op::JoinWatch) {
            return;
        }
        let form = ClusterForm {
            name: CLUSTER.into(),
            ..ClusterForm::default()
        };
        add::add(&self.host_target(), &form, false).await.unwrap();
        let started = Instant::now();
        self.manifest = Some(loop {
            match agent::fetch(&self.host, CLUSTER).await {
                Ok(manifest) => break manifest,
                Err(error)
                    if error.kind == ErrorKind::Unavailable
                        && started.elapsed() < Duration::from_secs(10) =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(error) => panic!("agent.yaml: {error:?}"),
            }
        });
    }

    /// Runs the operation once, dropping it where the case cuts it off.
    async fn attempt(&self, op: Op) -> Attempt {
        let cut = self.cut.lock().unwrap().take();
        let run = self.run(op, cut.clone());
        let result = match cut {
            Some(cut) => tokio::select! {
                result = run => result,
                _ = cut.notified() => return Attempt::Cut,
            },
            None => run.await,
        };
        match result {
            Ok(()) => Attempt::Done,
            Err(told) => Attempt::Failed(told),
        }
    }

    fn run<'a>(
        &'a self,
        op: Op,
        cut: Option<Arc<Notify>>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            match op {
                Op::Preflight => self.preflight().await,
                Op::ProxyAddress => publish::set(&self.publish_target(), ADDRESS, false)
                    .await
                    .map(|outcome| {
                        assert!(outcome.written || outcome.plan.unchanged, "{outcome:?}")
                    })
                    .map_err(|e| told(&e)),
                Op::ClusterCreation => add::add(&self.host_target(), &tagged_form(), false)
                    .await
                    .map(|_| ())
                    .map_err(|e| told(&e)),
                Op::AgentApply => apply::apply(&self.member_target(), self.manifest(), |_| {})
                    .await
                    .map(|_| ())
                    .map_err(|e| told(&e)),
                Op::JoinWatch => self.follow(cut).await,
            }
        })
    }

    fn manifest(&self) -> &AgentManifest {
        self.manifest.as_ref().expect("set up with agent.yaml")
    }

    async fn preflight(&self) -> Result<(), String> {
        let results = preflight::run(
            &self.merged,
            HOST_CONTEXT,
            &PreflightOptions::new(settings()),
            |_| {},
        )
        .await;
        if preflight::overall(&results) == Verdict::Pass {
            return Ok(());
        }
        let failed: Vec<_> = results
            .iter()
            .filter(|r| r.verdict != Verdict::Pass)
            .collect();
        let first = failed[0];
        let mut told = format!("{}: {}", first.title, first.summary);
        if !first.evidence.is_empty() {
            told.push_str(&format!(" ({})", first.evidence.join("; ")));
        }
        if let Some(fix) = &first.fix {
            told.push_str(&format!(" — {fix}"));
        }
        if failed.len() > 1 {
            let others: Vec<&str> = failed[1..].iter().map(|r| r.title.as_str()).collect();
            told.push_str(&format!(
                " [{} more checks failed: {}]",
                others.len(),
                others.join(", ")
            ));
        }
        Err(told)
    }

    /// Follows the join until Ready while applying agent.yaml once the watch has begun (so
    /// the watch sees the join happen), unless the agent is already on the member.
    async fn follow(&self, cut: Option<Arc<Notify>>) -> Result<(), String> {
        let watching = Notify::new();
        let finished = Notify::new();
        let cut_step = *self.cut_step.lock().unwrap();
        let follow = async {
            let result = watch::follow(
                self.host.clone(),
                Some(self.member.clone()),
                CLUSTER,
                FollowOptions {
                    until_ready: true,
                    timeout: Some(Duration::from_secs(30)),
                },
                |update| {
                    if let WatchUpdate::Snapshot { snapshot } = update {
                        watching.notify_one();
                        if let (Some(step), Some(cut)) = (cut_step, &cut) {
                            if snapshot.step >= step {
                                cut.notify_one();
                            }
                        }
                    }
                },
            )
            .await;
            finished.notify_one();
            result
        };
        let apply = async {
            tokio::select! {
                _ = watching.notified() => {}
                _ = finished.notified() => return Ok(()),
            }
            let applied = self
                .member()
                .get(
                    "apps/v1",
                    "Deployment",
                    "kubesphere-system",
                    "cluster-agent",
                )
                .is_some();
            if !applied {
                apply::apply(&self.member_target(), self.manifest(), |_| {})
                    .await
                    .map_err(|e| told(&e))?;
            }
            Ok::<(), String>(())
        };
        let (followed, applied) = tokio::join!(follow, apply);
        applied?;
        let snapshot = followed.map_err(|e| told(&e))?;
        if snapshot.ready {
            Ok(())
        } else {
            Err(format!("not Ready within 30 s: {snapshot:?}"))
        }
    }

    /// The operation's goal, read from the sandbox itself.
    async fn assert_goal(&self, op: Op) {
        match op {
            Op::Preflight | Op::JoinWatch => {}
            Op::ProxyAddress => {
                let config = configuration(&self.secret());
                assert!(
                    config.contains(&format!("proxyPublishAddress: {ADDRESS}")),
                    "{config}"
                );
                assert!(
                    config.contains("agentImage: kubesphere/tower:v0.2.1"),
                    "earlier keys kept: {config}"
                );
            }
            Op::ClusterCreation => {
                let cluster = self
                    .host()
                    .get("cluster.kubesphere.io/v1alpha1", "Cluster", "", CLUSTER)
                    .expect("the Cluster exists");
                assert_eq!(cluster["spec"]["connection"]["type"], "proxy");
                let labels = self
                    .host()
                    .list("cluster.kubesphere.io/v1alpha1", "Label", None);
                let team: Vec<&Value> = labels
                    .iter()
                    .filter(|l| l["spec"]["key"] == "team" && l["spec"]["value"] == "payments")
                    .collect();
                assert_eq!(team.len(), 1, "one new tag team=payments: {labels:#?}");
                for label in team.iter().copied().chain(
                    labels
                        .iter()
                        .filter(|l| l["metadata"]["name"] == EXISTING_TAG),
                ) {
                    assert!(
                        label["spec"]["clusters"]
                            .as_array()
                            .unwrap()
                            .contains(&json!(CLUSTER)),
                        "the tag lists the cluster: {label:#?}"
                    );
                }
            }
            Op::AgentApply => {
                let record = record::load(self.data.path(), HOST_CONTEXT, CLUSTER)
                    .unwrap()
                    .unwrap();
                let mut recorded: Vec<String> =
                    record.member_created.iter().map(|o| o.describe()).collect();
                recorded.sort();
                assert_eq!(
                    recorded,
                    [
                        "ClusterRoleBinding tower",
                        "Deployment kubesphere-system/cluster-agent",
                        "Namespace kubesphere-system",
                        "ServiceAccount kubesphere-system/tower"
                    ],
                    "the record names every object the join created"
                );
                assert!(record.member_existing.is_empty(), "{record:?}");
                for (api_version, kind, namespace, name) in [
                    ("v1", "Namespace", "", "kubesphere-system"),
                    ("v1", "ServiceAccount", "kubesphere-system", "tower"),
                    (
                        "rbac.authorization.k8s.io/v1",
                        "ClusterRoleBinding",
                        "",
                        "tower",
                    ),
                    (
                        "apps/v1",
                        "Deployment",
                        "kubesphere-system",
                        "cluster-agent",
                    ),
                ] {
                    assert!(
                        self.member()
                            .get(api_version, kind, namespace, name)
                            .is_some(),
                        "{kind} {name} is on the member"
                    );
                }
            }
        }
    }

    /// After a resumed write, its undo still brings everything back as it was.
    async fn assert_clean_removal(&self, op: Op, before: &State) {
        match op {
            Op::Preflight | Op::JoinWatch => {}
            Op::ProxyAddress => {
                publish::restore(&self.publish_target())
                    .await
                    .map_err(|e| told(&e))
                    .expect("the resumed write can be undone");
                self.assert_state(op, before).await;
            }
            Op::ClusterCreation | Op::AgentApply => {
                let targets = Targets {
                    host: &self.host,
                    host_context: HOST_CONTEXT,
                    member: Some(&self.member),
                    data_dir: self.data.path(),
                };
                if op == Op::AgentApply {
                    // Let the join settle first: the host installs ks-core into the member
                    // once the agent connects, and a removal racing that install would meet
                    // objects made after it looked (see docs/reliability.md).
                    let snapshot = self.follow_until_ready().await;
                    assert!(snapshot.ready, "{snapshot:?}");
                }
                remove::remove(&targets, CLUSTER, |_| {})
                    .await
                    .map_err(|e| told(&e))
                    .expect("the resumed join can be removed");
                if op == Op::ClusterCreation {
                    self.assert_state(op, before).await;
                } else {
                    // The Cluster itself was there before the apply (set-up); the member is as before.
                    self.assert_member_state(before).await;
                }
            }
        }
    }

    async fn follow_until_ready(&self) -> watch::JoinSnapshot {
        let options = FollowOptions {
            until_ready: true,
            timeout: Some(Duration::from_secs(20)),
        };
        let snapshot = watch::follow(
            self.host.clone(),
            Some(self.member.clone()),
            CLUSTER,
            options,
            |_| {},
        )
        .await
        .map_err(|e| told(&e))
        .expect("the join can be followed");
        snapshot
    }

    fn secret(&self) -> Value {
        self.host()
            .get("v1", "Secret", "kubesphere-system", "tower")
            .unwrap()
    }

    /// Every object the operation touches is as in `expected` (waits a little: namespace
    /// termination and garbage collection run after a delete is answered).
    async fn assert_state(&self, op: Op, expected: &State) {
        if op == Op::AgentApply {
            return self.assert_member_state(expected).await;
        }
        let started = Instant::now();
        loop {
            let now = State::of(self);
            if now.host == expected.host {
                return;
            }
            if started.elapsed() > Duration::from_secs(5) {
                panic!(
                    "the host is not as before: {}",
                    differences(&expected.host, &now.host)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn assert_member_state(&self, expected: &State) {
        let started = Instant::now();
        loop {
            let now = State::of(self);
            if now.member == expected.member {
                return;
            }
            if started.elapsed() > Duration::from_secs(5) {
                panic!(
                    "the member is not as before: {}",
                    differences(&expected.member, &now.member)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn tagged_form() -> ClusterForm {
    ClusterForm {
        name: CLUSTER.into(),
        tags: vec![
            Tag {
                key: "env".into(),
                value: "production".into(),
            },
            Tag {
                key: "team".into(),
                value: "payments".into(),
            },
        ],
        ..ClusterForm::default()
    }
}

fn configuration(secret: &Value) -> String {
    use base64::Engine;
    let data = secret["data"]["configuration.yaml"].as_str().unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap()
}

// ---------------------------------------------------------------------------------------
// State, object by object

/// The objects an operation may touch, by identity, without what only the server changes
/// (resourceVersion, managedFields, generation, finalizers, status). The uid stays: an
/// object deleted and made again is not "as before".
#[derive(Debug, Clone, PartialEq)]
struct State {
    host: BTreeMap<String, Value>,
    member: BTreeMap<String, Value>,
}

const HOST_KINDS: &[(&str, &str)] = &[
    ("cluster.kubesphere.io/v1alpha1", "Cluster"),
    ("cluster.kubesphere.io/v1alpha1", "Label"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
];
const MEMBER_KINDS: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("apps/v1", "Deployment"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("iam.kubesphere.io/v1beta1", "ClusterRoleBinding"),
];

impl State {
    fn of(w: &World) -> State {
        State::read(w.host(), w.member())
    }

    /// This state with the change from `pre` to `post` (another client's edit) made to it.
    fn with_change(&self, pre: &State, post: &State) -> State {
        let apply = |base: &BTreeMap<String, Value>,
                     pre: &BTreeMap<String, Value>,
                     post: &BTreeMap<String, Value>| {
            let mut out = base.clone();
            for (key, object) in post {
                if pre.get(key) != Some(object) {
                    out.insert(key.clone(), object.clone());
                }
            }
            for key in pre.keys().filter(|k| !post.contains_key(*k)) {
                out.remove(key);
            }
            out
        };
        State {
            host: apply(&self.host, &pre.host, &post.host),
            member: apply(&self.member, &pre.member, &post.member),
        }
    }

    fn read(host: &Cluster, member: &Cluster) -> State {
        State {
            host: objects(host, HOST_KINDS, Some("kubesphere-system")),
            member: objects(member, MEMBER_KINDS, None),
        }
    }
}

/// The objects that differ, each as expected and as found.
fn differences(expected: &BTreeMap<String, Value>, found: &BTreeMap<String, Value>) -> String {
    let keys: std::collections::BTreeSet<&String> = expected.keys().chain(found.keys()).collect();
    keys.into_iter()
        .filter(|k| expected.get(*k) != found.get(*k))
        .map(|k| {
            format!(
                "\n  {k}: expected {:?}\n  {k}: found    {:?}",
                expected.get(k),
                found.get(k)
            )
        })
        .collect()
}

fn objects(
    cluster: &Cluster,
    kinds: &[(&str, &str)],
    core_namespace: Option<&str>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (api_version, kind) in kinds {
        // On the host only kubesphere-system's Secrets and ConfigMaps are ours to touch.
        let namespace = if *api_version == "v1" {
            core_namespace
        } else {
            None
        };
        for mut object in cluster.list(api_version, kind, namespace) {
            let meta = &object["metadata"];
            let key = format!(
                "{kind} {}/{}",
                meta["namespace"].as_str().unwrap_or(""),
                meta["name"].as_str().unwrap_or("")
            );
            if let Some(meta) = object["metadata"].as_object_mut() {
                // What the server and its controllers keep (finalizers included: a
                // controller adds them to a new object after a snapshot may have been taken).
                for volatile in [
                    "resourceVersion",
                    "managedFields",
                    "generation",
                    "finalizers",
                ] {
                    meta.remove(volatile);
                }
            }
            if let Some(object) = object.as_object_mut() {
                object.remove("status");
            }
            out.insert(key, object);
        }
    }
    out
}
