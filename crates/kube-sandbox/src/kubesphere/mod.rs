//! The KubeSphere world on the engine: a host preloaded like KubeSphere 4.1 with the tower
//! extension (or 3.4, or without the extension), tower's reconciler and proxy listener, the
//! programs of the member's containers (the agent, busybox wget probes), and
//! ks-controller-manager's join steps. docs/sandbox.md names the source each behaviour
//! follows.

mod agent;
mod agent_flags;
mod agent_manifest;
mod conditions;
mod controller;
mod crds;
pub(crate) mod host;
mod klog;
mod ks_apiserver;
mod network;
mod probe;
mod programs;
mod tower;
mod wire;

use crate::cluster::{Cluster, ObjectRef};
use crate::error::Error;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;

/// The load balancer's public address (`healthy`) and the seed's forwarded address
/// (`lb-pending`: `http://139.198.120.120:30000` → the tower NodePort).
pub const PUBLIC_IP: &str = "139.198.120.120";
pub const FORWARDED_PORT: u16 = 30000;
/// The host node's ExternalIP where a scenario gives it one (reachable with the NodePort).
pub const NODE_EXTERNAL_IP: &str = "139.198.121.10";

/// Where the installed version reads the proxy address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressSource {
    /// Secret `kubesphere-system/tower`, key `configuration.yaml` (the seed's extension).
    Secret,
    /// ConfigMap `kubesphere-config`, `kubesphere.yaml` → `multicluster` (extension 1.0, KS 4.1).
    ConfigMap,
    /// ClusterConfiguration `ks-installer` (KubeSphere 3.x).
    Installer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    Enabled,
    Disabled,
    Absent,
}

/// How a scenario's host is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSpec {
    pub address_source: AddressSource,
    pub extension: ExtensionState,
    /// The tower Service's load balancer has an EXTERNAL-IP.
    pub lb_ingress: bool,
    pub node_external_ip: bool,
    /// `139.198.120.120:30000` forwards to the tower NodePort.
    pub forward: bool,
    /// Secret `tower`'s `configuration.yaml` is not YAML (a hand edit gone wrong).
    pub broken_config: bool,
}

/// How long the simulated join takes; tests shorten it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The agent's first back-off (jpillora/backoff's 100 ms), growing ×1.4 up to 2 min.
    pub retry_min: Duration,
    /// How long a dial to an unreachable address takes to fail.
    pub dial_timeout: Duration,
    /// The helm executor job installing ks-core into the member.
    pub ks_core_install: Duration,
    /// How long kubelet's first crash-loop back-off (10 s on a real node) lasts; the later
    /// ones (20 s, 40 s … 5 min) keep their ratio.
    pub restart_back_off: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            retry_min: Duration::from_millis(100),
            dial_timeout: Duration::from_secs(3),
            ks_core_install: Duration::from_secs(4),
            restart_back_off: Duration::from_secs(1),
        }
    }
}

/// What the world's tasks share.
pub(crate) struct World {
    pub host: Arc<Cluster>,
    pub member: Arc<Cluster>,
    pub spec: HostSpec,
    pub timing: Timing,
    pub tower_address: SocketAddr,
    /// The member ↔ host round trip the agent's dial and handshake each wait for.
    pub rtt: Duration,
    /// Serializes read-modify-write of Cluster objects between tower and the controller.
    pub cluster_writes: Mutex<()>,
}

const CLUSTER_API: &str = "cluster.kubesphere.io/v1alpha1";

fn cluster_ref(name: &str) -> ObjectRef<'_> {
    ObjectRef {
        api_version: CLUSTER_API,
        kind: "Cluster",
        namespace: "",
        name,
    }
}

impl World {
    /// Now on the host's clock, as its controllers stamp conditions.
    pub fn host_time(&self) -> String {
        crate::clock::format_rfc3339(self.host.now())
    }

    /// Read-modify-write of one Cluster under the world's write lock; `change` returns the
    /// merge patch to apply, or None to leave it.
    pub fn update_cluster(
        &self,
        name: &str,
        change: impl FnOnce(&serde_json::Value) -> Option<serde_json::Value>,
    ) {
        let _guard = self
            .cluster_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(current) = self.host.get(CLUSTER_API, "Cluster", "", name) else {
            return;
        };
        if let Some(patch) = change(&current) {
            let _ = self.host.merge_patch(cluster_ref(name), &patch, false);
        }
    }
}

/// Seeds the host, starts tower's listener and the reacting tasks; the tasks end when the
/// returned set is dropped.
pub(crate) async fn start(
    host: Arc<Cluster>,
    member: Arc<Cluster>,
    spec: HostSpec,
    timing: Timing,
    rtt: Duration,
) -> Result<JoinSet<()>, Error> {
    let node = host.name().to_string() + "-node";
    host.merge_patch(
        ObjectRef {
            api_version: "v1",
            kind: "Node",
            namespace: "",
            name: &node,
        },
        &serde_json::json!({"status": {"addresses": host::node_addresses(&spec)}}),
        true,
    )?;
    for object in host::objects(&spec) {
        host.create(object)?;
    }
    if spec.lb_ingress {
        let tower = ObjectRef {
            api_version: "v1",
            kind: "Service",
            namespace: "kubesphere-system",
            name: "tower",
        };
        host.merge_patch(tower, &host::lb_ingress(), true)?;
    }
    host.serve_service(
        "kubesphere-system",
        "ks-apiserver",
        Arc::new(ks_apiserver::KsApiserver(spec.address_source)),
    );
    if spec.extension != ExtensionState::Absent {
        let backend = agent_manifest::TowerBackend(spec.address_source);
        host.serve_service("extension-tower", "tower-backend", Arc::new(backend));
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| Error::io("could not listen on 127.0.0.1 for tower", e))?;
    let tower_address = listener
        .local_addr()
        .map_err(|e| Error::io("could not read tower's listening address", e))?;
    let world = Arc::new(World {
        host,
        member,
        spec,
        timing,
        tower_address,
        rtt,
        cluster_writes: Mutex::new(()),
    });
    let mut tasks = JoinSet::new();
    tasks.spawn(tower::serve(world.clone(), listener));
    tasks.spawn(controller::run(world.clone()));
    tasks.spawn(programs::run(world));
    Ok(tasks)
}
