//! managedFields bookkeeping and server-side apply: who owns which field, conflicts when an
//! applier would change a value another manager owns, shared ownership of equal values, and
//! removal of fields a manager stopped applying.

use crate::fieldset::{
    display_path, is_scalar_set, item_key, item_matches, list_keys, remove_at, value_at, FieldSet,
};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    set: FieldSet,
}

/// A field another manager owns with a different value: (the manager as the server prints
/// it, the field path).
pub type Conflict = (String, String);

/// `"kubectl"` for an applier, `"kubectl-edit" using v1` for an updater, as kube-apiserver
/// names managers in conflicts.
fn printed(e: &Entry) -> String {
    if e.operation == "Update" {
        format!("\"{}\" using {}", e.manager, e.api_version)
    } else {
        format!("\"{}\"", e.manager)
    }
}

fn read(object: &Value) -> Vec<Entry> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            api_version: e["apiVersion"].as_str().unwrap_or_default().into(),
            time: e["time"].as_str().unwrap_or_default().into(),
            set: FieldSet::from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

fn write(object: &mut Value, entries: Vec<Entry>) {
    let list: Vec<Value> = entries
        .into_iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| {
            json!({"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                   "time": e.time, "fieldsType": "FieldsV1", "fieldsV1": e.set.to_fields_v1()})
        })
        .collect();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(list));
        }
    }
}

fn differs(old: &Value, new: &Value, path: &[String]) -> bool {
    value_at(old, path) != value_at(new, path)
}

/// Records an ordinary write (create, update, patch): `manager` takes the fields whose value it
/// changed, other managers lose them, and fields that vanished leave every manager; `now` is
/// the entry's time when it changed.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    builtin: bool,
    now: &str,
) {
    let empty = json!({});
    let old = old.unwrap_or(&empty);
    let mut entries = read(old);
    let old_set = FieldSet::of_object(old, builtin);
    let new_set = FieldSet::of_object(new, builtin);
    let mut changed = FieldSet::default();
    for path in new_set.members() {
        if differs(old, new, &path) {
            changed.insert(&path);
        }
    }
    let removed = old_set.minus(&new_set);
    for e in &mut entries {
        e.set = e.set.minus(&changed).minus(&removed);
    }
    let position = entries
        .iter()
        .position(|e| e.manager == manager && e.operation == "Update");
    let mut mine = position.map(|i| entries.remove(i)).unwrap_or(Entry {
        manager: manager.into(),
        operation: "Update".into(),
        api_version: api_version.into(),
        time: String::new(),
        set: FieldSet::default(),
    });
    if !changed.is_empty() {
        mine.set.union(&changed);
        mine.time = now.into();
        mine.api_version = api_version.into();
    }
    entries.push(mine);
    write(new, entries);
}

/// Server-side apply of `applied` by `manager` over `current` (None: create) at time `now`.
pub fn apply(
    current: Option<&Value>,
    applied: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    builtin: bool,
    now: &str,
) -> Result<Value, Vec<Conflict>> {
    let mut merged = current.cloned().unwrap_or_else(|| json!({"metadata": {}}));
    let mut entries = read(&merged);
    let applied_set = FieldSet::of_object(applied, builtin);
    let is_me = |e: &Entry| e.manager == manager && e.operation == "Apply";

    // A conflict is a field the apply would change that someone else owns; an empty map
    // applied over a full one changes nothing, so compare with the merged result.
    let current_state = merged.clone();
    merge_applied(&mut merged, applied, builtin, "");
    let mut conflicts = Vec::new();
    let mut taken = FieldSet::default();
    for leaf in applied_set.leaves() {
        if !differs(&current_state, &merged, &leaf) {
            continue;
        }
        for e in entries
            .iter()
            .filter(|e| !is_me(e) && e.set.contains(&leaf))
        {
            conflicts.push((printed(e), display_path(&leaf)));
            taken.insert(&leaf);
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for e in entries.iter_mut().filter(|e| !is_me(e)) {
        e.set = e.set.minus(&taken);
    }

    let previous = entries
        .iter()
        .find(|e| is_me(e))
        .map(|e| e.set.clone())
        .unwrap_or_default();
    let mut others = FieldSet::default();
    for e in entries.iter().filter(|e| !is_me(e)) {
        others.union(&e.set);
    }
    for path in previous.minus(&applied_set).members() {
        if !others.touches(&path) && !applied_set.touches(&path) {
            remove_at(&mut merged, &path);
        }
    }

    // An unchanged field set keeps its timestamp, so a repeated apply is a no-op write.
    let time = entries
        .iter()
        .find(|e| is_me(e) && e.set == applied_set && e.api_version == api_version)
        .map(|e| e.time.clone())
        .unwrap_or_else(|| now.into());
    entries.retain(|e| !is_me(e));
    entries.push(Entry {
        manager: manager.into(),
        operation: "Apply".into(),
        api_version: api_version.into(),
        time,
        set: applied_set,
    });
    write(&mut merged, entries);
    Ok(merged)
}

/// Structural merge of an applied configuration: maps recursively, keyed lists item by item,
/// every other list replaced whole.
fn merge_applied(current: &mut Value, applied: &Value, builtin: bool, field: &str) {
    match (current, applied) {
        (Value::Object(c), Value::Object(a)) => {
            for (k, v) in a {
                match c.get_mut(k) {
                    Some(existing) => merge_applied(existing, v, builtin, k),
                    None => {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(c), Value::Array(a)) if is_scalar_set(builtin, field) => {
            for v in a {
                if !c.contains(v) {
                    c.push(v.clone());
                }
            }
        }
        (Value::Array(c), Value::Array(a)) if list_keys(builtin, field, a).is_some() => {
            let keys = list_keys(builtin, field, a).unwrap_or_default();
            for item in a {
                let key = item_key(item, keys);
                match c.iter_mut().find(|existing| item_matches(existing, &key)) {
                    Some(existing) => merge_applied(existing, item, builtin, field),
                    None => c.push(item.clone()),
                }
            }
        }
        (current, applied) => *current = applied.clone(),
    }
}

/// The `Apply failed with N conflicts` message, grouped by manager as the server words it.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [(manager, field)] = conflicts {
        return format!("Apply failed with 1 conflict: conflict with {manager}: {field}");
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|(m, _)| m.as_str()).collect();
    managers.sort();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        lines.extend(
            conflicts
                .iter()
                .filter(|(m, _)| m == manager)
                .map(|(_, f)| format!("- {f}")),
        );
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-01-02T03:04:05Z";

    /// `manager` applies a ConfigMap with `data` over `current`.
    fn apply_cm(
        current: Option<&Value>,
        data: Value,
        manager: &str,
        force: bool,
    ) -> Result<Value, Vec<Conflict>> {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
        apply(current, &cm, manager, "v1", force, true, NOW)
    }

    fn managers(object: &Value) -> Vec<&str> {
        object["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn equal_values_are_shared_and_different_ones_conflict() {
        let first = apply_cm(None, json!({"a": "1", "b": "2"}), "alice", false).unwrap();
        let shared = apply_cm(Some(&first), json!({"a": "1"}), "bob", false).unwrap();
        assert_eq!(managers(&shared), ["alice", "bob"]);
        let conflicts = apply_cm(Some(&shared), json!({"a": "9"}), "bob", false).unwrap_err();
        assert_eq!(
            conflicts,
            vec![("\"alice\"".to_string(), ".data.a".to_string())]
        );
        let forced = apply_cm(Some(&shared), json!({"a": "9"}), "bob", true).unwrap();
        assert_eq!(forced["data"]["a"], "9");
    }

    #[test]
    fn fields_a_manager_stops_applying_are_removed_unless_shared() {
        let first = apply_cm(None, json!({"a": "1", "b": "2"}), "alice", false).unwrap();
        let second = apply_cm(Some(&first), json!({"a": "1"}), "alice", false).unwrap();
        assert_eq!(second["data"], json!({"a": "1"}));
        let bob = apply_cm(Some(&second), json!({"a": "1"}), "bob", false).unwrap();
        let third = apply_cm(Some(&bob), json!({"z": "0"}), "alice", false).unwrap();
        assert_eq!(
            third["data"],
            json!({"a": "1", "z": "0"}),
            "bob still owns a"
        );
    }

    #[test]
    fn updates_take_ownership_from_appliers() {
        let first = apply_cm(None, json!({"a": "1"}), "alice", false).unwrap();
        let mut edited = first.clone();
        edited["data"]["a"] = json!("2");
        record_update(Some(&first), &mut edited, "kubectl-edit", "v1", true, NOW);
        assert_eq!(
            managers(&edited),
            ["kubectl-edit"],
            "alice lost her only field"
        );
    }

    #[test]
    fn conflict_messages_group_fields_by_manager() {
        let one = vec![("\"m\" using v1".to_string(), ".data.a".to_string())];
        assert_eq!(
            conflict_message(&one),
            "Apply failed with 1 conflict: conflict with \"m\" using v1: .data.a"
        );
        let two = vec![one[0].clone(), ("\"a\"".to_string(), ".data.b".to_string())];
        assert_eq!(
            conflict_message(&two),
            "Apply failed with 2 conflicts: conflicts with \"a\":\n- .data.b\nconflicts with \"m\" using v1:\n- .data.a"
        );
    }
}
