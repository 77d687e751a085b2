//! Writing the proxy address, safely: into the place the installed version reads, changing
//! only `proxyPublishAddress`, after a server-side dry run, with a local backup of the
//! previous object, under optimistic concurrency (the write carries the resourceVersion we
//! read, so a concurrent edit makes it fail instead of being overwritten), then read back
//! and verified. [`restore`] puts the previous data back byte for byte.
//!
//! A configuration we cannot decode is never overwritten: the error says what is wrong
//! with it (not what it says) and nothing is written.

use super::address::{self, AddressReport};
use super::api;
use super::backup::{self, Backup};
use super::config_place::{self, AddressPlace};
use super::diff::{self, DiffRow};
use super::proxy_url::{self, UrlWarning};
use crate::audit::{self, Action, Change};
use crate::vault::SecretStore;
use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::Value;
use serde_yaml::Mapping;
use std::path::Path;

/// Who is changing what, and where backups go.
#[derive(Clone)]
pub struct Target<'a> {
    pub client: &'a kube::Client,
    /// The host's context name: backups are kept per context.
    pub context: &'a str,
    /// The app's data directory (`Store::default_dir()`).
    pub data_dir: &'a Path,
    /// Where the backed-up object goes: it may hold secrets, so not into a file.
    pub vault: &'a dyn SecretStore,
}

/// What a change does, shown before it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetPlan {
    pub place: AddressPlace,
    pub description: String,
    pub url: String,
    pub previous_address: Option<String>,
    /// The object does not exist yet and is created (Secret `tower` in the seed's shape).
    pub creates: bool,
    /// The address is already this: nothing to write.
    pub unchanged: bool,
    /// The configuration before and after, secret-looking values masked.
    pub diff: Vec<DiffRow>,
    /// Other keys of the object's data, kept as they are (names only).
    pub other_keys: Vec<String>,
    pub warnings: Vec<UrlWarning>,
    /// 3.x: ks-apiserver reads the address at start-up only.
    pub needs_restart: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetOutcome {
    pub plan: SetPlan,
    /// The server accepted the change in a dry run (`dryRun=All`).
    pub dry_run_passed: bool,
    /// The change was made (false for `--dry-run` and when unchanged).
    pub written: bool,
    /// The local backup of the previous object.
    pub backup: Option<String>,
    /// Read back after writing: the address is there and every other key is as before.
    pub verified: bool,
}

/// Shows what setting `url` would change, without a dry run.
pub async fn plan(client: &kube::Client, url: &str) -> Result<SetPlan> {
    Ok(prepare(client, url).await?.plan)
}

/// Sets the address (`dry_run`: only asks the server whether it would accept it), and
/// records it in the audit log.
pub async fn set(target: &Target<'_>, url: &str, dry_run: bool) -> Result<SetOutcome> {
    audit::ready(target.data_dir)?;
    let result = set_unrecorded(target, url, dry_run).await;
    let change = Change::new(Action::ProxyAddressSet, target.context)
        .user(crate::join::add::whoami(target.client).await)
        .dry_run(dry_run)
        .undo(format!(
            "ks-onboard-cli proxy-address restore --context {}",
            target.context
        ));
    audit::record(target.data_dir, change, result, |outcome| {
        let verb = match (
            outcome.plan.unchanged,
            outcome.written,
            outcome.plan.creates,
        ) {
            (true, _, _) => "unchanged",
            (_, false, _) => "would write",
            (_, true, true) => "created",
            (_, true, false) => "wrote",
        };
        vec![format!(
            "{verb} proxyPublishAddress {} in {} (was {})",
            outcome.plan.url,
            outcome.plan.description,
            outcome.plan.previous_address.as_deref().unwrap_or("unset")
        )]
    })
}

async fn set_unrecorded(target: &Target<'_>, url: &str, dry_run: bool) -> Result<SetOutcome> {
    let prepared = prepare(target.client, url).await?;
    let mut outcome = SetOutcome {
        plan: prepared.plan.clone(),
        dry_run_passed: false,
        written: false,
        backup: None,
        verified: false,
    };
    let place = outcome.plan.place;
    if outcome.plan.unchanged {
        outcome.backup = finish_interrupted(target, place, &prepared)?;
        return Ok(outcome);
    }
    write(
        target.client,
        place,
        prepared.current.is_none(),
        &prepared.next,
        true,
    )
    .await?;
    outcome.dry_run_passed = true;
    if dry_run {
        return Ok(outcome);
    }
    let mut record = Backup {
        context: target.context.to_string(),
        place,
        had_previous: false,
        url: outcome.plan.url.clone(),
        written_resource_version: None,
        created_unix_ms: now_ms(),
    };
    let dir = backup::dir(target.data_dir);
    let path = backup::save(&dir, target.vault, &mut record, prepared.current.as_ref())?;
    let written = match write_raw(
        target.client,
        place,
        prepared.current.is_none(),
        &prepared.next,
        false,
    )
    .await
    {
        Ok(written) => written,
        Err(error) => match after_failed_write(target.client, place, &prepared, error).await {
            // The answer was lost, but the address is there: carry on as if it had come.
            Ok(found) => found,
            Err((error, written)) => {
                if !written {
                    backup::discard(&path, target.vault);
                }
                return Err(error);
            }
        },
    };
    record.written_resource_version = resource_version(&written);
    backup::update(&path, &record)?;
    outcome.written = true;
    outcome.backup = Some(path.display().to_string());
    let after = api::get(target.client, place.path())
        .await
        .map_err(|e| e.into_error("read back the written configuration"))?;
    outcome.verified = after.is_some_and(|after| {
        read_config(place, &after).is_ok_and(|config| {
            config_place::address_in(place, &config).as_deref() == Some(outcome.plan.url.as_str())
                && without_address(place, &config) == without_address(place, &prepared.config)
        })
    });
    if !outcome.verified {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("the address was written to {}, but reading it back shows something else", place.describe()),
        )
        .with_hint("another program may have changed it at the same moment; run `proxy-address show`, and `proxy-address restore` to put the previous state back"));
    }
    Ok(outcome)
}

struct Prepared {
    plan: SetPlan,
    /// The object as read; `None`: it does not exist yet.
    current: Option<Value>,
    /// The configuration as read (before the change).
    config: Mapping,
    /// The object to write.
    next: Value,
}

async fn prepare(client: &kube::Client, url: &str) -> Result<Prepared> {
    let url = proxy_url::parse(url)?;
    let report: AddressReport = address::detect(client).await?;
    let place = report.read_place;
    let current = api::get(client, place.path())
        .await
        .map_err(|e| e.into_error(&format!("read {}", place.describe())))?;
    let (base, config) = match &current {
        Some(object) => (object.clone(), read_config(place, object)?),
        None if place == AddressPlace::TowerSecret => (config_place::seed_secret(), Mapping::new()),
        None => {
            return Err(Error::not_found(format!(
                "{} does not exist, so there is nowhere to write the address",
                place.describe()
            ))
            .with_hint(
                "check that KubeSphere is installed completely on this host (`host check`)",
            ));
        }
    };
    let next_config =
        config_place::with_address(place, &config, &url.url).map_err(|e| unreadable(place, &e))?;
    let next = config_place::object_with(
        place,
        &base,
        &next_config,
        &config_place::render(&next_config),
    );
    let previous_address = config_place::address_in(place, &config);
    let plan = SetPlan {
        place,
        description: place.describe().into(),
        previous_address: previous_address.clone(),
        creates: current.is_none(),
        unchanged: previous_address.as_deref() == Some(url.url.as_str()),
        diff: diff::lines(
            &config_place::redacted(&config),
            &config_place::redacted(&next_config),
        ),
        other_keys: other_keys(place, &base),
        warnings: proxy_url::warnings(&url, report.service.as_ref(), &report.nodes),
        needs_restart: place.needs_restart(),
        url: url.url,
    };
    Ok(Prepared {
        plan,
        current,
        config,
        next,
    })
}

pub(super) fn read_config(place: AddressPlace, object: &Value) -> Result<Mapping> {
    let text = config_place::config_text(place, object).map_err(|e| unreadable(place, &e))?;
    match text {
        Some(text) => config_place::parse(place, &text).map_err(|e| unreadable(place, &e)),
        None => Ok(Mapping::new()),
    }
}

fn unreadable(place: AddressPlace, reason: &config_place::Unreadable) -> Error {
    let (kind, ns_name) = match place {
        AddressPlace::TowerSecret => ("secret", "tower"),
        AddressPlace::KubesphereConfig => ("configmap", "kubesphere-config"),
        AddressPlace::KsInstaller => ("clusterconfiguration", "ks-installer"),
    };
    Error::invalid_input(format!(
        "{}: {}; it was left as it is and nothing was written",
        place.describe(),
        reason.0
    ))
    .with_hint(format!(
        "look at it with `kubectl -n kubesphere-system get {kind} {ns_name} -o yaml`, repair or remove the broken configuration, then set the address again"
    ))
}

fn without_address(place: AddressPlace, config: &Mapping) -> Mapping {
    let mut out = config.clone();
    match place {
        AddressPlace::KubesphereConfig => {
            if let Some(section) = out.get_mut("multicluster").and_then(|m| m.as_mapping_mut()) {
                section.remove("proxyPublishAddress");
            }
        }
        _ => {
            out.remove("proxyPublishAddress");
        }
    }
    out
}

fn other_keys(place: AddressPlace, object: &Value) -> Vec<String> {
    let own = match place {
        AddressPlace::TowerSecret => "configuration.yaml",
        AddressPlace::KubesphereConfig => "kubesphere.yaml",
        AddressPlace::KsInstaller => return Vec::new(),
    };
    object["data"]
        .as_object()
        .map(|data| data.keys().filter(|k| *k != own).cloned().collect())
        .unwrap_or_default()
}

pub(super) async fn write(
    client: &kube::Client,
    place: AddressPlace,
    create: bool,
    object: &Value,
    dry_run: bool,
) -> Result<Value> {
    let doing = if dry_run {
        format!("check the change of {} (server dry run)", place.describe())
    } else {
        format!("write {}", place.describe())
    };
    write_raw(client, place, create, object, dry_run)
        .await
        .map_err(|e| e.into_error(&doing))
}

async fn write_raw(
    client: &kube::Client,
    place: AddressPlace,
    create: bool,
    object: &Value,
    dry_run: bool,
) -> api::ApiResult<Value> {
    if create {
        api::create(client, place.collection_path(), object, dry_run).await
    } else {
        api::replace(client, place.path(), object, dry_run).await
    }
}

/// After the write failed: the object if it was written all the same (its answer lost on
/// the way), else the error to show and whether the object may have been written (then
/// the backup is kept, so `restore` can still take it back).
async fn after_failed_write(
    client: &kube::Client,
    place: AddressPlace,
    prepared: &Prepared,
    error: api::ApiError,
) -> std::result::Result<Value, (Error, bool)> {
    let doing = format!("write {}", place.describe());
    let nothing_written = |error: Error| {
        let hint = match error.hint.clone() {
            Some(hint) if hint.contains("nothing was written") => hint,
            Some(hint) => format!("nothing was written; {hint}"),
            None => "nothing was written; try again".into(),
        };
        (error.with_hint(hint), false)
    };
    if !matches!(error, api::ApiError::Transport(_)) {
        // The server answered that it did not make the change.
        return Err(nothing_written(error.into_error(&doing)));
    }
    // No answer (a write is not sent twice): look at what is there now.
    let read_rv = prepared.current.as_ref().and_then(resource_version);
    let wanted = config_place::address_in(
        place,
        &read_config(place, &prepared.next).unwrap_or_default(),
    );
    match api::get(client, place.path()).await {
        Ok(now) if now.as_ref().and_then(resource_version) == read_rv => {
            Err(nothing_written(error.into_error(&doing)))
        }
        Ok(Some(now))
            if read_config(place, &now)
                .is_ok_and(|c| config_place::address_in(place, &c) == wanted) =>
        {
            Ok(now)
        }
        Ok(_) => Err((
            error.into_error(&doing).with_hint("it changed meanwhile, but not to this address: look at it with `proxy-address show` before setting it again"),
            false,
        )),
        Err(_) => Err((
            error.into_error(&doing).with_hint("it is not known whether the address was written: look with `proxy-address show`; `proxy-address restore` takes it back if it was"),
            true,
        )),
    }
}

/// A `set` cut off after the server wrote the address but before the answer came (the app
/// killed) left a backup without the written resourceVersion, so `restore` would refuse it.
/// Setting the same address again finds it already there: complete that backup.
fn finish_interrupted(
    target: &Target<'_>,
    place: AddressPlace,
    prepared: &Prepared,
) -> Result<Option<String>> {
    let dir = backup::dir(target.data_dir);
    let Some((path, mut record)) = backup::interrupted(&dir, target.vault, target.context)? else {
        return Ok(None);
    };
    if record.place != place
        || Some(record.url.as_str()) != prepared.plan.previous_address.as_deref()
    {
        return Ok(None);
    }
    record.written_resource_version = prepared.current.as_ref().and_then(resource_version);
    backup::update(&path, &record)?;
    Ok(Some(path.display().to_string()))
}

fn resource_version(object: &Value) -> Option<String> {
    object["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string)
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RestoreOutcome {
    pub place: AddressPlace,
    pub description: String,
    /// The address that was taken back.
    pub removed_address: String,
    /// The address in force again, if the previous state had one.
    pub restored_address: Option<String>,
    /// The object did not exist before and was deleted.
    pub deleted: bool,
    /// Read back: the data is byte-identical to the backup.
    pub verified: bool,
    pub backup: String,
    pub needs_restart: bool,
}

/// Puts back the object as it was before the newest `set` on this context. Refuses when the
/// object changed since that write: restoring would silently undo someone else's change.
/// Recorded in the audit log.
pub async fn restore(target: &Target<'_>) -> Result<RestoreOutcome> {
    audit::ready(target.data_dir)?;
    let result = restore_unrecorded(target).await;
    let change = Change::new(Action::ProxyAddressRestore, target.context)
        .user(crate::join::add::whoami(target.client).await);
    audit::record(target.data_dir, change, result, |outcome| {
        let what = if outcome.deleted {
            format!("deleted {} (it did not exist before)", outcome.description)
        } else {
            format!(
                "restored {} from backup {}",
                outcome.description, outcome.backup
            )
        };
        vec![format!("{what}; took back {}", outcome.removed_address)]
    })
}

async fn restore_unrecorded(target: &Target<'_>) -> Result<RestoreOutcome> {
    let (path, record) =
        backup::latest(&backup::dir(target.data_dir), target.vault, target.context)?;
    let place = record.place;
    let current = api::get(target.client, place.path())
        .await
        .map_err(|e| e.into_error(&format!("read {}", place.describe())))?;
    let current_version = current.as_ref().and_then(resource_version);
    if current_version.is_none() || current_version != record.written_resource_version {
        return Err(Error::invalid_input(format!(
            "{} changed after Onboard wrote {} to it, so restoring would undo that later change; nothing was restored",
            place.describe(),
            record.url
        ))
        .with_hint(format!(
            "edit it by hand if the old state is still wanted (the backup {} keeps the old object in the OS keyring, entry {})",
            path.display(),
            backup::vault_key(&path)
        )));
    }
    let current_version = current_version.unwrap_or_default();
    let mut outcome = RestoreOutcome {
        place,
        description: place.describe().into(),
        removed_address: record.url.clone(),
        restored_address: None,
        deleted: false,
        verified: false,
        backup: path.display().to_string(),
        needs_restart: place.needs_restart(),
    };
    match &backup::previous(&path, target.vault, &record)? {
        None => {
            api::delete_at(target.client, place.path(), &current_version)
                .await
                .map_err(|e| e.into_error(&format!("delete {}", place.describe())))?;
            outcome.deleted = true;
            outcome.verified = api::get(target.client, place.path())
                .await
                .is_ok_and(|o| o.is_none());
        }
        Some(previous) => {
            let mut body = previous.clone();
            if let Some(meta) = body["metadata"].as_object_mut() {
                meta.remove("managedFields");
                meta.insert("resourceVersion".into(), Value::from(current_version));
            }
            api::replace(target.client, place.path(), &body, false)
                .await
                .map_err(|e| e.into_error(&format!("restore {}", place.describe())))?;
            outcome.restored_address = read_config(place, previous)
                .ok()
                .and_then(|c| config_place::address_in(place, &c));
            let after = api::get(target.client, place.path())
                .await
                .map_err(|e| e.into_error("read back the restored configuration"))?;
            outcome.verified = after.is_some_and(|after| same_content(place, previous, &after));
        }
    }
    if !outcome.verified {
        return Err(Error::new(
            ErrorKind::Internal,
            format!(
                "{} was restored, but reading it back does not match the backup",
                place.describe()
            ),
        )
        .with_hint(format!(
            "compare it with the old object, kept in the OS keyring under {} (backup {})",
            backup::vault_key(&path),
            path.display()
        )));
    }
    backup::mark_restored(&path, target.vault)?;
    Ok(outcome)
}

/// The fields a change touches are byte-identical.
fn same_content(place: AddressPlace, a: &Value, b: &Value) -> bool {
    let fields: &[&str] = match place {
        AddressPlace::KsInstaller => &["spec"],
        _ => &["data", "type"],
    };
    fields.iter().all(|f| a[f] == b[f])
        && a["metadata"]["labels"] == b["metadata"]["labels"]
        && a["metadata"]["annotations"] == b["metadata"]["annotations"]
}
