//! One module per subcommand group; each turns arguments into core calls and prints.

mod agent_image;
mod audit;
mod cluster;
mod connection;
mod contexts;
mod host;
mod kubeconfig;
mod proxy_address;
mod registry;
mod sandbox;
mod stages;

use crate::cli::{
    AuditCommand, Cli, ClusterCommand, Command, HostCommand, KubeconfigCommand,
    ProxyAddressCommand, RegistryCommand, SandboxCommand,
};

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
        Command::Host(HostCommand::Check) => host::check(&cli.global),
        Command::Host(HostCommand::AgentImage(args)) => agent_image::set(&cli.global, args),
        Command::ProxyAddress(command) => match command {
            ProxyAddressCommand::Show => proxy_address::show(&cli.global),
            ProxyAddressCommand::Set(args) => proxy_address::set(&cli.global, args),
            ProxyAddressCommand::Restore => proxy_address::restore(&cli.global),
            ProxyAddressCommand::Probe(args) => proxy_address::probe(&cli.global, args),
            ProxyAddressCommand::Stale => proxy_address::stale(&cli.global),
        },
        Command::Cluster(command) => match command {
            ClusterCommand::Add(args) => cluster::add(&cli.global, args),
            ClusterCommand::Join(args) => cluster::join(&cli.global, args),
            ClusterCommand::AgentYaml(args) => cluster::agent_yaml(&cli.global, args),
            ClusterCommand::Status(args) => cluster::status(&cli.global, args),
            ClusterCommand::List => cluster::list(&cli.global),
            ClusterCommand::Bundle(args) => cluster::bundle(&cli.global, args),
            ClusterCommand::Remove(args) => cluster::remove(&cli.global, args),
        },
        Command::Registry(RegistryCommand::Login(args)) => registry::login(&cli.global, args),
        Command::Registry(RegistryCommand::Logout(args)) => registry::logout(&cli.global, args),
        Command::Audit(AuditCommand::List(args)) => audit::list(&cli.global, args),
        Command::Audit(AuditCommand::Verify) => audit::verify(&cli.global),
    }
}

/// The async runtime the network commands run on.
fn runtime() -> onboard_core::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            onboard_core::Error::new(
                onboard_core::ErrorKind::Internal,
                format!("could not start the async runtime: {}", e.kind()),
            )
        })
}
