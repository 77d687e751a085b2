//! Shared test helpers: finding a plain kubectl build and running it against a cluster.

#![allow(dead_code)] // Each test binary uses a different part of these helpers.

use kube_sandbox::{Cluster, ClusterBuilder, UserSpec, ADMIN};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;

/// A plain kubectl (see `kube_sandbox::kubectl`). Panics if none exists: these tests must
/// not pass without their oracle.
pub fn kubectl_path() -> PathBuf {
    kube_sandbox::kubectl::plain_kubectl()
        .expect("no plain kubectl build found beside the kubectl on PATH; set KUBECTL")
}

/// A cluster plus a kubeconfig for its admin (`admin` context) and a token user (`dev`).
pub struct Fixture {
    pub cluster: Cluster,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
}

pub const DEV: &str = "dev";

pub async fn fixture(builder: ClusterBuilder) -> Fixture {
    let cluster = builder
        .user(UserSpec::token(DEV, &["developers"]))
        .start()
        .await
        .expect("cluster starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    cluster
        .write_kubeconfig(&kubeconfig, &[("admin", ADMIN), ("dev", DEV)])
        .expect("kubeconfig");
    Fixture {
        cluster,
        dir,
        kubeconfig,
    }
}

impl Fixture {
    pub fn kubectl(&self) -> Kubectl {
        Kubectl {
            kubeconfig: self.kubeconfig.clone(),
            home: self.dir.path().to_path_buf(),
            context: "admin".into(),
        }
    }

    pub fn kubectl_as(&self, context: &str) -> Kubectl {
        Kubectl {
            context: context.into(),
            ..self.kubectl()
        }
    }

    /// Writes a manifest into the fixture's directory and returns its path.
    pub fn manifest(&self, name: &str, yaml: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, yaml).expect("write manifest");
        path
    }
}

pub struct Kubectl {
    pub kubeconfig: PathBuf,
    pub home: PathBuf,
    pub context: String,
}

impl Kubectl {
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(kubectl_path());
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.home)
            .env("KUBECONFIG", &self.kubeconfig)
            .arg("--context")
            .arg(&self.context)
            .arg("--cache-dir")
            .arg(self.home.join("cache"))
            .args(args)
            .kill_on_drop(true);
        cmd
    }

    /// Runs kubectl to completion within 30 s.
    pub async fn run(&self, args: &[&str]) -> Output {
        let output =
            tokio::time::timeout(Duration::from_secs(30), self.command(args).output()).await;
        output
            .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
            .expect("kubectl runs")
    }

    /// Runs kubectl, asserts success and returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.success(),
            "kubectl {args:?} failed\nstdout: {stdout}\nstderr: {stderr}"
        );
        stdout
    }

    /// Runs kubectl, asserts failure and returns stderr.
    pub async fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success(),
            "kubectl {args:?} succeeded unexpectedly\nstdout: {stdout}"
        );
        stderr
    }
}

/// Splits a kubectl table into rows of cells (columns separated by 2+ spaces).
pub fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
