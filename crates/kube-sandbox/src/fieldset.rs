//! Sets of field paths in the `FieldsV1` shape managedFields use (`f:name`, `k:{"name":"x"}`,
//! `v:"value"`, `.` for a node that is itself a member), and the list-merge keys that decide
//! which lists are merged item by item rather than replaced whole.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A trie of path elements; `member` says the path ending here is in the set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    pub member: bool,
    pub children: BTreeMap<String, FieldSet>,
}

/// Fields the server owns itself and never attributes to a manager.
const UNTRACKED_TOP: &[&str] = &["apiVersion", "kind", "status"];
const UNTRACKED_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Maps whose keys are owned one by one, so the map itself is also a member (`.`).
const GRANULAR_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "stringData",
    "binaryData",
    "matchLabels",
    "selector",
    "nodeSelector",
];

/// The merge keys of the built-in lists we merge item by item (strategic merge and apply).
pub fn list_keys(builtin: bool, field: &str, items: &[Value]) -> Option<&'static [&'static str]> {
    if !builtin {
        return None;
    }
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => &["name"],
        "volumeMounts" => &["mountPath"],
        "conditions" => &["type"],
        "ownerReferences" => &["uid"],
        // Container ports key on containerPort, Service ports on port.
        "ports" if items.iter().all(|i| i.get("containerPort").is_some()) => {
            &["containerPort", "protocol"]
        }
        "ports" => &["port", "protocol"],
        _ => return None,
    })
}

/// Lists of scalars that behave as sets (`v:` elements).
pub fn is_scalar_set(builtin: bool, field: &str) -> bool {
    builtin && field == "finalizers"
}

/// The `k:{...}` element naming one item of a keyed list. Protocol defaults to TCP, as the
/// server defaults it before keys are compared.
pub fn item_key(item: &Value, keys: &[&str]) -> String {
    let mut key = Map::new();
    for k in keys {
        match item.get(*k) {
            Some(v) => {
                key.insert(k.to_string(), v.clone());
            }
            None if *k == "protocol" => {
                key.insert(k.to_string(), Value::String("TCP".into()));
            }
            None => {}
        }
    }
    format!("k:{}", Value::Object(key))
}

pub fn item_matches(item: &Value, element: &str) -> bool {
    let Some(Ok(Value::Object(key))) = element
        .strip_prefix("k:")
        .map(serde_json::from_str::<Value>)
    else {
        return false;
    };
    key.iter().all(|(k, v)| match item.get(k) {
        Some(found) => found == v,
        None => k == "protocol" && v == "TCP",
    })
}

impl FieldSet {
    /// Every field an object sets, as its manager would own them.
    pub fn of_object(object: &Value, builtin: bool) -> Self {
        let mut set = FieldSet::default();
        if let Value::Object(map) = object {
            for (k, v) in map {
                if UNTRACKED_TOP.contains(&k.as_str()) {
                    continue;
                }
                if k == "metadata" {
                    let mut meta = v.clone();
                    if let Value::Object(m) = &mut meta {
                        m.retain(|field, _| !UNTRACKED_META.contains(&field.as_str()));
                        if m.is_empty() {
                            continue;
                        }
                    }
                    fill(&meta, set.child("f:metadata"), builtin, "metadata");
                } else {
                    fill(v, set.child(&format!("f:{k}")), builtin, k);
                }
            }
        }
        set
    }

    fn child(&mut self, element: &str) -> &mut FieldSet {
        self.children.entry(element.to_string()).or_default()
    }

    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    pub fn from_fields_v1(value: &Value) -> Self {
        let mut set = FieldSet::default();
        if let Value::Object(map) = value {
            if map.is_empty() {
                set.member = true;
            }
            for (k, v) in map {
                if k == "." {
                    set.member = true;
                } else {
                    set.children.insert(k.clone(), FieldSet::from_fields_v1(v));
                }
            }
        }
        set
    }

    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), Value::Object(Map::new()));
        }
        for (k, child) in &self.children {
            if !child.is_empty() {
                map.insert(k.clone(), child.to_fields_v1());
            }
        }
        Value::Object(map)
    }

    pub fn union(&mut self, other: &FieldSet) {
        self.member |= other.member;
        for (k, child) in &other.children {
            self.child(k).union(child);
        }
    }

    /// Members of `self` that are not members of `other`.
    pub fn minus(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (k, child) in &self.children {
            let rest = match other.children.get(k) {
                Some(o) => child.minus(o),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(k.clone(), rest);
            }
        }
        out
    }

    /// Paths of all members, outermost first.
    pub fn members(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if self.member && !prefix.is_empty() {
            out.push(prefix.clone());
        }
        for (k, child) in &self.children {
            prefix.push(k.clone());
            child.collect(prefix, out);
            prefix.pop();
        }
    }

    /// Members with no member below them: the values a manager actually sets.
    pub fn leaves(&self) -> Vec<Vec<String>> {
        self.members()
            .into_iter()
            .filter(|p| {
                self.node(p)
                    .is_some_and(|n| n.children.values().all(FieldSet::is_empty))
            })
            .collect()
    }

    pub fn node(&self, path: &[String]) -> Option<&FieldSet> {
        path.iter()
            .try_fold(self, |node, element| node.children.get(element))
    }

    pub fn contains(&self, path: &[String]) -> bool {
        self.node(path).is_some_and(|n| n.member)
    }

    /// Whether the path, or anything below it, is in the set.
    pub fn touches(&self, path: &[String]) -> bool {
        self.node(path).is_some_and(|n| !n.is_empty())
    }

    pub fn insert(&mut self, path: &[String]) {
        let mut node = self;
        for element in path {
            node = node.child(element);
        }
        node.member = true;
    }
}

fn fill(value: &Value, node: &mut FieldSet, builtin: bool, field: &str) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            if GRANULAR_MAPS.contains(&field) {
                node.member = true;
            }
            for (k, v) in map {
                fill(v, node.child(&format!("f:{k}")), builtin, k);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            if let Some(keys) = list_keys(builtin, field, items) {
                for item in items {
                    let child = node.child(&item_key(item, keys));
                    child.member = true;
                    if let Value::Object(m) = item {
                        for (k, v) in m {
                            fill(v, child.child(&format!("f:{k}")), builtin, k);
                        }
                    }
                }
            } else if is_scalar_set(builtin, field) {
                for item in items {
                    node.child(&format!("v:{item}")).member = true;
                }
            } else {
                node.member = true;
            }
        }
        _ => node.member = true,
    }
}

/// The value at a path of an object, if present.
pub fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(object, |value, element| {
        if let Some(field) = element.strip_prefix("f:") {
            value.get(field)
        } else if let Some(scalar) = element.strip_prefix("v:") {
            let wanted: Value = serde_json::from_str(scalar).ok()?;
            value.as_array()?.iter().find(|v| **v == wanted)
        } else {
            value
                .as_array()?
                .iter()
                .find(|item| item_matches(item, element))
        }
    })
}

/// Removes the value at a path; missing paths are fine.
pub fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut value = object;
    for element in parents {
        let next = if let Some(field) = element.strip_prefix("f:") {
            value.get_mut(field)
        } else {
            value
                .as_array_mut()
                .and_then(|items| items.iter_mut().find(|item| item_matches(item, element)))
        };
        match next {
            Some(v) => value = v,
            None => return,
        }
    }
    if let Some(field) = last.strip_prefix("f:") {
        if let Value::Object(map) = value {
            map.remove(field);
        }
    } else if let Some(scalar) = last.strip_prefix("v:") {
        if let (Ok(wanted), Value::Array(items)) = (serde_json::from_str::<Value>(scalar), value) {
            items.retain(|v| *v != wanted);
        }
    } else if let Value::Array(items) = value {
        items.retain(|item| !item_matches(item, last));
    }
}

/// `.spec.containers[name="web"].image`, the way apply conflicts name fields.
pub fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for element in path {
        if let Some(field) = element.strip_prefix("f:") {
            out.push('.');
            out.push_str(field);
        } else if let Some(scalar) = element.strip_prefix("v:") {
            out.push_str(&format!("[{scalar}]"));
        } else if let Some(Ok(Value::Object(key))) = element
            .strip_prefix("k:")
            .map(serde_json::from_str::<Value>)
        {
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyed_lists_and_granular_maps_get_their_own_members() {
        let obj = json!({"apiVersion": "apps/v1", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let set = FieldSet::of_object(&obj, true);
        let fields = set.to_fields_v1();
        assert_eq!(
            fields["f:metadata"]["f:labels"],
            json!({".": {}, "f:app": {}})
        );
        assert_eq!(
            fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"],
            json!({".": {}, "f:image": {}, "f:name": {}})
        );
        assert!(
            fields["f:metadata"].get("f:name").is_none(),
            "name is not owned by a manager"
        );
        assert_eq!(FieldSet::from_fields_v1(&fields), set);
    }

    #[test]
    fn paths_resolve_through_keyed_items() {
        let obj = json!({"spec": {"ports": [{"port": 80, "name": "http"}]}});
        let set = FieldSet::of_object(&obj, true);
        let leaf = set
            .leaves()
            .into_iter()
            .find(|p| p.last().unwrap() == "f:name")
            .unwrap();
        assert_eq!(value_at(&obj, &leaf), Some(&json!("http")));
        assert_eq!(
            display_path(&leaf),
            ".spec.ports[port=80,protocol=\"TCP\"].name"
        );
        let mut obj = obj;
        remove_at(&mut obj, &leaf[..3]);
        assert_eq!(obj, json!({"spec": {"ports": []}}));
    }
}
