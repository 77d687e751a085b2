//! KubeSphere 3.x reads `multicluster.proxyPublishAddress` when ks-apiserver starts (KS
//! `release-3.4`: options are read once and handed to the agent handler), so a changed address
//! needs a restart, done the way `kubectl rollout restart` does it: a new
//! `kubectl.kubernetes.io/restartedAt` annotation on the pod template rolls the Deployment.

use super::api;
use super::publish::Target;
use crate::audit::{self, Action, Change};
use serde_json::json;

const KS_APISERVER: &str = "/apis/apps/v1/namespaces/kubesphere-system/deployments/ks-apiserver";

/// Rolls Deployment kubesphere-system/ks-apiserver (after a server dry run); returns the
/// `restartedAt` value written. Recorded in the audit log.
pub async fn restart_ks_apiserver(target: &Target<'_>) -> crate::Result<String> {
    audit::ready(target.data_dir)?;
    let result = roll(target.client).await;
    let change = Change::new(Action::KsApiserverRestart, target.context)
        .user(crate::join::add::whoami(target.client).await);
    audit::record(target.data_dir, change, result, |at| {
        vec![format!("set kubectl.kubernetes.io/restartedAt={at} on Deployment kubesphere-system/ks-apiserver")]
    })
}

async fn roll(client: &kube::Client) -> crate::Result<String> {
    let at = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}});
    for dry_run in [true, false] {
        api::merge_patch(client, KS_APISERVER, &patch, dry_run)
            .await
            .map_err(|e| e.into_error("restart Deployment kubesphere-system/ks-apiserver"))?;
    }
    Ok(at)
}
