//! `cluster remove`: the plan, the typed confirmation, the removal with progress.

use super::*;

// ---- cluster remove ----

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Host => "host",
        Side::Member => "member",
    }
}

fn removal_label(action: RemovalAction) -> &'static str {
    match action {
        RemovalAction::Delete => "delete",
        RemovalAction::Unbind => "unbind",
        RemovalAction::Unannotate => "unannotate",
    }
}

#[derive(Serialize)]
#[serde(transparent)]
struct PlanTable<'a>(&'a RemovalPlan);

impl Printable for PlanTable<'_> {
    fn headers() -> &'static [&'static str] {
        &["SIDE", "ACTION", "OBJECT", "REASON", "PROBLEM"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .items
            .iter()
            .map(|i| {
                vec![
                    side_label(i.side).into(),
                    removal_label(i.action).into(),
                    i.object.describe(),
                    i.reason.clone(),
                    i.problem.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect()
    }
}

/// Asks for the cluster's name on stdin; anything else aborts.
fn confirm(name: &str) -> Result<()> {
    eprint!("Type the cluster name to confirm: ");
    let _ = std::io::stderr().flush();
    let mut typed = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut typed)
        .map_err(|e| Error::io("read", Path::new("standard input"), &e))?;
    if !std::io::stdin().is_terminal() {
        // Nothing echoed the answer's newline.
        eprintln!();
    }
    let typed = typed.trim_end_matches(['\n', '\r']);
    if typed != name {
        return Err(Error::invalid_input(format!(
            "the name typed is not \"{name}\": nothing was removed"
        ))
        .with_hint("type the cluster name exactly, or pass --yes in scripts"));
    }
    Ok(())
}

pub fn remove(global: &GlobalArgs, args: &ClusterRemoveArgs) -> Result<()> {
    no_names(global)?;
    let (host_context, merged) = host_of(global, args.host_context.as_deref())?;
    let member_merged = match &args.member_context {
        Some(member) => Some(merged_for(global, member)?),
        None => None,
    };
    let data_dir = Store::default_dir()?;
    let runtime = runtime()?;
    let (host, member) = runtime.block_on(async {
        let host = connect(&merged, &host_context).await?;
        let member = match (&member_merged, &args.member_context) {
            (Some(merged), Some(name)) => Some(connect(merged, name).await?),
            _ => None,
        };
        Ok::<_, Error>((host, member))
    })?;
    let targets = Targets {
        host: &host,
        host_context: &host_context,
        member: member.as_ref(),
        data_dir: &data_dir,
    };
    let plan = runtime.block_on(remove::plan(&targets, &args.name))?;
    let document = output::document_format(global.output);
    if document.is_none() || args.dry_run {
        match document {
            Some(format) => output::print_document(&plan, format)?,
            None => {
                output::print(&PlanTable(&plan), Output::Table)?;
                if !plan.from_record {
                    println!("note: no join record of this machine: the member's objects were found by their names, labels and Helm annotations");
                }
                for note in &plan.notes {
                    println!("note: {note}");
                }
            }
        }
    }
    if plan.blocked() {
        return Err(plan.blocked_error());
    }
    if args.dry_run {
        if document.is_none() {
            println!("dry run: every step passed the servers' dry run; nothing was removed");
        }
        return Ok(());
    }
    if !args.yes {
        confirm(&args.name)?;
    }
    let total = plan.items.len();
    let outcome = run_interruptible(
        &runtime,
        remove::remove(&targets, &args.name, |step: &RemovalStep| {
            if step.done {
                eprintln!(
                    "[{}/{}] {:<6} {:<10} {}",
                    step.index + 1,
                    step.total,
                    side_label(step.item.side),
                    removal_label(step.item.action),
                    step.item.object.describe()
                );
            }
        }),
        || {
            Error::new(ErrorKind::Unavailable, "interrupted during the removal")
                .with_hint("run the same command again: it plans from what is left and finishes")
        },
    )?;
    match document {
        Some(format) => output::print_document(&outcome, format),
        None => {
            println!(
                "cluster {} removed: {} of {total} steps done",
                args.name,
                outcome.done.len()
            );
            Ok(())
        }
    }
}
