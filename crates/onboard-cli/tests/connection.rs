//! `ks-onboard-cli kubeconfig test [CONTEXT]` against the sandbox (started in this process,
//! real HTTPS on loopback), with plain kubectl as the independent client.

use assert_cmd::Command;
use kube_sandbox::{Sandbox, SandboxConfig, VIEWER};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime};

async fn sandbox(dir: &Path) -> Sandbox {
    Sandbox::start(SandboxConfig {
        dir: dir.into(),
        scenario: "empty".into(),
        latency: Duration::ZERO,
        timing: Default::default(),
    })
    .await
    .expect("sandbox starts")
}

/// Runs the CLI off the runtime's workers, which keep serving the sandbox meanwhile; the
/// app's store is an empty folder of its own.
async fn cli(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let data = tempfile::tempdir().unwrap();
        Command::cargo_bin("ks-onboard-cli")
            .unwrap()
            .env_remove("KUBECONFIG")
            .env("KS_ONBOARD_DATA_DIR", data.path())
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(kubeconfig: &Path, rest: &[&str]) -> Vec<String> {
    let mut all = vec![
        "kubeconfig".to_string(),
        "test".into(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
    ];
    all.extend(rest.iter().map(|s| s.to_string()));
    all
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn kubectl_git_version(kubeconfig: &Path, context: &str, home: &Path) -> String {
    let kubectl = kube_sandbox::kubectl::plain_kubectl()
        .expect("no plain kubectl build found beside the kubectl on PATH; set KUBECTL");
    let out = std::process::Command::new(kubectl)
        .env_clear()
        .env("HOME", home)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", context, "version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["serverVersion"]["gitVersion"].as_str().unwrap().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_context_connects_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let out = cli(args(&sandbox.host_kubeconfig, &[])).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["CONTEXT", "SERVER", "VERSION", "USER", "LATENCY", "TLS"]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[0], "sandbox-host", "current-context by default");
    assert_eq!(row[1], sandbox.host.url());
    assert_eq!(
        row[2],
        kubectl_git_version(&sandbox.host_kubeconfig, "sandbox-host", dir.path())
    );
    assert_eq!(row[3], "sandbox-admin");
    assert!(row[4].ends_with("ms"), "{stdout}");
    assert_eq!(row[5], "verified");
    assert_eq!(text(&out.stderr), "", "no warnings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_context_prints_json_and_yaml_and_the_argument_beats_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let out = cli(args(
        &sandbox.host_kubeconfig,
        &[
            "sandbox-host-viewer",
            "--context",
            "sandbox-host",
            "-o",
            "json",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["context"], "sandbox-host-viewer");
    assert_eq!(json["connected"], true);
    assert_eq!(json["identity"]["username"], VIEWER);
    assert_eq!(json["tls"], "verified");
    assert!(json["latency"]["roundTripMs"].as_f64().unwrap() > 0.0);
    assert_eq!(json["endpoint"]["tls"]["ca"]["kind"], "embedded");

    let out = cli(args(
        &sandbox.host_kubeconfig,
        &["--context", "sandbox-host-viewer", "-o", "yaml"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let yaml: serde_json::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(yaml["context"], "sandbox-host-viewer", "--context is used");
    assert_eq!(yaml["identity"], json["identity"]);
    assert_eq!(yaml["version"], json["version"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_exits_one_with_error_and_hint_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    sandbox.host.expire_credentials(VIEWER, SystemTime::now());
    let out = cli(args(
        &sandbox.host_kubeconfig,
        &["sandbox-host-viewer", "-o", "json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["connected"], false);
    assert_eq!(json["failure"]["cause"], "unauthorized");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("(401)"),
        "{stderr}"
    );
    assert!(lines[1].starts_with("hint: "), "{stderr}");
    let kubeconfig = std::fs::read_to_string(&sandbox.host_kubeconfig).unwrap();
    let token = kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap();
    assert!(!stderr.contains(token) && !text(&out.stdout).contains(token));

    // kubectl agrees that the credential is refused.
    let kubectl = kube_sandbox::kubectl::plain_kubectl().unwrap();
    let denied = std::process::Command::new(kubectl)
        .env_clear()
        .env("HOME", dir.path())
        .arg("--kubeconfig")
        .arg(&sandbox.host_kubeconfig)
        .args(["--context", "sandbox-host-viewer", "get", "ns"])
        .output()
        .unwrap();
    assert!(!denied.status.success());
    assert!(
        text(&denied.stderr).contains("You must be logged in to the server"),
        "{denied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_fails_without_contacting_anything() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let out = cli(args(&sandbox.host_kubeconfig, &["nope"])).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: there is no context \"nope\""),
        "{stderr}"
    );
    let table = text(&out.stdout);
    assert!(
        table.lines().nth(1).unwrap().starts_with("nope "),
        "{table}"
    );
}
