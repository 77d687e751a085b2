use crate::AppState;
use onboard_core::app::AppStatus;

/// Version, target and the chosen host/member contexts, for the status bar.
#[tauri::command]
#[specta::specta]
pub fn app_status(state: tauri::State<'_, AppState>) -> AppStatus {
    state.status()
}

/// Stops the read-only wait the page started as `task` (host checks, a connection test);
/// false when it had already finished.
#[tauri::command]
#[specta::specta]
pub fn cancel_task(state: tauri::State<'_, AppState>, task: String) -> bool {
    state.tasks().cancel(&task)
}
