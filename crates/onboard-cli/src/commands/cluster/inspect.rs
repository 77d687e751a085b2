//! `cluster agent-yaml`, `cluster bundle`, `cluster status` and `cluster list`: reading the
//! host, no change to a cluster.

use super::*;

// ---- cluster agent-yaml ----

pub fn agent_yaml(global: &GlobalArgs, args: &AgentYamlArgs) -> Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let manifest = runtime()?
        .block_on(async { agent::fetch(&connect(&merged, &context).await?, &args.name).await })?;
    eprintln!(
        "agent.yaml for cluster {} from {} ({context})",
        args.name,
        join::source_label_of(manifest.source)
    );
    if let Some(note) = &manifest.note {
        eprintln!("note: {note}");
    }
    if let Some(path) = &args.out {
        manifest.export(path)?;
        if output::document_format(global.output).is_none() {
            println!(
                "wrote {} (owner-only: it holds the join credential and grants cluster-admin); on the member: kubectl create -f {}",
                path.display(),
                file_name(path)
            );
        }
    }
    let view = manifest.view();
    if let Some(format) = output::document_format(global.output) {
        return output::print_document(&view, format);
    }
    if args.out.is_some() {
        return Ok(());
    }
    if args.redacted {
        print!("{}", view.yaml);
    } else {
        eprintln!("note: this manifest is a credential (it lets a member join and grants cluster-admin there): apply it with kubectl create -f and do not share it; --redacted masks it");
        print!("{}", manifest.yaml());
    }
    Ok(())
}

// ---- cluster bundle ----

pub fn bundle(global: &GlobalArgs, args: &BundleArgs) -> Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let manifest = runtime()?
        .block_on(async { agent::fetch(&connect(&merged, &context).await?, &args.name).await })?;
    let outcome = bundle::write(&args.out, &manifest, args.include_token)?;
    if let Some(format) = output::document_format(global.output) {
        return output::print_document(&outcome, format);
    }
    for file in &outcome.files {
        println!(
            "{}  {}{}",
            file.sha256,
            file.name,
            if file.owner_only {
                "  (owner-only)"
            } else {
                ""
            }
        );
    }
    println!(
        "wrote the bundle for {} to {} ({} images; README.md has the steps)",
        outcome.cluster,
        outcome.dir,
        outcome.images.len()
    );
    if outcome.token_included {
        eprintln!("note: agent.yaml holds the join credential and grants cluster-admin on the member: keep the folder private and delete it once the cluster is Ready");
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

// ---- cluster status ----

pub fn status(global: &GlobalArgs, args: &ClusterStatusArgs) -> Result<()> {
    no_names(global)?;
    let (context, merged) = host_context(global)?;
    let member_merged = match &args.member_context {
        Some(member) => Some(merged_for(global, member)?),
        None => None,
    };
    let runtime = runtime()?;
    let (host, member) = runtime.block_on(async {
        let host = connect(&merged, &context).await?;
        let member = match (&member_merged, &args.member_context) {
            (Some(merged), Some(name)) => Some(connect(merged, name).await?),
            _ => None,
        };
        Ok::<_, Error>((host, member))
    })?;
    let summary = runtime
        .block_on(clusters::get(&host, &args.name))?
        .ok_or_else(|| {
            Error::not_found(format!(
                "the host ({context}) has no cluster called \"{}\"",
                args.name
            ))
            .with_hint(format!(
                "list them: `ks-onboard-cli cluster list --context {context}`"
            ))
        })?;
    let table = output::document_format(global.output).is_none();
    if table {
        output::print(&Summaries(vec![summary]), Output::Table)?;
    }
    let latest: RefCell<Option<JoinSnapshot>> = RefCell::new(None);
    // -w ends when the Cluster is deleted; snapshots before its watch has answered say
    // "absent" too, so only a Cluster seen before counts as gone.
    let gone = tokio::sync::Notify::new();
    let seen = std::cell::Cell::new(false);
    let watching = args.watch;
    let on_update = |update: WatchUpdate| match update {
        WatchUpdate::Entry { entry } if watching => eprintln!("{}", entry_line(&entry)),
        WatchUpdate::Entry { .. } => {}
        WatchUpdate::Snapshot { snapshot } => {
            if snapshot.exists {
                seen.set(true);
            } else if seen.get() && watching {
                gone.notify_one();
            }
            *latest.borrow_mut() = Some(snapshot);
        }
    };
    let options = FollowOptions {
        until_ready: true,
        timeout: (!args.watch).then_some(STATUS_LOOK),
    };
    let followed = runtime.block_on(async {
        tokio::select! {
            snapshot = watch::follow(host.clone(), member.clone(), &args.name, options, on_update) => snapshot.map(Some),
            _ = gone.notified() => Ok(None),
            _ = tokio::signal::ctrl_c(), if watching => Ok(None),
        }
    })?;
    let interrupted = followed.is_none();
    let snapshot = match followed {
        Some(snapshot) => snapshot,
        None => latest.borrow_mut().take().ok_or_else(|| {
            Error::new(ErrorKind::Unavailable, "stopped before the host answered")
        })?,
    };
    match output::document_format(global.output) {
        Some(format) => output::print_document(&snapshot, format)?,
        None => {
            println!();
            write_snapshot(&mut std::io::stdout().lock(), &snapshot);
        }
    }
    if args.watch && !snapshot.ready {
        return Err(Error::new(
            ErrorKind::Unavailable,
            if snapshot.exists || !interrupted {
                format!("stopped before cluster {} was Ready", args.name)
            } else {
                format!("Cluster {} was deleted from the host", args.name)
            },
        )
        .with_hint(match snapshot.diagnoses.first() {
            Some(first) => first.fix.clone(),
            None => "run the command again to go on following it".into(),
        }));
    }
    Ok(())
}

// ---- cluster list ----

#[derive(Serialize)]
#[serde(transparent)]
struct Summaries(Vec<ClusterSummary>);

impl Printable for Summaries {
    fn headers() -> &'static [&'static str] {
        &[
            "NAME",
            "READY",
            "CONNECTION",
            "PROVIDER",
            "TAGS",
            "KUBESPHERE",
            "KUBERNETES",
            "NODES",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let or_dash = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
        self.0
            .iter()
            .map(|c| {
                let tags: Vec<String> = c
                    .tags
                    .iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect();
                let ready = if c.deleting {
                    "deleting"
                } else if c.ready {
                    "yes"
                } else {
                    "no"
                };
                vec![
                    c.name.clone(),
                    ready.into(),
                    c.connection.clone(),
                    or_dash(Some(&c.provider)),
                    or_dash(Some(&tags.join(","))),
                    or_dash(c.kubesphere_version.as_deref()),
                    or_dash(c.kubernetes_version.as_deref()),
                    c.node_count.map_or_else(|| "-".into(), |n| n.to_string()),
                ]
            })
            .collect()
    }

    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.iter().map(|c| c.name.clone()).collect())
    }
}

pub fn list(global: &GlobalArgs) -> Result<()> {
    let (context, merged) = host_context(global)?;
    let data_dir = Store::default_dir()?;
    let list = runtime()?.block_on(async {
        clusters::list(&connect(&merged, &context).await?, &context, &data_dir).await
    })?;
    output::print(&Summaries(list), global.output)
}
