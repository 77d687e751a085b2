//! The desktop binary's command line.

use clap::Parser;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ks-onboard",
    version,
    about = "Onboard for KubeSphere (desktop)"
)]
struct Args {
    /// A kubeconfig file to use instead of KUBECONFIG / ~/.kube/config (repeatable, first wins like kubectl).
    #[arg(long = "kubeconfig", value_name = "PATH")]
    kubeconfigs: Vec<PathBuf>,
    /// Start simulated clusters inside the app and use them (scenario: see `ks-onboard-cli sandbox scenarios`).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "healthy", conflicts_with = "kubeconfigs")]
    sandbox: Option<String>,
}

/// What the window works on.
pub enum Launch {
    Kubeconfigs(Vec<PathBuf>),
    Sandbox { scenario: String },
}

pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Launch, clap::Error> {
    let args = Args::try_parse_from(args)?;
    Ok(match args.sandbox {
        Some(scenario) => Launch::Sandbox { scenario },
        None => Launch::Kubeconfigs(args.kubeconfigs),
    })
}
