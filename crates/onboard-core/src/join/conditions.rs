//! A Cluster's `status.conditions`, read the way the console reads them (by type).

use serde_json::Value;

pub fn find<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

pub fn is_true(object: &Value, kind: &str) -> bool {
    find(object, kind).is_some_and(|c| c["status"] == "True")
}

pub fn is_false(object: &Value, kind: &str) -> bool {
    find(object, kind).is_some_and(|c| c["status"] == "False")
}

/// The console's rule for "joined": `Ready` is `True`.
pub fn is_ready(cluster: &Value) -> bool {
    is_true(cluster, "Ready")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_are_found_by_type() {
        let cluster = json!({"status": {"conditions": [
            {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "False"}]}});
        assert!(is_true(&cluster, "Initialized"));
        assert!(is_false(&cluster, "Ready"));
        assert!(!is_ready(&cluster));
        assert!(find(&cluster, "AgentAvailable").is_none());
        assert!(!is_true(&json!({}), "Ready"));
    }
}
