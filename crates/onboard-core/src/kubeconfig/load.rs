//! Loading and merging kubeconfig files the way kubectl does (client-go's loading rules):
//! files in order, the first file to name a cluster, user or context wins that entry whole,
//! `current-context` comes from the first file that sets one, missing files are skipped, and
//! one file that cannot be read or parsed fails the whole load, naming the file, line and column.

use super::model::{Config, Named};
use super::sources::Source;
use super::yaml11;
use base64::Engine;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The merged view of several files, with where each entry came from (relative paths in an
/// entry are relative to the directory of its own file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    pub config: Config,
    pub cluster_files: BTreeMap<String, PathBuf>,
    pub user_files: BTreeMap<String, PathBuf>,
}

/// The largest kubeconfig we read. 50,000 contexts with their own certificates and keys take
/// about 300 MB; kube-rs' loader stops near 8,000 contexts, and we set our own, generous limit.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

pub fn load(sources: &[Source]) -> crate::Result<Merged> {
    let mut files = Vec::new();
    for source in sources {
        if source.path.is_dir() {
            return Err(crate::Error::invalid_input(format!(
                "kubeconfig {} is a directory, not a file",
                source.path.display()
            ))
            .with_hint("name the kubeconfig file itself, e.g. ~/.kube/config"));
        }
        if !source.exists {
            continue;
        }
        // Checked before reading, so an oversized file costs no memory.
        if let Ok(metadata) = std::fs::metadata(&source.path) {
            check_size(metadata.len(), &source.path)?;
        }
        let text = std::fs::read_to_string(&source.path)
            .map_err(|e| crate::Error::io("read kubeconfig", &source.path, &e))?;
        files.push((source.path.clone(), parse(&text, &source.path)?));
    }
    Ok(merge(files))
}

/// Parses one file: YAML (1.1, as kubectl reads it) or JSON, a byte-order mark and CRLF line
/// ends allowed, only the first document read. Errors name the file and where in it.
pub fn parse(text: &str, path: &Path) -> crate::Result<Config> {
    let config = match document(text, path)? {
        Some(node) if !node.is_null() => serde_path_to_error::deserialize(node).map_err(|e| {
            let what = describe(e.inner());
            invalid(path, format!("has a wrong value at {}: {what}", e.path()))
        })?,
        _ => Config::default(),
    };
    check(&config, path)?;
    Ok(with_exec_defaults(config))
}

/// The file as plain JSON values, every field kept, including those our model does not know
/// (the app's store rewrites files this way). Call [`parse`] first to apply kubectl's checks.
pub fn parse_raw(text: &str, path: &Path) -> crate::Result<serde_json::Value> {
    match document(text, path)? {
        Some(node) => serde::Deserialize::deserialize(node)
            .map_err(|e| invalid(path, format!("could not be read as data: {e}"))),
        None => Ok(serde_json::Value::Null),
    }
}

fn document<'a>(text: &'a str, path: &Path) -> crate::Result<Option<yaml11::Node<'a>>> {
    check_size(text.len() as u64, path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml11::parse_first_document(text).map_err(|e| {
        invalid(
            path,
            format!(
                "is not valid YAML at line {}, column {}: {}",
                e.line, e.column, e.message
            ),
        )
    })
}

fn check_size(bytes: u64, path: &Path) -> crate::Result<()> {
    if bytes <= MAX_FILE_BYTES {
        return Ok(());
    }
    Err(crate::Error::invalid_input(format!(
        "kubeconfig {} is {} MiB, more than the {} MiB we read",
        path.display(),
        bytes >> 20,
        MAX_FILE_BYTES >> 20
    ))
    .with_hint("split it into several files and list them in KUBECONFIG"))
}

/// client-go defaults `interactiveMode` to IfAvailable for the beta and alpha exec APIs.
fn with_exec_defaults(mut config: Config) -> Config {
    let execs = config
        .auth_infos
        .iter_mut()
        .flatten()
        .filter_map(|u| u.value.exec.as_mut());
    for exec in execs {
        let older_api = matches!(
            exec.api_version.as_str(),
            "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1"
        );
        if exec.interactive_mode.is_empty() && older_api {
            exec.interactive_mode = "IfAvailable".into();
        }
    }
    config
}

fn invalid(path: &Path, what: String) -> crate::Error {
    crate::Error::invalid_input(format!("kubeconfig {} {what}", path.display())).with_hint(
        "fix the file (indent with spaces, quote values such as \"yes\" or \"on\") or leave it out of KUBECONFIG",
    )
}

/// serde's message without the offending value, which may be a secret put in the wrong place:
/// `invalid type: string "s3cr3t", expected a sequence` becomes `invalid type: string, expected a sequence`.
fn describe(error: &yaml11::DeError) -> String {
    let text = error.to_string();
    match (text.find(" \""), text.rfind("\",")) {
        (Some(open), Some(close)) if close > open => {
            format!("{}{}", &text[..open], &text[close + 1..])
        }
        _ => text,
    }
}

/// What kubectl rejects after parsing: a name twice in one list, base64 that is not base64.
fn check(config: &Config, path: &Path) -> crate::Result<()> {
    duplicates(config.clusters.as_deref(), "cluster", path)?;
    duplicates(config.auth_infos.as_deref(), "user", path)?;
    duplicates(config.contexts.as_deref(), "context", path)?;
    let data_fields = config
        .clusters
        .iter()
        .flatten()
        .map(|c| {
            (
                "certificate-authority-data",
                &c.name,
                &c.value.certificate_authority_data,
            )
        })
        .chain(config.auth_infos.iter().flatten().flat_map(|u| {
            [
                (
                    "client-certificate-data",
                    &u.name,
                    &u.value.client_certificate_data,
                ),
                ("client-key-data", &u.name, &u.value.client_key_data),
            ]
        }));
    // One buffer for all decodes: a 50,000-context file has 150,000 of them.
    let mut decoded = Vec::new();
    for (field, name, data) in data_fields {
        decoded.clear();
        if base64::engine::general_purpose::STANDARD
            .decode_vec(data, &mut decoded)
            .is_err()
        {
            return Err(crate::Error::invalid_input(format!(
                "kubeconfig {}: {field} of \"{name}\" is not valid base64",
                path.display()
            ))
            .with_hint(
                "paste the value again from its source, or use the file path field instead",
            ));
        }
    }
    Ok(())
}

fn duplicates<T>(list: Option<&[Named<T>]>, kind: &str, path: &Path) -> crate::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for entry in list.unwrap_or_default() {
        if !seen.insert(entry.name.as_str()) {
            return Err(crate::Error::invalid_input(format!(
                "kubeconfig {} names the {kind} \"{}\" twice",
                path.display(),
                entry.name
            ))
            .with_hint(format!("rename or remove one of the two {kind} entries")));
        }
    }
    Ok(())
}

pub(crate) fn merge(files: Vec<(PathBuf, Config)>) -> Merged {
    let mut merged = Merged::default();
    let mut clusters = BTreeMap::new();
    let mut users = BTreeMap::new();
    let mut contexts = BTreeMap::new();
    for (path, config) in files {
        let first = &mut merged.config;
        if first.current_context.is_empty() {
            first.current_context = config.current_context;
        }
        if first.preferences == Default::default() {
            first.preferences = config.preferences;
        }
        if first.extensions.is_none() {
            first.extensions = config.extensions;
        }
        for entry in config.clusters.into_iter().flatten() {
            if let Entry::Vacant(slot) = clusters.entry(entry.name) {
                merged
                    .cluster_files
                    .insert(slot.key().clone(), path.clone());
                slot.insert(entry.value);
            }
        }
        for entry in config.auth_infos.into_iter().flatten() {
            if let Entry::Vacant(slot) = users.entry(entry.name) {
                merged.user_files.insert(slot.key().clone(), path.clone());
                slot.insert(entry.value);
            }
        }
        for entry in config.contexts.into_iter().flatten() {
            contexts.entry(entry.name).or_insert(entry.value);
        }
    }
    // kubectl keeps entries in maps and prints them sorted by name, byte-wise.
    merged.config.clusters = named_list(clusters);
    merged.config.auth_infos = named_list(users);
    merged.config.contexts = named_list(contexts);
    merged.config.kind = "Config".into();
    merged.config.api_version = "v1".into();
    merged
}

fn named_list<T>(map: BTreeMap<String, T>) -> Option<Vec<Named<T>>> {
    (!map.is_empty()).then(|| {
        map.into_iter()
            .map(|(name, value)| Named { name, value })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_in_the_wrong_place_is_not_quoted_back() {
        let text =
            "users:\n- name: u\n  user:\n    exec:\n      command: x\n      args: s3cr3t-value\n";
        let error = parse(text, Path::new("/tmp/k.yaml")).unwrap_err();
        assert!(
            error.message.contains("at users[0].user.exec.args: "),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("expected a sequence"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("s3cr3t"), "{}", error.message);
    }

    #[test]
    fn yaml_1_1_boolean_where_a_name_belongs_is_an_error_like_kubectl() {
        let error = parse("contexts:\n- name: on\n", Path::new("k.yaml")).unwrap_err();
        assert!(
            error
                .message
                .contains("at contexts[0].name: must be a string, not a boolean"),
            "{}",
            error.message
        );
    }

    #[test]
    fn first_file_wins_each_entry_whole_and_remembers_its_origin() {
        let first = parse(
            "clusters:\n- name: c\n  cluster: {server: https://a}\n",
            Path::new("a"),
        )
        .unwrap();
        let second = parse(
            "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://b, tls-server-name: t}\n- name: d\n  cluster: {server: https://d}\n",
            Path::new("b"),
        )
        .unwrap();
        let merged = merge(vec![("a".into(), first), ("b".into(), second)]);
        let clusters = merged.config.clusters.unwrap();
        assert_eq!(clusters[0].value.server, "https://a");
        assert_eq!(clusters[0].value.tls_server_name, "");
        assert_eq!(merged.cluster_files["c"], PathBuf::from("a"));
        assert_eq!(merged.cluster_files["d"], PathBuf::from("b"));
        assert_eq!(merged.config.current_context, "x");
    }

    #[test]
    fn a_file_over_the_size_limit_fails_before_it_is_read() {
        let path =
            std::env::temp_dir().join(format!("ks-onboard-huge-{}.yaml", std::process::id()));
        // Sparse: as large as the limit plus one byte on paper, no memory or disk used.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let source = Source {
            path: path.clone(),
            origin: super::super::sources::Origin::Flag,
            exists: true,
        };
        let error = load(&[source]).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(error.kind, crate::ErrorKind::InvalidInput);
        assert!(
            error
                .message
                .contains("is 512 MiB, more than the 512 MiB we read"),
            "{}",
            error.message
        );
        assert!(error.hint.unwrap().contains("split it"));
    }

    #[test]
    fn a_file_at_the_size_limit_is_read() {
        assert!(check_size(MAX_FILE_BYTES, Path::new("k")).is_ok());
    }
}
