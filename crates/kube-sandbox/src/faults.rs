//! Faults a test (or a scenario) turns on for one cluster, at start or while it runs:
//! latency, 5xx answers, 429 with Retry-After, connection resets, requests that hang (before
//! or after the server acted on them), dropped watches, watches answered 410 Expired,
//! forced write conflicts, and actions run just before a chosen request is served (another
//! client's edit, a token expiring). Counted faults hit the next N matching requests, so
//! tests are deterministic; [`Faults::unspent`] tells a test whether its faults were hit.

use crate::status::ApiError;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Which requests a counted fault hits: a method, a part of the path, dry runs or not, and
/// how many matching requests pass before it strikes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matching {
    method: Option<String>,
    path: String,
    dry_run: Option<bool>,
    skip: u32,
}

impl Matching {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Requests whose path contains `part` (the query is not part of the path).
    pub fn path(part: &str) -> Self {
        Self {
            path: part.into(),
            ..Self::default()
        }
    }

    /// Only requests with this HTTP method (`GET`, `PATCH`…).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only server-side dry runs (`?dryRun=All`, true) or only real requests (false).
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = Some(dry_run);
        self
    }

    /// The first `requests` matching requests pass; the fault hits the ones after them.
    pub fn after(mut self, requests: u32) -> Self {
        self.skip = requests;
        self
    }

    fn matches(&self, request: &RequestLine<'_>) -> bool {
        self.method.as_deref().is_none_or(|m| m == request.method)
            && request.path.contains(self.path.as_str())
            && self.dry_run.is_none_or(|d| d == request.is_dry_run())
    }
}

/// What the switchboard sees of a request.
pub(crate) struct RequestLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

impl RequestLine<'_> {
    fn is_dry_run(&self) -> bool {
        self.query
            .split('&')
            .any(|pair| pair.eq_ignore_ascii_case("dryRun=All"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Reset,
    Throttle(u64),
    Fail(u16),
    Hang,
    HangAfterServing,
}

struct Rule {
    matching: Matching,
    left: u32,
    action: Action,
    /// Told when the rule strikes (hangs: the request is being held).
    struck: Arc<Notify>,
}

type Trigger = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Plan {
    latency: Duration,
    rules: Vec<Rule>,
    triggers: Vec<(Matching, Trigger)>,
    conflicts: u32,
    expired_watches: u32,
}

/// What to do with a request instead of answering it normally.
#[derive(Debug)]
pub enum Injected {
    /// Close the connection without an answer.
    Reset,
    Respond(ApiError),
    /// Never answer (the server is stuck, or the network lost the request); the client
    /// gives up on its own. `struck` is told first.
    Hang(Arc<Notify>),
    /// Serve the request (its change is committed), then never answer.
    HangAfterServing(Arc<Notify>),
}

/// The fault switchboard of one cluster.
pub struct Faults {
    plan: Mutex<Plan>,
    watch_drops: watch::Sender<u64>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("unspent", &self.unspent())
            .finish_non_exhaustive()
    }
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

    fn push(&self, matching: Matching, count: u32, action: Action) -> Arc<Notify> {
        let struck = Arc::new(Notify::new());
        let mut plan = self.plan();
        plan.rules.push(Rule {
            matching,
            left: count,
            action,
            struck: struck.clone(),
        });
        // Resets come first, then throttling, then failures, then hangs (as they always did).
        plan.rules.sort_by_key(|r| r.action);
        struck
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
        self.fail_matching(Matching::path(path_part), count, code);
    }

    /// Answers the next `count` requests `matching` selects with `code` and a Status.
    pub fn fail_matching(&self, matching: Matching, count: u32, code: u16) {
        self.push(matching, count, Action::Fail(code));
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retry_after_seconds`.
    pub fn throttle_next(&self, count: u32, retry_after_seconds: u64) {
        self.throttle_matching(Matching::any(), count, retry_after_seconds);
    }

    pub fn throttle_matching(&self, matching: Matching, count: u32, retry_after_seconds: u64) {
        self.push(matching, count, Action::Throttle(retry_after_seconds));
    }

    /// Drops the connection of the next `count` requests without answering.
    pub fn reset_next(&self, count: u32) {
        self.reset_matching(Matching::any(), count);
    }

    pub fn reset_matching(&self, matching: Matching, count: u32) {
        self.push(matching, count, Action::Reset);
    }

    /// Holds the next request `matching` selects without acting on it or answering, until
    /// the client gives up (or the cluster stops). The returned `Notify` is told once the
    /// request is being held: a test can then cut the client off at exactly that point.
    pub fn hang_next(&self, matching: Matching) -> Arc<Notify> {
        self.push(matching, 1, Action::Hang)
    }

    /// Like `hang_next`, but the server first acts on the request (a write is committed and
    /// seen by watches): the answer is what gets lost.
    pub fn hang_next_after_serving(&self, matching: Matching) -> Arc<Notify> {
        self.push(matching, 1, Action::HangAfterServing)
    }

    /// Answers the next `count` writes with 409 Conflict, as a lost optimistic-lock race would.
    pub fn conflict_next_writes(&self, count: u32) {
        self.plan().conflicts += count;
    }

    /// Runs `action` just before the next request `matching` selects is authenticated and
    /// served: another client editing the object between our read and our write, a token
    /// expiring between two requests. The action must not block.
    pub fn before_next(&self, matching: Matching, action: impl FnOnce() + Send + 'static) {
        self.plan().triggers.push((matching, Box::new(action)));
    }

    /// Ends every open watch now; clients must resume from their last resourceVersion.
    pub fn drop_watches(&self) {
        self.watch_drops.send_modify(|n| *n += 1);
    }

    /// The next `count` watches that resume from a resourceVersion are told it is too old,
    /// as kube-apiserver tells them once etcd compacted it: an `ERROR` event with a 410
    /// `Expired` Status, then the end of the stream. Clients must list again.
    pub fn expire_next_watches(&self, count: u32) {
        self.plan().expired_watches += count;
    }

    /// Removes every counted fault, trigger and forced conflict not spent yet (latency stays).
    pub fn clear(&self) {
        let mut plan = self.plan();
        plan.rules.clear();
        plan.triggers.clear();
        plan.conflicts = 0;
        plan.expired_watches = 0;
    }

    /// The counted faults that have not hit yet, described: empty once all were spent.
    pub fn unspent(&self) -> Vec<String> {
        let plan = self.plan();
        let mut out: Vec<String> = plan
            .rules
            .iter()
            .filter(|r| r.left > 0)
            .map(|r| format!("{:?} ×{} on {:?}", r.action, r.left, r.matching))
            .collect();
        out.extend(
            plan.triggers
                .iter()
                .map(|(m, _)| format!("action before {m:?}")),
        );
        if plan.conflicts > 0 {
            out.push(format!("{} forced conflicts", plan.conflicts));
        }
        if plan.expired_watches > 0 {
            out.push(format!("{} expired watches", plan.expired_watches));
        }
        out
    }

    pub(crate) fn watch_drop_signal(&self) -> watch::Receiver<u64> {
        self.watch_drops.subscribe()
    }

    /// Decides the fate of one request before it is served (running its triggers first).
    pub(crate) fn on_request(&self, request: &RequestLine<'_>) -> Option<Injected> {
        let triggered: Vec<Trigger> = {
            let mut plan = self.plan();
            let mut fired = Vec::new();
            let mut kept = Vec::new();
            for (mut matching, action) in std::mem::take(&mut plan.triggers) {
                if !matching.matches(request) {
                    kept.push((matching, action));
                } else if matching.skip > 0 {
                    matching.skip -= 1;
                    kept.push((matching, action));
                } else {
                    fired.push(action);
                }
            }
            plan.triggers = kept;
            fired
        };
        // Outside the lock: an action may well use the cluster (and its faults).
        for action in triggered {
            action();
        }
        let mut plan = self.plan();
        let mut hit = None;
        for rule in plan
            .rules
            .iter_mut()
            .filter(|r| r.left > 0 && r.matching.matches(request))
        {
            if rule.matching.skip == 0 {
                hit = Some(rule);
                break;
            }
            rule.matching.skip -= 1;
        }
        let rule = hit?;
        rule.left -= 1;
        let action = rule.action;
        let struck = rule.struck.clone();
        plan.rules.retain(|r| r.left > 0);
        Some(match action {
            Action::Reset => Injected::Reset,
            Action::Throttle(seconds) => Injected::Respond(ApiError::too_many_requests(seconds)),
            Action::Fail(code) => Injected::Respond(ApiError::server_error(
                code,
                "injected fault: the server is failing on purpose",
            )),
            Action::Hang => Injected::Hang(struck),
            Action::HangAfterServing => Injected::HangAfterServing(struck),
        })
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

    /// Whether this resumed watch should be told its resourceVersion is too old.
    pub(crate) fn take_expired_watch(&self) -> bool {
        let mut plan = self.plan();
        if plan.expired_watches > 0 {
            plan.expired_watches -= 1;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn get(path: &str) -> RequestLine<'_> {
        RequestLine {
            method: "GET",
            path,
            query: "",
        }
    }

    #[test]
    fn counted_faults_hit_exactly_the_next_requests() {
        let faults = Faults::default();
        faults.fail_next_matching(1, 503, "/apis");
        faults.throttle_next(1, 2);
        assert!(
            matches!(faults.on_request(&get("/api/v1")), Some(Injected::Respond(e)) if e.code == 429 && e.retry_after == Some(2))
        );
        assert!(
            faults.on_request(&get("/api/v1")).is_none(),
            "the 503 only matches /apis"
        );
        assert!(
            matches!(faults.on_request(&get("/apis/apps/v1")), Some(Injected::Respond(e)) if e.code == 503)
        );
        assert!(faults.on_request(&get("/apis/apps/v1")).is_none());
        faults.conflict_next_writes(1);
        assert!(faults.take_conflict());
        assert!(!faults.take_conflict());
        assert!(faults.unspent().is_empty());
    }

    #[test]
    fn matching_picks_method_dry_runs_and_skips_the_first_requests() {
        let faults = Faults::default();
        let put = |query| RequestLine {
            method: "PUT",
            path: "/api/v1/namespaces/ns/secrets/s",
            query,
        };
        faults.reset_matching(
            Matching::path("/secrets/s")
                .method("put")
                .dry_run(false)
                .after(1),
            1,
        );
        assert!(faults
            .on_request(&get("/api/v1/namespaces/ns/secrets/s"))
            .is_none());
        assert!(
            faults.on_request(&put("dryRun=All")).is_none(),
            "not a dry run"
        );
        assert!(
            faults.on_request(&put("")).is_none(),
            "the first one passes"
        );
        assert_eq!(faults.unspent().len(), 1);
        assert!(matches!(faults.on_request(&put("")), Some(Injected::Reset)));
        assert!(faults.on_request(&put("")).is_none());
        assert!(faults.unspent().is_empty());
    }

    #[test]
    fn triggers_run_once_before_the_chosen_request() {
        let faults = Faults::default();
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        faults.before_next(Matching::path("/b").after(1), move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        faults.on_request(&get("/a"));
        faults.on_request(&get("/b"));
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        faults.on_request(&get("/b"));
        faults.on_request(&get("/b"));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        faults.hang_next(Matching::any());
        faults.expire_next_watches(1);
        assert_eq!(faults.unspent().len(), 2);
        faults.clear();
        assert!(faults.unspent().is_empty());
    }
}
