//! One-click apply of agent.yaml to the member — what the procedure has the admin do by
//! hand with `kubectl create -f agent.yaml` on a member node. First a plan from a
//! server-side dry run of each object (create / unchanged / update / conflict with an
//! existing object), then server-side apply object by object as our own field manager,
//! without force (a field someone else owns with another value stops the apply and is
//! shown), stopping at the first error and taking back what it had created. Each object is
//! recorded before it is sent, so the join can be finished or undone even after a crash
//! half-way.

use super::agent::{self, AgentManifest};
use super::objects;
use super::record::{self, JoinPhase, JoinRecord, ObjectId};
use crate::audit::{self, Action, Change};
use crate::kubesphere::api::{self, ApiError};
use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Our field manager in the member's managedFields.
pub const FIELD_MANAGER: &str = "ks-onboard";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum PlanAction {
    Create,
    Unchanged,
    Update,
    /// The server refused the dry run (another manager owns a field, or it is invalid).
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    pub object: ObjectId,
    pub action: PlanAction,
    /// Why it conflicts, or what the existing object is.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApplyPlan {
    pub cluster: String,
    pub items: Vec<PlanItem>,
    /// The member already runs an agent for another cluster name (joined elsewhere).
    pub other_agent: Option<String>,
}

impl ApplyPlan {
    pub fn blocked(&self) -> bool {
        self.items.iter().any(|i| i.action == PlanAction::Conflict)
    }
}

/// The manifest brings `namespace` and the member does not have it yet (a conflict in its
/// own dry run included: the plan then says why it is blocked, not that it is missing).
fn creates_namespace(items: &[PlanItem], namespace: &str) -> bool {
    items.iter().any(|i| {
        i.object.kind == "Namespace"
            && i.object.name == namespace
            && matches!(i.action, PlanAction::Create | PlanAction::Conflict)
    })
}

fn manifest_objects(manifest: &AgentManifest) -> Result<Vec<(ObjectId, String, Value)>> {
    manifest
        .objects_to_apply()
        .into_iter()
        .map(|d| {
            let id = ObjectId::of(d);
            let path = objects::path(&id)?;
            Ok((id, path, objects::cleaned(d)))
        })
        .collect()
}

/// The plan: what applying `manifest` to the member would do, from a dry run of each object.
pub async fn plan(member: &kube::Client, manifest: &AgentManifest) -> Result<ApplyPlan> {
    let mut items = Vec::new();
    let mut other_agent = None;
    for (id, path, wanted) in manifest_objects(manifest)? {
        let current = api::get(member, &path)
            .await
            .map_err(|e| e.into_error(&format!("read {} on the member", id.describe())))?;
        if let Some(current) = &current {
            if id.kind == "Deployment" {
                let name = agent::agent_flag(std::slice::from_ref(current), "--name");
                if name.as_deref().is_some_and(|n| n != manifest.cluster) {
                    other_agent = name;
                }
            }
        }
        if let Some(other) = other_agent.as_ref().filter(|_| id.kind == "Deployment") {
            // Applying would silently re-point another join's agent: never that.
            let detail = format!("the member runs the agent of cluster \"{other}\"; a member joins one host as one cluster");
            items.push(PlanItem {
                object: id,
                action: PlanAction::Conflict,
                detail: Some(detail),
            });
            continue;
        }
        let (action, detail) = match api::apply(member, &path, &wanted, FIELD_MANAGER, true).await {
            Ok(result) => match &current {
                None => (PlanAction::Create, None),
                Some(current)
                    if objects::content(current, &wanted) == objects::content(&result, &wanted) =>
                {
                    (
                        PlanAction::Unchanged,
                        Some("already on the member as agent.yaml has it".into()),
                    )
                }
                Some(_) => (
                    PlanAction::Update,
                    Some("exists on the member; some fields change".into()),
                ),
            },
            // A server checks namespaced objects only once their namespace exists; the
            // manifest creates it first, so these are checked when applied.
            Err(ApiError::Status { code: 404, message })
                if current.is_none()
                    && creates_namespace(&items, &id.namespace)
                    && message.contains("namespaces") =>
            {
                (
                    PlanAction::Create,
                    Some(format!(
                        "checked when applied, after namespace {} is created",
                        id.namespace
                    )),
                )
            }
            Err(ApiError::Status { code, message }) if code == 409 || code == 422 => {
                (PlanAction::Conflict, Some(manifest.mask(&message)))
            }
            Err(error) => {
                return Err(
                    error.into_error(&format!("check {} on the member (dry run)", id.describe()))
                )
            }
        };
        items.push(PlanItem {
            object: id,
            action,
            detail,
        });
    }
    items.extend(reused_pull_secrets(member, manifest).await?);
    Ok(ApplyPlan {
        cluster: manifest.cluster.clone(),
        items,
        other_agent,
    })
}

/// The mirror's pull secrets the member must already have (none is applied with the agent,
/// because no credentials for the registry are saved): there, or a conflict saying so.
/// Listed after the objects to apply.
async fn reused_pull_secrets(
    member: &kube::Client,
    manifest: &AgentManifest,
) -> Result<Vec<PlanItem>> {
    let Some(mirror) = &manifest.mirror else {
        return Ok(Vec::new());
    };
    let mut items = Vec::new();
    for name in &mirror.pull_secrets {
        if manifest.pull_secret_name() == Some(name.as_str()) {
            continue;
        }
        let object = ObjectId {
            api_version: "v1".into(),
            kind: "Secret".into(),
            namespace: super::airgap::NAMESPACE.into(),
            name: name.clone(),
        };
        let found = api::get(member, &objects::path(&object)?)
            .await
            .map_err(|e| e.into_error(&format!("read {} on the member", object.describe())))?;
        let (action, detail) = match found {
            Some(_) => (PlanAction::Unchanged, format!("the member's pull secret for {}, reused", mirror.registry)),
            None => (PlanAction::Conflict, format!("the Cluster Configuration names this pull secret, but the member has no such Secret and no credentials for {} are saved: save them (Air-gapped member, or `ks-onboard-cli registry login {}`), or create the Secret on the member", mirror.registry, mirror.registry)),
        };
        items.push(PlanItem {
            object,
            action,
            detail: Some(detail),
        });
    }
    Ok(items)
}

/// One object's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApplyStep {
    /// 0-based, out of `total`.
    pub index: u32,
    pub total: u32,
    pub object: ObjectId,
    pub action: PlanAction,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApplyOutcome {
    pub plan: ApplyPlan,
    pub created: Vec<ObjectId>,
    pub updated: Vec<ObjectId>,
    pub unchanged: Vec<ObjectId>,
}

/// Where the join is recorded.
pub struct MemberTarget<'a> {
    pub client: &'a kube::Client,
    pub context: &'a str,
    pub host_context: &'a str,
    pub data_dir: &'a Path,
}

/// Applies `manifest` to the member after a dry-run plan; refuses when the plan has a
/// conflict. `on_step` hears each object before and after it is applied. Each object
/// applied is recorded in the audit log, also when a later one fails.
pub async fn apply(
    target: &MemberTarget<'_>,
    manifest: &AgentManifest,
    mut on_step: impl FnMut(&ApplyStep),
) -> Result<ApplyOutcome> {
    audit::ready(target.data_dir)?;
    let mut applied = Vec::new();
    let result = apply_unrecorded(target, manifest, |step| {
        if step.done {
            let verb = match step.action {
                PlanAction::Create => "created",
                PlanAction::Update => "updated",
                PlanAction::Unchanged | PlanAction::Conflict => "left unchanged",
            };
            applied.push(format!("{verb} {} on the member", step.object.describe()));
        }
        on_step(step);
    })
    .await;
    let mut change = Change::new(Action::AgentApply, target.context)
        .cluster(&manifest.cluster)
        .user(super::add::whoami(target.client).await)
        .undo(format!(
            "ks-onboard-cli cluster remove {} --host-context {} --member-context {}",
            manifest.cluster, target.host_context, target.context
        ));
    change.changes = applied;
    audit::record(target.data_dir, change, result, |_| Vec::new())
}

async fn apply_unrecorded(
    target: &MemberTarget<'_>,
    manifest: &AgentManifest,
    mut on_step: impl FnMut(&ApplyStep),
) -> Result<ApplyOutcome> {
    let member = target.client;
    let plan = plan(member, manifest).await?;
    if plan.blocked() {
        let conflicts: Vec<String> = plan
            .items
            .iter()
            .filter(|i| i.action == PlanAction::Conflict)
            .map(|i| {
                format!(
                    "{}: {}",
                    i.object.describe(),
                    i.detail.clone().unwrap_or_default()
                )
            })
            .collect();
        let hint = match &plan.other_agent {
            Some(other) => format!("the member already runs the agent of cluster \"{other}\": remove that join first (Clusters & history, or `ks-onboard-cli cluster remove {other}`)"),
            None => "nothing was applied; resolve the conflict on the member (or remove the object) and try again".into(),
        };
        return Err(Error::invalid_input(format!(
            "agent.yaml conflicts with what the member has: {}",
            conflicts.join("; ")
        ))
        .with_hint(hint));
    }
    let mut record = record::load(target.data_dir, target.host_context, &manifest.cluster)?
        .unwrap_or_else(|| {
            JoinRecord::new(target.host_context, Some(target.context), &manifest.cluster)
        });
    record.member_context = Some(target.context.to_string());
    if record.member_crds_before.is_none() {
        record.member_crds_before = Some(crd_names(member).await);
    }
    let mut outcome = ApplyOutcome {
        plan: plan.clone(),
        created: Vec::new(),
        updated: Vec::new(),
        unchanged: Vec::new(),
    };
    let objects = manifest_objects(manifest)?;
    let total = objects.len() as u32;
    // What this apply created, to take back if a later object fails.
    let mut made: Vec<(ObjectId, String)> = Vec::new();
    for (index, ((id, path, wanted), item)) in objects.into_iter().zip(&plan.items).enumerate() {
        let mut step = ApplyStep {
            index: index as u32,
            total,
            object: id.clone(),
            action: item.action,
            done: false,
        };
        on_step(&step);
        let creating = item.action == PlanAction::Create;
        if creating && !record.member_created.contains(&id) {
            // Recorded before it is sent: an app killed while waiting for the answer still
            // knows the object may be there (a re-apply then finds it "unchanged", and it
            // must stay the join's to remove, not become the member's own).
            record.member_created.push(id.clone());
            record::save(target.data_dir, &mut record)?;
        }
        if let Err(error) = api::apply(member, &path, &wanted, FIELD_MANAGER, false).await {
            if creating {
                match error {
                    // Without an answer it may have been created: take it back too.
                    ApiError::Transport(_) => made.push((id.clone(), path)),
                    // The server refused it: it was not created.
                    ApiError::Status { .. } => record.member_created.retain(|o| o != &id),
                }
            }
            let reason = match &error {
                ApiError::Status { code: 401, .. } => "the member no longer accepts the credentials (401 Unauthorized): they have expired or were revoked".to_string(),
                ApiError::Status { code, message } => {
                    format!("the API server answered {code}: {}", manifest.mask(message))
                }
                ApiError::Transport(what) => what.clone(),
            };
            let failed = Error::new(
                ErrorKind::Connection,
                format!("applying {} to the member failed: {reason}", id.describe()),
            );
            return Err(take_back(target, &mut record, &made, failed).await);
        }
        let list = match item.action {
            PlanAction::Create => {
                made.push((id.clone(), path));
                &mut outcome.created
            }
            PlanAction::Update => {
                existed_before(&mut record, &id);
                &mut outcome.updated
            }
            _ => {
                existed_before(&mut record, &id);
                &mut outcome.unchanged
            }
        };
        list.push(id);
        record::save(target.data_dir, &mut record)?;
        step.done = true;
        on_step(&step);
    }
    record.phase = JoinPhase::AgentApplied;
    record::save(target.data_dir, &mut record)?;
    Ok(outcome)
}

/// After a failed object: deletes what this apply created (newest first), so the member is
/// as it was, and says so in `error`. Objects that cannot be deleted (the cause of the
/// failure often stops that too) stay in the record, and the hint says how to finish.
/// Objects this apply only updated keep the update: their earlier content is not known.
async fn take_back(
    target: &MemberTarget<'_>,
    record: &mut JoinRecord,
    made: &[(ObjectId, String)],
    mut error: Error,
) -> Error {
    let mut taken = Vec::new();
    let mut left = Vec::new();
    for (id, path) in made.iter().rev() {
        match api::delete(target.client, path, false).await {
            Ok(_) => {
                record.member_created.retain(|o| o != id);
                taken.push(id.describe());
            }
            Err(_) => left.push(id.describe()),
        }
    }
    let _ = record::save(target.data_dir, record);
    error.hint = Some(if !left.is_empty() {
        format!("already created and could not be taken back: {}; once the cause is fixed, apply again to finish, or remove the join (`ks-onboard-cli cluster remove {} --host-context {} --member-context {}`) to delete them", left.join(", "), record.cluster, target.host_context, target.context)
    } else if taken.is_empty() {
        "nothing was created on the member; fix the cause and apply again".to_string()
    } else {
        error.message = format!(
            "{}; what this apply had created was taken back ({})",
            error.message,
            taken.join(", ")
        );
        "the member is as it was before; fix the cause and apply again".to_string()
    });
    error
}

/// Records `id` as the member's own, unless this join created it (a re-apply finds its own
/// objects unchanged: they are still the join's to remove).
fn existed_before(record: &mut JoinRecord, id: &ObjectId) {
    if !record.member_created.contains(id) && !record.member_existing.contains(id) {
        record.member_existing.push(id.clone());
    }
}

/// The member's CustomResourceDefinitions now (empty when they cannot be listed).
pub(super) async fn crd_names(member: &kube::Client) -> Vec<String> {
    let Ok(Some(list)) = api::get(
        member,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    )
    .await
    else {
        return Vec::new();
    };
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}
