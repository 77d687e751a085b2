//! Everything about one context that can be shown (`kubeconfig show`, the details panel):
//! where it points, how it authenticates and where each credential is kept, never the
//! credential itself.

use super::load::Merged;
use super::model::{AuthInfo, Cluster, Context};
use super::secrets;
use super::store::Roles;
use super::summary::AuthKind;
use crate::app::Role;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ContextDetails {
    pub name: String,
    pub namespace: String,
    pub cluster: ClusterDetails,
    pub user: UserDetails,
    /// The file the context's cluster came from (the app's store for imported contexts).
    pub file: Option<PathBuf>,
    /// Imported into the app's store (credentials in the OS keyring).
    pub imported: bool,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ClusterDetails {
    pub name: String,
    /// `None` when no file has the cluster the context names.
    pub server: Option<String>,
    pub tls_server_name: String,
    pub insecure: bool,
    pub certificate_authority: CaSource,
    pub proxy_url: String,
}

/// Which certificate authorities the server's certificate is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CaSource {
    /// `certificate-authority-data`, this many bytes once decoded.
    Embedded {
        bytes: u32,
    },
    File {
        path: PathBuf,
    },
    /// Neither is set: the operating system's trusted roots.
    System,
}

impl CaSource {
    /// The CA `cluster` trusts; a relative file against the file the cluster came from.
    pub fn of(cluster: &Cluster, file: Option<&PathBuf>) -> Self {
        if !cluster.certificate_authority_data.is_empty() {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&cluster.certificate_authority_data)
                .map_or(0, |b| b.len());
            CaSource::Embedded {
                bytes: bytes as u32,
            }
        } else if !cluster.certificate_authority.is_empty() {
            CaSource::File {
                path: super::view::resolve(cluster.certificate_authority.as_ref(), file),
            }
        } else {
            CaSource::System
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    pub name: String,
    pub auth: AuthKind,
    /// Each credential the user has, by field, with where it is kept.
    pub credentials: Vec<Credential>,
    pub exec: Option<ExecDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// `token`, `client-key-data`, `auth-provider.config.id-token`, …
    pub field: String,
    pub place: CredentialPlace,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CredentialPlace {
    /// In the OS keyring (an imported context).
    Keyring,
    /// Written in the kubeconfig file itself.
    Kubeconfig,
    /// In a file the kubeconfig names.
    File { path: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecDetails {
    pub command: String,
    pub args: Vec<String>,
    pub api_version: String,
    pub install_hint: String,
    pub provide_cluster_info: bool,
    /// Names of the environment variables it is given (their values may be secrets).
    pub env_names: Vec<String>,
}

pub fn find_context<'a>(merged: &'a Merged, name: &str) -> crate::Result<&'a Context> {
    merged
        .config
        .contexts
        .iter()
        .flatten()
        .find(|c| c.name == name)
        .map(|c| &c.value)
        .ok_or_else(|| {
            crate::Error::not_found(format!(
                "context \"{name}\" is in no kubeconfig file and was not imported"
            ))
            .with_hint("list the contexts with `ks-onboard-cli kubeconfig list`")
        })
}

/// Describes `name`; `store` is the path of the app's store, to tell imported contexts apart.
pub fn describe(
    merged: &Merged,
    name: &str,
    roles: &Roles,
    store: &Path,
) -> crate::Result<ContextDetails> {
    let context = find_context(merged, name)?;
    let config = &merged.config;
    let cluster = config
        .clusters
        .iter()
        .flatten()
        .find(|c| c.name == context.cluster);
    let user = config
        .auth_infos
        .iter()
        .flatten()
        .find(|u| u.name == context.auth_info);
    let file = merged.cluster_files.get(&context.cluster).cloned();
    let user_file = merged.user_files.get(&context.auth_info);
    let imported = file.as_deref() == Some(store);
    let roles = [(Role::Host, &roles.host), (Role::Member, &roles.member)]
        .into_iter()
        .filter(|(_, chosen)| chosen.as_deref() == Some(name))
        .map(|(role, _)| role)
        .collect();
    Ok(ContextDetails {
        name: name.to_owned(),
        namespace: context.namespace.clone(),
        cluster: cluster_details(&context.cluster, cluster.map(|c| &c.value), file.as_ref()),
        user: UserDetails {
            name: context.auth_info.clone(),
            auth: AuthKind::of(user.map(|u| &u.value)),
            credentials: user
                .map(|u| credentials(&u.value, user_file))
                .unwrap_or_default(),
            exec: user
                .and_then(|u| u.value.exec.as_ref())
                .map(|exec| ExecDetails {
                    command: exec.command.clone(),
                    args: exec.args.clone().unwrap_or_default(),
                    api_version: exec.api_version.clone(),
                    install_hint: exec.install_hint.clone(),
                    provide_cluster_info: exec.provide_cluster_info,
                    env_names: exec.env.iter().flatten().map(|v| v.name.clone()).collect(),
                }),
        },
        file,
        imported,
        roles,
    })
}

fn cluster_details(
    name: &str,
    cluster: Option<&Cluster>,
    file: Option<&PathBuf>,
) -> ClusterDetails {
    let default = Cluster::default();
    let found = cluster.unwrap_or(&default);
    let certificate_authority = CaSource::of(found, file);
    ClusterDetails {
        name: name.to_owned(),
        server: cluster.map(|c| c.server.clone()),
        tls_server_name: found.tls_server_name.clone(),
        insecure: found.insecure_skip_tls_verify,
        certificate_authority,
        proxy_url: found.proxy_url.clone(),
    }
}

fn credentials(user: &AuthInfo, file: Option<&PathBuf>) -> Vec<Credential> {
    let in_file = |field: &str, value: &str| {
        (!value.is_empty()).then(|| Credential {
            field: field.to_owned(),
            place: CredentialPlace::Kubeconfig,
        })
    };
    let named_file = |field: &str, path: &str| {
        (!path.is_empty()).then(|| Credential {
            field: field.to_owned(),
            place: CredentialPlace::File {
                path: super::view::resolve(path.as_ref(), file),
            },
        })
    };
    let provider = user
        .auth_provider
        .iter()
        .flat_map(|p| p.config.iter().flatten());
    let provider_secrets = provider
        .filter(|(key, _)| matches!(key.as_str(), "id-token" | "refresh-token" | "client-secret"))
        .filter_map(|(key, value)| in_file(&format!("auth-provider.config.{key}"), value));
    let kept = secrets::references(user)
        .into_iter()
        .map(|(field, _)| Credential {
            field,
            place: CredentialPlace::Keyring,
        });
    [
        in_file("token", &user.token),
        named_file("tokenFile", &user.token_file),
        in_file("password", &user.password),
        in_file("client-key-data", &user.client_key_data),
        named_file("client-key", &user.client_key),
    ]
    .into_iter()
    .flatten()
    .chain(provider_secrets)
    .chain(kept)
    .collect()
}
