//! `GET pods/NAME/log`: a container's text as text/plain, optionally tailed or followed.
//! A scenario writes the text through `Cluster::append_pod_log`.

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

pub fn logs(
    shared: &Arc<Shared>,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> ApiResult<Response<Body>> {
    let (container, text) = {
        let world = shared.world();
        let pod = world.get(rt, namespace, name)?;
        let container = container_of(&pod, name, query.get("container"))?;
        let key = (namespace.to_string(), name.to_string(), container.clone());
        (container, world.logs.get(&key).cloned().unwrap_or_default())
    };
    let text = tail(&text, query.get("tailLines").and_then(|n| n.parse().ok()));
    if !query.flag("follow") {
        return Ok(http::text(200, text));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let mut appended = shared.log_appended.subscribe();
    let shared = shared.clone();
    let key = (namespace.to_string(), name.to_string(), container);
    let mut sent = shared.world().logs.get(&key).map(String::len).unwrap_or(0);
    tokio::spawn(async move {
        if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                event = appended.recv() => match event {
                    Ok(k) if k == key => {
                        let more = shared.world().logs.get(&key).map(|t| t[sent.min(t.len())..].to_string()).unwrap_or_default();
                        sent += more.len();
                        if !more.is_empty() && tx.send(Bytes::from(more)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                },
                // Follow ends when the pod goes away, as the kubelet closes the stream.
                _ = tokio::time::sleep(Duration::from_millis(500)) => {
                    let world = shared.world();
                    let gone = world.store.get(&crate::store::Key { resource: crate::registry::ResourceId { group: String::new(), plural: "pods".into() }, namespace: key.0.clone(), name: key.1.clone() }).is_none();
                    if gone || tx.is_closed() {
                        return;
                    }
                }
            }
        }
    });
    Ok(http::stream("text/plain", rx))
}
