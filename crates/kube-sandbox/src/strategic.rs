//! Strategic merge patch for built-in kinds: keyed lists merge item by item, `$patch`,
//! `$retainKeys` and `$deleteFromPrimitiveList` directives apply, `$setElementOrder` only orders.

use crate::fieldset::{is_scalar_set, item_key, item_matches, list_keys};
use serde_json::{Map, Value};

/// Applies `patch` to `target` in place.
pub fn merge(target: &mut Value, patch: &Value, builtin: bool) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = without_directives(patch_map);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_map) = target else {
        return;
    };
    for (key, value) in patch_map {
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(gone)) =
                (target_map.get_mut(list), value)
            {
                items.retain(|v| !gone.contains(v));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(inner)
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") =>
            {
                target_map.remove(key);
            }
            Value::Array(items) => {
                let merged = merge_list(target_map.get(key), items, builtin, key);
                target_map.insert(key.clone(), merged);
            }
            Value::Object(_) => merge(
                target_map.entry(key.clone()).or_insert(Value::Null),
                value,
                builtin,
            ),
            _ => {
                target_map.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(Value::Array(retain)) = patch_map.get("$retainKeys") {
        target_map.retain(|k, _| retain.iter().any(|r| r.as_str() == Some(k)));
    }
}

fn merge_list(current: Option<&Value>, patch: &[Value], builtin: bool, field: &str) -> Value {
    let current_items = current
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if is_scalar_set(builtin, field) {
        let mut out = current_items;
        for v in patch {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        return Value::Array(out);
    }
    let Some(keys) = list_keys(builtin, field, patch) else {
        return Value::Array(patch.iter().map(strip_nested_directives).collect());
    };
    if patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Value::Array(
            patch
                .iter()
                .filter(|p| p.get("$patch").is_none())
                .cloned()
                .collect(),
        );
    }
    let mut out = current_items;
    for item in patch {
        let key = item_key(item, keys);
        let position = out.iter().position(|existing| item_matches(existing, &key));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => merge(&mut out[i], item, builtin),
            (None, false) => {
                let mut fresh = Value::Object(Map::new());
                merge(&mut fresh, item, builtin);
                out.push(fresh);
            }
        }
    }
    Value::Array(out)
}

fn without_directives(map: &Map<String, Value>) -> Value {
    Value::Object(
        map.iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .map(|(k, v)| (k.clone(), strip_nested_directives(v)))
            .collect(),
    )
}

fn strip_nested_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => without_directives(map),
        Value::Array(items) => Value::Array(items.iter().map(strip_nested_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_directives_apply() {
        let mut pod = json!({"metadata": {"finalizers": ["a"], "labels": {"x": "1", "y": "2"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]},
                                     {"name": "side", "image": "busybox"}]}});
        let patch = json!({"metadata": {"finalizers": ["b"], "labels": {"y": null}},
            "spec": {"$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
                "containers": [{"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
                               {"name": "side", "$patch": "delete"}]}});
        merge(&mut pod, &patch, true);
        assert_eq!(pod["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(pod["metadata"]["labels"], json!({"x": "1"}));
        assert_eq!(
            pod["spec"]["containers"],
            json!([{"name": "web", "image": "nginx:2",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}])
        );
    }

    #[test]
    fn custom_kinds_replace_lists() {
        let mut obj = json!({"spec": {"containers": [{"name": "a"}]}});
        merge(
            &mut obj,
            &json!({"spec": {"containers": [{"name": "b"}]}}),
            false,
        );
        assert_eq!(obj["spec"]["containers"], json!([{"name": "b"}]));
    }

    #[test]
    fn retain_keys_and_primitive_list_deletions() {
        let mut spec = json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "args": ["a", "b", "c"]});
        let patch = json!({"strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "$deleteFromPrimitiveList/args": ["b"]});
        merge(&mut spec, &patch, true);
        assert_eq!(
            spec,
            json!({"strategy": {"type": "Recreate"}, "args": ["a", "c"]})
        );
        let mut replaced = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        merge(
            &mut replaced,
            &json!({"spec": {"containers": [{"name": "c"}, {"$patch": "replace"}]}}),
            true,
        );
        assert_eq!(replaced["spec"]["containers"], json!([{"name": "c"}]));
    }
}
