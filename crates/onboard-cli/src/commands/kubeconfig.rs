use crate::cli::GlobalArgs;
use crate::output::{self, Printable};
use onboard_core::kubeconfig::sources::{self, Source};
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

pub fn sources(global: &GlobalArgs) -> onboard_core::Result<()> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let files = sources::resolve(
        global.kubeconfig.as_deref(),
        std::env::var_os("KUBECONFIG").as_deref(),
        home.as_deref(),
    )?;
    let found = Sources {
        files,
        context: global.context.clone(),
    };
    output::print(&found, global.output)
}
