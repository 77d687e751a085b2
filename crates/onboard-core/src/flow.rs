//! The onboarding flow: the stages a member cluster goes through on its way to Ready,
//! in the order KubeSphere's "Adding Member Clusters via Proxy Connection" procedure has
//! them. The desktop navigation and `ks-onboard-cli stages` both follow this list.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Kubeconfigs,
    Host,
    ProxyAddress,
    AddCluster,
    Join,
    Clusters,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Kubeconfigs,
        Stage::Host,
        Stage::ProxyAddress,
        Stage::AddCluster,
        Stage::Join,
        Stage::Clusters,
    ];

    /// The stable id used in URLs, JSON output and the UI's translation keys.
    pub fn id(self) -> &'static str {
        match self {
            Stage::Kubeconfigs => "kubeconfigs",
            Stage::Host => "host",
            Stage::ProxyAddress => "proxy-address",
            Stage::AddCluster => "add-cluster",
            Stage::Join => "join",
            Stage::Clusters => "clusters",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Stage::Kubeconfigs => "Kubeconfigs",
            Stage::Host => "Host",
            Stage::ProxyAddress => "Proxy address",
            Stage::AddCluster => "Add cluster",
            Stage::Join => "Join",
            Stage::Clusters => "Clusters & history",
        }
    }

    /// What the stage does, in the words of the manual procedure it replaces.
    pub fn summary(self) -> &'static str {
        match self {
            Stage::Kubeconfigs => {
                "Choose the host and member contexts from your kubeconfig files."
            }
            Stage::Host => {
                "Check that the host runs KubeSphere with the tower extension enabled and that you are platform-admin."
            }
            Stage::ProxyAddress => {
                "Find the address member nodes use to reach tower and, if needed, set proxyPublishAddress in Secret kubesphere-system/tower."
            }
            Stage::AddCluster => {
                "Create the Cluster object on the host with connection type proxy, as the console's Add Cluster form does."
            }
            Stage::Join => {
                "Apply agent.yaml to the member and follow the Cluster's conditions until it is Ready."
            }
            Stage::Clusters => {
                "See the clusters the host manages, what this app changed, and undo it."
            }
        }
    }
}

impl std::str::FromStr for Stage {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.id() == s)
            .ok_or_else(|| {
                let ids: Vec<_> = Stage::ALL.iter().map(|stage| stage.id()).collect();
                crate::Error::invalid_input(format!("there is no stage \"{s}\""))
                    .with_hint(format!("stages are: {}", ids.join(", ")))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for stage in Stage::ALL {
            assert_eq!(stage.id().parse::<Stage>().unwrap(), stage);
            let json = serde_json::to_value(stage).unwrap();
            assert_eq!(json, serde_json::Value::String(stage.id().to_owned()));
        }
    }

    #[test]
    fn order_follows_the_procedure() {
        let ids: Vec<_> = Stage::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(
            ids,
            [
                "kubeconfigs",
                "host",
                "proxy-address",
                "add-cluster",
                "join",
                "clusters"
            ]
        );
    }

    #[test]
    fn unknown_stage_lists_the_valid_ones() {
        let err = "hosts".parse::<Stage>().unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::InvalidInput);
        assert!(err.hint.unwrap().contains("proxy-address"));
    }
}
