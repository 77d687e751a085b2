//! `cluster add|join|agent-yaml|bundle|status|list|remove`: the Add cluster, Join and Clusters
//! pages in a terminal. Results go to stdout, progress (apply steps, the join's timeline)
//! to stderr. The join token is printed by `agent-yaml` alone, which exists to hand it over.
//! This module holds what the subcommands share (contexts, clients, how things are printed);
//! [`join`] is `add` and `join`, [`inspect`] is `agent-yaml`, `status` and `list`, [`removal`]
//! is `remove`.

mod inspect;
mod join;
mod removal;

pub use inspect::{agent_yaml, bundle, list, status};
pub use join::{add, join};
pub use removal::remove;

use super::contexts::workspace;
use super::host::{client_settings, host_context, no_names};
use super::runtime;
use crate::cli::{
    AgentYamlArgs, BundleArgs, ClusterAddArgs, ClusterJoinArgs, ClusterRemoveArgs,
    ClusterStatusArgs, GlobalArgs, GroupArg, Output,
};
use crate::output::{self, Printable};
use onboard_core::join::add::{self, AddOutcome, HostTarget};
use onboard_core::join::agent::{self, AgentManifest, ManifestSource, ManifestView};
use onboard_core::join::airgap;
use onboard_core::join::apply::{self, ApplyOutcome, ApplyStep, MemberTarget, PlanAction};
use onboard_core::join::bundle;
use onboard_core::join::clusters::{self, ClusterSummary};
use onboard_core::join::diagnose::{Diagnosis, Severity};
use onboard_core::join::form::{self, ClusterForm, FieldProblem, FormField, Group, Tag};
use onboard_core::join::probe;
use onboard_core::join::pull_check;
use onboard_core::join::remove::{self, RemovalAction, RemovalPlan, RemovalStep, Side, Targets};
use onboard_core::join::watch::{
    self, EntrySource, FollowOptions, JoinSnapshot, JoinStep, TimelineEntry, WatchUpdate,
};
use onboard_core::kubeconfig::client;
use onboard_core::kubeconfig::load::Merged;
use onboard_core::kubeconfig::store::Store;
use onboard_core::vault::OsKeyring;
use onboard_core::{Error, ErrorKind, Result};
use serde::Serialize;
use std::cell::RefCell;
use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `status` (without -w) watches to hear from every watched object.
const STATUS_LOOK: Duration = Duration::from_secs(2);
/// How long the member may take to pull the agent's image in the check before apply.
const PULL_CHECK: Duration = Duration::from_secs(60);
/// How often agent.yaml is asked for while tower has not initialized the cluster.
const FETCH_RETRY: Duration = Duration::from_millis(250);

// ---- contexts and clients ----

/// The merged kubeconfig with `context`'s credentials filled in from the keyring.
fn merged_for(global: &GlobalArgs, context: &str) -> Result<Merged> {
    workspace(global)?.with_credentials(context, &OsKeyring::new())
}

/// `--host-context`, else what every host command uses (--context, host role,
/// current-context).
fn host_of(global: &GlobalArgs, flag: Option<&str>) -> Result<(String, Merged)> {
    let Some(name) = flag else {
        return host_context(global);
    };
    if let Some(other) = global.context.as_deref().filter(|c| *c != name) {
        return Err(Error::invalid_input(format!(
            "--host-context {name} and --context {other} name two different hosts"
        ))
        .with_hint("give the host once, with --host-context"));
    }
    Ok((name.to_owned(), merged_for(global, name)?))
}

pub(super) async fn connect(merged: &Merged, context: &str) -> Result<kube::Client> {
    Ok(client::client_for(merged, context, &client_settings())
        .await?
        .0)
}

/// Runs `work` on the runtime; Ctrl-C ends it with an error that says what `on_interrupt`
/// returns.
fn run_interruptible<T>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = Result<T>>,
    on_interrupt: impl FnOnce() -> Error,
) -> Result<T> {
    runtime.block_on(async {
        tokio::select! {
            result = work => result,
            _ = tokio::signal::ctrl_c() => Err(on_interrupt()),
        }
    })
}

// ---- texts ----

/// `90s`, `10m`, `1.5s`: a duration as the flags take it.
fn human(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms % 60_000 == 0 && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else if ms >= 1000 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{ms}ms")
    }
}

/// The time of day (UTC) this machine saw an entry.
fn clock(unix_ms: u64) -> String {
    let seconds = unix_ms / 1000 % 86_400;
    format!(
        "{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

fn source_label(source: EntrySource) -> &'static str {
    match source {
        EntrySource::Host => "host",
        EntrySource::Tower => "tower",
        EntrySource::Member => "member",
        EntrySource::Agent => "agent",
    }
}

/// `12:00:01Z host   ! Initialized: False — detail`.
fn entry_line(entry: &TimelineEntry) -> String {
    let mark = if entry.warning { "! " } else { "" };
    let mut line = format!(
        "{} {:<6} {mark}{}",
        clock(entry.at_unix_ms),
        source_label(entry.source),
        entry.title
    );
    if let Some(detail) = entry.detail.as_deref().filter(|d| !d.is_empty()) {
        line.push_str(" — ");
        line.push_str(detail);
    }
    line
}

fn step_label(step: JoinStep) -> &'static str {
    match step {
        JoinStep::Waiting => "waiting for tower to initialize it",
        JoinStep::Initialized => "initialized: agent.yaml is available, no agent connected",
        JoinStep::AgentConnected => "agent connected; the host installs ks-core",
        JoinStep::KsCoreReady => "ks-core installed; waiting for Ready",
        JoinStep::Ready => "Ready",
    }
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn write_diagnoses(out: &mut dyn Write, diagnoses: &[&Diagnosis]) {
    for diagnosis in diagnoses {
        let _ = writeln!(
            out,
            "[{}] {}",
            severity_label(diagnosis.severity),
            diagnosis.summary
        );
        let _ = writeln!(out, "  fix: {}", diagnosis.fix);
        for evidence in &diagnosis.evidence {
            let _ = writeln!(out, "  evidence: {evidence}");
        }
    }
}

fn write_snapshot(out: &mut dyn Write, snapshot: &JoinSnapshot) {
    let _ = writeln!(out, "cluster:    {}", snapshot.cluster);
    if !snapshot.exists {
        let _ = writeln!(out, "step:       the host has no Cluster of this name");
    } else {
        let _ = writeln!(out, "step:       {}", step_label(snapshot.step));
    }
    let _ = writeln!(
        out,
        "ready:      {}",
        if snapshot.ready { "yes" } else { "no" }
    );
    if let (Some(ready), Some(pods)) = (snapshot.agent_pods_ready, snapshot.agent_pods) {
        let _ = writeln!(out, "agent pods: {ready}/{pods} ready on the member");
    }
    if !snapshot.conditions.is_empty() {
        let _ = writeln!(out, "conditions:");
        let width = snapshot
            .conditions
            .iter()
            .map(|c| c.kind.chars().count())
            .max()
            .unwrap_or(0);
        for condition in &snapshot.conditions {
            let _ = writeln!(
                out,
                "  {:<width$}   {:<7} {}",
                condition.kind,
                condition.status,
                condition.message.as_deref().unwrap_or_default()
            );
        }
    }
    if !snapshot.diagnoses.is_empty() {
        let _ = writeln!(out, "diagnoses:");
        let all: Vec<&Diagnosis> = snapshot.diagnoses.iter().collect();
        let mut text = Vec::new();
        write_diagnoses(&mut text, &all);
        for line in String::from_utf8_lossy(&text).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
}

fn print_problems(problems: &[FieldProblem]) {
    let mut err = std::io::stderr().lock();
    for problem in problems {
        let field = match problem.field {
            FormField::Name => "name",
            FormField::Alias => "alias",
            FormField::Tags => "label",
            FormField::Provider => "provider",
            FormField::Description => "description",
            FormField::Config => "config",
        };
        let _ = writeln!(err, "problem: {field}: {}", problem.message);
    }
}
