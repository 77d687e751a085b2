use crate::AppState;
use onboard_core::app::{AppStatus, Role, Target};
use onboard_core::kubeconfig::client::ClientSettings;
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::{connection, load, summary};

/// Reads the target's kubeconfig files (no cluster is contacted) and lists their contexts.
#[tauri::command]
#[specta::specta]
pub fn kubeconfig_summary(
    state: tauri::State<'_, AppState>,
) -> onboard_core::Result<summary::KubeconfigSummary> {
    let sources = state.status().target.sources()?;
    Ok(summary::summarize(&load::load(&sources)?))
}

/// Makes `context` the host or the member; returns the new status for the status bar.
#[tauri::command]
#[specta::specta]
pub fn assign_role(
    state: tauri::State<'_, AppState>,
    role: Role,
    context: String,
) -> onboard_core::Result<AppStatus> {
    let known = kubeconfig_summary(state.clone())?;
    state.update(|status| status.assign(role, &context, &known))
}

/// Leaves the built-in sandbox (stopping its clusters) for the user's own kubeconfigs
/// (KUBECONFIG or ~/.kube/config, like kubectl); roles must be chosen again.
#[tauri::command]
#[specta::specta]
pub fn use_own_kubeconfigs(state: tauri::State<'_, AppState>) -> AppStatus {
    state.leave_sandbox(Target::Kubeconfigs { paths: vec![] })
}

/// Tests the connection to `context` of the target's kubeconfigs, only when the user asks.
/// Exec plugins are found through the login shell's PATH (resolved once per process, off
/// the async workers): a window started from a launcher lacks the shell's PATH.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<connection::ConnectionReport> {
    let merged = load::load(&state.status().target.sources()?)?;
    let search_path = tauri::async_runtime::spawn_blocking(|| SearchPath::login().clone())
        .await
        .unwrap_or_else(|_| SearchPath::process());
    let options = connection::TestOptions::new(ClientSettings::new(search_path));
    Ok(connection::test_connection(&merged, &context, &options).await)
}
