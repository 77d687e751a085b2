//! Can the member's nodes reach tower? Checked from the member itself before agent.yaml is
//! applied: one short-lived Pod per node (pinned with `nodeName`) runs busybox `wget`
//! against tower's `/health` at the proxy address, the way the agent will dial it. Each Pod
//! ends Succeeded (reachable) or Failed (its log says why); the Pods are deleted afterwards.
//! A Pod that cannot run (its image cannot be pulled, no node admits it) is reported as
//! "not checked", not as unreachable: the probe itself failed, not the address.

use crate::kubesphere::api;
use crate::{Error, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const PROBE_IMAGE: &str = "busybox:1.36";
const NAMESPACE: &str = "default";
const PROBE_LABEL: &str = "ks-onboard.kubesphere.io/probe";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NodeReach {
    pub node: String,
    /// `None`: the probe could not run there (see `detail`).
    pub reachable: Option<bool>,
    /// wget's answer or error, or why the probe did not run.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ReachReport {
    pub url: String,
    pub nodes: Vec<NodeReach>,
}

impl ReachReport {
    /// Nodes from which tower did not answer.
    pub fn failing(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.reachable == Some(false))
            .map(|n| n.node.clone())
            .collect()
    }
}

/// `http://host:port` → `http://host:port/health`.
pub fn health_url(proxy_server: &str) -> String {
    format!("{}/health", proxy_server.trim_end_matches('/'))
}

fn probe_pod(node: &str, url: &str, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "ks-onboard-probe-", "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "ks-onboard", PROBE_LABEL: "proxy-address"}},
        "spec": {"nodeName": node, "restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "probe", "image": image, "command": ["wget", "-q", "-T", "5", "-O", "-", url]}]}})
}

/// Probes `proxy_server` from every node of the member, within `timeout` in all.
pub async fn from_member(
    member: &kube::Client,
    proxy_server: &str,
    image: &str,
    timeout: Duration,
) -> Result<ReachReport> {
    let url = health_url(proxy_server);
    let nodes = api::get(member, "/api/v1/nodes")
        .await
        .map_err(|e| e.into_error("list the member's nodes"))?
        .unwrap_or_default();
    let names: Vec<String> = nodes["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    if names.is_empty() {
        return Err(Error::not_found("the member has no nodes to probe from")
            .with_hint("check the member context: `kubectl get nodes` should list its nodes"));
    }
    let pods_path = format!("/api/v1/namespaces/{NAMESPACE}/pods");
    let mut pods = Vec::new();
    for node in &names {
        match api::create(member, &pods_path, &probe_pod(node, &url, image), false).await {
            Ok(pod) => pods.push((
                node.clone(),
                pod["metadata"]["name"].as_str().map(str::to_string),
            )),
            Err(error) => {
                delete_all(member, &pods).await;
                return Err(error.into_error("start a probe Pod on the member"));
            }
        }
    }
    let deadline = Instant::now() + timeout;
    let mut results = Vec::new();
    for (node, pod) in &pods {
        let Some(pod) = pod else { continue };
        results.push(wait_for(member, node, pod, deadline).await);
    }
    delete_all(member, &pods).await;
    Ok(ReachReport {
        url,
        nodes: results,
    })
}

/// Why kubelet could not start a Pod's container: its image cannot be pulled.
pub(super) fn pull_failure(pod: &Value) -> Option<&str> {
    let reason = pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"].as_str()?;
    matches!(
        reason,
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName"
    )
    .then_some(reason)
}

/// Reads the Pod at `path` until `settled` says it is, or `deadline` (then `None`).
pub(super) async fn wait_until(
    member: &kube::Client,
    path: &str,
    deadline: Instant,
    settled: impl Fn(&Value) -> bool,
) -> Option<Value> {
    loop {
        let pod = api::get(member, path)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if settled(&pod) {
            return Some(pod);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_for(member: &kube::Client, node: &str, pod: &str, deadline: Instant) -> NodeReach {
    let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{pod}");
    let reach = |reachable, detail: String| NodeReach {
        node: node.into(),
        reachable,
        detail,
    };
    let ended = |p: &Value| matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
    let Some(current) = wait_until(member, &path, deadline, |p| {
        ended(p) || pull_failure(p).is_some()
    })
    .await
    else {
        return reach(None, "the probe did not finish in time".into());
    };
    if let Some(reason) = pull_failure(&current) {
        return reach(
            None,
            format!("the probe image could not be pulled on this node ({reason})"),
        );
    }
    let answered = current["status"]["phase"] == "Succeeded";
    let fallback = if answered {
        "tower answered"
    } else {
        "wget failed"
    };
    reach(
        Some(answered),
        log(member, pod).await.unwrap_or_else(|| fallback.into()),
    )
}

async fn log(member: &kube::Client, pod: &str) -> Option<String> {
    let text = api::get_text(
        member,
        &format!("/api/v1/namespaces/{NAMESPACE}/pods/{pod}/log?container=probe"),
    )
    .await
    .ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.lines().take(3).collect::<Vec<_>>().join(" "))
}

async fn delete_all(member: &kube::Client, pods: &[(String, Option<String>)]) {
    for name in pods.iter().filter_map(|(_, p)| p.as_deref()) {
        let _ = api::delete(
            member,
            &format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}"),
            false,
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_one_pinned_never_restarting_wget_per_node() {
        assert_eq!(
            health_url("http://139.198.120.120:8080/"),
            "http://139.198.120.120:8080/health"
        );
        let pod = probe_pod("node-1", "http://1.2.3.4:30000/health", PROBE_IMAGE);
        assert_eq!(pod["spec"]["nodeName"], "node-1");
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert_eq!(
            pod["spec"]["containers"][0]["command"],
            json!([
                "wget",
                "-q",
                "-T",
                "5",
                "-O",
                "-",
                "http://1.2.3.4:30000/health"
            ])
        );
        let report = ReachReport {
            url: String::new(),
            nodes: vec![
                NodeReach {
                    node: "a".into(),
                    reachable: Some(false),
                    detail: String::new(),
                },
                NodeReach {
                    node: "b".into(),
                    reachable: None,
                    detail: String::new(),
                },
            ],
        };
        assert_eq!(report.failing(), ["a"]);
    }
}
