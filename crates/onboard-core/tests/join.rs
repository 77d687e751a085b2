//! Add cluster and join against the sandbox's KubeSphere world, with the real kube client
//! over HTTPS: the form's Cluster on the host, agent.yaml as tower serves it (read again
//! with plain kubectl as an independent client), the dry-run plan and the apply on the
//! member, the watched timeline to Ready, the host's cluster list, and a removal that
//! leaves both clusters as they were; then each failure the timeline must explain.

use kube_sandbox::{Sandbox, SandboxConfig, Timing};
use onboard_core::join::add::{self, HostTarget};
use onboard_core::join::agent::{self, AgentManifest, ManifestSource};
use onboard_core::join::apply::{self, MemberTarget, PlanAction};
use onboard_core::join::clusters;
use onboard_core::join::diagnose::DiagnosisCode;
use onboard_core::join::form::{ClusterForm, Group, ProblemCode, Tag, DEFAULT_CONFIG};
use onboard_core::join::record::{self, JoinPhase};
use onboard_core::join::remove::{self, Targets};
use onboard_core::join::watch::{self, FollowOptions, JoinSnapshot, JoinStep, WatchUpdate};
use onboard_core::kubeconfig::client::{self, ClientSettings};
use onboard_core::kubeconfig::load;
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::sources;
use onboard_core::ErrorKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const HOST: &str = "sandbox-host";

struct World {
    sandbox: Sandbox,
    host: kube::Client,
    member: kube::Client,
    data: tempfile::TempDir,
    _dir: tempfile::TempDir,
}

fn fast() -> Timing {
    Timing {
        retry_min: Duration::from_millis(50),
        dial_timeout: Duration::from_millis(200),
        ks_core_install: Duration::from_millis(300),
        restart_back_off: Duration::from_millis(200),
    }
}

async fn client(path: &Path, context: &str) -> kube::Client {
    let merged = load::load(&sources::resolve(Some(path), None, None).unwrap()).unwrap();
    let settings = ClientSettings::new(SearchPath::explicit("/usr/bin:/bin"));
    client::client_for(&merged, context, &settings)
        .await
        .unwrap()
        .0
}

async fn world(scenario: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: scenario.into(),
        latency: Duration::ZERO,
        timing: fast(),
    })
    .await
    .expect("sandbox starts");
    let host = client(&sandbox.host_kubeconfig, HOST).await;
    let member = client(&sandbox.member_kubeconfig, "sandbox-member").await;
    World {
        sandbox,
        host,
        member,
        data: tempfile::tempdir().unwrap(),
        _dir: dir,
    }
}

fn form(name: &str) -> ClusterForm {
    ClusterForm {
        name: name.into(),
        alias: "成员集群".into(),
        tags: vec![
            Tag {
                key: "env".into(),
                value: "production".into(),
            },
            Tag {
                key: "team".into(),
                value: "payments".into(),
            },
        ],
        provider: "Amazon EKS".into(),
        description: "joined by <the test> & checked".into(),
        group: Some(Group::Testing),
        config: DEFAULT_CONFIG.into(),
    }
}

/// Every object of the kinds a join touches, by identity, with labels and annotations.
type Snapshot = BTreeMap<String, Value>;

fn snapshot(cluster: &kube_sandbox::Cluster, kinds: &[(&str, &str)]) -> Snapshot {
    let mut out = BTreeMap::new();
    for (api_version, kind) in kinds {
        for object in cluster.list(api_version, kind, None) {
            let meta = &object["metadata"];
            let key = format!(
                "{kind} {}/{}",
                meta["namespace"].as_str().unwrap_or(""),
                meta["name"].as_str().unwrap_or("")
            );
            let mut kept = json!({"labels": meta["labels"], "annotations": meta["annotations"]});
            if *kind == "Label" {
                kept["clusters"] = object["spec"]["clusters"].clone();
            }
            out.insert(key, kept);
        }
    }
    out
}

const MEMBER_KINDS: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("iam.kubesphere.io/v1beta1", "ClusterRoleBinding"),
];
const HOST_KINDS: &[(&str, &str)] = &[
    ("cluster.kubesphere.io/v1alpha1", "Cluster"),
    ("cluster.kubesphere.io/v1alpha1", "Label"),
    ("v1", "Service"),
];

impl World {
    fn target(&self) -> HostTarget<'_> {
        HostTarget {
            client: &self.host,
            context: HOST,
            member_context: Some("sandbox-member"),
            data_dir: self.data.path(),
        }
    }

    fn member_target(&self) -> MemberTarget<'_> {
        MemberTarget {
            client: &self.member,
            context: "sandbox-member",
            host_context: HOST,
            data_dir: self.data.path(),
        }
    }

    fn targets(&self) -> Targets<'_> {
        Targets {
            host: &self.host,
            host_context: HOST,
            member: Some(&self.member),
            data_dir: self.data.path(),
        }
    }

    /// agent.yaml once tower has initialized the cluster.
    async fn manifest(&self, name: &str) -> AgentManifest {
        let started = Instant::now();
        loop {
            match agent::fetch(&self.host, name).await {
                Ok(manifest) => return manifest,
                Err(error)
                    if error.kind == ErrorKind::Unavailable
                        && started.elapsed() < Duration::from_secs(10) =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(error) => panic!("agent.yaml: {error:?}"),
            }
        }
    }

    async fn follow(&self, name: &str, timeout: Duration) -> (JoinSnapshot, Vec<String>) {
        let mut titles = Vec::new();
        let options = FollowOptions {
            until_ready: true,
            timeout: Some(timeout),
        };
        let snapshot = watch::follow(
            self.host.clone(),
            Some(self.member.clone()),
            name,
            options,
            |update| {
                if let WatchUpdate::Entry { entry } = update {
                    titles.push(entry.title);
                }
            },
        )
        .await
        .unwrap();
        (snapshot, titles)
    }

    /// Waits until the diagnosis names `code` (the agent retries while we watch).
    async fn diagnosed(&self, name: &str, code: DiagnosisCode) -> JoinSnapshot {
        let started = Instant::now();
        loop {
            let (snapshot, _) = self.follow(name, Duration::from_millis(700)).await;
            if snapshot.diagnoses.iter().any(|d| d.code == code) {
                return snapshot;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no {code:?} diagnosis: {snapshot:#?}"
            );
        }
    }

    /// Adds `name` and applies its agent.yaml after `edit` (a hand edit gone wrong).
    async fn join_with(&self, name: &str, edit: impl Fn(String) -> String) {
        add::add(
            &self.target(),
            &ClusterForm {
                name: name.into(),
                ..ClusterForm::default()
            },
            false,
        )
        .await
        .unwrap();
        let manifest = self.manifest(name).await;
        let edited =
            AgentManifest::from_yaml(name, ManifestSource::TowerExtension, &edit(manifest.yaml()))
                .unwrap();
        apply::apply(&self.member_target(), &edited, |_| {})
            .await
            .unwrap();
    }
}

fn kubectl_raw(kubeconfig: &Path, path: &str) -> String {
    let kubectl =
        kube_sandbox::kubectl::plain_kubectl().expect("a plain kubectl build (see DESIGN.md)");
    let out = std::process::Command::new(kubectl)
        .args([
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--context",
            HOST,
            "get",
            "--raw",
            path,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_through_tower_to_ready_and_removal_leaves_both_clusters_as_before() {
    let w = world("healthy").await;
    let member_before = snapshot(&w.sandbox.member, MEMBER_KINDS);
    let host_before = snapshot(&w.sandbox.host, HOST_KINDS);

    let options = add::form_options(&w.host).await.unwrap();
    assert_eq!(options.creator.as_deref(), Some("sandbox-admin"));
    assert!(options
        .tags
        .iter()
        .any(|t| t.key == "env" && t.value == "production" && t.id == "k7xq2m"));
    assert_eq!(
        add::check_name(&w.host, "host").await.unwrap()[0].code,
        ProblemCode::Taken
    );
    assert!(add::check_name(&w.host, "member").await.unwrap().is_empty());

    let preview = add::preview(&w.host, &form("member")).await.unwrap();
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!(
        preview.new_tags,
        [Tag {
            key: "team".into(),
            value: "payments".into()
        }]
    );
    assert!(
        preview.yaml.contains("joinFederation: true"),
        "{}",
        preview.yaml
    );

    let dry = add::add(&w.target(), &form("member"), true).await.unwrap();
    assert!(dry.dry_run_passed && !dry.created);
    assert!(
        w.sandbox
            .host
            .get("cluster.kubesphere.io/v1alpha1", "Cluster", "", "member")
            .is_none(),
        "a dry run creates nothing"
    );
    assert_eq!(snapshot(&w.sandbox.host, HOST_KINDS), host_before);

    let added = add::add(&w.target(), &form("member"), false).await.unwrap();
    assert!(added.created);
    assert_eq!(added.created_tags, ["team=payments"]);
    let cluster = w
        .sandbox
        .host
        .get("cluster.kubesphere.io/v1alpha1", "Cluster", "", "member")
        .unwrap();
    assert_eq!(cluster["spec"]["connection"]["type"], "proxy");
    assert_eq!(cluster["spec"]["joinFederation"], true);
    assert_eq!(
        cluster["metadata"]["labels"]["kubesphere.io/managed"],
        "true"
    );
    assert_eq!(
        cluster["metadata"]["labels"]["cluster.kubesphere.io/group"],
        "testing"
    );
    assert_eq!(
        cluster["metadata"]["labels"]["label.cluster.kubesphere.io/k7xq2m"],
        ""
    );
    assert_eq!(
        cluster["metadata"]["annotations"]["kubesphere.io/creator"],
        "sandbox-admin"
    );
    assert_eq!(
        cluster["metadata"]["annotations"]["kubesphere.io/alias-name"],
        "成员集群"
    );
    let ids = cluster["metadata"]["annotations"]["cluster.kubesphere.io/label-ids"]
        .as_str()
        .unwrap();
    assert!(ids.starts_with("k7xq2m,") && ids.len() == 13, "{ids}");
    let env = w
        .sandbox
        .host
        .get("cluster.kubesphere.io/v1alpha1", "Label", "", "k7xq2m")
        .unwrap();
    assert_eq!(env["spec"]["clusters"], json!(["host", "member"]));
    let again = add::add(&w.target(), &form("member"), false)
        .await
        .unwrap_err();
    assert!(
        again
            .message
            .contains("already has a cluster called \"member\""),
        "{}",
        again.message
    );

    let manifest = w.manifest("member").await;
    assert_eq!(manifest.source, ManifestSource::TowerExtension);
    let served = kubectl_raw(&w.sandbox.host_kubeconfig, "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member");
    assert_eq!(
        AgentManifest::from_yaml("member", ManifestSource::TowerExtension, &served)
            .unwrap()
            .documents,
        manifest.documents,
        "the manifest is what tower serves"
    );
    let token = cluster_token(&w, "member");
    assert!(manifest.token_is(&token));
    let view = manifest.view();
    assert!(!view.yaml.contains(&token));
    assert_eq!(
        view.proxy_server.as_deref(),
        Some("http://139.198.120.120:8080")
    );
    let rendered = agent::template(
        "member",
        &token,
        "http://139.198.120.120:8080",
        agent::DEFAULT_AGENT_IMAGE,
        false,
    );
    let cleaned: Vec<Value> = manifest.documents.iter().map(strip_empty).collect();
    assert_eq!(rendered, cleaned, "our template renders what tower renders");
    let export = w.data.path().join("agent.yaml");
    manifest.export(&export).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&export).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(std::fs::read_to_string(&export).unwrap(), manifest.yaml());

    let plan = apply::plan(&w.member, &manifest).await.unwrap();
    assert!(
        plan.items.iter().all(|i| i.action == PlanAction::Create),
        "{plan:?}"
    );
    assert_eq!(
        snapshot(&w.sandbox.member, MEMBER_KINDS),
        member_before,
        "the plan is a dry run"
    );
    let mut steps = Vec::new();
    let applied = apply::apply(&w.member_target(), &manifest, |s| {
        steps.push((s.index, s.done))
    })
    .await
    .unwrap();
    assert_eq!(applied.created.len(), 4);
    assert_eq!(steps.len(), 8);
    let deployment = w
        .sandbox
        .member
        .get(
            "apps/v1",
            "Deployment",
            "kubesphere-system",
            "cluster-agent",
        )
        .unwrap();
    assert!(deployment["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["manager"] == apply::FIELD_MANAGER && m["operation"] == "Apply"));
    let record = record::load(w.data.path(), HOST, "member")
        .unwrap()
        .unwrap();
    assert_eq!(record.phase, JoinPhase::AgentApplied);
    assert_eq!(record.member_created.len(), 4);
    let record_text =
        std::fs::read_to_string(w.data.path().join("joins/sandbox-host/member.json")).unwrap();
    assert!(!record_text.contains(&token), "the record holds no token");

    let (snapshot_ready, titles) = w.follow("member", Duration::from_secs(20)).await;
    assert!(snapshot_ready.ready, "{snapshot_ready:#?}");
    assert_eq!(snapshot_ready.step, JoinStep::Ready);
    assert!(
        snapshot_ready.diagnoses.is_empty(),
        "{:?}",
        snapshot_ready.diagnoses
    );
    let position = |t: &str| {
        titles
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} not in {titles:#?}"))
    };
    assert!(position("Initialized: True") < position("AgentAvailable: True"));
    assert!(position("AgentAvailable: True") < position("KSCoreReady: True"));
    assert!(position("KSCoreReady: True") < position("Ready: True"));
    let replan = apply::plan(&w.member, &manifest).await.unwrap();
    assert!(
        replan
            .items
            .iter()
            .all(|i| i.action == PlanAction::Unchanged),
        "{replan:?}"
    );

    let list = clusters::list(&w.host, HOST, w.data.path()).await.unwrap();
    assert_eq!(list[0].name, "host");
    let member = list.iter().find(|c| c.name == "member").unwrap();
    assert!(member.ready && member.joined_here);
    assert_eq!(member.provider, "Amazon EKS");
    assert_eq!(member.kubesphere_version.as_deref(), Some("v4.1.3"));
    assert!(member.tags.contains(&Tag {
        key: "team".into(),
        value: "payments".into()
    }));

    let plan = remove::plan(&w.targets(), "member").await.unwrap();
    assert!(plan.from_record && !plan.blocked(), "{plan:#?}");
    let described: Vec<String> = plan.items.iter().map(|i| i.object.describe()).collect();
    for expected in [
        "Cluster member",
        "Deployment kubesphere-system/cluster-agent",
        "ClusterRoleBinding tower",
        "ServiceAccount kubesphere-system/tower",
        "Deployment kubesphere-system/ks-agent",
        "ClusterRoleBinding sandbox-admin-cluster-admin",
        "Namespace kubesphere-system",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected} not in {described:#?}"
        );
    }
    assert!(
        w.sandbox
            .host
            .get("cluster.kubesphere.io/v1alpha1", "Cluster", "", "member")
            .is_some(),
        "the plan is a dry run"
    );
    let removed = remove::remove(&w.targets(), "member", |_| {})
        .await
        .unwrap();
    assert_eq!(removed.done.len(), plan.items.len());
    let settled = Instant::now();
    while snapshot(&w.sandbox.member, MEMBER_KINDS) != member_before
        && settled.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        snapshot(&w.sandbox.member, MEMBER_KINDS),
        member_before,
        "the member is as before"
    );
    assert_eq!(
        snapshot(&w.sandbox.host, HOST_KINDS),
        host_before,
        "the host is as before"
    );
    assert_eq!(
        record::load(w.data.path(), HOST, "member")
            .unwrap()
            .unwrap()
            .phase,
        JoinPhase::Removed
    );
}

fn cluster_token(w: &World, name: &str) -> String {
    w.sandbox
        .host
        .get("cluster.kubesphere.io/v1alpha1", "Cluster", "", name)
        .unwrap()["spec"]["connection"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// tower prints `creationTimestamp: null` and empty `status`, `strategy` and `spec`; our template
/// leaves them out.
fn strip_empty(value: &Value) -> Value {
    let empty = |v: &Value| v.is_null() || v.as_object().is_some_and(|o| o.is_empty());
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !(v.is_null()
                        || matches!(k.as_str(), "status" | "strategy" | "spec") && empty(v))
                })
                .map(|(k, v)| (k.clone(), strip_empty(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_empty).collect()),
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_kubesphere_would_reject_are_refused_before_anything_is_written() {
    let w = world("healthy").await;
    let before = snapshot(&w.sandbox.host, HOST_KINDS);
    for (name, code) in [
        ("Member", ProblemCode::Pattern),
        ("-m", ProblemCode::Pattern),
        (&"a".repeat(61)[..], ProblemCode::TooLong),
        ("host", ProblemCode::Taken),
    ] {
        let mut f = form(name);
        f.tags.pop();
        let preview = add::preview(&w.host, &f).await.unwrap();
        assert!(
            preview.problems.iter().any(|p| p.code == code),
            "{name}: {:?}",
            preview.problems
        );
        let error = add::add(&w.target(), &f, false).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{name}");
    }
    let mut broken = form("member");
    broken.config = "global: [docker.io\n".into();
    assert!(add::add(&w.target(), &broken, false)
        .await
        .unwrap_err()
        .message
        .contains("not valid YAML"));
    assert_eq!(
        snapshot(&w.sandbox.host, HOST_KINDS),
        before,
        "nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_proxy_address_tower_says_so_and_the_error_points_at_the_proxy_address_page() {
    let w = world("lb-pending").await;
    add::add(
        &w.target(),
        &ClusterForm {
            name: "member".into(),
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();
    let started = Instant::now();
    let error = loop {
        match agent::fetch(&w.host, "member").await {
            Err(error)
                if error.message.contains("not initialized")
                    || error.message.contains("has not initialized") =>
            {
                assert!(started.elapsed() < Duration::from_secs(10));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => break error,
            Ok(_) => panic!("lb-pending has no address"),
        }
    };
    assert!(
        error.message.contains("no public address"),
        "{}",
        error.message
    );
    assert!(error.hint.unwrap().contains("Proxy address"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_tower_extension_is_named_as_the_cause() {
    let w = world("extension-disabled").await;
    add::add(
        &w.target(),
        &ClusterForm {
            name: "member".into(),
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();
    let snapshot = w.diagnosed("member", DiagnosisCode::TowerNotRunning).await;
    assert_eq!(snapshot.step, JoinStep::Waiting);
    let error = agent::fetch(&w.host, "member").await.unwrap_err();
    assert!(
        error.message.contains("has not initialized"),
        "{}",
        error.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_members_cannot_reach_is_diagnosed_from_the_agent_log() {
    let w = world("healthy").await;
    w.join_with("member", |yaml| {
        yaml.replace(
            "--proxy-server=http://139.198.120.120:8080",
            "--proxy-server=http://192.168.0.10:30721",
        )
    })
    .await;
    let snapshot = w.diagnosed("member", DiagnosisCode::ProxyUnreachable).await;
    let diagnosis = snapshot
        .diagnoses
        .iter()
        .find(|d| d.code == DiagnosisCode::ProxyUnreachable)
        .unwrap();
    assert!(
        diagnosis.evidence[0].contains("192.168.0.10:30721: i/o timeout"),
        "{diagnosis:?}"
    );
    assert!(!snapshot.ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_diagnosed_and_never_shown() {
    let w = world("healthy").await;
    let wrong = "f".repeat(64);
    w.join_with("member", |yaml| {
        let start = yaml.find("--token=").unwrap() + 8;
        format!("{}{wrong}{}", &yaml[..start], &yaml[start + 64..])
    })
    .await;
    let snapshot = w.diagnosed("member", DiagnosisCode::WrongToken).await;
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(!text.contains(&wrong) && !text.contains(&cluster_token(&w, "member")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_air_gapped_member_that_cannot_pull_the_agent_image_is_diagnosed() {
    let w = world("air-gapped").await;
    w.join_with("member", |yaml| yaml).await;
    let snapshot = w.diagnosed("member", DiagnosisCode::ImagePull).await;
    let diagnosis = snapshot
        .diagnoses
        .iter()
        .find(|d| d.code == DiagnosisCode::ImagePull)
        .unwrap();
    assert!(
        diagnosis.summary.contains("kubesphere/tower:v0.2.1"),
        "{diagnosis:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_already_joined_as_another_cluster_is_a_conflict_in_the_plan() {
    let w = world("healthy").await;
    w.join_with("first", |yaml| yaml).await;
    add::add(
        &w.target(),
        &ClusterForm {
            name: "second".into(),
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();
    let manifest = w.manifest("second").await;
    let plan = apply::plan(&w.member, &manifest).await.unwrap();
    assert_eq!(plan.other_agent.as_deref(), Some("first"));
    assert!(plan.blocked(), "{plan:#?}");
    let error = apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap_err();
    assert!(error.hint.unwrap().contains("first"));
    let token = cluster_token(&w, "second");
    assert!(
        !format!("{plan:?}{}", error.message).contains(&token),
        "conflict texts never show the token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_again_after_a_restart_picks_up_where_the_join_is() {
    let w = world("healthy").await;
    w.join_with("member", |yaml| yaml).await;
    let (first, _) = w.follow("member", Duration::from_secs(20)).await;
    assert!(first.ready);
    let started = Instant::now();
    let (again, titles) = w.follow("member", Duration::from_secs(20)).await;
    assert!(
        again.ready && started.elapsed() < Duration::from_secs(3),
        "a Ready cluster is reported at once"
    );
    assert!(titles.contains(&"Ready: True".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_nodes_are_probed_for_the_proxy_address_and_the_probe_pods_are_gone_after() {
    use onboard_core::join::probe;
    let w = world("healthy").await;
    let pods_before = w.sandbox.member.list("v1", "Pod", Some("default")).len();
    let good = probe::from_member(
        &w.member,
        "http://139.198.120.120:8080",
        probe::PROBE_IMAGE,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(good.nodes.len(), 1);
    assert_eq!(good.nodes[0].node, "sandbox-member-node");
    assert_eq!(good.nodes[0].reachable, Some(true), "{good:?}");
    assert!(good.failing().is_empty());
    let bad = probe::from_member(
        &w.member,
        "http://192.168.0.10:30721",
        probe::PROBE_IMAGE,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(bad.failing(), ["sandbox-member-node"], "{bad:?}");
    assert!(bad.nodes[0].detail.contains("timed out"), "{bad:?}");
    let refused = probe::from_member(
        &w.member,
        "http://139.198.120.120:30000",
        probe::PROBE_IMAGE,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert!(
        refused.nodes[0].detail.contains("Connection refused")
            || refused.nodes[0].reachable == Some(false),
        "{refused:?}"
    );
    assert_eq!(
        w.sandbox.member.list("v1", "Pod", Some("default")).len(),
        pods_before,
        "probe Pods are deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_air_gapped_member_cannot_run_the_probe_and_says_so_instead_of_failing_the_address() {
    use onboard_core::join::probe;
    let w = world("air-gapped").await;
    let report = probe::from_member(
        &w.member,
        "http://139.198.120.120:8080",
        probe::PROBE_IMAGE,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(report.nodes[0].reachable, None, "{report:?}");
    assert!(report.nodes[0].detail.contains("could not be pulled"));
    let mirrored = probe::from_member(
        &w.member,
        "http://139.198.120.120:8080",
        "mirror.local:5000/library/busybox:1.36",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(mirrored.nodes[0].reachable, Some(true), "{mirrored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_flag_edited_by_hand_crash_loops_and_is_diagnosed() {
    let w = world("healthy").await;
    w.join_with("member", |yaml| {
        yaml.replace("--keepalive=10s", "--keepalive=ten")
    })
    .await;
    let snapshot = w.diagnosed("member", DiagnosisCode::AgentCrashLoop).await;
    let diagnosis = snapshot
        .diagnoses
        .iter()
        .find(|d| d.code == DiagnosisCode::AgentCrashLoop)
        .unwrap();
    assert!(
        diagnosis
            .evidence
            .iter()
            .any(|e| e.contains("invalid argument \"ten\" for \"--keepalive\"")),
        "{diagnosis:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_clock_an_hour_behind_is_measured_and_diagnosed() {
    let w = world("healthy").await;
    w.sandbox
        .member
        .set_clock_offset(kube_sandbox::ClockOffset::Behind(Duration::from_secs(3600)));
    w.join_with("member", |yaml| yaml).await;
    let snapshot = w.diagnosed("member", DiagnosisCode::ClockSkew).await;
    let diagnosis = snapshot
        .diagnoses
        .iter()
        .find(|d| d.code == DiagnosisCode::ClockSkew)
        .unwrap();
    assert!(
        diagnosis.evidence.iter().any(|e| e.contains("behind")),
        "{diagnosis:?}"
    );
    assert!(
        diagnosis.evidence.iter().any(|e| e.contains("x509")),
        "{diagnosis:?}"
    );
    let skew =
        watch::server_clock(&w.member).await.unwrap() - watch::server_clock(&w.host).await.unwrap();
    assert!((-3602..=-3598).contains(&skew), "{skew}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_left_on_an_old_proxy_address_are_listed_and_reapplying_moves_them() {
    use onboard_core::join::stale::{self, JoinedMember};
    use onboard_core::kubesphere::publish;
    let w = world("lb-pending").await;
    let target = publish::Target {
        client: &w.host,
        context: HOST,
        data_dir: w.data.path(),
        vault: &onboard_core::vault::MemoryVault::new(),
    };
    publish::set(&target, "http://139.198.120.120:30000", false)
        .await
        .unwrap();
    w.join_with("member", |yaml| yaml).await;
    assert!(w.follow("member", Duration::from_secs(20)).await.0.ready);
    let members = stale::joined_members(w.data.path(), HOST).unwrap();
    assert_eq!(
        members,
        [JoinedMember {
            cluster: "member".into(),
            member_context: "sandbox-member".into()
        }]
    );
    let clients = || vec![(members[0].clone(), Ok(w.member.clone()))];
    assert!(
        stale::stale_agents(&w.host, &clients())
            .await
            .unwrap()
            .is_empty(),
        "the agent dials the address tower gives"
    );

    let node_port = w
        .sandbox
        .host
        .get("v1", "Service", "kubesphere-system", "tower")
        .unwrap()["spec"]["ports"][0]["nodePort"]
        .as_u64()
        .unwrap();
    let moved = format!("http://{}:{node_port}", kube_sandbox::NODE_EXTERNAL_IP);
    publish::set(&target, &moved, false).await.unwrap();
    let stale = stale::stale_agents(&w.host, &clients()).await.unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        stale[0].dials.as_deref(),
        Some("http://139.198.120.120:30000")
    );
    assert_eq!(stale[0].expected, moved);

    let manifest = w.manifest("member").await;
    let plan = apply::plan(&w.member, &manifest).await.unwrap();
    let deployment = plan
        .items
        .iter()
        .find(|i| i.object.kind == "Deployment")
        .unwrap();
    assert_eq!(deployment.action, PlanAction::Update, "{plan:?}");
    apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap();
    assert!(stale::stale_agents(&w.host, &clients())
        .await
        .unwrap()
        .is_empty());
    let (after, _) = w.follow("member", Duration::from_secs(20)).await;
    assert!(after.ready && after.diagnoses.is_empty(), "{after:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_already_had_kubesphere_system_keeps_it_and_loses_only_what_the_join_added() {
    let w = world("healthy").await;
    w.sandbox.member.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubesphere-system", "labels": {"team": "platform"}}})).unwrap();
    w.sandbox.member.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ours", "namespace": "kubesphere-system"}, "data": {"a": "1"}})).unwrap();
    let member_before = snapshot(&w.sandbox.member, MEMBER_KINDS);
    w.join_with("member", |yaml| yaml).await;
    assert!(w.follow("member", Duration::from_secs(20)).await.0.ready);
    let record = record::load(w.data.path(), HOST, "member")
        .unwrap()
        .unwrap();
    assert!(
        record.member_existing.iter().any(|o| o.kind == "Namespace"),
        "{record:?}"
    );
    assert_eq!(record.member_created.len(), 3);
    // Without the record, removal finds the member's objects by names, labels and annotations.
    std::fs::remove_file(w.data.path().join("joins/sandbox-host/member.json")).unwrap();
    let plan = remove::plan(&w.targets(), "member").await.unwrap();
    assert!(!plan.from_record);
    let described: Vec<String> = plan
        .items
        .iter()
        .map(|i| format!("{:?} {}", i.action, i.object.describe()))
        .collect();
    for expected in [
        "Delete Service kubesphere-system/ks-apiserver",
        "Delete Secret kubesphere-system/sh.helm.release.v1.ks-core.v1",
        "Unannotate Namespace kubesphere-system",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected} not in {described:#?}"
        );
    }
    remove::remove(&w.targets(), "member", |_| {})
        .await
        .unwrap();
    let mut after = snapshot(&w.sandbox.member, MEMBER_KINDS);
    // Without the record the CRDs the join brought cannot be told from the member's own.
    after.retain(|k, _| !k.starts_with("CustomResourceDefinition"));
    let mut before = member_before.clone();
    before.retain(|k, _| !k.starts_with("CustomResourceDefinition"));
    assert_eq!(
        after, before,
        "the member is as before, its own namespace and ConfigMap kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_air_gapped_member_joins_through_a_mirror_with_a_pull_secret_from_the_keyring() {
    use kube_sandbox::{MIRROR_PASSWORD, MIRROR_USER};
    use onboard_core::audit;
    use onboard_core::join::airgap::{self, Mirror, RegistryCredentials};
    use onboard_core::join::pull_check::{self, PullSecret};
    use onboard_core::vault::MemoryVault;
    let w = world("air-gapped").await;
    let registry = "auth-mirror.local:5000";
    let wait = Duration::from_secs(10);

    // Detected: the public agent image cannot be pulled on this member.
    let public = pull_check::check(
        &w.member,
        agent::DEFAULT_AGENT_IMAGE,
        PullSecret::None,
        wait,
    )
    .await
    .unwrap();
    assert!(public.unreachable_registry(), "{public:?}");
    assert!(public.detail.contains("no such host"), "{public:?}");

    let vault = MemoryVault::default();
    let credentials = RegistryCredentials {
        username: MIRROR_USER.into(),
        password: MIRROR_PASSWORD.into(),
    };
    airgap::save_credentials(&vault, registry, &credentials).unwrap();
    let mirror = Mirror {
        registry: registry.into(),
        pull_secrets: vec!["mirror-pull".into()],
    };
    let config = airgap::config_with(DEFAULT_CONFIG, &mirror).unwrap();
    add::add(
        &w.target(),
        &ClusterForm {
            name: "member".into(),
            config,
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();

    // The Cluster Configuration's mirror rewrites the agent; the keyring's login becomes
    // the pull secret applied with it.
    let mut manifest = w.manifest("member").await;
    assert_eq!(manifest.mirror.as_ref(), Some(&mirror));
    assert!(airgap::attach_pull_secret(&mut manifest, &vault).unwrap());
    let view = manifest.view();
    assert_eq!(
        view.images,
        ["auth-mirror.local:5000/kubesphere/tower:v0.2.1"]
    );
    assert_eq!(view.pull_secret.as_deref(), Some("mirror-pull"));
    let mirrored: Vec<&str> = view
        .needed_images
        .iter()
        .map(|i| i.mirror.as_str())
        .collect();
    assert!(
        mirrored.contains(&"auth-mirror.local:5000/kubesphere/ks-apiserver:v4.1.3"),
        "{mirrored:?}"
    );
    let secret = airgap::pull_secret("mirror-pull", registry, &credentials);
    let check = pull_check::check(&w.member, &view.images[0], PullSecret::New(&secret), wait)
        .await
        .unwrap();
    assert_eq!(check.pulled, Some(true), "{check:?}");
    let without = pull_check::check(&w.member, &view.images[0], PullSecret::None, wait)
        .await
        .unwrap();
    assert!(
        without.pulled == Some(false) && without.detail.contains("401"),
        "{without:?}"
    );
    assert!(
        w.sandbox
            .member
            .list("v1", "Pod", Some("default"))
            .is_empty()
            && w.sandbox
                .member
                .list("v1", "Secret", Some("default"))
                .is_empty(),
        "the checks leave nothing behind"
    );

    let plan = apply::plan(&w.member, &manifest).await.unwrap();
    let kinds: Vec<&str> = plan.items.iter().map(|i| i.object.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "Secret",
            "ServiceAccount",
            "ClusterRoleBinding",
            "Deployment"
        ]
    );
    apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap();
    let (snapshot, _) = w.follow("member", Duration::from_secs(20)).await;
    assert!(snapshot.ready, "{snapshot:#?}");
    let ks_agent = w
        .sandbox
        .member
        .get("apps/v1", "Deployment", "kubesphere-system", "ks-agent")
        .unwrap();
    let pod = &ks_agent["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["image"],
        "auth-mirror.local:5000/kubesphere/ks-apiserver:v4.1.3"
    );
    assert_eq!(pod["imagePullSecrets"], json!([{"name": "mirror-pull"}]));

    // Every change is in the audit log, with no credential in it.
    let log = audit::list(w.data.path(), &Default::default()).unwrap();
    assert_eq!(log.integrity, audit::Integrity::Intact { entries: 2 });
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["cluster-add", "agent-apply"]);
    assert!(
        log.entries[1]
            .changes
            .contains(&"created Secret kubesphere-system/mirror-pull on the member".to_string()),
        "{:?}",
        log.entries[1].changes
    );
    let text = std::fs::read_to_string(audit::path(w.data.path())).unwrap();
    let token = cluster_token(&w, "member");
    for secret in [
        token.as_str(),
        MIRROR_PASSWORD,
        secret["data"][".dockerconfigjson"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "the audit log holds a secret");
        assert!(!view.yaml.contains(secret));
    }

    // Removal takes the pull secret back with the rest of the join.
    remove::remove(&w.targets(), "member", |_| {})
        .await
        .unwrap();
    assert!(w
        .sandbox
        .member
        .get("v1", "Secret", "kubesphere-system", "mirror-pull")
        .is_none());
    let log = audit::list(w.data.path(), &Default::default()).unwrap();
    assert_eq!(
        log.entries.last().unwrap().action,
        audit::Action::ClusterRemove
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_pull_secret_the_member_lacks_without_saved_credentials_blocks_the_plan() {
    use onboard_core::join::airgap::{self, Mirror};
    let w = world("air-gapped").await;
    let mirror = Mirror {
        registry: "auth-mirror.local:5000".into(),
        pull_secrets: vec!["mirror-pull".into()],
    };
    add::add(
        &w.target(),
        &ClusterForm {
            name: "member".into(),
            config: airgap::config_with(DEFAULT_CONFIG, &mirror).unwrap(),
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();
    let manifest = w.manifest("member").await;
    let plan = apply::plan(&w.member, &manifest).await.unwrap();
    let last = plan.items.last().unwrap();
    assert_eq!(
        (last.object.kind.as_str(), last.action),
        ("Secret", PlanAction::Conflict)
    );
    assert!(
        last.detail.as_deref().unwrap().contains("registry login"),
        "{last:?}"
    );
    let error = apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap_err();
    assert!(error.message.contains("mirror-pull"), "{}", error.message);
    assert!(
        w.sandbox
            .member
            .get("v1", "Namespace", "", "kubesphere-system")
            .is_none(),
        "nothing applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_again_keeps_the_join_s_own_objects_as_the_join_s_to_remove() {
    let w = world("healthy").await;
    w.join_with("member", |yaml| yaml).await;
    let manifest = w.manifest("member").await;
    let again = apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap();
    assert_eq!(again.unchanged.len(), 4, "{again:?}");
    let record = record::load(w.data.path(), HOST, "member")
        .unwrap()
        .unwrap();
    assert_eq!(record.member_created.len(), 4);
    assert!(
        record.member_existing.is_empty(),
        "{:?}",
        record.member_existing
    );
    let plan = remove::plan(&w.targets(), "member").await.unwrap();
    assert!(
        plan.items
            .iter()
            .all(|i| !i.reason.contains("before the join")),
        "{plan:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_image_set_on_the_host_names_the_mirror_in_agent_yaml_and_the_join_reaches_ready()
{
    use onboard_core::audit;
    use onboard_core::join::airgap::{self, Mirror};
    use onboard_core::kubesphere::agent_image;
    use onboard_core::kubesphere::publish::Target;
    let w = world("air-gapped").await;
    let target = Target {
        client: &w.host,
        context: HOST,
        data_dir: w.data.path(),
        vault: &onboard_core::vault::MemoryVault::new(),
    };
    let image = "mirror.local:5000/kubesphere/tower:v0.2.1";
    let secret = || {
        w.sandbox
            .host
            .get("v1", "Secret", "kubesphere-system", "tower")
            .unwrap()
    };
    let before = secret();
    let dry = agent_image::set(&target, image, true).await.unwrap();
    assert!(dry.dry_run_passed && !dry.written);
    assert_eq!(secret()["data"], before["data"], "a dry run writes nothing");
    let set = agent_image::set(&target, image, false).await.unwrap();
    assert!(set.written);
    assert_eq!(set.previous.as_deref(), Some("kubesphere/tower:v0.2.1"));
    assert!(
        agent_image::set(&target, image, false)
            .await
            .unwrap()
            .unchanged
    );
    let mut refused = target.clone();
    refused.context = "nobody";
    assert!(agent_image::set(&refused, "not an image", false)
        .await
        .is_err());

    // ks-core still needs the mirror in the Cluster Configuration; the agent's image now
    // comes from tower already on the mirror, and rewriting it changes nothing.
    let mirror = Mirror {
        registry: "mirror.local:5000".into(),
        pull_secrets: Vec::new(),
    };
    add::add(
        &w.target(),
        &ClusterForm {
            name: "member".into(),
            config: airgap::config_with(DEFAULT_CONFIG, &mirror).unwrap(),
            ..ClusterForm::default()
        },
        false,
    )
    .await
    .unwrap();
    let manifest = w.manifest("member").await;
    assert_eq!(manifest.view().images, [image]);
    let mut documents = manifest.documents.clone();
    assert!(airgap::rewrite(&mut documents, &mirror).is_empty());
    apply::apply(&w.member_target(), &manifest, |_| {})
        .await
        .unwrap();
    let (snapshot, _) = w.follow("member", Duration::from_secs(20)).await;
    assert!(snapshot.ready, "{snapshot:#?}");

    let log = audit::list(w.data.path(), &Default::default()).unwrap();
    let set_entries: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action == audit::Action::AgentImageSet)
        .collect();
    assert_eq!(set_entries.len(), 4, "dry run, write, unchanged, refused");
    assert!(set_entries[0].dry_run && set_entries[0].undo.is_none());
    assert!(set_entries[1]
        .undo
        .as_deref()
        .unwrap()
        .contains("host agent-image kubesphere/tower:v0.2.1"));
    assert_eq!(set_entries[3].result, audit::Outcome::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubesphere_3_s_agent_image_is_left_to_the_manifest_rewrite() {
    use onboard_core::kubesphere::agent_image;
    use onboard_core::kubesphere::publish::Target;
    let w = world("v3-installer").await;
    let target = Target {
        client: &w.host,
        context: HOST,
        data_dir: w.data.path(),
        vault: &onboard_core::vault::MemoryVault::new(),
    };
    let error = agent_image::set(&target, "mirror.local:5000/kubesphere/tower:v0.2.1", false)
        .await
        .unwrap_err();
    assert!(error.message.contains("3.x"), "{}", error.message);
    assert!(error.hint.unwrap().contains("global.imageRegistry"));
}
