//! The kubelet (1.32) of every node: binds pending pods (to `spec.nodeName` when set, else to
//! the first node, as the scheduler would), pulls images as the cluster's image policy allows
//! and starts the containers. When a container's program ends (`Cluster::container_exited`:
//! the programs are simulated elsewhere) it records how, and then either ends the pod
//! `Succeeded`/`Failed` (restartPolicy Never, or OnFailure after a success) or restarts the
//! container after the crash-loop back-off, 10 s doubling to 5 min (KUBE
//! `pkg/kubelet/kubelet.go` MaxContainerBackOff, `kuberuntime_manager.go` doBackOff), with
//! `CrashLoopBackOff`, kubelet's message and `BackOff` events. Texts follow kubelet 1.32.

use crate::controllers::{NORMAL, WARNING};
use crate::error::Reported;
use crate::store::Key;
use crate::world::World;
use serde_json::{json, Value};
use std::time::Duration;

const FIRST_BACK_OFF: Duration = Duration::from_secs(10);
const MAX_BACK_OFF: Duration = Duration::from_secs(300);

/// A restart the kubelet owes a container: after `back_off` (kubelet's nominal time), the
/// instance `restart_count` is replaced by the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    pub restart_count: i64,
    pub back_off: Duration,
}

/// The back-off before the restart that follows the exit of instance `restart_count`: none
/// after the first exit, then 10 s doubling up to 5 min.
fn back_off(restart_count: i64) -> Duration {
    let Ok(doublings) = u32::try_from(restart_count - 1) else {
        return Duration::ZERO;
    };
    FIRST_BACK_OFF
        .checked_mul(2u32.saturating_pow(doublings.min(16)))
        .map_or(MAX_BACK_OFF, |d| d.min(MAX_BACK_OFF))
}

fn meta<'a>(o: &'a Value, field: &str) -> &'a str {
    o["metadata"][field].as_str().unwrap_or_default()
}

/// `format.Pod`: how kubelet names a pod in its messages.
fn pod_name(pod: &Value) -> String {
    format!(
        "{}_{}({})",
        meta(pod, "name"),
        meta(pod, "namespace"),
        meta(pod, "uid")
    )
}

fn condition(kind: &str, ok: bool, reason: &str, message: &str, now: &str) -> Value {
    let mut c = json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastTransitionTime": now});
    if !reason.is_empty() {
        c["reason"] = json!(reason);
    }
    if !message.is_empty() {
        c["message"] = json!(message);
    }
    c
}

/// Ready and ContainersReady from the containers' state (kubelet `status/generate.go`):
/// `PodCompleted` / `PodFailed` once the pod is over, else `ContainersNotReady` naming the
/// containers that are not ready. Transition times move only when a status changes.
fn set_readiness(pod: &mut Value, now: &str) {
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unready: Vec<&str> = statuses
        .iter()
        .filter(|c| c["ready"] != true)
        .filter_map(|c| c["name"].as_str())
        .collect();
    let (ok, reason, message) = match pod["status"]["phase"].as_str() {
        Some("Succeeded") => (false, "PodCompleted", String::new()),
        Some("Failed") => (false, "PodFailed", String::new()),
        _ if unready.is_empty() => (true, "", String::new()),
        _ => (
            false,
            "ContainersNotReady",
            format!("containers with unready status: [{}]", unready.join(" ")),
        ),
    };
    let Some(conditions) = pod["status"]["conditions"].as_array_mut() else {
        return;
    };
    for c in conditions
        .iter_mut()
        .filter(|c| c["type"] == "Ready" || c["type"] == "ContainersReady")
    {
        let kind = c["type"].as_str().unwrap_or_default().to_string();
        let mut next = condition(&kind, ok, reason, &message, now);
        if c["status"] == next["status"] {
            next["lastTransitionTime"] = c["lastTransitionTime"].clone();
        }
        *c = next;
    }
}

impl World {
    fn pod(&self, namespace: &str, name: &str) -> Option<(Key, Value)> {
        let rt = self.rt("", "pods")?;
        let key = crate::world::key(&rt, namespace, name);
        let pod = self.store.get(&key)?.clone();
        pod["metadata"]["deletionTimestamp"]
            .is_null()
            .then_some((key, pod))
    }

    fn write_pod(&mut self, key: Key, old: &Value, new: Value) {
        if let Some(rt) = self.rt("", "pods") {
            self.write(&rt, key, Some(old), new);
        }
    }

    /// Binds pending pods to their node, pulls their images (as the cluster's image policy
    /// allows) and starts their containers. A pod bound to a node that does not exist waits.
    pub(crate) fn run_kubelet(&mut self) -> bool {
        if !self.pods_start_running {
            return false;
        }
        let Some(pod_rt) = self.rt("", "pods") else {
            return false;
        };
        let nodes = self.objects("", "nodes");
        let mut acted = false;
        // Only pending pods the kubelet has not tried yet are copied: this runs after every write.
        let pending: Vec<(Key, Value)> = self
            .store
            .list(&pod_rt.id(), None)
            .filter(|(_, pod)| {
                pod["metadata"]["deletionTimestamp"].is_null()
                    && pod["status"]["phase"] == "Pending"
                    && pod["status"]["containerStatuses"].is_null()
                    && pod["metadata"]["annotations"]["sandbox.kubesphere.io/hold"].is_null()
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, pod) in pending {
            let bound = pod["spec"]["nodeName"]
                .as_str()
                .filter(|n| !n.is_empty())
                .map(str::to_string);
            let node = match &bound {
                Some(name) => nodes.iter().find(|(k, _)| &k.name == name),
                None => nodes.first(),
            };
            let (node_name, host_ip) = match node {
                Some((k, n)) => (k.name.clone(), internal_ip(n)),
                None if bound.is_some() => continue,
                None => ("sandbox-node".to_string(), "10.0.0.10".to_string()),
            };
            self.start_pod(key, pod, &node_name, &host_ip, bound.is_none());
            acted = true;
        }
        acted
    }

    fn start_pod(&mut self, key: Key, pod: Value, node: &str, host_ip: &str, schedule: bool) {
        let ns = meta(&pod, "namespace").to_string();
        let containers = pod["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let pulls: Vec<(String, String, Result<(), Reported>)> = {
            let credentials = self.pull_credentials(&ns, &pod);
            containers
                .iter()
                .map(|c| {
                    let image = c["image"].as_str().unwrap_or_default().to_string();
                    let outcome = match &self.image_policy {
                        Some(policy) => policy.pull(&image, &credentials),
                        None => Ok(()),
                    };
                    (
                        c["name"].as_str().unwrap_or_default().to_string(),
                        image,
                        outcome,
                    )
                })
                .collect()
        };
        let now = self.clock.now_rfc3339();
        let failed = pulls.iter().any(|(_, _, outcome)| outcome.is_err());
        let statuses: Vec<Value> = pulls
            .iter()
            .map(|(name, image, outcome)| {
                let state = match outcome {
                    Ok(()) if !failed => json!({"running": {"startedAt": now}}),
                    Ok(()) => json!({"waiting": {"reason": "ContainerCreating"}}),
                    Err(_) => json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\"")}}),
                };
                let mut status = json!({"name": name, "image": image, "ready": !failed, "started": !failed, "restartCount": 0, "state": state, "lastState": {}});
                if !failed {
                    status["imageID"] = json!(format!("docker.io/library/{image}"));
                }
                status
            })
            .collect();
        let mut started = pod.clone();
        started["spec"]["nodeName"] = json!(node);
        started["status"] = json!({
            "phase": if failed { "Pending" } else { "Running" }, "qosClass": "BestEffort", "hostIP": host_ip, "podIP": self.alloc.pod_ip(), "startTime": now,
            "conditions": [condition("Initialized", true, "", "", &now), condition("Ready", true, "", "", &now),
                           condition("ContainersReady", true, "", "", &now), condition("PodScheduled", true, "", "", &now)],
            "containerStatuses": statuses,
        });
        started["status"]["podIPs"] = json!([{"ip": started["status"]["podIP"]}]);
        started["status"]["hostIPs"] = json!([{"ip": host_ip}]);
        set_readiness(&mut started, &now);
        self.write_pod(key, &pod, started.clone());
        if schedule {
            let assigned = format!(
                "Successfully assigned {ns}/{} to {node}",
                meta(&pod, "name")
            );
            self.record_event(
                &ns,
                &started,
                "default-scheduler",
                NORMAL,
                "Scheduled",
                &assigned,
            );
        }
        for (name, image, outcome) in &pulls {
            self.record_pull(&ns, &started, image, outcome);
            if !failed {
                self.record_started(&ns, &started, name);
            }
        }
    }

    fn record_started(&mut self, ns: &str, pod: &Value, container: &str) {
        let created = format!("Created container: {container}");
        self.record_event(ns, pod, "kubelet", NORMAL, "Created", &created);
        let started = format!("Started container {container}");
        self.record_event(ns, pod, "kubelet", NORMAL, "Started", &started);
    }

    /// The program of a running container ended with `exit_code`: the container is
    /// terminated, and the pod ends or the kubelet owes it a restart. Nothing happens for a
    /// container that is not running.
    pub(crate) fn container_exited(
        &mut self,
        namespace: &str,
        name: &str,
        container: &str,
        exit_code: i32,
    ) -> Option<Restart> {
        let (key, old) = self.pod(namespace, name)?;
        let index = old["status"]["containerStatuses"]
            .as_array()?
            .iter()
            .position(|s| s["name"] == container && !s["state"]["running"].is_null())?;
        let now = self.clock.now_rfc3339();
        let mut pod = old.clone();
        let status = &mut pod["status"]["containerStatuses"][index];
        let restart_count = status["restartCount"].as_i64().unwrap_or(0);
        let terminated = json!({"exitCode": exit_code, "reason": if exit_code == 0 { "Completed" } else { "Error" },
            "startedAt": status["state"]["running"]["startedAt"], "finishedAt": now});
        let restarts = match pod["spec"]["restartPolicy"].as_str() {
            Some("Never") => false,
            Some("OnFailure") => exit_code != 0,
            _ => true,
        };
        let status = &mut pod["status"]["containerStatuses"][index];
        status["ready"] = json!(false);
        status["started"] = json!(false);
        let delay = back_off(restart_count);
        if restarts && !delay.is_zero() {
            let message = format!(
                "back-off {} restarting failed container={container} pod={}",
                crate::clock::go_duration(delay),
                pod_name(&old)
            );
            status["state"] =
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": message}});
            status["lastState"] = json!({"terminated": terminated});
        } else {
            status["state"] = json!({"terminated": terminated});
        }
        if !restarts {
            let statuses = pod["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let over = |s: &Value| !s["state"]["terminated"].is_null();
            if statuses.iter().all(over) {
                let failed = statuses
                    .iter()
                    .any(|s| s["state"]["terminated"]["exitCode"] != 0);
                pod["status"]["phase"] = json!(if failed { "Failed" } else { "Succeeded" });
            }
        }
        set_readiness(&mut pod, &now);
        self.write_pod(key, &old, pod.clone());
        // Controllers see the change (a ReplicaSet's ready count) before any client does.
        self.settle();
        if !restarts {
            return None;
        }
        if !delay.is_zero() {
            let message = format!(
                "Back-off restarting failed container {container} in pod {}",
                pod_name(&old)
            );
            self.record_event(namespace, &pod, "kubelet", WARNING, "BackOff", &message);
        }
        Some(Restart {
            restart_count,
            back_off: delay,
        })
    }

    /// The restart owed to instance `restart_count` of a container: the next instance runs,
    /// its log starts empty and the one before is kept for `--previous`.
    pub(crate) fn restart_container(
        &mut self,
        namespace: &str,
        name: &str,
        container: &str,
        restart_count: i64,
    ) {
        let Some((key, old)) = self.pod(namespace, name) else {
            return;
        };
        let Some(index) = old["status"]["containerStatuses"].as_array().and_then(|s| {
            s.iter().position(|s| {
                s["name"] == container
                    && s["restartCount"] == restart_count
                    && s["state"]["running"].is_null()
            })
        }) else {
            return;
        };
        let now = self.clock.now_rfc3339();
        let mut pod = old.clone();
        let status = &mut pod["status"]["containerStatuses"][index];
        if !status["state"]["terminated"].is_null() {
            status["lastState"] = json!({"terminated": status["state"]["terminated"]});
        }
        status["state"] = json!({"running": {"startedAt": now}});
        status["restartCount"] = json!(restart_count + 1);
        status["ready"] = json!(true);
        status["started"] = json!(true);
        let image = status["image"].as_str().unwrap_or_default().to_string();
        set_readiness(&mut pod, &now);
        self.write_pod(key, &old, pod.clone());
        let log_key = (
            namespace.to_string(),
            name.to_string(),
            container.to_string(),
        );
        let log = self.logs.entry(log_key).or_default();
        log.previous = Some(std::mem::take(&mut log.current));
        let present = format!("Container image \"{image}\" already present on machine");
        self.record_event(namespace, &pod, "kubelet", NORMAL, "Pulled", &present);
        self.record_started(namespace, &pod, container);
        self.settle();
    }

    /// The pull events kubelet records for one container image.
    fn record_pull(&mut self, ns: &str, pod: &Value, image: &str, outcome: &Result<(), Reported>) {
        if self.image_policy.is_none() {
            let message = format!("Container image \"{image}\" already present on machine");
            return self.record_event(ns, pod, "kubelet", NORMAL, "Pulled", &message);
        }
        self.record_event(
            ns,
            pod,
            "kubelet",
            NORMAL,
            "Pulling",
            &format!("Pulling image \"{image}\""),
        );
        match outcome {
            Ok(()) => {
                let message = format!("Successfully pulled image \"{image}\" in 1.042s (1.042s including waiting). Image size: 25165824 bytes.");
                self.record_event(ns, pod, "kubelet", NORMAL, "Pulled", &message);
            }
            Err(why) => {
                let message = format!("Failed to pull image \"{image}\": {why}");
                self.record_event(ns, pod, "kubelet", WARNING, "Failed", &message);
                self.record_event(ns, pod, "kubelet", WARNING, "Failed", "Error: ErrImagePull");
                let message = format!("Back-off pulling image \"{image}\"");
                self.record_event(ns, pod, "kubelet", NORMAL, "BackOff", &message);
                self.record_event(
                    ns,
                    pod,
                    "kubelet",
                    WARNING,
                    "Failed",
                    "Error: ImagePullBackOff",
                );
            }
        }
    }

    /// Registry credentials from the pod's imagePullSecrets.
    fn pull_credentials(&self, namespace: &str, pod: &Value) -> Vec<(String, String, String)> {
        let Some(secret_rt) = self.rt("", "secrets") else {
            return Vec::new();
        };
        let secrets: Vec<Value> = pod["spec"]["imagePullSecrets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str())
            .filter_map(|name| self.get(&secret_rt, namespace, name).ok())
            .filter(|s| s["type"] == "kubernetes.io/dockerconfigjson")
            .collect();
        crate::images::credentials(&secrets)
    }
}

fn internal_ip(node: &Value) -> String {
    node["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .unwrap_or("10.0.0.10")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_back_off_doubles_from_10s_to_5m() {
        let secs = |r| back_off(r).as_secs();
        assert_eq!(
            [
                secs(0),
                secs(1),
                secs(2),
                secs(3),
                secs(5),
                secs(6),
                secs(60)
            ],
            [0, 10, 20, 40, 160, 300, 300]
        );
    }
}
