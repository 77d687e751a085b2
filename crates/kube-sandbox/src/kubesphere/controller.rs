//! ks-controller-manager's cluster controller for members (KS
//! `pkg/controller/cluster/cluster_controller.go`): the finalizer, the ks-core install into
//! the member once tower issued a kubeconfig (`KSCoreReady`), then `Ready` with versions,
//! node count and uid, the member namespace annotations and the creator's cluster-admin
//! binding; on deletion the annotations go (if it was Ready) and the finalizer is dropped.
//! Member leftovers (agent, ks-core, the creator's binding) stay, as in KubeSphere.

use super::host::KS_VERSION;
use super::{conditions, tower, World, CLUSTER_API};
use crate::cluster::ObjectRef;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;

const FINALIZER: &str = "finalizer.cluster.kubesphere.io";
const NAMESPACE: &str = "kubesphere-system";

fn finalizers(cluster: &Value) -> Vec<Value> {
    cluster["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn is_host(cluster: &Value) -> bool {
    cluster["metadata"]["labels"]
        .get("cluster-role.kubesphere.io/host")
        .is_some()
}

/// `global` of the Cluster Configuration step (`spec.config`, base64 YAML): the chart's
/// values for images.
fn global_values(cluster: &Value) -> Value {
    cluster["spec"]["config"]
        .as_str()
        .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
        .and_then(|c| serde_yaml::from_slice::<Value>(&c).ok())
        .map(|c| c["global"].clone())
        .unwrap_or_default()
}

/// `global.imageRegistry`, docker.io when unset.
fn image_registry(global: &Value) -> String {
    global["imageRegistry"]
        .as_str()
        .filter(|r| !r.is_empty())
        .unwrap_or("docker.io")
        .to_string()
}

/// What the ks-core release creates on a member, in outline: the iam CRDs it needs here, the
/// `ks-agent` Deployment (ks-apiserver + ks-controller-manager) and Service `ks-apiserver`.
fn install_ks_core(world: &World, cluster: &Value) {
    let global = global_values(cluster);
    let registry = image_registry(&global);
    // templates/ks-agent.yaml: `imagePullSecrets: {{ toYaml .Values.global.imagePullSecrets }}`.
    let pull_secrets = global["imagePullSecrets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut pod_spec = json!({"serviceAccountName": "kubesphere"});
    if !pull_secrets.is_empty() {
        pod_spec["imagePullSecrets"] = json!(pull_secrets);
    }
    let member = &world.member;
    let labels = json!({"app": "ks-agent", "tier": "backend"});
    // What Helm puts on every object it templates, and its release record (a Secret).
    let helm = json!({"meta.helm.sh/release-name": "ks-core", "meta.helm.sh/release-namespace": NAMESPACE});
    let managed =
        json!({"app": "ks-agent", "tier": "backend", "app.kubernetes.io/managed-by": "Helm"});
    let container = |name: &str| json!({"name": name, "image": format!("{registry}/kubesphere/{name}:{KS_VERSION}")});
    pod_spec["containers"] = json!([
        container("ks-apiserver"),
        container("ks-controller-manager")
    ]);
    let objects = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}),
        super::crds::iam_cluster_role_bindings(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "ks-agent", "namespace": NAMESPACE, "labels": managed, "annotations": helm},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": pod_spec}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ks-apiserver", "namespace": NAMESPACE, "labels": managed, "annotations": helm},
            "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 9090}]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": "sh.helm.release.v1.ks-core.v1", "namespace": NAMESPACE,
                         "labels": {"owner": "helm", "name": "ks-core", "status": "deployed", "version": "1"}},
            "data": {"release": "c2FuZGJveA=="}}),
    ];
    for object in objects {
        // Present already (the agent's namespace, or an upgrade): helm upgrade updates it.
        let exists = member.create(object.clone()).is_err();
        // The namespace has no spec to upgrade (the agent's manifest created it).
        if exists && !object["spec"].is_null() && object["kind"] != "Namespace" {
            let target = ObjectRef {
                api_version: object["apiVersion"].as_str().unwrap_or_default(),
                kind: object["kind"].as_str().unwrap_or_default(),
                namespace: NAMESPACE,
                name: object["metadata"]["name"].as_str().unwrap_or_default(),
            };
            let _ = member.merge_patch(target, &json!({"spec": object["spec"]}), false);
        }
    }
}

/// What `kubesphere.io/config-hash` records: a digest of `spec.config` (configChanged).
fn config_hash(cluster: &Value) -> String {
    let config = cluster["spec"]["config"].as_str().unwrap_or_default();
    let digest = config.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    format!("{digest:016x}")
}

/// syncKubeSphereVersion and what follows it once ks-apiserver answers on the member.
fn check_ready(world: &World, name: &str) {
    let member = &world.member;
    let answering = member.read(|objects| {
        objects
            .get("v1", "Service", NAMESPACE, "ks-apiserver")
            .is_some_and(|svc| objects.has_endpoints(&svc))
    });
    if !answering {
        world.update_cluster(name, |current| {
            let message = "the server is currently unable to handle the request (get services http:ks-apiserver:80)";
            let conditions = conditions::with(current, &world.host_time(), "Ready", false, "Ready", message)?;
            Some(json!({"status": {"conditions": conditions}}))
        });
        return;
    }
    let uid = member
        .get("v1", "Namespace", "", "kube-system")
        .map(|ns| ns["metadata"]["uid"].clone())
        .unwrap_or_default();
    let nodes = member.list("v1", "Node", None).len();
    let namespace = ObjectRef {
        api_version: "v1",
        kind: "Namespace",
        namespace: "",
        name: NAMESPACE,
    };
    let annotations = json!({"metadata": {"annotations": {"cluster.kubesphere.io/name": name, "cluster.kubesphere.io/host-cluster": "host"}}});
    let _ = member.merge_patch(namespace, &annotations, false);
    let cluster = world
        .host
        .get(CLUSTER_API, "Cluster", "", name)
        .unwrap_or_default();
    let creator = cluster["metadata"]["annotations"]["kubesphere.io/creator"]
        .as_str()
        .unwrap_or_default();
    let mut initialized = None;
    if !creator.is_empty()
        && world
            .host
            .get("iam.kubesphere.io/v1beta1", "User", "", creator)
            .is_some()
    {
        let _ = member.create(json!({"apiVersion": "iam.kubesphere.io/v1beta1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("{creator}-cluster-admin"),
                         "labels": {"iam.kubesphere.io/user-ref": creator, "iam.kubesphere.io/role-ref": "cluster-admin"}},
            "subjects": [{"kind": "User", "apiGroup": "iam.kubesphere.io", "name": creator}],
            "roleRef": {"apiGroup": "iam.kubesphere.io", "kind": "ClusterRole", "name": "cluster-admin"}}));
        initialized = Some(world.host_time());
    }
    world.update_cluster(name, |current| {
        let conditions = conditions::with(
            current,
            &world.host_time(),
            "Ready",
            true,
            "Ready",
            "Cluster is available now",
        )?;
        let mut patch = json!({"status": {"conditions": conditions, "kubernetesVersion": "v1.32.0",
            "kubeSphereVersion": KS_VERSION, "nodeCount": nodes, "uid": uid}});
        if let Some(at) = &initialized {
            patch["metadata"] = json!({"annotations": {"kubesphere.io/initialized": at}});
        }
        Some(patch)
    });
}

/// The helm executor job: after its run time, ks-core is on the member and `KSCoreReady`.
async fn install(world: Arc<World>, name: String) {
    tokio::time::sleep(world.timing.ks_core_install).await;
    let Some(cluster) = world.host.get(CLUSTER_API, "Cluster", "", &name) else {
        return;
    };
    install_ks_core(&world, &cluster);
    world.update_cluster(&name, |current| {
        let conditions = conditions::with(
            current,
            &world.host_time(),
            "KSCoreReady",
            true,
            "KSCoreReady",
            "KS Core is available now",
        )?;
        Some(
            json!({"metadata": {"annotations": {"kubesphere.io/config-hash": config_hash(current)}},
                    "status": {"conditions": conditions}}),
        )
    });
}

/// Starts the helm executor job; its name marks the install as running (the controller's
/// install lock) while KSCoreReady is absent.
fn start_install(world: &Arc<World>, name: &str, jobs: &mut tokio::task::JoinSet<()>) {
    let job = format!(
        "helm-executor-install-ks-core-{}",
        crate::world::random_suffix(5)
    );
    world.update_cluster(name, |current| {
        let kept: Vec<Value> = current["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["type"] != "KSCoreReady" && c["type"] != "Ready")
            .cloned()
            .collect();
        Some(
            json!({"metadata": {"annotations": {"kubesphere.io/install-core-jobname": job}},
                    "status": {"conditions": kept}}),
        )
    });
    jobs.spawn(install(world.clone(), name.to_string()));
}

/// One pass of the controller for one cluster; long steps go to `jobs`.
fn reconcile(world: &Arc<World>, name: &str, jobs: &mut tokio::task::JoinSet<()>) {
    let Some(cluster) = world.host.get(CLUSTER_API, "Cluster", "", name) else {
        return;
    };
    tower::reconcile(world, &cluster);
    let mut finals = finalizers(&cluster);
    if !cluster["metadata"]["deletionTimestamp"].is_null() {
        if !finals.iter().any(|f| f == FINALIZER) {
            return;
        }
        if conditions::is_true(&cluster, "Ready") && !is_host(&cluster) {
            let namespace = ObjectRef {
                api_version: "v1",
                kind: "Namespace",
                namespace: "",
                name: NAMESPACE,
            };
            let remove = json!({"metadata": {"annotations": {"cluster.kubesphere.io/name": null, "cluster.kubesphere.io/host-cluster": null}}});
            let _ = world.member.merge_patch(namespace, &remove, false);
        }
        finals.retain(|f| f != FINALIZER);
        world.update_cluster(name, |_| Some(json!({"metadata": {"finalizers": finals}})));
        return;
    }
    if !finals.iter().any(|f| f == FINALIZER) {
        finals.push(json!(FINALIZER));
        world.update_cluster(name, |_| Some(json!({"metadata": {"finalizers": finals}})));
    }
    let has_kubeconfig = cluster["spec"]["connection"]["kubeconfig"]
        .as_str()
        .is_some_and(|k| !k.is_empty());
    if is_host(&cluster) || !has_kubeconfig || !conditions::is_true(&cluster, "AgentAvailable") {
        return;
    }
    let installed_hash = &cluster["metadata"]["annotations"]["kubesphere.io/config-hash"];
    match conditions::find(&cluster, "KSCoreReady") {
        None if cluster["metadata"]["annotations"]["kubesphere.io/install-core-jobname"]
            .is_null() =>
        {
            start_install(world, name, jobs)
        }
        // Cluster Configuration changed: upgrade ks-core, forgetting KSCoreReady and Ready.
        Some(_) if installed_hash != &json!(config_hash(&cluster)) => {
            start_install(world, name, jobs)
        }
        Some(c) if c["status"] == "True" && !conditions::is_true(&cluster, "Ready") => {
            check_ready(world, name)
        }
        _ => {}
    }
}

fn cluster_names(world: &World) -> Vec<String> {
    world
        .host
        .list(CLUSTER_API, "Cluster", None)
        .iter()
        .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// Reacts to host Cluster changes and to member pods (ks-agent becoming ready).
pub async fn run(world: Arc<World>) {
    let mut host_changes = world.host.changes();
    let mut member_changes = world.member.changes();
    let mut jobs = tokio::task::JoinSet::new();
    for name in cluster_names(&world) {
        reconcile(&world, &name, &mut jobs);
    }
    loop {
        let names = tokio::select! {
            Some(event) = host_changes.next() => match event.object["kind"].as_str() {
                Some("Cluster") => vec![event.object["metadata"]["name"].as_str().unwrap_or_default().to_string()],
                // tower's pods starting or stopping, a load balancer address: tower may act now.
                Some("Pod" | "Service") => cluster_names(&world),
                _ => continue,
            },
            Some(event) = member_changes.next() => match event.object["kind"].as_str() {
                Some("Pod") => cluster_names(&world),
                _ => continue,
            },
            else => return,
        };
        for name in names {
            reconcile(&world, &name, &mut jobs);
        }
        while jobs.try_join_next().is_some() {}
    }
}
