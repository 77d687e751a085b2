//! The "History" part of Clusters & history: the local audit log, checked.

use crate::AppState;
use onboard_core::audit::{self, AuditLog, Filter};

#[tauri::command(async)]
#[specta::specta]
pub fn audit_log(
    state: tauri::State<'_, AppState>,
    filter: Filter,
) -> onboard_core::Result<AuditLog> {
    audit::list(&state.data_dir(), &filter)
}
