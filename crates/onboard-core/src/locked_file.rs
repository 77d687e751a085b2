//! Writing a file others may be writing too, the careful way: take `<file>.lock` the way
//! kubectl does (client-go creates it with O_EXCL and removes it after writing, so kubectl
//! and we never interleave), keep the previous version as `<file>.bak`, and replace the
//! file atomically (write a temporary file beside it, flush it to disk, rename it over), so
//! a crash leaves either the old file or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces `path` with `contents`, readable by the owner only (it may hold credentials or
/// references to them). Creates the parent directory when missing.
pub fn write(path: &Path, contents: &[u8]) -> crate::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io("create directory", dir, &e))?;
    let _lock = Lock::take(path)?;
    if path.exists() {
        let backup = with_suffix(path, ".bak");
        std::fs::copy(path, &backup).map_err(|e| crate::Error::io("back up", path, &e))?;
    }
    let mut temp = tempfile::Builder::new()
        .prefix(".ks-onboard-")
        .tempfile_in(dir)
        .map_err(|e| crate::Error::io("create a temporary file in", dir, &e))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| crate::Error::io("write", temp.path(), &e))?;
    owner_only(temp.path())?;
    temp.persist(path)
        .map_err(|e| crate::Error::io("replace", path, &e.error))?;
    Ok(())
}

/// `<file>.lock`, held while writing; removed when dropped.
pub(crate) struct Lock(PathBuf);

impl Lock {
    /// Takes the lock, retrying for up to `wait` while another writer holds it (appends to
    /// a shared log are short).
    pub(crate) fn wait(path: &Path, wait: std::time::Duration) -> crate::Result<Self> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            match Self::take(path) {
                Err(error)
                    if error.kind == crate::ErrorKind::Io
                        && with_suffix(path, ".lock").exists()
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                result => return result,
            }
        }
    }

    fn take(path: &Path) -> crate::Result<Self> {
        let lock = with_suffix(path, ".lock");
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => Ok(Lock(lock)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(crate::Error::new(
                    crate::ErrorKind::Io,
                    format!("{} is being written by another program", path.display()),
                )
                .with_hint(format!(
                    "wait for it (kubectl holds this lock while it writes) and try again; if nothing is writing, delete {}",
                    lock.display()
                )))
            }
            Err(e) => Err(crate::Error::io("lock", path, &e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Nothing useful to do if this fails: the next writer reports the stale lock.
        let _ = std::fs::remove_file(&self.0);
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
fn owner_only(path: &Path) -> crate::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| crate::Error::io("set permissions of", path, &e))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> crate::Result<()> {
    // Elsewhere the file inherits the user profile directory's ACL, which is owner-only.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_keeps_a_backup_and_releases_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        write(&file, b"one").unwrap();
        assert!(!dir.path().join("config.bak").exists());
        write(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.path().join("config.bak")).unwrap(),
            b"one"
        );
        assert!(!dir.path().join("config.lock").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(".ks-onboard-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested").join("store.yaml");
        write(&file, b"x").unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_held_lock_refuses_the_write_and_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, "kubectl's").unwrap();
        std::fs::write(dir.path().join("config.lock"), "").unwrap();
        let error = write(&file, b"ours").unwrap_err();
        assert!(error.message.contains("being written by another program"));
        assert!(error.hint.unwrap().contains("config.lock"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "kubectl's");
        assert!(
            dir.path().join("config.lock").exists(),
            "someone else's lock is theirs"
        );
    }
}
