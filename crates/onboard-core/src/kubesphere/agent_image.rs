//! KubeSphere's own fix for air-gapped members: `agentImage` in tower's configuration
//! (../shared/KUBESPHERE-FACTS.md §7), so that every agent.yaml tower renders names the
//! mirror. Written in the place the installed version reads (Secret `tower`'s
//! configuration.yaml, or `multicluster` in ConfigMap `kubesphere-config`), changing nothing
//! else, after a server dry run, read back, and recorded in the audit log with the previous
//! value to put back. It applies to every member joined afterwards, which is why the app
//! rewrites one member's agent.yaml by default and offers this as the alternative.

use super::address;
use super::api;
use super::config_place::{self, AddressPlace};
use super::publish::{read_config, write, Target};
use crate::audit::{self, Action, Change};
use crate::{Error, ErrorKind, Result};
use serde::Serialize;

const KEY: &str = "agentImage";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AgentImageOutcome {
    pub place: AddressPlace,
    /// Which object and key, for people.
    pub description: String,
    pub image: String,
    /// What tower used before (its default when `None`).
    pub previous: Option<String>,
    pub unchanged: bool,
    pub dry_run_passed: bool,
    pub written: bool,
}

fn describe(place: AddressPlace) -> &'static str {
    match place {
        AddressPlace::TowerSecret => "Secret kubesphere-system/tower, configuration.yaml → agentImage",
        AddressPlace::KubesphereConfig => {
            "ConfigMap kubesphere-system/kubesphere-config, kubesphere.yaml → multicluster.agentImage"
        }
        AddressPlace::KsInstaller => "ClusterConfiguration kubesphere-system/ks-installer",
    }
}

/// Sets tower's agent image to `image` (`dry_run`: only the server's check), recorded in
/// the audit log.
pub async fn set(target: &Target<'_>, image: &str, dry_run: bool) -> Result<AgentImageOutcome> {
    audit::ready(target.data_dir)?;
    let result = set_unrecorded(target, image, dry_run).await;
    let mut change = Change::new(Action::AgentImageSet, target.context)
        .user(crate::join::add::whoami(target.client).await)
        .dry_run(dry_run);
    if let Ok(outcome) = &result {
        let undo = match &outcome.previous {
            Some(previous) => format!(
                "ks-onboard-cli host agent-image {previous} --context {}",
                target.context
            ),
            None => format!(
                "remove agentImage from {} (tower's default was in use)",
                outcome.description
            ),
        };
        change = change.undo(undo);
    }
    audit::record(target.data_dir, change, result, |outcome| {
        let verb = match (outcome.unchanged, outcome.written) {
            (true, _) => "unchanged",
            (false, true) => "wrote",
            (false, false) => "would write",
        };
        vec![format!(
            "{verb} agentImage {} in {} (was {})",
            outcome.image,
            outcome.description,
            outcome.previous.as_deref().unwrap_or("tower's default")
        )]
    })
}

async fn set_unrecorded(
    target: &Target<'_>,
    image: &str,
    dry_run: bool,
) -> Result<AgentImageOutcome> {
    let image = image.trim();
    if image.is_empty() || image.contains(char::is_whitespace) || image.contains("://") {
        return Err(Error::invalid_input(format!("\"{image}\" is not an image reference"))
            .with_hint("write it as registry/repository:tag, e.g. mirror.local:5000/kubesphere/tower:v0.2.1"));
    }
    let place = address::detect(target.client).await?.read_place;
    if place == AddressPlace::KsInstaller {
        return Err(Error::invalid_input("KubeSphere 3.x keeps its settings in ks-installer, where the app does not set the agent image")
            .with_hint("let the app rewrite agent.yaml's images to the mirror instead (the Cluster Configuration's global.imageRegistry does it)"));
    }
    let current = api::get(target.client, place.path())
        .await
        .map_err(|e| e.into_error(&format!("read {}", describe(place))))?;
    let (base, config) = match &current {
        Some(object) => (object.clone(), read_config(place, object)?),
        None if place == AddressPlace::TowerSecret => {
            (config_place::seed_secret(), serde_yaml::Mapping::new())
        }
        None => {
            return Err(
                Error::not_found(format!("{} does not exist", describe(place))).with_hint(
                    "check that KubeSphere is installed completely on this host (`host check`)",
                ),
            )
        }
    };
    let previous = config_place::setting_in(place, &config, KEY);
    let mut outcome = AgentImageOutcome {
        place,
        description: describe(place).into(),
        image: image.into(),
        unchanged: previous.as_deref() == Some(image),
        previous,
        dry_run_passed: false,
        written: false,
    };
    if outcome.unchanged {
        return Ok(outcome);
    }
    let next_config = config_place::with_setting(place, &config, KEY, image).map_err(|e| {
        Error::invalid_input(format!("{}: {}; nothing was written", describe(place), e.0))
    })?;
    let next = config_place::object_with(
        place,
        &base,
        &next_config,
        &config_place::render(&next_config),
    );
    write(target.client, place, current.is_none(), &next, true).await?;
    outcome.dry_run_passed = true;
    if dry_run {
        return Ok(outcome);
    }
    write(target.client, place, current.is_none(), &next, false).await?;
    outcome.written = true;
    let after = api::get(target.client, place.path())
        .await
        .map_err(|e| e.into_error("read back the written configuration"))?;
    let read_back = after
        .and_then(|object| read_config(place, &object).ok())
        .and_then(|config| config_place::setting_in(place, &config, KEY));
    if read_back.as_deref() != Some(image) {
        return Err(Error::new(
            ErrorKind::Internal,
            format!(
                "agentImage was written to {}, but reading it back shows something else",
                describe(place)
            ),
        )
        .with_hint(
            "another program may have changed it at the same moment; look at it and set it again",
        ));
    }
    Ok(outcome)
}
