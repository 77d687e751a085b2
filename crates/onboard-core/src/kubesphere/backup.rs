//! Local backups of the object a proxy-address change replaces, one file per change in
//! `<data dir>/backups/proxy-address/`, written owner-only through [`crate::locked_file`]:
//! the object is a Secret and its data may be secret. Restoring marks the file `.restored`
//! so the next restore goes one change further back.

use super::config_place::AddressPlace;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub context: String,
    pub place: AddressPlace,
    /// The object as it was before, `None` when the change created it.
    pub previous: Option<Value>,
    /// The address that was written.
    pub url: String,
    /// The object's resourceVersion after our write; restore refuses if it moved on since.
    /// `None` until the write succeeded.
    pub written_resource_version: Option<String>,
    pub created_unix_ms: u128,
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups").join("proxy-address")
}

pub(crate) fn slug(context: &str) -> String {
    context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn save(dir: &Path, backup: &Backup) -> Result<PathBuf> {
    let path = dir.join(format!(
        "{:016}-{}.json",
        backup.created_unix_ms,
        slug(&backup.context)
    ));
    update(&path, backup)?;
    Ok(path)
}

pub fn update(path: &Path, backup: &Backup) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(backup).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("could not encode the backup: {e}"),
        )
    })?;
    crate::locked_file::write(path, &bytes)
}

/// The newest backup of `context` not restored yet, of a write that was done (one whose
/// write failed, or was cut off before it was known to be done, is skipped).
pub fn latest(dir: &Path, context: &str) -> Result<(PathBuf, Backup)> {
    newest(dir, context, |b| b.written_resource_version.is_some())?
        .ok_or_else(|| missing(dir, context))
}

/// The newest backup of `context` whose write never told its resourceVersion: a `set` cut
/// off while writing (it may or may not have been done).
pub fn interrupted(dir: &Path, context: &str) -> Result<Option<(PathBuf, Backup)>> {
    let newest = newest(dir, context, |_| true)?;
    Ok(newest.filter(|(_, b)| b.written_resource_version.is_none()))
}

fn missing(dir: &Path, context: &str) -> Error {
    Error::not_found(format!(
        "there is no proxy-address backup for context \"{context}\" to restore"
    ))
    .with_hint(format!(
        "backups are made by `proxy-address set` and kept in {}",
        dir.display()
    ))
}

fn newest(
    dir: &Path,
    context: &str,
    wanted: impl Fn(&Backup) -> bool,
) -> Result<Option<(PathBuf, Backup)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", dir, &e)),
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.to_string_lossy().ends_with(".restored.json"))
        .collect();
    names.sort();
    for path in names.into_iter().rev() {
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, &e))?;
        let backup: Backup = serde_json::from_slice(&bytes).map_err(|e| {
            Error::invalid_input(format!("backup {} cannot be read: {e}", path.display()))
                .with_hint("move the file away and try again")
        })?;
        if backup.context == context && wanted(&backup) {
            return Ok(Some((path, backup)));
        }
    }
    Ok(None)
}

pub fn mark_restored(path: &Path) -> Result<()> {
    let restored = path.with_extension("restored.json");
    std::fs::rename(path, &restored).map_err(|e| Error::io("rename", path, &e))
}

pub fn discard(path: &Path) {
    // A leftover only costs disk space; `latest` skips backups never written through.
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(context: &str, at: u128) -> Backup {
        Backup {
            context: context.into(),
            place: AddressPlace::TowerSecret,
            previous: None,
            url: "http://a:1".into(),
            written_resource_version: Some("7".into()),
            created_unix_ms: at,
        }
    }

    #[test]
    fn the_newest_unrestored_backup_of_the_context_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &backup("host/a", 1)).unwrap();
        let newer = save(dir.path(), &backup("host/a", 2)).unwrap();
        save(dir.path(), &backup("other", 3)).unwrap();
        let (path, found) = latest(dir.path(), "host/a").unwrap();
        assert_eq!((path.clone(), found.created_unix_ms), (newer, 2));
        mark_restored(&path).unwrap();
        assert_eq!(latest(dir.path(), "host/a").unwrap().1.created_unix_ms, 1);
        assert_eq!(
            latest(dir.path(), "nobody").unwrap_err().kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            latest(&dir.path().join("none"), "x").unwrap_err().kind,
            ErrorKind::NotFound
        );
    }

    #[cfg(unix)]
    #[test]
    fn backups_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), &backup("c", 1)).unwrap();
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
