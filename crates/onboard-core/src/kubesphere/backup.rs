//! Local backups of the object a proxy-address change replaces, one file per change in
//! `<data dir>/backups/proxy-address/`, so that `restore` can put it back byte for byte.
//!
//! The object is a Secret or a configuration that holds secrets (`kubesphere.yaml` carries
//! `authentication.jwtSecret`), so the object itself never goes into the file: it is kept in
//! the vault (the OS keyring) under [`vault_key`], and the owner-only file written through
//! [`crate::locked_file`] holds only what is not secret: which context, which place, the
//! address written, the resourceVersion after the write. Restoring marks the file
//! `.restored` and drops the vault entry, so the next restore goes one change further back.

use super::config_place::AddressPlace;
use crate::vault::{ExposeSecret, SecretStore, SecretString};
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub context: String,
    pub place: AddressPlace,
    /// Whether there was an object before (kept in the vault), or the change created it.
    #[serde(default)]
    pub had_previous: bool,
    /// The address that was written.
    pub url: String,
    /// The object's resourceVersion after our write; restore refuses if it moved on since.
    /// `None` until the write succeeded.
    pub written_resource_version: Option<String>,
    pub created_unix_ms: u128,
}

/// A backup file as read: files written before objects went to the vault hold the object
/// itself under `previous`.
struct OnDisk {
    backup: Backup,
    previous: Option<Value>,
}

impl OnDisk {
    fn parse(bytes: &[u8]) -> std::result::Result<Self, serde_json::Error> {
        let mut value: Value = serde_json::from_slice(bytes)?;
        let previous = value
            .as_object_mut()
            .and_then(|o| o.remove("previous"))
            .filter(|p| !p.is_null());
        Ok(Self {
            backup: serde_json::from_value(value)?,
            previous,
        })
    }
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups").join("proxy-address")
}

/// Where the previous object of the backup file `path` is kept in the vault.
pub fn vault_key(path: &Path) -> String {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    format!("backups/proxy-address/{stem}")
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

/// Writes a new backup of `previous` (`None`: the change creates the object): the object to
/// the vault first, then the file, so a file never names an object the vault does not hold.
pub fn save(
    dir: &Path,
    vault: &dyn SecretStore,
    backup: &mut Backup,
    previous: Option<&Value>,
) -> Result<PathBuf> {
    let path = dir.join(format!(
        "{:016}-{}.json",
        backup.created_unix_ms,
        slug(&backup.context)
    ));
    if let Some(previous) = previous {
        keep(&path, vault, previous)?;
    }
    backup.had_previous = previous.is_some();
    update(&path, backup)?;
    Ok(path)
}

fn keep(path: &Path, vault: &dyn SecretStore, previous: &Value) -> Result<()> {
    let text = serde_json::to_string(previous).map_err(|e| encode_error(&e))?;
    vault.put(&vault_key(path), &SecretString::from(text))
}

/// Rewrites the file of a backup (its non-secret part; the vault entry stays as it is).
pub fn update(path: &Path, backup: &Backup) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(backup).map_err(|e| encode_error(&e))?;
    crate::locked_file::write(path, &bytes)
}

fn encode_error(e: &serde_json::Error) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("could not encode the backup: {e}"),
    )
}

/// The object the backup at `path` replaced, from the vault (`None`: there was none).
pub fn previous(path: &Path, vault: &dyn SecretStore, backup: &Backup) -> Result<Option<Value>> {
    if !backup.had_previous {
        return Ok(None);
    }
    let text = vault.get(&vault_key(path)).map_err(|e| {
        if e.kind == ErrorKind::NotFound {
            Error::not_found(format!(
                "the object backed up in {} is no longer in the OS keyring",
                path.display()
            ))
            .with_hint("it may have been removed from the keyring by hand; restore the previous state by hand")
        } else {
            e
        }
    })?;
    serde_json::from_str(text.expose_secret())
        .map(Some)
        .map_err(|e| {
            Error::invalid_input(format!(
                "the object backed up in {} cannot be read back from the OS keyring: {e}",
                path.display()
            ))
            .with_hint("restore the previous state by hand")
        })
}

/// The newest backup of `context` not restored yet, of a write that was done (one whose
/// write failed, or was cut off before it was known to be done, is skipped).
pub fn latest(dir: &Path, vault: &dyn SecretStore, context: &str) -> Result<(PathBuf, Backup)> {
    newest(dir, vault, context, |b| {
        b.written_resource_version.is_some()
    })?
    .ok_or_else(|| missing(dir, context))
}

/// The newest backup of `context` whose write never told its resourceVersion: a `set` cut
/// off while writing (it may or may not have been done).
pub fn interrupted(
    dir: &Path,
    vault: &dyn SecretStore,
    context: &str,
) -> Result<Option<(PathBuf, Backup)>> {
    let newest = newest(dir, vault, context, |_| true)?;
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
    vault: &dyn SecretStore,
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
        let on_disk = OnDisk::parse(&bytes).map_err(|e| {
            Error::invalid_input(format!("backup {} cannot be read: {e}", path.display()))
                .with_hint("move the file away and try again")
        })?;
        let backup = moved_to_vault(&path, vault, on_disk)?;
        if backup.context == context && wanted(&backup) {
            return Ok(Some((path, backup)));
        }
    }
    Ok(None)
}

/// A backup file from before objects went to the vault: move its object into the vault
/// and rewrite the file without it.
fn moved_to_vault(path: &Path, vault: &dyn SecretStore, on_disk: OnDisk) -> Result<Backup> {
    let OnDisk {
        mut backup,
        previous,
    } = on_disk;
    if let Some(previous) = previous {
        keep(path, vault, &previous)?;
        backup.had_previous = true;
        update(path, &backup)?;
    }
    Ok(backup)
}

/// Marks the backup used; its object leaves the vault (a restored backup is never read again).
pub fn mark_restored(path: &Path, vault: &dyn SecretStore) -> Result<()> {
    let restored = path.with_extension("restored.json");
    std::fs::rename(path, &restored).map_err(|e| Error::io("rename", path, &e))?;
    vault.delete(&vault_key(path))
}

/// Drops a backup of a write that was never done.
pub fn discard(path: &Path, vault: &dyn SecretStore) {
    // A leftover only costs space; `latest` skips backups never written through.
    let _ = std::fs::remove_file(path);
    let _ = vault.delete(&vault_key(path));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;
    use serde_json::json;

    fn backup(context: &str, at: u128) -> Backup {
        Backup {
            context: context.into(),
            place: AddressPlace::TowerSecret,
            had_previous: false,
            url: "http://a:1".into(),
            written_resource_version: Some("7".into()),
            created_unix_ms: at,
        }
    }

    fn secret() -> Value {
        json!({"kind": "Secret", "data": {"configuration.yaml": "and3dFNlY3JldDogY2FuYXJ5"}})
    }

    #[test]
    fn the_newest_unrestored_backup_of_the_context_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        save(dir.path(), &vault, &mut backup("host/a", 1), None).unwrap();
        let newer = save(dir.path(), &vault, &mut backup("host/a", 2), None).unwrap();
        save(dir.path(), &vault, &mut backup("other", 3), None).unwrap();
        let (path, found) = latest(dir.path(), &vault, "host/a").unwrap();
        assert_eq!((path.clone(), found.created_unix_ms), (newer, 2));
        mark_restored(&path, &vault).unwrap();
        let older = latest(dir.path(), &vault, "host/a").unwrap().1;
        assert_eq!(older.created_unix_ms, 1);
        assert_eq!(
            latest(dir.path(), &vault, "nobody").unwrap_err().kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            latest(&dir.path().join("none"), &vault, "x")
                .unwrap_err()
                .kind,
            ErrorKind::NotFound
        );
    }

    #[test]
    fn the_previous_object_is_kept_in_the_vault_not_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let path = save(dir.path(), &vault, &mut backup("h", 1), Some(&secret())).unwrap();
        let file = std::fs::read_to_string(&path).unwrap();
        assert!(!file.contains("configuration.yaml"), "{file}");
        assert!(file.contains("\"hadPrevious\": true"), "{file}");
        let (path, found) = latest(dir.path(), &vault, "h").unwrap();
        assert_eq!(previous(&path, &vault, &found).unwrap(), Some(secret()));
        mark_restored(&path, &vault).unwrap();
        assert_eq!(
            vault.get(&vault_key(&path)).unwrap_err().kind,
            ErrorKind::NotFound,
            "a restored backup leaves the vault"
        );
    }

    #[test]
    fn a_backup_whose_object_left_the_keyring_is_not_taken_for_a_created_object() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let path = save(dir.path(), &vault, &mut backup("h", 1), Some(&secret())).unwrap();
        vault.delete(&vault_key(&path)).unwrap();
        let (path, found) = latest(dir.path(), &vault, "h").unwrap();
        let error = previous(&path, &vault, &found).unwrap_err();
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(
            error.message.contains("no longer in the OS keyring"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_file_from_before_the_vault_moves_its_object_there() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let path = dir.path().join("0000000000000001-h.json");
        let mut old = serde_json::to_value(backup("h", 1)).unwrap();
        old["previous"] = secret();
        old.as_object_mut().unwrap().remove("hadPrevious");
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        let (path, found) = latest(dir.path(), &vault, "h").unwrap();
        assert!(found.had_previous);
        assert_eq!(previous(&path, &vault, &found).unwrap(), Some(secret()));
        let file = std::fs::read_to_string(&path).unwrap();
        assert!(
            !file.contains("configuration.yaml"),
            "rewritten without it: {file}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn backups_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), &MemoryVault::new(), &mut backup("c", 1), None).unwrap();
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
