//! A kube client for one context of a merged kubeconfig.
//!
//! The caller passes a [`Merged`] (from files, or from the app's store with secrets filled
//! in from the keyring) and a context name. We pick the context's cluster and user, make
//! their relative paths absolute against the file each came from (as kubectl does), check
//! what kube would otherwise report cryptically, and hand kube a one-context `Kubeconfig`.
//!
//! What kube 5 does itself: client certificates (files or data), `token`, basic auth,
//! impersonation (`as`, `as-groups`, …), `certificate-authority(-data)`,
//! `insecure-skip-tls-verify`, `tls-server-name`, the oidc auth provider's `id-token` as a
//! bearer token (no refresh without kube's `oidc` feature, which we leave off: its refresh
//! talks to the issuer with its own TLS settings), and exec plugins: it runs the command with
//! `args` and `env`, sets `KUBERNETES_EXEC_INFO` with the `apiVersion` (v1 or v1beta1) and,
//! with `provideClusterInfo`, the cluster (server, CA data, tls-server-name and the
//! `client.authentication.k8s.io/exec` extension), parses the `ExecCredential` (token or
//! client certificate) and runs the plugin again when `expirationTimestamp` passes.
//!
//! What we add:
//! - the exec command is resolved to an absolute path through the login shell's `PATH`
//!   ([`SearchPath`]) before anything runs, so a missing plugin is reported with its
//!   `installHint` verbatim and the `PATH` that was searched; the plugin also gets that
//!   `PATH` (unless its `env` sets one) so it finds the tools it calls (`gcloud`, `aws`);
//! - exec plugins run non-interactively (`interactiveMode: Never`): kube otherwise hands
//!   them our stdin and stderr, which a desktop app does not have, and we need stderr to say
//!   why a plugin failed. A plugin that requires a terminal (`Always`) is refused clearly;
//! - `apiVersion` must be v1 or v1beta1, as client-go requires (v1alpha1 was removed in
//!   Kubernetes 1.24);
//! - `tokenFile` is read and trimmed by us, as client-go does: kube sends the file's
//!   trailing newline, which is not a valid header value. The token is then not re-read
//!   while the client lives (kube would re-read it every minute);
//! - requests fail fast: connect and read timeouts and no retries (kube's defaults are no
//!   read timeout and retries of 429/503/504), and the plugin has a time limit. Retrying is
//!   decided per request by [`crate::kubesphere::api`], which knows what is safe to repeat.

use super::details::CaSource;
use super::failure::{Cause, Failure};
use super::load::Merged;
use super::model::{AuthInfo, Config, ExecEnvVar, Named};
use super::shell_path::{PathSource, SearchPath};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The exec credential API versions client-go accepts today.
pub const EXEC_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// How clients are built: where exec plugins are found, and how long we wait.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub search_path: SearchPath,
    /// TCP connect plus TLS handshake.
    pub connect_timeout: Duration,
    /// Waiting for an answer once a request is sent.
    pub read_timeout: Duration,
    /// An exec plugin may take this long (a browser sign-in for kubelogin, say).
    pub exec_timeout: Duration,
}

impl ClientSettings {
    pub fn new(search_path: SearchPath) -> Self {
        Self {
            search_path,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            exec_timeout: Duration::from_secs(60),
        }
    }
}

/// The TLS settings of a context, known before connecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TlsSetup {
    /// The server URL is `https://`.
    pub https: bool,
    /// `insecure-skip-tls-verify: true`: the server's certificate is not checked.
    pub insecure_skip_verify: bool,
    pub ca: CaSource,
    /// `tls-server-name`, the name the certificate must be valid for instead of the URL's host.
    pub server_name: Option<String>,
}

/// The exec plugin a context uses, as resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecPlugin {
    /// As written in the kubeconfig.
    pub command: String,
    /// The file that runs.
    pub path: PathBuf,
    pub api_version: String,
    /// Which `PATH` it was found in.
    pub found_in: PathSource,
}

/// What a context points at, for reports; no credential in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub context: String,
    pub cluster: String,
    pub user: String,
    /// The server URL without any user:password part.
    pub server: String,
    pub tls: TlsSetup,
    pub exec: Option<ExecPlugin>,
}

/// A context ready to connect: kube's configuration (fail-fast timeouts, no retries) and
/// what it points at.
pub struct Prepared {
    pub config: kube::Config,
    pub target: Endpoint,
    /// Values a failing exec plugin's stderr might echo (its args and env values).
    exec_secrets: Vec<String>,
}

impl Prepared {
    /// Builds the client. kube runs the exec plugin here, if the user has one, so this
    /// happens on a blocking thread within `settings.exec_timeout`.
    pub async fn connect(self, settings: &ClientSettings) -> Result<kube::Client, Failure> {
        let Prepared {
            config,
            target,
            exec_secrets,
        } = self;
        let build = tokio::task::spawn_blocking(move || kube::Client::try_from(config));
        match tokio::time::timeout(settings.exec_timeout, build).await {
            Ok(Ok(Ok(client))) => Ok(client),
            Ok(Ok(Err(error))) => Err(build_failure(&error, &target, &exec_secrets)),
            Ok(Err(_panicked)) => Err(Failure::new(
                Cause::InvalidConfig,
                format!(
                    "building a client for context \"{}\" failed unexpectedly",
                    target.context
                ),
                "report this bug with the context's kind of sign-in (not its credentials)",
            )),
            Err(_elapsed) => Err(match &target.exec {
                Some(plugin) => Failure::new(
                    Cause::ExecPluginFailed,
                    format!(
                        "exec plugin {} gave no credential within {} s",
                        plugin.path.display(),
                        settings.exec_timeout.as_secs()
                    ),
                    "run the plugin in a terminal to see what it waits for (a sign-in, a prompt), then try again",
                ),
                None => Failure::new(
                    Cause::Timeout,
                    format!(
                        "preparing a client for context \"{}\" took too long",
                        target.context
                    ),
                    "try again; if it persists, report this bug",
                ),
            }),
        }
    }

    pub fn exec_secrets(&self) -> &[String] {
        &self.exec_secrets
    }
}

/// Resolves `context` into kube's configuration without contacting anything (an exec
/// plugin is found but not run).
pub async fn prepare(
    merged: &Merged,
    context: &str,
    settings: &ClientSettings,
) -> Result<Prepared, Failure> {
    let (one, target) = single_context(merged, context, &settings.search_path)?;
    let kubeconfig = to_kube(&one)?;
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| kubeconfig_failure(&e, &target))?;
    config.connect_timeout = Some(settings.connect_timeout);
    config.read_timeout = Some(settings.read_timeout);
    // The read timeout counts from the request, not from when a pooled connection went idle.
    config.reset_reader_on_write = true;
    config.default_retry = false;
    Ok(Prepared {
        config,
        target,
        exec_secrets: exec_secrets(merged, context),
    })
}

/// A client for `context` and what it points at.
pub async fn client_for(
    merged: &Merged,
    context: &str,
    settings: &ClientSettings,
) -> Result<(kube::Client, Endpoint), Failure> {
    let prepared = prepare(merged, context, settings).await?;
    let target = prepared.target.clone();
    Ok((prepared.connect(settings).await?, target))
}

/// The context, its cluster and its user alone, with absolute paths and a resolved plugin.
fn single_context(
    merged: &Merged,
    name: &str,
    search_path: &SearchPath,
) -> Result<(Config, Endpoint), Failure> {
    let config = &merged.config;
    let context = find(&config.contexts, name).ok_or_else(|| {
        Failure::new(
            Cause::MissingContext,
            format!("there is no context \"{name}\" in the kubeconfig files"),
            "pick one of the contexts that `kubectl config get-contexts` lists",
        )
    })?;
    let mut cluster = find(&config.clusters, &context.cluster)
        .cloned()
        .ok_or_else(|| {
            Failure::new(
                Cause::MissingCluster,
                format!(
                    "context \"{name}\" uses cluster \"{}\", which is in no kubeconfig file",
                    context.cluster
                ),
                "add the cluster to a kubeconfig file, or fix the context's cluster name",
            )
        })?;
    if cluster.server.is_empty() {
        return Err(Failure::new(
            Cause::InvalidConfig,
            format!("cluster \"{}\" has no server URL", context.cluster),
            "set clusters[].cluster.server, e.g. https://10.0.0.1:6443",
        ));
    }
    let cluster_file = merged.cluster_files.get(&context.cluster);
    cluster.certificate_authority = absolute(cluster_file, &cluster.certificate_authority);
    // A context without a user is anonymous. A named user that is in no file is reported:
    // kubectl 1.32 would prompt for a user name and password instead, and kube would go
    // anonymous, both of which hide the mistake.
    let mut user = if context.auth_info.is_empty() {
        AuthInfo::default()
    } else {
        find(&config.auth_infos, &context.auth_info)
            .cloned()
            .ok_or_else(|| {
                Failure::new(
                    Cause::MissingUser,
                    format!(
                        "context \"{name}\" uses user \"{}\", which is in no kubeconfig file",
                        context.auth_info
                    ),
                    "add the user to a kubeconfig file, or fix the context's user name",
                )
            })?
    };
    let user_file = merged.user_files.get(&context.auth_info);
    let files = FileRefs {
        user: &context.auth_info,
        file: user_file,
    };
    for (field, value) in [
        ("client-certificate", &mut user.client_certificate),
        ("client-key", &mut user.client_key),
    ] {
        *value = absolute(user_file, value);
        files.check_readable(field, value)?;
    }
    if !cluster.certificate_authority.is_empty() {
        readable(&cluster.certificate_authority).map_err(|kind| {
            unreadable(
                "certificate-authority",
                &format!("cluster \"{}\"", context.cluster),
                &cluster.certificate_authority,
                kind,
            )
        })?;
    }
    if user.token.is_empty() && !user.token_file.is_empty() {
        let path = absolute(user_file, &user.token_file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| files.unreadable_error("tokenFile", &path, e.kind()))?;
        user.token = text.trim().to_string();
    }
    user.token_file.clear();
    check_auth_provider(&user, &context.auth_info)?;
    let exec = match user.exec.as_mut() {
        Some(exec) => Some(prepare_exec(
            exec,
            &context.auth_info,
            user_file,
            search_path,
        )?),
        None => None,
    };
    let target = Endpoint {
        context: name.to_string(),
        cluster: context.cluster.clone(),
        user: context.auth_info.clone(),
        server: without_userinfo(&cluster.server),
        tls: TlsSetup {
            https: cluster.server.starts_with("https://"),
            insecure_skip_verify: cluster.insecure_skip_tls_verify,
            ca: CaSource::of(&cluster, None),
            server_name: Some(cluster.tls_server_name.clone()).filter(|s| !s.is_empty()),
        },
        exec,
    };
    let one = Config {
        kind: "Config".into(),
        api_version: "v1".into(),
        clusters: Some(vec![Named {
            name: context.cluster.clone(),
            value: cluster,
        }]),
        auth_infos: Some(vec![Named {
            name: context.auth_info.clone(),
            value: user,
        }]),
        contexts: Some(vec![Named {
            name: name.to_string(),
            value: context.clone(),
        }]),
        current_context: name.to_string(),
        ..Default::default()
    };
    Ok((one, target))
}

fn find<'a, T>(list: &'a Option<Vec<Named<T>>>, name: &str) -> Option<&'a T> {
    list.iter()
        .flatten()
        .find(|entry| entry.name == name)
        .map(|entry| &entry.value)
}

/// `value` resolved against the directory of `file` (as kubectl resolves relative paths in
/// an entry against the file the entry came from), then made absolute.
fn absolute(file: Option<&PathBuf>, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    let resolved = super::view::resolve(Path::new(value), file);
    std::path::absolute(&resolved)
        .unwrap_or(resolved)
        .to_string_lossy()
        .into_owned()
}

fn readable(path: &str) -> Result<(), std::io::ErrorKind> {
    std::fs::File::open(path).map(drop).map_err(|e| e.kind())
}

/// Which user's file references are being checked, for messages.
struct FileRefs<'a> {
    user: &'a str,
    file: Option<&'a PathBuf>,
}

impl FileRefs<'_> {
    fn check_readable(&self, field: &str, path: &str) -> Result<(), Failure> {
        if path.is_empty() {
            return Ok(());
        }
        readable(path).map_err(|kind| self.unreadable_error(field, path, kind))
    }

    fn unreadable_error(&self, field: &str, path: &str, kind: std::io::ErrorKind) -> Failure {
        let mut failure = unreadable(field, &format!("user \"{}\"", self.user), path, kind);
        if let Some(file) = self.file {
            failure.hint = format!(
                "fix the path in {}; a relative path is relative to that file's directory",
                file.display()
            );
        }
        failure
    }
}

fn unreadable(field: &str, owner: &str, path: &str, kind: std::io::ErrorKind) -> Failure {
    Failure::new(
        Cause::InvalidConfig,
        format!("the {field} file of {owner}, {path}, cannot be read: {kind}"),
        "fix the path; a relative path is relative to the kubeconfig file's directory",
    )
}

fn check_auth_provider(user: &AuthInfo, name: &str) -> Result<(), Failure> {
    let Some(provider) = &user.auth_provider else {
        return Ok(());
    };
    let has_id_token = provider
        .config
        .as_ref()
        .is_some_and(|c| c.get("id-token").is_some_and(|t| !t.is_empty()));
    match provider.name.as_str() {
        "oidc" if has_id_token => Ok(()),
        "oidc" => Err(Failure::new(
            Cause::AuthProviderUnsupported,
            format!("user \"{name}\" uses the oidc auth provider without an id-token"),
            "sign in once with your OIDC tool (e.g. `kubectl oidc-login`) so the kubeconfig holds an id-token, or switch the user to an exec plugin",
        )),
        // kube runs gcp's cmd-path or uses its cached access-token.
        "gcp" => Ok(()),
        other => Err(Failure::new(
            Cause::AuthProviderUnsupported,
            format!("user \"{name}\" uses the auth provider \"{other}\", which is not supported"),
            "switch the user to an exec plugin (for azure: kubelogin convert-kubeconfig)",
        )),
    }
}

fn prepare_exec(
    exec: &mut super::model::ExecConfig,
    user: &str,
    user_file: Option<&PathBuf>,
    search_path: &SearchPath,
) -> Result<ExecPlugin, Failure> {
    if !EXEC_API_VERSIONS.contains(&exec.api_version.as_str()) {
        let written = if exec.api_version.is_empty() {
            "no apiVersion".to_string()
        } else {
            format!("apiVersion {}", exec.api_version)
        };
        return Err(Failure::new(
            Cause::InvalidConfig,
            format!("the exec plugin of user \"{user}\" has {written}"),
            format!(
                "set users[].user.exec.apiVersion to {} (or {}), as the plugin's documentation says",
                EXEC_API_VERSIONS[0], EXEC_API_VERSIONS[1]
            ),
        ));
    }
    if exec.interactive_mode == "Always" {
        return Err(Failure::new(
            Cause::ExecPluginFailed,
            format!("the exec plugin of user \"{user}\" needs a terminal (interactiveMode: Always)"),
            "sign in with the plugin in a terminal first, or set interactiveMode to IfAvailable if the plugin can work without one",
        ));
    }
    // Like client-go, a command with a path separator is relative to the kubeconfig file;
    // a bare name is looked up in PATH.
    let has_separator =
        exec.command.contains(std::path::MAIN_SEPARATOR) || exec.command.contains('/');
    let (found, found_in) = if has_separator {
        let path = absolute(user_file, &exec.command);
        (SearchPath::explicit("").find(&path), PathSource::Explicit)
    } else {
        (search_path.find(&exec.command), search_path.source)
    };
    let Some(path) = found else {
        let searched = if has_separator {
            "that path".to_string()
        } else {
            search_path.describe()
        };
        let hint = if exec.install_hint.trim().is_empty() {
            "install the plugin, or write its full path in users[].user.exec.command".to_string()
        } else {
            exec.install_hint.trim_end().to_string()
        };
        return Err(Failure::new(
            Cause::ExecPluginMissing,
            format!(
                "exec plugin \"{}\" of user \"{user}\" was not found (searched {searched})",
                exec.command
            ),
            hint,
        ));
    };
    let plugin = ExecPlugin {
        command: exec.command.clone(),
        path: path.clone(),
        api_version: exec.api_version.clone(),
        found_in,
    };
    exec.command = path.to_string_lossy().into_owned();
    let env = exec.env.get_or_insert_with(Vec::new);
    if !env.iter().any(|var| var.name == "PATH") {
        // First, so that the kubeconfig's own env entries still win.
        env.insert(
            0,
            ExecEnvVar {
                name: "PATH".into(),
                value: search_path.value.to_string_lossy().into_owned(),
            },
        );
    }
    exec.interactive_mode = "Never".into();
    Ok(plugin)
}

/// Our model as kube's type. Both follow clientcmd v1, so a JSON round trip maps field to
/// field; kube wants a map where we keep an absent auth-provider config.
fn to_kube(config: &Config) -> Result<kube::config::Kubeconfig, Failure> {
    let mut config = config.clone();
    for user in config.auth_infos.iter_mut().flatten() {
        if let Some(provider) = user.value.auth_provider.as_mut() {
            provider.config.get_or_insert_with(Default::default);
        }
    }
    serde_json::to_value(&config)
        .and_then(serde_json::from_value)
        .map_err(|_| {
            Failure::new(
                Cause::InvalidConfig,
                "the context could not be handed to the Kubernetes client",
                "report this bug; `kubectl config view --minify` shows the context's shape",
            )
        })
}

fn kubeconfig_failure(error: &kube::config::KubeconfigError, target: &Endpoint) -> Failure {
    use kube::config::KubeconfigError as E;
    match error {
        E::ParseClusterUrl(_) => Failure::new(
            Cause::InvalidConfig,
            format!(
                "the server URL of cluster \"{}\" is not a valid URL",
                target.cluster
            ),
            "set clusters[].cluster.server to a URL such as https://10.0.0.1:6443",
        ),
        E::LoadCertificateAuthority(_) | E::ParseCertificates(_) => Failure::new(
            Cause::InvalidConfig,
            format!(
                "the certificate authority of cluster \"{}\" is not a PEM certificate",
                target.cluster
            ),
            "paste the CA again from the cluster (base64 of the PEM file for certificate-authority-data)",
        ),
        E::ParseProxyUrl(_) => Failure::new(
            Cause::InvalidConfig,
            format!(
                "the proxy URL of cluster \"{}\" (proxy-url or HTTPS_PROXY) is not a valid URL",
                target.cluster
            ),
            "fix proxy-url in the kubeconfig or the HTTPS_PROXY environment variable",
        ),
        _ => Failure::new(
            Cause::InvalidConfig,
            format!(
                "context \"{}\" cannot be used by the Kubernetes client",
                target.context
            ),
            "check the context with `kubectl config view --minify --context NAME`",
        ),
    }
}

/// Values that an exec plugin's stderr might echo and that must not be shown: its args and
/// env values.
fn exec_secrets(merged: &Merged, context: &str) -> Vec<String> {
    let user = find(&merged.config.contexts, context)
        .and_then(|c| find(&merged.config.auth_infos, &c.auth_info));
    let Some(exec) = user.and_then(|u| u.exec.as_ref()) else {
        return Vec::new();
    };
    exec.args
        .iter()
        .flatten()
        .cloned()
        .chain(exec.env.iter().flatten().map(|v| v.value.clone()))
        .collect()
}

/// Why building the client failed (kube runs the exec plugin and reads key files here).
fn build_failure(error: &kube::Error, target: &Endpoint, secrets: &[String]) -> Failure {
    if let kube::Error::Auth(auth) = error {
        if let Some(failure) = exec_failure(auth, target, secrets) {
            return failure;
        }
    }
    Failure::new(
        Cause::InvalidConfig,
        format!(
            "the credentials of user \"{}\" cannot be used: the client certificate or key is not valid PEM, or a value holds characters not allowed in a header",
            target.user
        ),
        "compare the user with `kubectl config view --minify --context NAME`; paste the certificate, key or token again",
    )
}

/// Exec plugin failures, from building a client or from a later refresh.
pub(super) fn exec_failure(
    error: &kube::client::AuthError,
    target: &Endpoint,
    secrets: &[String],
) -> Option<Failure> {
    use kube::client::AuthError as E;
    let plugin = target.exec.as_ref()?;
    let name = plugin.path.display();
    let rerun = "run the plugin's command in a terminal to see the full message, fix what it says, then test again";
    Some(match error {
        E::AuthExecStart(io) => Failure::new(
            Cause::ExecPluginFailed,
            format!("exec plugin {name} could not be started: {}", io.kind()),
            "check that the file is an executable program for this machine",
        ),
        E::AuthExecRun { out, .. } => {
            let said = summarize_stderr(&out.stderr, secrets);
            let said = if said.is_empty() {
                "it printed nothing on stderr".to_string()
            } else {
                format!("it said: {said}")
            };
            Failure::new(
                Cause::ExecPluginFailed,
                format!("exec plugin {name} failed ({}); {said}", out.status),
                rerun,
            )
        }
        E::AuthExecParse(_) | E::ExecPluginFailed | E::MalformedTokenExpirationDate(_) => {
            Failure::new(
                Cause::ExecPluginFailed,
                format!(
                    "exec plugin {name} did not print a valid ExecCredential ({})",
                    plugin.api_version
                ),
                "the plugin must print an ExecCredential with status.token or status.clientCertificateData; check the plugin's version and its apiVersion in the kubeconfig",
            )
        }
        E::ExecMissingClusterInfo => Failure::new(
            Cause::InvalidConfig,
            "provideClusterInfo is set but the cluster could not be passed to the exec plugin",
            "check the cluster's certificate-authority in the kubeconfig",
        ),
        _ => return None,
    })
}

/// The last lines of a plugin's stderr, short, with its args, env values and anything
/// that looks like a token (a run of 20+ letters, digits, `_`, `-`, `+`, `=`) masked.
pub(super) fn summarize_stderr(stderr: &[u8], secrets: &[String]) -> String {
    const MAX_CHARS: usize = 300;
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut summary = lines[lines.len().saturating_sub(3)..].join(" / ");
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        summary = summary.replace(secret.as_str(), "••••");
    }
    let masked = mask_token_like(&summary);
    if masked.chars().count() > MAX_CHARS {
        let cut: String = masked.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    } else {
        masked
    }
}

fn mask_token_like(text: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "_-+=".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 20 {
            out.push_str("••••");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `https://user:pass@host:6443/x` → `https://host:6443/x`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::load;

    fn merged(text: &str, file: &str) -> Merged {
        let config = load::parse(text, Path::new(file)).unwrap();
        load::merge(vec![(file.into(), config)])
    }

    #[test]
    fn relative_paths_resolve_against_the_file_of_each_entry() {
        assert_eq!(
            absolute(Some(&"/k/dir/config".into()), "certs/a.crt"),
            "/k/dir/certs/a.crt"
        );
        assert_eq!(
            absolute(Some(&"/k/dir/config".into()), "/abs/a.crt"),
            "/abs/a.crt"
        );
        assert_eq!(absolute(None, ""), "");
    }

    #[test]
    fn missing_context_cluster_and_user_are_told_apart() {
        let m = merged(
            "clusters:\n- name: c\n  cluster: {server: https://c:6443}\nusers:\n- name: u\n  user: {token: t}\n\
             contexts:\n- name: no-cluster\n  context: {cluster: gone, user: u}\n- name: no-user\n  context: {cluster: c, user: nobody}\n- name: anonymous\n  context: {cluster: c}\n",
            "/k/config",
        );
        let path = SearchPath::explicit("");
        let cause = |name: &str| {
            single_context(&m, name, &path)
                .map(|_| ())
                .unwrap_err()
                .cause
        };
        assert_eq!(cause("nope"), Cause::MissingContext);
        assert_eq!(cause("no-cluster"), Cause::MissingCluster);
        assert_eq!(cause("no-user"), Cause::MissingUser);
        let (_, target) = single_context(&m, "anonymous", &path).unwrap();
        assert_eq!(target.tls.ca, CaSource::System);
    }

    #[test]
    fn a_missing_plugin_shows_its_install_hint_and_the_path_searched() {
        let m = merged(
            "clusters:\n- name: c\n  cluster: {server: https://c:6443}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: no-such-plugin\n      installHint: |\n        Install it with: brew install no-such-plugin\n\
             contexts:\n- name: x\n  context: {cluster: c, user: u}\n",
            "/k/config",
        );
        let failure =
            single_context(&m, "x", &SearchPath::explicit("/nowhere:/also/nowhere")).unwrap_err();
        assert_eq!(failure.cause, Cause::ExecPluginMissing);
        assert!(
            failure.message.contains("\"no-such-plugin\""),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("/nowhere:/also/nowhere"),
            "{}",
            failure.message
        );
        assert_eq!(failure.hint, "Install it with: brew install no-such-plugin");
    }

    #[test]
    fn exec_api_versions_other_than_v1_and_v1beta1_are_refused() {
        for version in ["", "client.authentication.k8s.io/v1alpha1"] {
            let text = format!(
                "clusters:\n- name: c\n  cluster: {{server: https://c:6443}}\nusers:\n- name: u\n  user:\n    exec: {{command: sh, apiVersion: '{version}'}}\n\
                 contexts:\n- name: x\n  context: {{cluster: c, user: u}}\n"
            );
            let failure = single_context(&merged(&text, "/k/config"), "x", &SearchPath::process())
                .unwrap_err();
            assert_eq!(failure.cause, Cause::InvalidConfig, "{version}");
            assert!(failure.hint.contains("client.authentication.k8s.io/v1"));
        }
    }

    #[test]
    fn the_plugin_gets_the_search_path_unless_its_env_sets_one_and_runs_non_interactively() {
        let text = "clusters:\n- name: c\n  cluster: {server: https://c:6443}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      env: [{name: REGION, value: eu}]\n\
                    contexts:\n- name: x\n  context: {cluster: c, user: u}\n";
        let (one, target) = single_context(
            &merged(text, "/k/config"),
            "x",
            &SearchPath::explicit("/bin:/usr/bin"),
        )
        .unwrap();
        let exec = one.auth_infos.unwrap()[0].value.exec.clone().unwrap();
        assert!(
            exec.command == "/bin/sh" || exec.command == "/usr/bin/sh",
            "{}",
            exec.command
        );
        let env = exec.env.unwrap();
        assert_eq!(
            (env[0].name.as_str(), env[0].value.as_str()),
            ("PATH", "/bin:/usr/bin")
        );
        assert_eq!(env[1].name, "REGION");
        assert_eq!(exec.interactive_mode, "Never");
        assert_eq!(target.exec.unwrap().found_in, PathSource::Explicit);
    }

    #[test]
    fn stderr_summaries_mask_tokens_and_args() {
        let stderr = b"starting\nerror: token eyJhbGciOiJSUzI1NiJ9abcdefghijkl rejected for --profile=prod-secret-profile\n";
        let summary = summarize_stderr(stderr, &["prod-secret-profile".into()]);
        assert!(!summary.contains("eyJhbGci"), "{summary}");
        assert!(!summary.contains("prod-secret"), "{summary}");
        assert!(summary.contains("rejected"), "{summary}");
        assert!(
            summary.starts_with("starting / error: token ••••"),
            "{summary}"
        );
    }

    #[test]
    fn server_urls_lose_their_userinfo() {
        assert_eq!(without_userinfo("https://u:p@h:6443/x"), "https://h:6443/x");
        assert_eq!(without_userinfo("https://h:6443"), "https://h:6443");
    }
}
