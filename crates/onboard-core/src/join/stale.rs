//! After the proxy address changes, agents already deployed keep dialling the old one
//! (KUBESPHERE-FACTS §4: tower never pushes the address; agent.yaml carries it as
//! `--proxy-server`). This finds the members this app joined whose `cluster-agent` points
//! elsewhere than the address tower now gives; re-applying their agent.yaml
//! ([`super::apply::apply`]) updates the flag in place.

use super::agent;
use super::record::{self, JoinPhase};
use crate::kubesphere::address;
use crate::kubesphere::api;
use crate::kubesphere::detect::SYSTEM_NAMESPACE;
use crate::Result;
use serde::Serialize;
use std::path::Path;

/// A joined member this app knows the member context of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMember {
    pub cluster: String,
    pub member_context: String,
}

/// Members joined from this machine whose agent is applied (from the join records).
pub fn joined_members(data_dir: &Path, host_context: &str) -> Result<Vec<JoinedMember>> {
    Ok(record::list(data_dir, host_context)?
        .into_iter()
        .filter(|r| matches!(r.phase, JoinPhase::AgentApplied | JoinPhase::Ready))
        .filter_map(|r| {
            Some(JoinedMember {
                cluster: r.cluster,
                member_context: r.member_context?,
            })
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StaleAgent {
    pub cluster: String,
    pub member_context: String,
    /// What the agent dials now; `None` when the member could not be read.
    pub dials: Option<String>,
    /// What tower gives agents now.
    pub expected: String,
    /// Why the member could not be read.
    pub problem: Option<String>,
}

/// The `--proxy-server` of the member's `cluster-agent`, when it runs `cluster`'s agent.
pub async fn agent_dial(member: &kube::Client, cluster: &str) -> api::ApiResult<Option<String>> {
    let path = format!("/apis/apps/v1/namespaces/{SYSTEM_NAMESPACE}/deployments/cluster-agent");
    let Some(deployment) = api::get(member, &path).await? else {
        return Ok(None);
    };
    let documents = std::slice::from_ref(&deployment);
    if agent::agent_flag(documents, "--name").as_deref() != Some(cluster) {
        return Ok(None);
    }
    Ok(agent::agent_flag(documents, "--proxy-server"))
}

/// The members whose agent does not dial the address tower gives now. `clients` pairs each
/// member with its client, or the error met building one.
pub async fn stale_agents(
    host: &kube::Client,
    clients: &[(JoinedMember, Result<kube::Client>)],
) -> Result<Vec<StaleAgent>> {
    let Some(expected) = address::detect(host).await?.effective.map(|e| e.url) else {
        return Ok(Vec::new());
    };
    let mut stale = Vec::new();
    for (member, client) in clients {
        let mut entry = StaleAgent {
            cluster: member.cluster.clone(),
            member_context: member.member_context.clone(),
            dials: None,
            expected: expected.clone(),
            problem: None,
        };
        match client {
            Err(error) => entry.problem = Some(error.message.clone()),
            Ok(client) => match agent_dial(client, &member.cluster).await {
                Ok(Some(dials)) if dials == expected => continue,
                Ok(Some(dials)) => entry.dials = Some(dials),
                Ok(None) => continue,
                Err(error) => entry.problem = Some(error.describe()),
            },
        }
        stale.push(entry);
    }
    Ok(stale)
}
