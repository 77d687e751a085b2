//! The KubeSphere world through real kubectl: the host as KubeSphere 4.1 with the tower
//! extension, agent.yaml through the service proxy, the join to Ready, and each failure
//! scenario's symptom.

mod common;

use common::{table, Kubectl};
use kube_sandbox::{Sandbox, SandboxConfig, Timing};
use std::time::Duration;
use tempfile::TempDir;

/// Short steps so the suite stays fast; the order of events is what is tested.
const FAST: Timing = Timing {
    retry_min: Duration::from_millis(20),
    dial_timeout: Duration::from_millis(50),
    ks_core_install: Duration::from_millis(150),
};

struct World {
    sandbox: Sandbox,
    dir: TempDir,
}

async fn world(scenario: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().join("sbx"),
        scenario: scenario.into(),
        latency: Duration::ZERO,
        timing: FAST,
    })
    .await
    .unwrap();
    World { sandbox, dir }
}

impl World {
    fn kubectl(&self, context: &str) -> Kubectl {
        let kubeconfig = format!(
            "{}:{}",
            self.sandbox.host_kubeconfig.display(),
            self.sandbox.member_kubeconfig.display()
        );
        Kubectl {
            kubeconfig: kubeconfig.into(),
            home: self.dir.path().to_path_buf(),
            context: context.into(),
        }
    }

    fn host(&self) -> Kubectl {
        self.kubectl("sandbox-host")
    }

    fn member(&self) -> Kubectl {
        self.kubectl("sandbox-member")
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// Adds a proxy Cluster as the console does (creator annotation, managed label).
    async fn add_cluster(&self, name: &str, join_federation: bool) {
        let yaml = format!(
            "apiVersion: cluster.kubesphere.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: {name}\n  labels:\n    kubesphere.io/managed: \"true\"\n  annotations:\n    kubesphere.io/creator: sandbox-admin\nspec:\n  provider: \"\"\n  joinFederation: {join_federation}\n  connection:\n    type: proxy\n"
        );
        let file = self.write(&format!("{name}-cluster.yaml"), &yaml);
        self.host().ok(&["create", "-f", &file]).await;
    }

    async fn agent_yaml(&self, cluster: &str) -> String {
        let path = format!("/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster={cluster}");
        self.host().ok(&["get", "--raw", &path]).await
    }

    async fn wait_condition(&self, cluster: &str, condition: &str) {
        self.host()
            .ok(&[
                "wait",
                &format!("--for=condition={condition}"),
                &format!("clusters.cluster.kubesphere.io/{cluster}"),
                "--timeout=20s",
            ])
            .await;
    }

    /// Polls a kubectl command until `done` holds (bounded: 10 s).
    async fn eventually(
        &self,
        kubectl: &Kubectl,
        args: &[&str],
        done: impl Fn(&str) -> bool,
    ) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            let out = kubectl.run(args).await;
            last = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("kubectl {args:?} never got there; last output:\n{last}");
    }
}

fn condition_jsonpath(condition: &str) -> String {
    format!("jsonpath={{.status.conditions[?(@.type==\"{condition}\")].status}}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_host_is_preloaded_like_kubesphere_4_with_tower() {
    let w = world("healthy").await;
    let services = w
        .host()
        .ok(&["-n", "kubesphere-system", "get", "svc"])
        .await;
    let rows = table(&services);
    assert_eq!(
        rows[0],
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    let tower = rows.iter().find(|r| r[0] == "tower").expect("tower row");
    assert_eq!(tower[1], "LoadBalancer");
    assert_eq!(tower[3], "139.198.120.120");
    assert!(
        tower[4].starts_with("8080:3") && tower[4].ends_with("/TCP"),
        "{tower:?}"
    );
    assert!(
        rows.iter().any(|r| r[0] == "ks-apiserver") && rows.iter().any(|r| r[0] == "ks-console")
    );

    let clusters = table(
        &w.host()
            .ok(&["get", "clusters.cluster.kubesphere.io"])
            .await,
    );
    // The CRD's own printer columns, without AGE (it names none), as on a real host.
    assert_eq!(clusters[0], ["NAME", "PROVIDER", "VERSION"]);
    assert_eq!(clusters[1][..3], ["host", "kubesphere", "v1.32.0"]);
    let host_label = w
        .host()
        .ok(&[
            "get",
            "clusters.cluster.kubesphere.io",
            "-l",
            "cluster-role.kubesphere.io/host=",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(host_label.trim(), "cluster.cluster.kubesphere.io/host");

    let extensions = table(
        &w.host()
            .ok(&["get", "extensions.kubesphere.io,installplans.kubesphere.io"])
            .await,
    );
    assert!(
        extensions
            .iter()
            .filter(|r| r.len() > 1 && r[1] == "Installed")
            .count()
            >= 2,
        "{extensions:?}"
    );
    assert_eq!(
        w.host()
            .ok(&[
                "get",
                "extensions.kubesphere.io",
                "tower",
                "-o",
                "jsonpath={.status.enabled}"
            ])
            .await,
        "true"
    );

    let users = table(&w.host().ok(&["get", "users.iam.kubesphere.io"]).await);
    assert_eq!(users[0], ["NAME", "EMAIL", "STATUS"]);
    let admin_role = w
        .host()
        .ok(&[
            "get",
            "globalrolebindings.iam.kubesphere.io",
            "-l",
            "iam.kubesphere.io/user-ref=sandbox-admin",
            "-o",
            "jsonpath={.items[0].roleRef.name}",
        ])
        .await;
    assert_eq!(admin_role, "platform-admin");
    let viewer_role = w
        .host()
        .ok(&[
            "get",
            "users.iam.kubesphere.io",
            "sandbox-viewer",
            "-o",
            "jsonpath={.metadata.annotations.iam\\.kubesphere\\.io/globalrole}",
        ])
        .await;
    assert_eq!(
        viewer_role, "platform-regular",
        "the viewer is not platform-admin"
    );

    let tags = table(&w.host().ok(&["get", "labels.cluster.kubesphere.io"]).await);
    assert_eq!(tags[0], ["NAME", "KEY", "VALUE"]);
    let secret_type = w
        .host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "secret",
            "tower",
            "-o",
            "jsonpath={.type} {.metadata.annotations.meta\\.helm\\.sh/release-namespace}",
        ])
        .await;
    assert_eq!(
        secret_type,
        "config.kubesphere.io/cluster-connection-config extension-tower"
    );
    let ks_config = w
        .host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "cm",
            "kubesphere-config",
            "-o",
            "jsonpath={.data.kubesphere\\.yaml}",
        ])
        .await;
    assert!(
        ks_config.contains("multicluster:\n  clusterRole: host"),
        "{ks_config}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_joins_and_the_cluster_goes_ready_as_kubectl_watches() {
    let w = world("healthy").await;
    let mut watch = w.host().command(&[
        "get",
        "clusters.cluster.kubesphere.io",
        "-w",
        "--output-watch-events",
    ]);
    let watch = watch.stdout(std::process::Stdio::piped()).spawn().unwrap();

    w.add_cluster("member", true).await;
    w.wait_condition("member", "Initialized").await;
    let token = w
        .host()
        .ok(&[
            "get",
            "clusters.cluster.kubesphere.io",
            "member",
            "-o",
            "jsonpath={.spec.connection.token}",
        ])
        .await;
    assert_eq!(token.len(), 64, "32 random bytes in hex");
    let mc = table(
        &w.host()
            .ok(&["-n", "kubesphere-system", "get", "svc", "mc-member"])
            .await,
    );
    assert_eq!(mc[1][1], "ClusterIP");
    assert!(mc[1][4].starts_with("6443/TCP,80/TCP"), "{mc:?}");

    let agent_yaml = w.agent_yaml("member").await;
    assert!(
        agent_yaml.contains("kind: Namespace") && agent_yaml.contains("kind: ClusterRoleBinding")
    );
    assert!(
        agent_yaml.contains("--proxy-server=http://139.198.120.120:8080"),
        "{agent_yaml}"
    );
    assert!(agent_yaml.contains(&format!("--token={token}")));
    assert!(agent_yaml.contains("image: kubesphere/tower:v0.2.1"));
    let file = w.write("agent.yaml", &agent_yaml);
    let created = w.member().ok(&["create", "-f", &file]).await;
    assert!(
        created.contains("deployment.apps/cluster-agent created"),
        "{created}"
    );

    w.wait_condition("member", "AgentAvailable").await;
    w.wait_condition("member", "KSCoreReady").await;
    w.wait_condition("member", "Ready").await;
    let status = w.host().ok(&["get", "clusters.cluster.kubesphere.io", "member", "-o", "jsonpath={.status.kubernetesVersion} {.status.kubeSphereVersion} {.status.nodeCount} {.metadata.finalizers[0]}"]).await;
    assert_eq!(status, "v1.32.0 v4.1.3 1 finalizer.cluster.kubesphere.io");
    let kubeconfig = w
        .host()
        .ok(&[
            "get",
            "clusters.cluster.kubesphere.io",
            "member",
            "-o",
            "jsonpath={.spec.connection.kubeconfig}",
        ])
        .await;
    assert!(!kubeconfig.is_empty(), "tower issued a kubeconfig");

    let annotations = w
        .member()
        .ok(&[
            "get",
            "ns",
            "kubesphere-system",
            "-o",
            "jsonpath={.metadata.annotations}",
        ])
        .await;
    assert!(
        annotations.contains("\"cluster.kubesphere.io/name\":\"member\""),
        "{annotations}"
    );
    w.member()
        .ok(&[
            "get",
            "clusterrolebindings.iam.kubesphere.io",
            "sandbox-admin-cluster-admin",
        ])
        .await;
    let ks_agent = table(
        &w.member()
            .ok(&["-n", "kubesphere-system", "get", "deploy", "ks-agent"])
            .await,
    );
    assert_eq!(ks_agent[1][1], "1/1");
    let logs = w
        .member()
        .ok(&["-n", "kubesphere-system", "logs", "deploy/cluster-agent"])
        .await;
    assert!(
        logs.contains("options.go:78] Server set to http://139.198.120.120:8080"),
        "{logs}"
    );
    assert!(!logs.contains(&token), "the token stays out of our logs");

    // kubectl's watch saw the cluster arrive and change, ending with the Ready version column.
    let output = tokio::time::timeout(Duration::from_secs(5), async {
        let mut watch = watch;
        let _ = watch.start_kill();
        watch.wait_with_output().await.unwrap()
    })
    .await
    .unwrap();
    let seen = String::from_utf8_lossy(&output.stdout);
    assert!(
        seen.lines()
            .any(|l| l.starts_with("ADDED") && l.contains("member")),
        "{seen}"
    );
    assert!(
        seen.lines()
            .any(|l| l.starts_with("MODIFIED") && l.contains("member") && l.contains("v1.32.0")),
        "{seen}"
    );

    // The agent goes away: tower sees the connection close.
    w.member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "delete",
            "deploy",
            "cluster-agent",
        ])
        .await;
    w.eventually(
        &w.host(),
        &[
            "get",
            "clusters.cluster.kubesphere.io",
            "member",
            "-o",
            &condition_jsonpath("AgentAvailable"),
        ],
        |s| s == "False",
    )
    .await;

    // Removing the cluster: the finalizer runs, mc-member goes, member leftovers stay.
    w.host()
        .ok(&[
            "delete",
            "clusters.cluster.kubesphere.io",
            "member",
            "--timeout=20s",
        ])
        .await;
    w.host()
        .fails(&["-n", "kubesphere-system", "get", "svc", "mc-member"])
        .await;
    w.member()
        .ok(&["-n", "kubesphere-system", "get", "sa", "tower"])
        .await;
    w.member().ok(&["get", "clusterrolebinding", "tower"]).await;
    w.member()
        .ok(&["-n", "kubesphere-system", "get", "deploy", "ks-agent"])
        .await;
    let annotations = w
        .member()
        .ok(&[
            "get",
            "ns",
            "kubesphere-system",
            "-o",
            "jsonpath={.metadata.annotations}",
        ])
        .await;
    assert!(
        !annotations.contains("cluster.kubesphere.io/name"),
        "removed because it was Ready: {annotations}"
    );
}
