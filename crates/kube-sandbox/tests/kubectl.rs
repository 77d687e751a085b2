//! Real kubectl (a plain build, never `--validate=false`) against a sandbox cluster.

mod common;

use common::{fixture, path_str, table};
use kube_sandbox::ClusterBuilder;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_the_columns_a_real_cluster_prints() {
    let f = fixture(ClusterBuilder::new("c1")).await;
    let k = f.kubectl();
    let svc = table(&k.ok(&["get", "services", "-n", "default"]).await);
    assert_eq!(
        svc[0],
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    assert_eq!(
        &svc[1][..5],
        ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    );

    let ns = table(&k.ok(&["get", "namespaces"]).await);
    assert_eq!(ns[0], ["NAME", "STATUS", "AGE"]);
    assert!(
        ns.iter().any(|r| r[0] == "default" && r[1] == "Active"),
        "{ns:?}"
    );

    let nodes = table(&k.ok(&["get", "nodes"]).await);
    assert_eq!(nodes[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(
        nodes[1][1..3],
        ["Ready".to_string(), "control-plane".to_string()]
    );

    let wide = table(&k.ok(&["get", "nodes", "-o", "wide"]).await);
    assert_eq!(wide[0][5], "INTERNAL-IP");

    // A scenario plays the cloud's load balancer through the status sub-resource.
    let lb = serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tower", "namespace": "default"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 8080}]}});
    f.cluster.create(lb).unwrap();
    let tower = kube_sandbox::ObjectRef {
        api_version: "v1",
        kind: "Service",
        namespace: "default",
        name: "tower",
    };
    let address = json!({"status": {"loadBalancer": {"ingress": [{"ip": "139.198.120.120"}]}}});
    f.cluster.merge_patch(tower, &address, true).unwrap();
    let svc = table(&k.ok(&["get", "service", "tower"]).await);
    assert_eq!(svc[1][3], "139.198.120.120");
    f.cluster.delete(tower).unwrap();
    assert!(k
        .fails(&["get", "service", "tower"])
        .await
        .contains("NotFound"));

    let secrets = table(&k.ok(&["get", "secrets", "-A"]).await);
    assert!(
        secrets.is_empty() || secrets[0] == ["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"],
        "{secrets:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_apply_and_output_formats() {
    let f = fixture(ClusterBuilder::new("c2")).await;
    let k = f.kubectl();
    let manifest = f.manifest("deploy.yaml", DEPLOYMENT);
    assert_eq!(
        k.ok(&["create", "-f", path_str(&manifest)]).await.trim(),
        "deployment.apps/web created"
    );

    let deploy = table(&k.ok(&["get", "deployments"]).await);
    assert_eq!(
        deploy[0],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    assert_eq!(deploy[1][..4], ["web", "2/2", "2", "2"]);
    let pods = table(&k.ok(&["get", "pods", "-l", "app=web"]).await);
    assert_eq!(pods[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(pods.len(), 3);
    assert!(
        pods[1..].iter().all(|p| p[1] == "1/1" && p[2] == "Running"),
        "{pods:?}"
    );

    let yaml = k.ok(&["get", "deployment", "web", "-o", "yaml"]).await;
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("image: nginx:1.27"),
        "{yaml}"
    );
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "deployment", "web", "-o", "json"]).await).unwrap();
    assert_eq!(json["status"]["readyReplicas"], 2);
    assert_eq!(json["metadata"]["generation"], 1);

    let scaled = f.manifest(
        "deploy3.yaml",
        &DEPLOYMENT.replace("replicas: 2", "replicas: 3"),
    );
    assert_eq!(
        k.ok(&["apply", "-f", path_str(&scaled)]).await.trim(),
        "deployment.apps/web configured"
    );
    assert_eq!(
        k.ok(&["apply", "-f", path_str(&scaled)]).await.trim(),
        "deployment.apps/web unchanged"
    );
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "deployment", "web", "-o", "json"]).await).unwrap();
    assert_eq!(json["spec"]["replicas"], 3);
    assert_eq!(json["metadata"]["generation"], 2);
    assert_eq!(
        table(
            &k.ok(&["get", "pods", "-l", "app=web", "--no-headers"])
                .await
        )
        .len(),
        3
    );

    let rs = table(&k.ok(&["get", "replicasets"]).await);
    assert_eq!(rs[0], ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    let events = k.ok(&["get", "events"]).await;
    assert!(events.contains("ScalingReplicaSet"), "{events}");
    assert!(events.contains("Started container web"), "{events}");
    let pod = &pods[1][0];
    let described = k.ok(&["describe", "pod", pod]).await;
    assert!(
        described.contains("Status:           Running")
            && described.contains("Successfully assigned default/"),
        "{described}"
    );

    let dry = k
        .ok(&[
            "apply",
            "-f",
            path_str(&f.manifest(
                "cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry}\ndata: {a: b}\n",
            )),
            "--dry-run=server",
        ])
        .await;
    assert!(
        dry.contains("configmap/dry created (server dry run)"),
        "{dry}"
    );
    assert!(k
        .fails(&["get", "configmap", "dry"])
        .await
        .contains("NotFound"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_conflicts_until_forced() {
    let f = fixture(ClusterBuilder::new("c3")).await;
    let k = f.kubectl();
    let cm = f.manifest("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {a: '1', b: '2'}\n");
    assert_eq!(
        k.ok(&["apply", "--server-side", "-f", path_str(&cm)])
            .await
            .trim(),
        "configmap/cfg serverside-applied"
    );

    let other = f.manifest("cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {a: '9'}\n");
    let stderr = k
        .fails(&[
            "apply",
            "--server-side",
            "--field-manager=other",
            "-f",
            path_str(&other),
        ])
        .await;
    assert!(
        stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .data.a"),
        "{stderr}"
    );
    assert!(stderr.contains(".data.a"), "{stderr}");

    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        path_str(&other),
    ])
    .await;
    let json: Value = serde_json::from_str(
        &k.ok(&["get", "cm", "cfg", "-o", "json", "--show-managed-fields"])
            .await,
    )
    .unwrap();
    assert_eq!(json["data"], json!({"a": "9", "b": "2"}));
    let managers: Vec<&str> = json["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert_eq!(managers, ["kubectl", "other"]);

    // kubectl stops applying b: it goes, since nobody else owns it.
    let less = f.manifest(
        "cm3.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {}\n",
    );
    k.ok(&["apply", "--server-side", "-f", path_str(&less)])
        .await;
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "cm", "cfg", "-o", "json"]).await).unwrap();
    assert_eq!(json["data"], json!({"a": "9"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_in_every_format() {
    let f = fixture(ClusterBuilder::new("c4")).await;
    let k = f.kubectl();
    k.ok(&["create", "-f", path_str(&f.manifest("d.yaml", DEPLOYMENT))])
        .await;
    let out = k.ok(&["patch", "deployment", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}"#]).await;
    assert_eq!(out.trim(), "deployment.apps/web patched");
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "deployment", "web", "-o", "json"]).await).unwrap();
    let container = &json["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.28");
    assert_eq!(
        container["ports"][0]["containerPort"], 80,
        "strategic merge kept the other fields"
    );

    k.ok(&["create", "configmap", "cfg", "--from-literal=a=1"])
        .await;
    k.ok(&[
        "patch",
        "configmap",
        "cfg",
        "--type=merge",
        "-p",
        r#"{"data":{"b":"2"}}"#,
    ])
    .await;
    k.ok(&[
        "patch",
        "configmap",
        "cfg",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/data/a"}]"#,
    ])
    .await;
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "configmap", "cfg", "-o", "json"]).await).unwrap();
    assert_eq!(json["data"], json!({"b": "2"}));
    let unchanged = k
        .ok(&[
            "patch",
            "configmap",
            "cfg",
            "--type=merge",
            "-p",
            r#"{"data":{"b":"2"}}"#,
        ])
        .await;
    assert_eq!(unchanged.trim(), "configmap/cfg patched (no change)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_namespace_waits_for_finalizers() {
    let f = fixture(ClusterBuilder::new("c5")).await;
    let k = f.kubectl();
    assert_eq!(
        k.ok(&["create", "namespace", "team"]).await.trim(),
        "namespace/team created"
    );
    let held = f.manifest("held.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: team, finalizers: [example.com/hold]}\n");
    k.ok(&["create", "-f", path_str(&held)]).await;
    k.ok(&["create", "configmap", "plain", "-n", "team"]).await;
    let out = k.ok(&["delete", "namespace", "team", "--wait=false"]).await;
    assert_eq!(out.trim(), "namespace \"team\" deleted");
    let ns = table(&k.ok(&["get", "namespace", "team"]).await);
    assert_eq!(ns[1][1], "Terminating");
    assert!(k
        .fails(&["get", "configmap", "plain", "-n", "team"])
        .await
        .contains("NotFound"));
    let stderr = k
        .fails(&["create", "configmap", "late", "-n", "team"])
        .await;
    assert!(
        stderr.contains("because it is being terminated"),
        "{stderr}"
    );

    k.ok(&[
        "patch",
        "configmap",
        "held",
        "-n",
        "team",
        "--type=merge",
        "-p",
        r#"{"metadata":{"finalizers":null}}"#,
    ])
    .await;
    let gone = k.fails(&["get", "namespace", "team"]).await;
    assert!(gone.contains("namespaces \"team\" not found"), "{gone}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_prints_changes_as_they_happen() {
    let f = fixture(ClusterBuilder::new("c6")).await;
    let k = f.kubectl();
    let mut child = k
        .command(&["get", "configmaps", "-w"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let header = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(header.starts_with("NAME"), "{header}");
    f.cluster.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "watched", "namespace": "default"}, "data": {"a": "b"}})).unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().unwrap();
            if line.starts_with("watched") {
                return line;
            }
        }
    })
    .await
    .expect("kubectl get -w printed the new ConfigMap");
    assert!(
        seen.split_whitespace().nth(1) == Some("1"),
        "DATA column: {seen}"
    );
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_answers_per_user_and_denials_read_like_rbac() {
    let f = fixture(ClusterBuilder::new("c7").object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "dev-view", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "developers"}]})))
    .await;
    let admin = f.kubectl();
    let dev = f.kubectl_as("dev");
    assert_eq!(
        admin
            .ok(&["auth", "can-i", "delete", "secrets"])
            .await
            .trim(),
        "yes"
    );
    assert_eq!(
        dev.ok(&["auth", "can-i", "list", "pods"]).await.trim(),
        "yes"
    );
    let out = dev.run(&["auth", "can-i", "list", "secrets"]).await;
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
    assert!(!out.status.success());
    let out = dev
        .run(&["auth", "can-i", "list", "pods", "-n", "kube-system"])
        .await;
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
    let list = dev.ok(&["auth", "can-i", "--list"]).await;
    assert!(list.contains("pods"), "{list}");
    let whoami = dev.ok(&["auth", "whoami"]).await;
    assert!(
        whoami.contains("dev") && whoami.contains("developers"),
        "{whoami}"
    );

    let stderr = dev.fails(&["get", "secrets"]).await;
    assert!(
        stderr.contains("Error from server (Forbidden): secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_configmaps_from_typed_commands() {
    let f = fixture(ClusterBuilder::new("c8")).await;
    let k = f.kubectl();
    assert_eq!(
        k.ok(&[
            "create",
            "secret",
            "generic",
            "tower",
            "--from-literal=token=s3cret"
        ])
        .await
        .trim(),
        "secret/tower created"
    );
    assert_eq!(
        k.ok(&["get", "secret", "tower", "-o", "jsonpath={.data.token}"])
            .await,
        "czNjcmV0"
    );
    let secrets = table(&k.ok(&["get", "secrets"]).await);
    assert_eq!(secrets[1], ["tower", "Opaque", "1", secrets[1][3].as_str()]);

    let dry = k
        .ok(&[
            "create",
            "secret",
            "generic",
            "dry",
            "--from-literal=a=b",
            "--dry-run=server",
        ])
        .await;
    assert_eq!(dry.trim(), "secret/dry created (server dry run)");
    assert!(k
        .fails(&["get", "secret", "dry"])
        .await
        .contains("NotFound"));

    k.ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ])
    .await;
    let cms = table(&k.ok(&["get", "configmaps"]).await);
    assert_eq!(cms[0], ["NAME", "DATA", "AGE"]);
    assert!(
        cms.iter().any(|r| r[0] == "settings" && r[1] == "1"),
        "{cms:?}"
    );

    let frozen = f.manifest("frozen.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: frozen}\nimmutable: true\ndata: {k: dg==}\n");
    k.ok(&["create", "-f", path_str(&frozen)]).await;
    let stderr = k
        .fails(&[
            "patch",
            "secret",
            "frozen",
            "--type=merge",
            "-p",
            r#"{"data":{"k":"eA=="}}"#,
        ])
        .await;
    assert!(stderr.contains("Secret \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"), "{stderr}");

    let string_data = f.manifest("s.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: sd}\nstringData: {configuration.yaml: 'proxyPublishAddress: http://1.2.3.4:30000'}\n");
    k.ok(&["apply", "-f", path_str(&string_data)]).await;
    let json: Value =
        serde_json::from_str(&k.ok(&["get", "secret", "sd", "-o", "json"]).await).unwrap();
    assert!(json.get("stringData").is_none());
    assert_eq!(
        json["data"]["configuration.yaml"],
        "cHJveHlQdWJsaXNoQWRkcmVzczogaHR0cDovLzEuMi4zLjQ6MzAwMDA="
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_print_and_follow() {
    let f = fixture(ClusterBuilder::new("c9")).await;
    let k = f.kubectl();
    k.ok(&["run", "agent", "--image=kubesphere/tower:v4.1"])
        .await;
    f.cluster
        .append_pod_log("default", "agent", "agent", "connecting to proxy\n");
    assert_eq!(k.ok(&["logs", "agent"]).await, "connecting to proxy\n");

    let mut child = k
        .command(&["logs", "-f", "agent"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.as_deref(), Some("connecting to proxy"));
    f.cluster
        .append_pod_log("default", "agent", "agent", "connected\n");
    let next = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.as_deref(), Some("connected"));
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resources_print_their_columns() {
    let f = fixture(ClusterBuilder::new("c10")).await;
    let k = f.kubectl();
    let crd = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.cluster.kubesphere.io
spec:
  group: cluster.kubesphere.io
  scope: Cluster
  names: {plural: clusters, singular: cluster, kind: Cluster, listKind: ClusterList}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Federated, type: boolean, jsonPath: .spec.joinFederation}
    - {name: Provider, type: string, jsonPath: .spec.provider}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"#;
    k.ok(&["apply", "-f", path_str(&f.manifest("crd.yaml", crd))])
        .await;
    let cr = "apiVersion: cluster.kubesphere.io/v1alpha1\nkind: Cluster\nmetadata: {name: member}\nspec: {joinFederation: true, provider: kind}\n";
    assert_eq!(
        k.ok(&["apply", "-f", path_str(&f.manifest("cr.yaml", cr))])
            .await
            .trim(),
        "cluster.cluster.kubesphere.io/member created"
    );
    let rows = table(&k.ok(&["get", "clusters.cluster.kubesphere.io"]).await);
    assert_eq!(rows[0], ["NAME", "FEDERATED", "PROVIDER", "READY", "AGE"]);
    assert_eq!(rows[1][..3], ["member", "true", "kind"]);
    let moved = cr.replace("provider: kind", "provider: qingcloud");
    assert_eq!(
        k.ok(&["apply", "-f", path_str(&f.manifest("cr2.yaml", &moved))])
            .await
            .trim(),
        "cluster.cluster.kubesphere.io/member configured"
    );
    let patch = r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#;
    k.ok(&[
        "patch",
        "clusters.cluster.kubesphere.io",
        "member",
        "--subresource=status",
        "--type=merge",
        "-p",
        patch,
    ])
    .await;
    let rows = table(
        &k.ok(&["get", "clusters.cluster.kubesphere.io", "member"])
            .await,
    );
    assert_eq!(rows[1][3], "True");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_unauthorized() {
    let f = fixture(ClusterBuilder::new("c11")).await;
    let text = std::fs::read_to_string(&f.kubeconfig).unwrap();
    let token_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))
        .unwrap()
        .trim()
        .to_string();
    std::fs::write(&f.kubeconfig, text.replace(&token_line, "token: wrong")).unwrap();
    let stderr = f.kubectl_as("dev").fails(&["get", "pods"]).await;
    assert!(
        stderr.contains("error: You must be logged in to the server"),
        "{stderr}"
    );

    f.cluster
        .expire_credentials(common::DEV, std::time::SystemTime::now());
    std::fs::write(&f.kubeconfig, text).unwrap();
    let stderr = f.kubectl_as("dev").fails(&["get", "pods"]).await;
    assert!(
        stderr.contains("error: You must be logged in to the server"),
        "expired: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_commands_scale_expose_roll_out_and_cascade() {
    let f = fixture(ClusterBuilder::new("c12")).await;
    let k = f.kubectl();
    let created = k
        .ok(&[
            "create",
            "deployment",
            "web",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=80",
        ])
        .await;
    assert_eq!(created.trim(), "deployment.apps/web created");
    assert_eq!(
        k.ok(&["scale", "deployment", "web", "--replicas=3"])
            .await
            .trim(),
        "deployment.apps/web scaled"
    );
    let rollout = k
        .ok(&["rollout", "status", "deployment", "web", "--timeout=10s"])
        .await;
    assert!(rollout.contains("successfully rolled out"), "{rollout}");
    assert_eq!(
        table(&k.ok(&["get", "pods", "--no-headers"]).await).len(),
        3
    );

    assert_eq!(
        k.ok(&["expose", "deployment", "web", "--port=80"])
            .await
            .trim(),
        "service/web exposed"
    );
    k.ok(&[
        "create",
        "service",
        "loadbalancer",
        "tower",
        "--tcp=8080:8080",
    ])
    .await;
    let svc = table(&k.ok(&["get", "service", "tower"]).await);
    assert_eq!(svc[1][1], "LoadBalancer");
    assert_eq!(svc[1][3], "<pending>");
    let port = &svc[1][4];
    assert!(
        port.starts_with("8080:3") && port.ends_with("/TCP"),
        "a node port was allocated: {port}"
    );

    k.ok(&["set", "image", "deployment/web", "nginx=nginx:1.28"])
        .await;
    let rs = table(&k.ok(&["get", "replicasets", "--no-headers"]).await);
    assert_eq!(rs.len(), 2, "a new ReplicaSet for the new template: {rs:?}");
    assert!(
        rs.iter().any(|r| r[1] == "0") && rs.iter().any(|r| r[1] == "3"),
        "{rs:?}"
    );

    assert_eq!(
        k.ok(&["delete", "deployment", "web"]).await.trim(),
        "deployment.apps \"web\" deleted"
    );
    let left = k.run(&["get", "replicasets,pods"]).await;
    assert!(
        String::from_utf8_lossy(&left.stderr).contains("No resources found"),
        "garbage collected"
    );

    k.ok(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get,list",
        "--resource=pods",
    ])
    .await;
    k.ok(&[
        "create",
        "rolebinding",
        "pod-reader",
        "--role=pod-reader",
        "--user=alice",
    ])
    .await;
    assert_eq!(
        k.ok(&["auth", "can-i", "list", "pods", "--as=alice"])
            .await
            .trim(),
        "yes"
    );
    let out = k
        .run(&["auth", "can-i", "list", "secrets", "--as=alice"])
        .await;
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
    let stderr = f
        .kubectl_as("dev")
        .fails(&["get", "pods", "--as=alice"])
        .await;
    assert!(
        stderr.contains("cannot impersonate resource \"users\""),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_told_its_resource_version_expired_reads_like_kube_apiserver() {
    let f = fixture(ClusterBuilder::new("c20")).await;
    let rv = f.cluster.resource_version();
    f.cluster
        .create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "later", "namespace": "default"}}))
        .unwrap();
    f.cluster.faults().expire_next_watches(1);
    let path = format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}");
    let out = f.kubectl().ok(&["get", "--raw", &path]).await;
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "one event, then the stream ends: {out}");
    assert_eq!(events[0]["type"], "ERROR");
    let status = &events[0]["object"];
    assert_eq!(
        (
            &status["kind"],
            &status["apiVersion"],
            &status["status"],
            &status["reason"],
            &status["code"]
        ),
        (
            &json!("Status"),
            &json!("v1"),
            &json!("Failure"),
            &json!("Expired"),
            &json!(410)
        )
    );
    let message = status["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("too old resource version: {rv} (")),
        "{message}"
    );
}
