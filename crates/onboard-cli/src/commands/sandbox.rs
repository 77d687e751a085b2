//! `sandbox up` and `sandbox scenarios`: simulated clusters for trying the flow without one.

use crate::cli::{GlobalArgs, SandboxUpArgs};
use crate::output::{self, Printable};
use kube_sandbox::{Sandbox, SandboxConfig};
use onboard_core::{Error, ErrorKind};
use serde::Serialize;
use std::future::Future;
use std::io::Write;

#[derive(Serialize)]
struct ScenarioRow {
    name: &'static str,
    summary: &'static str,
}

#[derive(Serialize)]
#[serde(transparent)]
struct Scenarios(Vec<ScenarioRow>);

impl Printable for Scenarios {
    fn headers() -> &'static [&'static str] {
        &["NAME", "WHAT IT STARTS"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|s| vec![s.name.into(), s.summary.into()])
            .collect()
    }
}

pub fn scenarios(global: &GlobalArgs) -> onboard_core::Result<()> {
    let rows = kube_sandbox::scenarios()
        .iter()
        .map(|s| ScenarioRow {
            name: s.name,
            summary: s.summary,
        })
        .collect();
    output::print(&Scenarios(rows), global.output)
}

fn from_sandbox(error: kube_sandbox::Error) -> Error {
    match error {
        kube_sandbox::Error::UnknownScenario(name) => Error::new(
            ErrorKind::InvalidInput,
            format!("there is no sandbox scenario \"{name}\""),
        )
        .with_hint("run `ks-onboard-cli sandbox scenarios` to see the ones there are"),
        kube_sandbox::Error::Io { .. } => Error::new(ErrorKind::Io, error.to_string())
            .with_hint("check that --dir is a directory you can write to"),
        other => Error::new(
            ErrorKind::Internal,
            format!("the sandbox could not start: {other}"),
        )
        .with_hint("report this bug with the message above"),
    }
}

pub fn up(args: &SandboxUpArgs) -> onboard_core::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("could not start the async runtime: {e}"),
            )
        })?;
    runtime.block_on(serve_until(args, &mut std::io::stdout(), shutdown_signal()))
}

/// Starts the sandbox, prints the `ready` line, and serves until `shutdown` completes.
async fn serve_until(
    args: &SandboxUpArgs,
    out: &mut impl Write,
    shutdown: impl Future<Output = onboard_core::Result<()>>,
) -> onboard_core::Result<()> {
    let config = SandboxConfig {
        dir: args.dir.clone(),
        scenario: args.scenario.clone(),
        latency: args.latency,
        timing: kube_sandbox::Timing::default(),
    };
    let sandbox = Sandbox::start(config).await.map_err(from_sandbox)?;
    // One line, first word `ready`, so scripts can wait for it; no credentials in it.
    writeln!(
        out,
        "ready scenario={} host={} member={} KUBECONFIG={}:{}",
        args.scenario,
        sandbox.host.url(),
        sandbox.member.url(),
        sandbox.host_kubeconfig.display(),
        sandbox.member_kubeconfig.display()
    )
    .and_then(|()| out.flush())
    .map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("could not write to standard output: {e}"),
        )
    })?;
    shutdown.await?;
    drop(sandbox);
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> onboard_core::Result<()> {
    let signal_error = |e: std::io::Error| {
        Error::new(
            ErrorKind::Internal,
            format!("could not listen for signals: {e}"),
        )
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).map_err(signal_error)?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.map_err(signal_error),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(signal_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn up_writes_both_kubeconfigs_and_says_ready() {
        let dir = tempfile::tempdir().unwrap();
        let args = SandboxUpArgs {
            dir: dir.path().into(),
            scenario: "empty".into(),
            latency: Duration::ZERO,
        };
        let host = dir.path().join("host.kubeconfig");
        let member = dir.path().join("member.kubeconfig");
        let mut out = Vec::new();
        let (h, m) = (host.clone(), member.clone());
        serve_until(&args, &mut out, async move {
            let host = std::fs::read_to_string(&h).unwrap();
            assert!(
                host.contains("name: sandbox-host\n") && host.contains("name: sandbox-host-viewer")
            );
            assert!(std::fs::read_to_string(&m)
                .unwrap()
                .contains("name: sandbox-member"));
            Ok(())
        })
        .await
        .unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(
            line.starts_with("ready scenario=empty host=https://127.0.0.1:"),
            "{line}"
        );
        assert!(!line.contains("token"), "no credentials on stdout");
    }

    #[test]
    fn sandbox_up_starts_the_healthy_kubesphere_world_by_default() {
        use crate::cli::{Cli, Command, SandboxCommand};
        use clap::Parser;
        let cli =
            Cli::try_parse_from(["ks-onboard-cli", "sandbox", "up", "--dir", "/tmp/x"]).unwrap();
        let Command::Sandbox(SandboxCommand::Up(args)) = cli.command else {
            panic!("parsed {cli:?}");
        };
        assert_eq!(args.scenario, "healthy");
        assert!(
            kube_sandbox::scenarios().iter().any(|s| s.name == "empty"),
            "empty stays available"
        );
    }

    #[tokio::test]
    async fn unknown_scenarios_are_invalid_input() {
        let dir = tempfile::tempdir().unwrap();
        let args = SandboxUpArgs {
            dir: dir.path().into(),
            scenario: "nope".into(),
            latency: Duration::ZERO,
        };
        let error = serve_until(&args, &mut Vec::new(), async { Ok(()) })
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert!(error.hint.unwrap().contains("sandbox scenarios"));
    }
}
