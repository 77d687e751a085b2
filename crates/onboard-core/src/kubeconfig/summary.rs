//! What the Kubeconfigs page and `kubeconfig list` show about each context: where it points
//! and how it authenticates, never a credential itself.

use super::load::Merged;
use super::model::{AuthInfo, Cluster};
use super::secrets;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// How a user authenticates, by kind only (the values stay in Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AuthKind {
    ClientCertificate,
    Token,
    TokenFile,
    Basic,
    /// An exec plugin such as `aws`, `gke-gcloud-auth-plugin` or `kubelogin`.
    Exec {
        command: String,
    },
    /// A legacy auth provider such as `oidc`.
    AuthProvider {
        name: String,
    },
    /// The context names a user that is in no kubeconfig file.
    MissingUser,
    None,
}

impl AuthKind {
    /// The kind of `user`'s credentials; those the app keeps in the vault count as present.
    pub(crate) fn of(user: Option<&AuthInfo>) -> Self {
        let Some(user) = user else {
            return AuthKind::MissingUser;
        };
        let in_vault = secrets::references(user);
        let has = |field: &str, value: &str| {
            !value.is_empty() || in_vault.iter().any(|(stored, _)| stored == field)
        };
        if let Some(exec) = &user.exec {
            AuthKind::Exec {
                command: exec.command.clone(),
            }
        } else if let Some(provider) = &user.auth_provider {
            AuthKind::AuthProvider {
                name: provider.name.clone(),
            }
        } else if !user.client_certificate.is_empty() || !user.client_certificate_data.is_empty() {
            AuthKind::ClientCertificate
        } else if has("token", &user.token) {
            AuthKind::Token
        } else if !user.token_file.is_empty() {
            AuthKind::TokenFile
        } else if !user.username.is_empty() {
            AuthKind::Basic
        } else {
            AuthKind::None
        }
    }

    /// A short label for tables.
    pub fn label(&self) -> String {
        match self {
            AuthKind::ClientCertificate => "client certificate".into(),
            AuthKind::Token => "token".into(),
            AuthKind::TokenFile => "token file".into(),
            AuthKind::Basic => "basic".into(),
            AuthKind::Exec { command } => format!("exec: {command}"),
            AuthKind::AuthProvider { name } => format!("auth provider: {name}"),
            AuthKind::MissingUser => "missing user".into(),
            AuthKind::None => "none".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ContextSummary {
    pub name: String,
    pub cluster: String,
    /// The API server URL, or `None` when the context names a cluster that is in no file.
    pub server: Option<String>,
    pub user: String,
    pub auth: AuthKind,
    pub namespace: String,
    /// TLS verification is switched off for this cluster (shown as a warning).
    pub insecure: bool,
    /// The file the context's cluster came from.
    pub file: Option<PathBuf>,
    /// Imported into the app's store; set by the workspace, which knows where the store is.
    pub imported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KubeconfigSummary {
    pub current_context: String,
    pub contexts: Vec<ContextSummary>,
}

pub fn summarize(merged: &Merged) -> KubeconfigSummary {
    let config = &merged.config;
    // Indexed by name: a linear search per context is quadratic at 50,000 contexts.
    let clusters: HashMap<&str, &Cluster> = config
        .clusters
        .iter()
        .flatten()
        .map(|c| (c.name.as_str(), &c.value))
        .collect();
    let users: HashMap<&str, &AuthInfo> = config
        .auth_infos
        .iter()
        .flatten()
        .map(|u| (u.name.as_str(), &u.value))
        .collect();
    let contexts = config
        .contexts
        .iter()
        .flatten()
        .map(|entry| {
            let context = &entry.value;
            let found = clusters.get(context.cluster.as_str());
            ContextSummary {
                name: entry.name.clone(),
                cluster: context.cluster.clone(),
                server: found.map(|c| c.server.clone()),
                user: context.auth_info.clone(),
                auth: AuthKind::of(users.get(context.auth_info.as_str()).copied()),
                namespace: context.namespace.clone(),
                insecure: found.is_some_and(|c| c.insecure_skip_tls_verify),
                file: merged.cluster_files.get(&context.cluster).cloned(),
                imported: false,
            }
        })
        .collect();
    KubeconfigSummary {
        current_context: config.current_context.clone(),
        contexts,
    }
}

#[cfg(test)]
mod tests {
    use super::super::load;
    use super::*;
    use std::path::Path;

    fn summary_of(text: &str) -> KubeconfigSummary {
        let config = load::parse(text, Path::new("/k/config")).unwrap();
        let merged = load::merge(vec![("/k/config".into(), config)]);
        summarize(&merged)
    }

    #[test]
    fn each_context_shows_server_auth_kind_and_file_but_no_secret() {
        let summary = summary_of(
            "current-context: a\nclusters:\n- name: c\n  cluster: {server: https://c:6443, insecure-skip-tls-verify: true}\n\
             users:\n- name: t\n  user: {token: sekrit}\n- name: e\n  user: {exec: {command: aws}}\n\
             contexts:\n- name: a\n  context: {cluster: c, user: t, namespace: ns}\n- name: b\n  context: {cluster: gone, user: e}\n- name: d\n  context: {cluster: c, user: nobody}\n",
        );
        assert_eq!(summary.current_context, "a");
        let a = &summary.contexts[0];
        assert_eq!(a.server.as_deref(), Some("https://c:6443"));
        assert_eq!(a.auth, AuthKind::Token);
        assert!(a.insecure);
        assert_eq!(a.file.as_deref(), Some(Path::new("/k/config")));
        let b = &summary.contexts[1];
        assert_eq!(b.server, None);
        assert_eq!(
            b.auth,
            AuthKind::Exec {
                command: "aws".into()
            }
        );
        assert_eq!(summary.contexts[2].auth, AuthKind::MissingUser);
        let json = serde_json::to_string(&summary).unwrap();
        assert!(!json.contains("sekrit"), "{json}");
    }
}
