//! Air-gapped members: a mirror registry's login in the OS keyring (the password goes in and
//! never comes back), the Cluster Configuration that names the mirror, and a pull check on
//! the member that tells whether it reaches docker.io at all.

use crate::AppState;
use onboard_core::join::agent::DEFAULT_AGENT_IMAGE;
use onboard_core::join::airgap::{self, Mirror, RegistryCredentials};
use onboard_core::join::pull_check::{self, PullCheck, PullSecret};
use onboard_core::kubesphere::agent_image::{self, AgentImageOutcome};
use std::time::Duration;

/// Saves `username` and `password` for `registry` in the vault.
#[tauri::command(async)]
#[specta::specta]
pub fn save_registry_login(
    state: tauri::State<'_, AppState>,
    registry: String,
    username: String,
    password: String,
) -> onboard_core::Result<()> {
    let credentials = RegistryCredentials { username, password };
    airgap::save_credentials(state.vault().as_ref(), &registry, &credentials)
}

/// The user name saved for `registry`, if a login is saved (never the password).
#[tauri::command(async)]
#[specta::specta]
pub fn registry_login(
    state: tauri::State<'_, AppState>,
    registry: String,
) -> onboard_core::Result<Option<String>> {
    let registry = airgap::check_registry(&registry)?;
    Ok(airgap::saved_credentials(state.vault().as_ref(), &registry)?.map(|c| c.username))
}

#[tauri::command(async)]
#[specta::specta]
pub fn forget_registry_login(
    state: tauri::State<'_, AppState>,
    registry: String,
) -> onboard_core::Result<()> {
    airgap::forget_credentials(state.vault().as_ref(), &airgap::check_registry(&registry)?)
}

/// `config` (the Cluster Configuration) pointing the member at `registry`, with
/// `pull_secret` as its imagePullSecret when given.
#[tauri::command(async)]
#[specta::specta]
pub fn mirror_config(
    config: String,
    registry: String,
    pull_secret: Option<String>,
) -> onboard_core::Result<String> {
    let mirror = Mirror {
        registry: airgap::check_registry(&registry)?,
        pull_secrets: match pull_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(name) => vec![airgap::check_secret_name(name)?],
            None => Vec::new(),
        },
    };
    airgap::config_with(&config, &mirror)
}

/// Whether the member pulls tower's agent image from docker.io: a failure to reach the
/// registry means it is air-gapped.
#[tauri::command]
#[specta::specta]
pub async fn check_public_pull(
    state: tauri::State<'_, AppState>,
    member_context: String,
) -> onboard_core::Result<PullCheck> {
    let member = super::host::client_for(&state, &member_context).await?;
    pull_check::check(
        &member,
        DEFAULT_AGENT_IMAGE,
        PullSecret::None,
        Duration::from_secs(60),
    )
    .await
}

/// Sets tower's agent image on the host (every member's agent.yaml names it afterwards);
/// with `dry_run` only the server's check.
#[tauri::command]
#[specta::specta]
pub async fn set_agent_image(
    state: tauri::State<'_, AppState>,
    context: String,
    image: String,
    dry_run: bool,
) -> onboard_core::Result<AgentImageOutcome> {
    let host = super::host::HostSession::open(&state, context).await?;
    agent_image::set(&host.target(), &image, dry_run).await
}
