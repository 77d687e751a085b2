//! `kubectl config view` on a merged config: minify, flatten, and the redaction kubectl applies
//! unless `--raw` is given.

use super::load::Merged;
use super::model::Config;
use base64::Engine;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, Default)]
pub struct ViewOptions {
    /// Show secrets (kubectl `--raw`); otherwise `*-data` reads DATA+OMITTED and tokens and
    /// passwords REDACTED, as kubectl prints them.
    pub raw: bool,
    /// Embed certificate-authority, client-certificate and client-key files as `*-data`.
    pub flatten: bool,
    /// Keep only the current context and the cluster and user it names.
    pub minify: bool,
}

const DATA_OMITTED: &str = "DATA+OMITTED";
const REDACTED: &str = "REDACTED";

/// Takes the merged config by value: copying a 300 MB config only to print it would double
/// the memory a large file needs.
pub fn view(merged: Merged, options: ViewOptions) -> crate::Result<Config> {
    let Merged {
        mut config,
        cluster_files,
        user_files,
    } = merged;
    if options.minify {
        minify(&mut config)?;
    }
    if options.flatten {
        flatten(&mut config, &cluster_files, &user_files)?;
    }
    if !options.raw {
        redact(&mut config);
    }
    Ok(config)
}

fn minify(config: &mut Config) -> crate::Result<()> {
    if config.current_context.is_empty() {
        return Err(crate::Error::invalid_input(
            "current-context must be set to minify the config",
        )
        .with_hint("pass --context NAME or set current-context"));
    }
    let context = config
        .contexts
        .iter()
        .flatten()
        .find(|c| c.name == config.current_context)
        .cloned()
        .ok_or_else(|| {
            crate::Error::not_found(format!(
                "context \"{}\" is not in any kubeconfig file",
                config.current_context
            ))
            .with_hint("list the contexts with `kubeconfig get-contexts`")
        })?;
    // As client-go's MinifyConfig: a named cluster or user must exist; an empty name is fine.
    let (cluster, user) = (&context.value.cluster, &context.value.auth_info);
    let cluster_exists = config.clusters.iter().flatten().any(|c| &c.name == cluster);
    if !cluster.is_empty() && !cluster_exists {
        return Err(missing("cluster", cluster));
    }
    let user_exists = config.auth_infos.iter().flatten().any(|u| &u.name == user);
    if !user.is_empty() && !user_exists {
        return Err(missing("user", user));
    }
    config.clusters = keep(config.clusters.take(), |c| &c.name == cluster);
    config.auth_infos = keep(config.auth_infos.take(), |u| &u.name == user);
    config.contexts = Some(vec![context]);
    Ok(())
}

fn missing(kind: &str, name: &str) -> crate::Error {
    crate::Error::not_found(format!(
        "the current context names the {kind} \"{name}\", which is not in any kubeconfig file"
    ))
    .with_hint(format!("add the {kind} or fix the context"))
}

fn keep<T>(list: Option<Vec<T>>, wanted: impl Fn(&T) -> bool) -> Option<Vec<T>> {
    let kept: Vec<T> = list.into_iter().flatten().filter(|e| wanted(e)).collect();
    (!kept.is_empty()).then_some(kept)
}

fn flatten(
    config: &mut Config,
    cluster_files: &BTreeMap<String, PathBuf>,
    user_files: &BTreeMap<String, PathBuf>,
) -> crate::Result<()> {
    for cluster in config.clusters.iter_mut().flatten() {
        let base = cluster_files.get(&cluster.name);
        embed(
            &mut cluster.value.certificate_authority,
            &mut cluster.value.certificate_authority_data,
            base,
        )?;
    }
    for user in config.auth_infos.iter_mut().flatten() {
        let base = user_files.get(&user.name);
        let value = &mut user.value;
        embed(
            &mut value.client_certificate,
            &mut value.client_certificate_data,
            base,
        )?;
        embed(&mut value.client_key, &mut value.client_key_data, base)?;
    }
    Ok(())
}

/// Reads `path` (relative to the directory of `origin`) into `data` as base64, clearing `path`.
fn embed(path: &mut String, data: &mut String, origin: Option<&PathBuf>) -> crate::Result<()> {
    if path.is_empty() {
        return Ok(());
    }
    *data = read_as_base64(path, origin)?;
    path.clear();
    Ok(())
}

/// The contents of a file a kubeconfig names (`path` relative to the directory of `origin`),
/// base64-encoded as the `*-data` fields hold them.
pub fn read_as_base64(path: &str, origin: Option<&PathBuf>) -> crate::Result<String> {
    let file = resolve(Path::new(path), origin);
    let bytes = std::fs::read(&file).map_err(|e| crate::Error::io("read", &file, &e))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A path from a kubeconfig, resolved against the directory of the file that names it.
pub fn resolve(path: &Path, origin: Option<&PathBuf>) -> PathBuf {
    match origin.and_then(|file| file.parent()) {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    }
}

fn redact(config: &mut Config) {
    let omit = |field: &mut String| {
        if !field.is_empty() {
            *field = DATA_OMITTED.into();
        }
    };
    let hide = |field: &mut String| {
        if !field.is_empty() {
            *field = REDACTED.into();
        }
    };
    for cluster in config.clusters.iter_mut().flatten() {
        omit(&mut cluster.value.certificate_authority_data);
    }
    for user in config.auth_infos.iter_mut().flatten() {
        omit(&mut user.value.client_certificate_data);
        omit(&mut user.value.client_key_data);
        hide(&mut user.value.token);
        hide(&mut user.value.password);
    }
}
