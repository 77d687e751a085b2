//! The command line, kubectl-style: global flags work before or after the subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ks-onboard-cli",
    version,
    about = "Join a member cluster to a KubeSphere host through the tower proxy, from a terminal",
    long_about = "Onboard for KubeSphere without a window: the same checks and changes as the desktop app, \
for scripts, CI and SSH sessions.\n\nExit codes: 0 done, 1 failed, 2 bad usage.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (otherwise KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use instead of current-context.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The onboarding stages, in the order of KubeSphere's proxy-connection procedure.
    Stages,
    /// Kubeconfig files and contexts.
    #[command(subcommand)]
    Kubeconfig(KubeconfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum KubeconfigCommand {
    /// Which kubeconfig files would be read, in kubectl's order, and whether they exist.
    Sources,
}
