//! What a host cluster is, read from its API: the KubeSphere version, whether it is a
//! KubeSphere host, the tower extension and its pods, the tower Service and the nodes'
//! addresses. Each reader is one or two requests, so preflight runs them side by side.
//!
//! Sources (see ../shared/KUBESPHERE-FACTS.md §4–5): version from ks-apiserver `/version`
//! (KS `pkg/version`), host = a Cluster labelled `cluster-role.kubesphere.io/host` (KS
//! cluster types), extension = Extension `tower` `status.enabled` and InstallPlan `tower`
//! `status.state` (console `server/services/extension.js`), Service from the extension's
//! chart (TEXT `charts/tower/templates/service.yaml`).

use super::api::{self, ApiResult};
use serde::Serialize;
use serde_json::Value;

pub const SYSTEM_NAMESPACE: &str = "kubesphere-system";
pub const TOWER: &str = "tower";
const HOST_LABEL: &str = "cluster-role.kubesphere.io/host";

/// The KubeSphere version and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KsVersion {
    /// e.g. `v4.1.3`.
    pub git_version: String,
    /// e.g. `ks-apiserver /version`.
    pub source: String,
}

impl KsVersion {
    /// 3.x keeps its multicluster settings in ClusterConfiguration `ks-installer`.
    pub fn is_v3(&self) -> bool {
        self.git_version.trim_start_matches('v').starts_with("3.")
    }
}

/// ks-apiserver's `/version` through the service proxy; else the host Cluster's
/// `status.kubeSphereVersion` (readable where the proxy is not). `None`: neither answers.
pub async fn ks_version(client: &kube::Client) -> ApiResult<Option<KsVersion>> {
    let path =
        format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}/services/ks-apiserver:80/proxy/version");
    let proxied = api::get_text(client, &path).await;
    if let Ok(text) = &proxied {
        let version: Option<String> = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v["gitVersion"].as_str().map(str::to_string));
        if let Some(git_version) = version {
            return Ok(Some(KsVersion {
                git_version,
                source: "ks-apiserver /version".into(),
            }));
        }
    }
    match host_clusters(client).await {
        Ok(clusters) => Ok(clusters.iter().find_map(|c| {
            c["status"]["kubeSphereVersion"]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(|v| KsVersion {
                    git_version: v.to_string(),
                    source: format!(
                        "Cluster {} status.kubeSphereVersion",
                        c["metadata"]["name"].as_str().unwrap_or("?")
                    ),
                })
        })),
        // Report the first failure: it is usually the more telling (403 on the proxy).
        Err(error) => match proxied {
            Err(first) if first.code() != Some(404) => Err(first),
            _ => Err(error),
        },
    }
}

/// Clusters labelled as the host. An empty list: KubeSphere's Cluster kind is served but no
/// cluster is the host; `Err` with 404: the kind is not served at all (no multicluster).
pub async fn host_clusters(client: &kube::Client) -> ApiResult<Vec<Value>> {
    let path = format!("/apis/cluster.kubesphere.io/v1alpha1/clusters?labelSelector={HOST_LABEL}");
    match api::get(client, &path).await? {
        Some(list) => Ok(list["items"].as_array().cloned().unwrap_or_default()),
        None => Err(api::ApiError::Status {
            code: 404,
            message: "the cluster.kubesphere.io API is not served".into(),
        }),
    }
}

/// The tower extension as KubeSphere 4 records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TowerExtension {
    /// Extension `tower` exists.
    pub installed: bool,
    /// Its `status.enabled`.
    pub enabled: bool,
    pub version: Option<String>,
    /// InstallPlan `tower` `status.state` (`Installed`, `InstallFailed`, …).
    pub install_plan_state: Option<String>,
    /// InstallPlan `tower` `spec.enabled`.
    pub install_plan_enabled: Option<bool>,
}

pub async fn tower_extension(client: &kube::Client) -> ApiResult<TowerExtension> {
    let extension = api::get(client, "/apis/kubesphere.io/v1alpha1/extensions/tower");
    let plan = api::get(client, "/apis/kubesphere.io/v1alpha1/installplans/tower");
    let (extension, plan) = tokio::join!(extension, plan);
    // 404 for the whole kind (no extension framework, 3.x) reads as "not installed".
    let extension = extension?;
    let plan = plan?;
    Ok(TowerExtension {
        installed: extension.is_some(),
        enabled: extension
            .as_ref()
            .is_some_and(|e| e["status"]["enabled"] == true),
        version: extension
            .as_ref()
            .and_then(|e| e["status"]["installedVersion"].as_str().map(str::to_string)),
        install_plan_state: plan
            .as_ref()
            .and_then(|p| p["status"]["state"].as_str().map(str::to_string)),
        install_plan_enabled: plan.as_ref().and_then(|p| p["spec"]["enabled"].as_bool()),
    })
}

/// tower's pods (`app=tower` in kubesphere-system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TowerPods {
    pub total: u32,
    pub ready: u32,
    /// `name: phase` of each pod that is not ready.
    pub not_ready: Vec<String>,
}

pub async fn tower_pods(client: &kube::Client) -> ApiResult<TowerPods> {
    let path = format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}/pods?labelSelector=app%3Dtower");
    let list = api::get(client, &path).await?.unwrap_or_default();
    let pods = list["items"].as_array().cloned().unwrap_or_default();
    let is_ready = |pod: &Value| {
        pod["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
    };
    let not_ready = pods
        .iter()
        .filter(|p| !is_ready(p))
        .map(|p| {
            format!(
                "{}: {}",
                p["metadata"]["name"].as_str().unwrap_or("?"),
                p["status"]["phase"].as_str().unwrap_or("Unknown")
            )
        })
        .collect::<Vec<_>>();
    let total = u32::try_from(pods.len()).unwrap_or(u32::MAX);
    Ok(TowerPods {
        total,
        ready: total - u32::try_from(not_ready.len()).unwrap_or(total),
        not_ready,
    })
}

/// Service `kubesphere-system/tower`, as `kubectl get svc` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TowerService {
    /// `LoadBalancer`, `NodePort`, `ClusterIP`.
    pub service_type: String,
    /// The load balancer's addresses (IP or host name); empty while `<pending>`.
    pub external: Vec<String>,
    pub port: Option<u16>,
    pub node_port: Option<u16>,
}

impl TowerService {
    /// What KubeSphere publishes when no address is configured: `http://<ingress>:<port>`
    /// (TEXT `pkg/apis/v1alpha1/handler.go`, first ingress, first port).
    pub fn load_balancer_address(&self) -> Option<String> {
        let host = self.external.first()?;
        Some(format!("http://{host}:{}", self.port?))
    }
}

pub async fn tower_service(client: &kube::Client) -> ApiResult<Option<TowerService>> {
    let path = format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}/services/{TOWER}");
    Ok(api::get(client, &path).await?.map(|svc| {
        let port = &svc["spec"]["ports"][0];
        let number = |v: &Value| v.as_u64().and_then(|n| u16::try_from(n).ok());
        TowerService {
            service_type: svc["spec"]["type"].as_str().unwrap_or("ClusterIP").into(),
            external: svc["status"]["loadBalancer"]["ingress"]
                .as_array()
                .map(|ingress| {
                    ingress
                        .iter()
                        .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            port: number(&port["port"]),
            node_port: number(&port["nodePort"]),
        }
    }))
}

/// A node's addresses, to suggest `NodeIP:NodePort`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NodeAddresses {
    pub name: String,
    pub internal_ip: Vec<String>,
    pub external_ip: Vec<String>,
}

pub async fn node_addresses(client: &kube::Client) -> ApiResult<Vec<NodeAddresses>> {
    let list = api::get(client, "/api/v1/nodes").await?.unwrap_or_default();
    let nodes = list["items"].as_array().cloned().unwrap_or_default();
    Ok(nodes
        .iter()
        .map(|node| {
            let of_type = |kind: &str| -> Vec<String> {
                node["status"]["addresses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|a| a["type"] == kind)
                    .filter_map(|a| a["address"].as_str().map(str::to_string))
                    .collect()
            };
            NodeAddresses {
                name: node["metadata"]["name"].as_str().unwrap_or("?").into(),
                internal_ip: of_type("InternalIP"),
                external_ip: of_type("ExternalIP"),
            }
        })
        .collect())
}
