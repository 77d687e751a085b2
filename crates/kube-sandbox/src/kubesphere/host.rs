//! What a KubeSphere 4.1 host with the tower extension holds before anyone adds a cluster
//! (or a 3.4 host, or one without the extension): namespaces, workloads, Services, the
//! configuration, the CRDs and their objects, users and the host Cluster. Names, labels and
//! annotations follow the ks-core chart (KS `config/ks-core`), the extension's charts (TEXT
//! `charts/tower`, `charts/backend`, `extension.yaml`) and the seed procedure.

use super::crds;
use super::{AddressSource, ExtensionState, HostSpec, NODE_EXTERNAL_IP, PUBLIC_IP};
use base64::Engine;
use serde_json::{json, Value};

pub const KS_VERSION: &str = "v4.1.3";
pub const KS3_VERSION: &str = "v3.4.1";
pub const TOWER_IMAGE: &str = "kubesphere/tower:v0.2.1";
pub const HOST_NODE_IP: &str = "192.168.0.10";

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn deployment(
    namespace: &str,
    name: &str,
    labels: Value,
    replicas: u32,
    container: Value,
) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})
}

fn service(namespace: &str, name: &str, selector: Value, spec: Value) -> Value {
    let mut svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": selector}, "spec": spec});
    svc["spec"]["selector"] = selector;
    svc
}

/// `kubesphere.yaml` of ConfigMap `kubesphere-config`, with its `multicluster` section.
fn kubesphere_yaml(spec: &HostSpec) -> String {
    let address = match spec.address_source {
        AddressSource::ConfigMap | AddressSource::Installer => {
            "  proxyPublishService: tower.kubesphere-system.svc\n"
        }
        AddressSource::Secret => "",
    };
    format!(
        "authentication:\n  issuer:\n    jwtSecret: sandbox-jwt-secret\n    maximumClockSkew: 10s\n\
         multicluster:\n  clusterRole: host\n  hostClusterName: host\n{address}\
         terminal:\n  image: alpine:3.15\n  timeout: 600\n"
    )
}

/// Secret `kubesphere-system/tower` exactly as the seed procedure shows it, holding what an
/// earlier extension version wrote (keys the app must keep) and no proxy address yet; or,
/// with `broken_config`, the same keys after a hand edit left a flow sequence unclosed.
fn tower_secret(spec: &HostSpec) -> Value {
    let configuration = if spec.broken_config {
        "agentImage: [kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\n"
    } else {
        "agentImage: kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\n"
    };
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "tower", "namespace": "kubesphere-system",
            "labels": {"app.kubernetes.io/managed-by": "Helm", "config.kubesphere.io/type": "cluster-connection-config",
                       "kubesphere.io/extension-ref": "tower"},
            "annotations": {"meta.helm.sh/release-name": "tower", "meta.helm.sh/release-namespace": "extension-tower"}},
        "type": "config.kubesphere.io/cluster-connection-config",
        "data": {"configuration.yaml": base64::engine::general_purpose::STANDARD.encode(configuration)}})
}

fn tower_objects(spec: &HostSpec) -> Vec<Value> {
    let enabled = spec.extension == ExtensionState::Enabled;
    // Disabling an extension in 4.1 keeps its release but stops its workloads (replicas 0).
    let replicas = u32::from(enabled);
    let tower = json!({"app": "tower", "app.kubernetes.io/name": "tower"});
    let backend =
        json!({"app.kubernetes.io/name": "backend", "app.kubernetes.io/instance": "tower"});
    let mut objects = vec![
        namespace("extension-tower"),
        deployment(
            "kubesphere-system",
            "tower",
            tower.clone(),
            replicas,
            json!({"name": "tower", "image": TOWER_IMAGE, "command": ["/proxy", "--ca-cert=/ca.crt", "--ca-key=/ca.key", "--v=4"],
                   "ports": [{"containerPort": 8080, "protocol": "TCP"}]}),
        ),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "tower", "namespace": "kubesphere-system", "labels": {"app": "tower"}},
            "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster", "sessionAffinity": "None",
                     "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}], "selector": {"app": "tower"}}}),
        deployment(
            "extension-tower",
            "tower-backend",
            backend.clone(),
            replicas,
            json!({"name": "backend", "image": "iawia002/tower-extension:v1.0.0", "command": ["apiserver"],
                   "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}),
        ),
        service(
            "extension-tower",
            "tower-backend",
            backend,
            json!({"type": "ClusterIP", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]}),
        ),
        json!({"apiVersion": "extensions.kubesphere.io/v1alpha1", "kind": "APIService",
            "metadata": {"name": "v1alpha1.tower.kubesphere.io"},
            "spec": {"group": "tower.kubesphere.io", "version": "v1alpha1", "url": "http://tower-backend.extension-tower.svc"},
            "status": {"state": if enabled { "Available" } else { "Unavailable" }}}),
        json!({"apiVersion": "kubesphere.io/v1alpha1", "kind": "Extension",
            "metadata": {"name": "tower", "labels": {"kubesphere.io/repository-ref": "extensions-museum"}},
            "spec": {"displayName": {"en": "KubeSphere Multi-Cluster Agent Connection", "zh": "KubeSphere 多集群代理连接"},
                     "provider": {"en": {"name": "QingCloud Technologies", "url": "https://kubesphere.io"}}},
            "status": {"state": "Installed", "enabled": enabled, "installedVersion": "1.0.0", "recommendedVersion": "1.0.0"}}),
        json!({"apiVersion": "kubesphere.io/v1alpha1", "kind": "InstallPlan", "metadata": {"name": "tower"},
            "spec": {"extension": {"name": "tower", "version": "1.0.0"}, "enabled": enabled, "upgradeStrategy": "Manual"},
            "status": {"state": "Installed", "enabled": enabled, "releaseName": "tower", "targetNamespace": "extension-tower"}}),
    ];
    if spec.address_source == AddressSource::Secret {
        objects.push(tower_secret(spec));
    }
    objects
}

/// KubeSphere 3.4: tower ships with ks-core; ks-installer's ClusterConfiguration holds the
/// multicluster settings (KS `release-3.4`).
fn v3_objects() -> Vec<Value> {
    let tower = json!({"app": "tower", "app.kubernetes.io/name": "tower"});
    vec![
        crds::cluster_configurations(),
        deployment(
            "kubesphere-system",
            "tower",
            tower,
            1,
            json!({"name": "tower", "image": "kubesphere/tower:v3.4.1", "command": ["/proxy", "--ca-cert=/ca.crt", "--ca-key=/ca.key", "--v=4"]}),
        ),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "tower", "namespace": "kubesphere-system", "labels": {"app": "tower"}},
            "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}], "selector": {"app": "tower"}}}),
        json!({"apiVersion": "installer.kubesphere.io/v1alpha1", "kind": "ClusterConfiguration",
            "metadata": {"name": "ks-installer", "namespace": "kubesphere-system", "labels": {"version": KS3_VERSION}},
            "spec": {"multicluster": {"clusterRole": "host"}, "common": {"core": {"console": {"enableMultiLogin": true, "port": 30880}}}},
            "status": {"core": {"status": "enabled", "version": KS3_VERSION}, "multicluster": {"status": "enabled"}}}),
    ]
}

fn users() -> Vec<Value> {
    let user = |name: &str, email: &str, role: &str| {
        json!({"apiVersion": "iam.kubesphere.io/v1beta1", "kind": "User",
            "metadata": {"name": name, "annotations": {"iam.kubesphere.io/globalrole": role}},
            "spec": {"email": email}, "status": {"state": "Active"}})
    };
    let binding = |user: &str, role: &str| {
        json!({"apiVersion": "iam.kubesphere.io/v1beta1", "kind": "GlobalRoleBinding",
            "metadata": {"name": format!("{user}-{role}"),
                         "labels": {"iam.kubesphere.io/role-ref": role, "iam.kubesphere.io/user-ref": user}},
            "roleRef": {"apiGroup": "iam.kubesphere.io", "kind": "GlobalRole", "name": role},
            "subjects": [{"apiGroup": "iam.kubesphere.io", "kind": "User", "name": user}]})
    };
    let role = |name: &str, rules: Value| json!({"apiVersion": "iam.kubesphere.io/v1beta1", "kind": "GlobalRole", "metadata": {"name": name}, "rules": rules});
    vec![
        role(
            "platform-admin",
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
        ),
        role(
            "platform-regular",
            json!([{"apiGroups": ["iam.kubesphere.io"], "resources": ["users"], "verbs": ["get", "list"]}]),
        ),
        role(
            "platform-self-provisioner",
            json!([{"apiGroups": ["tenant.kubesphere.io"], "resources": ["workspaces"], "verbs": ["create"]}]),
        ),
        user(crate::ADMIN, "admin@kubesphere.io", "platform-admin"),
        binding(crate::ADMIN, "platform-admin"),
        user(crate::VIEWER, "viewer@kubesphere.io", "platform-regular"),
        binding(crate::VIEWER, "platform-regular"),
    ]
}

/// The host Cluster (KS creates it from `multicluster.hostClusterName`) and a few tags.
fn clusters(ks_version: &str) -> Vec<Value> {
    let tag = |id: &str, key: &str, value: &str, color: &str| {
        json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Label",
            "metadata": {"name": id, "finalizers": ["finalizers.kubesphere.io/cluster-label"]},
            "spec": {"key": key, "value": value, "backgroundColor": color, "clusters": ["host"]}})
    };
    let condition = |t: &str, message: &str| json!({"type": t, "status": "True", "reason": t, "message": message});
    vec![
        tag("k7xq2m", "env", "production", "#3385FF"),
        tag("p9ds4w", "region", "beijing", "#F5A623"),
        json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster",
            "metadata": {"name": "host", "finalizers": ["finalizer.cluster.kubesphere.io"],
                "labels": {"cluster-role.kubesphere.io/host": "", "cluster.kubesphere.io/visibility": "public",
                           "label.cluster.kubesphere.io/k7xq2m": "", "label.cluster.kubesphere.io/p9ds4w": ""},
                "annotations": {"cluster.kubesphere.io/label-ids": "k7xq2m,p9ds4w"}},
            "spec": {"provider": "kubesphere", "connection": {"type": "direct"}, "joinFederation": true},
            "status": {"conditions": [condition("Ready", "Cluster is available now")],
                       "kubernetesVersion": "v1.32.0", "kubeSphereVersion": ks_version, "nodeCount": 1}}),
    ]
}

/// Every object of a host built to `spec`, in creation order.
pub fn objects(spec: &HostSpec) -> Vec<Value> {
    let v3 = spec.address_source == AddressSource::Installer;
    let ks_version = if v3 { KS3_VERSION } else { KS_VERSION };
    let ks = json!({"app": "ks-apiserver", "tier": "backend"});
    let console = json!({"app": "ks-console", "tier": "frontend"});
    let mut objects = vec![
        namespace("kubesphere-system"),
        namespace("kubesphere-controls-system"),
    ];
    objects.push(crds::clusters());
    objects.push(crds::labels());
    objects.extend(crds::iam());
    objects.push(crds::iam_cluster_role_bindings());
    objects.extend(crds::extensions());
    objects.extend([
        deployment("kubesphere-system", "ks-apiserver", ks.clone(), 1,
            json!({"name": "ks-apiserver", "image": format!("kubesphere/ks-apiserver:{ks_version}"), "command": ["ks-apiserver", "--logtostderr=true"]})),
        service("kubesphere-system", "ks-apiserver", ks,
            json!({"type": "ClusterIP", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 9090}]})),
        deployment("kubesphere-system", "ks-console", console.clone(), 1,
            json!({"name": "ks-console", "image": format!("kubesphere/ks-console:{ks_version}")})),
        service("kubesphere-system", "ks-console", console,
            json!({"type": "NodePort", "ports": [{"name": "nginx", "port": 80, "protocol": "TCP", "targetPort": 8000, "nodePort": 30880}]})),
        deployment("kubesphere-system", "ks-controller-manager", json!({"app": "ks-controller-manager", "tier": "backend"}), 1,
            json!({"name": "ks-controller-manager", "image": format!("kubesphere/ks-controller-manager:{ks_version}")})),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubesphere-config", "namespace": "kubesphere-system",
            "labels": {"app.kubernetes.io/managed-by": "Helm"}, "annotations": {"meta.helm.sh/release-name": "ks-core", "meta.helm.sh/release-namespace": "kubesphere-system"}},
            "data": {"kubesphere.yaml": kubesphere_yaml(spec)}}),
    ]);
    if v3 {
        objects.extend(v3_objects());
    } else if spec.extension != ExtensionState::Absent {
        objects.extend(tower_objects(spec));
    }
    objects.extend(users());
    objects.extend(clusters(ks_version));
    objects
}

/// The host node's addresses: an InternalIP members cannot reach, and in some scenarios
/// an ExternalIP they can.
pub fn node_addresses(spec: &HostSpec) -> Value {
    let mut addresses = vec![json!({"type": "InternalIP", "address": HOST_NODE_IP})];
    if spec.node_external_ip {
        addresses.push(json!({"type": "ExternalIP", "address": NODE_EXTERNAL_IP}));
    }
    json!(addresses)
}

/// The load balancer's answer for `healthy`: EXTERNAL-IP = the public address.
pub fn lb_ingress() -> Value {
    json!({"status": {"loadBalancer": {"ingress": [{"ip": PUBLIC_IP, "ipMode": "VIP"}]}}})
}
