//! The tower agent on the member (TOWER `cmd/agent/app/options.go`, `pkg/agent/agent.go`):
//! each running pod of Deployment `kubesphere-system/cluster-agent` reads its `/agent`
//! flags, logs them, dials `--proxy-server` for real (see `network`), presents name and token,
//! and on failure logs `Connection error: …` and retries with jpillora/backoff (×1.4, up to
//! `--max-retry-interval`, 2 min), forever. A connected agent holds its connection until the
//! pod goes. The `Token set to` line is masked here, unlike the real agent.

use super::klog::{go_duration, line};
use super::network::{self, DialError};
use super::World;
use crate::error::Reported;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::AbortHandle;

const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(120);

/// The agent's flags, from the container's command.
#[derive(Debug, Default, Clone, PartialEq)]
struct Flags {
    name: String,
    token: String,
    server: String,
    keepalive: String,
    kubesphere: String,
    kubernetes: String,
}

fn flags(container: &Value) -> Flags {
    let mut flags = Flags {
        server: "http://127.0.0.1:8080".into(),
        keepalive: "30s".into(),
        kubesphere: "ks-apiserver.kubesphere-system.svc".into(),
        kubernetes: "kubernetes.default.svc".into(),
        ..Flags::default()
    };
    let words = container["command"]
        .as_array()
        .into_iter()
        .chain(container["args"].as_array())
        .flatten();
    for word in words.filter_map(Value::as_str) {
        let Some((key, value)) = word.split_once('=') else {
            continue;
        };
        let slot = match key {
            "--name" => &mut flags.name,
            "--token" => &mut flags.token,
            "--proxy-server" => &mut flags.server,
            "--keepalive" => &mut flags.keepalive,
            "--kubesphere-service" => &mut flags.kubesphere,
            "--kubernetes-service" => &mut flags.kubernetes,
            _ => continue,
        };
        *slot = value.to_string();
    }
    flags
}

struct Log<'a> {
    world: &'a World,
    namespace: String,
    pod: String,
}

impl Log<'_> {
    fn write(&self, level: char, source: &str, message: &str) {
        self.world.member.append_pod_log(
            &self.namespace,
            &self.pod,
            "agent",
            &line(level, source, message),
        );
    }
}

/// One attempt: dial, present name and token, and hold the connection while it lives.
/// Ok(()) when an established connection ended (the agent reconnects at once).
async fn connect(world: &World, flags: &Flags) -> Result<(), Reported> {
    let (host, port) = network::endpoint(&flags.server)?;
    let target = network::resolve(
        &world.host,
        &world.spec,
        world.tower_address,
        &host,
        port,
        world.timing.dial_timeout,
    );
    let address = match target {
        Ok(address) => address,
        Err(DialError { message, after }) => {
            tokio::time::sleep(after).await;
            return Err(message.into());
        }
    };
    // The TCP handshake, then the hello and its answer: two round trips.
    tokio::time::sleep(world.rtt).await;
    let stream = TcpStream::connect(address)
        .await
        .map_err(|_| format!("dial tcp {host}:{port}: connect: connection refused"))?;
    let mut reader = BufReader::new(stream);
    let hello = serde_json::json!({"name": flags.name, "token": flags.token}).to_string() + "\n";
    reader
        .get_mut()
        .write_all(hello.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(world.rtt).await;
    let mut answer = String::new();
    reader
        .read_line(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    match answer.trim_end() {
        "ok" => {
            let mut sink = [0u8; 256];
            while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
            Ok(())
        }
        "" => Err("websocket: close 1006 (abnormal closure): unexpected EOF".into()),
        refused => Err(refused.into()),
    }
}

/// The agent process of one pod: its start-up lines, then the connection loop.
async fn agent(world: Arc<World>, namespace: String, pod: String, flags: Flags) {
    let log = Log {
        world: &world,
        namespace,
        pod,
    };
    for (line_no, text) in [
        (77, format!("Name set to {}", flags.name)),
        (78, format!("Server set to {}", flags.server)),
        (79, format!("KeepAlive set to {}", flags.keepalive)),
        (80, "MaxRetries set to 0".to_string()),
        (
            81,
            format!(
                "MaxRetryInterval set to {}",
                go_duration(MAX_RETRY_INTERVAL)
            ),
        ),
        (82, "Token set to ********".to_string()),
        (83, "Kubeconfig set to ".to_string()),
        (
            84,
            format!("Kubernetes service set to {}", flags.kubernetes),
        ),
        (
            85,
            format!("Kubesphere service set to {}", flags.kubesphere),
        ),
    ] {
        log.write('I', &format!("options.go:{line_no}"), &text);
    }
    let mut attempt: i32 = 0;
    loop {
        let Err(error) = connect(&world, &flags).await else {
            attempt = 0;
            continue;
        };
        let mut message = format!("Connection error: {error}");
        if attempt > 0 {
            message += &format!(" (Attempt: {attempt})");
        }
        log.write('W', "agent.go:166", &message);
        let delay = world
            .timing
            .retry_min
            .mul_f64(1.4f64.powi(attempt))
            .min(MAX_RETRY_INTERVAL);
        attempt = attempt.saturating_add(1);
        log.write(
            'W',
            "agent.go:171",
            &format!("Retrying in {}...", go_duration(delay)),
        );
        tokio::time::sleep(delay).await;
    }
}

fn is_running_agent(pod: &Value) -> bool {
    pod["metadata"]["labels"]["app"] == "agent"
        && pod["metadata"]["labels"]["app.kubernetes.io/part-of"] == "tower"
        && pod["status"]["phase"] == "Running"
        && pod["metadata"]["deletionTimestamp"].is_null()
}

/// Starts an agent for every running agent pod on the member and stops it with its pod.
pub async fn run(world: Arc<World>) {
    let mut changes = world.member.changes();
    let mut agents = tokio::task::JoinSet::new();
    let mut by_pod: HashMap<String, AbortHandle> = HashMap::new();
    for pod in world.member.list("v1", "Pod", None) {
        start_or_stop(&world, &pod, false, &mut agents, &mut by_pod);
    }
    while let Some(event) = changes.next().await {
        if event.object["kind"] == "Pod" {
            start_or_stop(
                &world,
                &event.object,
                event.kind == "DELETED",
                &mut agents,
                &mut by_pod,
            );
        }
        while agents.try_join_next().is_some() {}
    }
}

fn start_or_stop(
    world: &Arc<World>,
    pod: &Value,
    deleted: bool,
    agents: &mut tokio::task::JoinSet<()>,
    by_pod: &mut HashMap<String, AbortHandle>,
) {
    let uid = pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if deleted || !is_running_agent(pod) {
        if let Some(handle) = by_pod.remove(&uid) {
            handle.abort();
        }
        return;
    }
    if by_pod.contains_key(&uid) {
        return;
    }
    let Some(container) = pod["spec"]["containers"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "agent"))
    else {
        return;
    };
    let namespace = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let handle = agents.spawn(agent(world.clone(), namespace, name, flags(container)));
    by_pod.insert(uid, handle);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_come_from_the_manifest_s_command() {
        let container = json!({"command": ["/agent", "--name=member", "--token=abc", "--proxy-server=http://1.2.3.4:30000", "--keepalive=10s"]});
        let read = flags(&container);
        assert_eq!((read.name.as_str(), read.token.as_str()), ("member", "abc"));
        assert_eq!(read.server, "http://1.2.3.4:30000");
        assert_eq!(
            read.kubernetes, "kubernetes.default.svc",
            "the agent's default"
        );
    }
}
