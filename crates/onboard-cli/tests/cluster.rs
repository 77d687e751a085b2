//! `ks-onboard-cli cluster add|agent-yaml|status|list|remove` against the sandbox's KubeSphere
//! world (started in this process with fast join timings), the built binary run as a user
//! would, and plain kubectl as the independent client that reads back what it did.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

mod common;

use common::{text, world, World, HOST, MEMBER};

impl World {
    /// Plain kubectl on one side (`HOST` or `MEMBER`).
    async fn kubectl(&self, context: &str, args: &[&str]) -> Output {
        let kubeconfig: PathBuf = if context == HOST {
            self.sandbox.host_kubeconfig.clone()
        } else {
            self.sandbox.member_kubeconfig.clone()
        };
        let home = self.sandbox.dir().to_path_buf();
        let context = context.to_string();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let kubectl = kube_sandbox::kubectl::plain_kubectl()
                .expect("no plain kubectl build found beside the kubectl on PATH; set KUBECTL");
            std::process::Command::new(kubectl)
                .env_clear()
                .env("HOME", home)
                .arg("--kubeconfig")
                .arg(kubeconfig)
                .args(["--context", &context])
                .args(&args)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// `kubectl get -o json`; `None` when the object is not there.
    async fn get(&self, context: &str, args: &[&str]) -> Option<Value> {
        let mut all = vec!["get", "-o", "json"];
        all.extend_from_slice(args);
        let out = self.kubectl(context, &all).await;
        if out.status.success() {
            Some(serde_json::from_slice(&out.stdout).unwrap())
        } else {
            assert!(text(&out.stderr).contains("NotFound"), "{out:?}");
            None
        }
    }

    /// The join token tower gave the Cluster, read with kubectl.
    async fn token(&self, cluster: &str) -> String {
        let cluster = self
            .get(HOST, &["clusters.cluster.kubesphere.io", cluster])
            .await
            .unwrap();
        let token = cluster["spec"]["connection"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(token.len() >= 32, "{token}");
        token
    }

    /// Everything a join and a removal touch, by identity (kind, namespace, name, uid) with
    /// labels, annotations and, for tags, the clusters they list.
    async fn state(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for (context, kinds) in [
            (
                HOST,
                "clusters.cluster.kubesphere.io,labels.cluster.kubesphere.io",
            ),
            (
                MEMBER,
                "namespaces,deployments,serviceaccounts,clusterrolebindings.rbac.authorization.k8s.io,customresourcedefinitions",
            ),
        ] {
            let list = self.get(context, &[kinds, "-A"]).await.unwrap();
            for item in list["items"].as_array().unwrap() {
                let meta = &item["metadata"];
                out.push(serde_json::json!({
                    "side": context, "kind": item["kind"], "namespace": meta["namespace"],
                    "name": meta["name"], "uid": meta["uid"], "labels": meta["labels"],
                    "annotations": meta["annotations"], "deleting": meta["deletionTimestamp"],
                    "tagClusters": item["spec"]["clusters"],
                }));
            }
        }
        out
    }
}

fn add_args<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "cluster",
        "add",
        name,
        "--host-context",
        HOST,
        "--member-context",
        MEMBER,
    ];
    args.extend_from_slice(extra);
    args
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn condition<'a>(cluster: &'a Value, kind: &str) -> Option<&'a Value> {
    cluster["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_with_wait_joins_the_member_to_ready_without_ever_printing_the_token() {
    let w = world("healthy").await;
    let out = w
        .cli(&add_args(
            "member",
            &[
                "--label",
                "env=production",
                "--label",
                "team=payments",
                "--group",
                "testing",
                "--provider",
                "Amazon EKS",
                "--wait",
                "--timeout",
                "60s",
            ],
        ))
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));

    let cluster = w
        .get(HOST, &["clusters.cluster.kubesphere.io", "member"])
        .await
        .expect("kubectl reads the Cluster");
    assert_eq!(
        condition(&cluster, "Ready").map(|c| &c["status"]),
        Some(&Value::from("True")),
        "{cluster:#}"
    );
    assert_eq!(cluster["spec"]["connection"]["type"], "proxy");
    assert_eq!(cluster["spec"]["joinFederation"], true);
    assert_eq!(cluster["spec"]["provider"], "Amazon EKS");
    let labels = &cluster["metadata"]["labels"];
    assert_eq!(labels["kubesphere.io/managed"], "true");
    assert_eq!(labels["cluster.kubesphere.io/group"], "testing");
    assert_eq!(
        labels["label.cluster.kubesphere.io/k7xq2m"], "",
        "env=production is the host's existing tag"
    );
    let annotations = &cluster["metadata"]["annotations"];
    assert_eq!(annotations["kubesphere.io/creator"], "sandbox-admin");
    let ids: Vec<&str> = annotations["cluster.kubesphere.io/label-ids"]
        .as_str()
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], "k7xq2m");
    assert_eq!(
        labels[format!("label.cluster.kubesphere.io/{}", ids[1])],
        ""
    );
    let team = w
        .get(HOST, &["labels.cluster.kubesphere.io", ids[1]])
        .await
        .expect("the new tag exists");
    assert_eq!(
        (&team["spec"]["key"], &team["spec"]["value"]),
        (&Value::from("team"), &Value::from("payments"))
    );
    let env = w
        .get(HOST, &["labels.cluster.kubesphere.io", "k7xq2m"])
        .await
        .unwrap();
    assert!(
        env["spec"]["clusters"]
            .as_array()
            .unwrap()
            .contains(&Value::from("member")),
        "{env:#}"
    );
    assert!(
        cluster["spec"]["config"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "the console's default Cluster Configuration"
    );

    let deployment = w
        .get(
            MEMBER,
            &["deploy", "-n", "kubesphere-system", "cluster-agent"],
        )
        .await
        .expect("the agent runs on the member");
    let command = deployment["spec"]["template"]["spec"]["containers"][0]["command"].clone();
    assert!(
        command
            .as_array()
            .unwrap()
            .contains(&Value::from("--name=member")),
        "{command}"
    );

    let token = w.token("member").await;
    assert!(
        !stdout.contains(&token) && !stderr.contains(&token),
        "the token is never printed"
    );
    for line in [
        "created Cluster member and the tags team=payments",
        "probe: node sandbox-member-node reaches http://139.198.120.120:8080/health",
        "[4/4] created   Deployment kubesphere-system/cluster-agent",
        "Initialized: True",
        "AgentAvailable: True",
        "Ready: True — Cluster is available now",
    ] {
        assert!(stderr.contains(line), "{line:?} not in stderr:\n{stderr}");
    }
    assert!(
        stderr.find("Initialized: True") < stderr.find("Ready: True"),
        "{stderr}"
    );
    assert!(
        stdout.contains("cluster member is Ready on sandbox-host"),
        "{stdout}"
    );
    assert!(stdout.contains("agent.yaml applied to sandbox-member: 4 created"));

    // status -o json prints the core's JoinSnapshot.
    let out = w
        .cli(&[
            "cluster",
            "status",
            "member",
            "--context",
            HOST,
            "-o",
            "json",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let snapshot: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(snapshot["ready"], true, "{snapshot:#}");
    assert_eq!(snapshot["step"], "ready");
    assert_eq!(snapshot["cluster"], "member");
    assert!(snapshot["diagnoses"].as_array().unwrap().is_empty());
    let out = w
        .cli(&["cluster", "status", "member", "--context", HOST, "-w"])
        .await;
    assert_eq!(out.status.code(), Some(0), "Ready ends -w at once: {out:?}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ready:      yes"), "{stdout}");
    assert!(stdout.contains("Amazon EKS"), "{stdout}");

    let out = w.cli(&["cluster", "list", "--context", HOST]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("NAME ")
            && lines[0].ends_with("KUBESPHERE   KUBERNETES   NODES")
            && lines[0].contains("   READY   CONNECTION   PROVIDER"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("host "), "the host first: {stdout}");
    let member = lines.iter().find(|l| l.starts_with("member ")).unwrap();
    for cell in ["yes", "proxy", "Amazon EKS", "v4.1.3"] {
        assert!(member.contains(cell), "{cell} not in {member}");
    }
    assert!(
        member.contains("env=production") && member.contains("team=payments"),
        "{member}"
    );
    let out = w
        .cli(&["cluster", "list", "--context", HOST, "-o", "json"])
        .await;
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "member")
        .unwrap();
    assert_eq!(
        (&entry["ready"], &entry["joinedHere"]),
        (&Value::from(true), &Value::from(true))
    );
    let out = w
        .cli(&["cluster", "list", "--context", HOST, "-o", "name"])
        .await;
    assert_eq!(text(&out.stdout), "host\nmember\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_yaml_is_what_tower_serves_written_owner_only_or_shown_masked() {
    let w = world("healthy").await;
    let out = w.cli(&add_args("member", &[])).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).contains(
            "follow the join: ks-onboard-cli cluster status member --context sandbox-host"
        ),
        "without --wait it says how to follow: {out:?}"
    );
    let token = w.token("member").await;

    let out = w
        .cli(&["cluster", "agent-yaml", "member", "--context", HOST])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let served = w
        .kubectl(
            HOST,
            &[
                "get",
                "--raw",
                "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member",
            ],
        )
        .await;
    assert!(served.status.success(), "{served:?}");
    let printed = text(&out.stdout);
    assert_eq!(
        documents(&printed),
        documents(&text(&served.stdout)),
        "stdout is the manifest tower serves"
    );
    assert!(
        printed.contains(&format!("--token={token}")),
        "the real one, for kubectl create -f"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("agent.yaml for cluster member from the tower extension on the host"),
        "{stderr}"
    );
    assert!(!stderr.contains(&token));

    let file = w.data.path().join("exported/agent.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let out = w
        .cli(&[
            "cluster",
            "agent-yaml",
            "member",
            "--context",
            HOST,
            "--out",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!text(&out.stdout).contains(&token) && !text(&out.stderr).contains(&token));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        documents(&std::fs::read_to_string(&file).unwrap()),
        documents(&text(&served.stdout))
    );

    let out = w
        .cli(&[
            "cluster",
            "agent-yaml",
            "member",
            "--context",
            HOST,
            "--redacted",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let redacted = text(&out.stdout);
    assert!(!redacted.contains(&token), "{redacted}");
    assert!(redacted.contains("--token=••••••••"), "{redacted}");
    assert_eq!(documents(&redacted).len(), 4);

    let out = w
        .cli(&[
            "cluster",
            "agent-yaml",
            "member",
            "--context",
            HOST,
            "-o",
            "json",
        ])
        .await;
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["source"], "towerExtension");
    assert_eq!(view["proxyServer"], "http://139.198.120.120:8080");
    assert!(!text(&out.stdout).contains(&token));

    let out = w
        .cli(&["cluster", "agent-yaml", "nope", "--context", HOST])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("the host has no cluster called \"nope\""),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_shows_its_plan_asks_for_the_name_and_leaves_nothing_behind() {
    let w = world("healthy").await;
    let out = w
        .cli(&add_args("member", &["--wait", "--timeout", "60s"]))
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let remove = [
        "cluster",
        "remove",
        "member",
        "--host-context",
        HOST,
        "--member-context",
        MEMBER,
    ];

    let before = w.state().await;
    let mut dry = remove.to_vec();
    dry.push("--dry-run");
    let out = w.cli(&dry).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("SIDE     ACTION   OBJECT"),
        "{stdout}"
    );
    for row in [
        "host     delete   Cluster member ",
        "member   delete   Deployment kubesphere-system/cluster-agent ",
        "member   delete   ServiceAccount kubesphere-system/tower ",
        "member   delete   ClusterRoleBinding tower ",
        "member   delete   Namespace kubesphere-system ",
    ] {
        assert!(stdout.contains(row), "{row:?} not in\n{stdout}");
    }
    assert!(stdout.contains("nothing was removed"), "{stdout}");
    assert_eq!(w.state().await, before, "a dry run changes nothing");
    let mut json = dry.clone();
    json.extend(["-o", "json"]);
    let out = w.cli(&json).await;
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["fromRecord"], true);
    assert!(plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["problem"].is_null()));

    let out = w.cli_with_stdin(&remove, Some("membr\n")).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Type the cluster name to confirm:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nothing was removed"),
        "wrong name aborts: {stderr}"
    );
    let out = w.cli_with_stdin(&remove, Some("")).await;
    assert_eq!(out.status.code(), Some(1), "no answer aborts too: {out:?}");
    assert_eq!(w.state().await, before, "nothing was removed");

    let mut yes = remove.to_vec();
    yes.push("--yes");
    let out = w.cli(&yes).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("host   delete     Cluster member"),
        "progress per step: {stderr}"
    );
    assert!(!stderr.contains("Type the cluster name"));
    assert!(text(&out.stdout).contains("cluster member removed"));

    assert!(w
        .get(HOST, &["clusters.cluster.kubesphere.io", "member"])
        .await
        .is_none());
    let gone = [
        vec!["deploy", "-n", "kubesphere-system", "cluster-agent"],
        vec!["serviceaccount", "-n", "kubesphere-system", "tower"],
        vec!["clusterrolebinding.rbac.authorization.k8s.io", "tower"],
        vec!["namespace", "kubesphere-system"],
    ];
    let started = Instant::now();
    for object in &gone {
        // A namespace goes once what is in it is gone.
        while w.get(MEMBER, object).await.is_some() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{object:?} is still on the member"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let out = w
        .cli(&["cluster", "status", "member", "--context", HOST])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("has no cluster called \"member\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_kubesphere_would_reject_is_refused_before_anything_is_written() {
    let w = world("healthy").await;
    let before = w.state().await;
    let out = w.cli(&add_args("Bad_Name", &["--wait"])).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "problem: name: the cluster name may hold only lower-case letters, digits and '-'"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was created"), "{stderr}");
    let out = w.cli(&add_args("host", &[])).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("problem: name: the host already has a cluster called \"host\""),
        "{out:?}"
    );
    let out = w
        .cli(&add_args(
            "member",
            &["--label", "env=a", "--label", "env=b"],
        ))
        .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("problem: label: two tags have the same key"),
        "{out:?}"
    );
    assert_eq!(w.state().await, before, "nothing was created");

    let out = w
        .cli(&[
            "cluster",
            "add",
            "member",
            "--host-context",
            HOST,
            "--label",
            "env=production",
        ])
        .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "--member-context is required: {out:?}"
    );
    assert!(text(&out.stderr).contains("--member-context <CONTEXT>"));

    let out = w
        .cli(&add_args(
            "member",
            &["--label", "env=production", "--dry-run", "-o", "yaml"],
        ))
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let object = &documents(&text(&out.stdout))[0];
    assert_eq!(object["kind"], "Cluster");
    assert_eq!(object["metadata"]["name"], "member");
    assert_eq!(object["spec"]["joinFederation"], true);
    assert_eq!(w.state().await, before, "a dry run creates nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_proxy_address_the_join_stops_with_towers_reason_and_the_proxy_address_hint() {
    let w = world("lb-pending").await;
    let out = w
        .cli(&add_args("member2", &["--wait", "--timeout", "20s"]))
        .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no public address"), "{stderr}");
    let hint = stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
    assert!(
        hint.contains("Proxy address") && hint.contains("ks-onboard-cli proxy-address set URL"),
        "{hint}"
    );
    assert!(
        stderr.contains("`ks-onboard-cli cluster join member2 --host-context sandbox-host --member-context sandbox-member --wait`"),
        "{stderr}"
    );
    assert!(
        w.get(
            MEMBER,
            &["deploy", "-n", "kubesphere-system", "cluster-agent"]
        )
        .await
        .is_none(),
        "nothing applied"
    );

    // Once the address is set, `cluster join` continues where `add` stopped.
    let out = w
        .cli(&[
            "proxy-address",
            "set",
            "http://139.198.120.120:30000",
            "--context",
            HOST,
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = w
        .cli(&[
            "cluster",
            "join",
            "member2",
            "--host-context",
            HOST,
            "--member-context",
            MEMBER,
            "--wait",
            "--timeout",
            "60s",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["agent"]["proxyServer"],
        "http://139.198.120.120:30000"
    );
    assert_eq!(report["applied"]["created"].as_array().unwrap().len(), 4);
    assert_eq!(report["snapshot"]["ready"], true, "{report:#}");
    assert!(report.get("added").is_none(), "join adds nothing");
    let token = w.token("member2").await;
    assert!(!text(&out.stdout).contains(&token) && !text(&out.stderr).contains(&token));

    // Moving the address leaves the agent on the old one until it is re-applied.
    let stale = ["proxy-address", "stale", "--context", HOST];
    let out = w.cli(&stale).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let node_port = w
        .sandbox
        .host
        .get("v1", "Service", "kubesphere-system", "tower")
        .unwrap()["spec"]["ports"][0]["nodePort"]
        .as_u64()
        .unwrap();
    let moved = format!("http://{}:{node_port}", kube_sandbox::NODE_EXTERNAL_IP);
    let out = w
        .cli(&["proxy-address", "set", &moved, "--context", HOST])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = w.cli(&stale).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stdout).contains(&format!(
            "member2: dials http://139.198.120.120:30000, tower gives {moved}"
        )),
        "{out:?}"
    );
    let out = w
        .cli(&[
            "cluster",
            "join",
            "member2",
            "--host-context",
            HOST,
            "--member-context",
            MEMBER,
            "--wait",
            "--timeout",
            "60s",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stderr).contains("updated"), "{out:?}");
    let out = w.cli(&stale).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tower_stopped_the_wait_ends_at_the_timeout_and_names_tower_as_the_cause() {
    let w = world("extension-disabled").await;
    let started = Instant::now();
    let out = w
        .cli(&add_args("member", &["--wait", "--timeout", "3s"]))
        .await;
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(20),
        "{took:?}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("[error] tower is not running on the host"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix: enable the tower extension"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: tower did not initialize cluster \"member\" within 3s"),
        "{stderr}"
    );
    let out = w
        .cli(&[
            "cluster",
            "status",
            "member",
            "--context",
            HOST,
            "-o",
            "json",
        ])
        .await;
    let snapshot: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(snapshot["step"], "waiting");
    assert_eq!(snapshot["diagnoses"][0]["code"], "towerNotRunning");

    // status -w follows until Ctrl-C, then prints where the join is and exits 1.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ks-onboard-cli"))
        .env("KUBECONFIG", w.kubeconfig_env())
        .env("KS_ONBOARD_DATA_DIR", w.data.path())
        .args(["cluster", "status", "member", "--context", HOST, "-w"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(child.try_wait().unwrap(), None, "-w keeps following");
        let killed = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ready:      no"), "{stdout}");
    assert!(
        stdout.contains("[error] tower is not running on the host"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("tower  ! tower is not running on the host"),
        "the timeline: {stderr}"
    );
    assert!(
        stderr.contains("error: stopped before cluster member was Ready"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_air_gapped_member_joins_through_the_mirror_the_bundle_verifies_and_the_audit_log_catches_tampering(
) {
    use kube_sandbox::{MIRROR_PASSWORD, MIRROR_USER};
    let w = world("air-gapped").await;
    let registry = "auth-mirror.local:5000";
    let login = w
        .cli_with_stdin(
            &[
                "registry",
                "login",
                registry,
                "-u",
                MIRROR_USER,
                "--password-stdin",
            ],
            Some(&format!("{MIRROR_PASSWORD}\n")),
        )
        .await;
    assert_eq!(login.status.code(), Some(0), "{login:?}");

    let out = w
        .cli(&add_args(
            "member",
            &[
                "--image-registry",
                registry,
                "--pull-secret",
                "mirror-pull",
                "--wait",
                "--timeout",
                "60s",
                "-o",
                "json",
            ],
        ))
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["snapshot"]["ready"], true, "{report:#}");
    assert_eq!(report["agent"]["mirror"]["registry"], registry);
    assert_eq!(report["agent"]["pullSecret"], "mirror-pull");
    assert!(
        text(&out.stderr)
            .contains("image: the member pulls auth-mirror.local:5000/kubesphere/tower:v0.2.1"),
        "{}",
        text(&out.stderr)
    );
    let agent = w
        .get(
            MEMBER,
            &["-n", "kubesphere-system", "deployment", "cluster-agent"],
        )
        .await
        .unwrap();
    let pod = &agent["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["image"],
        "auth-mirror.local:5000/kubesphere/tower:v0.2.1"
    );
    assert_eq!(pod["imagePullSecrets"][0]["name"], "mirror-pull");
    let secret = w
        .get(
            MEMBER,
            &["-n", "kubesphere-system", "secret", "mirror-pull"],
        )
        .await
        .unwrap();
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    let token = w.token("member").await;
    let pull_data = secret["data"][".dockerconfigjson"]
        .as_str()
        .unwrap()
        .to_string();
    for output in [&login, &out] {
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        for secret in [MIRROR_PASSWORD, token.as_str(), pull_data.as_str()] {
            assert!(!all.contains(secret), "a secret reached the terminal");
        }
    }

    // The offline bundle: checksums verify with coreutils, no token unless asked.
    let bundle = w.data.path().join("bundle");
    let out = w
        .cli(&[
            "cluster",
            "bundle",
            "member",
            "--context",
            HOST,
            "--out",
            bundle.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sums = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&bundle)
        .output()
        .unwrap();
    assert!(sums.status.success(), "{sums:?}");
    assert_eq!(text(&sums.stdout).matches(": OK").count(), 4);
    let agent_yaml = std::fs::read_to_string(bundle.join("agent.yaml")).unwrap();
    assert!(agent_yaml.contains("--token=__JOIN_TOKEN__") && !agent_yaml.contains(&token));
    assert!(std::fs::read_to_string(bundle.join("mirror-images.sh"))
        .unwrap()
        .contains("skopeo copy --all docker://docker.io/kubesphere/tower:v0.2.1 docker://auth-mirror.local:5000/kubesphere/tower:v0.2.1"));

    // The audit log: both changes, intact; an edited line is caught, and then nothing more
    // is changed until the log is looked at.
    let out = w.cli(&["audit", "list", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["cluster-add", "agent-apply"]);
    assert_eq!(log["entries"][0]["context"], HOST);
    assert_eq!(log["entries"][0]["user"], "sandbox-admin");
    assert_eq!(
        log["integrity"],
        serde_json::json!({"state": "intact", "entries": 2})
    );
    let file = w.data.path().join("audit.jsonl");
    let written = std::fs::read_to_string(&file).unwrap();
    for secret in [MIRROR_PASSWORD, token.as_str(), pull_data.as_str()] {
        assert!(!written.contains(secret), "a secret reached the audit log");
    }
    std::fs::write(
        &file,
        written.replacen("created Cluster member", "created Cluster other", 1),
    )
    .unwrap();
    let out = w.cli(&["audit", "verify"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("altered at line 1"),
        "{}",
        text(&out.stderr)
    );
    let out = w.cli(&["audit", "list"]).await;
    assert_eq!(out.status.code(), Some(1));
    let out = w
        .cli(&[
            "cluster",
            "remove",
            "member",
            "--host-context",
            HOST,
            "--member-context",
            MEMBER,
            "--yes",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("audit log"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        w.get(HOST, &["clusters.cluster.kubesphere.io", "member"])
            .await
            .is_some(),
        "nothing removed"
    );

    let logout = w.cli(&["registry", "logout", registry]).await;
    assert_eq!(logout.status.code(), Some(0), "{logout:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_air_gapped_member_without_a_mirror_is_found_before_anything_is_applied() {
    let w = world("air-gapped").await;
    let out = w.cli(&add_args("member", &["--timeout", "30s"])).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot pull the agent image kubesphere/tower:v0.2.1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no such host") && stderr.contains("--image-registry"),
        "{stderr}"
    );
    assert!(
        w.get(MEMBER, &["namespace", "kubesphere-system"])
            .await
            .is_none(),
        "nothing applied"
    );
}

#[test]
fn help_names_every_cluster_command_and_the_required_member_context() {
    let out = Command::cargo_bin("ks-onboard-cli")
        .unwrap()
        .args(["cluster", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["add", "join", "agent-yaml", "status", "list", "remove"] {
        assert!(help.contains(command), "{command}: {help}");
    }
    let out = Command::cargo_bin("ks-onboard-cli")
        .unwrap()
        .args(["cluster", "add", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("--member-context is required"), "{help}");
    assert!(help.contains("[possible values: production, development, testing, demo]"));
}
