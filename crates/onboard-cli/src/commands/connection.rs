//! `kubeconfig test [CONTEXT]`: the desktop app's "Test connection" in a terminal.

use super::contexts::workspace;
use crate::cli::{GlobalArgs, TestArgs};
use crate::output::{self, Printable};
use onboard_core::kubeconfig::client::ClientSettings;
use onboard_core::kubeconfig::connection::{
    test_connection, ConnectionReport, TestOptions, TlsVerification,
};
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::vault::OsKeyring;
use onboard_core::Error;
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
struct Report(ConnectionReport);

impl Printable for Report {
    fn headers() -> &'static [&'static str] {
        &["CONTEXT", "SERVER", "VERSION", "USER", "LATENCY", "TLS"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let report = &self.0;
        let dash = || "-".to_string();
        vec![vec![
            report.context.clone(),
            report
                .endpoint
                .as_ref()
                .map_or_else(dash, |t| t.server.clone()),
            report
                .version
                .as_ref()
                .map_or_else(dash, |v| v.git_version.clone()),
            report
                .identity
                .as_ref()
                .map_or_else(dash, |i| i.username.clone()),
            report
                .latency
                .as_ref()
                .map_or_else(dash, |l| format!("{:.1}ms", l.round_trip_ms)),
            match report.tls {
                TlsVerification::Verified => "verified",
                TlsVerification::SkippedInsecure => "not verified (insecure)",
                TlsVerification::PlainHttp => "none (http)",
                TlsVerification::Failed => "failed",
                TlsVerification::NotReached => "-",
            }
            .to_string(),
        ]]
    }
}

pub fn test(global: &GlobalArgs, args: &TestArgs) -> onboard_core::Result<()> {
    let workspace = workspace(global)?;
    let merged = workspace.load()?;
    let context = args
        .name
        .clone()
        .or_else(|| global.context.clone())
        .unwrap_or_else(|| merged.config.current_context.clone());
    if context.is_empty() {
        return Err(
            Error::not_found("no context given and current-context is not set")
                .with_hint("name one: `ks-onboard-cli kubeconfig test CONTEXT`"),
        );
    }
    // An imported context's credentials are in the OS keyring: fill them in for this test.
    let known = merged
        .config
        .contexts
        .iter()
        .flatten()
        .any(|c| c.name == context);
    let merged = if known {
        workspace.with_credentials(&context, &OsKeyring::new())?
    } else {
        merged
    };
    // A terminal already has the user's PATH, unlike a GUI started from a launcher.
    let options = TestOptions::new(ClientSettings::new(SearchPath::process()));
    let runtime = super::runtime()?;
    let report = runtime.block_on(test_connection(&merged, &context, &options));
    let failure = report.failure.clone();
    let warnings: Vec<String> = report.warnings.iter().map(|w| w.message.clone()).collect();
    output::print(&Report(report), global.output)?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    match failure {
        Some(failure) => Err(failure.into()),
        None => Ok(()),
    }
}
