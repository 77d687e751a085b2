//! `audit list|verify`: the local audit log the app and the CLI append to.

use crate::cli::{AuditListArgs, GlobalArgs};
use crate::output::{self, Printable};
use onboard_core::audit::{self, AuditLog, Filter, Integrity, Outcome};
use onboard_core::kubeconfig::store::Store;
use onboard_core::{Error, ErrorKind, Result};

impl Printable for AuditLog {
    fn headers() -> &'static [&'static str] {
        &[
            "SEQ", "TIME", "ACTION", "CLUSTER", "CONTEXT", "USER", "DRY-RUN", "RESULT", "CHANGES",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.entries
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    e.time.clone(),
                    e.action.as_str().into(),
                    e.cluster.clone().unwrap_or_else(|| "-".into()),
                    e.context.clone(),
                    e.user.clone().unwrap_or_else(|| "-".into()),
                    e.dry_run.to_string(),
                    match e.result {
                        Outcome::Ok => "ok".into(),
                        Outcome::Failed => format!("failed: {}", e.error.as_deref().unwrap_or("")),
                    },
                    e.changes.join("; "),
                ]
            })
            .collect()
    }
}

/// The log's integrity as the command's exit: an altered log fails (exit 1).
fn integrity_result(log: &AuditLog) -> Result<()> {
    match &log.integrity {
        Integrity::Intact { .. } => Ok(()),
        Integrity::Broken { line, problem } => Err(Error::new(
            ErrorKind::Internal,
            format!("the audit log {} was altered at line {line}: {problem}", log.path),
        )
        .with_hint("entries up to that line are shown as written; keep the file as evidence, and move it (with audit.head.json) away to start a new log")),
    }
}

pub fn list(global: &GlobalArgs, args: &AuditListArgs) -> Result<()> {
    let filter = Filter {
        cluster: args.cluster.clone(),
        context: None,
    };
    let log = audit::list(&Store::default_dir()?, &filter)?;
    output::print(&log, global.output)?;
    integrity_result(&log)
}

pub fn verify(global: &GlobalArgs) -> Result<()> {
    let log = audit::list(&Store::default_dir()?, &Filter::default())?;
    if let Some(format) = output::document_format(global.output) {
        output::print_document(&log.integrity, format)?;
    } else if let Integrity::Intact { entries } = log.integrity {
        println!(
            "intact: {entries} entries, every hash and link checked ({})",
            log.path
        );
    }
    integrity_result(&log)
}
