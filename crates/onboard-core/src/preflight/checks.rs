//! The checks themselves: each reads what it needs (a few requests, in parallel where it
//! can) and turns it into a verdict, evidence and a fix-it.

use super::{CheckFuture, CheckId, CheckResult, Verdict};
use crate::kubeconfig::connection::{ConnectionReport, TlsVerification};
use crate::kubesphere::address::{self, AddressOrigin};
use crate::kubesphere::api::{self, ApiError};
use crate::kubesphere::detect;
use serde_json::{json, Value};

pub(super) fn title(id: CheckId) -> &'static str {
    match id {
        CheckId::Connection => "API server, TLS and credentials",
        CheckId::PlatformAdmin => "KubeSphere platform-admin",
        CheckId::Permissions => "Permissions for the join flow",
        CheckId::Kubesphere => "KubeSphere host",
        CheckId::TowerExtension => "tower extension installed and enabled",
        CheckId::TowerPods => "tower running",
        CheckId::TowerService => "Service kubesphere-system/tower",
        CheckId::NodeAddresses => "Node addresses",
        CheckId::ProxyAddress => "Proxy address",
    }
}

/// The checks after the connection one, ready to spawn.
pub(super) fn all(client: &kube::Client, username: Option<String>) -> Vec<(CheckId, CheckFuture)> {
    let c = || client.clone();
    vec![
        (
            CheckId::PlatformAdmin,
            Box::pin(platform_admin(c(), username)) as CheckFuture,
        ),
        (CheckId::Permissions, Box::pin(permissions(c()))),
        (CheckId::Kubesphere, Box::pin(kubesphere(c()))),
        (CheckId::TowerExtension, Box::pin(tower_extension(c()))),
        (CheckId::TowerPods, Box::pin(tower_pods(c()))),
        (CheckId::TowerService, Box::pin(tower_service(c()))),
        (CheckId::NodeAddresses, Box::pin(node_addresses(c()))),
        (CheckId::ProxyAddress, Box::pin(proxy_address(c()))),
    ]
}

fn unreadable(id: CheckId, what: &str, error: &ApiError) -> CheckResult {
    if error.code() == Some(401) {
        // The connection check passed a moment ago: the credentials expired in between.
        return CheckResult::new(id, Verdict::Fail, format!("could not read {what}: the credentials are no longer accepted (401)"))
            .evidence(error.describe())
            .fix("the token or certificate has expired or was revoked: get fresh credentials for this context (sign in again), then run the checks again");
    }
    let forbidden = error.code() == Some(403);
    CheckResult::new(
        id,
        if forbidden {
            Verdict::Warn
        } else {
            Verdict::Fail
        },
        format!("could not read {what}"),
    )
    .evidence(error.describe())
    .fix(if forbidden {
        "use a context whose user is platform-admin on the host, or ask one to run this check"
    } else {
        "check that the API server answers (Test connection) and run the check again"
    })
}

pub(super) fn connection(report: &ConnectionReport) -> CheckResult {
    let server = report
        .endpoint
        .as_ref()
        .map_or_else(|| "?".to_string(), |e| e.server.clone());
    if let Some(failure) = &report.failure {
        return CheckResult::new(CheckId::Connection, Verdict::Fail, failure.message.clone())
            .evidence(format!("context {} → {server}", report.context))
            .fix(failure.hint.clone());
    }
    let mut result = CheckResult::new(
        CheckId::Connection,
        Verdict::Pass,
        format!(
            "{server} answers{}",
            report
                .version
                .as_ref()
                .map(|v| format!(" (Kubernetes {})", v.git_version))
                .unwrap_or_default()
        ),
    )
    .evidence(format!("context {} → {server}", report.context));
    if let Some(identity) = &report.identity {
        result = result.evidence(format!(
            "signed in as {} (SelfSubjectReview {})",
            identity.username, identity.api_version
        ));
    }
    result = result.evidence(format!(
        "TLS: {}",
        match report.tls {
            TlsVerification::Verified => "certificate verified",
            TlsVerification::SkippedInsecure => "not verified (insecure-skip-tls-verify)",
            TlsVerification::PlainHttp => "none (http)",
            TlsVerification::Failed => "failed",
            TlsVerification::NotReached => "not reached",
        }
    ));
    for warning in &report.warnings {
        result = result.evidence(warning.message.clone());
    }
    if !report.warnings.is_empty() {
        result.verdict = Verdict::Warn;
        result.fix = Some(
            "see the evidence: the connection works, but not as safely or as fully as it should"
                .into(),
        );
    }
    result
}

const PLATFORM_ADMIN: &str = "platform-admin";

/// The console's rule (CON `checker.ts isPlatformAdmin`): the user's
/// `iam.kubesphere.io/globalrole` annotation, kept by KubeSphere's user controller from the
/// GlobalRoleBinding labelled `iam.kubesphere.io/user-ref=<user>`.
async fn platform_admin(client: kube::Client, username: Option<String>) -> CheckResult {
    let id = CheckId::PlatformAdmin;
    let Some(username) = username else {
        return CheckResult::new(
            id,
            Verdict::Warn,
            "the API server did not say who the credentials belong to",
        )
        .fix("the permission check below still tells whether the flow can run");
    };
    let user_path = format!("/apis/iam.kubesphere.io/v1beta1/users/{username}");
    let bindings_path = format!(
        "/apis/iam.kubesphere.io/v1beta1/globalrolebindings?labelSelector=iam.kubesphere.io%2Fuser-ref%3D{username}"
    );
    let (user, bindings) = tokio::join!(
        api::get(&client, &user_path),
        api::get(&client, &bindings_path)
    );
    let user = match user {
        Ok(user) => user,
        Err(error) => return unreadable(id, &format!("KubeSphere user {username}"), &error),
    };
    let annotated = user
        .as_ref()
        .and_then(|u| u["metadata"]["annotations"]["iam.kubesphere.io/globalrole"].as_str())
        .map(str::to_string);
    let bound: Vec<String> = bindings
        .ok()
        .flatten()
        .and_then(|list| list["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|b| {
            let role = b["roleRef"]["name"].as_str()?;
            Some(format!(
                "{} → {role}",
                b["metadata"]["name"].as_str().unwrap_or("?")
            ))
        })
        .collect();
    let mut evidence = vec![match (&user, &annotated) {
        (None, _) => format!("users.iam.kubesphere.io/{username}: not found"),
        (Some(_), Some(role)) => {
            format!("users.iam.kubesphere.io/{username}: iam.kubesphere.io/globalrole={role}")
        }
        (Some(_), None) => format!(
            "users.iam.kubesphere.io/{username}: no iam.kubesphere.io/globalrole annotation"
        ),
    }];
    evidence.extend(bound.iter().map(|b| format!("GlobalRoleBinding {b}")));
    let role = annotated.or_else(|| {
        bound
            .first()
            .and_then(|b| b.rsplit(" → ").next().map(str::to_string))
    });
    let result = match (&user, role.as_deref()) {
        (_, Some(PLATFORM_ADMIN)) => CheckResult::new(id, Verdict::Pass, format!("{username} is platform-admin")),
        (_, Some(other)) => CheckResult::new(id, Verdict::Fail, format!("{username} has the global role {other}, not platform-admin"))
            .fix(format!("ask a platform-admin to give {username} the role platform-admin (Access Control → Users), or use a platform-admin's kubeconfig")),
        (None, None) => CheckResult::new(id, Verdict::Warn, format!("KubeSphere has no user {username}: the credentials are a Kubernetes identity only"))
            .fix("KubeSphere's console needs a platform-admin user; the permission check tells whether this identity can still run the flow"),
        (Some(_), None) => CheckResult::new(id, Verdict::Warn, format!("{username} has no global role"))
            .fix(format!("give {username} the global role platform-admin")),
    };
    CheckResult { evidence, ..result }
}

/// Every operation the flow does, as (what, SSAR resource attributes).
fn operations() -> Vec<(&'static str, Value)> {
    let ks = |verb: &str, resource: &str, name: &str| json!({"verb": verb, "group": "", "resource": resource, "namespace": "kubesphere-system", "name": name});
    vec![
        (
            "create Clusters",
            json!({"verb": "create", "group": "cluster.kubesphere.io", "resource": "clusters"}),
        ),
        (
            "read Clusters",
            json!({"verb": "get", "group": "cluster.kubesphere.io", "resource": "clusters"}),
        ),
        ("read Secret tower", ks("get", "secrets", "tower")),
        ("update Secret tower", ks("update", "secrets", "tower")),
        (
            "create Secrets in kubesphere-system",
            ks("create", "secrets", ""),
        ),
        (
            "update ConfigMap kubesphere-config",
            ks("update", "configmaps", "kubesphere-config"),
        ),
        (
            "use the service proxy (ks-apiserver)",
            json!({"verb": "get", "group": "", "resource": "services", "subresource": "proxy", "namespace": "kubesphere-system"}),
        ),
        (
            "use the service proxy (agent.yaml)",
            json!({"verb": "get", "group": "", "resource": "services", "subresource": "proxy", "namespace": "extension-tower"}),
        ),
        (
            "list Nodes",
            json!({"verb": "list", "group": "", "resource": "nodes"}),
        ),
    ]
}

async fn permissions(client: kube::Client) -> CheckResult {
    let id = CheckId::Permissions;
    let mut reviews = tokio::task::JoinSet::new();
    for (index, (what, attributes)) in operations().into_iter().enumerate() {
        let client = client.clone();
        reviews.spawn(async move { (index, what, api::can_i(&client, &attributes).await) });
    }
    let mut answers = Vec::new();
    while let Some(Ok(answer)) = reviews.join_next().await {
        answers.push(answer);
    }
    answers.sort_by_key(|(index, ..)| *index);
    let mut denied = Vec::new();
    let mut evidence = Vec::new();
    for (_, what, answer) in answers {
        match answer {
            Ok(allowed) => {
                evidence.push(format!(
                    "{what}: {}",
                    if allowed { "allowed" } else { "denied" }
                ));
                if !allowed {
                    denied.push(what);
                }
            }
            Err(error) => {
                return unreadable(id, "SelfSubjectAccessReviews", &error);
            }
        }
    }
    let result = if denied.is_empty() {
        CheckResult::new(id, Verdict::Pass, "every operation of the flow is allowed")
    } else {
        CheckResult::new(id, Verdict::Fail, format!("not allowed to {}", denied.join(", ")))
            .fix("use a platform-admin's kubeconfig for the host (KubeSphere binds platform-admin to cluster-admin rights), or ask an admin to grant these")
    };
    CheckResult { evidence, ..result }
}

async fn kubesphere(client: kube::Client) -> CheckResult {
    let id = CheckId::Kubesphere;
    let (version, hosts) =
        tokio::join!(detect::ks_version(&client), detect::host_clusters(&client));
    let version = version.ok().flatten();
    let version_line = version.as_ref().map_or_else(
        || {
            "KubeSphere version: unknown (ks-apiserver /version and the host Cluster did not say)"
                .to_string()
        },
        |v| format!("KubeSphere {} (from {})", v.git_version, v.source),
    );
    match hosts {
        Ok(hosts) if !hosts.is_empty() => {
            let name = hosts[0]["metadata"]["name"].as_str().unwrap_or("?").to_string();
            let summary = format!(
                "KubeSphere {} host cluster \"{name}\"",
                version.as_ref().map_or("(version unknown)", |v| v.git_version.as_str())
            );
            let verdict = if version.is_some() { Verdict::Pass } else { Verdict::Warn };
            let mut result = CheckResult::new(id, verdict, summary)
                .evidence(version_line)
                .evidence(format!("Cluster {name} has label cluster-role.kubesphere.io/host"));
            if verdict == Verdict::Warn {
                result = result.fix("check that ks-apiserver runs in kubesphere-system");
            }
            result
        }
        Ok(_) => CheckResult::new(id, Verdict::Fail, "KubeSphere is installed, but no Cluster is labelled as the host")
            .evidence(version_line)
            .fix("set multicluster.clusterRole to host in kubesphere-config (KubeSphere's multi-cluster docs) and wait for the host Cluster to appear"),
        Err(ApiError::Status { code: 404, .. }) => CheckResult::new(id, Verdict::Fail, "this cluster is not a KubeSphere host: the cluster.kubesphere.io API is not served")
            .evidence(version_line)
            .fix("pick the context of the KubeSphere host cluster, or install KubeSphere 4.1+ on this one"),
        Err(error) => unreadable(id, "KubeSphere Clusters", &error),
    }
}

async fn tower_extension(client: kube::Client) -> CheckResult {
    let id = CheckId::TowerExtension;
    let (extension, installer) = tokio::join!(
        detect::tower_extension(&client),
        api::get(
            &client,
            crate::kubesphere::config_place::AddressPlace::KsInstaller.path()
        )
    );
    let extension = match extension {
        Ok(extension) => extension,
        Err(error) => return unreadable(id, "Extension tower", &error),
    };
    let plan_line = format!(
        "InstallPlan tower: state {}, spec.enabled {}",
        extension.install_plan_state.as_deref().unwrap_or("-"),
        extension
            .install_plan_enabled
            .map_or("-".to_string(), |e| e.to_string())
    );
    let extension_line = format!(
        "Extension tower: {}",
        if extension.installed {
            format!(
                "status.enabled {}, version {}",
                extension.enabled,
                extension.version.as_deref().unwrap_or("?")
            )
        } else {
            "not found".into()
        }
    );
    if !extension.installed {
        if installer.is_ok_and(|i| i.is_some()) {
            return CheckResult::new(
                id,
                Verdict::Pass,
                "KubeSphere 3.x: tower is part of ks-core, no extension needed",
            )
            .evidence("ClusterConfiguration kubesphere-system/ks-installer exists")
            .evidence(extension_line);
        }
        return CheckResult::new(id, Verdict::Fail, "the tower extension is not installed")
            .evidence(extension_line)
            .evidence(plan_line)
            .fix("install \"KubeSphere Multi-Cluster Agent Connection\" (tower) from the Extensions Center of the KubeSphere console, and enable it");
    }
    let state = extension.install_plan_state.as_deref();
    let result = if !extension.enabled || extension.install_plan_enabled == Some(false) {
        CheckResult::new(
            id,
            Verdict::Fail,
            "the tower extension is installed but disabled",
        )
        .fix("enable \"KubeSphere Multi-Cluster Agent Connection\" in the Extensions Center")
    } else if matches!(state, Some(s) if s.ends_with("Failed")) {
        CheckResult::new(
            id,
            Verdict::Fail,
            format!(
                "the tower extension's InstallPlan is {}",
                state.unwrap_or_default()
            ),
        )
        .fix("open the extension in the Extensions Center to see why, and retry the installation")
    } else if matches!(state, Some("Installed" | "Upgraded")) {
        CheckResult::new(
            id,
            Verdict::Pass,
            format!(
                "tower {} installed and enabled",
                extension.version.as_deref().unwrap_or("")
            ),
        )
    } else {
        CheckResult::new(
            id,
            Verdict::Warn,
            format!(
                "the tower extension's InstallPlan is {}",
                state.unwrap_or("missing")
            ),
        )
        .fix("wait for the installation to finish, then run the check again")
    };
    result.evidence(extension_line).evidence(plan_line)
}

async fn tower_pods(client: kube::Client) -> CheckResult {
    let id = CheckId::TowerPods;
    let pods = match detect::tower_pods(&client).await {
        Ok(pods) => pods,
        Err(error) => return unreadable(id, "tower's pods", &error),
    };
    let line = format!(
        "pods app=tower in kubesphere-system: {}/{} ready",
        pods.ready, pods.total
    );
    let mut result = if pods.total == 0 {
        CheckResult::new(id, Verdict::Fail, "no tower pod runs")
            .fix("enable the tower extension (Extensions Center) and check Deployment kubesphere-system/tower")
    } else if pods.ready == 0 {
        CheckResult::new(id, Verdict::Fail, "no tower pod is ready")
            .fix("look at the pods: `kubectl -n kubesphere-system describe pods -l app=tower`")
    } else if pods.ready < pods.total {
        CheckResult::new(
            id,
            Verdict::Warn,
            format!("{} of {} tower pods are ready", pods.ready, pods.total),
        )
        .fix("look at the pods: `kubectl -n kubesphere-system describe pods -l app=tower`")
    } else {
        CheckResult::new(
            id,
            Verdict::Pass,
            format!("{} tower pod(s) ready", pods.ready),
        )
    };
    result = result.evidence(line);
    for pod in pods.not_ready {
        result = result.evidence(format!("not ready: {pod}"));
    }
    result
}

async fn tower_service(client: kube::Client) -> CheckResult {
    let id = CheckId::TowerService;
    let service = match detect::tower_service(&client).await {
        Ok(Some(service)) => service,
        Ok(None) => {
            return CheckResult::new(
                id,
                Verdict::Fail,
                "Service kubesphere-system/tower does not exist",
            )
            .fix("install and enable the tower extension; it creates this Service")
        }
        Err(error) => return unreadable(id, "Service kubesphere-system/tower", &error),
    };
    let ports = match (service.port, service.node_port) {
        (Some(port), Some(node_port)) => format!("{port}:{node_port}/TCP"),
        (Some(port), None) => format!("{port}/TCP"),
        _ => "no ports".into(),
    };
    let external = if service.external.is_empty() {
        if service.service_type == "LoadBalancer" {
            "<pending>".into()
        } else {
            "<none>".into()
        }
    } else {
        service.external.join(",")
    };
    let line = format!(
        "type {}, EXTERNAL-IP {external}, PORT(S) {ports}",
        service.service_type
    );
    match service.load_balancer_address() {
        Some(address) => CheckResult::new(
            id,
            Verdict::Pass,
            format!("the load balancer publishes {address}"),
        )
        .evidence(line),
        None => CheckResult::new(
            id,
            Verdict::Pass,
            "no external address: members need a configured proxy address (see Proxy address)",
        )
        .evidence(line),
    }
}

async fn node_addresses(client: kube::Client) -> CheckResult {
    let id = CheckId::NodeAddresses;
    let nodes = match detect::node_addresses(&client).await {
        Ok(nodes) => nodes,
        Err(error) => return unreadable(id, "the nodes", &error),
    };
    let external = nodes.iter().any(|n| !n.external_ip.is_empty());
    let mut result = CheckResult::new(
        id,
        Verdict::Pass,
        if external {
            "nodes have ExternalIPs members may reach with the NodePort".to_string()
        } else {
            format!(
                "{} node(s), InternalIP only: forward a public address to one of them",
                nodes.len()
            )
        },
    );
    for node in &nodes {
        result = result.evidence(format!(
            "{}: InternalIP {}, ExternalIP {}",
            node.name,
            if node.internal_ip.is_empty() {
                "-".into()
            } else {
                node.internal_ip.join(",")
            },
            if node.external_ip.is_empty() {
                "-".into()
            } else {
                node.external_ip.join(",")
            }
        ));
    }
    result
}

async fn proxy_address(client: kube::Client) -> CheckResult {
    let id = CheckId::ProxyAddress;
    let report = match address::detect(&client).await {
        Ok(report) => report,
        Err(error) => {
            return CheckResult::new(id, Verdict::Fail, error.message)
                .fix(error.hint.unwrap_or_else(|| "run the check again".into()))
        }
    };
    let mut evidence: Vec<String> = report
        .places
        .iter()
        .map(|p| {
            let state = match (&p.problem, p.exists, &p.address) {
                (Some(problem), ..) => problem.clone(),
                (None, false, _) => "absent".into(),
                (None, true, Some(address)) => address.clone(),
                (None, true, None) => "no address".into(),
            };
            let read = if p.place == report.read_place {
                " (read by the installed version)"
            } else {
                ""
            };
            format!("{}{read}: {state}", p.description)
        })
        .collect();
    evidence.extend(report.disagreements.iter().cloned());
    let read_problem = report
        .places
        .iter()
        .find(|p| p.place == report.read_place)
        .and_then(|p| p.problem.clone());
    let result = match (&report.effective, read_problem) {
        (_, Some(problem)) => CheckResult::new(id, Verdict::Fail, format!("the configured address cannot be read: {problem}"))
            .fix("repair the configuration (see the evidence); Onboard will not overwrite what it cannot read"),
        (Some(effective), None) => {
            let summary = match effective.origin {
                AddressOrigin::Configured => format!("members will dial {} (configured)", effective.url),
                AddressOrigin::LoadBalancer => format!("members will dial {} (the load balancer's address; nothing to write)", effective.url),
            };
            let verdict = if report.disagreements.is_empty() { Verdict::Pass } else { Verdict::Warn };
            let result = CheckResult::new(id, verdict, summary);
            if verdict == Verdict::Warn {
                result.fix("make the places agree: set the address again with Onboard, which writes the place that is read, and remove the stale one")
            } else {
                result
            }
        }
        (None, None) => {
            let forward = report.port_forward.clone().unwrap_or_else(|| "PUBLIC_IP:PORT → NODE_IP:NODE_PORT".into());
            CheckResult::new(id, Verdict::Fail, "no proxy address: the load balancer has no external address and none is configured, so agent.yaml cannot be generated")
                .fix(format!("forward {forward}, then set the address: `ks-onboard-cli proxy-address set http://PUBLIC_IP:PORT`"))
        }
    };
    CheckResult { evidence, ..result }
}
