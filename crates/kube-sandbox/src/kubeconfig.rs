//! Kubeconfig files for a cluster's users: the CA embedded, bearer tokens or client
//! certificates embedded, one context per user. Written 0600: they hold credentials.

use crate::auth::User;
use crate::error::Error;
use base64::Engine;
use serde_json::{json, Value};
use std::path::Path;

/// One context of a kubeconfig: which cluster, which user, under what names.
pub struct ContextEntry<'a> {
    pub context: &'a str,
    pub cluster: &'a str,
    pub server: &'a str,
    pub ca_pem: &'a str,
    pub user: &'a User,
    pub user_entry: String,
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A kubeconfig document; the first context is current.
pub fn render(entries: &[ContextEntry<'_>]) -> Result<String, Error> {
    let mut clusters: Vec<Value> = Vec::new();
    let mut users: Vec<Value> = Vec::new();
    let mut contexts: Vec<Value> = Vec::new();
    for e in entries {
        if !clusters.iter().any(|c| c["name"] == e.cluster) {
            clusters.push(json!({"name": e.cluster, "cluster": {"server": e.server, "certificate-authority-data": b64(e.ca_pem)}}));
        }
        let user = match (&e.user.token, &e.user.cert_pem, &e.user.key_pem) {
            (Some(token), _, _) => json!({"token": token}),
            (None, Some(cert), Some(key)) => {
                json!({"client-certificate-data": b64(cert), "client-key-data": b64(key)})
            }
            _ => {
                return Err(Error::InvalidObject(format!(
                    "user {} has no credential",
                    e.user.name
                )))
            }
        };
        users.push(json!({"name": e.user_entry, "user": user}));
        contexts.push(json!({"name": e.context, "context": {"cluster": e.cluster, "user": e.user_entry, "namespace": "default"}}));
    }
    let current = entries.first().map(|e| e.context).unwrap_or_default();
    let doc = json!({"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": clusters,
                     "users": users, "contexts": contexts, "current-context": current});
    serde_yaml::to_string(&doc).map_err(|e| Error::InvalidObject(e.to_string()))
}

/// Writes the file readable by its owner only.
pub fn write(path: &Path, text: &str) -> Result<(), Error> {
    let context = || format!("could not write {}", path.display());
    std::fs::write(path, text).map_err(|e| Error::io(context(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(context(), e))?;
    }
    Ok(())
}
