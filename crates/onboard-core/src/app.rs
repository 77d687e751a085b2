//! What the app is pointed at, and what it shows about itself.

use serde::Serialize;
use std::path::PathBuf;

/// Where the clusters come from for this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Target {
    /// The user's own kubeconfig files, resolved like kubectl does (`--kubeconfig`, then
    /// `KUBECONFIG`, then `~/.kube/config`). Empty means "the default locations".
    Kubeconfigs { paths: Vec<PathBuf> },
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
}
