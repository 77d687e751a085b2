//! Removing a member (unjoin) without leaving it dirty. The console only deletes the
//! Cluster; KubeSphere then leaves on the member the agent Deployment, ServiceAccount and
//! ClusterRoleBinding `tower`, the ks-core release the host installed, the creator's
//! `iam.kubesphere.io` ClusterRoleBinding and, when the cluster was not Ready, the namespace
//! annotations that block a later direct import (../shared/KUBESPHERE-FACTS.md §6, console
//! REMOVE_CLUSTER_TIP). We delete the Cluster and the tags this app made, then clean the
//! member from the join record — or, without one, from what the objects' names, labels and
//! Helm annotations say — after a dry run of every step.

use super::add;
use super::apply;
use super::cluster_object::{self, CREATOR};
use super::objects;
use super::record::{self, JoinPhase, JoinRecord, ObjectId};
use crate::audit::{self, Action, Change};
use crate::kubesphere::api::{self, ApiError};
use crate::kubesphere::detect::SYSTEM_NAMESPACE;
use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const NAME_ANNOTATION: &str = "cluster.kubesphere.io/name";
const HOST_ANNOTATION: &str = "cluster.kubesphere.io/host-cluster";
const HELM_RELEASE: &str = "meta.helm.sh/release-name";
const IAM_BINDINGS: &str = "/apis/iam.kubesphere.io/v1beta1/clusterrolebindings";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Side {
    Host,
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum RemovalAction {
    Delete,
    /// Take the cluster out of a tag's list.
    Unbind,
    /// Remove the two KubeSphere annotations from the member's namespace.
    Unannotate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RemovalItem {
    pub side: Side,
    pub object: ObjectId,
    pub action: RemovalAction,
    /// Why it goes (created by the join, installed by the host, …).
    pub reason: String,
    /// The server refused the dry run: what it said.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RemovalPlan {
    pub cluster: String,
    /// From this app's record of the join (else found by names, labels and annotations).
    pub from_record: bool,
    pub items: Vec<RemovalItem>,
    /// Things to know (member not given, objects left on purpose).
    pub notes: Vec<String>,
}

impl RemovalPlan {
    pub fn blocked(&self) -> bool {
        self.items.iter().any(|i| i.problem.is_some())
    }

    /// What a blocked plan's dry runs refused, as one error.
    pub fn blocked_error(&self) -> Error {
        let problems: Vec<String> = self
            .items
            .iter()
            .filter_map(|i| {
                i.problem
                    .as_ref()
                    .map(|p| format!("{}: {p}", i.object.describe()))
            })
            .collect();
        Error::new(
            ErrorKind::Connection,
            format!("the removal would fail: {}", problems.join("; ")),
        )
        .with_hint("nothing was removed; fix the permissions named and try again")
    }
}

pub struct Targets<'a> {
    pub host: &'a kube::Client,
    pub host_context: &'a str,
    pub member: Option<&'a kube::Client>,
    pub data_dir: &'a Path,
}

fn object(api_version: &str, kind: &str, namespace: &str, name: &str) -> ObjectId {
    ObjectId {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn item(side: Side, object: ObjectId, action: RemovalAction, reason: &str) -> RemovalItem {
    RemovalItem {
        side,
        object,
        action,
        reason: reason.into(),
        problem: None,
    }
}

/// Everything removal would do, each step checked by a server-side dry run.
pub async fn plan(targets: &Targets<'_>, cluster: &str) -> Result<RemovalPlan> {
    let host = targets.host;
    let found = api::get(host, &cluster_object::cluster_path(cluster))
        .await
        .map_err(|e| e.into_error(&format!("read Cluster {cluster}")))?;
    let saved = record::load(targets.data_dir, targets.host_context, cluster)?;
    let record = saved.as_ref().filter(|r| {
        let uid = found.as_ref().and_then(|c| c["metadata"]["uid"].as_str());
        r.phase != JoinPhase::Removed
            && (uid.is_none()
                || r.cluster_uid
                    .as_deref()
                    .is_none_or(|mine| Some(mine) == uid))
    });
    if found.is_none() && record.is_none() && targets.member.is_none() {
        return Err(
            Error::not_found(format!("the host has no cluster called \"{cluster}\"")).with_hint(
                "nothing to remove; pass the member context to clean a member left dirty",
            ),
        );
    }
    if found.as_ref().is_some_and(|c| {
        c["metadata"]["labels"]
            .get("cluster-role.kubesphere.io/host")
            .is_some()
    }) {
        return Err(
            Error::invalid_input(format!("\"{cluster}\" is the host cluster itself"))
                .with_hint("only member clusters can be removed"),
        );
    }
    let mut items = Vec::new();
    if found.is_some() {
        items.push(item(
            Side::Host,
            object("cluster.kubesphere.io/v1alpha1", "Cluster", "", cluster),
            RemovalAction::Delete,
            "the member cluster on the host",
        ));
    }
    for id in record.map(|r| r.created_tags.clone()).unwrap_or_default() {
        items.push(item(
            Side::Host,
            object("cluster.kubesphere.io/v1alpha1", "Label", "", &id),
            RemovalAction::Delete,
            "a cluster tag created for this cluster",
        ));
    }
    for id in record.map(|r| r.bound_tags.clone()).unwrap_or_default() {
        items.push(item(
            Side::Host,
            object("cluster.kubesphere.io/v1alpha1", "Label", "", &id),
            RemovalAction::Unbind,
            "an existing tag that lists this cluster",
        ));
    }
    let mut notes = Vec::new();
    match targets.member {
        Some(member) => items.extend(member_items(member, cluster, record, found.as_ref()).await?),
        None => notes.push("no member context given: the member keeps the agent and ks-core (pass the member context to clean it)".into()),
    }
    if let Some(record) = record {
        for existing in &record.member_existing {
            notes.push(format!(
                "{} was on the member before the join and stays",
                existing.describe()
            ));
        }
    }
    for step in &mut items {
        step.problem = dry_run(targets, step, cluster).await;
    }
    Ok(RemovalPlan {
        cluster: cluster.into(),
        from_record: record.is_some(),
        items,
        notes,
    })
}

async fn member_items(
    member: &kube::Client,
    cluster: &str,
    record: Option<&JoinRecord>,
    found: Option<&Value>,
) -> Result<Vec<RemovalItem>> {
    let mut items = Vec::new();
    let agent_objects: Vec<ObjectId> = match record {
        Some(record) => record.member_created.iter().rev().cloned().collect(),
        None => discovered_agent(member, cluster).await,
    };
    let creates_namespace = agent_objects.iter().any(|o| o.kind == "Namespace");
    for id in agent_objects.iter().filter(|o| o.kind != "Namespace") {
        items.push(item(
            Side::Member,
            id.clone(),
            RemovalAction::Delete,
            "created by agent.yaml",
        ));
    }
    let creator = found.and_then(|c| c["metadata"]["annotations"][CREATOR].as_str());
    if let Some(creator) = creator {
        let name = format!("{creator}-cluster-admin");
        if api::get(member, &format!("{IAM_BINDINGS}/{name}"))
            .await
            .ok()
            .flatten()
            .is_some()
        {
            items.push(item(
                Side::Member,
                object("iam.kubesphere.io/v1beta1", "ClusterRoleBinding", "", &name),
                RemovalAction::Delete,
                "the creator's cluster-admin binding KubeSphere made on the member",
            ));
        }
    }
    let crds_before = record.and_then(|r| r.member_crds_before.clone());
    for id in ks_core_objects(member, crds_before.as_deref()).await {
        items.push(item(
            Side::Member,
            id,
            RemovalAction::Delete,
            "installed into the member by the host (ks-core)",
        ));
    }
    let namespace = api::get(member, &format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}"))
        .await
        .ok()
        .flatten();
    if creates_namespace {
        items.push(item(
            Side::Member,
            object("v1", "Namespace", "", SYSTEM_NAMESPACE),
            RemovalAction::Delete,
            "created by agent.yaml (and everything left in it)",
        ));
    } else if namespace.is_some_and(|ns| {
        ns["metadata"]["annotations"].get(NAME_ANNOTATION).is_some()
            || ns["metadata"]["annotations"].get(HOST_ANNOTATION).is_some()
    }) {
        items.push(item(
            Side::Member,
            object("v1", "Namespace", "", SYSTEM_NAMESPACE),
            RemovalAction::Unannotate,
            "its KubeSphere annotations block a later import",
        ));
    }
    Ok(items)
}

/// The agent's objects by name, when there is no record: only an agent of this cluster.
async fn discovered_agent(member: &kube::Client, cluster: &str) -> Vec<ObjectId> {
    let deployment = api::get(
        member,
        &format!("/apis/apps/v1/namespaces/{SYSTEM_NAMESPACE}/deployments/cluster-agent"),
    )
    .await
    .ok()
    .flatten();
    let ours = deployment.as_ref().is_some_and(|d| {
        super::agent::agent_flag(std::slice::from_ref(d), "--name").as_deref() == Some(cluster)
    });
    if !ours {
        return Vec::new();
    }
    let mut found = vec![object(
        "apps/v1",
        "Deployment",
        SYSTEM_NAMESPACE,
        "cluster-agent",
    )];
    let binding = api::get(
        member,
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/tower",
    )
    .await
    .ok()
    .flatten();
    if binding.is_some_and(|b| {
        b["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["name"] == "tower" && s["namespace"] == SYSTEM_NAMESPACE)
    }) {
        found.push(object(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            "",
            "tower",
        ));
    }
    if api::get(
        member,
        &format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}/serviceaccounts/tower"),
    )
    .await
    .ok()
    .flatten()
    .is_some()
    {
        found.push(object("v1", "ServiceAccount", SYSTEM_NAMESPACE, "tower"));
    }
    found
}

/// What the ks-core release put on the member: objects Helm annotated as release `ks-core`
/// (and its release Secrets), and CRDs that were not there before the join.
async fn ks_core_objects(member: &kube::Client, crds_before: Option<&[String]>) -> Vec<ObjectId> {
    let kinds = [
        ("apps/v1", "Deployment", "deployments", true),
        ("v1", "Service", "services", true),
        ("v1", "ServiceAccount", "serviceaccounts", true),
        ("v1", "ConfigMap", "configmaps", true),
        ("v1", "Secret", "secrets", true),
        (
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            false,
        ),
        (
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "clusterroles",
            false,
        ),
    ];
    let mut found = Vec::new();
    for (api_version, kind, plural, namespaced) in kinds {
        let base = if api_version.contains('/') {
            format!("/apis/{api_version}")
        } else {
            format!("/api/{api_version}")
        };
        let path = if namespaced {
            format!("{base}/namespaces/{SYSTEM_NAMESPACE}/{plural}")
        } else {
            format!("{base}/{plural}")
        };
        let Ok(Some(list)) = api::get(member, &path).await else {
            continue;
        };
        for o in list["items"].as_array().into_iter().flatten() {
            let helm = o["metadata"]["annotations"][HELM_RELEASE] == "ks-core";
            let release_secret = kind == "Secret"
                && o["metadata"]["labels"]["owner"] == "helm"
                && o["metadata"]["labels"]["name"] == "ks-core";
            if helm || release_secret {
                found.push(object(
                    api_version,
                    kind,
                    if namespaced { SYSTEM_NAMESPACE } else { "" },
                    o["metadata"]["name"].as_str().unwrap_or_default(),
                ));
            }
        }
    }
    if let Some(before) = crds_before {
        for name in apply::crd_names(member).await {
            if !before.contains(&name) && name.ends_with(".kubesphere.io") {
                found.push(object(
                    "apiextensions.k8s.io/v1",
                    "CustomResourceDefinition",
                    "",
                    &name,
                ));
            }
        }
    }
    found
}

fn client_for<'a>(targets: &'a Targets<'_>, side: Side) -> Option<&'a kube::Client> {
    match side {
        Side::Host => Some(targets.host),
        Side::Member => targets.member,
    }
}

fn path_of(step: &RemovalItem) -> Result<String> {
    match (step.object.kind.as_str(), step.object.api_version.as_str()) {
        ("Cluster", _) => Ok(cluster_object::cluster_path(&step.object.name)),
        ("Label", _) => Ok(add::label_path(&step.object.name)),
        ("ClusterRoleBinding", "iam.kubesphere.io/v1beta1") => {
            Ok(format!("{IAM_BINDINGS}/{}", step.object.name))
        }
        _ => objects::path(&step.object),
    }
}

async fn execute(
    targets: &Targets<'_>,
    step: &RemovalItem,
    cluster: &str,
    dry_run: bool,
) -> std::result::Result<(), ApiError> {
    let client = client_for(targets, step.side)
        .ok_or_else(|| ApiError::Transport("no client for this side".into()))?;
    let path = path_of(step).map_err(|e| ApiError::Transport(e.message))?;
    match step.action {
        RemovalAction::Delete => api::delete(client, &path, dry_run).await.map(|_| ()),
        RemovalAction::Unbind => add::unbind_tag(client, &step.object.name, cluster, dry_run).await,
        RemovalAction::Unannotate => {
            let patch = json!({"metadata": {"annotations": {NAME_ANNOTATION: null, HOST_ANNOTATION: null}}});
            api::merge_patch(client, &path, &patch, dry_run)
                .await
                .map(|_| ())
        }
    }
}

async fn dry_run(targets: &Targets<'_>, step: &RemovalItem, cluster: &str) -> Option<String> {
    execute(targets, step, cluster, true)
        .await
        .err()
        .map(|e| e.describe())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RemovalStep {
    pub index: u32,
    pub total: u32,
    pub item: RemovalItem,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RemovalOutcome {
    pub plan: RemovalPlan,
    pub done: Vec<RemovalItem>,
}

/// Removes `cluster` as [`plan`] shows; stops at the first failure and says what is done.
/// Every step taken is recorded in the audit log, also when a later one fails.
pub async fn remove(
    targets: &Targets<'_>,
    cluster: &str,
    mut on_step: impl FnMut(&RemovalStep),
) -> Result<RemovalOutcome> {
    audit::ready(targets.data_dir)?;
    let mut taken = Vec::new();
    let result = remove_unrecorded(targets, cluster, |step| {
        if step.done {
            let side = match step.item.side {
                Side::Host => "host",
                Side::Member => "member",
            };
            let verb = match step.item.action {
                RemovalAction::Delete => "deleted",
                RemovalAction::Unbind => "untagged",
                RemovalAction::Unannotate => "unannotated",
            };
            taken.push(format!(
                "{verb} {} on the {side}",
                step.item.object.describe()
            ));
        }
        on_step(step);
    })
    .await;
    let mut change = Change::new(Action::ClusterRemove, targets.host_context)
        .cluster(cluster)
        .user(add::whoami(targets.host).await)
        .undo(format!("add and join it again: ks-onboard-cli cluster add {cluster} --host-context {} --member-context MEMBER", targets.host_context));
    change.changes = taken;
    audit::record(targets.data_dir, change, result, |_| Vec::new())
}

async fn remove_unrecorded(
    targets: &Targets<'_>,
    cluster: &str,
    mut on_step: impl FnMut(&RemovalStep),
) -> Result<RemovalOutcome> {
    let plan = plan(targets, cluster).await?;
    if plan.blocked() {
        return Err(plan.blocked_error());
    }
    let total = plan.items.len() as u32;
    let mut done = Vec::new();
    for (index, step) in plan.items.iter().enumerate() {
        let mut progress = RemovalStep {
            index: index as u32,
            total,
            item: step.clone(),
            done: false,
        };
        on_step(&progress);
        if let Err(error) = execute(targets, step, cluster, false).await {
            let finished: Vec<String> = done
                .iter()
                .map(|d: &RemovalItem| d.object.describe())
                .collect();
            return Err(Error::new(
                ErrorKind::Connection,
                format!(
                    "removing {} failed: {}",
                    step.object.describe(),
                    error.describe()
                ),
            )
            .with_hint(if finished.is_empty() {
                "nothing was removed; try again".to_string()
            } else {
                format!(
                    "already removed: {}; run the removal again to finish",
                    finished.join(", ")
                )
            }));
        }
        if step.side == Side::Host && step.object.kind == "Cluster" {
            wait_gone(targets.host, cluster).await?;
        }
        done.push(step.clone());
        progress.done = true;
        on_step(&progress);
    }
    if let Some(mut record) = record::load(targets.data_dir, targets.host_context, cluster)? {
        record.phase = JoinPhase::Removed;
        record::save(targets.data_dir, &mut record)?;
    }
    Ok(RemovalOutcome { plan, done })
}

/// The Cluster's finalizer lets go once KubeSphere's controller has cleaned up after it.
async fn wait_gone(host: &kube::Client, cluster: &str) -> Result<()> {
    let path = cluster_object::cluster_path(cluster);
    for _ in 0..60 {
        match api::get(host, &path).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) | Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    Err(Error::new(ErrorKind::Unavailable, format!("Cluster {cluster} is still on the host 15 s after it was deleted"))
        .with_hint("its finalizer waits for ks-controller-manager; check that it runs on the host, then run the removal again"))
}
