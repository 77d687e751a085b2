//! Which resources a cluster serves: the built-in kinds, plus custom resources registered at
//! run time from the CustomResourceDefinition objects stored in the cluster.

use serde_json::Value;

/// Verbs of an ordinary resource, in discovery's order.
const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Where a resource's table columns come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Printer {
    /// The server's compiled-in printer for this kind.
    Builtin,
    /// A CRD's `additionalPrinterColumns` (name, type, jsonPath, priority, description).
    Columns(Vec<PrinterColumn>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    pub type_: String,
    pub json_path: String,
    pub priority: i64,
    pub description: String,
}

/// One resource in one group version.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub verbs: Vec<String>,
    /// Sub-resources served: `status`, `log`.
    pub subresources: Vec<String>,
    pub printer: Printer,
    /// Built-in kinds get strategic merge patch and default list-merge keys; custom ones don't.
    pub builtin: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|s| s == "status")
    }

    /// Only objects that exist to be created and read back can be listed and watched.
    pub fn is_create_only(&self) -> bool {
        self.verbs == ["create"]
    }
}

/// Identifies where objects of a resource are stored, independent of the version served.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    pub group: String,
    pub plural: String,
}

impl ResourceType {
    pub fn id(&self) -> ResourceId {
        ResourceId {
            group: self.group.clone(),
            plural: self.plural.clone(),
        }
    }
}

struct Builtin {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    subresources: &'static [&'static str],
    create_only: bool,
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    subresources: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        kind,
        plural,
        namespaced,
        short_names,
        subresources,
        create_only: false,
    }
}

const fn review(group: &'static str, kind: &'static str, plural: &'static str) -> Builtin {
    Builtin {
        group,
        version: "v1",
        kind,
        plural,
        namespaced: false,
        short_names: &[],
        subresources: &[],
        create_only: true,
    }
}

const BUILTINS: &[Builtin] = &[
    kind(
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        &["status", "finalize"],
    ),
    kind("", "v1", "Node", "nodes", false, &["no"], &["status"]),
    kind("", "v1", "Pod", "pods", true, &["po"], &["status", "log"]),
    kind("", "v1", "Service", "services", true, &["svc"], &["status"]),
    kind("", "v1", "Secret", "secrets", true, &[], &[]),
    kind("", "v1", "ConfigMap", "configmaps", true, &["cm"], &[]),
    kind(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        &[],
    ),
    kind("", "v1", "Event", "events", true, &["ev"], &[]),
    kind(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        &["status", "scale"],
    ),
    kind(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        &["status", "scale"],
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
        &[],
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        &[],
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        &[],
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        &[],
    ),
    kind(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        &["status"],
    ),
    review(
        "authorization.k8s.io",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
    ),
    review(
        "authorization.k8s.io",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreviews",
    ),
    review(
        "authentication.k8s.io",
        "SelfSubjectReview",
        "selfsubjectreviews",
    ),
];

fn builtin_types() -> Vec<ResourceType> {
    BUILTINS
        .iter()
        .map(|b| ResourceType {
            group: b.group.into(),
            version: b.version.into(),
            kind: b.kind.into(),
            plural: b.plural.into(),
            singular: b.kind.to_lowercase(),
            namespaced: b.namespaced,
            short_names: b.short_names.iter().map(|s| s.to_string()).collect(),
            categories: if matches!(
                b.plural,
                "pods" | "services" | "deployments" | "replicasets"
            ) {
                vec!["all".into()]
            } else {
                Vec::new()
            },
            verbs: if b.create_only {
                vec!["create".into()]
            } else {
                ALL_VERBS.iter().map(|v| v.to_string()).collect()
            },
            subresources: b.subresources.iter().map(|s| s.to_string()).collect(),
            printer: Printer::Builtin,
            builtin: true,
        })
        .collect()
}

/// The resources of one cluster; rebuilt whenever CRDs change.
#[derive(Debug, Clone)]
pub struct Registry {
    builtin: Vec<ResourceType>,
    custom: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            builtin: builtin_types(),
            custom: Vec::new(),
        }
    }
}

impl Registry {
    pub fn all(&self) -> impl Iterator<Item = &ResourceType> {
        self.builtin.iter().chain(&self.custom)
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.all()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// Any served version of a stored resource (for controllers and garbage collection).
    pub fn by_id(&self, id: &ResourceId) -> Option<&ResourceType> {
        self.all()
            .find(|r| r.group == id.group && r.plural == id.plural)
    }

    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        self.all()
            .find(|r| r.api_version() == api_version && r.kind == kind)
    }

    /// [`Self::by_kind`] for the sandbox's own API: a kind nothing serves is an error.
    pub fn serving(&self, api_version: &str, kind: &str) -> Result<ResourceType, crate::Error> {
        self.by_kind(api_version, kind).cloned().ok_or_else(|| {
            crate::Error::InvalidObject(format!("no resource serves {api_version} {kind}"))
        })
    }

    /// Group versions in discovery order: the legacy core group is served under `/api`.
    pub fn group_versions(&self) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = Vec::new();
        for r in self.all() {
            let gv = (r.group.clone(), r.version.clone());
            if !seen.contains(&gv) {
                seen.push(gv);
            }
        }
        seen
    }

    /// Re-reads custom resources from the stored CRDs that are established.
    pub fn set_crds<'a>(&mut self, crds: impl Iterator<Item = &'a Value>) {
        self.custom = crds
            .filter(|crd| crd["metadata"]["deletionTimestamp"].is_null())
            .flat_map(from_crd)
            .collect();
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// One resource type per served version of a CRD.
fn from_crd(crd: &Value) -> Vec<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        names["plural"].as_str(),
        names["kind"].as_str(),
    ) else {
        return Vec::new();
    };
    let singular = names["singular"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| kind.to_lowercase());
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .filter_map(|v| {
            let version = v["name"].as_str()?;
            let mut subresources = Vec::new();
            if v["subresources"]["status"].is_object() {
                subresources.push("status".to_string());
            }
            let columns = v["additionalPrinterColumns"]
                .as_array()
                .map(|cols| {
                    cols.iter()
                        .filter_map(|c| {
                            Some(PrinterColumn {
                                name: c["name"].as_str()?.into(),
                                type_: c["type"].as_str().unwrap_or("string").into(),
                                json_path: c["jsonPath"].as_str()?.into(),
                                priority: c["priority"].as_i64().unwrap_or(0),
                                description: c["description"].as_str().unwrap_or_default().into(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(ResourceType {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
                plural: plural.into(),
                singular: singular.clone(),
                namespaced,
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                verbs: ALL_VERBS.iter().map(|v| v.to_string()).collect(),
                subresources,
                printer: Printer::Columns(columns),
                builtin: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_versions_become_resources_with_scope_and_columns() {
        let crd = json!({"spec": {"group": "cluster.kubesphere.io", "scope": "Cluster",
            "names": {"plural": "clusters", "kind": "Cluster", "singular": "cluster"},
            "versions": [{"name": "v1alpha1", "served": true, "subresources": {"status": {}},
                "additionalPrinterColumns": [{"name": "Federated", "type": "boolean", "jsonPath": ".spec.joinFederation"}]}]}});
        let mut registry = Registry::default();
        registry.set_crds(std::iter::once(&crd));
        let r = registry
            .find("cluster.kubesphere.io", "v1alpha1", "clusters")
            .unwrap();
        assert!(!r.namespaced);
        assert!(r.has_status());
        assert!(
            matches!(&r.printer, Printer::Columns(c) if c[0].json_path == ".spec.joinFederation")
        );
    }
}
