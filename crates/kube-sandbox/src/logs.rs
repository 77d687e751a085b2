//! `GET pods/NAME/log`: a container's text as text/plain, optionally tailed, followed, or of
//! the previous instance (`previous=true`), chosen and refused as the kubelet does (KUBE
//! `pkg/kubelet/kubelet_pods.go` validateContainerLogStatus). A scenario writes the text
//! through `Cluster::append_pod_log`; the kubelet keeps the instance before a restart.

use crate::http::{self, Body};
use crate::registry::ResourceType;
use crate::request::Query;
use crate::state::Shared;
use crate::status::{ApiError, ApiResult};
use bytes::Bytes;
use hyper::Response;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast::error::RecvError, mpsc};

/// What one container wrote: its current (or last) instance, and the one before it.
#[derive(Debug, Clone, Default)]
pub struct ContainerLog {
    pub current: String,
    pub previous: Option<String>,
}

fn container_of(pod: &Value, name: &str, wanted: Option<&str>) -> ApiResult<String> {
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    match wanted {
        Some(c) if containers.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if containers.len() == 1 => Ok(containers[0].to_string()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            containers.join(" ")
        ))),
    }
}

fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    pod["status"]["containerStatuses"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == container)
}

/// Which instance's text answers, or the kubelet's refusal. Until the kubelet restarts a
/// crashed container, its last instance is still the current text.
fn instance(
    pod: &Value,
    name: &str,
    container: &str,
    log: ContainerLog,
    previous: bool,
) -> ApiResult<String> {
    let Some(status) = container_status(pod, container) else {
        return Ok(log.current);
    };
    let (state, last) = (&status["state"], &status["lastState"]["terminated"]);
    // The current instance exists (a crashed one waits for its restart in `lastState`).
    let started = !state["running"].is_null() || !state["terminated"].is_null();
    if previous {
        if last.is_null() {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            )));
        }
        return Ok(if started {
            log.previous.unwrap_or_default()
        } else {
            log.current
        });
    }
    if started || !last.is_null() {
        return Ok(log.current);
    }
    let waiting = match state["waiting"]["reason"].as_str() {
        Some("ErrImagePull") => "image can't be pulled".to_string(),
        Some("ImagePullBackOff") => "trying and failing to pull image".to_string(),
        Some(reason) => reason.to_string(),
        None => {
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start - no logs yet"
            )))
        }
    };
    Err(ApiError::bad_request(format!(
        "container \"{container}\" in pod \"{name}\" is waiting to start: {waiting}"
    )))
}

fn tail(text: &str, lines: Option<usize>) -> String {
    match lines {
        Some(n) => {
            let all: Vec<&str> = text.lines().collect();
            let kept = &all[all.len().saturating_sub(n)..];
            kept.iter().map(|l| format!("{l}\n")).collect()
        }
        None => text.to_string(),
    }
}

/// Whether the followed container instance is over: its pod went, it stopped running, or
/// the kubelet restarted it (the kubelet closes the stream).
fn follow_ended(shared: &Shared, key: &(String, String, String), restarts: &Value) -> bool {
    let world = shared.world();
    let pod = world.store.get(&crate::store::Key {
        resource: crate::registry::ResourceId {
            group: String::new(),
            plural: "pods".into(),
        },
        namespace: key.0.clone(),
        name: key.1.clone(),
    });
    let Some(pod) = pod else {
        return true;
    };
    container_status(pod, &key.2)
        .is_some_and(|s| s["state"]["running"].is_null() || &s["restartCount"] != restarts)
}

pub fn logs(
    shared: &Arc<Shared>,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> ApiResult<Response<Body>> {
    let previous = query.flag("previous");
    let (key, text, restarts) = {
        let world = shared.world();
        let pod = world.get(rt, namespace, name)?;
        let container = container_of(&pod, name, query.get("container"))?;
        let key = (namespace.to_string(), name.to_string(), container.clone());
        let log = world.logs.get(&key).cloned().unwrap_or_default();
        let restarts = container_status(&pod, &container)
            .map(|s| s["restartCount"].clone())
            .unwrap_or_default();
        (
            key,
            instance(&pod, name, &container, log, previous)?,
            restarts,
        )
    };
    let text = tail(&text, query.get("tailLines").and_then(|n| n.parse().ok()));
    if !query.flag("follow") || previous {
        return Ok(http::text(200, text));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let mut appended = shared.log_appended.subscribe();
    let shared = shared.clone();
    let mut sent = shared
        .world()
        .logs
        .get(&key)
        .map(|l| l.current.len())
        .unwrap_or(0);
    tokio::spawn(async move {
        if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                event = appended.recv() => match event {
                    Ok(k) if k == key => {
                        let more = shared.world().logs.get(&key).map(|l| l.current[sent.min(l.current.len())..].to_string()).unwrap_or_default();
                        sent += more.len();
                        if !more.is_empty() && tx.send(Bytes::from(more)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                },
                _ = tokio::time::sleep(Duration::from_millis(500)) => {
                    if follow_ended(&shared, &key, &restarts) || tx.is_closed() {
                        return;
                    }
                }
            }
        }
    });
    Ok(http::stream("text/plain", rx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(state: Value, last: Value) -> Value {
        json!({"status": {"containerStatuses": [{"name": "agent", "state": state, "lastState": {"terminated": last}, "restartCount": 1}]}})
    }

    fn log() -> ContainerLog {
        ContainerLog {
            current: "now\n".into(),
            previous: Some("before\n".into()),
        }
    }

    #[test]
    fn the_kubelet_picks_the_instance_or_refuses() {
        let running = pod(json!({"running": {}}), json!({"exitCode": 1}));
        assert_eq!(
            instance(&running, "p", "agent", log(), false).unwrap(),
            "now\n"
        );
        assert_eq!(
            instance(&running, "p", "agent", log(), true).unwrap(),
            "before\n"
        );
        let crashed = pod(
            json!({"waiting": {"reason": "CrashLoopBackOff"}}),
            json!({"exitCode": 1}),
        );
        assert_eq!(
            instance(&crashed, "p", "agent", log(), false).unwrap(),
            "now\n"
        );
        assert_eq!(
            instance(&crashed, "p", "agent", log(), true).unwrap(),
            "now\n"
        );
        let first = pod(json!({"running": {}}), Value::Null);
        let refused = instance(&first, "p", "agent", log(), true).unwrap_err();
        assert_eq!(
            refused.message,
            "previous terminated container \"agent\" in pod \"p\" not found"
        );
        let pulling = pod(
            json!({"waiting": {"reason": "ImagePullBackOff"}}),
            Value::Null,
        );
        let refused = instance(&pulling, "p", "agent", log(), false).unwrap_err();
        assert_eq!(refused.message, "container \"agent\" in pod \"p\" is waiting to start: trying and failing to pull image");
    }
}
