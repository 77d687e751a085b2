//! The KubeSphere CRDs a host holds, with the names, scopes, versions, categories and printer
//! columns of KS `config/ks-core/charts/ks-crds/crds/*.yaml` and schemas written from the
//! Go types (KS `staging/src/kubesphere.io/api/…/types.go`), without their descriptions.

use serde_json::{json, Value};

fn string() -> Value {
    json!({"type": "string"})
}

fn object(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}

fn free_object() -> Value {
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

fn conditions() -> Value {
    json!({"type": "array", "items": object(json!({
        "type": string(), "status": string(), "lastUpdateTime": {"type": "string", "format": "date-time"},
        "lastTransitionTime": {"type": "string", "format": "date-time"}, "reason": string(), "message": string()}))})
}

struct Crd<'a> {
    group: &'a str,
    kind: &'a str,
    plural: &'a str,
    namespaced: bool,
    versions: &'a [&'a str],
    categories: &'a [&'a str],
    columns: Value,
    spec: Value,
    status: Value,
}

impl Crd<'_> {
    /// The last version listed is the storage version.
    fn build(self) -> Value {
        let schema = json!({"openAPIV3Schema": {"type": "object", "properties": {
            "apiVersion": string(), "kind": string(), "metadata": {"type": "object"},
            "spec": self.spec, "status": self.status}}});
        let versions: Vec<Value> = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                json!({"name": v, "served": true, "storage": i + 1 == self.versions.len(),
                       "schema": schema, "subresources": {}, "additionalPrinterColumns": self.columns})
            })
            .collect();
        let mut names = json!({"kind": self.kind, "listKind": format!("{}List", self.kind),
            "plural": self.plural, "singular": self.kind.to_lowercase()});
        if !self.categories.is_empty() {
            names["categories"] = json!(self.categories);
        }
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{}.{}", self.plural, self.group),
                         "annotations": {"controller-gen.kubebuilder.io/version": "v0.13.0"}},
            "spec": {"group": self.group, "names": names,
                     "scope": if self.namespaced { "Namespaced" } else { "Cluster" }, "versions": versions}})
    }
}

/// `clusters.cluster.kubesphere.io`: no status sub-resource (`subresources: {}`), so tower and
/// ks-controller-manager write status with ordinary updates, as they do.
pub fn clusters() -> Value {
    let connection = object(json!({
        "type": {"type": "string", "enum": ["direct", "proxy"]}, "kubesphereAPIEndpoint": string(),
        "kubernetesAPIEndpoint": string(), "externalKubernetesAPIEndpoint": string(),
        "kubeconfig": {"type": "string", "format": "byte"}, "token": string(),
        "kubernetesAPIServerPort": {"type": "integer"}, "kubesphereAPIServerPort": {"type": "integer"}}));
    Crd {
        group: "cluster.kubesphere.io",
        kind: "Cluster",
        plural: "clusters",
        namespaced: false,
        versions: &["v1alpha1"],
        categories: &[],
        columns: json!([{"name": "Provider", "type": "string", "jsonPath": ".spec.provider"},
                        {"name": "Version", "type": "string", "jsonPath": ".status.kubernetesVersion"}]),
        spec: object(json!({"joinFederation": {"type": "boolean"}, "enable": {"type": "boolean"},
            "provider": string(), "connection": connection, "config": {"type": "string", "format": "byte"},
            "externalKubeAPIEnabled": {"type": "boolean"}})),
        status: object(json!({"conditions": conditions(), "kubernetesVersion": string(),
            "kubeSphereVersion": string(), "nodeCount": {"type": "integer"}, "zones": {"type": "array", "items": string()},
            "region": string(), "configz": {"type": "object", "additionalProperties": {"type": "boolean"}}, "uid": string()})),
    }
    .build()
}

/// `labels.cluster.kubesphere.io`: the cluster tags.
pub fn labels() -> Value {
    Crd {
        group: "cluster.kubesphere.io",
        kind: "Label",
        plural: "labels",
        namespaced: false,
        versions: &["v1alpha1"],
        categories: &[],
        columns: json!([{"name": "Key", "type": "string", "jsonPath": ".spec.key"},
                        {"name": "Value", "type": "string", "jsonPath": ".spec.value"}]),
        spec: object(
            json!({"key": string(), "value": string(), "backgroundColor": string(),
                            "clusters": {"type": "array", "items": string()}}),
        ),
        status: free_object(),
    }
    .build()
}

fn role_ref() -> Value {
    object(json!({"apiGroup": string(), "kind": string(), "name": string()}))
}

fn subjects() -> Value {
    json!({"type": "array", "items": object(json!({"apiGroup": string(), "kind": string(), "name": string(), "namespace": string()}))})
}

/// globalroles, globalrolebindings and users of `iam.kubesphere.io` (v1alpha2 and v1beta1).
pub fn iam() -> Vec<Value> {
    let rules = json!({"type": "array", "items": free_object()});
    vec![
        Crd {
            group: "iam.kubesphere.io",
            kind: "GlobalRole",
            plural: "globalroles",
            namespaced: false,
            versions: &["v1alpha2", "v1beta1"],
            categories: &["iam"],
            columns: json!([]),
            spec: free_object(),
            status: free_object(),
        }
        .build_with(&[("rules", rules)]),
        Crd {
            group: "iam.kubesphere.io",
            kind: "GlobalRoleBinding",
            plural: "globalrolebindings",
            namespaced: false,
            versions: &["v1alpha2", "v1beta1"],
            categories: &["iam"],
            columns: json!([]),
            spec: free_object(),
            status: free_object(),
        }
        .build_with(&[("roleRef", role_ref()), ("subjects", subjects())]),
        Crd {
            group: "iam.kubesphere.io",
            kind: "User",
            plural: "users",
            namespaced: false,
            versions: &["v1alpha2", "v1beta1"],
            categories: &["iam"],
            columns: json!([{"name": "Email", "type": "string", "jsonPath": ".spec.email"},
                            {"name": "Status", "type": "string", "jsonPath": ".status.state"}]),
            spec: object(json!({"email": string(), "lang": string(), "description": string(),
                                "displayName": string(), "groups": {"type": "array", "items": string()}, "password": string()})),
            status: object(json!({"state": string(), "reason": string(), "lastTransitionTime": {"type": "string", "format": "date-time"},
                                  "lastLoginTime": {"type": "string", "format": "date-time"}})),
        }
        .build(),
    ]
}

/// `clusterrolebindings.iam.kubesphere.io`, which ks-core installs on members too.
pub fn iam_cluster_role_bindings() -> Value {
    Crd {
        group: "iam.kubesphere.io",
        kind: "ClusterRoleBinding",
        plural: "clusterrolebindings",
        namespaced: false,
        versions: &["v1beta1"],
        categories: &["iam"],
        columns: json!([]),
        spec: free_object(),
        status: free_object(),
    }
    .build_with(&[("roleRef", role_ref()), ("subjects", subjects())])
}

/// extensions and installplans of `kubesphere.io`, and `extensions.kubesphere.io` APIServices.
pub fn extensions() -> Vec<Value> {
    let state = json!([{"name": "State", "type": "string", "jsonPath": ".status.state"}]);
    vec![
        Crd {
            group: "kubesphere.io",
            kind: "Extension",
            plural: "extensions",
            namespaced: false,
            versions: &["v1alpha1"],
            categories: &["extensions"],
            columns: state.clone(),
            spec: free_object(),
            status: object(json!({"state": string(), "enabled": {"type": "boolean"}, "installedVersion": string(),
                                  "recommendedVersion": string(), "conditions": conditions()})),
        }
        .build(),
        Crd {
            group: "kubesphere.io",
            kind: "InstallPlan",
            plural: "installplans",
            namespaced: false,
            versions: &["v1alpha1"],
            categories: &["extensions"],
            columns: state,
            spec: object(json!({"extension": object(json!({"name": string(), "version": string()})),
                                "enabled": {"type": "boolean"}, "upgradeStrategy": string(), "config": string()})),
            status: object(json!({"state": string(), "enabled": {"type": "boolean"}, "releaseName": string(),
                                  "targetNamespace": string(), "conditions": conditions()})),
        }
        .build(),
        Crd {
            group: "extensions.kubesphere.io",
            kind: "APIService",
            plural: "apiservices",
            namespaced: false,
            versions: &["v1alpha1"],
            categories: &["extensions"],
            columns: json!([{"name": "Service Group", "type": "string", "jsonPath": ".spec.group"},
                            {"name": "Version", "type": "string", "jsonPath": ".spec.version"},
                            {"name": "Status", "type": "string", "jsonPath": ".status.state"}]),
            spec: object(json!({"group": string(), "version": string(), "url": string(), "insecureSkipTLSVerify": {"type": "boolean"}})),
            status: object(json!({"state": string(), "conditions": conditions()})),
        }
        .build(),
    ]
}

/// KubeSphere 3.x: `clusterconfigurations.installer.kubesphere.io` (namespaced, `cc`).
pub fn cluster_configurations() -> Value {
    let mut crd = Crd {
        group: "installer.kubesphere.io",
        kind: "ClusterConfiguration",
        plural: "clusterconfigurations",
        namespaced: true,
        versions: &["v1alpha1"],
        categories: &[],
        columns: json!([]),
        spec: free_object(),
        status: free_object(),
    }
    .build();
    crd["spec"]["names"]["shortNames"] = json!(["cc"]);
    crd
}

impl Crd<'_> {
    /// With top-level properties (e.g. `rules`, `roleRef`) beside spec and status, where
    /// the Go types keep them.
    fn build_with(self, properties: &[(&str, Value)]) -> Value {
        let mut crd = self.build();
        for version in crd["spec"]["versions"].as_array_mut().into_iter().flatten() {
            for (name, schema) in properties {
                version["schema"]["openAPIV3Schema"]["properties"][*name] = schema.clone();
            }
        }
        crd
    }
}
