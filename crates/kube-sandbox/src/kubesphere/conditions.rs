//! Cluster conditions as KubeSphere writes them (`type, status, lastUpdateTime,
//! lastTransitionTime, reason, message`; KS `api/cluster/v1alpha1/types.go`).

use serde_json::{json, Value};

pub fn find<'a>(cluster: &'a Value, kind: &str) -> Option<&'a Value> {
    cluster["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

pub fn is_true(cluster: &Value, kind: &str) -> bool {
    find(cluster, kind).is_some_and(|c| c["status"] == "True")
}

/// The cluster's conditions with `kind` set at `now` (the host's clock); the transition time
/// moves only when the status changes. None when nothing would change.
pub fn with(
    cluster: &Value,
    now: &str,
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
) -> Option<Value> {
    let status = if status { "True" } else { "False" };
    let mut conditions = cluster["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let previous = conditions.iter().position(|c| c["type"] == kind);
    let transition = match previous.map(|i| &conditions[i]) {
        Some(c) if c["status"] == status && c["reason"] == reason && c["message"] == message => {
            return None
        }
        Some(c) if c["status"] == status => c["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    let condition = json!({"type": kind, "status": status, "lastUpdateTime": now,
        "lastTransitionTime": transition, "reason": reason, "message": message});
    match previous {
        Some(i) => conditions[i] = condition,
        None => conditions.push(condition),
    }
    Some(json!(conditions))
}
