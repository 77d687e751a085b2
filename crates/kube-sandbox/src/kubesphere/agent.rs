//! The tower agent on the member (TOWER `cmd/agent/app/options.go`, `pkg/agent/agent.go`):
//! the `agent` container of each pod labelled `app: agent, app.kubernetes.io/part-of: tower`
//! reads its flags (`agent_flags`; a bad one ends the process, exit 1, and the kubelet
//! crash-loops it), logs them, dials `--proxy-server` for real (see `network`), checks
//! tower's credential against the member's clock, presents name and token, and on failure
//! logs `Connection error: …` and retries with jpillora/backoff (×1.4, up to
//! `--max-retry-interval`), forever or until `--max-retry` attempts (then it exits 0). A
//! connected agent holds its connection until the pod goes or tower drops it. The `Token
//! set to` line is masked here, unlike the real agent.

use super::agent_flags::{self, Command, Options};
use super::klog::line;
use super::network::{self, DialError};
use super::programs::Instance;
use super::{wire, World};
use crate::clock::go_duration;
use crate::error::Reported;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Whether this container of `pod` is a tower agent.
pub fn runs_in(pod: &Value, instance: &Instance) -> bool {
    let labels = &pod["metadata"]["labels"];
    labels["app"] == "agent"
        && labels["app.kubernetes.io/part-of"] == "tower"
        && instance.name() == "agent"
}

struct Log<'a> {
    world: &'a World,
    instance: &'a Instance,
}

impl Log<'_> {
    fn text(&self, text: &str) {
        let instance = self.instance;
        let container = instance.name();
        let member = &self.world.member;
        member.append_pod_log(&instance.namespace, &instance.pod, container, text);
    }

    fn write(&self, level: char, source: &str, message: &str) {
        self.text(&line(level, source, message, self.world.member.now()));
    }
}

/// Go's text for a signed `time.Duration`.
fn go_signed(nanos: i64) -> String {
    let magnitude = go_duration(Duration::from_nanos(nanos.unsigned_abs()));
    if nanos < 0 {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

/// One attempt: dial, upgrade, check tower's credential, present name and token, and hold
/// the connection while it lives. Ok(()) when an established connection ended (the agent
/// reconnects at once).
async fn connect(world: &World, options: &Options) -> Result<(), Reported> {
    let (host, port) = network::endpoint(&options.server)?;
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
    // The TCP handshake, the upgrade with tower's credential, the hello and its answer:
    // three round trips.
    tokio::time::sleep(world.rtt).await;
    let stream = TcpStream::connect(address)
        .await
        .map_err(|_| format!("dial tcp {host}:{port}: connect: connection refused"))?;
    let mut reader = BufReader::new(stream);
    let upgrade = format!(
        "GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {}\r\n\r\n",
        wire::PROTOCOL
    );
    let unexpected_eof = || "websocket: close 1006 (abnormal closure): unexpected EOF".to_string();
    reader
        .get_mut()
        .write_all(upgrade.as_bytes())
        .await
        .map_err(|_| unexpected_eof())?;
    tokio::time::sleep(world.rtt).await;
    let head = wire::read_head(&mut reader)
        .await
        .ok_or_else(unexpected_eof)?;
    if head.status() != Some(101) {
        return Err("websocket: bad handshake".into());
    }
    let mut credential = String::new();
    reader
        .read_line(&mut credential)
        .await
        .map_err(|_| unexpected_eof())?;
    wire::verify_credential(&credential, world.member.now())?;
    let hello =
        serde_json::json!({"name": options.name, "token": options.token}).to_string() + "\n";
    reader
        .get_mut()
        .write_all(hello.as_bytes())
        .await
        .map_err(|_| unexpected_eof())?;
    tokio::time::sleep(world.rtt).await;
    let mut answer = String::new();
    reader
        .read_line(&mut answer)
        .await
        .map_err(|_| unexpected_eof())?;
    match answer.trim_end() {
        "ok" => {
            let mut sink = [0u8; 256];
            while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
            Ok(())
        }
        "" => Err(unexpected_eof().into()),
        refused => Err(refused.into()),
    }
}

/// The start-up lines (options.go Print).
fn print_options(log: &Log<'_>, options: &Options) {
    let lines = [
        (77, format!("Name set to {}", options.name)),
        (78, format!("Server set to {}", options.server)),
        (
            79,
            format!("KeepAlive set to {}", go_signed(options.keepalive)),
        ),
        (80, format!("MaxRetries set to {}", options.max_retry)),
        (
            81,
            format!(
                "MaxRetryInterval set to {}",
                go_duration(options.max_retry_interval)
            ),
        ),
        (82, "Token set to ********".to_string()),
        (83, format!("Kubeconfig set to {}", options.kubeconfig)),
        (
            84,
            format!("Kubernetes service set to {}", options.kubernetes),
        ),
        (
            85,
            format!("Kubesphere service set to {}", options.kubesphere),
        ),
    ];
    for (line_no, text) in lines {
        log.write('I', &format!("options.go:{line_no}"), &text);
    }
}

/// The connection loop (agent.go connectionLoop); returns when `--max-retry` attempts failed.
async fn connection_loop(world: &World, log: &Log<'_>, options: &Options) {
    let mut attempt: i64 = 0;
    loop {
        let Err(error) = connect(world, options).await else {
            attempt = 0;
            continue;
        };
        let mut message = format!("Connection error: {error}");
        if attempt > 0 {
            message += &format!(" (Attempt: {attempt}");
            if options.max_retry > 0 {
                message += &format!("/{}", options.max_retry);
            }
            message += ")";
        }
        log.write('W', "agent.go:166", &message);
        if options.max_retry > 0 && attempt >= options.max_retry {
            return;
        }
        let grown = world.timing.retry_min.as_secs_f64()
            * 1.4f64.powi(i32::try_from(attempt).unwrap_or(i32::MAX));
        let delay = Duration::try_from_secs_f64(grown)
            .unwrap_or(Duration::MAX)
            .min(options.max_retry_interval);
        attempt = attempt.saturating_add(1);
        log.write(
            'W',
            "agent.go:171",
            &format!("Retrying in {}...", go_duration(delay)),
        );
        tokio::time::sleep(delay).await;
    }
}

/// The agent process of one container instance, from its command line to its exit.
pub async fn program(world: Arc<World>, instance: Instance) {
    let log = Log {
        world: &world,
        instance: &instance,
    };
    let argv = instance.argv();
    let exit_code = match agent_flags::parse(argv.get(1..).unwrap_or_default()) {
        Err(error) => {
            log.text(&agent_flags::failure(&error.0, world.member.now()));
            1
        }
        Ok(Command::Help) => {
            log.text(&agent_flags::help());
            0
        }
        Ok(Command::Run(options)) => {
            print_options(&log, &options);
            connection_loop(&world, &log, &options).await;
            0
        }
    };
    world.member.container_exited(
        &instance.namespace,
        &instance.pod,
        instance.name(),
        exit_code,
    );
}
