//! What the app is pointed at, and what it shows about itself.

use crate::kubeconfig::sources::{self, Source};
use crate::kubeconfig::summary::KubeconfigSummary;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the clusters come from for this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Target {
    /// The user's own kubeconfig files, resolved like kubectl does (`--kubeconfig`, then
    /// `KUBECONFIG`, then `~/.kube/config`). Empty means "the default locations".
    Kubeconfigs { paths: Vec<PathBuf> },
    /// Simulated clusters started by the app itself (`kube-sandbox`), so a newcomer can walk
    /// the whole flow with no cluster; `paths` are the kubeconfigs it wrote.
    Sandbox {
        scenario: String,
        paths: Vec<PathBuf>,
    },
}

impl Target {
    /// The kubeconfig files of this target, in the order kubectl would read them. Files named
    /// on the command line must exist; `KUBECONFIG` entries that do not are skipped later.
    pub fn sources(&self) -> crate::Result<Vec<Source>> {
        let (Target::Kubeconfigs { paths } | Target::Sandbox { paths, .. }) = self;
        if paths.is_empty() {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            return sources::resolve(
                None,
                std::env::var_os("KUBECONFIG").as_deref(),
                home.as_deref(),
            );
        }
        paths
            .iter()
            .map(|path| sources::resolve(Some(path), None, None).map(|mut found| found.remove(0)))
            .collect()
    }
}

/// The part a context plays in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// The KubeSphere host cluster, where the Cluster object is created.
    Host,
    /// The cluster that joins the host.
    Member,
}

/// The status bar's facts: which app, which target, which contexts play host and member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub version: String,
    pub target: Target,
    /// The kubeconfig context chosen as the KubeSphere host, once the user picks one.
    pub host_context: Option<String>,
    /// The kubeconfig context chosen as the member to join, once the user picks one.
    pub member_context: Option<String>,
}

impl AppStatus {
    pub fn new(target: Target) -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            target,
            host_context: None,
            member_context: None,
        }
    }
}

impl AppStatus {
    /// Points the app at other clusters; roles chosen for the old ones no longer apply.
    pub fn switch_target(&mut self, target: Target) {
        self.target = target;
        self.host_context = None;
        self.member_context = None;
    }

    /// Gives `context` the `role`, after [`check_role`].
    pub fn assign(
        &mut self,
        role: Role,
        context: &str,
        known: &KubeconfigSummary,
    ) -> crate::Result<()> {
        let other = match role {
            Role::Host => &self.member_context,
            Role::Member => &self.host_context,
        };
        check_role(context, other.as_deref(), known)?;
        let slot = match role {
            Role::Host => &mut self.host_context,
            Role::Member => &mut self.member_context,
        };
        *slot = Some(context.to_owned());
        Ok(())
    }
}

/// Checks that `context` exists in `known` and is not the cluster playing the other role,
/// `other` (KubeSphere cannot join a cluster to itself).
pub fn check_role(
    context: &str,
    other: Option<&str>,
    known: &KubeconfigSummary,
) -> crate::Result<()> {
    let find = |name: &str| known.contexts.iter().find(|c| c.name == name);
    let chosen = find(context).ok_or_else(|| {
        crate::Error::not_found(format!(
            "context \"{context}\" is not in the kubeconfig files"
        ))
        .with_hint("reload the kubeconfig files and pick a context from the list")
    })?;
    if let Some(other) = other.and_then(find) {
        if other.name == chosen.name {
            return Err(crate::Error::invalid_input(format!(
                "\"{context}\" already plays the other role"
            ))
            .with_hint("the host and the member must be two different clusters"));
        }
        let same_server = chosen.server.is_some() && chosen.server == other.server;
        if same_server {
            return Err(crate::Error::invalid_input(format!(
                "\"{}\" and \"{}\" are the same cluster",
                chosen.name, other.name
            ))
            .with_hint("the host and the member must be two different clusters"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_starts_with_no_contexts_chosen() {
        let status = AppStatus::new(Target::Kubeconfigs { paths: vec![] });
        assert_eq!(status.version, env!("CARGO_PKG_VERSION"));
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json["target"],
            serde_json::json!({"type": "kubeconfigs", "paths": []})
        );
        assert_eq!(json["hostContext"], serde_json::Value::Null);
        assert_eq!(json["memberContext"], serde_json::Value::Null);
    }

    fn known() -> KubeconfigSummary {
        use crate::kubeconfig::summary::{AuthKind, ContextSummary};
        let context = |name: &str, server: &str| ContextSummary {
            name: name.into(),
            cluster: name.into(),
            server: Some(server.into()),
            user: "u".into(),
            auth: AuthKind::Token,
            namespace: String::new(),
            insecure: false,
            file: None,
            imported: false,
        };
        KubeconfigSummary {
            current_context: String::new(),
            contexts: vec![
                context("host", "https://h:6443"),
                context("member", "https://m:6443"),
                context("member-again", "https://m:6443"),
            ],
        }
    }

    #[test]
    fn switching_target_forgets_the_roles() {
        let mut status = AppStatus::new(Target::Sandbox {
            scenario: "healthy".into(),
            paths: vec!["/s/host.kubeconfig".into()],
        });
        status.assign(Role::Host, "host", &known()).unwrap();
        status.switch_target(Target::Kubeconfigs { paths: vec![] });
        assert_eq!(status.target, Target::Kubeconfigs { paths: vec![] });
        assert_eq!(status.host_context, None);
        let json = serde_json::to_value(Target::Sandbox {
            scenario: "healthy".into(),
            paths: vec![],
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "sandbox", "scenario": "healthy", "paths": []})
        );
    }

    #[test]
    fn roles_go_to_known_and_distinct_clusters() {
        let mut status = AppStatus::new(Target::Kubeconfigs { paths: vec![] });
        status.assign(Role::Host, "host", &known()).unwrap();
        status.assign(Role::Member, "member", &known()).unwrap();
        assert_eq!(status.host_context.as_deref(), Some("host"));
        assert_eq!(status.member_context.as_deref(), Some("member"));

        let err = status.assign(Role::Host, "nope", &known()).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::NotFound);
        let err = status
            .assign(Role::Host, "member-again", &known())
            .unwrap_err();
        assert!(err.message.contains("same cluster"), "{}", err.message);
        let err = status.assign(Role::Host, "member", &known()).unwrap_err();
        assert!(err.message.contains("already plays"), "{}", err.message);
        assert_eq!(
            status.host_context.as_deref(),
            Some("host"),
            "a refused choice changes nothing"
        );
    }
}
