//! Host preflight: is this cluster ready for members to join through tower?
//!
//! Every check ends with a verdict (pass / warn / fail), the evidence it read (what, from
//! where) and a fix-it text. The connection is checked first (nothing else can work
//! without it); then the other checks run side by side, each within its own time limit,
//! and each result is handed to the caller the moment it is known, so a window or a
//! terminal can show progress. A healthy host answers in a few round trips.

mod checks;

use crate::kubeconfig::client::{self, ClientSettings};
use crate::kubeconfig::connection::{self, TestOptions};
use crate::kubeconfig::load::Merged;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// The checks, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum CheckId {
    /// API reachable, TLS valid, credentials accepted.
    Connection,
    /// The KubeSphere user behind the credentials is platform-admin.
    PlatformAdmin,
    /// Access reviews for every operation the flow does.
    Permissions,
    /// KubeSphere version, and this cluster is the host.
    Kubesphere,
    /// The tower extension is installed and enabled.
    TowerExtension,
    /// tower's pods are ready.
    TowerPods,
    /// Service kubesphere-system/tower.
    TowerService,
    /// The nodes' InternalIP / ExternalIP.
    NodeAddresses,
    /// Where the proxy address is configured and what members will be told.
    ProxyAddress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub id: CheckId,
    pub title: String,
    pub verdict: Verdict,
    /// One sentence: what was found.
    pub summary: String,
    /// What was read, from where.
    pub evidence: Vec<String>,
    /// What to do; absent when there is nothing to do.
    pub fix: Option<String>,
    pub elapsed_ms: u32,
}

impl CheckResult {
    fn new(id: CheckId, verdict: Verdict, summary: impl Into<String>) -> Self {
        Self {
            id,
            title: checks::title(id).into(),
            verdict,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
            elapsed_ms: 0,
        }
    }

    fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    fn fix(mut self, text: impl Into<String>) -> Self {
        self.fix = Some(text.into());
        self
    }
}

#[derive(Debug, Clone)]
pub struct PreflightOptions {
    pub client: ClientSettings,
    /// Each check's own limit.
    pub check_timeout: Duration,
}

impl PreflightOptions {
    pub fn new(client: ClientSettings) -> Self {
        Self {
            client,
            check_timeout: Duration::from_secs(8),
        }
    }
}

/// The worst verdict of `results` (`Pass` for none).
pub fn overall(results: &[CheckResult]) -> Verdict {
    results
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::Pass)
}

type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// Runs every check against `context`; `on_result` sees each result as it finishes.
/// Returns them all in list order. Never fails: problems are failed checks.
pub async fn run(
    merged: &Merged,
    context: &str,
    options: &PreflightOptions,
    mut on_result: impl FnMut(&CheckResult),
) -> Vec<CheckResult> {
    let started = Instant::now();
    let mut test = TestOptions::new(options.client.clone());
    test.overall_timeout = options.check_timeout;
    let report = connection::test_connection(merged, context, &test).await;
    let mut first = checks::connection(&report);
    first.elapsed_ms = elapsed_ms(started);
    on_result(&first);
    if first.verdict == Verdict::Fail {
        return vec![first];
    }
    let client = match client::client_for(merged, context, &options.client).await {
        Ok((client, _)) => client,
        Err(failure) => {
            let failed = CheckResult::new(CheckId::Connection, Verdict::Fail, failure.message)
                .fix(failure.hint);
            on_result(&failed);
            return vec![failed];
        }
    };
    let username = report.identity.map(|i| i.username);
    let mut tasks = tokio::task::JoinSet::new();
    for (id, check) in checks::all(&client, username) {
        let limit = options.check_timeout;
        tasks.spawn(timed(id, limit, check));
    }
    let mut results = vec![first];
    while let Some(done) = tasks.join_next().await {
        let result = done.unwrap_or_else(|_| {
            CheckResult::new(
                CheckId::Connection,
                Verdict::Fail,
                "a check stopped unexpectedly",
            )
            .fix("report this bug")
        });
        on_result(&result);
        results.push(result);
    }
    results.sort_by_key(|r| r.id);
    results
}

async fn timed(id: CheckId, limit: Duration, check: CheckFuture) -> CheckResult {
    let started = Instant::now();
    let mut result = match tokio::time::timeout(limit, check).await {
        Ok(result) => result,
        Err(_) => CheckResult::new(
            id,
            Verdict::Fail,
            format!("no answer within {} s", limit.as_secs()),
        )
        .fix("the API server or a KubeSphere component answers slowly; check the network path and the host's load, then run the check again"),
    };
    result.elapsed_ms = elapsed_ms(started);
    result
}

fn elapsed_ms(started: Instant) -> u32 {
    u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX)
}
