//! The app's view of contexts from the terminal: list, import, show, use-role, remove.
//! Same workspace as the window (store first, then your kubeconfig files), same rules.

use super::kubeconfig::resolve_sources;
use crate::cli::{GlobalArgs, ImportArgs, RemoveArgs, RoleArg, ShowArgs, UseRoleArgs};
use crate::output::{self, Printable};
use onboard_core::app::Role;
use onboard_core::kubeconfig::details::{CaSource, ContextDetails, CredentialPlace};
use onboard_core::kubeconfig::import::{self, Conflict, ImportChoice, ImportPreview, ImportSource};
use onboard_core::kubeconfig::store::{Roles, Store};
use onboard_core::kubeconfig::summary::ContextSummary;
use onboard_core::kubeconfig::workspace::Workspace;
use onboard_core::vault::OsKeyring;
use serde::Serialize;
use std::io::Read;

pub(super) fn workspace(global: &GlobalArgs) -> onboard_core::Result<Workspace> {
    Ok(Workspace {
        store: Store::in_dir(&Store::default_dir()?),
        files: resolve_sources(global)?,
    })
}

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    context: ContextSummary,
    role: Option<Role>,
}

#[derive(Serialize)]
#[serde(transparent)]
struct List(Vec<ListRow>);

impl Printable for List {
    fn headers() -> &'static [&'static str] {
        &["NAME", "SERVER", "AUTH", "NAMESPACE", "SOURCE", "ROLE"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|row| {
                let c = &row.context;
                let source = if c.imported {
                    "imported".to_owned()
                } else {
                    c.file
                        .as_ref()
                        .map(|f| f.display().to_string())
                        .unwrap_or_default()
                };
                vec![
                    c.name.clone(),
                    c.server
                        .clone()
                        .unwrap_or_else(|| "(cluster missing)".into()),
                    c.auth.label(),
                    c.namespace.clone(),
                    source,
                    row.role.map(role_label).unwrap_or_default().into(),
                ]
            })
            .collect()
    }

    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.iter().map(|r| r.context.name.clone()).collect())
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Host => "host",
        Role::Member => "member",
    }
}

fn role_of(roles: &Roles, name: &str) -> Option<Role> {
    if roles.host.as_deref() == Some(name) {
        Some(Role::Host)
    } else if roles.member.as_deref() == Some(name) {
        Some(Role::Member)
    } else {
        None
    }
}

pub fn list(global: &GlobalArgs) -> onboard_core::Result<()> {
    let workspace = workspace(global)?;
    let roles = workspace.roles()?;
    let rows = workspace
        .summary()?
        .contexts
        .into_iter()
        .map(|context| ListRow {
            role: role_of(&roles, &context.name),
            context,
        })
        .collect();
    output::print(&List(rows), global.output)
}

pub fn import(global: &GlobalArgs, args: &ImportArgs) -> onboard_core::Result<()> {
    let workspace = workspace(global)?;
    let source = import_source(args)?;
    let taken = workspace.taken()?;
    let preview = import::preview(&source, &taken)?;
    if let Some(group) = preview.groups.iter().find(|g| g.error.is_some()) {
        let error = group.error.clone().expect("found by its error");
        return Err(error);
    }
    let plan = plan(&preview, args)?;
    if args.dry_run {
        return output::print(&plan, global.output);
    }
    let choices: Vec<ImportChoice> = plan.0.iter().map(|row| row.choice.clone()).collect();
    let outcome = import::import(
        &source,
        &choices,
        &taken,
        &workspace.store,
        &OsKeyring::new(),
    )?;
    eprintln!(
        "imported {} context(s); {} credential(s) saved in the OS keyring",
        outcome.imported.len(),
        outcome.secrets_saved
    );
    output::print(&plan, global.output)
}

fn import_source(args: &ImportArgs) -> onboard_core::Result<ImportSource> {
    if args.stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            onboard_core::Error::io("read", std::path::Path::new("standard input"), &e)
        })?;
        Ok(ImportSource::Text { text })
    } else if args.default_locations {
        Ok(ImportSource::DefaultLocations)
    } else {
        Ok(ImportSource::Files {
            paths: args.files.clone(),
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanRow {
    from: String,
    #[serde(flatten)]
    choice: ImportChoice,
    server: Option<String>,
    auth: String,
}

#[derive(Serialize)]
#[serde(transparent)]
struct Plan(Vec<PlanRow>);

impl Printable for Plan {
    fn headers() -> &'static [&'static str] {
        &["CONTEXT", "SAVED AS", "FROM", "SERVER", "AUTH"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|row| {
                let saved = if row.choice.replace {
                    format!("{} (replaces the imported one)", row.choice.save_as)
                } else {
                    row.choice.save_as.clone()
                };
                vec![
                    row.choice.context.clone(),
                    saved,
                    row.from.clone(),
                    row.server.clone().unwrap_or_default(),
                    row.auth.clone(),
                ]
            })
            .collect()
    }

    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.iter().map(|r| r.choice.save_as.clone()).collect())
    }
}

/// Which contexts to import under which names: `--only`, then `--as` renames in file order,
/// else the preview's suggestion (or the name itself with `--replace`).
fn plan(preview: &ImportPreview, args: &ImportArgs) -> onboard_core::Result<Plan> {
    let mut renames: Vec<(String, String)> = args.rename.clone();
    let mut rows = Vec::new();
    for (index, group) in preview.groups.iter().enumerate() {
        for candidate in &group.contexts {
            let found = &candidate.context;
            if !args.only.is_empty() && !args.only.contains(&found.name) {
                continue;
            }
            if let Some(problem) = &candidate.problem {
                return Err(onboard_core::Error::invalid_input(format!(
                    "context \"{}\" in {} cannot be imported: {problem}",
                    found.name, group.label
                ))
                .with_hint("fix the file, or leave the context out with --only"));
            }
            let renamed = renames.iter().position(|(from, _)| from == &found.name);
            let (save_as, replace) = match renamed.map(|i| renames.remove(i)) {
                Some((_, to)) => (to, args.replace),
                None if args.replace && candidate.conflict == Some(Conflict::Imported) => {
                    (found.name.clone(), true)
                }
                None => (candidate.suggested_name.clone(), false),
            };
            rows.push(PlanRow {
                from: group.label.clone(),
                choice: ImportChoice {
                    group: index as u32,
                    context: found.name.clone(),
                    save_as,
                    replace,
                },
                server: found.server.clone(),
                auth: found.auth.label(),
            });
        }
    }
    if let Some((from, _)) = renames.first() {
        return Err(onboard_core::Error::invalid_input(format!(
            "--as names the context \"{from}\", which the import does not have (or has fewer times)"
        ))
        .with_hint("check the names with --dry-run"));
    }
    if let Some(missing) = args
        .only
        .iter()
        .find(|n| !rows.iter().any(|r| &r.choice.context == *n))
    {
        return Err(onboard_core::Error::not_found(format!(
            "--only names the context \"{missing}\", which the import does not have"
        ))
        .with_hint("check the names with --dry-run"));
    }
    Ok(Plan(rows))
}

impl Printable for ContextDetails {
    fn headers() -> &'static [&'static str] {
        &["FIELD", "VALUE"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let d = self;
        let mut rows = vec![
            ("context", d.name.clone()),
            ("namespace", d.namespace.clone()),
            ("cluster", d.cluster.name.clone()),
            (
                "server",
                d.cluster
                    .server
                    .clone()
                    .unwrap_or_else(|| "(cluster missing)".into()),
            ),
            (
                "certificate authority",
                ca_label(&d.cluster.certificate_authority),
            ),
            ("tls-server-name", d.cluster.tls_server_name.clone()),
            ("insecure-skip-tls-verify", d.cluster.insecure.to_string()),
            ("user", d.user.name.clone()),
            ("auth", d.user.auth.label()),
        ];
        for credential in &d.user.credentials {
            let place = match &credential.place {
                CredentialPlace::Keyring => "•••• in the OS keyring".to_owned(),
                CredentialPlace::Kubeconfig => "•••• in the kubeconfig file".to_owned(),
                CredentialPlace::File { path } => format!("•••• in {}", path.display()),
            };
            rows.push(("credential", format!("{}: {place}", credential.field)));
        }
        if let Some(exec) = &d.user.exec {
            rows.push(("exec command", exec.command.clone()));
            rows.push(("exec args", exec.args.join(" ")));
            rows.push(("exec apiVersion", exec.api_version.clone()));
            rows.push(("exec env", exec.env_names.join(", ")));
            rows.push(("exec installHint", exec.install_hint.clone()));
        }
        let source = if d.imported {
            "imported into the app".to_owned()
        } else {
            d.file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default()
        };
        rows.push(("source", source));
        let roles: Vec<&str> = d.roles.iter().map(|r| role_label(*r)).collect();
        rows.push(("role", roles.join(", ")));
        rows.into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(field, value)| vec![field.to_owned(), value])
            .collect()
    }
}

fn ca_label(ca: &CaSource) -> String {
    match ca {
        CaSource::Embedded { bytes } => format!("embedded ({bytes} bytes)"),
        CaSource::File { path } => path.display().to_string(),
        CaSource::System => "the system's trusted roots".into(),
    }
}

pub fn show(global: &GlobalArgs, args: &ShowArgs) -> onboard_core::Result<()> {
    let workspace = workspace(global)?;
    let name = match args.name.as_ref().or(global.context.as_ref()) {
        Some(name) => name.clone(),
        None => {
            let current = workspace.load()?.config.current_context;
            if current.is_empty() {
                return Err(onboard_core::Error::invalid_input(
                    "no context named and current-context is not set",
                )
                .with_hint("name one: ks-onboard-cli kubeconfig show CONTEXT"));
            }
            current
        }
    };
    output::print(&workspace.details(&name)?, global.output)
}

pub fn use_role(global: &GlobalArgs, args: &UseRoleArgs) -> onboard_core::Result<()> {
    let role = match args.role {
        RoleArg::Host => Role::Host,
        RoleArg::Member => Role::Member,
    };
    let roles = workspace(global)?.use_role(role, &args.name)?;
    output::print(&roles, global.output)
}

impl Printable for Roles {
    fn headers() -> &'static [&'static str] {
        &["ROLE", "CONTEXT"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        [("host", &self.host), ("member", &self.member)]
            .into_iter()
            .map(|(role, context)| {
                vec![
                    role.into(),
                    context.clone().unwrap_or_else(|| "(not chosen)".into()),
                ]
            })
            .collect()
    }
}

pub fn remove(global: &GlobalArgs, args: &RemoveArgs) -> onboard_core::Result<()> {
    let workspace = workspace(global)?;
    workspace.store.remove(&args.contexts, &OsKeyring::new())?;
    for name in &args.contexts {
        println!("removed {name}");
    }
    Ok(())
}
