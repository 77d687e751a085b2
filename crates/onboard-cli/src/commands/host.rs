//! `host check`: the host preflight, each check printed the moment it finishes.

use super::contexts::workspace;
use crate::cli::{GlobalArgs, Output};
use crate::output::{self, Document};
use onboard_core::kubeconfig::client::ClientSettings;
use onboard_core::kubeconfig::load::Merged;
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::preflight::{self, CheckResult, PreflightOptions, Verdict};
use onboard_core::vault::OsKeyring;
use onboard_core::Error;
use std::io::Write;

/// The host's context (--context, else the host role, else current-context) and the merged
/// kubeconfig with its credentials filled in from the keyring.
pub(super) fn host_context(global: &GlobalArgs) -> onboard_core::Result<(String, Merged)> {
    let workspace = workspace(global)?;
    let merged = workspace.load()?;
    let context = global
        .context
        .clone()
        .or(workspace.roles()?.host)
        .unwrap_or_else(|| merged.config.current_context.clone());
    if context.is_empty() {
        return Err(Error::not_found(
            "no host context: none given, no host role chosen, and current-context is not set",
        )
        .with_hint(
            "pass --context NAME, or choose one: `ks-onboard-cli kubeconfig use-role host NAME`",
        ));
    }
    let merged = workspace.with_credentials(&context, &OsKeyring::new())?;
    Ok((context, merged))
}

/// A terminal already has the user's PATH, unlike a GUI started from a launcher.
pub(super) fn client_settings() -> ClientSettings {
    ClientSettings::new(SearchPath::process())
}

/// These commands print reports, not lists of names.
pub(super) fn no_names(global: &GlobalArgs) -> onboard_core::Result<()> {
    if global.output == Output::Name {
        return Err(Error::invalid_input("this command has no -o name output")
            .with_hint("use -o table, json or yaml"));
    }
    Ok(())
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "FAIL",
    }
}

fn row(out: &mut impl Write, result: &CheckResult) {
    // Fixed widths: rows are printed before the longest one is known.
    let _ = writeln!(
        out,
        "{:<6} {:<38} {}",
        verdict(result.verdict),
        result.title,
        result.summary
    );
    let _ = out.flush();
}

pub fn check(global: &GlobalArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let options = PreflightOptions::new(client_settings());
    let table = global.output == Output::Table;
    let stdout = std::io::stdout();
    if table {
        let _ = writeln!(stdout.lock(), "{:<6} {:<38} SUMMARY", "RESULT", "CHECK");
    }
    let results =
        super::runtime()?.block_on(preflight::run(&merged, &context, &options, |result| {
            if table {
                row(&mut stdout.lock(), result);
            }
        }));
    match global.output {
        Output::Table => {
            let mut out = stdout.lock();
            for result in results.iter().filter(|r| r.verdict != Verdict::Pass) {
                let _ = writeln!(out, "\n{} ({}):", result.title, verdict(result.verdict));
                for line in &result.evidence {
                    let _ = writeln!(out, "  {line}");
                }
                if let Some(fix) = &result.fix {
                    let _ = writeln!(out, "  fix: {fix}");
                }
            }
        }
        Output::Json => output::print_document(&results, Document::Json)?,
        Output::Yaml => output::print_document(&results, Document::Yaml)?,
        Output::Name => unreachable!("refused above"),
    }
    let failed = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    if failed > 0 {
        return Err(Error::invalid_input(format!(
            "{failed} of {} host checks failed on context \"{context}\"",
            results.len()
        ))
        .with_hint("each failed check says what to do (fix:); run `host check` again afterwards"));
    }
    Ok(())
}
