//! Faults a test (or a scenario) turns on for one cluster, at start or while it runs:
//! latency, 5xx answers, 429 with Retry-After, connection resets, dropped watches and
//! forced write conflicts. Counted faults hit the next N matching requests, so tests are
//! deterministic.

use crate::status::ApiError;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Default)]
struct Plan {
    latency: Duration,
    /// (remaining, HTTP code, only paths containing this).
    failures: Vec<(u32, u16, String)>,
    throttles: u32,
    retry_after: u64,
    resets: u32,
    conflicts: u32,
}

/// What to do with a request instead of answering it normally.
#[derive(Debug)]
pub enum Injected {
    /// Close the connection without an answer.
    Reset,
    Respond(ApiError),
}

/// The fault switchboard of one cluster.
#[derive(Debug)]
pub struct Faults {
    plan: Mutex<Plan>,
    watch_drops: watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            plan: Mutex::new(Plan::default()),
            watch_drops: watch::channel(0).0,
        }
    }
}

impl Faults {
    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delay before every answer (half a round trip on each side, as a remote server has).
    pub fn set_latency(&self, latency: Duration) {
        self.plan().latency = latency;
    }

    pub fn latency(&self) -> Duration {
        self.plan().latency
    }

    /// Answers the next `count` requests with `code` (500, 502, 503 or 504) and a Status.
    pub fn fail_next(&self, count: u32, code: u16) {
        self.fail_next_matching(count, code, "");
    }

    /// Like `fail_next`, for requests whose path contains `path_part` only.
    pub fn fail_next_matching(&self, count: u32, code: u16, path_part: &str) {
        self.plan()
            .failures
            .push((count, code, path_part.to_string()));
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retry_after_seconds`.
    pub fn throttle_next(&self, count: u32, retry_after_seconds: u64) {
        let mut plan = self.plan();
        plan.throttles += count;
        plan.retry_after = retry_after_seconds;
    }

    /// Drops the connection of the next `count` requests without answering.
    pub fn reset_next(&self, count: u32) {
        self.plan().resets += count;
    }

    /// Answers the next `count` writes with 409 Conflict, as a lost optimistic-lock race would.
    pub fn conflict_next_writes(&self, count: u32) {
        self.plan().conflicts += count;
    }

    /// Ends every open watch now; clients must resume from their last resourceVersion.
    pub fn drop_watches(&self) {
        self.watch_drops.send_modify(|n| *n += 1);
    }

    pub(crate) fn watch_drop_signal(&self) -> watch::Receiver<u64> {
        self.watch_drops.subscribe()
    }

    /// Decides the fate of one request before it is served.
    pub(crate) fn on_request(&self, path: &str) -> Option<Injected> {
        let mut plan = self.plan();
        if plan.resets > 0 {
            plan.resets -= 1;
            return Some(Injected::Reset);
        }
        if plan.throttles > 0 {
            plan.throttles -= 1;
            return Some(Injected::Respond(ApiError::too_many_requests(
                plan.retry_after,
            )));
        }
        let hit = plan
            .failures
            .iter_mut()
            .find(|(left, _, part)| *left > 0 && path.contains(part.as_str()));
        if let Some((left, code, _)) = hit {
            *left -= 1;
            let code = *code;
            plan.failures.retain(|(left, _, _)| *left > 0);
            return Some(Injected::Respond(ApiError::server_error(
                code,
                "injected fault: the server is failing on purpose",
            )));
        }
        None
    }

    /// Whether this write should fail with a forced conflict.
    pub(crate) fn take_conflict(&self) -> bool {
        let mut plan = self.plan();
        if plan.conflicts > 0 {
            plan.conflicts -= 1;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_hit_exactly_the_next_requests() {
        let faults = Faults::default();
        faults.fail_next_matching(1, 503, "/apis");
        faults.throttle_next(1, 2);
        assert!(
            matches!(faults.on_request("/api/v1"), Some(Injected::Respond(e)) if e.code == 429 && e.retry_after == Some(2))
        );
        assert!(
            faults.on_request("/api/v1").is_none(),
            "the 503 only matches /apis"
        );
        assert!(
            matches!(faults.on_request("/apis/apps/v1"), Some(Injected::Respond(e)) if e.code == 503)
        );
        assert!(faults.on_request("/apis/apps/v1").is_none());
        faults.conflict_next_writes(1);
        assert!(faults.take_conflict());
        assert!(!faults.take_conflict());
    }
}
