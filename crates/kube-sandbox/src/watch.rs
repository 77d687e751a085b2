//! Watches: newline-delimited events streamed in one chunked response, resumable from a
//! resourceVersion, an `ERROR` event with 410 Expired when that version was compacted away,
//! periodic bookmarks when asked for, and the initial-events bookmark for streaming lists.

use crate::clock::Clock;
use crate::http::{self, Body};
use crate::registry::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::state::Shared;
use crate::status::{ApiError, ApiResult};
use crate::store::{Change, ChangeKind};
use crate::table::{table, Include};
use bytes::Bytes;
use hyper::Response;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

pub struct WatchRequest {
    pub rt: ResourceType,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub resource_version: Option<String>,
    pub bookmarks: bool,
    pub send_initial_events: bool,
    pub timeout: Option<Duration>,
    /// Some when the client asked for Table objects.
    pub table: Option<Include>,
    /// The cluster's clock, for the ages in those Tables.
    pub clock: Clock,
}

impl WatchRequest {
    fn selects(&self, object: &Value) -> bool {
        let ns_ok = self
            .namespace
            .as_deref()
            .is_none_or(|ns| object["metadata"]["namespace"] == ns);
        ns_ok && self.labels.matches(&object["metadata"]["labels"]) && self.fields.matches(object)
    }

    /// The event a change is for this watch: objects that start matching its selectors are
    /// ADDED, those that stop matching are DELETED, as the apiserver's watch cache does.
    fn event(&self, change: &Change) -> Option<Bytes> {
        if change.key.resource != self.rt.id() {
            return None;
        }
        let now = self.selects(&change.object);
        let before = change.previous.as_ref().map(|p| self.selects(p));
        let kind = match (change.kind, before, now) {
            (ChangeKind::Modified, Some(false), true) => "ADDED",
            (ChangeKind::Modified, Some(true), false) => "DELETED",
            (kind, _, true) => kind.as_str(),
            _ => return None,
        };
        Some(self.line(kind, &change.object))
    }

    fn line(&self, kind: &str, object: &Value) -> Bytes {
        let mut object = object.clone();
        object["apiVersion"] = json!(self.rt.api_version());
        let object = match self.table {
            Some(include) => {
                let rv = object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                table(&self.rt, &[&object], include, &rv, self.clock.now())
            }
            None => object,
        };
        let mut line =
            serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    fn bookmark(&self, rv: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(), "metadata": metadata});
        let mut line =
            serde_json::to_vec(&json!({"type": "BOOKMARK", "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }
}

fn expired_line(asked: u64, oldest: u64) -> Bytes {
    let status =
        ApiError::gone(format!("too old resource version: {asked} ({oldest})")).to_status();
    let mut line =
        serde_json::to_vec(&json!({"type": "ERROR", "object": status})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

pub fn start(shared: &Arc<Shared>, request: WatchRequest) -> ApiResult<Response<Body>> {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let mut first: Vec<Bytes> = Vec::new();
    let mut expired = false;
    let (mut receiver, mut progress) = {
        let world = shared.world();
        let current = world.store.revision();
        let from =
            match request.resource_version.as_deref() {
                None | Some("0") => None,
                Some(text) => Some(text.parse::<u64>().map_err(|_| {
                    ApiError::bad_request(format!("invalid resource version: {text}"))
                })?),
            };
        // An injected expiry answers as if etcd had compacted everything up to now.
        let expired_by_fault = from.is_some() && shared.faults.take_expired_watch();
        match from {
            Some(rv) if expired_by_fault => {
                first.push(expired_line(rv, current));
                expired = true;
                let (_, closed) = broadcast::channel(1);
                (closed, current)
            }
            Some(rv) => match world.store.watch_from(rv.min(current)) {
                Ok((backlog, receiver)) => {
                    first.extend(backlog.iter().filter_map(|c| request.event(c)));
                    (receiver, current)
                }
                Err(compacted) => {
                    first.push(expired_line(rv, compacted.oldest));
                    expired = true;
                    let (_, closed) = broadcast::channel(1);
                    (closed, current)
                }
            },
            None => {
                let id = request.rt.id();
                first.extend(
                    world
                        .store
                        .list(&id, request.namespace.as_deref())
                        .filter(|(_, o)| request.selects(o))
                        .map(|(_, o)| request.line("ADDED", o)),
                );
                if request.send_initial_events {
                    first.push(request.bookmark(current, true));
                }
                let (_, receiver) = world
                    .store
                    .watch_from(current)
                    .map_err(|_| ApiError::server_error(500, "watch could not start"))?;
                (receiver, current)
            }
        }
    };
    let mut drops = shared.faults.watch_drop_signal();
    drops.borrow_and_update();
    let bookmark_every = shared.bookmark_interval;
    tokio::spawn(async move {
        for line in first {
            if tx.send(line).await.is_err() {
                return;
            }
        }
        if expired {
            return;
        }
        let deadline = request.timeout.map(|t| Instant::now() + t);
        let mut bookmarks =
            tokio::time::interval_at(Instant::now() + bookmark_every, bookmark_every);
        loop {
            tokio::select! {
                change = receiver.recv() => {
                    let change: Arc<Change> = match change {
                        Ok(c) => c,
                        // A watcher too slow to keep up is ended, as the apiserver does.
                        Err(_) => return,
                    };
                    progress = change.rv;
                    if let Some(line) = request.event(&change) {
                        if tx.send(line).await.is_err() {
                            return;
                        }
                    }
                }
                _ = bookmarks.tick(), if request.bookmarks => {
                    if tx.send(request.bookmark(progress, false)).await.is_err() {
                        return;
                    }
                }
                _ = drops.changed() => return,
                _ = sleep_until(deadline) => return,
                _ = tx.closed() => return,
            }
        }
    });
    Ok(http::stream("application/json", rx))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
