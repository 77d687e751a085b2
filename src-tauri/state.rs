use crate::sandbox::RunningSandbox;
use onboard_core::app::{AppStatus, Target};
use std::sync::Mutex;

/// What the commands share for the life of the window. Held by Tauri (`manage`), never global.
pub struct AppState {
    status: Mutex<AppStatus>,
    sandbox: Mutex<Option<RunningSandbox>>,
}

impl AppState {
    pub fn new(target: Target, sandbox: Option<RunningSandbox>) -> Self {
        Self {
            status: Mutex::new(AppStatus::new(target)),
            sandbox: Mutex::new(sandbox),
        }
    }

    /// Stops the built-in sandbox, if it runs, and points the app at `target`.
    pub fn leave_sandbox(&self, target: Target) -> AppStatus {
        let stopped = self
            .sandbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop(stopped);
        let mut status = self.lock();
        status.switch_target(target);
        status.clone()
    }

    pub fn status(&self) -> AppStatus {
        self.lock().clone()
    }

    /// Applies `change` to the status; on error the status is left as it was.
    pub fn update(
        &self,
        change: impl FnOnce(&mut AppStatus) -> onboard_core::Result<()>,
    ) -> onboard_core::Result<AppStatus> {
        let mut status = self.lock();
        let mut next = status.clone();
        change(&mut next)?;
        *status = next.clone();
        Ok(next)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AppStatus> {
        // A poisoned lock only means another command panicked; the data is plain and whole.
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
