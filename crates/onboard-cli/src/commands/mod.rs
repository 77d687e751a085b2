//! One module per subcommand group; each turns arguments into core calls and prints.

mod connection;
mod contexts;
mod kubeconfig;
mod sandbox;
mod stages;

use crate::cli::{Cli, Command, KubeconfigCommand, SandboxCommand};

pub fn run(cli: &Cli) -> onboard_core::Result<()> {
    match &cli.command {
        Command::Stages => stages::run(&cli.global),
        Command::Kubeconfig(command) => match command {
            KubeconfigCommand::Sources => kubeconfig::sources(&cli.global),
            KubeconfigCommand::View(args) => kubeconfig::view(&cli.global, args),
            KubeconfigCommand::GetContexts => kubeconfig::get_contexts(&cli.global),
            KubeconfigCommand::CurrentContext => kubeconfig::current_context(&cli.global),
            KubeconfigCommand::List => contexts::list(&cli.global),
            KubeconfigCommand::Import(args) => contexts::import(&cli.global, args),
            KubeconfigCommand::Show(args) => contexts::show(&cli.global, args),
            KubeconfigCommand::UseRole(args) => contexts::use_role(&cli.global, args),
            KubeconfigCommand::Remove(args) => contexts::remove(&cli.global, args),
            KubeconfigCommand::Test(args) => connection::test(&cli.global, args),
        },
        Command::Sandbox(SandboxCommand::Up(args)) => sandbox::up(args),
        Command::Sandbox(SandboxCommand::Scenarios) => sandbox::scenarios(&cli.global),
    }
}
