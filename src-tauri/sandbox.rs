//! The built-in sandbox: simulated host and member clusters served by the app itself on
//! 127.0.0.1, for trying the whole flow without a cluster.

use onboard_core::app::Target;
use onboard_core::{Error, ErrorKind};

/// The running clusters and the folder with their kubeconfigs; dropping it stops both and
/// removes the folder.
pub struct RunningSandbox {
    _clusters: kube_sandbox::Sandbox,
    _dir: tempfile::TempDir,
}

impl RunningSandbox {
    /// Where the app keeps contexts imported while the sandbox runs.
    pub fn store_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("app-data")
    }
}

/// Starts `scenario` on Tauri's async runtime, where its servers keep running.
pub fn start(scenario: &str) -> onboard_core::Result<(RunningSandbox, Target)> {
    let dir = tempfile::Builder::new()
        .prefix("ks-onboard-sandbox-")
        .tempdir()
        .map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("could not create a folder for the sandbox: {}", e.kind()),
            )
        })?;
    let config = kube_sandbox::SandboxConfig {
        dir: dir.path().to_path_buf(),
        scenario: scenario.to_owned(),
        latency: std::time::Duration::ZERO,
        timing: kube_sandbox::Timing::default(),
    };
    let clusters =
        tauri::async_runtime::block_on(kube_sandbox::Sandbox::start(config)).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("the sandbox could not start: {e}"),
            )
            .with_hint("`ks-onboard-cli sandbox scenarios` lists the scenarios there are")
        })?;
    let target = Target::Sandbox {
        scenario: scenario.to_owned(),
        paths: vec![
            clusters.host_kubeconfig.clone(),
            clusters.member_kubeconfig.clone(),
        ],
    };
    Ok((
        RunningSandbox {
            _clusters: clusters,
            _dir: dir,
        },
        target,
    ))
}
