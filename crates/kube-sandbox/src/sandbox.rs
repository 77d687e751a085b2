//! The sandbox the CLI starts: a KubeSphere host and a member cluster on loopback, with
//! kubeconfigs for them written to a directory, built from a named scenario.

use crate::cluster::{Cluster, ClusterBuilder, UserSpec, ADMIN};
use crate::error::Error;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A world the sandbox can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
}

const SCENARIOS: &[Scenario] = &[Scenario {
    name: "empty",
    summary: "two plain clusters, host and member, with nothing installed",
}];

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
}

/// The user of the host cluster who may only read.
pub const VIEWER: &str = "sandbox-viewer";

/// A running host and member; dropping it stops both.
pub struct Sandbox {
    pub host: Cluster,
    pub member: Cluster,
    pub host_kubeconfig: PathBuf,
    pub member_kubeconfig: PathBuf,
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<Self, Error> {
        // Every scenario starts from two plain clusters; `empty` adds nothing to them.
        if !SCENARIOS.iter().any(|s| s.name == config.scenario) {
            return Err(Error::UnknownScenario(config.scenario.clone()));
        }
        std::fs::create_dir_all(&config.dir)
            .map_err(|e| Error::io(format!("could not create {}", config.dir.display()), e))?;
        let viewer_binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "sandbox-viewer"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": VIEWER}]});
        let host = ClusterBuilder::new("sandbox-host")
            .latency(config.latency)
            .user(UserSpec::token(VIEWER, &[]))
            .object(viewer_binding)
            .start()
            .await?;
        let member = ClusterBuilder::new("sandbox-member")
            .latency(config.latency)
            .start()
            .await?;
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
        })
    }

    pub fn dir(&self) -> &Path {
        self.host_kubeconfig.parent().unwrap_or(Path::new("."))
    }
}
