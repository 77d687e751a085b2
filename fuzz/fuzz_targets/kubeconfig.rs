//! The kubeconfig loader and merger (`kubeconfig::load`), as `KUBECONFIG=a:b:c` reads it.
//!
//! Input: up to three files separated by NUL bytes; an empty part is a file that does not
//! exist (kubectl skips it). Invariants:
//! - a file either parses or fails with a message naming the file (and, for a syntax error,
//!   its line and column);
//! - loading all of them fails exactly when one file fails, with that file's error;
//! - otherwise each cluster, user and context comes whole from the first file naming it,
//!   `current-context` from the first file that sets one, names sorted byte-wise;
//! - the merged config, written out as YAML and as JSON, loads back to the same config.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::model::{Config, Named};
use onboard_core::kubeconfig::sources::{Origin, Source};
use onboard_core::kubeconfig::yaml11;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FILES: usize = 3;

fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ks-onboard-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.splitn(FILES, |b| *b == 0).collect();
    let mut sources = Vec::new();
    // What each existing file gives on its own.
    let mut alone: Vec<(PathBuf, onboard_core::Result<Config>)> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let path = dir().join(format!("k{i}.yaml"));
        let exists = !part.is_empty();
        if exists {
            std::fs::write(&path, part).unwrap();
            let parsed = match std::str::from_utf8(part) {
                Ok(text) => load::parse(text, &path),
                // The loader reads text: it fails naming the file, as for any read error.
                Err(_) => Err(onboard_core::Error::invalid_input(format!(
                    "could not read kubeconfig {}: not UTF-8",
                    path.display()
                ))),
            };
            if let Err(error) = &parsed {
                let shown = path.display().to_string();
                assert!(
                    error.message.contains(&shown),
                    "the error does not name the file: {}",
                    error.message
                );
                if error.message.contains("is not valid YAML") {
                    assert!(
                        error.message.contains(" at line ") && error.message.contains("column"),
                        "a syntax error without line and column: {}",
                        error.message
                    );
                }
            }
            alone.push((path.clone(), parsed));
        } else {
            let _ = std::fs::remove_file(&path);
        }
        sources.push(Source {
            path,
            origin: Origin::Env,
            exists,
        });
    }

    let loaded = load::load(&sources);
    let first_failure = alone.iter().find(|(_, parsed)| parsed.is_err());
    let merged = match (loaded, first_failure) {
        (Err(error), Some((path, _))) => {
            assert!(
                error.message.contains(&path.display().to_string()),
                "the load failed naming another file than the first bad one: {}",
                error.message
            );
            return;
        }
        (Err(error), None) => panic!("every file parses alone, yet the load fails: {error:?}"),
        (Ok(_), Some((path, parsed))) => {
            panic!(
                "{} fails alone ({parsed:?}) yet the load works",
                path.display()
            )
        }
        (Ok(merged), None) => merged,
    };
    let configs: Vec<(PathBuf, Config)> = alone
        .into_iter()
        .map(|(path, parsed)| (path, parsed.unwrap()))
        .collect();
    check_merge(&merged, &configs);
    round_trip(&merged.config);
});

fn check_merge(merged: &Merged, configs: &[(PathBuf, Config)]) {
    let expected_current = configs
        .iter()
        .map(|(_, c)| c.current_context.as_str())
        .find(|c| !c.is_empty())
        .unwrap_or_default();
    assert_eq!(merged.config.current_context, expected_current);
    first_wins(
        merged.config.contexts.as_deref(),
        configs,
        |c| c.contexts.as_deref(),
        None,
    );
    first_wins(
        merged.config.clusters.as_deref(),
        configs,
        |c| c.clusters.as_deref(),
        Some(&merged.cluster_files),
    );
    first_wins(
        merged.config.auth_infos.as_deref(),
        configs,
        |c| c.auth_infos.as_deref(),
        Some(&merged.user_files),
    );
}

/// Every merged entry is the first file's entry of that name, whole; every name of every file
/// is there once; names are sorted byte-wise; the origin recorded is that first file.
fn first_wins<T: PartialEq + std::fmt::Debug>(
    merged: Option<&[Named<T>]>,
    configs: &[(PathBuf, Config)],
    list: impl Fn(&Config) -> Option<&[Named<T>]>,
    origins: Option<&std::collections::BTreeMap<String, PathBuf>>,
) {
    let merged = merged.unwrap_or_default();
    assert!(
        merged.windows(2).all(|w| w[0].name < w[1].name),
        "names not sorted or repeated"
    );
    let mut names = std::collections::BTreeSet::new();
    for (_, config) in configs {
        names.extend(list(config).unwrap_or_default().iter().map(|e| &e.name));
    }
    assert_eq!(merged.len(), names.len());
    for entry in merged {
        let (path, first) = configs
            .iter()
            .find_map(|(path, c)| {
                list(c)
                    .unwrap_or_default()
                    .iter()
                    .find(|e| e.name == entry.name)
                    .map(|e| (path, e))
            })
            .expect("a merged entry no file has");
        assert_eq!(
            &entry.value, &first.value,
            "{} is not the first file's",
            entry.name
        );
        if let Some(origins) = origins {
            assert_eq!(origins.get(&entry.name), Some(path));
        }
    }
}

/// The merged config, written as the app writes kubeconfigs (`yaml11::to_string`, the store)
/// and as JSON (`view -o json`), loads back unchanged.
fn round_trip(config: &Config) {
    let path = Path::new("round-trip.yaml");
    let yaml = yaml11::to_string(config).unwrap();
    match load::parse(&yaml, path) {
        Ok(again) => assert_eq!(
            &again, config,
            "YAML round trip changed the config:\n{yaml}"
        ),
        Err(error) => panic!("the written YAML does not load: {}\n{yaml}", error.message),
    }
    let json = serde_json::to_string(config).unwrap();
    match load::parse(&json, path) {
        Ok(again) => assert_eq!(
            &again, config,
            "JSON round trip changed the config:\n{json}"
        ),
        Err(error) => panic!("the written JSON does not load: {}\n{json}", error.message),
    }
}
