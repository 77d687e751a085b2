//! The local audit log: one JSON line per change the app or the CLI made (or dry-ran) on a
//! cluster, in `<data dir>/audit.jsonl`, appended under a lock so both can write at once.
//!
//! Each line ends with `"hash":"<sha256>"`, the digest of the line's own text before that
//! field, and carries the previous line's hash as `prev`: editing, removing or reordering a
//! line breaks the chain. `audit.head.json` keeps the last sequence number and hash, so a
//! log cut short at the end is told apart from one that simply has fewer entries. What the
//! chain cannot catch (someone rewriting every line and the head) is said in docs/security.md.
//!
//! Entries name objects and contexts, never values: no token, no password, no agent.yaml.

use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LOG: &str = "audit.jsonl";
const HEAD: &str = "audit.head.json";
/// The `prev` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HASH_FIELD: &str = ",\"hash\":\"";

/// What was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    ProxyAddressSet,
    ProxyAddressRestore,
    KsApiserverRestart,
    AgentImageSet,
    ClusterAdd,
    AgentApply,
    ClusterRemove,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ProxyAddressSet => "proxy-address-set",
            Action::ProxyAddressRestore => "proxy-address-restore",
            Action::KsApiserverRestart => "ks-apiserver-restart",
            Action::AgentImageSet => "agent-image-set",
            Action::ClusterAdd => "cluster-add",
            Action::AgentApply => "agent-apply",
            Action::ClusterRemove => "cluster-remove",
        }
    }
}

/// A change as the code that made it describes it; [`append`] adds time, program and chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    /// The kube context the change was made through.
    pub context: String,
    /// The identity the API server saw (SelfSubjectReview), when it could be asked.
    pub user: Option<String>,
    /// The member cluster's name, for changes that belong to one.
    pub cluster: Option<String>,
    pub dry_run: bool,
    /// What was (or would be) written, one line each: `created Cluster member`.
    pub changes: Vec<String>,
    /// How to take it back.
    pub undo: Option<String>,
    /// `None`: it worked. Otherwise the error as the user saw it (already masked).
    pub error: Option<String>,
}

impl Change {
    pub fn new(action: Action, context: &str) -> Self {
        Self {
            action,
            context: context.into(),
            user: None,
            cluster: None,
            dry_run: false,
            changes: Vec::new(),
            undo: None,
            error: None,
        }
    }

    pub fn cluster(mut self, cluster: &str) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    pub fn user(mut self, user: Option<String>) -> Self {
        self.user = user;
        self
    }

    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    pub fn undo(mut self, undo: impl Into<String>) -> Self {
        self.undo = Some(undo.into());
        self
    }

    /// Records how `result` ended: its error's message when it failed.
    pub fn ended<T>(mut self, result: &Result<T>) -> Self {
        if let Err(error) = result {
            self.error = Some(error.message.clone());
        }
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Ok,
    Failed,
}

/// One line of the log, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// 1 for the first entry, then one more each line.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub seq: u64,
    /// RFC 3339, UTC.
    pub time: String,
    /// `ks-onboard` (the app) or `ks-onboard-cli`.
    pub program: String,
    pub action: Action,
    pub context: String,
    pub user: Option<String>,
    pub cluster: Option<String>,
    pub dry_run: bool,
    pub result: Outcome,
    pub error: Option<String>,
    pub changes: Vec<String>,
    pub undo: Option<String>,
    /// The previous entry's hash (64 zeros for the first).
    pub prev: String,
    pub hash: String,
}

/// Whether the log is as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Integrity {
    /// Every line's hash matches and the chain reaches the head.
    Intact {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        entries: u64,
    },
    /// The first line (1-based) where the chain breaks, and how.
    Broken {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        line: u64,
        problem: String,
    },
}

/// The log read back, with its integrity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    pub path: String,
    pub integrity: Integrity,
    /// The entries that could be read, oldest first (filtered when asked).
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub cluster: Option<String>,
    pub context: Option<String>,
}

impl Filter {
    fn admits(&self, entry: &Entry) -> bool {
        self.cluster
            .as_ref()
            .is_none_or(|c| entry.cluster.as_ref() == Some(c))
            && self.context.as_ref().is_none_or(|c| &entry.context == c)
    }
}

#[derive(Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

/// The fields of an entry in the order they are written, without the hash.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Unsigned<'a> {
    seq: u64,
    time: &'a str,
    program: &'a str,
    action: Action,
    context: &'a str,
    user: &'a Option<String>,
    cluster: &'a Option<String>,
    dry_run: bool,
    result: Outcome,
    error: &'a Option<String>,
    changes: &'a [String],
    undo: &'a Option<String>,
    prev: &'a str,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG)
}

fn head_path(data_dir: &Path) -> PathBuf {
    data_dir.join(HEAD)
}

fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

fn program() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into())
}

/// Before a change: fails when the log cannot take its entry (altered, unreadable), so
/// nothing is changed that would go unrecorded.
pub fn ready(data_dir: &Path) -> Result<()> {
    match verify(data_dir)? {
        (Integrity::Intact { .. }, _) => Ok(()),
        (Integrity::Broken { line, problem }, _) => Err(altered(data_dir, line, &problem)),
    }
}

fn altered(data_dir: &Path, line: u64, problem: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("the audit log {} was altered at line {line} ({problem}); nothing more is written to it, and no change is made until it is", path(data_dir).display()),
    )
    .with_hint("look at it with `ks-onboard-cli audit list`; move the file and audit.head.json away to start a new log (keep them as evidence)")
}

/// After a change: records `change` as `result` ended (with `changes(&value)` when it
/// worked) and hands `result` back. When recording fails, a change that worked is reported
/// as that failure, saying the change itself was made.
pub fn record<T>(
    data_dir: &Path,
    mut change: Change,
    result: Result<T>,
    changes: impl FnOnce(&T) -> Vec<String>,
) -> Result<T> {
    if let Ok(value) = &result {
        change.changes.extend(changes(value));
    }
    if change.dry_run {
        // A dry run changed nothing: there is nothing to take back.
        change.undo = None;
    }
    match (append(data_dir, change.ended(&result)), result) {
        (Err(error), Ok(_)) => Err(Error::new(
            error.kind,
            format!(
                "the change was made, but it could not be written to the audit log: {}",
                error.message
            ),
        )
        .with_hint(error.hint.unwrap_or_default())),
        (_, result) => result,
    }
}

/// Appends `change` to the log in `data_dir` and returns the entry written. Refuses to
/// extend a log whose chain is broken: the user must look at it first (`audit list`).
pub fn append(data_dir: &Path, change: Change) -> Result<Entry> {
    let log = path(data_dir);
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io("create directory", data_dir, &e))?;
    let _lock = crate::locked_file::Lock::wait(&log, Duration::from_secs(5))?;
    let (seq, prev) = match verify(data_dir)? {
        (Integrity::Intact { .. }, entries) => {
            entries.last().map_or((1, GENESIS.to_string()), |last| {
                (last.seq + 1, last.hash.clone())
            })
        }
        (Integrity::Broken { line, problem }, _) => return Err(altered(data_dir, line, &problem)),
    };
    let time = now();
    let program = program();
    let result = if change.error.is_some() {
        Outcome::Failed
    } else {
        Outcome::Ok
    };
    let unsigned = Unsigned {
        seq,
        time: &time,
        program: &program,
        action: change.action,
        context: &change.context,
        user: &change.user,
        cluster: &change.cluster,
        dry_run: change.dry_run,
        result,
        error: &change.error,
        changes: &change.changes,
        undo: &change.undo,
        prev: &prev,
    };
    let body = serde_json::to_string(&unsigned).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("could not encode an audit entry: {e}"),
        )
    })?;
    let hash = digest(&body);
    let line = format!("{}{HASH_FIELD}{hash}\"}}\n", &body[..body.len() - 1]);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(|e| Error::io("open", &log, &e))?;
    owner_only(&log)?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("append to", &log, &e))?;
    let head = serde_json::to_vec(&Head {
        seq,
        hash: hash.clone(),
    })
    .unwrap_or_default();
    crate::locked_file::write(&head_path(data_dir), &head)?;
    Ok(Entry {
        seq,
        time,
        program,
        action: change.action,
        context: change.context,
        user: change.user,
        cluster: change.cluster,
        dry_run: change.dry_run,
        result,
        error: change.error,
        changes: change.changes,
        undo: change.undo,
        prev,
        hash,
    })
}

#[cfg(unix)]
fn owner_only(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io("set permissions of", path, &e))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<()> {
    Ok(())
}

/// Reads the log in `data_dir`, filtered, with its integrity (over the whole log).
pub fn list(data_dir: &Path, filter: &Filter) -> Result<AuditLog> {
    let (integrity, entries) = verify(data_dir)?;
    Ok(AuditLog {
        path: path(data_dir).display().to_string(),
        integrity,
        entries: entries.into_iter().filter(|e| filter.admits(e)).collect(),
    })
}

/// Checks every line and the head; returns the entries read up to the first break.
fn verify(data_dir: &Path) -> Result<(Integrity, Vec<Entry>)> {
    let log = path(data_dir);
    // Read as bytes: one altered byte can make the file invalid UTF-8, and that must be
    // reported as the line it breaks, not as a log that cannot be read at all (found by the
    // property test `any_single_byte_change_to_the_log_is_found`). A replaced character
    // never matches its line's hash.
    let text = match std::fs::read(&log) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", &log, &e)),
    };
    let head = match std::fs::read(head_path(data_dir)) {
        Ok(bytes) => serde_json::from_slice::<Head>(&bytes).ok(),
        Err(_) => None,
    };
    let mut entries: Vec<Entry> = Vec::new();
    let broken = |line: usize, problem: &str, entries: Vec<Entry>| {
        Ok((
            Integrity::Broken {
                line: line as u64,
                problem: problem.into(),
            },
            entries,
        ))
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let Some(entry) = check_line(line) else {
            return broken(
                number,
                "the line is not an entry as written, or its hash does not match its content",
                entries,
            );
        };
        let (expected_seq, expected_prev) = entries
            .last()
            .map_or((1, GENESIS), |last| (last.seq + 1, last.hash.as_str()));
        if entry.seq != expected_seq || entry.prev != expected_prev {
            return broken(
                number,
                "the chain breaks here: an entry before it was removed, changed or moved",
                entries,
            );
        }
        entries.push(entry);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        return broken(entries.len(), "the last line is incomplete", entries);
    }
    let last = entries.last().map(|e| (e.seq, e.hash.as_str()));
    match (head, last) {
        (None, None) => {}
        (None, Some(_)) => {
            return broken(
                1,
                "the log's head record (audit.head.json) is missing",
                entries,
            )
        }
        (Some(head), None) => {
            return broken(
                1,
                &format!("the log is empty but {} entries were written", head.seq),
                entries,
            )
        }
        (Some(head), Some((seq, hash))) => {
            // The head may lag one entry behind after a crash between the two writes.
            let matches = (head.seq == seq && head.hash == hash) || head.seq + 1 == seq;
            if head.seq > seq {
                return broken(
                    entries.len() + 1,
                    &format!(
                        "the log ends at entry {seq} but {} were written: it was cut short",
                        head.seq
                    ),
                    entries,
                );
            }
            if !matches {
                return broken(
                    entries.len(),
                    "the last entries do not match the log's head record",
                    entries,
                );
            }
        }
    }
    let count = entries.len() as u64;
    Ok((Integrity::Intact { entries: count }, entries))
}

/// The entry on `line` when its hash matches the text before it.
fn check_line(line: &str) -> Option<Entry> {
    let at = line.rfind(HASH_FIELD)?;
    let hash = line[at + HASH_FIELD.len()..].strip_suffix("\"}")?;
    let body = format!("{}}}", &line[..at]);
    if hash.len() != 64 || digest(&body) != hash {
        return None;
    }
    serde_json::from_str(line).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: usize) -> Change {
        let mut change = Change::new(Action::ClusterAdd, "host").cluster(&format!("member-{n}"));
        change.changes = vec![format!("created Cluster member-{n}")];
        change
    }

    fn log_with(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..n {
            append(dir.path(), change(i)).unwrap();
        }
        dir
    }

    fn lines(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(path(dir))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn rewrite(dir: &Path, lines: &[String]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(path(dir), text).unwrap();
    }

    fn integrity(dir: &Path) -> Integrity {
        list(dir, &Filter::default()).unwrap().integrity
    }

    #[test]
    fn entries_chain_and_read_back_in_order() {
        let dir = log_with(3);
        let log = list(dir.path(), &Filter::default()).unwrap();
        assert_eq!(log.integrity, Integrity::Intact { entries: 3 });
        assert_eq!(
            log.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(log.entries[0].prev, GENESIS);
        assert_eq!(log.entries[1].prev, log.entries[0].hash);
        assert_eq!(log.entries[2].result, Outcome::Ok);
        assert!(log.entries[0]
            .time
            .parse::<k8s_openapi::jiff::Timestamp>()
            .is_ok());
    }

    #[test]
    fn an_empty_log_is_intact() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(integrity(dir.path()), Integrity::Intact { entries: 0 });
    }

    #[test]
    fn an_edited_line_is_found() {
        let dir = log_with(3);
        let mut l = lines(dir.path());
        l[1] = l[1].replace("member-1", "member-9");
        rewrite(dir.path(), &l);
        assert!(matches!(
            integrity(dir.path()),
            Integrity::Broken { line: 2, .. }
        ));
    }

    #[test]
    fn a_rehashed_edit_still_breaks_the_chain() {
        let dir = log_with(3);
        let mut l = lines(dir.path());
        // Forge line 2 with a correct hash of its own: line 3's prev no longer matches.
        let at = l[1].rfind(HASH_FIELD).unwrap();
        let body = format!("{}}}", &l[1][..at]).replace("member-1", "member-9");
        l[1] = format!(
            "{}{HASH_FIELD}{}\"}}",
            &body[..body.len() - 1],
            digest(&body)
        );
        rewrite(dir.path(), &l);
        assert!(matches!(
            integrity(dir.path()),
            Integrity::Broken { line: 3, .. }
        ));
    }

    #[test]
    fn a_removed_line_a_moved_line_and_a_cut_tail_are_found() {
        let dir = log_with(4);
        let l = lines(dir.path());
        rewrite(dir.path(), &[l[0].clone(), l[2].clone(), l[3].clone()]);
        assert!(matches!(
            integrity(dir.path()),
            Integrity::Broken { line: 2, .. }
        ));
        rewrite(
            dir.path(),
            &[l[1].clone(), l[0].clone(), l[2].clone(), l[3].clone()],
        );
        assert!(matches!(
            integrity(dir.path()),
            Integrity::Broken { line: 1, .. }
        ));
        rewrite(dir.path(), &l[..2]);
        let Integrity::Broken { problem, .. } = integrity(dir.path()) else {
            panic!("a cut tail must be found")
        };
        assert!(problem.contains("cut short"), "{problem}");
        rewrite(dir.path(), &[]);
        assert!(matches!(integrity(dir.path()), Integrity::Broken { .. }));
    }

    #[test]
    fn a_byte_that_makes_the_log_invalid_utf8_is_found_on_its_line() {
        // The property test's failure, minimized: one ASCII byte overwritten with 0xa2.
        let dir = log_with(2);
        let mut bytes = std::fs::read(path(dir.path())).unwrap();
        let second = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
        let at = second + lines(dir.path())[1].rfind(HASH_FIELD).unwrap() + 1;
        bytes[at] = 0xa2;
        std::fs::write(path(dir.path()), bytes).unwrap();
        assert!(matches!(
            integrity(dir.path()),
            Integrity::Broken { line: 2, .. }
        ));
        let error = append(dir.path(), change(3)).unwrap_err();
        assert!(
            error.message.contains("altered at line 2"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_broken_log_is_not_extended() {
        let dir = log_with(2);
        let mut l = lines(dir.path());
        l[0] = l[0].replace("\"dryRun\":false", "\"dryRun\":true");
        rewrite(dir.path(), &l);
        let error = append(dir.path(), change(5)).unwrap_err();
        assert!(error.message.contains("line 1"), "{}", error.message);
        assert_eq!(lines(dir.path()).len(), 2);
    }

    #[test]
    fn filters_by_cluster_and_context_and_records_failures() {
        let dir = log_with(2);
        let failed = Change::new(Action::AgentApply, "member")
            .cluster("member-1")
            .ended::<()>(&Err(Error::invalid_input("conflict")));
        append(dir.path(), failed).unwrap();
        let filter = Filter {
            cluster: Some("member-1".into()),
            context: None,
        };
        let log = list(dir.path(), &filter).unwrap();
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.entries[1].result, Outcome::Failed);
        assert_eq!(log.entries[1].error.as_deref(), Some("conflict"));
        let only_member = Filter {
            cluster: None,
            context: Some("member".into()),
        };
        assert_eq!(list(dir.path(), &only_member).unwrap().entries.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = log_with(1);
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
