//! KubeSphere on the host cluster: what is installed ([`detect`]), where the tower proxy
//! address is configured and what members will be told ([`address`]), the address a user
//! types ([`proxy_url`]) and whether it answers ([`reachability`]), and the safe write and
//! restore of the address ([`publish`], over [`config_place`], [`diff`], [`backup`]), and
//! tower's agent image for air-gapped members ([`agent_image`]).
//! Facts and their sources: ../shared/KUBESPHERE-FACTS.md §4–5.

pub mod address;
pub mod agent_image;
pub mod api;
pub mod backup;
pub mod config_place;
pub mod detect;
pub mod diff;
pub mod proxy_url;
pub mod publish;
pub mod reachability;
pub mod restart;
