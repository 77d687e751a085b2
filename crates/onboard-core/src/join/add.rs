//! Step 2 of the procedure on the host: what the form can offer (the host's cluster tags,
//! who will be recorded as creator), the live name check, and creating the Cluster as the
//! console does — tags first (new `Label`s, or the cluster added to existing ones), then the
//! Cluster as the last write — each after a server-side dry run, taken back if a later write
//! fails. The join record is written ahead of every write, so an add cut off half-way (the
//! app killed) is finished by adding again, or cleaned by a removal.

use super::cluster_object::{self, FieldPlacement};
use super::form::{self, ClusterForm, FieldProblem, FormField, Group, ProblemCode, Tag};
use super::record::{self, JoinRecord};
use crate::audit::{self, Action, Change};
use crate::kubesphere::api::{self, ApiError};
use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

const LABELS_PATH: &str = "/apis/cluster.kubesphere.io/v1alpha1/labels";

/// A cluster tag the host has (a `Label` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostTag {
    /// The Label's name (KubeSphere's tag id).
    pub id: String,
    pub key: String,
    pub value: String,
    pub color: Option<String>,
}

/// What the form offers: the host's tags, the console's providers and groups, its default
/// Cluster Configuration and limits, and the KubeSphere user recorded as creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FormOptions {
    pub tags: Vec<HostTag>,
    pub providers: Vec<String>,
    pub groups: Vec<Group>,
    pub default_config: String,
    pub creator: Option<String>,
    pub name_max: u32,
    pub alias_max: u32,
    pub description_max: u32,
    pub tags_max: u32,
}

pub async fn form_options(client: &kube::Client) -> Result<FormOptions> {
    let (tags, creator) = tokio::join!(host_tags(client), whoami(client));
    Ok(FormOptions {
        tags: tags.map_err(|e| e.into_error("list the host's cluster tags"))?,
        providers: form::PROVIDERS.iter().map(|p| p.to_string()).collect(),
        groups: Group::ALL.to_vec(),
        default_config: form::DEFAULT_CONFIG.into(),
        creator,
        name_max: form::NAME_MAX as u32,
        alias_max: form::ALIAS_MAX as u32,
        description_max: form::DESCRIPTION_MAX as u32,
        tags_max: form::TAGS_MAX as u32,
    })
}

/// The host's tags, sorted by key then value. A host without the Label kind has none.
pub async fn host_tags(client: &kube::Client) -> api::ApiResult<Vec<HostTag>> {
    let Some(list) = api::get(client, LABELS_PATH).await? else {
        return Ok(Vec::new());
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut tags: Vec<HostTag> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["metadata"]["deletionTimestamp"].is_null())
        .map(|l| HostTag {
            id: text(&l["metadata"]["name"]),
            key: text(&l["spec"]["key"]),
            value: text(&l["spec"]["value"]),
            color: l["spec"]["backgroundColor"].as_str().map(str::to_string),
        })
        .collect();
    tags.sort_by(|a, b| (&a.key, &a.value).cmp(&(&b.key, &b.value)));
    Ok(tags)
}

/// The user the credentials belong to (SelfSubjectReview), recorded as
/// `kubesphere.io/creator` as the console records the signed-in user.
pub async fn whoami(client: &kube::Client) -> Option<String> {
    for version in ["authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"] {
        let body = json!({"apiVersion": version, "kind": "SelfSubjectReview"});
        let path = format!("/apis/{version}/selfsubjectreviews");
        if let Ok(review) = api::review(client, &path, &body).await {
            return review["status"]["userInfo"]["username"]
                .as_str()
                .map(str::to_string);
        }
    }
    None
}

/// Whether the host already has a Cluster called `name` (the console's duplicate check).
pub async fn name_taken(client: &kube::Client, name: &str) -> Result<bool> {
    api::get(client, &cluster_object::cluster_path(name))
        .await
        .map(|found| found.is_some())
        .map_err(|e| e.into_error(&format!("look up Cluster {name}")))
}

/// The name's problems, including "taken" when the host has it.
pub async fn check_name(client: &kube::Client, name: &str) -> Result<Vec<FieldProblem>> {
    let mut problems = form::name_problems(name);
    if problems.is_empty() && name_taken(client, name).await? {
        problems.push(taken(name));
    }
    Ok(problems)
}

fn taken(name: &str) -> FieldProblem {
    FieldProblem {
        field: FormField::Name,
        code: ProblemCode::Taken,
        limit: None,
        line: None,
        message: format!("the host already has a cluster called \"{name}\""),
    }
}

/// What Create would send: the object (as YAML) and where each field went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ClusterPreview {
    pub problems: Vec<FieldProblem>,
    pub yaml: String,
    pub placements: Vec<FieldPlacement>,
    /// Tags that do not exist on the host yet and will be created.
    pub new_tags: Vec<Tag>,
}

/// Tags resolved against the host: an id for each, and which are new.
struct ResolvedTags {
    ids: Vec<String>,
    new: Vec<(String, Tag)>,
    /// Tags the host has, with their ids.
    existing: Vec<(String, Tag)>,
}

fn resolve_tags(wanted: &[Tag], host: &[HostTag]) -> ResolvedTags {
    let mut resolved = ResolvedTags {
        ids: Vec::new(),
        new: Vec::new(),
        existing: Vec::new(),
    };
    for tag in wanted {
        match host
            .iter()
            .find(|h| h.key == tag.key && h.value == tag.value)
        {
            Some(found) => {
                resolved.ids.push(found.id.clone());
                resolved.existing.push((found.id.clone(), tag.clone()));
            }
            None => {
                let id = new_tag_id();
                resolved.ids.push(id.clone());
                resolved.new.push((id, tag.clone()));
            }
        }
    }
    resolved
}

/// Six lower-case letters and digits, as ks-apiserver names a new Label (`rand.String(6)`).
fn new_tag_id() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut bits = uuid::Uuid::new_v4().as_u128();
    (0..6)
        .map(|_| {
            let c = ALPHABET[(bits % ALPHABET.len() as u128) as usize] as char;
            bits /= ALPHABET.len() as u128;
            c
        })
        .collect()
}

/// What the form becomes on this host: its problems, tags resolved to Label ids, the
/// creator and the Cluster object. The host is read side by side.
struct Drafted {
    problems: Vec<FieldProblem>,
    resolved: ResolvedTags,
    creator: Option<String>,
    cluster: Value,
}

async fn draft(client: &kube::Client, form: &ClusterForm) -> Result<Drafted> {
    let (tags, creator, problems) =
        tokio::join!(host_tags(client), whoami(client), problems(client, form));
    let tags = tags.map_err(|e| e.into_error("list the host's cluster tags"))?;
    let resolved = resolve_tags(&form.tags, &tags);
    let cluster = cluster_object::build(form, creator.as_deref(), &resolved.ids);
    Ok(Drafted {
        problems: problems?,
        resolved,
        creator,
        cluster,
    })
}

pub async fn preview(client: &kube::Client, form: &ClusterForm) -> Result<ClusterPreview> {
    let drafted = draft(client, form).await?;
    Ok(ClusterPreview {
        problems: drafted.problems,
        yaml: serde_yaml::to_string(&drafted.cluster).unwrap_or_default(),
        placements: cluster_object::placements(
            form,
            drafted.creator.as_deref(),
            &drafted.resolved.ids,
        ),
        new_tags: drafted.resolved.new.into_iter().map(|(_, t)| t).collect(),
    })
}

async fn problems(client: &kube::Client, form: &ClusterForm) -> Result<Vec<FieldProblem>> {
    let mut problems = form::validate(form);
    if !problems.iter().any(|p| p.field == FormField::Name)
        && name_taken(client, &form.name).await?
    {
        problems.push(taken(&form.name));
    }
    Ok(problems)
}

/// Who creates the cluster, and where the join is recorded.
pub struct HostTarget<'a> {
    pub client: &'a kube::Client,
    pub context: &'a str,
    pub member_context: Option<&'a str>,
    pub data_dir: &'a Path,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AddOutcome {
    pub name: String,
    /// The server accepted every write in a dry run.
    pub dry_run_passed: bool,
    /// The Cluster was created (false for a dry run).
    pub created: bool,
    pub yaml: String,
    /// Tags created on the host for this cluster (`key=value`).
    pub created_tags: Vec<String>,
}

/// Creates the Cluster (and its new tags) after a dry run of every write; `dry_run` stops
/// after it. A failure after the first write takes back what was written.
pub async fn add(target: &HostTarget<'_>, form: &ClusterForm, dry_run: bool) -> Result<AddOutcome> {
    audit::ready(target.data_dir)?;
    let result = add_unrecorded(target, form, dry_run).await;
    let member = target
        .member_context
        .map_or(String::new(), |m| format!(" --member-context {m}"));
    let change = Change::new(Action::ClusterAdd, target.context)
        .cluster(&form.name)
        .user(whoami(target.client).await)
        .dry_run(dry_run)
        .undo(format!(
            "ks-onboard-cli cluster remove {} --host-context {}{member}",
            form.name, target.context
        ));
    audit::record(target.data_dir, change, result, |outcome| {
        let verb = if outcome.created {
            "created"
        } else {
            "would create"
        };
        std::iter::once(format!("{verb} Cluster {}", outcome.name))
            .chain(
                outcome
                    .created_tags
                    .iter()
                    .map(|t| format!("{verb} tag {t}")),
            )
            .collect()
    })
}

async fn add_unrecorded(
    target: &HostTarget<'_>,
    form: &ClusterForm,
    dry_run: bool,
) -> Result<AddOutcome> {
    let client = target.client;
    let Drafted {
        problems,
        resolved,
        cluster,
        ..
    } = draft(client, form).await?;
    let previous = record::load(target.data_dir, target.context, &form.name)?;
    let earlier = previous.clone().filter(is_cut_off);
    let created_tags: Vec<String> = resolved
        .new
        .iter()
        .map(|(_, t)| format!("{}={}", t.key, t.value))
        .collect();
    if !problems.is_empty() {
        let only_taken = problems.iter().all(|p| p.code == ProblemCode::Taken);
        if let (Some(earlier), true, false) = (earlier, only_taken, dry_run) {
            if let Some(outcome) = adopt(target, form, &cluster, earlier).await? {
                return Ok(outcome);
            }
        }
        return Err(form::into_error(&problems));
    }
    let labels: Vec<Value> = resolved
        .new
        .iter()
        .map(|(id, tag)| label_object(id, tag, &form.name))
        .collect();
    for label in &labels {
        api::create(client, LABELS_PATH, label, true)
            .await
            .map_err(|e| e.into_error("create a cluster tag (dry run)"))?;
    }
    api::create(client, cluster_object::CLUSTERS_PATH, &cluster, true)
        .await
        .map_err(|e| creation_error(e, &form.name, true))?;
    let mut outcome = AddOutcome {
        name: form.name.clone(),
        dry_run_passed: true,
        created: false,
        yaml: serde_yaml::to_string(&cluster).unwrap_or_default(),
        created_tags,
    };
    if dry_run {
        return Ok(outcome);
    }
    // The record is written ahead of each write, so an add cut off half-way (the app
    // killed) is known: removal deletes what it made, and adding again takes it over.
    let mut record = earlier
        .clone()
        .unwrap_or_else(|| JoinRecord::new(target.context, target.member_context, &form.name));
    record.member_context = target.member_context.map(str::to_string);
    let undo = Undo {
        target,
        cluster: &form.name,
        // Once everything is taken back, a cut-off add's record has nothing left to name.
        previous: previous.as_ref().filter(|r| !is_cut_off(r)),
    };
    for (label, (id, _)) in labels.iter().zip(&resolved.new) {
        record.created_tags.push(id.clone());
        record::save(target.data_dir, &mut record)?;
        if let Err(error) = api::create(client, LABELS_PATH, label, false).await {
            if let ApiError::Status { .. } = error {
                // The server refused it: there is no such tag to take back.
                record.created_tags.retain(|c| c != id);
            }
            return Err(undo
                .take_back(&mut record, error.into_error("create a cluster tag"))
                .await);
        }
    }
    // Existing tags list the cluster before it is created: the Cluster is the last write,
    // so any failure before it can be taken back whole.
    for (id, tag) in &resolved.existing {
        if record.created_tags.contains(id) {
            // Made by the add that was cut off: already this cluster's.
            continue;
        }
        if !record.bound_tags.contains(id) {
            record.bound_tags.push(id.clone());
        }
        record::save(target.data_dir, &mut record)?;
        if let Err(error) = bind_tag(client, id, &form.name).await {
            let doing = format!("add the cluster to tag {}={}", tag.key, tag.value);
            return Err(undo.take_back(&mut record, error.into_error(&doing)).await);
        }
    }
    record::save(target.data_dir, &mut record)?;
    let created = match api::create(client, cluster_object::CLUSTERS_PATH, &cluster, false).await {
        Ok(created) => created,
        // No answer: the Cluster may have been created all the same. Look before taking
        // anything back.
        Err(error @ ApiError::Transport(_)) => {
            match api::get(client, &cluster_object::cluster_path(&form.name)).await {
                Ok(Some(found)) if same_cluster(&found, &cluster) => found,
                _ => {
                    return Err(undo
                        .take_back(&mut record, creation_error(error, &form.name, false))
                        .await)
                }
            }
        }
        Err(error) => {
            return Err(undo
                .take_back(&mut record, creation_error(error, &form.name, false))
                .await)
        }
    };
    record.cluster_uid = created["metadata"]["uid"].as_str().map(str::to_string);
    record::save(target.data_dir, &mut record)?;
    outcome.created = true;
    Ok(outcome)
}

/// A record of an add that was cut off: written ahead of its writes, it never got the
/// Cluster's uid.
fn is_cut_off(record: &JoinRecord) -> bool {
    record.phase == record::JoinPhase::Created && record.cluster_uid.is_none()
}

/// Whether `found` on the host is the Cluster this form makes (same creator, same tags,
/// proxy connection): the one an add that was cut off created.
fn same_cluster(found: &Value, drafted: &Value) -> bool {
    let annotation = |c: &Value, key: &str| c["metadata"]["annotations"][key].clone();
    [cluster_object::CREATOR, cluster_object::LABEL_IDS]
        .iter()
        .all(|key| annotation(found, key) == annotation(drafted, key))
        && found["spec"]["connection"]["type"] == drafted["spec"]["connection"]["type"]
}

/// Adding again after an add was cut off once the server had created the Cluster: the
/// Cluster is there and it is ours, so the add completes by recording it.
async fn adopt(
    target: &HostTarget<'_>,
    form: &ClusterForm,
    drafted: &Value,
    mut earlier: JoinRecord,
) -> Result<Option<AddOutcome>> {
    let path = cluster_object::cluster_path(&form.name);
    let Some(found) = api::get(target.client, &path)
        .await
        .map_err(|e| e.into_error(&format!("read Cluster {}", form.name)))?
        .filter(|found| same_cluster(found, drafted))
    else {
        return Ok(None);
    };
    earlier.cluster_uid = found["metadata"]["uid"].as_str().map(str::to_string);
    earlier.member_context = target.member_context.map(str::to_string);
    record::save(target.data_dir, &mut earlier)?;
    Ok(Some(AddOutcome {
        name: form.name.clone(),
        dry_run_passed: true,
        created: true,
        yaml: serde_yaml::to_string(drafted).unwrap_or_default(),
        created_tags: Vec::new(),
    }))
}

/// What a failed add takes back.
struct Undo<'a> {
    target: &'a HostTarget<'a>,
    cluster: &'a str,
    /// The record there was before this add (put back when everything is taken back).
    previous: Option<&'a JoinRecord>,
}

impl Undo<'_> {
    /// Takes back what the record says this add wrote (bindings, then created tags), and
    /// says so in `error`; what cannot be taken back stays recorded for a removal.
    async fn take_back(&self, record: &mut JoinRecord, mut error: Error) -> Error {
        let client = self.target.client;
        if record.created_tags.is_empty() && record.bound_tags.is_empty() {
            let _ = record::put_back(self.target.data_dir, record, self.previous);
            return error;
        }
        let mut left = Vec::new();
        for id in record.bound_tags.clone().iter().rev() {
            match unbind_tag(client, id, self.cluster, false).await {
                Ok(()) => record.bound_tags.retain(|b| b != id),
                Err(_) => left.push(format!("Label {id} still lists the cluster")),
            }
        }
        for id in record.created_tags.clone().iter().rev() {
            match api::delete(client, &label_path(id), false).await {
                Ok(_) => record.created_tags.retain(|c| c != id),
                Err(_) => left.push(format!("Label {id}")),
            }
        }
        if left.is_empty() {
            let _ = record::put_back(self.target.data_dir, record, self.previous);
            error.message = format!(
                "{}; the tags this add had written were taken back",
                error.message
            );
            return error;
        }
        let _ = record::save(self.target.data_dir, record);
        error.hint = Some(format!(
            "{} could not be taken back; once the cause is fixed, add the cluster again to finish, or run `ks-onboard-cli cluster remove {} --host-context {}` to remove what was made",
            left.join(", "),
            self.cluster,
            self.target.context
        ));
        error
    }
}

fn label_object(id: &str, tag: &Tag, cluster: &str) -> Value {
    json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Label",
        "metadata": {"name": id, "annotations": {cluster_object::CREATED_BY: "ks-onboard"}},
        "spec": {"key": tag.key, "value": tag.value, "clusters": [cluster]}})
}

/// The console's label binding: the tag lists the clusters that carry it.
async fn bind_tag(client: &kube::Client, id: &str, cluster: &str) -> api::ApiResult<()> {
    update_tag_clusters(client, id, false, |clusters| {
        if !clusters.iter().any(|c| c == cluster) {
            clusters.push(json!(cluster));
        }
    })
    .await
}

/// Takes `cluster` out of an existing tag's cluster list (removal).
pub(super) async fn unbind_tag(
    client: &kube::Client,
    id: &str,
    cluster: &str,
    dry_run: bool,
) -> api::ApiResult<()> {
    update_tag_clusters(client, id, dry_run, |clusters| {
        clusters.retain(|c| c != cluster)
    })
    .await
}

/// Read-modify-write of a tag's cluster list under optimistic concurrency. Another client
/// editing the tag meanwhile (409) only means reading it again: the change is to one list
/// entry, so theirs is kept and ours applied on top.
async fn update_tag_clusters(
    client: &kube::Client,
    id: &str,
    dry_run: bool,
    change: impl Fn(&mut Vec<Value>),
) -> api::ApiResult<()> {
    let path = label_path(id);
    let mut tries = 0;
    loop {
        let Some(label) = api::get(client, &path).await? else {
            return Ok(());
        };
        let mut clusters: Vec<Value> = label["spec"]["clusters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        change(&mut clusters);
        let patch = json!({"metadata": {"resourceVersion": label["metadata"]["resourceVersion"]}, "spec": {"clusters": clusters}});
        match api::merge_patch(client, &path, &patch, dry_run).await {
            Err(ApiError::Status { code: 409, .. }) if tries < 3 => tries += 1,
            result => return result.map(|_| ()),
        }
    }
}

pub(super) fn label_path(id: &str) -> String {
    format!("{LABELS_PATH}/{id}")
}

fn creation_error(error: ApiError, name: &str, dry_run: bool) -> Error {
    let doing = if dry_run {
        format!("create Cluster {name} (dry run)")
    } else {
        format!("create Cluster {name}")
    };
    match error {
        ApiError::Status { code: 409, .. } => {
            Error::invalid_input(format!("the host already has a cluster called \"{name}\""))
                .with_hint(
                "choose another name, or remove the existing cluster first; nothing was created",
            )
        }
        ApiError::Status { code: 404, .. } => Error::new(
            ErrorKind::NotFound,
            "the host does not serve KubeSphere's Cluster kind (cluster.kubesphere.io/v1alpha1)",
        )
        .with_hint(
            "this context is not a KubeSphere host with multi-cluster enabled; run the host checks",
        ),
        other => other.into_error(&doing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_resolve_to_existing_labels_or_new_six_character_ids() {
        let host = vec![HostTag {
            id: "k7xq2m".into(),
            key: "env".into(),
            value: "production".into(),
            color: None,
        }];
        let wanted = vec![
            Tag {
                key: "env".into(),
                value: "production".into(),
            },
            Tag {
                key: "team".into(),
                value: "payments".into(),
            },
        ];
        let resolved = resolve_tags(&wanted, &host);
        assert_eq!(resolved.ids[0], "k7xq2m");
        assert_eq!(resolved.existing[0].0, "k7xq2m");
        assert_eq!(resolved.new.len(), 1);
        let id = &resolved.new[0].0;
        assert_eq!(id.len(), 6);
        assert!(form::is_dns_label(id), "{id}");
        assert_ne!(new_tag_id(), new_tag_id());
    }
}
