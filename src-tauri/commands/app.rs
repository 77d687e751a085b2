use crate::AppState;
use onboard_core::app::AppStatus;

/// Version, target and the chosen host/member contexts, for the status bar.
#[tauri::command]
#[specta::specta]
pub fn app_status(state: tauri::State<'_, AppState>) -> AppStatus {
    state.status()
}
