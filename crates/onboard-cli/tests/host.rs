//! `ks-onboard-cli host check` and `proxy-address show|set|restore` against the sandbox's
//! KubeSphere scenarios; plain kubectl reads back what was written.

use assert_cmd::Command;
use kube_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

async fn sandbox(dir: &Path, scenario: &str) -> Sandbox {
    Sandbox::start(SandboxConfig {
        dir: dir.into(),
        scenario: scenario.into(),
        latency: Duration::ZERO,
        timing: Default::default(),
    })
    .await
    .expect("sandbox starts")
}

/// Runs the CLI off the runtime's workers (they keep serving the sandbox), with the host
/// kubeconfig and `data` as the app's data directory.
async fn cli(sandbox: &Sandbox, data: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "--kubeconfig".to_string(),
        sandbox.host_kubeconfig.display().to_string(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::cargo_bin("ks-onboard-cli")
            .unwrap()
            .env_remove("KUBECONFIG")
            .env("KS_ONBOARD_DATA_DIR", data)
            .args(&all)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `kubectl get -o json` on the host, as an independent client.
async fn kubectl_get(sandbox: &Sandbox, args: &[&str]) -> Option<Value> {
    let kubeconfig = sandbox.host_kubeconfig.clone();
    let home = sandbox.dir().to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let kubectl = kube_sandbox::kubectl::plain_kubectl()
            .expect("no plain kubectl build found beside the kubectl on PATH; set KUBECTL");
        let out = std::process::Command::new(kubectl)
            .env_clear()
            .env("HOME", home)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--context", "sandbox-host", "get", "-o", "json"])
            .args(&args)
            .output()
            .unwrap();
        if out.status.success() {
            Some(serde_json::from_slice(&out.stdout).unwrap())
        } else {
            assert!(text(&out.stderr).contains("NotFound"), "{out:?}");
            None
        }
    })
    .await
    .unwrap()
}

fn decode(b64: &str) -> String {
    let out = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b64.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_check_passes_on_a_healthy_host_and_fails_with_exit_1_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let healthy = sandbox(dir.path(), "healthy").await;
    let out = cli(&healthy, data.path(), &["host", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("RESULT"), "{stdout}");
    assert!(
        lines[1].starts_with("pass   API server, TLS and credentials"),
        "connection first: {stdout}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("pass ")).count(),
        9,
        "{stdout}"
    );

    let out = cli(
        &healthy,
        data.path(),
        &[
            "host",
            "check",
            "-o",
            "json",
            "--context",
            "sandbox-host-viewer",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let permissions = results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "permissions")
        .unwrap();
    assert_eq!(permissions["verdict"], "fail");
    assert!(text(&out.stderr).contains("host checks failed on context \"sandbox-host-viewer\""));
    drop(healthy);

    let dir = tempfile::tempdir().unwrap();
    let disabled = sandbox(dir.path(), "extension-disabled").await;
    let out = cli(&disabled, data.path(), &["host", "check"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAIL   tower extension installed and enabled  the tower extension is installed but disabled"), "{stdout}");
    assert!(
        stdout.contains("fix: enable \"KubeSphere Multi-Cluster Agent Connection\""),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_writes_the_seed_secret_kubectl_reads_it_back_and_restore_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let host = sandbox(dir.path(), "lb-pending").await;
    let secret_args = ["-n", "kubesphere-system", "secret", "tower"];
    let before = kubectl_get(&host, &secret_args).await.unwrap();

    let out = cli(
        &host,
        data.path(),
        &["proxy-address", "set", "139.198.120.120:30000"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("must start with http:// or https://"),
        "{out:?}"
    );

    let out = cli(
        &host,
        data.path(),
        &[
            "proxy-address",
            "set",
            "http://139.198.120.120:30000",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stdout).contains("+ proxyPublishAddress: http://139.198.120.120:30000"));
    assert_eq!(
        kubectl_get(&host, &secret_args).await.unwrap(),
        before,
        "dry run writes nothing"
    );

    let out = cli(
        &host,
        data.path(),
        &[
            "proxy-address",
            "set",
            "http://139.198.120.120:30000",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (outcome["written"].as_bool(), outcome["verified"].as_bool()),
        (Some(true), Some(true))
    );

    let after = kubectl_get(&host, &secret_args).await.unwrap();
    assert_eq!(
        after["type"],
        "config.kubesphere.io/cluster-connection-config"
    );
    assert_eq!(
        after["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );
    assert_eq!(
        after["metadata"]["labels"]["config.kubesphere.io/type"],
        "cluster-connection-config"
    );
    assert_eq!(
        after["metadata"]["labels"]["kubesphere.io/extension-ref"],
        "tower"
    );
    assert_eq!(
        after["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "tower"
    );
    assert_eq!(
        after["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
        "extension-tower"
    );
    assert_eq!(
        decode(after["data"]["configuration.yaml"].as_str().unwrap()),
        "agentImage: kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\nproxyPublishAddress: http://139.198.120.120:30000\n"
    );

    let out = cli(&host, data.path(), &["proxy-address", "show", "-o", "json"]).await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["effective"],
        serde_json::json!({"url": "http://139.198.120.120:30000", "origin": "configured"})
    );
    assert_eq!(report["readPlace"], "towerSecret");

    let out = cli(&host, data.path(), &["proxy-address", "restore"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).contains("address http://139.198.120.120:30000 → (none)"),
        "{out:?}"
    );
    let restored = kubectl_get(&host, &secret_args).await.unwrap();
    assert_eq!(restored["data"], before["data"], "byte-identical data");
    assert_eq!(restored["metadata"]["labels"], before["metadata"]["labels"]);
    assert_eq!(
        restored["metadata"]["annotations"],
        before["metadata"]["annotations"]
    );

    let out = cli(&host, data.path(), &["proxy-address", "restore"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no proxy-address backup for context \"sandbox-host\""),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_configuration_is_shown_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let host = sandbox(dir.path(), "broken-config").await;
    let secret_args = ["-n", "kubesphere-system", "secret", "tower"];
    let before = kubectl_get(&host, &secret_args).await.unwrap();
    let out = cli(
        &host,
        data.path(),
        &["proxy-address", "set", "http://139.198.120.120:30000"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("configuration.yaml is not valid YAML (error at line 2"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(kubectl_get(&host, &secret_args).await.unwrap(), before);
    let out = cli(&host, data.path(), &["proxy-address", "show"]).await;
    assert!(
        text(&out.stdout).contains("unreadable: configuration.yaml is not valid YAML"),
        "{out:?}"
    );
    let out = cli(&host, data.path(), &["host", "check"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stdout).contains(
            "FAIL   Proxy address                          the configured address cannot be read"
        ),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configmap_and_ks_installer_are_written_where_they_are_read() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let legacy = sandbox(dir.path(), "legacy-configmap").await;
    let cm_args = ["-n", "kubesphere-system", "configmap", "kubesphere-config"];
    let before = kubectl_get(&legacy, &cm_args).await.unwrap();
    let out = cli(
        &legacy,
        data.path(),
        &["proxy-address", "set", "http://139.198.120.120:30000"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("jwtSecret: ••••") && !stdout.contains("sandbox-jwt-secret"),
        "{stdout}"
    );
    assert!(
        kubectl_get(&legacy, &["secret", "-n", "kubesphere-system", "tower"])
            .await
            .is_none(),
        "no Secret made up"
    );
    let after = kubectl_get(&legacy, &cm_args).await.unwrap();
    assert!(after["data"]["kubesphere.yaml"]
        .as_str()
        .unwrap()
        .contains("  proxyPublishAddress: http://139.198.120.120:30000\n"));
    assert_eq!(
        cli(&legacy, data.path(), &["proxy-address", "restore"])
            .await
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        kubectl_get(&legacy, &cm_args).await.unwrap()["data"],
        before["data"]
    );
    drop(legacy);

    let dir = tempfile::tempdir().unwrap();
    let v3 = sandbox(dir.path(), "v3-installer").await;
    let out = cli(
        &v3,
        data.path(),
        &["proxy-address", "set", "http://139.198.120.120:30000"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stderr).contains("restart ks-apiserver"),
        "{out:?}"
    );
    let cc = kubectl_get(
        &v3,
        &[
            "-n",
            "kubesphere-system",
            "clusterconfiguration",
            "ks-installer",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        cc["spec"]["multicluster"]["proxyPublishAddress"],
        "http://139.198.120.120:30000"
    );
    let out = cli(
        &v3,
        data.path(),
        &[
            "proxy-address",
            "set",
            "http://139.198.120.120:30001",
            "--restart-apiserver",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).contains("ks-apiserver restarted"),
        "{out:?}"
    );
    let deployment = kubectl_get(
        &v3,
        &["-n", "kubesphere-system", "deployment", "ks-apiserver"],
    )
    .await
    .unwrap();
    assert!(
        deployment["spec"]["template"]["metadata"]["annotations"]
            ["kubectl.kubernetes.io/restartedAt"]
            .is_string(),
        "{deployment}"
    );
}
