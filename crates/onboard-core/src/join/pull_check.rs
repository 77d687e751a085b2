//! Can the member pull an image? Asked before agent.yaml is applied, so an air-gapped member
//! is found (and a mirror proven) before the join waits on an agent that never starts: one
//! short-lived Pod runs the image in `default`; kubelet either pulls it (the container
//! starts, or ends, whatever the image does with no arguments) or reports why not
//! (`ErrImagePull` with the registry's answer). With a pull secret, a copy of it lives
//! beside the Pod for the check only; both are deleted afterwards.

use super::agent::AgentManifest;
use super::airgap::NAMESPACE as AGENT_NAMESPACE;
use super::probe::{pull_failure, wait_until};
use crate::kubesphere::api;
use crate::Result;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NAMESPACE: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PullCheck {
    pub image: String,
    /// `None`: the check could not tell (no node ran the Pod in time).
    pub pulled: Option<bool>,
    /// kubelet's reason and message, or what happened.
    pub detail: String,
}

impl PullCheck {
    /// The public registry cannot be reached from the member: it is air-gapped.
    pub fn unreachable_registry(&self) -> bool {
        self.pulled == Some(false)
            && [
                "no such host",
                "i/o timeout",
                "connection refused",
                "network is unreachable",
            ]
            .iter()
            .any(|s| self.detail.contains(s))
    }
}

fn check_pod(image: &str, secret: Option<&str>) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "ks-onboard-pull-check-", "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "ks-onboard", "ks-onboard.kubesphere.io/probe": "image-pull"}},
        "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "pull", "image": image, "imagePullPolicy": "Always"}]}});
    if let Some(secret) = secret {
        pod["spec"]["imagePullSecrets"] = json!([{"name": secret}]);
    }
    pod
}

/// A copy of `secret` (a dockerconfigjson Secret) for the check's namespace.
fn check_secret(secret: &Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"generateName": "ks-onboard-pull-check-", "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "ks-onboard"}},
        "data": secret["data"].clone()})
}

/// Which pull secret to check with: one about to be created, or one the member has.
pub enum PullSecret<'a> {
    None,
    New(&'a Value),
    Existing(&'a str),
}

/// Runs `image` once on the member and reports whether it could be pulled, within `timeout`.
pub async fn check(
    member: &kube::Client,
    image: &str,
    secret: PullSecret<'_>,
    timeout: Duration,
) -> Result<PullCheck> {
    let source = match secret {
        PullSecret::None => None,
        PullSecret::New(secret) => Some(secret.clone()),
        PullSecret::Existing(name) => api::get(
            member,
            &format!("/api/v1/namespaces/{AGENT_NAMESPACE}/secrets/{name}"),
        )
        .await
        .map_err(|e| {
            e.into_error(&format!(
                "read Secret {AGENT_NAMESPACE}/{name} on the member"
            ))
        })?,
    };
    let secrets = format!("/api/v1/namespaces/{NAMESPACE}/secrets");
    let copy = match &source {
        Some(secret) => Some(
            api::create(member, &secrets, &check_secret(secret), false)
                .await
                .map_err(|e| e.into_error("create the pull check's Secret on the member"))?,
        ),
        None => None,
    };
    let copy_name = copy
        .as_ref()
        .and_then(|c| c["metadata"]["name"].as_str().map(str::to_string));
    let pods = format!("/api/v1/namespaces/{NAMESPACE}/pods");
    let created = api::create(
        member,
        &pods,
        &check_pod(image, copy_name.as_deref()),
        false,
    )
    .await;
    let result = match created {
        Ok(pod) => {
            let name = pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let outcome = wait(member, image, &name, Instant::now() + timeout).await;
            let _ = api::delete(member, &format!("{pods}/{name}"), false).await;
            Ok(outcome)
        }
        Err(error) => Err(error.into_error("start the image pull check Pod on the member")),
    };
    if let Some(name) = copy_name {
        let _ = api::delete(member, &format!("{secrets}/{name}"), false).await;
    }
    result
}

/// Checks the agent's image as the member will pull it: with the pull secret applied with
/// the agent, else the mirror's own one on the member. `None` when agent.yaml names no image.
pub async fn agent_image(
    member: &kube::Client,
    manifest: &AgentManifest,
    timeout: Duration,
) -> Result<Option<PullCheck>> {
    let Some(image) = super::agent::images(&manifest.documents).into_iter().next() else {
        return Ok(None);
    };
    let existing = manifest
        .mirror
        .as_ref()
        .and_then(|m| m.pull_secrets.first().cloned());
    let secret = match (manifest.pull_secret(), &existing) {
        (Some(secret), _) => PullSecret::New(secret),
        (None, Some(name)) => PullSecret::Existing(name),
        (None, None) => PullSecret::None,
    };
    check(member, &image, secret, timeout).await.map(Some)
}

/// The error that stops a join before anything is applied, when the check says the member
/// cannot pull the agent's image.
pub fn refused(check: &PullCheck, manifest: &AgentManifest) -> Option<crate::Error> {
    if check.pulled != Some(false) {
        return None;
    }
    let hint = match &manifest.mirror {
        None if check.unreachable_registry() => "the member cannot reach docker.io: it looks air-gapped. Mirror the images and add the cluster with a mirror registry (Air-gapped member, or `--image-registry MIRROR`); `cluster bundle` writes the image list and a mirror script".to_string(),
        None => "check that the image exists and that the member may pull it".to_string(),
        Some(mirror) => format!("copy the images into {} (the bundle's mirror-images.sh) and check the pull secret's credentials (`ks-onboard-cli registry login {}`)", mirror.registry, mirror.registry),
    };
    Some(
        crate::Error::new(
            crate::ErrorKind::Unavailable,
            format!(
                "the member cannot pull the agent image {}: {}; nothing was applied",
                check.image, check.detail
            ),
        )
        .with_hint(hint),
    )
}

async fn wait(member: &kube::Client, image: &str, pod: &str, deadline: Instant) -> PullCheck {
    let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{pod}");
    let answer = |pulled, detail: String| PullCheck {
        image: image.into(),
        pulled,
        detail,
    };
    let started = |p: &Value| {
        let state = &p["status"]["containerStatuses"][0]["state"];
        state.get("running").is_some() || state.get("terminated").is_some()
    };
    let Some(current) = wait_until(member, &path, deadline, |p| {
        started(p) || pull_failure(p).is_some()
    })
    .await
    else {
        return answer(None, "no node ran the check in time".into());
    };
    let Some(reason) = pull_failure(&current) else {
        return answer(Some(true), "pulled; the container started".into());
    };
    // The registry's answer is in kubelet's `Failed` event; the state only says
    // "Back-off pulling image" once kubelet backs off.
    let message = match failed_event(member, pod).await {
        Some(message) => message,
        None => current["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    };
    answer(Some(false), format!("{reason}: {message}"))
}

async fn failed_event(member: &kube::Client, pod: &str) -> Option<String> {
    let events = api::get(member, &format!("/api/v1/namespaces/{NAMESPACE}/events"))
        .await
        .ok()??;
    let failed: Vec<&str> = events["items"]
        .as_array()?
        .iter()
        .filter(|e| e["involvedObject"]["name"] == pod && e["reason"] == "Failed")
        .filter_map(|e| e["message"].as_str())
        .collect();
    // kubelet reports "Failed to pull image …: <the registry's answer>", then "Error: ErrImagePull".
    failed
        .iter()
        .find(|m| m.starts_with("Failed to pull image"))
        .or(failed.last())
        .map(|m| m.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_pod_always_pulls_and_names_its_secret() {
        let pod = check_pod("mirror.local:5000/kubesphere/tower:v0.2.1", Some("copy"));
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(pod["spec"]["imagePullSecrets"], json!([{"name": "copy"}]));
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert!(check_pod("x", None)["spec"]["imagePullSecrets"].is_null());
    }

    #[test]
    fn a_dns_failure_means_the_registry_is_out_of_reach() {
        let failed = |detail: &str| PullCheck {
            image: "kubesphere/tower:v0.2.1".into(),
            pulled: Some(false),
            detail: detail.into(),
        };
        assert!(
            failed("ErrImagePull: dial tcp: lookup registry-1.docker.io: no such host")
                .unreachable_registry()
        );
        assert!(!failed("ErrImagePull: 401 Unauthorized").unreachable_registry());
    }
}
