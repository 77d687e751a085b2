//! The desktop binary's command line.

use clap::Parser;
use onboard_core::app::Target;
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
}

pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Target, clap::Error> {
    let args = Args::try_parse_from(args)?;
    Ok(Target::Kubeconfigs {
        paths: args.kubeconfigs,
    })
}
