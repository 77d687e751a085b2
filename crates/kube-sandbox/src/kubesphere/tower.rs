//! The tower proxy on the host (TOWER `pkg/proxy/proxy.go`): it takes on Clusters with
//! `connection.type: proxy` and `joinFederation: true` (token, ports, `mc-<name>` Service,
//! endpoints, `Initialized=True`), forgets the others, and serves its listener: `/health`
//! (`OK`), `/version` and 404 for plain HTTP (handleClientHandler), and agents upgrading to
//! `kubesphere-v1`: a known name with the right token gets `AgentAvailable=True` and an
//! issued kubeconfig, anything else the reply `Unauthorized agent`; when the last
//! connection of a cluster closes, or tower's pods stop and take their connections down,
//! `AgentAvailable=False`.
//!
//! After the upgrade the protocol is ours (`wire`: a credential line, then one JSON line
//! `{"name","token"}` answered `ok` or the error text) where the real agent speaks SSH over
//! the websocket; the TCP connection is real.

use super::wire::{self, Head};
use super::{conditions, World, CLUSTER_API};
use crate::cluster::{Changes, ObjectRef};
use crate::tls::Authority;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What `/version` answers: TOWER's `version.BuildVersion`, which its image build leaves
/// at the default.
const BUILD_VERSION: &str = "0.0.0-rc";

fn name_of(cluster: &Value) -> &str {
    cluster["metadata"]["name"].as_str().unwrap_or_default()
}

/// Whether tower handles this cluster (proxy.go Reconcile).
pub fn handles(cluster: &Value) -> bool {
    cluster["metadata"]["deletionTimestamp"].is_null()
        && cluster["spec"]["joinFederation"] == true
        && cluster["spec"]["connection"]["type"] == "proxy"
}

/// Whether tower's pods are running (its Service has endpoints).
pub fn running(world: &World) -> bool {
    world.host.read(|objects| {
        objects
            .get("v1", "Service", "kubesphere-system", "tower")
            .is_some_and(|svc| objects.has_endpoints(&svc))
    })
}

fn mc_service(name: &str) -> ObjectRef<'_> {
    ObjectRef {
        api_version: "v1",
        kind: "Service",
        namespace: "kubesphere-system",
        name,
    }
}

/// 32 random bytes as 64 hex characters (proxy.go generateToken).
fn token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A random port in [6000, 7000) (proxy.go allocatePort).
fn port() -> u16 {
    6000 + (uuid::Uuid::new_v4().as_u128() % 1000) as u16
}

/// addCluster / delete for one Cluster event.
pub fn reconcile(world: &World, cluster: &Value) {
    let name = name_of(cluster).to_string();
    let service = format!("mc-{name}");
    if !handles(cluster) {
        if world
            .host
            .get("v1", "Service", "kubesphere-system", &service)
            .is_some()
        {
            let _ = world.host.delete(mc_service(&service));
        }
        return;
    }
    if !running(world) || conditions::is_true(cluster, "Initialized") {
        return;
    }
    let ip = match world
        .host
        .get("v1", "Service", "kubesphere-system", &service)
    {
        Some(existing) => existing["spec"]["clusterIP"].clone(),
        None => {
            let labels = json!({"app.kubernetes.io/name": service, "app": service});
            let created = world.host.create(json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": service, "namespace": "kubesphere-system", "labels": labels},
                "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": "tower", "app": "tower"},
                         "ports": [{"name": "kubernetes", "protocol": "TCP", "port": 6443, "targetPort": 0},
                                   {"name": "kubesphere", "protocol": "TCP", "port": 80, "targetPort": 0}]}}));
            match created {
                Ok(svc) => svc["spec"]["clusterIP"].clone(),
                Err(_) => return,
            }
        }
    };
    let ip = ip.as_str().unwrap_or_default().to_string();
    world.update_cluster(&name, |current| {
        if conditions::is_true(current, "Initialized") {
            return None;
        }
        let port = port();
        let token = match current["spec"]["connection"]["token"].as_str() {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => token(),
        };
        let conditions = conditions::with(current, &world.host_time(), "Initialized", true, "Initialized", "Cluster has been initialized")?;
        Some(json!({"spec": {"connection": {"kubernetesAPIServerPort": port, "kubesphereAPIServerPort": port + 10000,
                "token": token, "kubernetesAPIEndpoint": format!("https://{ip}:6443"),
                "kubesphereAPIEndpoint": format!("http://{ip}:80")}},
            "status": {"conditions": conditions}}))
    });
    if let Some(updated) = world.host.get(CLUSTER_API, "Cluster", "", &name) {
        let ports = &updated["spec"]["connection"];
        let patch = json!({"spec": {"ports": [
            {"name": "kubernetes", "protocol": "TCP", "port": 6443, "targetPort": ports["kubernetesAPIServerPort"]},
            {"name": "kubesphere", "protocol": "TCP", "port": 80, "targetPort": ports["kubesphereAPIServerPort"]}]}});
        let _ = world.host.merge_patch(mc_service(&service), &patch, false);
    }
}

/// The kubeconfig tower issues for a connected cluster: a client certificate signed by
/// tower's CA, the server being the `mc-` Service endpoint.
fn issue_kubeconfig(ca: &Authority, name: &str, server: &str) -> Option<String> {
    let cert = ca
        .client_cert("kubesphere", &["system:masters".to_string()])
        .ok()?;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    Some(format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {server}\n  name: {name}\n\
         contexts:\n- context:\n    cluster: {name}\n    user: kubesphere\n  name: kubesphere@{name}\ncurrent-context: kubesphere@{name}\n\
         preferences: {{}}\nusers:\n- name: kubesphere\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(&ca.ca_pem()),
        b64(&cert.cert_pem),
        b64(&cert.key_pem)
    ))
}

/// Whether the agent's name and token match an initialized cluster tower handles.
fn authorized(world: &World, name: &str, token: &str) -> bool {
    world
        .host
        .get(CLUSTER_API, "Cluster", "", name)
        .is_some_and(|c| {
            handles(&c)
                && conditions::is_true(&c, "Initialized")
                && c["spec"]["connection"]["token"] == token
        })
}

/// AgentAvailable after a connection opened (with the issued kubeconfig) or the last closed.
fn set_available(world: &World, ca: &Authority, name: &str, connected: bool) {
    world.update_cluster(name, |current| {
        let message = if connected {
            "Agent has connected to proxy successfully."
        } else {
            "Agent has not connected to proxy."
        };
        let conditions = conditions::with(current, &world.host_time(), "AgentAvailable", connected, "", message)?;
        let mut patch = json!({"status": {"conditions": conditions}});
        if connected {
            let server = current["spec"]["connection"]["kubernetesAPIEndpoint"].as_str().unwrap_or_default();
            let kubeconfig = issue_kubeconfig(ca, name, server)?;
            patch["spec"] = json!({"connection": {"kubeconfig": base64::engine::general_purpose::STANDARD.encode(kubeconfig)}});
        }
        Some(patch)
    });
}

type Connections = Arc<Mutex<HashMap<String, usize>>>;

/// What tower's pods answer without an upgrade (proxy.go handleClientHandler), as Go's
/// net/http writes it.
async fn answer_http(world: &World, stream: &mut TcpStream, head: &Head) {
    let (code, body) = match head.target() {
        "/health" => ("200 OK", "OK\n"),
        "/version" => ("200 OK", BUILD_VERSION),
        _ => ("404 Not Found", "Not Found"),
    };
    let date = crate::clock::format_http_date(world.host.now());
    let response = format!(
        "HTTP/1.1 {code}\r\nContent-Type: text/plain; charset=utf-8\r\nDate: {date}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

/// An agent's websocket upgrade (Upgrade: websocket, protocol `kubesphere-v1`).
fn is_agent(head: &Head) -> bool {
    head.header("Upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        && head.header("Sec-WebSocket-Protocol") == Some(wire::PROTOCOL)
}

/// One connection: a plain HTTP request, or an agent that holds its connection until it
/// goes or tower stops.
async fn handle(
    world: Arc<World>,
    ca: Arc<Authority>,
    connections: Connections,
    mut up: watch::Receiver<bool>,
    stream: TcpStream,
) {
    let mut reader = BufReader::new(stream);
    let Some(head) = wire::read_head(&mut reader).await else {
        return;
    };
    if !is_agent(&head) {
        return answer_http(&world, reader.get_mut(), &head).await;
    }
    let upgraded = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: {}\r\n\r\n{}",
        wire::PROTOCOL,
        wire::credential(world.host.now())
    );
    if reader
        .get_mut()
        .write_all(upgraded.as_bytes())
        .await
        .is_err()
    {
        return;
    }
    // An agent that refuses the credential closes here.
    let mut line = String::new();
    if !matches!(reader.read_line(&mut line).await, Ok(n) if n > 0) {
        return;
    }
    let hello: Value = serde_json::from_str(&line).unwrap_or_default();
    let name = hello["name"].as_str().unwrap_or_default().to_string();
    if !running(&world) || !authorized(&world, &name, hello["token"].as_str().unwrap_or_default()) {
        let _ = reader.get_mut().write_all(b"Unauthorized agent\n").await;
        return;
    }
    if reader.get_mut().write_all(b"ok\n").await.is_err() {
        return;
    }
    let first = {
        let mut open = connections.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(name.clone()).or_default();
        *count += 1;
        *count == 1
    };
    if first {
        set_available(&world, &ca, &name, true);
    }
    // The agent holds the connection until it stops (EOF or an error), or tower's pods stop
    // and take it down.
    let mut sink = [0u8; 256];
    let stopped = async {
        // The watch only wakes this up; the host's objects say whether tower still runs.
        while running(&world) && up.changed().await.is_ok() {}
    };
    tokio::select! {
        _ = async { while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {} } => {}
        _ = stopped => {}
    }
    drop(reader);
    let last = {
        let mut open = connections.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(name.clone()).or_default();
        *count = count.saturating_sub(1);
        *count == 0
    };
    if last {
        set_available(&world, &ca, &name, false);
    }
}

/// Follows whether tower's pods run, from the host's changes.
async fn watch_running(world: Arc<World>, mut changes: Changes, up: watch::Sender<bool>) {
    while let Some(event) = changes.next().await {
        if matches!(event.object["kind"].as_str(), Some("Pod" | "Service")) {
            up.send_if_modified(|was| std::mem::replace(was, running(&world)) != *was);
        }
    }
}

/// Accepts connections until the sandbox stops.
pub async fn serve(world: Arc<World>, listener: TcpListener) {
    let Ok(ca) = Authority::new("tower") else {
        return;
    };
    let ca = Arc::new(ca);
    let connections: Connections = Arc::default();
    let changes = world.host.changes();
    let (up, up_rx) = watch::channel(running(&world));
    let mut handlers = tokio::task::JoinSet::new();
    handlers.spawn(watch_running(world.clone(), changes, up));
    while let Ok((stream, _)) = listener.accept().await {
        handlers.spawn(handle(
            world.clone(),
            ca.clone(),
            connections.clone(),
            up_rx.clone(),
            stream,
        ));
        while handlers.try_join_next().is_some() {}
    }
}
