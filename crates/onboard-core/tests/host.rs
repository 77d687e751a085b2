//! Host preflight and the proxy address against the sandbox's KubeSphere scenarios, with
//! the real kube client over HTTPS. The sandbox's own agent.yaml endpoint is the
//! independent reader of what we write: it must publish the address we set.

use base64::Engine;
use kube_sandbox::{ObjectRef, Sandbox, SandboxConfig};
use onboard_core::kubeconfig::client::{self, ClientSettings};
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::sources;
use onboard_core::kubesphere::address::{self, AddressOrigin};
use onboard_core::kubesphere::config_place::AddressPlace;
use onboard_core::kubesphere::diff::Change;
use onboard_core::kubesphere::publish::{self, Target};
use onboard_core::preflight::{self, CheckId, CheckResult, PreflightOptions, Verdict};
use onboard_core::vault::{ExposeSecret, MemoryVault, SecretStore};
use onboard_core::ErrorKind;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

struct Host {
    sandbox: Sandbox,
    merged: Merged,
    _dir: tempfile::TempDir,
    data: tempfile::TempDir,
    /// The machine's keyring: where proxy-address backups keep the object they replaced.
    vault: MemoryVault,
}

async fn host(scenario: &str) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: scenario.into(),
        latency: Duration::ZERO,
        timing: Default::default(),
    })
    .await
    .expect("sandbox starts");
    let merged =
        load::load(&sources::resolve(Some(&sandbox.host_kubeconfig), None, None).unwrap()).unwrap();
    Host {
        sandbox,
        merged,
        _dir: dir,
        data: tempfile::tempdir().unwrap(),
        vault: MemoryVault::new(),
    }
}

fn settings() -> ClientSettings {
    ClientSettings::new(SearchPath::explicit("/usr/bin:/bin"))
}

impl Host {
    /// A proxy-address change on `context` through `client`.
    fn target<'a>(&'a self, client: &'a kube::Client, context: &'a str) -> Target<'a> {
        Target {
            client,
            context,
            data_dir: self.data.path(),
            vault: &self.vault,
        }
    }

    async fn client(&self, context: &str) -> kube::Client {
        client::client_for(&self.merged, context, &settings())
            .await
            .unwrap()
            .0
    }

    async fn preflight(&self, context: &str) -> (Vec<CheckResult>, Vec<CheckId>) {
        let mut streamed = Vec::new();
        let results = preflight::run(
            &self.merged,
            context,
            &PreflightOptions::new(settings()),
            |r| streamed.push(r.id),
        )
        .await;
        (results, streamed)
    }

    fn secret(&self) -> Option<Value> {
        self.sandbox
            .host
            .get("v1", "Secret", "kubesphere-system", "tower")
    }

    /// agent.yaml as the extension backend serves it for a new proxy cluster.
    async fn agent_yaml(&self, client: &kube::Client) -> Result<String, kube::Error> {
        self.sandbox
            .host
            .create(json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster",
                "metadata": {"name": "m1"}, "spec": {"joinFederation": true, "connection": {"type": "proxy"}}}))
            .ok();
        let request = http::Request::get("/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=m1")
            .body(Vec::new())
            .unwrap();
        client.request_text(request).await
    }
}

fn by_id(results: &[CheckResult]) -> HashMap<CheckId, &CheckResult> {
    results.iter().map(|r| (r.id, r)).collect()
}

fn decoded(secret: &Value) -> String {
    let data = secret["data"]["configuration.yaml"].as_str().unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_host_passes_every_check_streamed_as_each_finishes() {
    let host = host("healthy").await;
    let started = Instant::now();
    let (results, streamed) = host.preflight("sandbox-host").await;
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 9, "{results:#?}");
    assert_eq!(streamed.len(), 9);
    assert_eq!(
        streamed[0],
        CheckId::Connection,
        "the connection is checked first"
    );
    for result in &results {
        assert_eq!(result.verdict, Verdict::Pass, "{result:#?}");
        assert!(!result.evidence.is_empty(), "{result:#?}");
    }
    assert_eq!(preflight::overall(&results), Verdict::Pass);
    let checks = by_id(&results);
    assert_eq!(
        checks[&CheckId::Kubesphere].summary,
        "KubeSphere v4.1.3 host cluster \"host\""
    );
    assert_eq!(
        checks[&CheckId::PlatformAdmin].summary,
        "sandbox-admin is platform-admin"
    );
    assert!(checks[&CheckId::ProxyAddress]
        .summary
        .contains("http://139.198.120.120:8080 (the load balancer's address; nothing to write)"));
    assert!(checks[&CheckId::TowerService].evidence[0]
        .starts_with("type LoadBalancer, EXTERNAL-IP 139.198.120.120, PORT(S) 8080:3"));
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_fails_the_permission_checks_and_cannot_write() {
    let host = host("healthy").await;
    let (results, _) = host.preflight("sandbox-host-viewer").await;
    let checks = by_id(&results);
    let permissions = checks[&CheckId::Permissions];
    assert_eq!(permissions.verdict, Verdict::Fail, "{permissions:#?}");
    assert!(
        permissions.summary.contains("create Clusters"),
        "{permissions:#?}"
    );
    assert!(permissions
        .evidence
        .contains(&"update Secret tower: denied".to_string()));
    assert!(permissions
        .evidence
        .contains(&"list Nodes: allowed".to_string()));
    assert_ne!(checks[&CheckId::PlatformAdmin].verdict, Verdict::Pass);
    assert_eq!(preflight::overall(&results), Verdict::Fail);

    let client = host.client("sandbox-host-viewer").await;
    let before = host.secret().unwrap();
    let target = host.target(&client, "sandbox-host-viewer");
    let error = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Connection, "{error:?}");
    assert!(error.message.contains("not allowed"), "{error:?}");
    assert_eq!(host.secret().unwrap(), before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lb_pending_sets_the_address_in_the_secret_keeping_earlier_keys_and_restores_it() {
    let host = host("lb-pending").await;
    let (results, _) = host.preflight("sandbox-host").await;
    let proxy = by_id(&results)[&CheckId::ProxyAddress].clone();
    assert_eq!(proxy.verdict, Verdict::Fail, "{proxy:#?}");
    let node_port = host
        .sandbox
        .host
        .get("v1", "Service", "kubesphere-system", "tower")
        .unwrap()["spec"]["ports"][0]["nodePort"]
        .as_u64()
        .unwrap();
    assert!(
        proxy
            .fix
            .as_deref()
            .unwrap()
            .contains(&format!("PUBLIC_IP:PORT → 139.198.121.10:{node_port}")),
        "{proxy:#?}"
    );

    let client = host.client("sandbox-host").await;
    assert!(
        host.agent_yaml(&client).await.is_err(),
        "no address yet: agent.yaml fails"
    );
    let before = host.secret().unwrap();
    let target = host.target(&client, "sandbox-host");

    let dry = publish::set(&target, "http://139.198.120.120:30000", true)
        .await
        .unwrap();
    assert!(dry.dry_run_passed && !dry.written && dry.backup.is_none());
    assert_eq!(host.secret().unwrap(), before, "a dry run writes nothing");
    assert_eq!(dry.plan.place, AddressPlace::TowerSecret);
    assert!(dry.plan.warnings.is_empty(), "{:?}", dry.plan.warnings);
    let added: Vec<&str> = dry
        .plan
        .diff
        .iter()
        .filter(|r| r.change == Change::Added)
        .filter_map(|r| r.after.as_deref())
        .collect();
    assert_eq!(
        added,
        vec!["proxyPublishAddress: http://139.198.120.120:30000"]
    );

    let outcome = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    assert!(outcome.written && outcome.verified, "{outcome:#?}");
    let after = host.secret().unwrap();
    assert_eq!(
        decoded(&after),
        "agentImage: kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\nproxyPublishAddress: http://139.198.120.120:30000\n"
    );
    assert_eq!(
        after["type"],
        "config.kubesphere.io/cluster-connection-config"
    );
    assert_eq!(after["metadata"]["labels"], before["metadata"]["labels"]);
    assert_eq!(
        after["metadata"]["annotations"],
        before["metadata"]["annotations"]
    );
    // The Secret's data is kept in the keyring, not in the backup file.
    let path = std::path::Path::new(outcome.backup.as_ref().unwrap());
    let backup = std::fs::read_to_string(path).unwrap();
    assert!(!backup.contains(before["data"]["configuration.yaml"].as_str().unwrap()));
    let kept = host
        .vault
        .get(&onboard_core::kubesphere::backup::vault_key(path))
        .unwrap();
    let kept: Value = serde_json::from_str(kept.expose_secret()).unwrap();
    assert_eq!(kept["data"], before["data"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(outcome.backup.as_ref().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let agent = host
        .agent_yaml(&client)
        .await
        .expect("agent.yaml once an address is set");
    assert!(
        agent.contains("--proxy-server=http://139.198.120.120:30000"),
        "{agent}"
    );
    let report = address::detect(&client).await.unwrap();
    assert_eq!(
        report.effective.as_ref().unwrap().origin,
        AddressOrigin::Configured
    );

    let again = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    assert!(again.plan.unchanged && !again.written);

    let restored = publish::restore(&target).await.unwrap();
    assert!(restored.verified && !restored.deleted);
    assert_eq!(restored.removed_address, "http://139.198.120.120:30000");
    let back = host.secret().unwrap();
    assert_eq!(back["data"], before["data"], "byte-identical data");
    assert_eq!(back["metadata"]["labels"], before["metadata"]["labels"]);
    let error = publish::restore(&target).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "one restore per change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_edit_is_never_overwritten_by_restore_or_by_a_stale_write() {
    let host = host("lb-pending").await;
    let client = host.client("sandbox-host").await;
    let target = host.target(&client, "sandbox-host");
    publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    let edited = base64::engine::general_purpose::STANDARD
        .encode("proxyPublishAddress: http://someone.else:1\n");
    let secret = ObjectRef {
        api_version: "v1",
        kind: "Secret",
        namespace: "kubesphere-system",
        name: "tower",
    };
    host.sandbox
        .host
        .merge_patch(
            secret,
            &json!({"data": {"configuration.yaml": edited}}),
            false,
        )
        .unwrap();
    let error = publish::restore(&target).await.unwrap_err();
    assert!(
        error.message.contains("changed after Onboard wrote"),
        "{error:?}"
    );
    assert_eq!(
        host.secret().unwrap()["data"]["configuration.yaml"],
        edited.as_str()
    );

    host.sandbox.host.faults().conflict_next_writes(1);
    let error = publish::set(&target, "http://139.198.120.120:30001", false)
        .await
        .unwrap_err();
    assert!(error.message.contains("someone changed it"), "{error:?}");
    assert_eq!(
        host.secret().unwrap()["data"]["configuration.yaml"],
        edited.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_configuration_is_never_overwritten() {
    let host = host("lb-pending").await;
    let broken =
        base64::engine::general_purpose::STANDARD.encode("agentImage: x\n  token: hunter2: [\n");
    let secret = ObjectRef {
        api_version: "v1",
        kind: "Secret",
        namespace: "kubesphere-system",
        name: "tower",
    };
    host.sandbox
        .host
        .merge_patch(
            secret,
            &json!({"data": {"configuration.yaml": broken}}),
            false,
        )
        .unwrap();
    let before = host.secret().unwrap();
    let client = host.client("sandbox-host").await;
    let target = host.target(&client, "sandbox-host");
    let error = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(
        error
            .message
            .contains("configuration.yaml is not valid YAML (error at line"),
        "{error:?}"
    );
    assert!(error.message.contains("nothing was written"));
    assert!(
        !error.message.contains("hunter2") && !error.hint.as_deref().unwrap().contains("hunter2")
    );
    assert_eq!(host.secret().unwrap(), before);
    assert!(
        !host.data.path().join("backups").exists()
            || std::fs::read_dir(host.data.path().join("backups/proxy-address"))
                .unwrap()
                .next()
                .is_none()
    );
    let (results, _) = host.preflight("sandbox-host").await;
    let proxy = by_id(&results)[&CheckId::ProxyAddress].clone();
    assert_eq!(proxy.verdict, Verdict::Fail);
    assert!(proxy.summary.contains("cannot be read"), "{proxy:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_is_created_in_the_seed_shape_and_restore_deletes_it() {
    let host = host("lb-pending").await;
    let secret = ObjectRef {
        api_version: "v1",
        kind: "Secret",
        namespace: "kubesphere-system",
        name: "tower",
    };
    host.sandbox.host.delete(secret).unwrap();
    let client = host.client("sandbox-host").await;
    let target = host.target(&client, "sandbox-host");
    let outcome = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    assert!(outcome.plan.creates && outcome.verified, "{outcome:#?}");
    let created = host.secret().unwrap();
    assert_eq!(
        decoded(&created),
        "proxyPublishAddress: http://139.198.120.120:30000\n"
    );
    assert_eq!(
        created["type"],
        "config.kubesphere.io/cluster-connection-config"
    );
    assert_eq!(
        created["metadata"]["labels"]["config.kubesphere.io/type"],
        "cluster-connection-config"
    );
    assert_eq!(
        created["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "tower"
    );
    let restored = publish::restore(&target).await.unwrap();
    assert!(restored.deleted && restored.verified);
    assert!(host.secret().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_4_1_configmap_is_written_where_the_extension_reads_it() {
    let host = host("legacy-configmap").await;
    let before = host
        .sandbox
        .host
        .get("v1", "ConfigMap", "kubesphere-system", "kubesphere-config")
        .unwrap();
    let client = host.client("sandbox-host").await;
    let target = host.target(&client, "sandbox-host");
    let outcome = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    assert_eq!(outcome.plan.place, AddressPlace::KubesphereConfig);
    assert!(!outcome.plan.needs_restart);
    let shown: String = outcome
        .plan
        .diff
        .iter()
        .filter_map(|r| r.before.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        shown.contains("jwtSecret: ••••") && !shown.contains("sandbox-jwt-secret"),
        "{shown}"
    );
    // The backup must restore the whole ConfigMap, jwtSecret included, yet its file holds
    // no part of it: the object is in the vault.
    let backup = std::fs::read_to_string(outcome.backup.as_deref().unwrap()).unwrap();
    assert!(
        !backup.contains("sandbox-jwt-secret") && !backup.contains("kubesphere.yaml"),
        "{backup}"
    );
    let agent = host.agent_yaml(&client).await.unwrap();
    assert!(
        agent.contains("--proxy-server=http://139.198.120.120:30000"),
        "{agent}"
    );
    publish::restore(&target).await.unwrap();
    let back = host
        .sandbox
        .host
        .get("v1", "ConfigMap", "kubesphere-system", "kubesphere-config")
        .unwrap();
    assert_eq!(back["data"], before["data"], "byte-identical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubesphere_3_writes_ks_installer_and_says_to_restart() {
    let host = host("v3-installer").await;
    let client = host.client("sandbox-host").await;
    let (results, _) = host.preflight("sandbox-host").await;
    let checks = by_id(&results);
    assert_eq!(
        checks[&CheckId::TowerExtension].verdict,
        Verdict::Pass,
        "{results:#?}"
    );
    assert!(checks[&CheckId::Kubesphere].summary.contains("v3.4.1"));
    let before = host
        .sandbox
        .host
        .get(
            "installer.kubesphere.io/v1alpha1",
            "ClusterConfiguration",
            "kubesphere-system",
            "ks-installer",
        )
        .unwrap();
    let target = host.target(&client, "sandbox-host");
    let outcome = publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    assert_eq!(outcome.plan.place, AddressPlace::KsInstaller);
    assert!(outcome.plan.needs_restart && outcome.verified);
    let after = host
        .sandbox
        .host
        .get(
            "installer.kubesphere.io/v1alpha1",
            "ClusterConfiguration",
            "kubesphere-system",
            "ks-installer",
        )
        .unwrap();
    assert_eq!(
        after["spec"]["multicluster"],
        json!({"clusterRole": "host", "proxyPublishAddress": "http://139.198.120.120:30000"})
    );
    assert_eq!(after["spec"]["common"], before["spec"]["common"]);
    let at = onboard_core::kubesphere::restart::restart_ks_apiserver(&target)
        .await
        .unwrap();
    let log = onboard_core::audit::list(host.data.path(), &Default::default()).unwrap();
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["proxy-address-set", "ks-apiserver-restart"]);
    assert_eq!(log.entries[1].user.as_deref(), Some("sandbox-admin"));
    let deployment = host
        .sandbox
        .host
        .get("apps/v1", "Deployment", "kubesphere-system", "ks-apiserver")
        .unwrap();
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]
            ["kubectl.kubernetes.io/restartedAt"],
        at.as_str()
    );
    assert_eq!(
        deployment["metadata"]["generation"], 2,
        "a new rollout: {deployment}"
    );
    publish::restore(&target).await.unwrap();
    let back = host
        .sandbox
        .host
        .get(
            "installer.kubesphere.io/v1alpha1",
            "ClusterConfiguration",
            "kubesphere-system",
            "ks-installer",
        )
        .unwrap();
    assert_eq!(back["spec"], before["spec"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_disabled_extension_fails_its_checks() {
    for (scenario, summary) in [
        ("no-extension", "the tower extension is not installed"),
        (
            "extension-disabled",
            "the tower extension is installed but disabled",
        ),
    ] {
        let host = host(scenario).await;
        let (results, _) = host.preflight("sandbox-host").await;
        let checks = by_id(&results);
        assert_eq!(
            checks[&CheckId::TowerExtension].summary,
            summary,
            "{scenario}"
        );
        assert_eq!(checks[&CheckId::TowerExtension].verdict, Verdict::Fail);
        assert_eq!(
            checks[&CheckId::TowerPods].verdict,
            Verdict::Fail,
            "{scenario}"
        );
        assert_eq!(
            checks[&CheckId::Kubesphere].verdict,
            Verdict::Pass,
            "{scenario}"
        );
        if scenario == "no-extension" {
            assert_eq!(checks[&CheckId::TowerService].verdict, Verdict::Fail);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_cluster_is_not_a_host_and_an_unreachable_one_stops_at_the_connection() {
    let host = host("empty").await;
    let (results, _) = host.preflight("sandbox-host").await;
    let checks = by_id(&results);
    assert_eq!(checks[&CheckId::Kubesphere].verdict, Verdict::Fail);
    assert!(checks[&CheckId::Kubesphere]
        .summary
        .contains("not a KubeSphere host"));

    let mut merged = host.merged.clone();
    for cluster in merged.config.clusters.iter_mut().flatten() {
        cluster.value.server = "https://127.0.0.1:1".into();
    }
    let results = preflight::run(
        &merged,
        "sandbox-host",
        &PreflightOptions::new(settings()),
        |_| {},
    )
    .await;
    assert_eq!(results.len(), 1);
    assert_eq!(
        (results[0].id, results[0].verdict),
        (CheckId::Connection, Verdict::Fail)
    );
}
