use crate::cli::{GlobalArgs, Output, ViewArgs};
use crate::output::{self, Document, Printable};
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::model::Context;
use onboard_core::kubeconfig::sources::{self, Source};
use onboard_core::kubeconfig::view::{self, ViewOptions};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sources {
    files: Vec<Source>,
    /// The `--context` override, if one was given.
    context: Option<String>,
}

impl Printable for Sources {
    fn headers() -> &'static [&'static str] {
        &["FILE", "FROM", "EXISTS"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.files
            .iter()
            .map(|s| {
                let exists = if s.exists { "yes" } else { "no (skipped)" };
                vec![
                    s.path.display().to_string(),
                    s.origin.label().into(),
                    exists.into(),
                ]
            })
            .collect()
    }
}

pub(super) fn resolve_sources(global: &GlobalArgs) -> onboard_core::Result<Vec<Source>> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    sources::resolve(
        global.kubeconfig.as_deref(),
        std::env::var_os("KUBECONFIG").as_deref(),
        home.as_deref(),
    )
}

fn load_merged(global: &GlobalArgs) -> onboard_core::Result<Merged> {
    load::load(&resolve_sources(global)?)
}

pub fn sources(global: &GlobalArgs) -> onboard_core::Result<()> {
    let found = Sources {
        files: resolve_sources(global)?,
        context: global.context.clone(),
    };
    output::print(&found, global.output)
}

pub fn view(global: &GlobalArgs, args: &ViewArgs) -> onboard_core::Result<()> {
    let mut merged = load_merged(global)?;
    // Like kubectl, --context only chooses what --minify keeps.
    if let (Some(context), true) = (&global.context, args.minify) {
        merged.config.current_context = context.clone();
    }
    let options = ViewOptions {
        raw: args.raw,
        flatten: args.flatten,
        minify: args.minify,
    };
    // kubectl prints YAML by default.
    let format = match global.output {
        Output::Json => Document::Json,
        Output::Yaml | Output::Table => Document::Yaml,
        Output::Name => {
            return Err(
                onboard_core::Error::invalid_input("view has no -o name output")
                    .with_hint("use -o yaml or -o json"),
            )
        }
    };
    output::print_document(&view::view(merged, options)?, format)
}

#[derive(Serialize)]
struct ContextRow {
    current: bool,
    name: String,
    #[serde(flatten)]
    context: Context,
}

#[derive(Serialize)]
#[serde(transparent)]
struct Contexts(Vec<ContextRow>);

impl Printable for Contexts {
    fn headers() -> &'static [&'static str] {
        &["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|row| {
                vec![
                    if row.current { "*" } else { "" }.into(),
                    row.name.clone(),
                    row.context.cluster.clone(),
                    row.context.auth_info.clone(),
                    row.context.namespace.clone(),
                ]
            })
            .collect()
    }

    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.iter().map(|row| row.name.clone()).collect())
    }
}

pub fn get_contexts(global: &GlobalArgs) -> onboard_core::Result<()> {
    let config = load_merged(global)?.config;
    let rows = config
        .contexts
        .into_iter()
        .flatten()
        .map(|entry| ContextRow {
            current: entry.name == config.current_context,
            name: entry.name,
            context: entry.value,
        })
        .collect();
    output::print(&Contexts(rows), global.output)
}

pub fn current_context(global: &GlobalArgs) -> onboard_core::Result<()> {
    let current = load_merged(global)?.config.current_context;
    if current.is_empty() {
        return Err(onboard_core::Error::not_found("current-context is not set")
            .with_hint("pass --context NAME, or set one with `kubectl config use-context NAME`"));
    }
    println!("{current}");
    Ok(())
}
