//! `host agent-image IMAGE [--dry-run]`: tower's agent image on the host, for every member
//! joined afterwards (the per-member alternative is `cluster add --image-registry`).

use super::host::no_names;
use super::proxy_address::{document, with_host};
use crate::cli::{AgentImageArgs, GlobalArgs};
use onboard_core::kubeconfig::store::Store;
use onboard_core::kubesphere::agent_image;
use onboard_core::kubesphere::publish::Target;
use onboard_core::vault::OsKeyring;

pub fn set(global: &GlobalArgs, args: &AgentImageArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let data_dir = Store::default_dir()?;
    let outcome = with_host(global, |client, context| {
        let (image, dry_run, data_dir) = (args.image.clone(), args.dry_run, data_dir.clone());
        async move {
            let target = Target {
                client: &client,
                context: &context,
                data_dir: &data_dir,
                vault: &OsKeyring::new(),
            };
            agent_image::set(&target, &image, dry_run).await
        }
    })?;
    if document(global, &outcome)? {
        return Ok(());
    }
    let previous = outcome.previous.as_deref().unwrap_or("tower's default");
    if outcome.unchanged {
        println!(
            "unchanged: {} is already {}",
            outcome.description, outcome.image
        );
    } else if outcome.written {
        println!(
            "wrote {} = {} (was {previous}); agent.yaml names it for every member from now on",
            outcome.description, outcome.image
        );
    } else {
        println!(
            "dry run: the host accepts {} = {} (now {previous}); nothing was written",
            outcome.description, outcome.image
        );
    }
    Ok(())
}
