//! The `PATH` exec plugins are looked up in.
//!
//! A desktop app started from a launcher gets the session's minimal environment, not the
//! `PATH` the user's login shell builds (`~/.profile`, `~/.zshrc`, Homebrew, asdf, gcloud's
//! `path.bash.inc`…), so `aws`, `gke-gcloud-auth-plugin` or `kubelogin` that work in a
//! terminal are "not found" in the app. We ask the login shell for its `PATH` once, with a
//! timeout, and fall back to the process's own `PATH` when that fails.

use serde::Serialize;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Printed before the value so that whatever a profile script prints (a motd, a greeting)
/// can be told apart from the `PATH` itself.
const MARKER: &str = "__KS_ONBOARD_PATH__=";

/// How long a login shell may take; slow profiles (nvm, conda) take a second or two.
pub const LOGIN_SHELL_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a search path came from, for messages ("searched the login shell's PATH: …").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum PathSource {
    /// The login shell printed it.
    LoginShell,
    /// The login shell failed or was too slow: this process's own `PATH`.
    Process,
    /// Given explicitly (tests, or a front end that knows better).
    Explicit,
}

/// A `PATH` value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    pub value: OsString,
    pub source: PathSource,
}

impl SearchPath {
    pub fn explicit(value: impl Into<OsString>) -> Self {
        Self {
            value: value.into(),
            source: PathSource::Explicit,
        }
    }

    /// The process's own `PATH` (empty when unset).
    pub fn process() -> Self {
        Self {
            value: std::env::var_os("PATH").unwrap_or_default(),
            source: PathSource::Process,
        }
    }

    /// The login shell's `PATH`, resolved on first use and kept for the life of the process.
    pub fn login() -> &'static SearchPath {
        static LOGIN: OnceLock<SearchPath> = OnceLock::new();
        LOGIN.get_or_init(|| {
            let shell = std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/bin/sh"));
            resolve_login(&shell, LOGIN_SHELL_TIMEOUT)
        })
    }

    /// The first executable file named `command` in this path. A command with a path
    /// separator is not searched for (as execvp does): it is returned if it is executable.
    pub fn find(&self, command: &str) -> Option<PathBuf> {
        if command.is_empty() {
            return None;
        }
        if Path::new(command).components().count() > 1 {
            let path = PathBuf::from(command);
            return is_executable(&path).then_some(path);
        }
        std::env::split_paths(&self.value)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join(command))
            .find(|candidate| is_executable(candidate))
    }

    /// For messages: the value, lossy, and its origin.
    pub fn describe(&self) -> String {
        let origin = match self.source {
            PathSource::LoginShell => "the login shell's PATH",
            PathSource::Process => "this program's PATH",
            PathSource::Explicit => "PATH",
        };
        format!("{origin} {}", self.value.to_string_lossy())
    }
}

/// Runs `shell -l -i -c` to print its `PATH`; this process's `PATH` if the shell cannot be
/// started, fails, prints no marker, or takes longer than `timeout` (it is then killed).
/// `-i` as well as `-l` because many users set `PATH` in `~/.bashrc` / `~/.zshrc`.
pub fn resolve_login(shell: &Path, timeout: Duration) -> SearchPath {
    match run_shell(shell, timeout) {
        Some(value) if !value.is_empty() => SearchPath {
            value,
            source: PathSource::LoginShell,
        },
        _ => SearchPath::process(),
    }
}

fn run_shell(shell: &Path, timeout: Duration) -> Option<OsString> {
    let script = format!("printf '\\n{MARKER}%s\\n' \"$PATH\"");
    let mut child = Command::new(shell)
        .args(["-l", "-i", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Read on a thread: a chatty profile could fill the pipe and never exit otherwise.
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                // Too slow or not waitable: give up on it. The reader ends when the pipe closes.
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?.ok()?;
    if !status.success() {
        return None;
    }
    parse_marked(&String::from_utf8_lossy(&out))
}

/// The value after the last marker, up to the end of its line.
fn parse_marked(output: &str) -> Option<OsString> {
    let start = output.rfind(MARKER)? + MARKER.len();
    let value = output[start..].lines().next().unwrap_or_default();
    Some(OsString::from(value.trim_end_matches('\r')))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_login_shell_that_greets_still_gives_its_path() {
        let dir = tempfile::tempdir().unwrap();
        // A fake shell: greets like a motd, sets PATH as a profile would, drops `-l -i -c`
        // and runs the script it was given with sh.
        let shell = script(
            dir.path(),
            "greeting-shell",
            "echo 'Welcome! PATH is great'\nPATH=/opt/tools/bin:/usr/bin\nexport PATH\nshift 3\nexec /bin/sh -c \"$1\"",
        );
        let found = resolve_login(&shell, Duration::from_secs(5));
        assert_eq!(found.source, PathSource::LoginShell);
        assert_eq!(found.value, OsString::from("/opt/tools/bin:/usr/bin"));
    }

    #[test]
    fn a_real_bash_login_shell_answers() {
        let found = resolve_login(Path::new("/bin/bash"), Duration::from_secs(10));
        assert_eq!(found.source, PathSource::LoginShell);
        assert!(
            std::env::split_paths(&found.value)
                .any(|d| d == Path::new("/usr/bin") || d == Path::new("/bin")),
            "{found:?}"
        );
    }

    #[test]
    fn a_slow_or_failing_or_missing_shell_falls_back_to_the_process_path() {
        let dir = tempfile::tempdir().unwrap();
        let slow = script(dir.path(), "slow-shell", "sleep 30");
        let started = Instant::now();
        assert_eq!(
            resolve_login(&slow, Duration::from_millis(300)),
            SearchPath::process()
        );
        assert!(started.elapsed() < Duration::from_secs(5), "killed on time");
        let failing = script(dir.path(), "failing-shell", "exit 3");
        assert_eq!(
            resolve_login(&failing, Duration::from_secs(5)),
            SearchPath::process()
        );
        assert_eq!(
            resolve_login(Path::new("/nonexistent/shell"), Duration::from_secs(5)),
            SearchPath::process()
        );
    }

    #[test]
    fn find_takes_the_first_executable_and_skips_plain_files() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        std::fs::write(first.path().join("plugin"), "not executable").unwrap();
        let wanted = script(second.path(), "plugin", "true");
        let path =
            SearchPath::explicit(std::env::join_paths([first.path(), second.path()]).unwrap());
        assert_eq!(path.find("plugin"), Some(wanted.clone()));
        assert_eq!(path.find("missing"), None);
        assert_eq!(path.find(""), None);
        // With a separator the command is taken as a path, not searched for.
        assert_eq!(
            SearchPath::explicit("").find(wanted.to_str().unwrap()),
            Some(wanted)
        );
    }
}
