//! The app's own kubeconfig store: the contexts a user imported, kept in one file that is a
//! valid kubeconfig itself (`kubectl --kubeconfig <store> config view` reads it), with every
//! credential replaced by a reference into the vault (see [`super::secrets`]).
//!
//! The file is read and rewritten as raw YAML values, not through our model, so fields we do
//! not know survive. Each stored context owns a cluster and a user named after it with the
//! prefix [`PREFIX`], so that merging the store with the user's own files (kubectl's rules:
//! the first file to name a cluster or user wins it) can never swap in another file's
//! `kubernetes` cluster or `kubernetes-admin` user, the names every kubeadm cluster shares.

use super::load;
use super::model::Config;
use super::secrets;
use super::sources::{Origin, Source};
use crate::app::Role;
use crate::vault::SecretStore;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Prefix of the names of the clusters and users the store owns.
pub const PREFIX: &str = "ks-onboard/";
const ROLES_EXTENSION: &str = "ks-onboard.kubesphere.io/roles";
const FILE_NAME: &str = "kubeconfig.yaml";

/// Which context plays which part; remembered between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Roles {
    pub host: Option<String>,
    pub member: Option<String>,
}

/// A context ready to be stored: raw entries as they will be written, credentials already
/// taken out and saved in the vault under `vault_keys`.
pub struct NewContext {
    pub name: String,
    pub context: Map<String, Value>,
    pub cluster: Map<String, Value>,
    pub user: Map<String, Value>,
    pub vault_keys: Vec<String>,
}

pub struct Store {
    path: PathBuf,
}

impl Store {
    /// The store in `dir` (created on first write).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(FILE_NAME),
        }
    }

    /// `KS_ONBOARD_DATA_DIR` when set, else the OS's per-user data directory
    /// (`~/.local/share/ks-onboard` on Linux).
    pub fn default_dir() -> crate::Result<PathBuf> {
        if let Some(dir) = std::env::var_os("KS_ONBOARD_DATA_DIR").filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        directories::ProjectDirs::from("io", "kubesphere", "ks-onboard")
            .map(|dirs| dirs.data_dir().to_path_buf())
            .ok_or_else(|| {
                crate::Error::not_found("the home directory is unknown, so the app has nowhere to keep imported kubeconfigs")
                    .with_hint("set HOME, or KS_ONBOARD_DATA_DIR to a directory of your choice")
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store as a kubeconfig source, read before the user's own files.
    pub fn source(&self) -> Source {
        Source {
            path: self.path.clone(),
            origin: Origin::Store,
            exists: self.path.is_file(),
        }
    }

    /// The stored contexts as our model (credentials still in the vault).
    pub fn config(&self) -> crate::Result<Config> {
        match self.read_text()? {
            Some(text) => load::parse(&text, &self.path),
            None => Ok(Config::default()),
        }
    }

    pub fn roles(&self) -> crate::Result<Roles> {
        Ok(roles_in(&self.read()?))
    }

    pub fn set_role(&self, role: Role, context: Option<&str>) -> crate::Result<()> {
        let mut doc = self.read()?;
        let mut roles = roles_in(&doc);
        let slot = match role {
            Role::Host => &mut roles.host,
            Role::Member => &mut roles.member,
        };
        *slot = context.map(str::to_owned);
        put_roles(&mut doc, &roles);
        self.write(&doc)
    }

    /// Names of the stored contexts, in file order.
    pub fn context_names(&self) -> crate::Result<Vec<String>> {
        Ok(names_in(&self.read()?))
    }

    /// Adds `new` contexts, first removing the stored contexts named in `replace`. Either all
    /// of it is written or nothing is: on failure the vault keys of `new` are deleted again.
    /// Vault keys of replaced contexts are deleted only once the file no longer needs them.
    pub fn add(
        &self,
        new: Vec<NewContext>,
        replace: &[String],
        vault: &dyn SecretStore,
    ) -> crate::Result<()> {
        let written = self.read().and_then(|mut doc| {
            let freed = remove_from(&mut doc, replace);
            for context in &new {
                insert(&mut doc, context);
            }
            self.write(&doc).map(|()| freed)
        });
        match written {
            Ok(freed) => delete_keys(vault, &freed),
            Err(error) => {
                let keys: Vec<String> = new.into_iter().flat_map(|c| c.vault_keys).collect();
                // The write failed; cleaning up is best effort and the write's error is the news.
                let _ = delete_keys(vault, &keys);
                Err(error)
            }
        }
    }

    /// Removes stored contexts with their clusters, users and vault entries.
    pub fn remove(&self, names: &[String], vault: &dyn SecretStore) -> crate::Result<()> {
        let mut doc = self.read()?;
        let stored = names_in(&doc);
        if let Some(missing) = names.iter().find(|n| !stored.contains(n)) {
            return Err(crate::Error::not_found(format!(
                "context \"{missing}\" is not one the app has imported"
            ))
            .with_hint("only imported contexts can be removed; the app never edits your own kubeconfig files"));
        }
        let freed = remove_from(&mut doc, names);
        let mut roles = roles_in(&doc);
        for slot in [&mut roles.host, &mut roles.member] {
            if slot.as_ref().is_some_and(|name| names.contains(name)) {
                *slot = None;
            }
        }
        put_roles(&mut doc, &roles);
        self.write(&doc)?;
        delete_keys(vault, &freed)
    }

    fn read_text(&self) -> crate::Result<Option<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(crate::Error::io(
                "read the app's kubeconfig store",
                &self.path,
                &e,
            )),
        }
    }

    fn read(&self) -> crate::Result<Value> {
        let Some(text) = self.read_text()? else {
            return Ok(
                json!({ "apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "users": [], "contexts": [], "current-context": "" }),
            );
        };
        // Checked with kubectl's rules first, so a damaged store is reported, not rewritten.
        load::parse(&text, &self.path)?;
        load::parse_raw(&text, &self.path)
    }

    fn write(&self, doc: &Value) -> crate::Result<()> {
        // Quoted for YAML 1.1: a context or namespace named "yes" or "on" must stay a string.
        let text = super::yaml11::to_string(doc).map_err(|e| {
            crate::Error::new(
                crate::ErrorKind::Internal,
                format!("could not write the kubeconfig store as YAML: {e}"),
            )
        })?;
        // Never write a store kubectl (or we) could not read back.
        load::parse(&text, &self.path)?;
        crate::locked_file::write(&self.path, text.as_bytes())
    }
}

fn names_in(doc: &Value) -> Vec<String> {
    entries(doc, "contexts")
        .filter_map(|e| e["name"].as_str().map(str::to_owned))
        .collect()
}

fn roles_in(doc: &Value) -> Roles {
    entries(doc, "extensions")
        .find(|e| e["name"] == ROLES_EXTENSION)
        .and_then(|e| serde_json::from_value(e["extension"].clone()).ok())
        .unwrap_or_default()
}

fn put_roles(doc: &mut Value, roles: &Roles) {
    let list = list_mut(doc, "extensions");
    list.retain(|e| e["name"] != ROLES_EXTENSION);
    list.push(json!({ "name": ROLES_EXTENSION, "extension": roles }));
}

fn insert(doc: &mut Value, new: &NewContext) {
    let owned = format!("{PREFIX}{}", new.name);
    let mut context = new.context.clone();
    context.insert("cluster".into(), Value::String(owned.clone()));
    context.insert("user".into(), Value::String(owned.clone()));
    list_mut(doc, "clusters").push(json!({ "name": owned, "cluster": new.cluster }));
    list_mut(doc, "users").push(json!({ "name": owned, "user": new.user }));
    list_mut(doc, "contexts").push(json!({ "name": new.name, "context": context }));
}

/// Removes the named contexts and the clusters and users they own; returns the vault keys
/// those users referenced.
fn remove_from(doc: &mut Value, names: &[String]) -> Vec<String> {
    let owned: Vec<String> = names.iter().map(|n| format!("{PREFIX}{n}")).collect();
    let named = |entry: &Value, list: &[String]| {
        entry["name"]
            .as_str()
            .is_some_and(|n| list.iter().any(|x| x == n))
    };
    let mut freed = Vec::new();
    for entry in entries(doc, "users").filter(|e| named(e, &owned)) {
        let references = entry["user"]["extensions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["name"] == secrets::EXTENSION)
            .filter_map(|e| e["extension"].as_object())
            .flat_map(|map| map.values().filter_map(Value::as_str).map(str::to_owned));
        freed.extend(references);
    }
    list_mut(doc, "contexts").retain(|e| !named(e, names));
    list_mut(doc, "clusters").retain(|e| !named(e, &owned));
    list_mut(doc, "users").retain(|e| !named(e, &owned));
    freed
}

fn delete_keys(vault: &dyn SecretStore, keys: &[String]) -> crate::Result<()> {
    keys.iter().try_for_each(|key| vault.delete(key))
}

fn entries<'a>(doc: &'a Value, list: &str) -> impl Iterator<Item = &'a Value> {
    doc[list].as_array().into_iter().flatten()
}

fn list_mut<'a>(doc: &'a mut Value, list: &str) -> &'a mut Vec<Value> {
    let slot = &mut doc[list];
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().expect("just made an array")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;

    #[test]
    fn a_context_named_like_a_yaml_1_1_boolean_is_stored_and_read_back() {
        // Caught by the kubeconfig fuzz target's round trip: kubectl writes `name: "yes"`, the
        // store wrote it bare, and its own check then refused the import (YAML 1.1 reads a
        // bare `yes` as true, like kubectl).
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_dir(dir.path());
        let new = NewContext {
            name: "yes".into(),
            context: json!({"namespace": "on"}).as_object().unwrap().clone(),
            cluster: json!({"server": "https://1.2.3.4:6443"})
                .as_object()
                .unwrap()
                .clone(),
            user: Map::new(),
            vault_keys: Vec::new(),
        };
        store.add(vec![new], &[], &MemoryVault::new()).unwrap();
        let config = store.config().unwrap();
        let context = &config.contexts.unwrap()[0];
        assert_eq!(context.name, "yes");
        assert_eq!(context.value.namespace, "on");
        assert_eq!(store.context_names().unwrap(), ["yes"]);
    }
}
