//! The sandbox the CLI starts: a KubeSphere host and a member cluster on loopback, with
//! kubeconfigs for them written to a directory, built from a named scenario.

use crate::cluster::{Cluster, ClusterBuilder, UserSpec, ADMIN};
use crate::error::Error;
use crate::images::{ImagePolicy, RegistryAccess};
use crate::kubesphere::{self, AddressSource, ExtensionState, HostSpec, Timing};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// A world the sandbox can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
    host: Option<HostSpec>,
    air_gapped: bool,
    slow: bool,
}

/// The credentials `auth-mirror.local:5000` accepts (`air-gapped`).
pub const MIRROR_USER: &str = "sandbox";
pub const MIRROR_PASSWORD: &str = "mirror-pass";

const HEALTHY: HostSpec = HostSpec {
    address_source: AddressSource::Secret,
    extension: ExtensionState::Enabled,
    lb_ingress: true,
    node_external_ip: false,
    forward: false,
    broken_config: false,
};

const LB_PENDING: HostSpec = HostSpec {
    lb_ingress: false,
    node_external_ip: true,
    forward: true,
    ..HEALTHY
};

const fn scenario(name: &'static str, summary: &'static str, host: Option<HostSpec>) -> Scenario {
    Scenario {
        name,
        summary,
        host,
        air_gapped: false,
        slow: false,
    }
}

const SCENARIOS: &[Scenario] = &[
    scenario("healthy", "KubeSphere 4.1 host with the tower extension; tower's LoadBalancer has EXTERNAL-IP 139.198.120.120", Some(HEALTHY)),
    scenario("lb-pending", "tower has no EXTERNAL-IP (<pending>): set a proxy address in Secret tower; 139.198.120.120:30000 forwards to the NodePort, node ExternalIP 139.198.121.10", Some(LB_PENDING)),
    scenario("legacy-configmap", "like lb-pending, but the extension (1.0, KubeSphere 4.1) reads the address from ConfigMap kubesphere-config", Some(HostSpec { address_source: AddressSource::ConfigMap, ..LB_PENDING })),
    scenario("v3-installer", "KubeSphere 3.4: address in ClusterConfiguration ks-installer, agent.yaml from ks-apiserver's 3.x endpoint", Some(HostSpec { address_source: AddressSource::Installer, extension: ExtensionState::Absent, ..LB_PENDING })),
    scenario("broken-config", "like lb-pending, but Secret tower's configuration.yaml is not YAML (an unclosed [ from a hand edit): tools must refuse to overwrite it", Some(HostSpec { broken_config: true, ..LB_PENDING })),
    scenario("no-extension", "KubeSphere 4.1 host without the tower extension", Some(HostSpec { extension: ExtensionState::Absent, lb_ingress: false, ..HEALTHY })),
    scenario("extension-disabled", "the tower extension is installed but disabled: its pods do not run", Some(HostSpec { extension: ExtensionState::Disabled, ..HEALTHY })),
    Scenario {
        air_gapped: true,
        ..scenario("air-gapped", "healthy host; the member pulls only from mirror.local:5000 (anonymous) and auth-mirror.local:5000 (imagePullSecret user sandbox, password mirror-pass)", Some(HEALTHY))
    },
    Scenario {
        slow: true,
        ..scenario("slow-network", "healthy, with 100 ms added to every answer of both clusters and to the agent's round trips", Some(HEALTHY))
    },
    scenario("empty", "two plain clusters, host and member, with nothing installed", None),
];

pub fn scenarios() -> &'static [Scenario] {
    SCENARIOS
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where `host.kubeconfig` and `member.kubeconfig` are written.
    pub dir: PathBuf,
    pub scenario: String,
    /// Added before every answer of both clusters.
    pub latency: Duration,
    /// How long the simulated join's steps take.
    pub timing: Timing,
}

/// The user of the host cluster who may only read.
pub const VIEWER: &str = "sandbox-viewer";

/// A running host and member; dropping it stops both.
pub struct Sandbox {
    pub host: Arc<Cluster>,
    pub member: Arc<Cluster>,
    pub host_kubeconfig: PathBuf,
    pub member_kubeconfig: PathBuf,
    /// The KubeSphere world's tasks (tower, controllers, agents); dropped with the sandbox.
    _world: JoinSet<()>,
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<Self, Error> {
        // Every scenario starts from two plain clusters; `empty` adds nothing to them.
        let scenario = SCENARIOS
            .iter()
            .find(|s| s.name == config.scenario)
            .ok_or_else(|| Error::UnknownScenario(config.scenario.clone()))?;
        let latency = if scenario.slow {
            config.latency.max(Duration::from_millis(100))
        } else {
            config.latency
        };
        std::fs::create_dir_all(&config.dir)
            .map_err(|e| Error::io(format!("could not create {}", config.dir.display()), e))?;
        let viewer_binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "sandbox-viewer"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": VIEWER}]});
        let host = ClusterBuilder::new("sandbox-host")
            .latency(latency)
            .restart_back_off(config.timing.restart_back_off)
            .user(UserSpec::token(VIEWER, &[]))
            .object(viewer_binding)
            .start()
            .await?;
        let mut member = ClusterBuilder::new("sandbox-member")
            .latency(latency)
            .restart_back_off(config.timing.restart_back_off);
        if scenario.air_gapped {
            member = member.image_policy(ImagePolicy {
                registries: vec![
                    ("mirror.local:5000".into(), RegistryAccess::Anonymous),
                    (
                        "auth-mirror.local:5000".into(),
                        RegistryAccess::Basic {
                            username: MIRROR_USER.into(),
                            password: MIRROR_PASSWORD.into(),
                        },
                    ),
                ],
            });
        }
        let (host, member) = (Arc::new(host), Arc::new(member.start().await?));
        let world = match scenario.host {
            Some(spec) => {
                kubesphere::start(host.clone(), member.clone(), spec, config.timing, latency)
                    .await?
            }
            None => JoinSet::new(),
        };
        let host_kubeconfig = config.dir.join("host.kubeconfig");
        let member_kubeconfig = config.dir.join("member.kubeconfig");
        host.write_kubeconfig(
            &host_kubeconfig,
            &[("sandbox-host", ADMIN), ("sandbox-host-viewer", VIEWER)],
        )?;
        member.write_kubeconfig(&member_kubeconfig, &[("sandbox-member", ADMIN)])?;
        Ok(Self {
            host,
            member,
            host_kubeconfig,
            member_kubeconfig,
            _world: world,
        })
    }

    pub fn dir(&self) -> &Path {
        self.host_kubeconfig.parent().unwrap_or(Path::new("."))
    }
}
