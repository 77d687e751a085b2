//! `proxy-address show|set URL [--dry-run]|restore|probe URL` on the host context.

use super::host::{client_settings, host_context, no_names};
use crate::cli::{GlobalArgs, Output, ProbeArgs, SetAddressArgs};
use crate::output::{self, Document};
use onboard_core::join::stale;
use onboard_core::kubeconfig::client;
use onboard_core::kubeconfig::load::Merged;
use onboard_core::kubeconfig::store::Store;
use onboard_core::kubesphere::address::{self, AddressOrigin, AddressReport};
use onboard_core::kubesphere::diff::Change;
use onboard_core::kubesphere::publish::{self, SetPlan, Target};
use onboard_core::kubesphere::{proxy_url, reachability, restart};
use onboard_core::vault::OsKeyring;
use serde::Serialize;
use std::future::Future;

/// Runs `work` with a client for the host context.
pub(super) fn with_host<T, F, Fut>(global: &GlobalArgs, work: F) -> onboard_core::Result<T>
where
    F: FnOnce(kube::Client, String) -> Fut,
    Fut: Future<Output = onboard_core::Result<T>>,
{
    let (context, merged): (String, Merged) = host_context(global)?;
    super::runtime()?.block_on(async move {
        let (client, _) = client::client_for(&merged, &context, &client_settings()).await?;
        work(client, context).await
    })
}

pub(super) fn document<T: Serialize>(global: &GlobalArgs, value: &T) -> onboard_core::Result<bool> {
    match global.output {
        Output::Json => output::print_document(value, Document::Json).map(|()| true),
        Output::Yaml => output::print_document(value, Document::Yaml).map(|()| true),
        _ => Ok(false),
    }
}

pub fn show(global: &GlobalArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let report = with_host(
        global,
        |client, _| async move { address::detect(&client).await },
    )?;
    if !document(global, &report)? {
        print_report(&report);
    }
    Ok(())
}

fn print_report(report: &AddressReport) {
    println!("PLACE   READ   ADDRESS");
    for place in &report.places {
        let state = match (&place.problem, place.exists, &place.address) {
            (Some(problem), ..) => format!("unreadable: {problem}"),
            (None, false, _) => "(absent)".into(),
            (None, true, Some(address)) => address.clone(),
            (None, true, None) => "(no address)".into(),
        };
        let read = if place.place == report.read_place {
            "yes"
        } else {
            "no"
        };
        println!("{}\n        {read:<6} {state}", place.description);
    }
    match &report.effective {
        Some(effective) => println!(
            "\nmembers will dial: {} ({})",
            effective.url,
            match effective.origin {
                AddressOrigin::Configured => "configured",
                AddressOrigin::LoadBalancer => "the tower LoadBalancer's address; nothing needs writing",
            }
        ),
        None => println!("\nmembers will dial: nothing — the LoadBalancer has no external address and none is configured"),
    }
    if let Some(forward) = &report.port_forward {
        println!("set up a port forward {forward}, then: ks-onboard-cli proxy-address set http://PUBLIC_IP:PORT");
    }
    for disagreement in &report.disagreements {
        eprintln!("warning: {disagreement}");
    }
}

fn print_plan(plan: &SetPlan) {
    println!("{}", plan.description);
    println!(
        "address: {} → {}",
        plan.previous_address.as_deref().unwrap_or("(none)"),
        plan.url
    );
    if plan.creates {
        println!("the object does not exist and will be created in the seed's shape");
    }
    for row in &plan.diff {
        match row.change {
            Change::Same => println!("  {}", row.before.as_deref().unwrap_or_default()),
            Change::Removed => println!("- {}", row.before.as_deref().unwrap_or_default()),
            Change::Added => println!("+ {}", row.after.as_deref().unwrap_or_default()),
        }
    }
    if !plan.other_keys.is_empty() {
        println!("kept as they are: {}", plan.other_keys.join(", "));
    }
    for warning in &plan.warnings {
        eprintln!("warning: {}", warning.message);
    }
}

pub fn set(global: &GlobalArgs, args: &SetAddressArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    // Refuse a malformed URL before touching the network.
    proxy_url::parse(&args.url)?;
    let data_dir = Store::default_dir()?;
    let (outcome, restarted) = with_host(global, |client, context| {
        let (url, dry_run, data_dir) = (args.url.clone(), args.dry_run, data_dir.clone());
        let restart = args.restart_apiserver;
        async move {
            let target = Target {
                client: &client,
                context: &context,
                data_dir: &data_dir,
                vault: &OsKeyring::new(),
            };
            let outcome = publish::set(&target, &url, dry_run).await?;
            let restarted = if restart && outcome.written && outcome.plan.needs_restart {
                Some(restart::restart_ks_apiserver(&target).await?)
            } else {
                None
            };
            Ok((outcome, restarted))
        }
    })?;
    if document(global, &outcome)? {
        return Ok(());
    }
    print_plan(&outcome.plan);
    if outcome.plan.unchanged {
        println!("unchanged: the address is already {}", outcome.plan.url);
    } else if !outcome.written {
        println!("dry run: the API server accepts the change; nothing was written");
    } else {
        println!(
            "written and verified; the previous object is backed up (record {}, the object itself in the OS keyring)",
            outcome.backup.as_deref().unwrap_or("?")
        );
        println!("undo: ks-onboard-cli proxy-address restore");
    }
    match (&restarted, outcome.plan.needs_restart && outcome.written) {
        (Some(at), _) => println!("ks-apiserver restarted (restartedAt {at}) so that it reads the new address"),
        (None, true) => eprintln!("note: KubeSphere 3.x reads this at start-up: restart ks-apiserver (`proxy-address set URL --restart-apiserver`, or `kubectl -n kubesphere-system rollout restart deployment ks-apiserver`)"),
        (None, false) => {}
    }
    if outcome.written {
        eprintln!("note: agents already deployed keep the address they were given; re-apply agent.yaml on members joined before");
    }
    Ok(())
}

pub fn restore(global: &GlobalArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let data_dir = Store::default_dir()?;
    let outcome = with_host(global, |client, context| async move {
        let target = Target {
            client: &client,
            context: &context,
            data_dir: &data_dir,
            vault: &OsKeyring::new(),
        };
        publish::restore(&target).await
    })?;
    if document(global, &outcome)? {
        return Ok(());
    }
    if outcome.deleted {
        println!("{}: deleted (it did not exist before)", outcome.description);
    } else {
        println!(
            "{}: restored; address {} → {}",
            outcome.description,
            outcome.removed_address,
            outcome.restored_address.as_deref().unwrap_or("(none)")
        );
    }
    println!("verified byte-identical to the backup {}", outcome.backup);
    Ok(())
}

pub fn probe(global: &GlobalArgs, args: &ProbeArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let url = proxy_url::parse(&args.url)?;
    let result = super::runtime()?.block_on(reachability::probe(&url, args.timeout));
    if !document(global, &result)? {
        println!(
            "{}: {} ({} ms)",
            result.url, result.detail, result.elapsed_ms
        );
    }
    if result.health_status == Some(200) || (url.https && result.connected) {
        Ok(())
    } else {
        Err(onboard_core::Error::new(
            onboard_core::ErrorKind::Connection,
            format!("nothing healthy answers at {} from this machine", result.url),
        )
        .with_hint("check the port forward and firewall; members may still reach it if this machine is on another network"))
    }
}

/// `proxy-address stale`: joined members whose agent dials an old address.
pub fn stale(global: &GlobalArgs) -> onboard_core::Result<()> {
    no_names(global)?;
    let (context, host_merged) = host_context(global)?;
    let workspace = super::contexts::workspace(global)?;
    let members = stale::joined_members(&Store::default_dir()?, &context)?;
    let stale = super::runtime()?.block_on(async {
        let host = super::cluster::connect(&host_merged, &context).await?;
        let mut clients = Vec::new();
        for member in members {
            let client = match workspace.with_credentials(&member.member_context, &OsKeyring::new())
            {
                Ok(merged) => super::cluster::connect(&merged, &member.member_context).await,
                Err(error) => Err(error),
            };
            clients.push((member, client));
        }
        stale::stale_agents(&host, &clients).await
    })?;
    if !document(global, &stale)? {
        if stale.is_empty() {
            println!("every member joined from here dials the address tower gives now");
        }
        for agent in &stale {
            match (&agent.dials, &agent.problem) {
                (Some(dials), _) => println!(
                    "{}: dials {dials}, tower gives {}; re-point it: ks-onboard-cli cluster join {} --member-context {}",
                    agent.cluster, agent.expected, agent.cluster, agent.member_context
                ),
                (None, problem) => println!(
                    "{}: member {} could not be read ({})",
                    agent.cluster,
                    agent.member_context,
                    problem.as_deref().unwrap_or("unknown")
                ),
            }
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(onboard_core::Error::invalid_input(format!(
            "{} joined member(s) do not dial the current proxy address",
            stale.len()
        ))
        .with_hint(
            "re-apply their agent.yaml with `ks-onboard-cli cluster join NAME --member-context M`",
        ))
    }
}
