//! Which kubeconfig files a command reads, with kubectl's precedence: an explicit
//! `--kubeconfig` file, else every element of `KUBECONFIG` (split on the OS path-list
//! separator, empty elements skipped, first occurrence of a repeated path kept), else
//! `~/.kube/config`. Missing files in `KUBECONFIG` are skipped by kubectl; an explicit file
//! that is missing is an error.

use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// Named with `--kubeconfig`.
    Flag,
    /// An element of the `KUBECONFIG` environment variable.
    Env,
    /// `~/.kube/config`, used when neither of the above is set.
    Default,
    /// The app's own store of imported contexts, read before the user's files.
    Store,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Flag => "--kubeconfig",
            Origin::Env => "KUBECONFIG",
            Origin::Default => "default",
            Origin::Store => "imported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub path: PathBuf,
    pub origin: Origin,
    /// Whether the file exists now; kubectl silently skips missing `KUBECONFIG` entries.
    pub exists: bool,
}

/// Resolves the files to read. `env_kubeconfig` is the value of `KUBECONFIG`, `home` the
/// user's home directory; both are parameters so the rules can be tested without touching
/// the process environment.
pub fn resolve(
    explicit: Option<&Path>,
    env_kubeconfig: Option<&std::ffi::OsStr>,
    home: Option<&Path>,
) -> crate::Result<Vec<Source>> {
    if let Some(path) = explicit {
        if !path.exists() {
            return Err(crate::Error::not_found(format!(
                "kubeconfig file {} does not exist",
                path.display()
            ))
            .with_hint("check the path given to --kubeconfig"));
        }
        return Ok(vec![source(path.to_path_buf(), Origin::Flag)]);
    }
    if let Some(list) = env_kubeconfig.filter(|value| !value.is_empty()) {
        let mut seen = Vec::new();
        for path in std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()) {
            if !seen.contains(&path) {
                seen.push(path);
            }
        }
        return Ok(seen.into_iter().map(|p| source(p, Origin::Env)).collect());
    }
    let home = home.ok_or_else(|| {
        crate::Error::not_found("no kubeconfig given and the home directory is unknown")
            .with_hint("pass --kubeconfig FILE or set KUBECONFIG")
    })?;
    Ok(vec![source(
        home.join(".kube").join("config"),
        Origin::Default,
    )])
}

fn source(path: PathBuf, origin: Origin) -> Source {
    let exists = path.is_file();
    Source {
        path,
        origin,
        exists,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env_list(paths: &[&Path]) -> OsString {
        std::env::join_paths(paths).unwrap()
    }

    #[test]
    fn explicit_file_wins_over_env_and_default() {
        let dir = std::env::temp_dir().join(format!("ks-onboard-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("flag.yaml");
        std::fs::write(&file, "apiVersion: v1\nkind: Config\n").unwrap();
        let env = env_list(&[Path::new("/nonexistent/a")]);
        let got = resolve(Some(&file), Some(&env), Some(Path::new("/home/x"))).unwrap();
        assert_eq!(
            got,
            vec![Source {
                path: file.clone(),
                origin: Origin::Flag,
                exists: true
            }]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_explicit_file_is_an_error_naming_it() {
        let err = resolve(Some(Path::new("/nonexistent/kc")), None, None).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::NotFound);
        assert!(err.message.contains("/nonexistent/kc"));
    }

    #[test]
    fn env_list_skips_empty_elements_and_repeats_in_order() {
        let raw = format!(
            "/b{sep}{sep}/a{sep}/b",
            sep = if cfg!(windows) { ';' } else { ':' }
        );
        let got = resolve(None, Some(OsString::from(raw).as_os_str()), None).unwrap();
        let paths: Vec<_> = got.iter().map(|s| s.path.clone()).collect();
        assert_eq!(paths, vec![PathBuf::from("/b"), PathBuf::from("/a")]);
        assert!(got.iter().all(|s| s.origin == Origin::Env && !s.exists));
    }

    #[test]
    fn empty_env_falls_back_to_home_default() {
        let got = resolve(
            None,
            Some(OsString::new().as_os_str()),
            Some(Path::new("/home/u")),
        )
        .unwrap();
        assert_eq!(got[0].path, PathBuf::from("/home/u/.kube/config"));
        assert_eq!(got[0].origin, Origin::Default);
    }

    #[test]
    fn no_home_and_nothing_set_says_what_to_pass() {
        let err = resolve(None, None, None).unwrap_err();
        assert!(err.hint.unwrap().contains("--kubeconfig"));
    }
}
