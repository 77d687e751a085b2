//! The clusters the host manages, as the console's cluster list shows them: name, alias,
//! tags, provider, usage group, versions, node count, whether Ready, and whether this app
//! joined it (so its history and clean removal are available).

use super::add::{self, HostTag};
use super::cluster_object::{ALIAS, CLUSTERS_PATH, DESCRIPTION, GROUP_LABEL, TAG_LABEL_PREFIX};
use super::form::Tag;
use super::record::{self, JoinPhase};
use super::watch::{self, JoinStep};
use crate::kubesphere::api;
use crate::Result;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    pub name: String,
    pub alias: Option<String>,
    pub description: Option<String>,
    pub host: bool,
    /// `proxy` or `direct`.
    pub connection: String,
    pub provider: String,
    pub group: Option<String>,
    pub tags: Vec<Tag>,
    pub ready: bool,
    pub step: JoinStep,
    pub kubernetes_version: Option<String>,
    pub kubesphere_version: Option<String>,
    pub node_count: Option<u32>,
    pub created: Option<String>,
    /// This app has a record of joining it (from this machine).
    pub joined_here: bool,
    pub deleting: bool,
}

fn summary(cluster: &Value, tags: &[HostTag], joined_here: bool) -> ClusterSummary {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let meta = &cluster["metadata"];
    let labels = meta["labels"].as_object();
    let cluster_tags = labels
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix(TAG_LABEL_PREFIX))
        .filter_map(|id| tags.iter().find(|t| t.id == id))
        .map(|t| Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect();
    ClusterSummary {
        name: text(&meta["name"]).unwrap_or_default(),
        alias: text(&meta["annotations"][ALIAS]),
        description: text(&meta["annotations"][DESCRIPTION]),
        host: labels.is_some_and(|l| l.contains_key("cluster-role.kubesphere.io/host")),
        connection: text(&cluster["spec"]["connection"]["type"]).unwrap_or_else(|| "direct".into()),
        provider: text(&cluster["spec"]["provider"]).unwrap_or_default(),
        group: text(&meta["labels"][GROUP_LABEL]),
        tags: cluster_tags,
        ready: super::conditions::is_ready(cluster),
        step: watch::step(cluster),
        kubernetes_version: text(&cluster["status"]["kubernetesVersion"]),
        kubesphere_version: text(&cluster["status"]["kubeSphereVersion"]),
        node_count: cluster["status"]["nodeCount"].as_u64().map(|n| n as u32),
        created: text(&meta["creationTimestamp"]),
        joined_here,
        deleting: meta["deletionTimestamp"].is_string(),
    }
}

/// Every Cluster on the host, the host first, then by name.
pub async fn list(
    client: &kube::Client,
    host_context: &str,
    data_dir: &Path,
) -> Result<Vec<ClusterSummary>> {
    let (clusters, tags) = tokio::join!(api::get(client, CLUSTERS_PATH), add::host_tags(client));
    let clusters = clusters
        .map_err(|e| e.into_error("list the host's clusters"))?
        .unwrap_or_default();
    let tags = tags.unwrap_or_default();
    let records = record::list(data_dir, host_context)?;
    let mut out: Vec<ClusterSummary> = clusters["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let name = c["metadata"]["name"].as_str().unwrap_or_default();
            let uid = c["metadata"]["uid"].as_str();
            let here = records.iter().any(|r| {
                r.cluster == name
                    && r.phase != JoinPhase::Removed
                    && (r.cluster_uid.is_none() || r.cluster_uid.as_deref() == uid)
            });
            summary(c, &tags, here)
        })
        .collect();
    out.sort_by(|a, b| b.host.cmp(&a.host).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// One cluster, `None` when the host has none of that name.
pub async fn get(client: &kube::Client, name: &str) -> Result<Option<ClusterSummary>> {
    let cluster = api::get(client, &super::cluster_object::cluster_path(name))
        .await
        .map_err(|e| e.into_error(&format!("read Cluster {name}")))?;
    let tags = add::host_tags(client).await.unwrap_or_default();
    Ok(cluster.map(|c| summary(&c, &tags, false)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_summary_reads_tags_group_versions_and_readiness() {
        let cluster = json!({"metadata": {"name": "member", "labels": {"label.cluster.kubesphere.io/k7xq2m": "", "cluster.kubesphere.io/group": "testing"},
            "annotations": {"kubesphere.io/alias-name": "成员"}},
            "spec": {"provider": "Amazon EKS", "connection": {"type": "proxy"}},
            "status": {"kubernetesVersion": "v1.32.0", "kubeSphereVersion": "v4.1.3", "nodeCount": 1,
                       "conditions": [{"type": "Ready", "status": "True"}]}});
        let tags = vec![HostTag {
            id: "k7xq2m".into(),
            key: "env".into(),
            value: "production".into(),
            color: None,
        }];
        let s = summary(&cluster, &tags, true);
        assert_eq!(
            s.tags,
            [Tag {
                key: "env".into(),
                value: "production".into()
            }]
        );
        assert_eq!(s.group.as_deref(), Some("testing"));
        assert_eq!(s.alias.as_deref(), Some("成员"));
        assert!(s.ready && !s.host && s.joined_here);
        assert_eq!(s.step, JoinStep::Ready);
        assert_eq!(s.kubesphere_version.as_deref(), Some("v4.1.3"));
        assert_eq!(s.connection, "proxy");
    }
}
