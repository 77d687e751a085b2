//! `cluster add|join|agent-yaml|status|list|remove`: the Add cluster, Join and Clusters
//! pages in a terminal. Results go to stdout, progress (apply steps, the join's timeline)
//! to stderr. The join token is printed by `agent-yaml` alone, which exists to hand it over.

use super::contexts::workspace;
use super::host::{client_settings, host_context, no_names};
use crate::cli::{
    AgentYamlArgs, ClusterAddArgs, ClusterJoinArgs, ClusterRemoveArgs, ClusterStatusArgs,
    GlobalArgs, GroupArg, Output,
};
use crate::output::{self, Printable};
use onboard_core::join::add::{self, AddOutcome, HostTarget};
use onboard_core::join::agent::{self, AgentManifest, ManifestSource, ManifestView};
use onboard_core::join::apply::{self, ApplyOutcome, ApplyStep, MemberTarget, PlanAction};
use onboard_core::join::clusters::{self, ClusterSummary};
use onboard_core::join::diagnose::{Diagnosis, Severity};
use onboard_core::join::form::{self, ClusterForm, FieldProblem, FormField, Group, Tag};
use onboard_core::join::probe;
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

async fn connect(merged: &Merged, context: &str) -> Result<kube::Client> {
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

// ---- cluster add / join ----

fn group(arg: GroupArg) -> Group {
    match arg {
        GroupArg::Production => Group::Production,
        GroupArg::Development => Group::Development,
        GroupArg::Testing => Group::Testing,
        GroupArg::Demo => Group::Demo,
    }
}

fn read_config(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::io("read", Path::new("standard input"), &e))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| Error::io("read", path, &e))
}

fn form_of(args: &ClusterAddArgs) -> Result<ClusterForm> {
    Ok(ClusterForm {
        name: args.name.clone(),
        alias: args.alias.clone().unwrap_or_default(),
        tags: args
            .labels
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
        provider: args.provider.clone().unwrap_or_default(),
        description: args.description.clone().unwrap_or_default(),
        group: args.group.map(group),
        config: match &args.config {
            Some(path) => read_config(path)?,
            None => form::DEFAULT_CONFIG.to_string(),
        },
    })
}

/// What `cluster add` and `cluster join` print with -o json|yaml: the core's results as
/// they are (agent.yaml as its masked view).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JoinReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<AddOutcome>,
    agent: ManifestView,
    applied: ApplyOutcome,
    /// The join as last seen (with --wait).
    snapshot: Option<JoinSnapshot>,
}

/// Everything the join needs: both clients and where it is recorded.
struct Join<'a> {
    host: &'a kube::Client,
    member: &'a kube::Client,
    host_context: &'a str,
    member_context: &'a str,
    data_dir: &'a Path,
    name: &'a str,
    wait: bool,
    timeout: Duration,
}

/// The two ways on after a failed or interrupted join, on stderr.
fn continue_note(join: &Join<'_>) {
    eprintln!(
        "note: Cluster {name} stays on the host; once the cause is fixed continue with `ks-onboard-cli cluster join {name} --host-context {host} --member-context {member} --wait`, or take it back with `ks-onboard-cli cluster remove {name} --host-context {host} --member-context {member}`",
        name = join.name,
        host = join.host_context,
        member = join.member_context
    );
}

pub fn add(global: &GlobalArgs, args: &ClusterAddArgs) -> Result<()> {
    no_names(global)?;
    let form = form_of(args)?;
    let problems = form::validate(&form);
    if !problems.is_empty() {
        print_problems(&problems);
        return Err(form::into_error(&problems));
    }
    let Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    } = connect_both(global, args.host_context.as_deref(), &args.member_context)?;
    let target = HostTarget {
        client: &host,
        context: &host_context,
        member_context: Some(&args.member_context),
        data_dir: &data_dir,
    };
    let preview = runtime.block_on(add::preview(&host, &form))?;
    if !preview.problems.is_empty() {
        print_problems(&preview.problems);
        return Err(form::into_error(&preview.problems));
    }
    if args.dry_run {
        let outcome = runtime.block_on(add::add(&target, &form, true))?;
        return print_dry_run(global, &outcome, &preview.placements, &host_context);
    }
    eprintln!(
        "creating Cluster {} on {host_context} (after a server dry run)",
        form.name
    );
    let added = run_interruptible(&runtime, add::add(&target, &form, false), || {
        Error::new(ErrorKind::Unavailable, "interrupted while creating the Cluster")
            .with_hint(format!("see whether it was created: `ks-onboard-cli cluster status {} --context {host_context}`", form.name))
    })?;
    if added.created_tags.is_empty() {
        eprintln!("created Cluster {}", added.name);
    } else {
        eprintln!(
            "created Cluster {} and the tags {}",
            added.name,
            added.created_tags.join(", ")
        );
    }
    let join = Join {
        host: &host,
        member: &member,
        host_context: &host_context,
        member_context: &args.member_context,
        data_dir: &data_dir,
        name: &form.name,
        wait: args.wait,
        timeout: args.timeout,
    };
    finish_join(global, &runtime, &join, Some(added))
}

/// The host and the member, connected, for `add` and `join`.
struct Connected {
    runtime: tokio::runtime::Runtime,
    host_context: String,
    host: kube::Client,
    member: kube::Client,
    data_dir: std::path::PathBuf,
}

fn connect_both(
    global: &GlobalArgs,
    host_flag: Option<&str>,
    member_context: &str,
) -> Result<Connected> {
    let (host_context, host_merged) = host_of(global, host_flag)?;
    let member_merged = merged_for(global, member_context)?;
    let data_dir = Store::default_dir()?;
    let runtime = super::runtime()?;
    let (host, member) = runtime.block_on(async {
        Ok::<_, Error>((
            connect(&host_merged, &host_context).await?,
            connect(&member_merged, member_context).await?,
        ))
    })?;
    Ok(Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    })
}

/// `cluster join`: the rest of `add` for a Cluster that is already on the host.
pub fn join(global: &GlobalArgs, args: &ClusterJoinArgs) -> Result<()> {
    no_names(global)?;
    let Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    } = connect_both(global, args.host_context.as_deref(), &args.member_context)?;
    let join = Join {
        host: &host,
        member: &member,
        host_context: &host_context,
        member_context: &args.member_context,
        data_dir: &data_dir,
        name: &args.name,
        wait: args.wait,
        timeout: args.timeout,
    };
    finish_join(global, &runtime, &join, None)
}

fn print_dry_run(
    global: &GlobalArgs,
    outcome: &AddOutcome,
    placements: &[onboard_core::join::cluster_object::FieldPlacement],
    host_context: &str,
) -> Result<()> {
    match global.output {
        Output::Yaml => {
            print!("{}", outcome.yaml);
            Ok(())
        }
        Output::Json => {
            let object: serde_json::Value = serde_yaml::from_str(&outcome.yaml).map_err(|_| {
                Error::new(ErrorKind::Internal, "the Cluster object is not valid YAML")
            })?;
            output::print_document(&object, output::Document::Json)
        }
        _ => {
            println!(
                "dry run: the host ({host_context}) accepts Cluster {}; nothing was created",
                outcome.name
            );
            if !outcome.created_tags.is_empty() {
                println!("would create the tags {}", outcome.created_tags.join(", "));
            }
            output::print(&Placements(placements.to_vec()), Output::Table)?;
            println!("the Cluster object: -o yaml");
            Ok(())
        }
    }
}

#[derive(Serialize)]
#[serde(transparent)]
struct Placements(Vec<onboard_core::join::cluster_object::FieldPlacement>);

impl Printable for Placements {
    fn headers() -> &'static [&'static str] {
        &["FIELD", "WRITTEN TO", "VALUE"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|p| vec![p.field.clone(), p.path.clone(), p.value.clone()])
            .collect()
    }
}

/// agent.yaml once tower has initialized the cluster, asked again until `deadline`.
async fn fetch_when_initialized(
    join: &Join<'_>,
    deadline: tokio::time::Instant,
) -> Result<AgentManifest> {
    let mut said = false;
    loop {
        match agent::fetch(join.host, join.name).await {
            Ok(manifest) => return Ok(manifest),
            Err(error)
                if error.kind == ErrorKind::Unavailable
                    && error.message.contains("has not initialized") =>
            {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    return Err(Error::new(
                        ErrorKind::Unavailable,
                        format!(
                            "tower did not initialize cluster \"{}\" within {}: agent.yaml has no join token yet",
                            join.name,
                            human(join.timeout)
                        ),
                    )
                    .with_hint(format!(
                        "tower initializes a Cluster within seconds when it runs: check the tower extension (`ks-onboard-cli host check --context {}`)",
                        join.host_context
                    )));
                }
                if !said {
                    eprintln!(
                        "waiting for tower to initialize cluster {} (agent.yaml has no join token until then)",
                        join.name
                    );
                    said = true;
                }
                tokio::time::sleep(FETCH_RETRY.min(deadline - now)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

fn source_label_of(source: ManifestSource) -> &'static str {
    match source {
        ManifestSource::TowerExtension => "the tower extension on the host",
        ManifestSource::KsApiserverV3 => "ks-apiserver on the host (KubeSphere 3.x)",
        ManifestSource::Rendered => "rendered here from tower's template",
    }
}

fn action_label(action: PlanAction, done: bool) -> &'static str {
    match (action, done) {
        (PlanAction::Create, false) => "create",
        (PlanAction::Create, true) => "created",
        (PlanAction::Update, false) => "update",
        (PlanAction::Update, true) => "updated",
        (PlanAction::Unchanged, _) => "unchanged",
        (PlanAction::Conflict, _) => "CONFLICT",
    }
}

/// Checks from the member's nodes that tower answers at `server`; a warning, not a stop
/// (the agent retries forever, and the address may be fixed afterwards).
async fn warn_unreachable_nodes(member: &kube::Client, server: &str) {
    match probe::from_member(member, server, probe::PROBE_IMAGE, Duration::from_secs(20)).await {
        Ok(report) => {
            for node in &report.nodes {
                match node.reachable {
                    Some(true) => eprintln!("probe: node {} reaches {}", node.node, report.url),
                    Some(false) => eprintln!(
                        "warning: node {} cannot reach {}: {}",
                        node.node, report.url, node.detail
                    ),
                    None => eprintln!("probe: node {} not checked: {}", node.node, node.detail),
                }
            }
        }
        Err(error) => eprintln!(
            "probe: the member's nodes could not be checked: {}",
            error.message
        ),
    }
}

/// Fetches agent.yaml, plans and applies it to the member; `shown` gets the manifest so
/// that the timeline printer can mask its token.
async fn fetch_and_apply(
    join: &Join<'_>,
    deadline: tokio::time::Instant,
    shown: &RefCell<Option<AgentManifest>>,
) -> Result<(ManifestView, ApplyOutcome)> {
    let manifest = fetch_when_initialized(join, deadline).await?;
    *shown.borrow_mut() = Some(manifest.clone());
    let view = manifest.view();
    eprintln!(
        "agent.yaml from {} (proxy server {})",
        source_label_of(manifest.source),
        view.proxy_server.as_deref().unwrap_or("not named")
    );
    if let Some(note) = &manifest.note {
        eprintln!("note: {note}");
    }
    if let Some(server) = &view.proxy_server {
        warn_unreachable_nodes(join.member, server).await;
    }
    let plan = apply::plan(join.member, &manifest).await?;
    for item in &plan.items {
        match &item.detail {
            Some(detail) => eprintln!(
                "plan: {:<9} {} ({detail})",
                action_label(item.action, false),
                item.object.describe()
            ),
            None => eprintln!(
                "plan: {:<9} {}",
                action_label(item.action, false),
                item.object.describe()
            ),
        }
    }
    let target = MemberTarget {
        client: join.member,
        context: join.member_context,
        host_context: join.host_context,
        data_dir: join.data_dir,
    };
    let applied = apply::apply(&target, &manifest, |step: &ApplyStep| {
        if step.done {
            eprintln!(
                "[{}/{}] {:<9} {}",
                step.index + 1,
                step.total,
                action_label(step.action, true),
                step.object.describe()
            );
        }
    })
    .await?;
    Ok((view, applied))
}

/// Waits for agent.yaml, applies it and, with --wait, follows the join to Ready, the
/// timeline printed as it comes (watching from the start, so a stuck join is explained).
fn finish_join(
    global: &GlobalArgs,
    runtime: &tokio::runtime::Runtime,
    join: &Join<'_>,
    added: Option<AddOutcome>,
) -> Result<()> {
    let shown: RefCell<Option<AgentManifest>> = RefCell::new(None);
    let latest: RefCell<Option<JoinSnapshot>> = RefCell::new(None);
    let print_update = |update: WatchUpdate| match update {
        WatchUpdate::Entry { entry } => {
            let line = entry_line(&entry);
            let line = match &*shown.borrow() {
                Some(manifest) => manifest.mask(&line),
                None => line,
            };
            eprintln!("{line}");
        }
        WatchUpdate::Snapshot { snapshot } => *latest.borrow_mut() = Some(snapshot),
    };
    let work = async {
        let deadline = tokio::time::Instant::now() + join.timeout;
        let follow = async {
            if !join.wait {
                return std::future::pending::<Result<JoinSnapshot>>().await;
            }
            let options = FollowOptions {
                until_ready: true,
                timeout: Some(join.timeout),
            };
            watch::follow(
                join.host.clone(),
                Some(join.member.clone()),
                join.name,
                options,
                print_update,
            )
            .await
        };
        let applying = fetch_and_apply(join, deadline, &shown);
        tokio::pin!(follow, applying);
        let mut followed = None;
        let applied = loop {
            tokio::select! {
                result = &mut applying => break result,
                snapshot = &mut follow, if followed.is_none() => followed = Some(snapshot),
            }
        };
        let snapshot = match (join.wait && applied.is_ok(), followed) {
            (false, _) => None,
            (true, Some(done)) => Some(done?),
            (true, None) => Some(follow.await?),
        };
        Ok::<_, Error>((applied, snapshot))
    };
    let (applied, snapshot) = run_interruptible(runtime, work, || {
        continue_note(join);
        Error::new(
            ErrorKind::Unavailable,
            format!(
                "interrupted: the join of {} was not followed to the end",
                join.name
            ),
        )
        .with_hint(format!(
            "follow it with `ks-onboard-cli cluster status {} --context {} --member-context {} -w`",
            join.name, join.host_context, join.member_context
        ))
    })?;
    let (agent, applied) = match applied {
        Ok(done) => done,
        Err(error) if error.kind == ErrorKind::NotFound => return Err(error),
        Err(error) => {
            let seen = match latest.borrow_mut().take() {
                Some(snapshot) => Some(snapshot),
                None => runtime.block_on(glance(join)).ok(),
            };
            if let Some(snapshot) = seen {
                let serious: Vec<&Diagnosis> = snapshot
                    .diagnoses
                    .iter()
                    .filter(|d| d.severity >= Severity::Warning)
                    .collect();
                write_diagnoses(&mut std::io::stderr().lock(), &serious);
            }
            continue_note(join);
            return Err(error);
        }
    };
    let report = JoinReport {
        added,
        agent,
        applied,
        snapshot,
    };
    if let Some(format) = output::document_format(global.output) {
        output::print_document(&report, format)?;
    } else {
        print_join(join, &report);
    }
    match &report.snapshot {
        Some(snapshot) if !snapshot.ready => Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "cluster {} is not Ready after {} ({})",
                join.name,
                human(join.timeout),
                step_label(snapshot.step)
            ),
        )
        .with_hint(match snapshot.diagnoses.first() {
            Some(first) => first.fix.clone(),
            None => format!(
                "it may only need longer: `ks-onboard-cli cluster status {} --context {} --member-context {} -w`",
                join.name, join.host_context, join.member_context
            ),
        })),
        _ => Ok(()),
    }
}

/// A short look at the join for its diagnoses, when it was not being followed.
async fn glance(join: &Join<'_>) -> Result<JoinSnapshot> {
    let options = FollowOptions {
        until_ready: true,
        timeout: Some(STATUS_LOOK),
    };
    watch::follow(
        join.host.clone(),
        Some(join.member.clone()),
        join.name,
        options,
        |_| {},
    )
    .await
}

fn print_join(join: &Join<'_>, report: &JoinReport) {
    let applied = &report.applied;
    println!(
        "agent.yaml applied to {}: {} created, {} updated, {} unchanged",
        join.member_context,
        applied.created.len(),
        applied.updated.len(),
        applied.unchanged.len()
    );
    match &report.snapshot {
        None => println!(
            "follow the join: ks-onboard-cli cluster status {} --context {} --member-context {} -w",
            join.name, join.host_context, join.member_context
        ),
        Some(snapshot) => {
            if snapshot.ready {
                println!(
                    "cluster {} is Ready on {} ({:.1} s after the watch began)",
                    join.name,
                    join.host_context,
                    snapshot.elapsed_ms as f64 / 1000.0
                );
            }
            write_snapshot(&mut std::io::stdout().lock(), snapshot);
        }
    }
}

// ---- cluster agent-yaml ----

pub fn agent_yaml(global: &GlobalArgs, args: &AgentYamlArgs) -> Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let manifest = super::runtime()?
        .block_on(async { agent::fetch(&connect(&merged, &context).await?, &args.name).await })?;
    eprintln!(
        "agent.yaml for cluster {} from {} ({context})",
        args.name,
        source_label_of(manifest.source)
    );
    if let Some(note) = &manifest.note {
        eprintln!("note: {note}");
    }
    if let Some(path) = &args.out {
        manifest.export(path)?;
        if output::document_format(global.output).is_none() {
            println!(
                "wrote {} (owner-only: it holds the join token and grants cluster-admin); on the member: kubectl create -f {}",
                path.display(),
                file_name(path)
            );
        }
    }
    let view = manifest.view();
    if let Some(format) = output::document_format(global.output) {
        return output::print_document(&view, format);
    }
    if args.out.is_some() {
        return Ok(());
    }
    if args.redacted {
        print!("{}", view.yaml);
    } else {
        eprintln!("note: it holds the join token: apply it (kubectl create -f) and do not share it; --redacted masks it");
        print!("{}", manifest.yaml());
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

// ---- cluster status ----

pub fn status(global: &GlobalArgs, args: &ClusterStatusArgs) -> Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let member_merged = match &args.member_context {
        Some(member) => Some(merged_for(global, member)?),
        None => None,
    };
    let runtime = super::runtime()?;
    let (host, member) = runtime.block_on(async {
        let host = connect(&merged, &context).await?;
        let member = match (&member_merged, &args.member_context) {
            (Some(merged), Some(name)) => Some(connect(merged, name).await?),
            _ => None,
        };
        Ok::<_, Error>((host, member))
    })?;
    let summary = runtime
        .block_on(clusters::get(&host, &args.name))?
        .ok_or_else(|| {
            Error::not_found(format!(
                "the host ({context}) has no cluster called \"{}\"",
                args.name
            ))
            .with_hint(format!(
                "list them: `ks-onboard-cli cluster list --context {context}`"
            ))
        })?;
    let table = output::document_format(global.output).is_none();
    if table {
        output::print(&Summaries(vec![summary]), Output::Table)?;
    }
    let latest: RefCell<Option<JoinSnapshot>> = RefCell::new(None);
    // -w ends when the Cluster is deleted; snapshots before its watch has answered say
    // "absent" too, so only a Cluster seen before counts as gone.
    let gone = tokio::sync::Notify::new();
    let seen = std::cell::Cell::new(false);
    let watching = args.watch;
    let on_update = |update: WatchUpdate| match update {
        WatchUpdate::Entry { entry } if watching => eprintln!("{}", entry_line(&entry)),
        WatchUpdate::Entry { .. } => {}
        WatchUpdate::Snapshot { snapshot } => {
            if snapshot.exists {
                seen.set(true);
            } else if seen.get() && watching {
                gone.notify_one();
            }
            *latest.borrow_mut() = Some(snapshot);
        }
    };
    let options = FollowOptions {
        until_ready: true,
        timeout: (!args.watch).then_some(STATUS_LOOK),
    };
    let followed = runtime.block_on(async {
        tokio::select! {
            snapshot = watch::follow(host.clone(), member.clone(), &args.name, options, on_update) => snapshot.map(Some),
            _ = gone.notified() => Ok(None),
            _ = tokio::signal::ctrl_c(), if watching => Ok(None),
        }
    })?;
    let interrupted = followed.is_none();
    let snapshot = match followed {
        Some(snapshot) => snapshot,
        None => latest.borrow_mut().take().ok_or_else(|| {
            Error::new(ErrorKind::Unavailable, "stopped before the host answered")
        })?,
    };
    match output::document_format(global.output) {
        Some(format) => output::print_document(&snapshot, format)?,
        None => {
            println!();
            write_snapshot(&mut std::io::stdout().lock(), &snapshot);
        }
    }
    if args.watch && !snapshot.ready {
        return Err(Error::new(
            ErrorKind::Unavailable,
            if snapshot.exists || !interrupted {
                format!("stopped before cluster {} was Ready", args.name)
            } else {
                format!("Cluster {} was deleted from the host", args.name)
            },
        )
        .with_hint(match snapshot.diagnoses.first() {
            Some(first) => first.fix.clone(),
            None => "run the command again to go on following it".into(),
        }));
    }
    Ok(())
}

// ---- cluster list ----

#[derive(Serialize)]
#[serde(transparent)]
struct Summaries(Vec<ClusterSummary>);

impl Printable for Summaries {
    fn headers() -> &'static [&'static str] {
        &[
            "NAME",
            "READY",
            "CONNECTION",
            "PROVIDER",
            "TAGS",
            "KUBESPHERE",
            "KUBERNETES",
            "NODES",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let or_dash = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
        self.0
            .iter()
            .map(|c| {
                let tags: Vec<String> = c
                    .tags
                    .iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect();
                let ready = if c.deleting {
                    "deleting"
                } else if c.ready {
                    "yes"
                } else {
                    "no"
                };
                vec![
                    c.name.clone(),
                    ready.into(),
                    c.connection.clone(),
                    or_dash(Some(&c.provider)),
                    or_dash(Some(&tags.join(","))),
                    or_dash(c.kubesphere_version.as_deref()),
                    or_dash(c.kubernetes_version.as_deref()),
                    c.node_count.map_or_else(|| "-".into(), |n| n.to_string()),
                ]
            })
            .collect()
    }

    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.iter().map(|c| c.name.clone()).collect())
    }
}

pub fn list(global: &GlobalArgs) -> Result<()> {
    let (context, merged) = host_context(global)?;
    let data_dir = Store::default_dir()?;
    let list = super::runtime()?.block_on(async {
        clusters::list(&connect(&merged, &context).await?, &context, &data_dir).await
    })?;
    output::print(&Summaries(list), global.output)
}

// ---- cluster remove ----

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Host => "host",
        Side::Member => "member",
    }
}

fn removal_label(action: RemovalAction) -> &'static str {
    match action {
        RemovalAction::Delete => "delete",
        RemovalAction::Unbind => "unbind",
        RemovalAction::Unannotate => "unannotate",
    }
}

#[derive(Serialize)]
#[serde(transparent)]
struct PlanTable<'a>(&'a RemovalPlan);

impl Printable for PlanTable<'_> {
    fn headers() -> &'static [&'static str] {
        &["SIDE", "ACTION", "OBJECT", "REASON", "PROBLEM"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .items
            .iter()
            .map(|i| {
                vec![
                    side_label(i.side).into(),
                    removal_label(i.action).into(),
                    i.object.describe(),
                    i.reason.clone(),
                    i.problem.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect()
    }
}

/// Asks for the cluster's name on stdin; anything else aborts.
fn confirm(name: &str) -> Result<()> {
    eprint!("Type the cluster name to confirm: ");
    let _ = std::io::stderr().flush();
    let mut typed = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut typed)
        .map_err(|e| Error::io("read", Path::new("standard input"), &e))?;
    if !std::io::stdin().is_terminal() {
        // Nothing echoed the answer's newline.
        eprintln!();
    }
    let typed = typed.trim_end_matches(['\n', '\r']);
    if typed != name {
        return Err(Error::invalid_input(format!(
            "the name typed is not \"{name}\": nothing was removed"
        ))
        .with_hint("type the cluster name exactly, or pass --yes in scripts"));
    }
    Ok(())
}

pub fn remove(global: &GlobalArgs, args: &ClusterRemoveArgs) -> Result<()> {
    no_names(global)?;
    let (host_context, merged) = host_of(global, args.host_context.as_deref())?;
    let member_merged = match &args.member_context {
        Some(member) => Some(merged_for(global, member)?),
        None => None,
    };
    let data_dir = Store::default_dir()?;
    let runtime = super::runtime()?;
    let (host, member) = runtime.block_on(async {
        let host = connect(&merged, &host_context).await?;
        let member = match (&member_merged, &args.member_context) {
            (Some(merged), Some(name)) => Some(connect(merged, name).await?),
            _ => None,
        };
        Ok::<_, Error>((host, member))
    })?;
    let targets = Targets {
        host: &host,
        host_context: &host_context,
        member: member.as_ref(),
        data_dir: &data_dir,
    };
    let plan = runtime.block_on(remove::plan(&targets, &args.name))?;
    let document = output::document_format(global.output);
    if document.is_none() || args.dry_run {
        match document {
            Some(format) => output::print_document(&plan, format)?,
            None => {
                output::print(&PlanTable(&plan), Output::Table)?;
                if !plan.from_record {
                    println!("note: no join record of this machine: the member's objects were found by their names, labels and Helm annotations");
                }
                for note in &plan.notes {
                    println!("note: {note}");
                }
            }
        }
    }
    if plan.blocked() {
        return Err(plan.blocked_error());
    }
    if args.dry_run {
        if document.is_none() {
            println!("dry run: every step passed the servers' dry run; nothing was removed");
        }
        return Ok(());
    }
    if !args.yes {
        confirm(&args.name)?;
    }
    let total = plan.items.len();
    let outcome = run_interruptible(
        &runtime,
        remove::remove(&targets, &args.name, |step: &RemovalStep| {
            if step.done {
                eprintln!(
                    "[{}/{}] {:<6} {:<10} {}",
                    step.index + 1,
                    step.total,
                    side_label(step.item.side),
                    removal_label(step.item.action),
                    step.item.object.describe()
                );
            }
        }),
        || {
            Error::new(ErrorKind::Unavailable, "interrupted during the removal")
                .with_hint("run the same command again: it plans from what is left and finishes")
        },
    )?;
    match document {
        Some(format) => output::print_document(&outcome, format),
        None => {
            println!(
                "cluster {} removed: {} of {total} steps done",
                args.name,
                outcome.done.len()
            );
            Ok(())
        }
    }
}
