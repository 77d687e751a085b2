use onboard_core::app::{AppStatus, Target};
use std::sync::Mutex;

/// What the commands share for the life of the window. Held by Tauri (`manage`), never global.
pub struct AppState {
    status: Mutex<AppStatus>,
}

impl AppState {
    pub fn new(target: Target) -> Self {
        Self {
            status: Mutex::new(AppStatus::new(target)),
        }
    }

    pub fn status(&self) -> AppStatus {
        // A poisoned lock only means another command panicked mid-read; the data is plain.
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
