//! The "Add cluster", "Join" and "Clusters & history" pages: the form and its live checks,
//! creating the Cluster, agent.yaml (masked for the page; exported to a file by Rust), the
//! dry-run plan and apply on the member with progress, the watched join timeline (one per
//! cluster, stoppable), the host's cluster list and removal with type-the-name confirmation.

use crate::AppState;
use onboard_core::join::add::{self, AddOutcome, ClusterPreview, FormOptions, HostTarget};
use onboard_core::join::agent::{self, AgentManifest, ManifestView};
use onboard_core::join::airgap;
use onboard_core::join::apply::{self, ApplyOutcome, ApplyPlan, ApplyStep, MemberTarget};
use onboard_core::join::bundle::{self, BundleOutcome};
use onboard_core::join::clusters::{self, ClusterSummary};
use onboard_core::join::form::{ClusterForm, FieldProblem};
use onboard_core::join::probe::{self, ReachReport};
use onboard_core::join::pull_check::{self, PullCheck};
use onboard_core::join::record::{self, JoinPhase, JoinRecord};
use onboard_core::join::remove::{self, RemovalOutcome, RemovalPlan, RemovalStep, Targets};
use onboard_core::join::stale::{self, StaleAgent};
use onboard_core::join::watch::{self, FollowOptions, JoinSnapshot, WatchUpdate};
use std::path::PathBuf;
use std::time::Duration;
use tauri::ipc::Channel;

/// How long the member may take to pull an image in a pull check.
const PULL_CHECK: Duration = Duration::from_secs(60);

async fn client(state: &AppState, context: &str) -> onboard_core::Result<kube::Client> {
    super::host::client_for(state, context).await
}

async fn optional_client(
    state: &AppState,
    context: Option<&str>,
) -> onboard_core::Result<Option<kube::Client>> {
    match context {
        Some(context) => Ok(Some(client(state, context).await?)),
        None => Ok(None),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn cluster_form_options(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<FormOptions> {
    add::form_options(&client(&state, &context).await?).await
}

/// The name's problems, "taken" included (the form's live check).
#[tauri::command]
#[specta::specta]
pub async fn check_cluster_name(
    state: tauri::State<'_, AppState>,
    context: String,
    name: String,
) -> onboard_core::Result<Vec<FieldProblem>> {
    add::check_name(&client(&state, &context).await?, &name).await
}

/// Every problem of the form and the Cluster object it becomes.
#[tauri::command]
#[specta::specta]
pub async fn preview_cluster(
    state: tauri::State<'_, AppState>,
    context: String,
    form: ClusterForm,
) -> onboard_core::Result<ClusterPreview> {
    add::preview(&client(&state, &context).await?, &form).await
}

/// Creates the Cluster after a server dry run (`dry_run`: only the dry run).
#[tauri::command]
#[specta::specta]
pub async fn add_cluster(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: Option<String>,
    form: ClusterForm,
    dry_run: bool,
) -> onboard_core::Result<AddOutcome> {
    let client = client(&state, &host_context).await?;
    let data_dir = state.data_dir();
    let target = HostTarget {
        client: &client,
        context: &host_context,
        member_context: member_context.as_deref(),
        data_dir: &data_dir,
    };
    add::add(&target, &form, dry_run).await
}

/// agent.yaml with the token masked, and where it came from.
#[tauri::command]
#[specta::specta]
pub async fn agent_manifest(
    state: tauri::State<'_, AppState>,
    context: String,
    cluster: String,
) -> onboard_core::Result<ManifestView> {
    Ok(manifest(&state, &context, &cluster).await?.view())
}

/// agent.yaml of `cluster` from the host, with the pull secret the vault's registry login
/// makes for an air-gapped member.
async fn manifest(
    state: &AppState,
    host_context: &str,
    cluster: &str,
) -> onboard_core::Result<AgentManifest> {
    let mut manifest = agent::fetch(&client(state, host_context).await?, cluster).await?;
    airgap::attach_pull_secret(&mut manifest, state.vault().as_ref())?;
    Ok(manifest)
}

/// Writes agent.yaml (with its token) to `path`, owner-only; the page never holds it.
#[tauri::command]
#[specta::specta]
pub async fn export_agent_manifest(
    state: tauri::State<'_, AppState>,
    context: String,
    cluster: String,
    path: String,
) -> onboard_core::Result<String> {
    let path = absolute(&path, "/home/me/agent.yaml")?;
    agent::fetch(&client(&state, &context).await?, &cluster)
        .await?
        .export(&path)?;
    Ok(path.display().to_string())
}

/// agent.yaml of `cluster` from the host, and a client for the member it goes to.
async fn manifest_and_member(
    state: &AppState,
    host_context: &str,
    member_context: &str,
    cluster: &str,
) -> onboard_core::Result<(AgentManifest, kube::Client)> {
    let member = client(state, member_context).await?;
    Ok((manifest(state, host_context, cluster).await?, member))
}

/// Whether the member can pull the agent's image as agent.yaml names it (mirror and pull
/// secret included), before anything is applied.
#[tauri::command]
#[specta::specta]
pub async fn check_agent_image(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: String,
    cluster: String,
) -> onboard_core::Result<Option<PullCheck>> {
    let (manifest, member) =
        manifest_and_member(&state, &host_context, &member_context, &cluster).await?;
    pull_check::agent_image(&member, &manifest, PULL_CHECK).await
}

/// Writes the offline bundle of `cluster` into the folder `dir` (new or empty).
#[tauri::command]
#[specta::specta]
pub async fn export_join_bundle(
    state: tauri::State<'_, AppState>,
    context: String,
    cluster: String,
    dir: String,
    include_token: bool,
) -> onboard_core::Result<BundleOutcome> {
    let dir = absolute(&dir, "/home/me/member-bundle")?;
    let manifest = agent::fetch(&client(&state, &context).await?, &cluster).await?;
    bundle::write(&dir, &manifest, include_token)
}

/// `path` as typed, when it is absolute.
fn absolute(path: &str, example: &str) -> onboard_core::Result<PathBuf> {
    let path = PathBuf::from(path.trim());
    if path.is_absolute() {
        return Ok(path);
    }
    Err(onboard_core::Error::invalid_input(format!(
        "\"{}\" is not an absolute path",
        path.display()
    ))
    .with_hint(format!("write the full path, e.g. {example}")))
}

/// What applying agent.yaml to the member would do (server dry run of each object).
#[tauri::command]
#[specta::specta]
pub async fn plan_agent_apply(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: String,
    cluster: String,
) -> onboard_core::Result<ApplyPlan> {
    let (manifest, member) =
        manifest_and_member(&state, &host_context, &member_context, &cluster).await?;
    apply::plan(&member, &manifest).await
}

/// Whether the member's nodes reach tower at the address agent.yaml carries (one short-lived
/// probe Pod per node).
#[tauri::command]
#[specta::specta]
pub async fn probe_member_reach(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: String,
    cluster: String,
) -> onboard_core::Result<ReachReport> {
    let (manifest, member) =
        manifest_and_member(&state, &host_context, &member_context, &cluster).await?;
    let server = agent::agent_flag(&manifest.documents, "--proxy-server")
        .ok_or_else(|| onboard_core::Error::invalid_input("agent.yaml names no --proxy-server"))?;
    probe::from_member(
        &member,
        &server,
        probe::PROBE_IMAGE,
        Duration::from_secs(20),
    )
    .await
}

/// Applies agent.yaml to the member object by object; each step is sent on `on_step`.
#[tauri::command]
#[specta::specta]
pub async fn apply_agent(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: String,
    cluster: String,
    on_step: Channel<ApplyStep>,
) -> onboard_core::Result<ApplyOutcome> {
    let (manifest, member) =
        manifest_and_member(&state, &host_context, &member_context, &cluster).await?;
    let data_dir = state.data_dir();
    let target = MemberTarget {
        client: &member,
        context: &member_context,
        host_context: &host_context,
        data_dir: &data_dir,
    };
    apply::apply(&target, &manifest, |step| {
        let _ = on_step.send(step.clone());
    })
    .await
}

/// Follows the join until the Cluster is Ready or [`stop_join_watch`]; every change is
/// sent on `on_update`. A second watch of the same cluster replaces the first.
#[tauri::command]
#[specta::specta]
pub async fn watch_join(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: Option<String>,
    cluster: String,
    on_update: Channel<WatchUpdate>,
) -> onboard_core::Result<Option<JoinSnapshot>> {
    let host = client(&state, &host_context).await?;
    let member = optional_client(&state, member_context.as_deref()).await?;
    let options = FollowOptions {
        until_ready: true,
        timeout: None,
    };
    let name = cluster.clone();
    let task = tauri::async_runtime::spawn(async move {
        watch::follow(host, member, &name, options, |update| {
            let _ = on_update.send(update);
        })
        .await
    });
    state.track_watch(&cluster, task.inner().abort_handle());
    let snapshot = match task.await {
        Ok(result) => result?,
        // Stopped by the user or replaced by a newer watch.
        Err(_) => return Ok(None),
    };
    if snapshot.ready {
        let data_dir = state.data_dir();
        if let Some(mut record) = record::load(&data_dir, &host_context, &cluster)? {
            record.phase = JoinPhase::Ready;
            record::save(&data_dir, &mut record)?;
        }
    }
    Ok(Some(snapshot))
}

#[tauri::command]
#[specta::specta]
pub fn stop_join_watch(state: tauri::State<'_, AppState>, cluster: String) {
    state.stop_watch(&cluster);
}

/// The joins this app made from this machine on `context`, newest first (to resume one).
#[tauri::command(async)]
#[specta::specta]
pub fn join_records(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<Vec<JoinRecord>> {
    record::list(&state.data_dir(), &context)
}

/// Members joined from here whose agent still dials another address than tower gives now
/// (after the proxy address changed); `apply_agent` re-points one.
#[tauri::command]
#[specta::specta]
pub async fn stale_agents(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<Vec<StaleAgent>> {
    let host = client(&state, &context).await?;
    let mut clients = Vec::new();
    for member in stale::joined_members(&state.data_dir(), &context)? {
        let client = client(&state, &member.member_context).await;
        clients.push((member, client));
    }
    stale::stale_agents(&host, &clients).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_clusters(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<Vec<ClusterSummary>> {
    clusters::list(
        &client(&state, &context).await?,
        &context,
        &state.data_dir(),
    )
    .await
}

/// What a removal works with: both clients and the data directory holding the records.
struct RemovalClients {
    host: kube::Client,
    member: Option<kube::Client>,
    data_dir: PathBuf,
}

impl RemovalClients {
    async fn connect(
        state: &AppState,
        host_context: &str,
        member_context: Option<&str>,
    ) -> onboard_core::Result<Self> {
        Ok(Self {
            host: client(state, host_context).await?,
            member: optional_client(state, member_context).await?,
            data_dir: state.data_dir(),
        })
    }

    fn targets<'a>(&'a self, host_context: &'a str) -> Targets<'a> {
        Targets {
            host: &self.host,
            host_context,
            member: self.member.as_ref(),
            data_dir: &self.data_dir,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn plan_cluster_removal(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: Option<String>,
    cluster: String,
) -> onboard_core::Result<RemovalPlan> {
    let clients = RemovalClients::connect(&state, &host_context, member_context.as_deref()).await?;
    let targets = clients.targets(&host_context);
    remove::plan(&targets, &cluster).await
}

/// Removes the cluster and cleans the member; `confirmation` must be the cluster's name.
#[tauri::command]
#[specta::specta]
pub async fn remove_cluster(
    state: tauri::State<'_, AppState>,
    host_context: String,
    member_context: Option<String>,
    cluster: String,
    confirmation: String,
    on_step: Channel<RemovalStep>,
) -> onboard_core::Result<RemovalOutcome> {
    if confirmation != cluster {
        return Err(onboard_core::Error::invalid_input(
            "the name typed does not match the cluster's name",
        )
        .with_hint(format!(
            "type {cluster} exactly to confirm; nothing was removed"
        )));
    }
    state.stop_watch(&cluster);
    let clients = RemovalClients::connect(&state, &host_context, member_context.as_deref()).await?;
    let targets = clients.targets(&host_context);
    remove::remove(&targets, &cluster, |step| {
        let _ = on_step.send(step.clone());
    })
    .await
}
