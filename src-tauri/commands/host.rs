//! The "Host" and "Proxy address" pages: preflight streamed check by check, the address
//! report, and the safe change and restore of the proxy address.

use crate::AppState;
use onboard_core::kubeconfig::client;
use onboard_core::kubesphere::address::{self, AddressReport};
use onboard_core::kubesphere::proxy_url;
use onboard_core::kubesphere::publish::{self, RestoreOutcome, SetOutcome, SetPlan, Target};
use onboard_core::kubesphere::reachability::{self, Reachability};
use onboard_core::kubesphere::restart;
use onboard_core::preflight::{self, CheckResult, PreflightOptions};
use onboard_core::vault::SecretStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::ipc::Channel;

/// Runs the host preflight on `context`; each check is sent on `on_result` the moment it
/// finishes, and all of them are returned at the end in list order.
#[tauri::command]
#[specta::specta]
pub async fn host_preflight(
    state: tauri::State<'_, AppState>,
    context: String,
    task: String,
    on_result: Channel<CheckResult>,
) -> onboard_core::Result<Vec<CheckResult>> {
    let (merged, settings) = state.connect_inputs(&context).await?;
    let options = PreflightOptions::new(settings);
    let checks = preflight::run(&merged, &context, &options, |result| {
        // A closed page no longer listens; the final answer still carries everything.
        let _ = on_result.send(result.clone());
    });
    // Read-only, so the page may stop it (`cancel_task`).
    state.tasks().run(&task, checks).await
}

/// A kube client for `context` (also used by the join commands).
pub(super) async fn client_for(
    state: &AppState,
    context: &str,
) -> onboard_core::Result<kube::Client> {
    let (merged, settings) = state.connect_inputs(context).await?;
    Ok(client::client_for(&merged, context, &settings).await?.0)
}

/// What a change on the host works with: its client, context, the data directory for the
/// audit log and backups, and the vault for backed-up objects. Owned, so that a command can
/// lend it out as a core [`Target`].
pub(super) struct HostSession {
    client: kube::Client,
    context: String,
    data_dir: PathBuf,
    vault: Arc<dyn SecretStore>,
}

impl HostSession {
    pub(super) async fn open(state: &AppState, context: String) -> onboard_core::Result<Self> {
        Ok(Self {
            client: client_for(state, &context).await?,
            context,
            data_dir: state.data_dir(),
            vault: state.vault(),
        })
    }

    pub(super) fn target(&self) -> Target<'_> {
        Target {
            client: &self.client,
            context: &self.context,
            data_dir: &self.data_dir,
            vault: self.vault.as_ref(),
        }
    }
}

/// Every place that holds a proxy address, the one that is read, and what members dial.
#[tauri::command]
#[specta::specta]
pub async fn proxy_address_report(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<AddressReport> {
    address::detect(&client_for(&state, &context).await?).await
}

/// What setting `url` would change (decoded diff, warnings), without writing.
#[tauri::command]
#[specta::specta]
pub async fn plan_proxy_address(
    state: tauri::State<'_, AppState>,
    context: String,
    url: String,
) -> onboard_core::Result<SetPlan> {
    // Input from the page is checked before anything is contacted.
    proxy_url::parse(&url)?;
    publish::plan(&client_for(&state, &context).await?, &url).await
}

/// Sets the address (server dry run first; `dry_run` stops there), with a local backup.
#[tauri::command]
#[specta::specta]
pub async fn set_proxy_address(
    state: tauri::State<'_, AppState>,
    context: String,
    url: String,
    dry_run: bool,
) -> onboard_core::Result<SetOutcome> {
    proxy_url::parse(&url)?;
    let host = HostSession::open(&state, context).await?;
    publish::set(&host.target(), &url, dry_run).await
}

/// Puts back what the last change on `context` replaced.
#[tauri::command]
#[specta::specta]
pub async fn restore_proxy_address(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<RestoreOutcome> {
    let host = HostSession::open(&state, context).await?;
    publish::restore(&host.target()).await
}

/// Whether something answers at `url` from this machine (tower serves /health).
#[tauri::command]
#[specta::specta]
pub async fn probe_proxy_address(url: String) -> onboard_core::Result<Reachability> {
    let url = proxy_url::parse(&url)?;
    Ok(reachability::probe(&url, Duration::from_secs(3)).await)
}

/// KubeSphere 3.x: restarts ks-apiserver so that it reads a changed address; returns the
/// `restartedAt` value written.
#[tauri::command]
#[specta::specta]
pub async fn restart_ks_apiserver(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<String> {
    let host = HostSession::open(&state, context).await?;
    restart::restart_ks_apiserver(&host.target()).await
}
