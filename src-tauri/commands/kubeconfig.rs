use crate::state::Backing;
use crate::AppState;
use onboard_core::app::{AppStatus, Role, Target};
use onboard_core::kubeconfig::connection;
use onboard_core::kubeconfig::details::ContextDetails;
use onboard_core::kubeconfig::import::{
    self, ImportChoice, ImportOutcome, ImportPreview, ImportSource,
};
use onboard_core::kubeconfig::summary::KubeconfigSummary;

/// Reads the app's store and the target's kubeconfig files (no cluster is contacted) and
/// lists their contexts.
#[tauri::command(async)]
#[specta::specta]
pub fn kubeconfig_summary(
    state: tauri::State<'_, AppState>,
) -> onboard_core::Result<KubeconfigSummary> {
    state.workspace()?.summary()
}

/// Makes `context` the host or the member; returns the new status for the status bar.
#[tauri::command(async)]
#[specta::specta]
pub fn assign_role(
    state: tauri::State<'_, AppState>,
    role: Role,
    context: String,
) -> onboard_core::Result<AppStatus> {
    state.assign(role, &context)
}

/// Leaves the built-in sandbox (stopping its clusters) for the user's own kubeconfigs
/// (KUBECONFIG or ~/.kube/config, like kubectl) and store; roles must be chosen again.
#[tauri::command(async)]
#[specta::specta]
pub fn use_own_kubeconfigs(state: tauri::State<'_, AppState>) -> onboard_core::Result<AppStatus> {
    Ok(state.leave_sandbox(Target::Kubeconfigs { paths: vec![] }, Backing::user()?))
}

/// What an import would bring in; nothing is saved.
#[tauri::command(async)]
#[specta::specta]
pub fn preview_import(
    state: tauri::State<'_, AppState>,
    source: ImportSource,
) -> onboard_core::Result<ImportPreview> {
    import::preview(&source, &state.workspace()?.taken()?)
}

/// Imports the chosen contexts into the app's store, credentials into the OS keyring.
#[tauri::command(async)]
#[specta::specta]
pub fn import_contexts(
    state: tauri::State<'_, AppState>,
    source: ImportSource,
    choices: Vec<ImportChoice>,
) -> onboard_core::Result<ImportOutcome> {
    let workspace = state.workspace()?;
    let taken = workspace.taken()?;
    import::import(
        &source,
        &choices,
        &taken,
        &workspace.store,
        state.vault().as_ref(),
    )
}

/// Everything about one context except its credentials' values.
#[tauri::command(async)]
#[specta::specta]
pub fn context_details(
    state: tauri::State<'_, AppState>,
    context: String,
) -> onboard_core::Result<ContextDetails> {
    state.workspace()?.details(&context)
}

/// Removes imported contexts and their credentials; the user's own files are not touched.
#[tauri::command(async)]
#[specta::specta]
pub fn remove_contexts(
    state: tauri::State<'_, AppState>,
    contexts: Vec<String>,
) -> onboard_core::Result<AppStatus> {
    let workspace = state.workspace()?;
    workspace.store.remove(&contexts, state.vault().as_ref())?;
    let left: Vec<String> = workspace
        .summary()?
        .contexts
        .into_iter()
        .map(|c| c.name)
        .collect();
    state.forget_missing_roles(&left);
    Ok(state.status())
}

/// Tests the connection to `context` (imported or in the target's files), only when the
/// user asks; an imported context's credentials come from the vault for this test only.
/// Exec plugins are found through the login shell's PATH (resolved once per process, off
/// the async workers): a window started from a launcher lacks the shell's PATH.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: tauri::State<'_, AppState>,
    context: String,
    task: String,
) -> onboard_core::Result<connection::ConnectionReport> {
    // A vault that cannot be read (a locked keyring) is an error with its own hint.
    let (merged, settings) = state.connect_inputs(&context).await?;
    let options = connection::TestOptions::new(settings);
    // Read-only, so the page may stop it (`cancel_task`): an exec plugin may wait a minute.
    state
        .tasks()
        .run(
            &task,
            connection::test_connection(&merged, &context, &options),
        )
        .await
}

/// Copies one credential of `context` to the clipboard. The value goes from the keyring (or
/// the kubeconfig) to the clipboard inside Rust; the webview only ever sees `••••`.
#[tauri::command(async)]
#[specta::specta]
pub fn copy_credential(
    state: tauri::State<'_, AppState>,
    context: String,
    field: String,
) -> onboard_core::Result<()> {
    let secret = state
        .workspace()?
        .credential(&context, &field, state.vault().as_ref())?;
    state.copy_to_clipboard(&secret)
}
