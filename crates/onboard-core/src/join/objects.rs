//! URLs of the few kinds the join writes on a member, and the parts of an object a person
//! would call its content (what "unchanged" compares).

use super::record::ObjectId;
use crate::{Error, Result};
use serde_json::Value;

/// The REST path of `id` for the kinds agent.yaml and ks-core hold.
pub fn path(id: &ObjectId) -> Result<String> {
    let plural = match id.kind.as_str() {
        "Namespace" => "namespaces",
        "ServiceAccount" => "serviceaccounts",
        "Service" => "services",
        "Secret" => "secrets",
        "ConfigMap" => "configmaps",
        "ClusterRoleBinding" => "clusterrolebindings",
        "ClusterRole" => "clusterroles",
        "RoleBinding" => "rolebindings",
        "Role" => "roles",
        "Deployment" => "deployments",
        "CustomResourceDefinition" => "customresourcedefinitions",
        other => {
            return Err(Error::invalid_input(format!(
                "agent.yaml holds a {other}, a kind this app does not apply"
            ))
            .with_hint("apply it by hand with `kubectl create -f agent.yaml` on the member"))
        }
    };
    let base = if id.api_version.contains('/') {
        format!("/apis/{}", id.api_version)
    } else {
        format!("/api/{}", id.api_version)
    };
    Ok(if id.namespace.is_empty() {
        format!("{base}/{plural}/{}", id.name)
    } else {
        format!("{base}/namespaces/{}/{plural}/{}", id.namespace, id.name)
    })
}

/// The object without what the server maintains (status, uid, versions, managedFields,
/// timestamps) and without defaults it adds: labels, annotations and the rest of the body.
pub fn content(object: &Value, wanted: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (key, want) in wanted.as_object().into_iter().flatten() {
        match key.as_str() {
            "status" | "apiVersion" | "kind" => {}
            "metadata" => {
                let meta = &object["metadata"];
                let mut kept = serde_json::Map::new();
                for field in ["labels", "annotations"] {
                    if want.get(field).is_some() {
                        kept.insert(field.into(), meta[field].clone());
                    }
                }
                out.insert(key.clone(), Value::Object(kept));
            }
            _ => {
                out.insert(key.clone(), subset(&object[key.as_str()], want));
            }
        }
    }
    Value::Object(out)
}

/// The parts of `actual` that `wanted` names (server defaults elsewhere are ignored).
fn subset(actual: &Value, wanted: &Value) -> Value {
    match (actual, wanted) {
        (Value::Object(actual), Value::Object(wanted)) => Value::Object(
            wanted
                .iter()
                .map(|(k, w)| (k.clone(), subset(actual.get(k).unwrap_or(&Value::Null), w)))
                .collect(),
        ),
        (Value::Array(actual), Value::Array(wanted)) if actual.len() == wanted.len() => {
            Value::Array(
                actual
                    .iter()
                    .zip(wanted)
                    .map(|(a, w)| subset(a, w))
                    .collect(),
            )
        }
        _ => actual.clone(),
    }
}

/// Leaves out what the template writes as `null`/`{}` (creationTimestamp, empty status).
pub fn cleaned(object: &Value) -> Value {
    match object {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !(v.is_null()
                        || k.as_str() == "status" && v.as_object().is_some_and(|o| o.is_empty()))
                })
                .map(|(k, v)| (k.clone(), cleaned(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(cleaned).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_for_core_and_group_kinds() {
        let id = |v: &str, k: &str, ns: &str| ObjectId {
            api_version: v.into(),
            kind: k.into(),
            namespace: ns.into(),
            name: "x".into(),
        };
        assert_eq!(
            path(&id("v1", "Namespace", "")).unwrap(),
            "/api/v1/namespaces/x"
        );
        assert_eq!(
            path(&id("apps/v1", "Deployment", "ns")).unwrap(),
            "/apis/apps/v1/namespaces/ns/deployments/x"
        );
        assert!(path(&id("v1", "Pod", "ns")).is_err());
    }

    #[test]
    fn content_ignores_server_fields_and_defaults() {
        let wanted =
            json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"replicas": 1}});
        let actual = json!({"metadata": {"name": "a", "uid": "u", "labels": {"x": "1"}}, "spec": {"replicas": 1, "strategy": {}}, "status": {"ready": 1}});
        assert_eq!(content(&actual, &wanted), content(&wanted, &wanted));
        let changed = json!({"metadata": {"labels": {"x": "2"}}, "spec": {"replicas": 1}});
        assert_ne!(content(&changed, &wanted), content(&wanted, &wanted));
        assert_eq!(
            cleaned(&json!({"metadata": {"creationTimestamp": null}, "status": {}})),
            json!({"metadata": {}})
        );
    }
}
