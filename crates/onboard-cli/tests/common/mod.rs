//! What the CLI test files share: a sandbox started in the test's process with fast join
//! timings, a data directory of its own, and the built binary run against both clusters.

use assert_cmd::Command;
use kube_sandbox::{Sandbox, SandboxConfig, Timing};
use std::process::Output;
use std::time::Duration;

pub const HOST: &str = "sandbox-host";
pub const MEMBER: &str = "sandbox-member";

pub struct World {
    pub sandbox: Sandbox,
    pub data: tempfile::TempDir,
    _dir: tempfile::TempDir,
}

pub async fn world(scenario: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: scenario.into(),
        latency: Duration::ZERO,
        timing: Timing {
            retry_min: Duration::from_millis(50),
            dial_timeout: Duration::from_millis(200),
            ks_core_install: Duration::from_millis(300),
            ..Timing::default()
        },
    })
    .await
    .expect("sandbox starts");
    World {
        sandbox,
        data: tempfile::tempdir().unwrap(),
        _dir: dir,
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

impl World {
    /// Both clusters' kubeconfigs, as a user with two files has them.
    pub fn kubeconfig_env(&self) -> String {
        format!(
            "{}:{}",
            self.sandbox.host_kubeconfig.display(),
            self.sandbox.member_kubeconfig.display()
        )
    }

    /// Runs the CLI off the runtime's workers (they keep serving the sandbox).
    pub async fn cli_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let kubeconfig = self.kubeconfig_env();
        let data = self.data.path().to_path_buf();
        let stdin = stdin.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            let mut command = Command::cargo_bin("ks-onboard-cli").unwrap();
            command
                .env("KUBECONFIG", kubeconfig)
                .env("KS_ONBOARD_DATA_DIR", data)
                .args(&args)
                .timeout(Duration::from_secs(90));
            if let Some(stdin) = stdin {
                command.write_stdin(stdin);
            }
            command.output().unwrap()
        })
        .await
        .unwrap()
    }

    pub async fn cli(&self, args: &[&str]) -> Output {
        self.cli_with_stdin(args, None).await
    }
}
