//! The `scale` sub-resource of Deployments and ReplicaSets (`autoscaling/v1 Scale`), which
//! `kubectl scale` reads and patches.

use crate::registry::ResourceType;
use crate::status::{ApiError, ApiResult};
use crate::world::{PatchKind, World, WriteOptions};
use serde_json::{json, Value};

/// The Scale view of an object.
pub fn of(object: &Value) -> Value {
    let meta = &object["metadata"];
    let selector: Vec<String> = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
                     "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"]},
        "spec": {"replicas": object["spec"]["replicas"]},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector.join(",")},
    })
}

/// Applies a Scale update (`kind` None) or patch and writes the new replica count.
pub fn set(
    world: &mut World,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    kind: Option<PatchKind>,
    body: &Value,
    options: &WriteOptions,
) -> ApiResult<Value> {
    let current = world.get(rt, namespace, name)?;
    let mut wanted = of(&current);
    match kind {
        None => wanted = body.clone(),
        Some(PatchKind::Json) => {
            let patch: json_patch::Patch = serde_json::from_value(body.clone())
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            json_patch::patch(&mut wanted, &patch)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
        }
        Some(_) => json_patch::merge(&mut wanted, body),
    }
    let sent_rv = wanted["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if !sent_rv.is_empty() && Some(sent_rv) != current["metadata"]["resourceVersion"].as_str() {
        return Err(ApiError::stale(&rt.group, &rt.plural, name));
    }
    let replicas = wanted["spec"]["replicas"].as_i64().ok_or_else(|| {
        ApiError::invalid(
            "Scale",
            "autoscaling",
            name,
            "spec.replicas",
            "Required value",
        )
    })?;
    let mut updated = current;
    updated["spec"]["replicas"] = json!(replicas);
    if let Some(m) = updated["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    let stored = world.update(rt, namespace, name, updated, options, None)?;
    Ok(of(&stored))
}
