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
    restart_back_off: Duration::from_millis(40),
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

    async fn raw_json(&self, path: String) -> serde_json::Value {
        serde_json::from_str(&self.host().ok(&["get", "--raw", &path]).await).unwrap()
    }

    async fn agent_yaml(&self, cluster: &str) -> String {
        let path = format!("/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster={cluster}");
        self.host().ok(&["get", "--raw", &path]).await
    }

    async fn wait_condition(&self, cluster: &str, condition: &str) {
        let target = format!("clusters.cluster.kubesphere.io/{cluster}");
        let waited = self
            .host()
            .run(&[
                "wait",
                &format!("--for=condition={condition}"),
                &target,
                "--timeout=20s",
            ])
            .await;
        if !waited.status.success() {
            let now = self.host().ok(&["get", &target, "-o", "yaml"]).await;
            panic!("{target} never got {condition}:\n{now}");
        }
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

    // ks-apiserver's own APIs through the service proxy.
    let ks = "/api/v1/namespaces/kubesphere-system/services/ks-apiserver:80/proxy";
    assert_eq!(
        w.raw_json(format!("{ks}/version")).await["gitVersion"],
        "v4.1.3"
    );
    let user = w
        .raw_json(format!(
            "{ks}/kapis/iam.kubesphere.io/v1beta1/users/sandbox-admin"
        ))
        .await;
    assert_eq!(
        user["metadata"]["annotations"]["iam.kubesphere.io/globalrole"],
        "platform-admin"
    );
    let config = w
        .raw_json(format!(
            "{ks}/kapis/config.kubesphere.io/v1alpha2/clusterconnectionconfigurations/tower"
        ))
        .await;
    assert_eq!(config["data"]["agentImage"], "kubesphere/tower:v0.2.1");
    let configz = w
        .raw_json(format!(
            "{ks}/kapis/config.kubesphere.io/v1alpha2/configs/configz"
        ))
        .await;
    assert_eq!(configz["multicluster"]["clusterRole"], "host");
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

const SEED_SECRET: &str = "kind: Secret
apiVersion: v1
metadata:
  name: tower
  namespace: kubesphere-system
  labels:
    app.kubernetes.io/managed-by: Helm
    config.kubesphere.io/type: cluster-connection-config
    kubesphere.io/extension-ref: tower
  annotations:
    meta.helm.sh/release-name: tower
    meta.helm.sh/release-namespace: extension-tower
type: config.kubesphere.io/cluster-connection-config
stringData:
  configuration.yaml: |
    proxyPublishAddress: ADDRESS
";

impl World {
    /// The seed procedure's edit of Secret `tower`, with `address`.
    async fn publish_address(&self, address: &str) {
        let file = self.write(
            "tower-secret.yaml",
            &SEED_SECRET.replace("ADDRESS", address),
        );
        self.host().ok(&["apply", "-f", &file]).await;
    }

    /// Adds cluster `member` and runs its agent.yaml (optionally edited) on the member.
    async fn join(&self, edit: impl Fn(String) -> String) -> String {
        self.add_cluster("member", true).await;
        self.wait_condition("member", "Initialized").await;
        let yaml = edit(self.agent_yaml("member").await);
        let file = self.write("agent.yaml", &yaml);
        self.member().ok(&["create", "-f", &file]).await;
        yaml
    }

    async fn agent_logs_until(&self, needle: &str) -> String {
        self.eventually(
            &self.member(),
            &["-n", "kubesphere-system", "logs", "deploy/cluster-agent"],
            |l| l.contains(needle),
        )
        .await
    }

    async fn condition(&self, cluster: &str, condition: &str) -> String {
        self.host()
            .ok(&[
                "get",
                "clusters.cluster.kubesphere.io",
                cluster,
                "-o",
                &condition_jsonpath(condition),
            ])
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lb_pending_needs_a_proxy_address_and_the_seed_edit_reads_back_as_base64() {
    let w = world("lb-pending").await;
    let rows = table(
        &w.host()
            .ok(&["-n", "kubesphere-system", "get", "svc", "tower"])
            .await,
    );
    assert_eq!(rows[1][1], "LoadBalancer");
    assert_eq!(
        rows[1][3], "<pending>",
        "what kubectl prints for a LoadBalancer without ingress"
    );
    w.add_cluster("member", true).await;
    w.wait_condition("member", "Initialized").await;
    let path = "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member";
    let error = w.host().fails(&["get", "--raw", path]).await;
    assert!(
        error.contains("tower.kubesphere-system.svc service has no public address"),
        "{error}"
    );

    w.publish_address("http://139.198.120.120:30000").await;
    let data = w
        .host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "secret",
            "tower",
            "-o",
            "jsonpath={.data.configuration\\.yaml}",
        ])
        .await;
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "proxyPublishAddress: http://139.198.120.120:30000\n"
    );
    let stored = w
        .host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "secret",
            "tower",
            "-o",
            "jsonpath={.stringData}",
        ])
        .await;
    assert_eq!(stored, "", "stringData is never stored");

    let yaml = w.agent_yaml("member").await;
    assert!(
        yaml.contains("--proxy-server=http://139.198.120.120:30000"),
        "{yaml}"
    );
    let file = w.write("agent.yaml", &yaml);
    w.member().ok(&["create", "-f", &file]).await;
    w.wait_condition("member", "AgentAvailable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_addresses_give_the_agent_dial_errors() {
    let w = world("lb-pending").await;
    // The classic mistake: the node's public address with port 8080 instead of the NodePort.
    w.publish_address("http://139.198.121.10:8080").await;
    w.join(|yaml| yaml).await;
    let logs = w.agent_logs_until("(Attempt: 1)").await;
    assert!(logs.contains("agent.go:166] Connection error: dial tcp 139.198.121.10:8080: connect: connection refused\n"), "{logs}");
    assert!(logs.contains("agent.go:171] Retrying in 20ms..."), "{logs}");
    assert_eq!(w.condition("member", "AgentAvailable").await, "");

    // An internal address does not answer at all.
    w.member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "delete",
            "deploy",
            "cluster-agent",
        ])
        .await;
    let yaml = w
        .agent_yaml("member")
        .await
        .replace("139.198.121.10:8080", "192.168.0.10:30000");
    let file = w.write("agent-internal.yaml", &yaml);
    w.member().ok(&["apply", "-f", &file]).await;
    w.agent_logs_until("dial tcp 192.168.0.10:30000: i/o timeout")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_an_unauthorized_agent_that_keeps_retrying() {
    let w = world("healthy").await;
    w.join(|yaml| {
        let start = yaml.find("--token=").unwrap() + "--token=".len();
        format!(
            "{}{}{}",
            &yaml[..start],
            "0".repeat(64),
            &yaml[start + 64..]
        )
    })
    .await;
    let logs = w
        .agent_logs_until("Connection error: Unauthorized agent (Attempt: 2)")
        .await;
    assert!(
        logs.contains("W") && logs.contains("agent.go:166] Connection error: Unauthorized agent\n"),
        "{logs}"
    );
    assert_eq!(w.condition("member", "AgentAvailable").await, "");
    assert_eq!(w.condition("member", "Initialized").await, "True");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn air_gapped_members_pull_only_from_the_mirrors() {
    let w = world("air-gapped").await;
    w.join(|yaml| yaml).await;
    let pods = w
        .eventually(
            &w.member(),
            &["-n", "kubesphere-system", "get", "pods"],
            |p| p.contains("ImagePullBackOff"),
        )
        .await;
    assert!(pods.contains("0/1"), "{pods}");
    let describe = w
        .member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "describe",
            "pods",
            "-l",
            "app=agent",
        ])
        .await;
    assert!(describe.contains("Failed to pull image \"kubesphere/tower:v0.2.1\": failed to pull and unpack image \"docker.io/kubesphere/tower:v0.2.1\""), "{describe}");
    let events = w
        .member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "events",
            "--field-selector",
            "reason=BackOff",
        ])
        .await;
    assert!(
        events.contains("Back-off pulling image \"kubesphere/tower:v0.2.1\""),
        "{events}"
    );

    // The authenticating mirror with the documented credentials works.
    w.member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "create",
            "secret",
            "docker-registry",
            "mirror",
            "--docker-server=auth-mirror.local:5000",
            &format!("--docker-username={}", kube_sandbox::MIRROR_USER),
            &format!("--docker-password={}", kube_sandbox::MIRROR_PASSWORD),
        ])
        .await;
    let patch = r#"{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"mirror"}],"containers":[{"name":"agent","image":"auth-mirror.local:5000/kubesphere/tower:v0.2.1"}]}}}}"#;
    w.member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "patch",
            "deploy",
            "cluster-agent",
            "-p",
            patch,
        ])
        .await;
    w.wait_condition("member", "AgentAvailable").await;
    // ks-core comes from docker.io unless the Cluster Configuration names a mirror.
    w.wait_condition("member", "KSCoreReady").await;
    let ready = w
        .eventually(
            &w.host(),
            &[
                "get",
                "clusters.cluster.kubesphere.io",
                "member",
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}",
            ],
            |m| !m.is_empty(),
        )
        .await;
    assert!(ready.contains("unable to handle the request"), "{ready}");

    // Cluster Configuration names the mirror: ks-core is upgraded and the member goes Ready.
    use base64::Engine;
    let config = base64::engine::general_purpose::STANDARD
        .encode("global:\n  imageRegistry: mirror.local:5000\n");
    let patch = format!(r#"{{"spec":{{"config":"{config}"}}}}"#);
    w.host()
        .ok(&[
            "patch",
            "clusters.cluster.kubesphere.io",
            "member",
            "--type",
            "merge",
            "-p",
            &patch,
        ])
        .await;
    w.wait_condition("member", "Ready").await;
    let images = w
        .member()
        .ok(&[
            "-n",
            "kubesphere-system",
            "get",
            "deploy",
            "ks-agent",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].image}",
        ])
        .await;
    assert!(
        images.starts_with("mirror.local:5000/kubesphere/ks-apiserver:v4.1.3"),
        "{images}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_extension_there_is_no_agent_yaml_and_no_progress() {
    let w = world("no-extension").await;
    w.host()
        .fails(&["-n", "kubesphere-system", "get", "svc", "tower"])
        .await;
    let error = w.host().fails(&["get", "--raw", "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member"]).await;
    assert!(
        error.contains("services \"tower-backend\" not found"),
        "{error}"
    );
    w.add_cluster("member", true).await;
    // ks-controller-manager takes it (finalizer) but nothing initializes it.
    w.eventually(
        &w.host(),
        &[
            "get",
            "clusters.cluster.kubesphere.io",
            "member",
            "-o",
            "jsonpath={.metadata.finalizers}",
        ],
        |f| f.contains("finalizer.cluster.kubesphere.io"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.condition("member", "Initialized").await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_extension_runs_no_tower() {
    let w = world("extension-disabled").await;
    let enabled = w
        .host()
        .ok(&[
            "get",
            "installplans.kubesphere.io",
            "tower",
            "-o",
            "jsonpath={.spec.enabled}",
        ])
        .await;
    assert_eq!(enabled, "false");
    let error = w.host().fails(&["get", "--raw", "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member"]).await;
    assert!(
        error.contains("no endpoints available for service \\\"tower-backend\\\"")
            || error.contains("ServiceUnavailable")
            || error.contains("no endpoints available"),
        "{error}"
    );
    w.add_cluster("member", true).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.condition("member", "Initialized").await, "");
    w.host()
        .fails(&["-n", "kubesphere-system", "get", "svc", "mc-member"])
        .await;

    // tower's pods starting is what lets the cluster progress.
    w.host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "scale",
            "deploy",
            "tower",
            "--replicas=1",
        ])
        .await;
    w.wait_condition("member", "Initialized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tower_ignores_clusters_without_join_federation_and_viewers_cannot_proxy() {
    let w = world("healthy").await;
    w.add_cluster("member", false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.condition("member", "Initialized").await, "");
    w.host()
        .fails(&["-n", "kubesphere-system", "get", "svc", "mc-member"])
        .await;
    let denied = w.kubectl("sandbox-host-viewer").fails(&["get", "--raw", "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member"]).await;
    assert!(
        denied.contains("Forbidden") || denied.contains("forbidden"),
        "{denied}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_4_1_extension_reads_the_address_from_kubesphere_config() {
    let w = world("legacy-configmap").await;
    w.host()
        .fails(&["-n", "kubesphere-system", "get", "secret", "tower"])
        .await;
    let missing = w.host().fails(&["get", "--raw", "/api/v1/namespaces/kubesphere-system/services/ks-apiserver:80/proxy/kapis/config.kubesphere.io/v1alpha2/clusterconnectionconfigurations/tower"]).await;
    assert!(
        missing.contains("NotFound") || missing.contains("not found"),
        "4.1.3 has no such API: {missing}"
    );
    let config = w
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
    let edited = config.replace(
        "multicluster:\n",
        "multicluster:\n  proxyPublishAddress: http://139.198.120.120:30000\n",
    );
    let patch = serde_json::json!({"data": {"kubesphere.yaml": edited}}).to_string();
    w.host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "patch",
            "cm",
            "kubesphere-config",
            "-p",
            &patch,
        ])
        .await;
    w.join(|yaml| {
        assert!(
            yaml.contains("--proxy-server=http://139.198.120.120:30000"),
            "{yaml}"
        );
        yaml
    })
    .await;
    w.wait_condition("member", "AgentAvailable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubesphere_3_serves_the_3x_agent_deployment_from_ks_apiserver() {
    let w = world("v3-installer").await;
    let patch =
        r#"{"spec":{"multicluster":{"proxyPublishAddress":"http://139.198.120.120:30000"}}}"#;
    w.host()
        .ok(&[
            "-n",
            "kubesphere-system",
            "patch",
            "cc",
            "ks-installer",
            "--type",
            "merge",
            "-p",
            patch,
        ])
        .await;
    w.add_cluster("member", true).await;
    w.wait_condition("member", "Initialized").await;
    let yaml = w.host().ok(&["get", "--raw", "/api/v1/namespaces/kubesphere-system/services/ks-apiserver:80/proxy/kapis/cluster.kubesphere.io/v1alpha1/clusters/member/agent/deployment"]).await;
    assert!(
        yaml.starts_with("apiVersion: apps/v1\nkind: Deployment"),
        "only the Deployment in 3.x: {yaml}"
    );
    assert!(
        yaml.contains("serviceAccountName: kubesphere")
            && yaml.contains("image: kubesphere/tower:v1.0"),
        "{yaml}"
    );
    assert!(yaml.contains("--proxy-server=http://139.198.120.120:30000"));
}

/// A reachability probe as the app creates it: one short-lived pod on a member node running
/// busybox wget against the proxy address.
fn probe_pod(image: &str, url: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  generateName: ks-onboard-probe-
  namespace: default
  labels: {{app.kubernetes.io/managed-by: ks-onboard, ks-onboard.kubesphere.io/probe: proxy-address}}
spec:
  nodeName: sandbox-member-node
  restartPolicy: Never
  containers:
  - name: probe
    image: {image}
    command: [\"wget\", \"-q\", \"-T\", \"5\", \"-O\", \"-\", \"{url}\"]
"
    )
}

impl World {
    /// Creates a probe pod on the member; its name.
    async fn probe(&self, image: &str, url: &str) -> String {
        let file = self.write("probe.yaml", &probe_pod(image, url));
        let created = self
            .member()
            .ok(&["create", "-f", &file, "-o", "name"])
            .await;
        created.trim().trim_start_matches("pod/").to_string()
    }

    /// Waits until the member pod has ended; its phase.
    async fn finished(&self, pod: &str) -> String {
        self.eventually(
            &self.member(),
            &["get", "pod", pod, "-o", "jsonpath={.status.phase}"],
            |phase| phase == "Succeeded" || phase == "Failed",
        )
        .await
    }

    async fn member_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.member().ok(&all).await).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_pods_reach_tower_from_the_member_or_fail_like_busybox_wget() {
    let w = world("lb-pending").await;
    let image = "busybox:1.36";
    let cases = [
        ("http://139.198.120.120:30000/health", "Succeeded", "OK\n"),
        (
            "http://139.198.121.10:8080/health",
            "Failed",
            "wget: can't connect to remote host (139.198.121.10): Connection refused\n",
        ),
        (
            "http://192.168.0.10:30000/health",
            "Failed",
            "wget: download timed out\n",
        ),
        (
            "http://tower.example.com:30000/health",
            "Failed",
            "wget: bad address 'tower.example.com:30000'\n",
        ),
        (
            "http://139.198.120.120:30000/healthz",
            "Failed",
            "wget: server returned error: HTTP/1.1 404 Not Found\n",
        ),
    ];
    let started = std::time::Instant::now();
    let mut pods = Vec::new();
    for (url, _, _) in &cases {
        pods.push(w.probe(image, url).await);
    }
    for (pod, (url, phase, log)) in pods.iter().zip(&cases) {
        assert_eq!(&w.finished(pod).await, phase, "{url}");
        assert_eq!(&w.member().ok(&["logs", pod]).await, log, "{url}");
        let status = w.member_json(&["get", "pod", pod]).await;
        let terminated = &status["status"]["containerStatuses"][0]["state"]["terminated"];
        let (code, reason) = if *phase == "Succeeded" {
            (0, "Completed")
        } else {
            (1, "Error")
        };
        assert_eq!(terminated["exitCode"], code, "{url}: {terminated}");
        assert_eq!(terminated["reason"], reason, "{url}");
        assert_eq!(status["spec"]["nodeName"], "sandbox-member-node");
    }
    // The unreachable address gives up after Timing::dial_timeout, not wget's -T 5.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let rows = table(
        &w.member()
            .ok(&[
                "get",
                "pods",
                "-l",
                "ks-onboard.kubesphere.io/probe=proxy-address",
            ])
            .await,
    );
    let status_of = |pod: &str| {
        rows.iter()
            .find(|r| r[0] == pod)
            .map(|r| (r[1].clone(), r[2].clone()))
    };
    assert_eq!(
        status_of(&pods[0]),
        Some(("0/1".into(), "Completed".into())),
        "{rows:?}"
    );
    assert_eq!(
        status_of(&pods[1]),
        Some(("0/1".into(), "Error".into())),
        "{rows:?}"
    );
    // Finished probes stay finished; the app deletes them.
    w.member()
        .ok(&[
            "delete",
            "pods",
            "-l",
            "ks-onboard.kubesphere.io/probe=proxy-address",
        ])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_pods_on_an_air_gapped_member_need_the_mirror_image() {
    let w = world("air-gapped").await;
    let url = "http://139.198.120.120:8080/health";
    let public = w.probe("busybox:1.36", url).await;
    let pods = w
        .eventually(&w.member(), &["get", "pod", &public], |p| {
            p.contains("ImagePullBackOff")
        })
        .await;
    assert!(pods.contains("0/1"), "{pods}");
    let phase = w
        .member()
        .ok(&["get", "pod", &public, "-o", "jsonpath={.status.phase}"])
        .await;
    assert_eq!(phase, "Pending");
    let logs = w.member().fails(&["logs", &public]).await;
    assert!(
        logs.contains(&format!("container \"probe\" in pod \"{public}\" is waiting to start: trying and failing to pull image")),
        "{logs}"
    );
    let mirrored = w.probe("mirror.local:5000/library/busybox:1.36", url).await;
    assert_eq!(w.finished(&mirrored).await, "Succeeded");
    assert_eq!(w.member().ok(&["logs", &mirrored]).await, "OK\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_tower_drops_the_agent_and_refuses_new_dials() {
    let w = world("healthy").await;
    w.join(|yaml| yaml).await;
    w.wait_condition("member", "AgentAvailable").await;
    let scale = |replicas: &'static str| {
        let host = w.host();
        async move {
            host.ok(&[
                "-n",
                "kubesphere-system",
                "scale",
                "deploy",
                "tower",
                &format!("--replicas={replicas}"),
            ])
            .await
        }
    };
    scale("0").await;
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
    let logs = w
        .agent_logs_until(
            "Connection error: dial tcp 139.198.120.120:8080: connect: connection refused",
        )
        .await;
    assert!(logs.contains("agent.go:171] Retrying in 20ms..."), "{logs}");
    let probe = w
        .probe("busybox:1.36", "http://139.198.120.120:8080/health")
        .await;
    assert_eq!(w.finished(&probe).await, "Failed");
    assert_eq!(
        w.member().ok(&["logs", &probe]).await,
        "wget: can't connect to remote host (139.198.120.120): Connection refused\n"
    );

    // tower back: the agent's next dial gets through.
    scale("1").await;
    w.eventually(
        &w.host(),
        &[
            "get",
            "clusters.cluster.kubesphere.io",
            "member",
            "-o",
            &condition_jsonpath("AgentAvailable"),
        ],
        |s| s == "True",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_whose_flags_do_not_parse_crash_loops() {
    let w = world("healthy").await;
    w.join(|yaml| yaml.replace("--keepalive=10s", "--keepalive=abc"))
        .await;
    let error =
        r#"Error: invalid argument "abc" for "--keepalive" flag: time: invalid duration "abc""#;
    let pods = ["-n", "kubesphere-system", "get", "pods", "-l", "app=agent"];
    // Several restarts, seen while the kubelet backs off.
    let pod = loop {
        let listed = w.member_json(&pods).await;
        let pod = listed["items"][0].clone();
        let status = &pod["status"]["containerStatuses"][0];
        if status["restartCount"].as_i64().unwrap_or(0) >= 3
            && status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        {
            break pod;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let name = pod["metadata"]["name"].as_str().unwrap();
    let uid = pod["metadata"]["uid"].as_str().unwrap();
    let status = &pod["status"]["containerStatuses"][0];
    let message = status["state"]["waiting"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("back-off ")
            && message.ends_with(&format!(
                " restarting failed container=agent pod={name}_kubesphere-system({uid})"
            )),
        "{message}"
    );
    let last = &status["lastState"]["terminated"];
    assert_eq!(
        (last["exitCode"].as_i64(), last["reason"].as_str()),
        (Some(1), Some("Error")),
        "{status}"
    );
    assert_eq!(status["ready"], false);
    let ready = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(ready["status"], "False");

    let logs = ["-n", "kubesphere-system", "logs", name];
    let text = w
        .eventually(&w.member(), &logs, |l| l.contains(error))
        .await;
    assert!(
        text.contains("Usage:\n  Agent [flags]\n\nFlags:\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            " invalid argument \"abc\" for \"--keepalive\" flag: time: invalid duration \"abc\"\n"
        ),
        "{text}"
    );
    let previous = w
        .member()
        .ok(&["-n", "kubesphere-system", "logs", name, "--previous"])
        .await;
    assert!(previous.starts_with(error), "{previous}");
    let events = w
        .member_json(&[
            "-n",
            "kubesphere-system",
            "get",
            "events",
            "--field-selector",
            "reason=BackOff",
        ])
        .await;
    let back_off = &events["items"][0];
    assert_eq!(back_off["type"], "Warning");
    assert_eq!(
        back_off["message"],
        format!(
            "Back-off restarting failed container agent in pod {name}_kubesphere-system({uid})"
        )
    );
    assert!(back_off["count"].as_i64().unwrap() >= 2, "{back_off}");
    // Ready only for the instants its container runs, as on a real node.
    let deploy = ["-n", "kubesphere-system", "get", "deploy", "cluster-agent"];
    w.eventually(&w.member(), &deploy, |d| table(d)[1][1] == "0/1")
        .await;
    assert_eq!(w.condition("member", "AgentAvailable").await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_out_of_retries_exits_and_the_kubelet_starts_it_again() {
    let w = world("lb-pending").await;
    w.publish_address("http://139.198.121.10:8080").await;
    w.join(|yaml| {
        let line = yaml
            .lines()
            .find(|l| l.contains("--keepalive=10s"))
            .unwrap();
        let sibling = line.replace("--keepalive=10s", "--max-retry=2");
        yaml.replace(line, &format!("{line}\n{sibling}"))
    })
    .await;
    let logs = w.agent_logs_until("(Attempt: 2/2)").await;
    assert!(
        logs.contains("options.go:80] MaxRetries set to 2"),
        "{logs}"
    );
    assert!(
        logs.contains("connection refused (Attempt: 1/2)\n"),
        "{logs}"
    );
    let pods = ["-n", "kubesphere-system", "get", "pods", "-l", "app=agent"];
    let listed = loop {
        let listed = w.member_json(&pods).await;
        let status = &listed["items"][0]["status"]["containerStatuses"][0];
        if status["restartCount"].as_i64().is_some_and(|n| n >= 2) {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let last = &listed["items"][0]["status"]["containerStatuses"][0]["lastState"]["terminated"];
    assert_eq!(
        (last["exitCode"].as_i64(), last["reason"].as_str()),
        (Some(0), Some("Completed")),
        "{last}"
    );
}

/// Seconds between two RFC 3339 times (b − a).
fn seconds(a: &str, b: &str) -> i64 {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
    };
    parse(b) - parse(a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_clock_off_by_more_than_five_minutes_fails_tower_s_credential() {
    use kube_sandbox::ClockOffset;
    let w = world("healthy").await;
    let ten_minutes = Duration::from_secs(600);
    w.sandbox
        .member
        .set_clock_offset(ClockOffset::Behind(ten_minutes));
    w.join(|yaml| yaml).await;
    let logs = w.agent_logs_until("(Attempt: 1)").await;
    let line = logs
        .lines()
        .find(|l| l.contains("Connection error: "))
        .unwrap();
    let (_, detail) = line
        .split_once("agent.go:166] Connection error: x509: certificate has expired or is not yet valid: current time ")
        .unwrap_or_else(|| panic!("{logs}"));
    let (member_time, not_before) = detail
        .split_once(" is before ")
        .unwrap_or_else(|| panic!("{line}"));
    // The member's time, and tower's window opening five minutes before the host's.
    let member_now = time::OffsetDateTime::from(w.sandbox.member.now())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(
        seconds(member_time, &member_now).abs() <= 5,
        "{member_time} vs {member_now}"
    );
    assert!(
        (seconds(member_time, not_before) - 300).abs() <= 2,
        "{line}"
    );
    // The klog header is written at the member's clock too.
    let clock = &line[6..14];
    assert_eq!(&member_time[11..16], &clock[..5], "{line}");
    assert_eq!(w.condition("member", "AgentAvailable").await, "");

    // Plain HTTP does not care about clocks: the probe gets through.
    let probe = w
        .probe("busybox:1.36", "http://139.198.120.120:8080/health")
        .await;
    assert_eq!(w.finished(&probe).await, "Succeeded");

    w.sandbox
        .member
        .set_clock_offset(ClockOffset::Ahead(ten_minutes));
    let logs = w.agent_logs_until(" is after ").await;
    let line = logs
        .lines()
        .rev()
        .find(|l| l.contains(" is after "))
        .unwrap();
    let (_, times) = line.split_once("current time ").unwrap();
    let (member_time, not_after) = times.split_once(" is after ").unwrap();
    let not_after = not_after.split(' ').next().unwrap();
    assert!((seconds(not_after, member_time) - 300).abs() <= 2, "{line}");

    w.sandbox.member.set_clock_offset(ClockOffset::NONE);
    w.wait_condition("member", "AgentAvailable").await;
}

mod kube_rs {
    use super::*;
    use kube::api::{Api, DynamicObject, PostParams};
    use kube::config::{KubeConfigOptions, Kubeconfig};
    use kube::core::{ApiResource, GroupVersionKind};
    use kube::runtime::wait::await_condition;
    use kube::{Client, Config};

    async fn client(path: &std::path::Path, context: &str) -> Client {
        let kubeconfig = Kubeconfig::read_from(path).unwrap();
        let options = KubeConfigOptions {
            context: Some(context.into()),
            ..Default::default()
        };
        Client::try_from(
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .unwrap(),
        )
        .unwrap()
    }

    fn condition_is_true(kind: &'static str) -> impl Fn(Option<&DynamicObject>) -> bool {
        move |cluster| {
            cluster
                .and_then(|c| c.data["status"]["conditions"].as_array().cloned())
                .is_some_and(|conditions| {
                    conditions
                        .iter()
                        .any(|c| c["type"] == kind && c["status"] == "True")
                })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kube_rs_joins_a_member_over_the_slow_network() {
        let w = world("slow-network").await;
        let host = client(&w.sandbox.host_kubeconfig, "sandbox-host").await;
        let member = client(&w.sandbox.member_kubeconfig, "sandbox-member").await;
        let gvk = GroupVersionKind::gvk("cluster.kubesphere.io", "v1alpha1", "Cluster");
        let clusters: Api<DynamicObject> = Api::all_with(
            host.clone(),
            &ApiResource::from_gvk_with_plural(&gvk, "clusters"),
        );

        let started = std::time::Instant::now();
        clusters.get("host").await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "100 ms added to each answer"
        );

        let cluster: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster",
            "metadata": {"name": "member", "annotations": {"kubesphere.io/creator": "sandbox-admin"}},
            "spec": {"joinFederation": true, "connection": {"type": "proxy"}}})).unwrap();
        clusters
            .create(&PostParams::default(), &cluster)
            .await
            .unwrap();
        let bounded = Duration::from_secs(20);
        tokio::time::timeout(
            bounded,
            await_condition(clusters.clone(), "member", condition_is_true("Initialized")),
        )
        .await
        .unwrap()
        .unwrap();

        let path = "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member";
        let yaml = host
            .request_text(hyper::Request::get(path).body(Vec::new()).unwrap())
            .await
            .unwrap();
        for document in serde_yaml::Deserializer::from_str(&yaml) {
            let object: DynamicObject = serde::Deserialize::deserialize(document).unwrap();
            let types = object.types.clone().unwrap();
            let gvk = GroupVersionKind::try_from(&types).unwrap();
            let (resource, capabilities) =
                kube::discovery::pinned_kind(&member, &gvk).await.unwrap();
            let api: Api<DynamicObject> =
                match (capabilities.scope, object.metadata.namespace.as_deref()) {
                    (kube::discovery::Scope::Namespaced, Some(ns)) => {
                        Api::namespaced_with(member.clone(), ns, &resource)
                    }
                    _ => Api::all_with(member.clone(), &resource),
                };
            api.create(&PostParams::default(), &object).await.unwrap();
        }
        tokio::time::timeout(
            bounded,
            await_condition(clusters.clone(), "member", condition_is_true("Ready")),
        )
        .await
        .unwrap()
        .unwrap();
        let ready = clusters.get("member").await.unwrap();
        assert_eq!(ready.data["status"]["kubeSphereVersion"], "v4.1.3");
    }
    /// The agent.yaml request each scenario's host answers, through kube-rs.
    /// (`extension-disabled` answers 503, which kube-rs' default client retries for minutes:
    /// kubectl covers it above.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_scenario_answers_the_agent_yaml_request_as_its_host_would() {
        let tower = "/api/v1/namespaces/extension-tower/services/tower-backend:80/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=member";
        let v3 = "/api/v1/namespaces/kubesphere-system/services/ks-apiserver:80/proxy/kapis/cluster.kubesphere.io/v1alpha1/clusters/member/agent/deployment";
        let expected: &[(&str, &str, u16, &str)] = &[
            (
                "healthy",
                tower,
                200,
                "--proxy-server=http://139.198.120.120:8080",
            ),
            ("lb-pending", tower, 500, "has no public address"),
            ("legacy-configmap", tower, 500, "has no public address"),
            ("v3-installer", v3, 404, "has no public address"),
            (
                "no-extension",
                tower,
                404,
                "services \"tower-backend\" not found",
            ),
            ("air-gapped", tower, 200, "image: kubesphere/tower:v0.2.1"),
        ];
        for (scenario, path, code, needle) in expected {
            let w = world(scenario).await;
            let host = client(&w.sandbox.host_kubeconfig, "sandbox-host").await;
            let gvk = GroupVersionKind::gvk("cluster.kubesphere.io", "v1alpha1", "Cluster");
            let clusters: Api<DynamicObject> = Api::all_with(
                host.clone(),
                &ApiResource::from_gvk_with_plural(&gvk, "clusters"),
            );
            let cluster: DynamicObject = serde_json::from_value(serde_json::json!({
                "apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "member"},
                "spec": {"joinFederation": true, "connection": {"type": "proxy"}}})).unwrap();
            clusters
                .create(&PostParams::default(), &cluster)
                .await
                .unwrap();
            if *code == 200 {
                let initialized =
                    await_condition(clusters.clone(), "member", condition_is_true("Initialized"));
                tokio::time::timeout(Duration::from_secs(10), initialized)
                    .await
                    .unwrap()
                    .unwrap();
            }
            let answer = host
                .request_text(hyper::Request::get(*path).body(Vec::new()).unwrap())
                .await;
            match answer {
                Ok(text) => assert!(*code == 200 && text.contains(needle), "{scenario}: {text}"),
                Err(kube::Error::Api(status)) => {
                    assert_eq!(status.code, *code, "{scenario}: {status:?}");
                    assert!(status.message.contains(needle), "{scenario}: {status:?}");
                }
                Err(other) => panic!("{scenario}: {other}"),
            }
        }
        let empty = world("empty").await;
        let host = client(&empty.sandbox.host_kubeconfig, "sandbox-host").await;
        let answer = host
            .request_text(
                hyper::Request::get("/apis/cluster.kubesphere.io/v1alpha1/clusters")
                    .body(Vec::new())
                    .unwrap(),
            )
            .await;
        assert!(
            matches!(answer, Err(kube::Error::Api(s)) if s.code == 404),
            "empty has no KubeSphere"
        );
    }
}

#[test]
fn every_listed_scenario_exists() {
    let names: Vec<&str> = kube_sandbox::scenarios().iter().map(|s| s.name).collect();
    for wanted in [
        "healthy",
        "lb-pending",
        "broken-config",
        "legacy-configmap",
        "v3-installer",
        "no-extension",
        "extension-disabled",
        "air-gapped",
        "slow-network",
        "empty",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
}
