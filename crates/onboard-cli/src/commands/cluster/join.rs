//! `cluster add` and `cluster join`: create the Cluster, fetch and apply agent.yaml, follow.

use super::*;

// ---- cluster add / join ----

fn group(arg: GroupArg) -> Group {
    match arg {
        GroupArg::Production => Group::Production,
        GroupArg::Development => Group::Development,
        GroupArg::Testing => Group::Testing,
        GroupArg::Demo => Group::Demo,
    }
}

fn read_config(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::io("read", Path::new("standard input"), &e))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| Error::io("read", path, &e))
}

fn form_of(args: &ClusterAddArgs) -> Result<ClusterForm> {
    Ok(ClusterForm {
        name: args.name.clone(),
        alias: args.alias.clone().unwrap_or_default(),
        tags: args
            .labels
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
        provider: args.provider.clone().unwrap_or_default(),
        description: args.description.clone().unwrap_or_default(),
        group: args.group.map(group),
        config: match &args.config {
            Some(path) => read_config(path)?,
            None => form::DEFAULT_CONFIG.to_string(),
        },
    })
    .and_then(|form| with_mirror(form, args))
}

/// `--image-registry` / `--pull-secret`, written into the Cluster Configuration: the one
/// place both the agent and ks-core read the mirror from.
fn with_mirror(mut form: ClusterForm, args: &ClusterAddArgs) -> Result<ClusterForm> {
    let Some(registry) = &args.image_registry else {
        return Ok(form);
    };
    let mirror = airgap::Mirror {
        registry: airgap::check_registry(registry)?,
        pull_secrets: match &args.pull_secret {
            Some(name) => vec![airgap::check_secret_name(name)?],
            None => Vec::new(),
        },
    };
    form.config = airgap::config_with(&form.config, &mirror)?;
    Ok(form)
}

/// What `cluster add` and `cluster join` print with -o json|yaml: the core's results as
/// they are (agent.yaml as its masked view).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JoinReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<AddOutcome>,
    agent: ManifestView,
    applied: ApplyOutcome,
    /// The join as last seen (with --wait).
    snapshot: Option<JoinSnapshot>,
}

/// Everything the join needs: both clients and where it is recorded.
struct Join<'a> {
    host: &'a kube::Client,
    member: &'a kube::Client,
    host_context: &'a str,
    member_context: &'a str,
    data_dir: &'a Path,
    name: &'a str,
    wait: bool,
    timeout: Duration,
}

/// The two ways on after a failed or interrupted join, on stderr.
fn continue_note(join: &Join<'_>) {
    eprintln!(
        "note: Cluster {name} stays on the host; once the cause is fixed continue with `ks-onboard-cli cluster join {name} --host-context {host} --member-context {member} --wait`, or take it back with `ks-onboard-cli cluster remove {name} --host-context {host} --member-context {member}`",
        name = join.name,
        host = join.host_context,
        member = join.member_context
    );
}

pub fn add(global: &GlobalArgs, args: &ClusterAddArgs) -> Result<()> {
    no_names(global)?;
    let form = form_of(args)?;
    let problems = form::validate(&form);
    if !problems.is_empty() {
        print_problems(&problems);
        return Err(form::into_error(&problems));
    }
    let Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    } = connect_both(global, args.host_context.as_deref(), &args.member_context)?;
    let target = HostTarget {
        client: &host,
        context: &host_context,
        member_context: Some(&args.member_context),
        data_dir: &data_dir,
    };
    let preview = runtime.block_on(add::preview(&host, &form))?;
    if !preview.problems.is_empty() {
        print_problems(&preview.problems);
        return Err(form::into_error(&preview.problems));
    }
    if args.dry_run {
        let outcome = runtime.block_on(add::add(&target, &form, true))?;
        return print_dry_run(global, &outcome, &preview.placements, &host_context);
    }
    eprintln!(
        "creating Cluster {} on {host_context} (after a server dry run)",
        form.name
    );
    let added = run_interruptible(&runtime, add::add(&target, &form, false), || {
        Error::new(ErrorKind::Unavailable, "interrupted while creating the Cluster")
            .with_hint(format!("see whether it was created: `ks-onboard-cli cluster status {} --context {host_context}`", form.name))
    })?;
    if added.created_tags.is_empty() {
        eprintln!("created Cluster {}", added.name);
    } else {
        eprintln!(
            "created Cluster {} and the tags {}",
            added.name,
            added.created_tags.join(", ")
        );
    }
    let join = Join {
        host: &host,
        member: &member,
        host_context: &host_context,
        member_context: &args.member_context,
        data_dir: &data_dir,
        name: &form.name,
        wait: args.wait,
        timeout: args.timeout,
    };
    finish_join(global, &runtime, &join, Some(added))
}

/// The host and the member, connected, for `add` and `join`.
struct Connected {
    runtime: tokio::runtime::Runtime,
    host_context: String,
    host: kube::Client,
    member: kube::Client,
    data_dir: std::path::PathBuf,
}

fn connect_both(
    global: &GlobalArgs,
    host_flag: Option<&str>,
    member_context: &str,
) -> Result<Connected> {
    let (host_context, host_merged) = host_of(global, host_flag)?;
    let member_merged = merged_for(global, member_context)?;
    let data_dir = Store::default_dir()?;
    let runtime = runtime()?;
    let (host, member) = runtime.block_on(async {
        Ok::<_, Error>((
            connect(&host_merged, &host_context).await?,
            connect(&member_merged, member_context).await?,
        ))
    })?;
    Ok(Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    })
}

/// `cluster join`: the rest of `add` for a Cluster that is already on the host.
pub fn join(global: &GlobalArgs, args: &ClusterJoinArgs) -> Result<()> {
    no_names(global)?;
    let Connected {
        runtime,
        host_context,
        host,
        member,
        data_dir,
    } = connect_both(global, args.host_context.as_deref(), &args.member_context)?;
    let join = Join {
        host: &host,
        member: &member,
        host_context: &host_context,
        member_context: &args.member_context,
        data_dir: &data_dir,
        name: &args.name,
        wait: args.wait,
        timeout: args.timeout,
    };
    finish_join(global, &runtime, &join, None)
}

fn print_dry_run(
    global: &GlobalArgs,
    outcome: &AddOutcome,
    placements: &[onboard_core::join::cluster_object::FieldPlacement],
    host_context: &str,
) -> Result<()> {
    match global.output {
        Output::Yaml => {
            print!("{}", outcome.yaml);
            Ok(())
        }
        Output::Json => {
            let object: serde_json::Value = serde_yaml::from_str(&outcome.yaml).map_err(|_| {
                Error::new(ErrorKind::Internal, "the Cluster object is not valid YAML")
            })?;
            output::print_document(&object, output::Document::Json)
        }
        _ => {
            println!(
                "dry run: the host ({host_context}) accepts Cluster {}; nothing was created",
                outcome.name
            );
            if !outcome.created_tags.is_empty() {
                println!("would create the tags {}", outcome.created_tags.join(", "));
            }
            output::print(&Placements(placements.to_vec()), Output::Table)?;
            println!("the Cluster object: -o yaml");
            Ok(())
        }
    }
}

#[derive(Serialize)]
#[serde(transparent)]
struct Placements(Vec<onboard_core::join::cluster_object::FieldPlacement>);

impl Printable for Placements {
    fn headers() -> &'static [&'static str] {
        &["FIELD", "WRITTEN TO", "VALUE"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|p| vec![p.field.clone(), p.path.clone(), p.value.clone()])
            .collect()
    }
}

/// agent.yaml once tower has initialized the cluster, asked again until `deadline`.
async fn fetch_when_initialized(
    join: &Join<'_>,
    deadline: tokio::time::Instant,
) -> Result<AgentManifest> {
    let mut said = false;
    loop {
        match agent::fetch(join.host, join.name).await {
            Ok(manifest) => return Ok(manifest),
            Err(error)
                if error.kind == ErrorKind::Unavailable
                    && error.message.contains("has not initialized") =>
            {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    return Err(Error::new(
                        ErrorKind::Unavailable,
                        format!(
                            "tower did not initialize cluster \"{}\" within {}: agent.yaml has no join token yet",
                            join.name,
                            human(join.timeout)
                        ),
                    )
                    .with_hint(format!(
                        "tower initializes a Cluster within seconds when it runs: check the tower extension (`ks-onboard-cli host check --context {}`)",
                        join.host_context
                    )));
                }
                if !said {
                    eprintln!(
                        "waiting for tower to initialize cluster {} (agent.yaml has no join token until then)",
                        join.name
                    );
                    said = true;
                }
                tokio::time::sleep(FETCH_RETRY.min(deadline - now)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

pub(super) fn source_label_of(source: ManifestSource) -> &'static str {
    match source {
        ManifestSource::TowerExtension => "the tower extension on the host",
        ManifestSource::KsApiserverV3 => "ks-apiserver on the host (KubeSphere 3.x)",
        ManifestSource::Rendered => "rendered here from tower's template",
    }
}

fn action_label(action: PlanAction, done: bool) -> &'static str {
    match (action, done) {
        (PlanAction::Create, false) => "create",
        (PlanAction::Create, true) => "created",
        (PlanAction::Update, false) => "update",
        (PlanAction::Update, true) => "updated",
        (PlanAction::Unchanged, _) => "unchanged",
        (PlanAction::Conflict, _) => "CONFLICT",
    }
}

/// Checks from the member's nodes that tower answers at `server`; a warning, not a stop
/// (the agent retries forever, and the address may be fixed afterwards).
async fn warn_unreachable_nodes(member: &kube::Client, server: &str) {
    match probe::from_member(member, server, probe::PROBE_IMAGE, Duration::from_secs(20)).await {
        Ok(report) => {
            for node in &report.nodes {
                match node.reachable {
                    Some(true) => eprintln!("probe: node {} reaches {}", node.node, report.url),
                    Some(false) => eprintln!(
                        "warning: node {} cannot reach {}: {}",
                        node.node, report.url, node.detail
                    ),
                    None => eprintln!("probe: node {} not checked: {}", node.node, node.detail),
                }
            }
        }
        Err(error) => eprintln!(
            "probe: the member's nodes could not be checked: {}",
            error.message
        ),
    }
}

/// Fetches agent.yaml, plans and applies it to the member; `shown` gets the manifest so
/// that the timeline printer can mask its token.
async fn fetch_and_apply(
    join: &Join<'_>,
    deadline: tokio::time::Instant,
    shown: &RefCell<Option<AgentManifest>>,
) -> Result<(ManifestView, ApplyOutcome)> {
    let mut manifest = fetch_when_initialized(join, deadline).await?;
    airgap::attach_pull_secret(&mut manifest, &OsKeyring::new())?;
    *shown.borrow_mut() = Some(manifest.clone());
    let view = manifest.view();
    eprintln!(
        "agent.yaml from {} (proxy server {})",
        source_label_of(manifest.source),
        view.proxy_server.as_deref().unwrap_or("not named")
    );
    if let Some(note) = &manifest.note {
        eprintln!("note: {note}");
    }
    if let Some(mirror) = &view.mirror {
        eprintln!(
            "air gap: the member pulls from {}{}",
            mirror.registry,
            match (&view.pull_secret, mirror.pull_secrets.first()) {
                (Some(name), _) =>
                    format!(" with pull secret {name} (from the OS keyring's login)"),
                (None, Some(name)) => format!(" with its own pull secret {name}"),
                (None, None) => String::new(),
            }
        );
    }
    if let Some(check) = pull_check::agent_image(join.member, &manifest, PULL_CHECK).await? {
        if let Some(error) = pull_check::refused(&check, &manifest) {
            return Err(error);
        }
        match check.pulled {
            Some(true) => eprintln!("image: the member pulls {}", check.image),
            _ => eprintln!("image: {} not checked: {}", check.image, check.detail),
        }
    }
    if let Some(server) = &view.proxy_server {
        warn_unreachable_nodes(join.member, server).await;
    }
    let plan = apply::plan(join.member, &manifest).await?;
    for item in &plan.items {
        match &item.detail {
            Some(detail) => eprintln!(
                "plan: {:<9} {} ({detail})",
                action_label(item.action, false),
                item.object.describe()
            ),
            None => eprintln!(
                "plan: {:<9} {}",
                action_label(item.action, false),
                item.object.describe()
            ),
        }
    }
    let target = MemberTarget {
        client: join.member,
        context: join.member_context,
        host_context: join.host_context,
        data_dir: join.data_dir,
    };
    let applied = apply::apply(&target, &manifest, |step: &ApplyStep| {
        if step.done {
            eprintln!(
                "[{}/{}] {:<9} {}",
                step.index + 1,
                step.total,
                action_label(step.action, true),
                step.object.describe()
            );
        }
    })
    .await?;
    Ok((view, applied))
}

/// Waits for agent.yaml, applies it and, with --wait, follows the join to Ready, the
/// timeline printed as it comes (watching from the start, so a stuck join is explained).
fn finish_join(
    global: &GlobalArgs,
    runtime: &tokio::runtime::Runtime,
    join: &Join<'_>,
    added: Option<AddOutcome>,
) -> Result<()> {
    let shown: RefCell<Option<AgentManifest>> = RefCell::new(None);
    let latest: RefCell<Option<JoinSnapshot>> = RefCell::new(None);
    let print_update = |update: WatchUpdate| match update {
        WatchUpdate::Entry { entry } => {
            let line = entry_line(&entry);
            let line = match &*shown.borrow() {
                Some(manifest) => manifest.mask(&line),
                None => line,
            };
            eprintln!("{line}");
        }
        WatchUpdate::Snapshot { snapshot } => *latest.borrow_mut() = Some(snapshot),
    };
    let work = async {
        let deadline = tokio::time::Instant::now() + join.timeout;
        let follow = async {
            if !join.wait {
                return std::future::pending::<Result<JoinSnapshot>>().await;
            }
            let options = FollowOptions {
                until_ready: true,
                timeout: Some(join.timeout),
            };
            watch::follow(
                join.host.clone(),
                Some(join.member.clone()),
                join.name,
                options,
                print_update,
            )
            .await
        };
        let applying = fetch_and_apply(join, deadline, &shown);
        tokio::pin!(follow, applying);
        let mut followed = None;
        let applied = loop {
            tokio::select! {
                result = &mut applying => break result,
                snapshot = &mut follow, if followed.is_none() => followed = Some(snapshot),
            }
        };
        let snapshot = match (join.wait && applied.is_ok(), followed) {
            (false, _) => None,
            (true, Some(done)) => Some(done?),
            (true, None) => Some(follow.await?),
        };
        Ok::<_, Error>((applied, snapshot))
    };
    let (applied, snapshot) = run_interruptible(runtime, work, || {
        continue_note(join);
        Error::new(
            ErrorKind::Unavailable,
            format!(
                "interrupted: the join of {} was not followed to the end",
                join.name
            ),
        )
        .with_hint(format!(
            "follow it with `ks-onboard-cli cluster status {} --context {} --member-context {} -w`",
            join.name, join.host_context, join.member_context
        ))
    })?;
    let (agent, applied) = match applied {
        Ok(done) => done,
        Err(error) if error.kind == ErrorKind::NotFound => return Err(error),
        Err(error) => {
            let seen = match latest.borrow_mut().take() {
                Some(snapshot) => Some(snapshot),
                None => runtime.block_on(glance(join)).ok(),
            };
            if let Some(snapshot) = seen {
                let serious: Vec<&Diagnosis> = snapshot
                    .diagnoses
                    .iter()
                    .filter(|d| d.severity >= Severity::Warning)
                    .collect();
                write_diagnoses(&mut std::io::stderr().lock(), &serious);
            }
            continue_note(join);
            return Err(error);
        }
    };
    let report = JoinReport {
        added,
        agent,
        applied,
        snapshot,
    };
    if let Some(format) = output::document_format(global.output) {
        output::print_document(&report, format)?;
    } else {
        print_join(join, &report);
    }
    match &report.snapshot {
        Some(snapshot) if !snapshot.ready => Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "cluster {} is not Ready after {} ({})",
                join.name,
                human(join.timeout),
                step_label(snapshot.step)
            ),
        )
        .with_hint(match snapshot.diagnoses.first() {
            Some(first) => first.fix.clone(),
            None => format!(
                "it may only need longer: `ks-onboard-cli cluster status {} --context {} --member-context {} -w`",
                join.name, join.host_context, join.member_context
            ),
        })),
        _ => Ok(()),
    }
}

/// A short look at the join for its diagnoses, when it was not being followed.
async fn glance(join: &Join<'_>) -> Result<JoinSnapshot> {
    let options = FollowOptions {
        until_ready: true,
        timeout: Some(STATUS_LOOK),
    };
    watch::follow(
        join.host.clone(),
        Some(join.member.clone()),
        join.name,
        options,
        |_| {},
    )
    .await
}

fn print_join(join: &Join<'_>, report: &JoinReport) {
    let applied = &report.applied;
    println!(
        "agent.yaml applied to {}: {} created, {} updated, {} unchanged",
        join.member_context,
        applied.created.len(),
        applied.updated.len(),
        applied.unchanged.len()
    );
    match &report.snapshot {
        None => println!(
            "follow the join: ks-onboard-cli cluster status {} --context {} --member-context {} -w",
            join.name, join.host_context, join.member_context
        ),
        Some(snapshot) => {
            if snapshot.ready {
                println!(
                    "cluster {} is Ready on {} ({:.1} s after the watch began)",
                    join.name,
                    join.host_context,
                    snapshot.elapsed_ms as f64 / 1000.0
                );
            }
            write_snapshot(&mut std::io::stdout().lock(), snapshot);
        }
    }
}
