//! Waits the user may stop. Read-only work (the host checks, a connection test) runs under a
//! name the page chose, and `cancel_task` with that name ends it at once: the work is dropped
//! at its next await, and the command answers with a `cancelled` error. Nothing that writes
//! runs here: stopping a write half way would leave it half-applied.

use onboard_core::{Error, ErrorKind};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::oneshot;

#[derive(Default)]
pub struct Tasks {
    /// Each running task's stop signal, with the number of its run (a second run under the
    /// same name stops the first).
    running: Mutex<HashMap<String, (u64, oneshot::Sender<()>)>>,
    runs: AtomicU64,
}

impl Tasks {
    /// Runs `work` as `name` until it ends or is cancelled.
    pub async fn run<T>(
        &self,
        name: &str,
        work: impl Future<Output = T>,
    ) -> onboard_core::Result<T> {
        let (stop, stopped) = oneshot::channel();
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        if let Some((_, earlier)) =
            crate::state::relock(&self.running).insert(name.to_string(), (run, stop))
        {
            let _ = earlier.send(());
        }
        let outcome = tokio::select! {
            done = work => Ok(done),
            _ = stopped => Err(Error::new(ErrorKind::Cancelled, "stopped before it finished; nothing was changed")),
        };
        let mut running = crate::state::relock(&self.running);
        if running.get(name).is_some_and(|(r, _)| *r == run) {
            running.remove(name);
        }
        outcome
    }

    /// Stops the task `name`; false when none runs under that name.
    pub fn cancel(&self, name: &str) -> bool {
        match crate::state::relock(&self.running).remove(name) {
            Some((_, stop)) => stop.send(()).is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_cancelled_task_ends_at_once_and_a_finished_one_is_forgotten() {
        let tasks = Tasks::default();
        assert_eq!(tasks.run("quick", async { 7 }).await.unwrap(), 7);
        assert!(
            !tasks.cancel("quick"),
            "a finished task is no longer there to stop"
        );
        let slow = tasks.run("slow", tokio::time::sleep(Duration::from_secs(60)));
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(tasks.cancel("slow"));
        };
        let started = std::time::Instant::now();
        let (outcome, ()) = tokio::join!(slow, cancel);
        assert_eq!(outcome.unwrap_err().kind, ErrorKind::Cancelled);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_second_run_under_the_same_name_stops_the_first() {
        let tasks = Tasks::default();
        let first = tasks.run("checks", tokio::time::sleep(Duration::from_secs(60)));
        let second = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tasks.run("checks", async { "second" }).await
        };
        let (first, second) = tokio::join!(first, second);
        assert_eq!(first.unwrap_err().kind, ErrorKind::Cancelled);
        assert_eq!(second.unwrap(), "second");
    }
}
