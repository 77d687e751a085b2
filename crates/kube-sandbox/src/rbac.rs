//! RBAC authorization from the Role, ClusterRole, RoleBinding and ClusterRoleBinding objects
//! stored in the cluster, with kube-apiserver's wording for denials.

use crate::auth::Identity;
use crate::registry::ResourceId;
use crate::store::Store;
use serde_json::{json, Value};

const RBAC: &str = "rbac.authorization.k8s.io";

/// What a request wants to do, as the authorizer sees it.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    /// Set for non-resource requests (`/version`, `/apis`…).
    pub path: Option<String>,
}

fn id(plural: &str) -> ResourceId {
    ResourceId {
        group: RBAC.into(),
        plural: plural.into(),
    }
}

fn has(list: &Value, wanted: &str) -> bool {
    list.as_array().is_some_and(|items| {
        items
            .iter()
            .any(|i| i.as_str() == Some(wanted) || i.as_str() == Some("*"))
    })
}

fn subject_matches(subject: &Value, who: &Identity) -> bool {
    let name = subject["name"].as_str().unwrap_or_default();
    match subject["kind"].as_str() {
        Some("User") => name == who.user,
        Some("Group") => who.groups.iter().any(|g| g == name),
        Some("ServiceAccount") => {
            let ns = subject["namespace"].as_str().unwrap_or_default();
            who.user == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

/// The rules that apply to `who` in `namespace` ("" = cluster scope only).
pub fn rules_for(store: &Store, who: &Identity, namespace: &str) -> Vec<Value> {
    let role_rules = |plural: &str, ns: &str, name: &str| -> Vec<Value> {
        let resource = id(plural);
        let rules = store
            .list(&resource, Some(ns))
            .find(|(k, _)| k.name == name)
            .and_then(|(_, role)| role["rules"].as_array().cloned())
            .unwrap_or_default();
        rules
    };
    let bound = |binding: &Value| {
        binding["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| subject_matches(s, who)))
    };
    let mut rules = Vec::new();
    for (_, binding) in store
        .list(&id("clusterrolebindings"), None)
        .filter(|(_, b)| bound(b))
    {
        rules.extend(role_rules(
            "clusterroles",
            "",
            binding["roleRef"]["name"].as_str().unwrap_or_default(),
        ));
    }
    if !namespace.is_empty() {
        for (_, binding) in store
            .list(&id("rolebindings"), Some(namespace))
            .filter(|(_, b)| bound(b))
        {
            let role = binding["roleRef"]["name"].as_str().unwrap_or_default();
            match binding["roleRef"]["kind"].as_str() {
                Some("ClusterRole") => rules.extend(role_rules("clusterroles", "", role)),
                _ => rules.extend(role_rules("roles", namespace, role)),
            }
        }
    }
    rules
}

fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    if !has(&rule["verbs"], &a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return rule["nonResourceURLs"].as_array().is_some_and(|urls| {
            urls.iter().filter_map(Value::as_str).any(|u| {
                u == "*" || u == path || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
            })
        });
    }
    if !has(&rule["apiGroups"], &a.group) {
        return false;
    }
    let resources = rule["resources"].as_array().cloned().unwrap_or_default();
    let resource_ok = resources.iter().filter_map(Value::as_str).any(|r| {
        if a.subresource.is_empty() {
            r == "*" || r == a.resource
        } else {
            r == "*"
                || *r == format!("{}/{}", a.resource, a.subresource)
                || *r == format!("*/{}", a.subresource)
                || *r == format!("{}/*", a.resource)
        }
    });
    if !resource_ok {
        return false;
    }
    match rule["resourceNames"].as_array() {
        Some(names) if !names.is_empty() => {
            !a.name.is_empty() && names.iter().any(|n| n.as_str() == Some(&a.name))
        }
        _ => true,
    }
}

pub fn allowed(store: &Store, who: &Identity, a: &Attributes) -> bool {
    rules_for(store, who, &a.namespace)
        .iter()
        .any(|rule| rule_allows(rule, a))
}

/// `secrets "x" is forbidden: User "u" cannot get resource "secrets" in API group "" in the namespace "ns"`.
pub fn forbidden_message(who: &Identity, a: &Attributes) -> String {
    if let Some(path) = &a.path {
        return format!(
            "forbidden: User \"{}\" cannot {} path \"{path}\"",
            who.user, a.verb
        );
    }
    let qualified = crate::status::qualified(&a.group, &a.resource);
    let subject = if a.name.is_empty() {
        format!("{qualified} is forbidden")
    } else {
        format!("{qualified} \"{}\" is forbidden", a.name)
    };
    let resource = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", a.namespace)
    };
    format!(
        "{subject}: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        who.user, a.verb, a.group
    )
}

/// The bootstrap roles every cluster starts with (a subset of kube-apiserver's; `view`,
/// `edit` and `admin` written out, not aggregated), plus the
/// bindings that make `system:masters` admins and let every user discover and review itself.
pub fn bootstrap_objects() -> Vec<Value> {
    let read = json!(["get", "list", "watch"]);
    let write = json!(["create", "delete", "deletecollection", "patch", "update"]);
    let cluster_role = |name: &str, rules: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}, "rules": rules})
    };
    let binding = |name: &str, role: &str, kind: &str, subject: &str| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
               "subjects": [{"apiGroup": RBAC, "kind": kind, "name": subject}]})
    };
    vec![
        cluster_role(
            "cluster-admin",
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
        ),
        cluster_role(
            "view",
            json!([
                {"apiGroups": [""], "resources": ["configmaps", "endpoints", "events", "namespaces", "nodes", "pods", "pods/log", "pods/status", "services", "services/status", "serviceaccounts", "namespaces/status"], "verbs": read},
                {"apiGroups": ["apps"], "resources": ["deployments", "deployments/status", "replicasets", "replicasets/status"], "verbs": read},
            ]),
        ),
        cluster_role(
            "edit",
            json!([
                {"apiGroups": [""], "resources": ["configmaps", "endpoints", "events", "namespaces", "nodes", "pods", "pods/log", "pods/status", "services", "services/status", "serviceaccounts", "namespaces/status"], "verbs": read},
                {"apiGroups": ["apps"], "resources": ["deployments", "deployments/status", "replicasets", "replicasets/status"], "verbs": read},
                {"apiGroups": [""], "resources": ["configmaps", "pods", "secrets", "services", "serviceaccounts"], "verbs": write},
                {"apiGroups": [""], "resources": ["secrets"], "verbs": read},
                {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "replicasets", "replicasets/scale"], "verbs": write},
            ]),
        ),
        cluster_role(
            "admin",
            json!([
                {"apiGroups": ["", "apps"], "resources": ["*"], "verbs": ["*"]},
                {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["*"]},
                {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]},
            ]),
        ),
        cluster_role(
            "system:discovery",
            json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
        cluster_role(
            "system:basic-user",
            json!([
                {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
            ]),
        ),
        binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        binding(
            "system:discovery",
            "system:discovery",
            "Group",
            "system:authenticated",
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            "Group",
            "system:authenticated",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Key;

    fn store_with(objects: Vec<Value>) -> Store {
        let mut store = Store::new(100);
        for o in objects {
            let plural = match o["kind"].as_str().unwrap() {
                "ClusterRole" => "clusterroles",
                "ClusterRoleBinding" => "clusterrolebindings",
                "Role" => "roles",
                _ => "rolebindings",
            };
            let key = Key {
                resource: id(plural),
                namespace: o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                name: o["metadata"]["name"].as_str().unwrap().into(),
            };
            store.put(key, o);
        }
        store
    }

    #[test]
    fn role_bindings_grant_only_in_their_namespace() {
        let mut objects = bootstrap_objects();
        objects.push(json!({"kind": "Role", "metadata": {"name": "reader", "namespace": "team"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["one"]}]}));
        objects.push(json!({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "team"},
            "roleRef": {"kind": "Role", "name": "reader"}, "subjects": [{"kind": "User", "name": "dev"}]}));
        let store = store_with(objects);
        let dev = Identity {
            user: "dev".into(),
            groups: vec!["system:authenticated".into()],
        };
        let mut a = Attributes {
            verb: "get".into(),
            resource: "secrets".into(),
            namespace: "team".into(),
            name: "one".into(),
            ..Default::default()
        };
        assert!(allowed(&store, &dev, &a));
        a.name = "two".into();
        assert!(!allowed(&store, &dev, &a));
        a.verb = "list".into();
        a.name.clear();
        assert_eq!(
            forbidden_message(&dev, &a),
            "secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"team\""
        );
        let discovery = Attributes {
            verb: "get".into(),
            path: Some("/apis/apps/v1".into()),
            ..Default::default()
        };
        assert!(allowed(&store, &dev, &discovery));
        let admin = Identity {
            user: "root".into(),
            groups: vec!["system:masters".into()],
        };
        assert!(allowed(&store, &admin, &a));
    }

    #[test]
    fn edit_writes_workloads_but_not_roles() {
        let mut objects = bootstrap_objects();
        objects.push(json!({"kind": "RoleBinding", "metadata": {"name": "e", "namespace": "team"},
            "roleRef": {"kind": "ClusterRole", "name": "edit"}, "subjects": [{"kind": "User", "name": "ed"}]}));
        let store = store_with(objects);
        let ed = Identity {
            user: "ed".into(),
            groups: vec!["system:authenticated".into()],
        };
        let can = |verb: &str, group: &str, resource: &str| {
            let a = Attributes {
                verb: verb.into(),
                group: group.into(),
                resource: resource.into(),
                namespace: "team".into(),
                ..Default::default()
            };
            allowed(&store, &ed, &a)
        };
        assert!(
            can("create", "", "secrets")
                && can("get", "", "secrets")
                && can("patch", "apps", "deployments")
        );
        assert!(!can("create", "rbac.authorization.k8s.io", "roles"));
    }
}
