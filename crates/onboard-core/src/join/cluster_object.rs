//! The Cluster object the console's Add Cluster form creates for a proxy connection
//! (../shared/KUBESPHERE-FACTS.md §1, console v3dist `cluster.add`): cluster-scoped
//! `cluster.kubesphere.io/v1alpha1` Cluster, `spec.connection.type: proxy` with no
//! kubeconfig, `spec.joinFederation: true` (tower ignores the cluster without it),
//! `spec.provider`, `spec.config` (base64 of the Cluster Configuration), label
//! `kubesphere.io/managed: "true"`, the group label, one `label.cluster.kubesphere.io/<id>`
//! label per tag with annotation `cluster.kubesphere.io/label-ids`, and annotations
//! `kubesphere.io/description`, `kubesphere.io/alias-name`, `kubesphere.io/creator`.

use super::form::ClusterForm;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

pub const CLUSTERS_PATH: &str = "/apis/cluster.kubesphere.io/v1alpha1/clusters";
pub const GROUP_LABEL: &str = "cluster.kubesphere.io/group";
pub const MANAGED_LABEL: &str = "kubesphere.io/managed";
pub const TAG_LABEL_PREFIX: &str = "label.cluster.kubesphere.io/";
pub const LABEL_IDS: &str = "cluster.kubesphere.io/label-ids";
pub const DESCRIPTION: &str = "kubesphere.io/description";
pub const ALIAS: &str = "kubesphere.io/alias-name";
pub const CREATOR: &str = "kubesphere.io/creator";
/// Marks what this app created, so removal can find it without a local record.
pub const CREATED_BY: &str = "ks-onboard.kubesphere.io/created-by";

pub fn cluster_path(name: &str) -> String {
    format!("{CLUSTERS_PATH}/{name}")
}

/// Where one form field lands in the object, for the form's "what this becomes" column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FieldPlacement {
    /// The form field (`name`, `alias`, `tags`, …) or `fixed` for what the form always sets.
    pub field: String,
    /// The object path, e.g. `metadata.annotations["kubesphere.io/alias-name"]`.
    pub path: String,
    /// The value written (the configuration's base64 is shortened).
    pub value: String,
}

/// The Cluster for `form`; `tag_ids` are the host's Label names for `form.tags`, in order.
pub fn build(form: &ClusterForm, creator: Option<&str>, tag_ids: &[String]) -> Value {
    let mut labels = Map::new();
    labels.insert(MANAGED_LABEL.into(), json!("true"));
    if let Some(group) = form.group {
        labels.insert(GROUP_LABEL.into(), json!(group.as_str()));
    }
    for id in tag_ids {
        labels.insert(format!("{TAG_LABEL_PREFIX}{id}"), json!(""));
    }
    let mut annotations = Map::new();
    annotations.insert(CREATED_BY.into(), json!("ks-onboard"));
    if !tag_ids.is_empty() {
        annotations.insert(LABEL_IDS.into(), json!(tag_ids.join(",")));
    }
    for (key, value) in [(DESCRIPTION, &form.description), (ALIAS, &form.alias)] {
        if !value.is_empty() {
            annotations.insert(key.into(), json!(value));
        }
    }
    if let Some(creator) = creator.filter(|c| !c.is_empty()) {
        annotations.insert(CREATOR.into(), json!(creator));
    }
    let mut spec = json!({
        "provider": form.provider,
        "joinFederation": true,
        "connection": {"type": "proxy"},
    });
    if !form.config.trim().is_empty() {
        spec["config"] = json!(base64::engine::general_purpose::STANDARD.encode(&form.config));
    }
    json!({
        "apiVersion": "cluster.kubesphere.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": form.name, "labels": labels, "annotations": annotations},
        "spec": spec,
    })
}

/// Each field of `form` and where `build` put it.
pub fn placements(
    form: &ClusterForm,
    creator: Option<&str>,
    tag_ids: &[String],
) -> Vec<FieldPlacement> {
    let place = |field: &str, path: &str, value: &str| FieldPlacement {
        field: field.into(),
        path: path.into(),
        value: value.into(),
    };
    let mut rows = vec![place("name", "metadata.name", &form.name)];
    if !form.alias.is_empty() {
        rows.push(place(
            "alias",
            &format!("metadata.annotations[\"{ALIAS}\"]"),
            &form.alias,
        ));
    }
    for (tag, id) in form.tags.iter().zip(tag_ids) {
        rows.push(place(
            "tags",
            &format!("metadata.labels[\"{TAG_LABEL_PREFIX}{id}\"]"),
            &format!("{}={}", tag.key, tag.value),
        ));
    }
    if !tag_ids.is_empty() {
        rows.push(place(
            "tags",
            &format!("metadata.annotations[\"{LABEL_IDS}\"]"),
            &tag_ids.join(","),
        ));
    }
    rows.push(place("provider", "spec.provider", &form.provider));
    if !form.description.is_empty() {
        rows.push(place(
            "description",
            &format!("metadata.annotations[\"{DESCRIPTION}\"]"),
            &form.description,
        ));
    }
    if let Some(group) = form.group {
        rows.push(place(
            "group",
            &format!("metadata.labels[\"{GROUP_LABEL}\"]"),
            group.as_str(),
        ));
    }
    rows.push(place("connection", "spec.connection.type", "proxy"));
    rows.push(place("connection", "spec.joinFederation", "true"));
    if !form.config.trim().is_empty() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&form.config);
        let shown: String = encoded.chars().take(24).collect();
        rows.push(place(
            "config",
            "spec.config (base64)",
            &format!("{shown}…"),
        ));
    }
    rows.push(place(
        "fixed",
        &format!("metadata.labels[\"{MANAGED_LABEL}\"]"),
        "true",
    ));
    if let Some(creator) = creator.filter(|c| !c.is_empty()) {
        rows.push(place(
            "fixed",
            &format!("metadata.annotations[\"{CREATOR}\"]"),
            creator,
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::form::{Group, Tag, DEFAULT_CONFIG};
    use super::*;

    #[test]
    fn the_object_has_every_field_where_the_console_puts_it() {
        let form = ClusterForm {
            name: "member".into(),
            alias: "成员".into(),
            tags: vec![Tag {
                key: "env".into(),
                value: "prod".into(),
            }],
            provider: "Amazon EKS".into(),
            description: "a <test> cluster".into(),
            group: Some(Group::Testing),
            config: DEFAULT_CONFIG.into(),
        };
        let object = build(&form, Some("admin"), &["abc123".into()]);
        assert_eq!(object["kind"], "Cluster");
        assert_eq!(object["spec"]["connection"], json!({"type": "proxy"}));
        assert_eq!(object["spec"]["joinFederation"], true);
        assert_eq!(object["spec"]["provider"], "Amazon EKS");
        let config = base64::engine::general_purpose::STANDARD
            .decode(object["spec"]["config"].as_str().unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(config).unwrap(), DEFAULT_CONFIG);
        let labels = &object["metadata"]["labels"];
        assert_eq!(labels[MANAGED_LABEL], "true");
        assert_eq!(labels[GROUP_LABEL], "testing");
        assert_eq!(labels["label.cluster.kubesphere.io/abc123"], "");
        let annotations = &object["metadata"]["annotations"];
        assert_eq!(annotations[LABEL_IDS], "abc123");
        assert_eq!(annotations[ALIAS], "成员");
        assert_eq!(annotations[DESCRIPTION], "a <test> cluster");
        assert_eq!(annotations[CREATOR], "admin");
        let rows = placements(&form, Some("admin"), &["abc123".into()]);
        assert!(rows
            .iter()
            .any(|r| r.field == "group" && r.value == "testing"));
        assert!(rows
            .iter()
            .any(|r| r.field == "tags" && r.value == "env=prod"));
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let form = ClusterForm {
            name: "m".into(),
            ..ClusterForm::default()
        };
        let object = build(&form, None, &[]);
        assert!(object["spec"].get("config").is_none());
        let annotations = object["metadata"]["annotations"].as_object().unwrap();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), [CREATED_BY]);
        assert_eq!(object["metadata"]["labels"].as_object().unwrap().len(), 1);
    }
}
