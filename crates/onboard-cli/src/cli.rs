//! The command line, kubectl-style: global flags work before or after the subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

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
    /// Only the names, one per line (like kubectl's `-o name`), where a command lists names.
    Name,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The onboarding stages, in the order of KubeSphere's proxy-connection procedure.
    Stages,
    /// Kubeconfig files and contexts.
    #[command(subcommand)]
    Kubeconfig(KubeconfigCommand),
    /// Simulated host and member clusters on this machine, to try the flow without a cluster.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// The KubeSphere host (--context, else the host role, else current-context).
    #[command(subcommand)]
    Host(HostCommand),
    /// The address members' agents dial to reach tower on the host (proxyPublishAddress).
    #[command(subcommand)]
    ProxyAddress(ProxyAddressCommand),
    /// Member clusters of the host: add and join one, its agent.yaml, its status, the list,
    /// removal.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Credentials for a mirror registry, kept in the OS keyring, for air-gapped members'
    /// pull secrets.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The local audit log of every change made to a cluster by the app or this CLI.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Save a user name and password for REGISTRY in the OS keyring (the password is read
    /// from stdin, as `docker login --password-stdin` does).
    Login(RegistryLoginArgs),
    /// Forget the credentials saved for REGISTRY.
    Logout(RegistryLogoutArgs),
}

#[derive(Debug, Args)]
pub struct RegistryLoginArgs {
    /// host[:port][/path], e.g. mirror.local:5000.
    #[arg(value_name = "REGISTRY")]
    pub registry: String,
    #[arg(long, short = 'u', value_name = "USER")]
    pub username: String,
    /// Read the password from standard input (required: a password never goes on the
    /// command line, where `ps` and the shell history would see it).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct RegistryLogoutArgs {
    #[arg(value_name = "REGISTRY")]
    pub registry: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The entries, oldest first; exit 1 (after printing what could be read) when the log
    /// was altered: a line changed, removed, moved, or the end cut off.
    List(AuditListArgs),
    /// Only check the log's hash chain: exit 0 when intact, 1 when altered.
    Verify,
}

#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only entries for this member cluster.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Preflight: connection, platform-admin, permissions, KubeSphere, tower, proxy address.
    /// Each check is printed as it finishes; exit 1 when one fails.
    Check,
    /// Set tower's agent image (multicluster.agentImage) on the host, so that every
    /// agent.yaml it renders names your mirror: KubeSphere's own fix for air-gapped members.
    /// It applies to every member joined afterwards; `cluster add --image-registry` rewrites
    /// one member's agent.yaml instead. Server dry run first, read back, audited.
    AgentImage(AgentImageArgs),
}

#[derive(Debug, Args)]
pub struct AgentImageArgs {
    /// e.g. mirror.local:5000/kubesphere/tower:v0.2.1
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Let the server check the change (dryRun=All); write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProxyAddressCommand {
    /// Every place that holds an address, the one KubeSphere reads, and what members will dial.
    Show,
    /// Write the address where the installed version reads it, changing nothing else
    /// (server dry run first, local backup, read back).
    Set(SetAddressArgs),
    /// Put back what the last `set` on this context replaced, byte for byte.
    Restore,
    /// Check from this machine that something answers at the address (tower serves /health).
    Probe(ProbeArgs),
    /// Members joined from this machine whose agent still dials another address than tower
    /// gives now (after the address changed); exit 1 when there are any. Re-point one with
    /// `cluster join NAME --member-context M`.
    Stale,
}

#[derive(Debug, Args)]
pub struct SetAddressArgs {
    /// http(s)://PUBLIC_HOST:PORT, the address member nodes reach tower at.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Show the change and let the server check it (dryRun=All); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// KubeSphere 3.x reads the address at start-up: restart ks-apiserver after writing it.
    #[arg(long, conflicts_with = "dry_run")]
    pub restart_apiserver: bool,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[arg(value_name = "URL")]
    pub url: String,
    /// How long to wait for an answer.
    #[arg(long, default_value = "3s", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Start the host and member API servers; serve until Ctrl-C or SIGTERM.
    Up(SandboxUpArgs),
    /// The scenarios `sandbox up --scenario` can start.
    Scenarios,
}

#[derive(Debug, Args)]
pub struct SandboxUpArgs {
    /// Where to write host.kubeconfig and member.kubeconfig (created if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// The world to start; see `sandbox scenarios`.
    #[arg(long, default_value = "healthy", value_name = "NAME")]
    pub scenario: String,
    /// Delay added to every answer of both clusters, e.g. 100ms or 1s.
    #[arg(long, default_value = "0ms", value_name = "DURATION", value_parser = parse_duration)]
    pub latency: Duration,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Add a member cluster to the host and join it through tower: create the Cluster (after
    /// a server dry run), wait for agent.yaml, apply it to the member; with --wait follow the
    /// join to Ready.
    #[command(
        long_about = "Add a member cluster to the host and join it through tower, as the \
desktop app does: the form is checked (name, tags, alias, description, Cluster Configuration), \
the Cluster is created on the host after a server dry run, agent.yaml is fetched as soon as \
tower has initialized the cluster (retried until --timeout), then planned (server dry run) and \
applied to the member object by object. Progress goes to stderr.\n\n\
Without --wait the command ends after the apply (exit 0) and prints how to follow the join. \
With --wait the join is followed on the host and the member until the Cluster is Ready \
(exit 0), or until --timeout, when the diagnoses (cause, fix, evidence) are printed (exit 1).\n\n\
The host is --host-context (else --context, else the host role, else current-context). \
--member-context is required: it is where agent.yaml is applied, and a join without it \
would stop half-way. If the join stops after the Cluster was created (no proxy address, \
tower not running, a conflict on the member), the Cluster stays on the host: `cluster join` \
continues once the cause is fixed, `cluster remove` takes it back."
    )]
    Add(ClusterAddArgs),
    /// Join a cluster that is already on the host (the rest of `add`, e.g. after fixing the
    /// proxy address): wait for agent.yaml, apply it to the member, with --wait follow to Ready.
    Join(ClusterJoinArgs),
    /// agent.yaml for a cluster, as the console's "Waiting for cluster to join" page offers
    /// it: the real manifest with the join token (for `kubectl create -f` on the member).
    AgentYaml(AgentYamlArgs),
    /// How far the join of a cluster has come: step, conditions and what is wrong (diagnoses).
    /// Exit 0 whatever the state (branch on `-o json`'s `ready`); with -w follow it until
    /// Ready (exit 0), the Cluster's deletion or Ctrl-C (exit 1).
    Status(ClusterStatusArgs),
    /// The clusters the host manages (--context, else the host role, else current-context).
    List,
    /// An offline bundle for joining by hand where the app cannot reach the member: agent.yaml,
    /// the images it needs and a mirror script, a README with the manual steps, SHA256SUMS.
    Bundle(BundleArgs),
    /// Remove a member cluster cleanly: the Cluster and its tags on the host, agent.yaml's
    /// objects and ks-core on the member. Prints the plan (each step server-dry-run) first,
    /// then asks you to type the cluster name unless --yes.
    Remove(ClusterRemoveArgs),
}

#[derive(Debug, Args)]
pub struct ClusterAddArgs {
    /// The cluster's name on the host: lower-case letters, digits and '-', at most 60.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The KubeSphere host's context (default: --context, else the host role, else
    /// current-context).
    #[arg(long, value_name = "CONTEXT")]
    pub host_context: Option<String>,
    /// The member cluster's context: agent.yaml is applied there. Required.
    #[arg(long, value_name = "CONTEXT")]
    pub member_context: String,
    /// A cluster tag; repeat for each (at most 5, one value per key).
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub labels: Vec<(String, String)>,
    /// The usage identifier (label cluster.kubesphere.io/group).
    #[arg(long, value_enum)]
    pub group: Option<GroupArg>,
    /// The provider, one of the console's (Aliyun ACK, Amazon EKS, Google Kubernetes Engine,
    /// Huawei Cloud CCE, QingCloud Kubernetes Engine, Tencent Kubernetes Engine,
    /// Aure Kubernetes Service) or your own.
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,
    /// The display name (letters, digits, Chinese characters, inner '-'; at most 63).
    #[arg(long, value_name = "ALIAS")]
    pub alias: Option<String>,
    /// Any text, at most 256 characters.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// The Cluster Configuration (ks-core Helm values) as a YAML file, `-` for stdin;
    /// default: the console's (global.imageRegistry: docker.io).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Air-gapped member: pull from this mirror registry (host[:port][/path]) instead of
    /// docker.io. Sets global.imageRegistry in the Cluster Configuration (ks-core's images)
    /// and points agent.yaml's images at it (tags and digests kept); the agent image is
    /// checked from the member before anything is applied.
    #[arg(long, value_name = "REGISTRY")]
    pub image_registry: Option<String>,
    /// The imagePullSecret in kubesphere-system on the member for the mirror: created from
    /// the credentials `registry login` saved in the OS keyring, else it must exist already.
    #[arg(long, value_name = "NAME", requires = "image_registry")]
    pub pull_secret: Option<String>,
    /// Check everything and let the host's API server check the Cluster (dryRun=All);
    /// create nothing. -o yaml|json prints the Cluster object.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
    /// Follow the join until the Cluster is Ready: exit 0 when it is, 1 with the diagnoses
    /// at --timeout.
    #[arg(long, short = 'w')]
    pub wait: bool,
    /// How long to wait for agent.yaml and, with --wait, for Ready (e.g. 90s, 10m).
    #[arg(long, default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ClusterJoinArgs {
    /// The cluster on the host.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The host's context (default: --context, else the host role, else current-context).
    #[arg(long, value_name = "CONTEXT")]
    pub host_context: Option<String>,
    /// The member cluster's context: agent.yaml is applied there. Required.
    #[arg(long, value_name = "CONTEXT")]
    pub member_context: String,
    /// Follow the join until the Cluster is Ready: exit 0 when it is, 1 with the diagnoses
    /// at --timeout.
    #[arg(long, short = 'w')]
    pub wait: bool,
    /// How long to wait for agent.yaml and, with --wait, for Ready (e.g. 90s, 10m).
    #[arg(long, default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupArg {
    Production,
    Development,
    Testing,
    Demo,
}

fn parse_tag(text: &str) -> onboard_core::Result<(String, String)> {
    text.split_once('=')
        .filter(|(key, _)| !key.is_empty())
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| {
            onboard_core::Error::invalid_input(format!("\"{text}\" is not KEY=VALUE"))
                .with_hint("e.g. --label env=production")
        })
}

#[derive(Debug, Args)]
pub struct AgentYamlArgs {
    /// The cluster on the host (--context).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Write it to FILE (owner-only, 0600: it holds the join credential and grants cluster-admin)
    /// instead of printing it.
    #[arg(long, value_name = "FILE", conflicts_with = "redacted")]
    pub out: Option<PathBuf>,
    /// Print it with the join token masked (to read or share, not to apply).
    /// -o json|yaml always print this masked view with its source and objects.
    #[arg(long)]
    pub redacted: bool,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The cluster on the host (--context).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The folder to write (created; must be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Put the join token into agent.yaml (written 0600). Without it agent.yaml holds a
    /// placeholder and the README says how to fill it in on the member.
    #[arg(long)]
    pub include_token: bool,
}

#[derive(Debug, Args)]
pub struct ClusterStatusArgs {
    /// The cluster on the host (--context).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Follow the join, each change on stderr, until the Cluster is Ready (exit 0) or Ctrl-C
    /// (exit 1).
    #[arg(long, short = 'w')]
    pub watch: bool,
    /// Also watch the agent on the member (its Pods, Events and log) for the diagnoses.
    #[arg(long, value_name = "CONTEXT")]
    pub member_context: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClusterRemoveArgs {
    /// The cluster to remove.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The host's context (default: --context, else the host role, else current-context).
    #[arg(long, value_name = "CONTEXT")]
    pub host_context: Option<String>,
    /// The member's context, to clean it (agent, ks-core, namespace). Without it only the
    /// host side is removed and the member keeps the agent: for a member that is gone.
    #[arg(long, value_name = "CONTEXT")]
    pub member_context: Option<String>,
    /// Print the plan (each step checked by a server dry run) and stop: exit 0, or 1 when a
    /// step would fail.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask to type the cluster name.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `100ms`, `2s` or `1m`.
fn parse_duration(text: &str) -> onboard_core::Result<Duration> {
    let invalid = || {
        onboard_core::Error::new(
            onboard_core::ErrorKind::InvalidInput,
            format!("\"{text}\" is not a duration"),
        )
        .with_hint("write a number with ms, s or m, e.g. 100ms")
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => Ok(Duration::from_secs(number * 60)),
        _ => Err(invalid()),
    }
}

#[derive(Debug, Subcommand)]
pub enum KubeconfigCommand {
    /// Which kubeconfig files would be read, in kubectl's order, and whether they exist.
    Sources,
    /// The merged kubeconfig, as `kubectl config view` prints it (YAML unless -o json).
    View(ViewArgs),
    /// The contexts of the merged kubeconfig, as `kubectl config get-contexts`.
    GetContexts,
    /// The current context, as `kubectl config current-context`.
    CurrentContext,
    /// Every context the app can use: imported ones first, then your kubeconfig files'.
    List,
    /// Import contexts into the app's store; their credentials go to the OS keyring.
    Import(ImportArgs),
    /// Where a context points and how it authenticates (credentials are never shown).
    Show(ShowArgs),
    /// Make a context the KubeSphere host or the member to join; remembered for later runs.
    UseRole(UseRoleArgs),
    /// Remove imported contexts and their credentials (your own files are never edited).
    Remove(RemoveArgs),
    /// Connect to a context's cluster: server version, who you are, latency, TLS; on
    /// failure the cause and what to do (exit 1).
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The context to test; default --context, then current-context (like kubectl).
    // Not called `context`: clap would take it for the global `--context` (same id).
    #[arg(value_name = "CONTEXT")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Kubeconfig files to import; each is read on its own.
    #[arg(value_name = "FILE", required_unless_present_any = ["stdin", "default_locations"])]
    pub files: Vec<PathBuf>,
    /// Read one kubeconfig from standard input (relative file paths in it cannot be resolved).
    #[arg(long, conflicts_with_all = ["files", "default_locations"])]
    pub stdin: bool,
    /// Import from KUBECONFIG, else ~/.kube/config, merged as kubectl merges them.
    #[arg(long, conflicts_with = "files")]
    pub default_locations: bool,
    /// Save a context under another name: ORIGINAL=NEW. Repeat the flag for each context;
    /// a name found in several files is renamed in the order of the files.
    #[arg(long = "as", value_name = "ORIGINAL=NEW", value_parser = parse_rename)]
    pub rename: Vec<(String, String)>,
    /// Import only these contexts (by their name in the file); default: all of them.
    #[arg(long, value_name = "CONTEXT")]
    pub only: Vec<String>,
    /// Replace contexts imported before under the same name.
    #[arg(long)]
    pub replace: bool,
    /// Show what would be imported, and under which names, without saving anything.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_rename(text: &str) -> onboard_core::Result<(String, String)> {
    text.split_once('=')
        .filter(|(from, to)| !from.is_empty() && !to.is_empty())
        .map(|(from, to)| (from.to_owned(), to.to_owned()))
        .ok_or_else(|| {
            onboard_core::Error::invalid_input(format!("\"{text}\" is not ORIGINAL=NEW"))
                .with_hint("e.g. --as kubernetes-admin@kubernetes=prod-host")
        })
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The context (default: --context, else the current context). Not called `context`:
    /// clap would take it for the global `--context` flag.
    #[arg(value_name = "CONTEXT")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct UseRoleArgs {
    #[arg(value_enum)]
    pub role: RoleArg,
    #[arg(value_name = "CONTEXT")]
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// The KubeSphere host cluster.
    Host,
    /// The cluster that joins the host.
    Member,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(value_name = "CONTEXT", required = true)]
    pub contexts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Show certificate data, tokens and passwords instead of redacting them.
    #[arg(long)]
    pub raw: bool,
    /// Embed certificate and key files as base64 data.
    #[arg(long)]
    pub flatten: bool,
    /// Only the current context (or --context) and the cluster and user it uses.
    #[arg(long)]
    pub minify: bool,
}
