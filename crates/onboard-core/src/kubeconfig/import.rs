//! Bringing contexts into the app's store: first a preview of what was found (nothing saved,
//! no cluster contacted), then the import of the contexts the user picked, under the names
//! they chose, with credentials moved to the vault.
//!
//! Each picked file is read on its own, so two kubeadm kubeconfigs that both call their
//! context `kubernetes-admin@kubernetes` both show up (kubectl would keep only the first);
//! the preview suggests a free name for the second. The default locations are read together,
//! merged the way kubectl merges them. Files the stored contexts name (CA, certificate, key)
//! are embedded, so the store keeps working when they move; `tokenFile` stays a path,
//! made absolute, because such tokens are rotated in place.

use super::load::{self, Merged};
use super::model::Config;
use super::secrets;
use super::sources::Source;
use super::store::{NewContext, Store};
use super::summary::{self, AuthKind, ContextSummary};
use super::view;
use crate::vault::SecretStore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where to import from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ImportSource {
    /// Files the user picked or dropped, each read on its own.
    Files { paths: Vec<PathBuf> },
    /// YAML or JSON pasted by the user. Relative file paths in it cannot be resolved.
    Text { text: String },
    /// `KUBECONFIG`, else `~/.kube/config`, merged as kubectl merges them.
    DefaultLocations,
}

/// What one file (or the pasted text, or the default locations) holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FoundGroup {
    /// The file's path, "pasted text", or the default files joined.
    pub label: String,
    /// Why nothing could be read from it; the other groups are still offered.
    pub error: Option<crate::Error>,
    pub contexts: Vec<Candidate>,
}

/// A context that could be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// Name, server, user, auth kind, namespace… as the context list shows them.
    #[serde(flatten)]
    pub context: ContextSummary,
    /// The name is already used, and where.
    pub conflict: Option<Conflict>,
    /// A free name to import it under (the name itself when there is no conflict).
    pub suggested_name: String,
    /// Why this context cannot be imported as it is (e.g. its cluster is missing).
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Conflict {
    /// Imported before: replace it or import under another name.
    Imported,
    /// One of the user's own kubeconfig files has a context of that name.
    InFiles,
    /// Another context of this import has the same name.
    InThisImport,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub groups: Vec<FoundGroup>,
}

/// One context to import: which group and context, under which name, and whether it may
/// replace an imported context of that name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportChoice {
    pub group: u32,
    pub context: String,
    pub save_as: String,
    #[serde(default)]
    pub replace: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    /// The names the contexts were saved under.
    pub imported: Vec<String>,
    /// How many credentials went into the OS keyring.
    pub secrets_saved: u32,
}

/// The names already taken: the store's contexts, and those of the user's own files.
pub struct Taken {
    pub imported: BTreeSet<String>,
    pub in_files: BTreeSet<String>,
}

impl Taken {
    pub fn new(store: &Store, files: &Merged) -> crate::Result<Self> {
        let imported: BTreeSet<String> = store.context_names()?.into_iter().collect();
        let in_files = files
            .config
            .contexts
            .iter()
            .flatten()
            .map(|c| c.name.clone())
            .filter(|n| !imported.contains(n))
            .collect();
        Ok(Self { imported, in_files })
    }
}

/// Reads the source and says what it holds. Nothing is saved.
pub fn preview(source: &ImportSource, taken: &Taken) -> crate::Result<ImportPreview> {
    let mut used: BTreeSet<String> = taken.imported.union(&taken.in_files).cloned().collect();
    let mut seen = BTreeSet::new();
    let groups = read_groups(source)?
        .into_iter()
        .map(|group| match group.loaded {
            Err(error) => FoundGroup {
                label: group.label,
                error: Some(error),
                contexts: Vec::new(),
            },
            Ok(loaded) => FoundGroup {
                label: group.label,
                error: None,
                contexts: summary::summarize(&loaded.merged)
                    .contexts
                    .into_iter()
                    .map(|context| {
                        let name = &context.name;
                        let conflict = if !seen.insert(name.clone()) {
                            Some(Conflict::InThisImport)
                        } else if taken.imported.contains(name) {
                            Some(Conflict::Imported)
                        } else if taken.in_files.contains(name) {
                            Some(Conflict::InFiles)
                        } else {
                            None
                        };
                        let suggested_name = free_name(name, &used);
                        used.insert(suggested_name.clone());
                        Candidate {
                            problem: problem(&context),
                            context,
                            conflict,
                            suggested_name,
                        }
                    })
                    .collect(),
            },
        })
        .collect();
    Ok(ImportPreview { groups })
}

/// Imports the chosen contexts. Everything is checked before anything is saved; a failure
/// on the way leaves the store and the vault as they were.
pub fn import(
    source: &ImportSource,
    choices: &[ImportChoice],
    taken: &Taken,
    store: &Store,
    vault: &dyn SecretStore,
) -> crate::Result<ImportOutcome> {
    if choices.is_empty() {
        return Err(
            crate::Error::invalid_input("no context was chosen to import")
                .with_hint("tick at least one context in the preview"),
        );
    }
    check_names(choices, taken)?;
    let groups = read_groups(source)?;
    let mut prepared = Vec::new();
    for choice in choices {
        let group = groups.get(choice.group as usize).ok_or_else(|| {
            crate::Error::invalid_input(format!("the import has no group {}", choice.group))
                .with_hint("preview the files again and choose from the new preview")
        })?;
        let loaded = group.loaded.as_ref().map_err(Clone::clone)?;
        prepared.push(prepare(loaded, choice)?);
    }
    let mut new = Vec::new();
    let mut secrets_saved = 0;
    for (choice, mut entry) in choices.iter().zip(prepared) {
        match save_secrets(&mut entry.user, vault) {
            Ok(keys) => {
                secrets_saved += keys.len() as u32;
                new.push(NewContext {
                    name: choice.save_as.clone(),
                    context: entry.context,
                    cluster: entry.cluster,
                    user: entry.user,
                    vault_keys: keys,
                });
            }
            Err(error) => {
                let saved: Vec<String> = new.into_iter().flat_map(|c| c.vault_keys).collect();
                // Best effort: the failure that stopped the import is what the user needs.
                let _ = saved.iter().try_for_each(|key| vault.delete(key));
                return Err(error);
            }
        }
    }
    let replace: Vec<String> = choices
        .iter()
        .filter(|c| c.replace && taken.imported.contains(&c.save_as))
        .map(|c| c.save_as.clone())
        .collect();
    let imported = new.iter().map(|c| c.name.clone()).collect();
    store.add(new, &replace, vault)?;
    Ok(ImportOutcome {
        imported,
        secrets_saved,
    })
}

fn check_names(choices: &[ImportChoice], taken: &Taken) -> crate::Result<()> {
    let mut names = BTreeSet::new();
    for choice in choices {
        let name = choice.save_as.as_str();
        if name.trim().is_empty() || name.trim() != name {
            return Err(crate::Error::invalid_input(format!(
                "\"{name}\" cannot name a context: it is empty or starts or ends with a space"
            ))
            .with_hint("choose a name such as prod-host"));
        }
        if !names.insert(name) {
            return Err(crate::Error::invalid_input(format!(
                "two contexts would be imported as \"{name}\""
            ))
            .with_hint("give each imported context its own name"));
        }
        if taken.in_files.contains(name) {
            return Err(crate::Error::invalid_input(format!(
                "your kubeconfig files already have a context \"{name}\""
            ))
            .with_hint("import it under another name"));
        }
        if taken.imported.contains(name) && !choice.replace {
            return Err(crate::Error::invalid_input(format!(
                "a context \"{name}\" was imported before"
            ))
            .with_hint("choose to replace it, or import under another name"));
        }
    }
    Ok(())
}

/// `name`, or `name-2`, `name-3`… whichever is free first.
fn free_name(name: &str, used: &BTreeSet<String>) -> String {
    if !used.contains(name) {
        return name.to_owned();
    }
    (2..)
        .map(|n| format!("{name}-{n}"))
        .find(|candidate| !used.contains(candidate))
        .expect("an unbounded range has a free name")
}

/// A group's merged config, with the raw text of each file for the fields we do not model.
struct Loaded {
    merged: Merged,
    /// Each file's raw value; pasted text has the empty path, as in `merged`'s maps.
    raw: Vec<(PathBuf, Value)>,
}

struct Group {
    label: String,
    loaded: crate::Result<Loaded>,
}

const PASTED: &str = "pasted text";

fn read_groups(source: &ImportSource) -> crate::Result<Vec<Group>> {
    Ok(match source {
        ImportSource::Files { paths } => {
            if paths.is_empty() {
                return Err(crate::Error::invalid_input("no file was given to import")
                    .with_hint("pick or drop one or more kubeconfig files"));
            }
            paths
                .iter()
                .map(|path| Group {
                    label: path.display().to_string(),
                    loaded: load_files(&[file_source(path)]),
                })
                .collect()
        }
        ImportSource::Text { text } => vec![Group {
            label: PASTED.into(),
            loaded: load_text(text),
        }],
        ImportSource::DefaultLocations => {
            let sources = crate::app::Target::Kubeconfigs { paths: vec![] }.sources()?;
            let label = sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            vec![Group {
                label,
                loaded: load_files(&sources),
            }]
        }
    })
}

fn file_source(path: &Path) -> Source {
    Source {
        path: path.to_path_buf(),
        origin: super::sources::Origin::Flag,
        exists: true,
    }
}

fn load_files(sources: &[Source]) -> crate::Result<Loaded> {
    let merged = load::load(sources)?;
    let mut raw = Vec::new();
    for source in sources.iter().filter(|s| s.exists) {
        let text = std::fs::read_to_string(&source.path)
            .map_err(|e| crate::Error::io("read kubeconfig", &source.path, &e))?;
        raw.push((source.path.clone(), load::parse_raw(&text, &source.path)?));
    }
    Ok(Loaded { merged, raw })
}

fn load_text(text: &str) -> crate::Result<Loaded> {
    let path = Path::new(PASTED);
    let config: Config = load::parse(text, path)?;
    let merged = load::merge(vec![(PathBuf::new(), config)]);
    Ok(Loaded {
        merged,
        raw: vec![(PathBuf::new(), load::parse_raw(text, path)?)],
    })
}

/// Why a context cannot be imported: what it names is not in its file.
fn problem(context: &ContextSummary) -> Option<String> {
    if context.server.is_none() {
        Some(format!(
            "its cluster \"{}\" is not in the file",
            context.cluster
        ))
    } else if context.auth == AuthKind::MissingUser && !context.user.is_empty() {
        Some(format!("its user \"{}\" is not in the file", context.user))
    } else {
        None
    }
}

/// The raw entries of one context, made self-contained (files embedded, paths absolute).
struct Prepared {
    context: Map<String, Value>,
    cluster: Map<String, Value>,
    user: Map<String, Value>,
}

fn prepare(loaded: &Loaded, choice: &ImportChoice) -> crate::Result<Prepared> {
    let merged = &loaded.merged;
    let not_found = |what: String| {
        crate::Error::not_found(what)
            .with_hint("preview the files again and choose from the new preview")
    };
    let context =
        raw_entry(loaded, "contexts", "context", &choice.context, None).ok_or_else(|| {
            not_found(format!(
                "context \"{}\" is no longer in the file",
                choice.context
            ))
        })?;
    let name_of = |field: &str| {
        context
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (cluster_name, user_name) = (name_of("cluster"), name_of("user"));
    let (cluster_name, user_name) = (cluster_name.as_str(), user_name.as_str());
    let cluster_file = merged.cluster_files.get(cluster_name);
    let user_file = merged.user_files.get(user_name);
    let mut cluster = raw_entry(loaded, "clusters", "cluster", cluster_name, cluster_file)
        .ok_or_else(|| {
            not_found(format!(
                "context \"{}\" names the cluster \"{cluster_name}\", which is not in the file",
                choice.context
            ))
        })?;
    let mut user = if user_name.is_empty() {
        Map::new()
    } else {
        raw_entry(loaded, "users", "user", user_name, user_file).ok_or_else(|| {
            not_found(format!(
                "context \"{}\" names the user \"{user_name}\", which is not in the file",
                choice.context
            ))
        })?
    };
    embed(&mut cluster, "certificate-authority", cluster_file)?;
    embed(&mut user, "client-certificate", user_file)?;
    embed(&mut user, "client-key", user_file)?;
    if let Some(Value::String(path)) = user.get_mut("tokenFile") {
        *path = absolute(path, user_file)?;
    }
    let mut context = context;
    record_origin(&mut context, choice, cluster_name, user_name);
    Ok(Prepared {
        context,
        cluster,
        user,
    })
}

/// The raw mapping under `field` of the entry `name` in `list`, from the file that won it
/// when merging (`file`), or from the only one there is.
fn raw_entry(
    loaded: &Loaded,
    list: &str,
    field: &str,
    name: &str,
    file: Option<&PathBuf>,
) -> Option<Map<String, Value>> {
    loaded
        .raw
        .iter()
        .filter(|(path, _)| file.is_none_or(|file| file == path))
        .flat_map(|(_, doc)| doc[list].as_array().into_iter().flatten())
        .find(|entry| entry["name"] == name)
        .map(|entry| entry[field].as_object().cloned().unwrap_or_default())
}

/// Replaces a file path field (`certificate-authority`) by its contents (`…-data`), unless
/// the data is there already (client-go uses the data then).
fn embed(
    entry: &mut Map<String, Value>,
    field: &str,
    origin: Option<&PathBuf>,
) -> crate::Result<()> {
    let Some(Value::String(path)) = entry.remove(field) else {
        return Ok(());
    };
    let data_field = format!("{field}-data");
    let has_data = entry
        .get(&data_field)
        .and_then(Value::as_str)
        .is_some_and(|d| !d.is_empty());
    if !path.is_empty() && !has_data {
        let base = check_resolvable(&path, origin)?;
        entry.insert(
            data_field,
            Value::String(view::read_as_base64(&path, base)?),
        );
    }
    Ok(())
}

fn absolute(path: &str, origin: Option<&PathBuf>) -> crate::Result<String> {
    let base = check_resolvable(path, origin)?;
    Ok(view::resolve(Path::new(path), base).display().to_string())
}

/// Pasted text has no directory to resolve a relative path against.
fn check_resolvable<'a>(
    path: &str,
    origin: Option<&'a PathBuf>,
) -> crate::Result<Option<&'a PathBuf>> {
    let origin = origin.filter(|o| !o.as_os_str().is_empty());
    if Path::new(path).is_relative() && origin.is_none() {
        return Err(crate::Error::invalid_input(format!(
            "the pasted kubeconfig names the file \"{path}\" by a relative path"
        ))
        .with_hint(
            "import the kubeconfig file itself instead of pasting it, or make the path absolute",
        ));
    }
    Ok(origin)
}

const ORIGIN_EXTENSION: &str = "ks-onboard.kubesphere.io/imported-from";

/// Notes on the stored context where it came from, for `kubeconfig show`.
fn record_origin(
    context: &mut Map<String, Value>,
    choice: &ImportChoice,
    cluster: &str,
    user: &str,
) {
    let origin = serde_json::json!({
        "name": ORIGIN_EXTENSION,
        "extension": { "context": choice.context, "cluster": cluster, "user": user },
    });
    match context.get_mut("extensions") {
        Some(Value::Array(list)) => list.push(origin),
        _ => {
            context.insert("extensions".into(), Value::Array(vec![origin]));
        }
    }
}

/// Moves the user's credentials into the vault; returns the keys used.
fn save_secrets(
    user: &mut Map<String, Value>,
    vault: &dyn SecretStore,
) -> crate::Result<Vec<String>> {
    let id = uuid::Uuid::new_v4();
    let mut references = Vec::new();
    let mut keys = Vec::new();
    for taken in secrets::take(user) {
        let key = format!("users/{id}/{}", taken.field);
        if let Err(error) = vault.put(&key, &taken.value) {
            let _ = keys.iter().try_for_each(|k: &String| vault.delete(k));
            return Err(error);
        }
        keys.push(key.clone());
        references.push((taken.field, key));
    }
    if !references.is_empty() {
        secrets::record_references(user, &references);
    }
    Ok(keys)
}
