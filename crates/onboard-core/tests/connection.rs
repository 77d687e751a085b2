//! "Test connection" against the sandbox's real HTTPS API servers, with the real kube
//! client: success, every failure cause we can produce on loopback, exec plugins, and
//! relative paths. Plain kubectl is the independent client where it helps.

use base64::Engine;
use kube_sandbox::{
    Cluster, ClusterBuilder, ObjectRef, Sandbox, SandboxConfig, UserSpec, ADMIN, VIEWER,
};
use onboard_core::kubeconfig::client::{self, ClientSettings};
use onboard_core::kubeconfig::connection::{
    test_connection, ConnectionReport, TestOptions, TlsVerification, WarningCode,
};
use onboard_core::kubeconfig::details::CaSource;
use onboard_core::kubeconfig::failure::Cause;
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::model::{AuthInfo, Context, ExecConfig, ExecEnvVar, Named};
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::sources;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

const DEV: &str = "dev";

struct Fixture {
    cluster: Cluster,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

/// One cluster; contexts `admin` (client certificate) and `dev` (token, no RBAC beyond the
/// defaults every authenticated user has).
async fn fixture() -> Fixture {
    let cluster = ClusterBuilder::new("conn")
        .user(UserSpec::token(DEV, &[]))
        .start()
        .await
        .expect("cluster starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    cluster
        .write_kubeconfig(&kubeconfig, &[("admin", ADMIN), ("dev", DEV)])
        .unwrap();
    Fixture {
        cluster,
        dir,
        kubeconfig,
    }
}

fn load_file(path: &Path) -> Merged {
    load::load(&sources::resolve(Some(path), None, None).unwrap()).unwrap()
}

fn options(search_path: SearchPath) -> TestOptions {
    let mut client = ClientSettings::new(search_path);
    client.connect_timeout = Duration::from_secs(2);
    client.read_timeout = Duration::from_secs(5);
    client.exec_timeout = Duration::from_secs(10);
    TestOptions::new(client)
}

async fn test(merged: &Merged, context: &str) -> ConnectionReport {
    test_connection(
        merged,
        context,
        &options(SearchPath::explicit("/usr/bin:/bin")),
    )
    .await
}

fn cluster_mut(merged: &mut Merged) -> &mut onboard_core::kubeconfig::model::Cluster {
    &mut merged.config.clusters.as_mut().unwrap()[0].value
}

fn user_mut<'a>(merged: &'a mut Merged, name: &str) -> &'a mut AuthInfo {
    let users = merged.config.auth_infos.as_mut().unwrap();
    &mut users.iter_mut().find(|u| u.name == name).unwrap().value
}

fn token_of(merged: &Merged, user: &str) -> String {
    let users = merged.config.auth_infos.as_ref().unwrap();
    users
        .iter()
        .find(|u| u.name == user)
        .unwrap()
        .value
        .token
        .clone()
}

fn cause(report: &ConnectionReport) -> Cause {
    match &report.failure {
        Some(failure) => failure.cause,
        None => panic!("expected a failure: {report:#?}"),
    }
}

/// The report as the UI and CLI would see it must not hold `secret`.
fn assert_no_secret(report: &ConnectionReport, secret: &str) {
    let json = serde_json::to_string(report).unwrap();
    assert!(!json.contains(secret), "secret leaked: {json}");
}

fn kubectl_server_version(kubeconfig: &Path, context: &str, home: &Path) -> String {
    let kubectl = kube_sandbox::kubectl::plain_kubectl().expect("a plain kubectl build");
    let out = std::process::Command::new(kubectl)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .args(["--kubeconfig"])
        .arg(kubeconfig)
        .args(["--context", context, "version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "kubectl: {out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["serverVersion"]["gitVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_and_token_users_connect_with_version_identity_latency_and_verified_tls() {
    let f = fixture().await;
    let merged = load_file(&f.kubeconfig);

    let admin = test(&merged, "admin").await;
    assert!(admin.connected, "{admin:#?}");
    assert_eq!(admin.failure, None);
    let version = admin.version.as_ref().unwrap();
    assert_eq!(
        version.git_version,
        kubectl_server_version(&f.kubeconfig, "admin", f.dir.path()),
        "same server version as kubectl sees"
    );
    let identity = admin.identity.as_ref().unwrap();
    assert_eq!(identity.username, ADMIN);
    assert!(identity.groups.contains(&"system:masters".to_string()));
    assert_eq!(identity.api_version, "authentication.k8s.io/v1");
    let latency = admin.latency.as_ref().unwrap();
    assert!(latency.round_trip_ms > 0.0 && latency.first_request_ms > 0.0);
    assert_eq!(admin.tls, TlsVerification::Verified);
    let target = admin.endpoint.as_ref().unwrap();
    assert!(matches!(target.tls.ca, CaSource::Embedded { bytes } if bytes > 0));
    assert_eq!(target.server, f.cluster.url());
    assert!(admin.warnings.is_empty(), "{:?}", admin.warnings);

    // The builder the rest of the app uses gives a working client on its own.
    let (client, endpoint) =
        client::client_for(&merged, "dev", &options(SearchPath::explicit("")).client)
            .await
            .unwrap();
    assert_eq!(endpoint.user, "conn-dev");
    assert_eq!(
        client.apiserver_version().await.unwrap().git_version,
        version.git_version
    );

    let dev = test(&merged, "dev").await;
    assert!(dev.connected, "{dev:#?}");
    assert_eq!(dev.identity.as_ref().unwrap().username, DEV);
    assert_no_secret(&dev, &token_of(&merged, "conn-dev"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_viewer_connects_and_latency_follows_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: "empty".into(),
        latency: Duration::ZERO,
        timing: Default::default(),
    })
    .await
    .unwrap();
    let merged = load_file(&sandbox.host_kubeconfig);
    sandbox
        .host
        .faults()
        .set_latency(Duration::from_millis(120));
    let report = test(&merged, "sandbox-host-viewer").await;
    assert!(report.connected, "{report:#?}");
    assert_eq!(report.identity.as_ref().unwrap().username, VIEWER);
    let latency = report.latency.unwrap();
    assert!(latency.round_trip_ms >= 120.0, "{latency:?}");
    assert!(
        latency.first_request_ms >= latency.round_trip_ms * 0.9,
        "{latency:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clusters_ca_is_an_unknown_issuer() {
    let f = fixture().await;
    let other = ClusterBuilder::new("other").start().await.unwrap();
    let mut merged = load_file(&f.kubeconfig);
    cluster_mut(&mut merged).certificate_authority_data =
        base64::engine::general_purpose::STANDARD.encode(other.ca_pem());
    let report = test(&merged, "admin").await;
    assert!(!report.connected);
    assert_eq!(cause(&report), Cause::TlsUnknownCa, "{report:#?}");
    assert_eq!(report.tls, TlsVerification::Failed);
    assert!(report.failure.unwrap().message.contains("embedded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_server_name_the_certificate_lacks_is_a_name_mismatch() {
    let f = fixture().await;
    let mut merged = load_file(&f.kubeconfig);
    cluster_mut(&mut merged).tls_server_name = "api.wrong.example".into();
    let report = test(&merged, "admin").await;
    assert_eq!(cause(&report), Cause::TlsNameMismatch, "{report:#?}");
    assert!(report
        .failure
        .unwrap()
        .message
        .contains("api.wrong.example"));

    // The certificate is valid for localhost: naming it makes the same server pass.
    cluster_mut(&mut merged).tls_server_name = "localhost".into();
    assert!(test(&merged, "admin").await.connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_expired_token_is_unauthorized_and_never_shown() {
    let f = fixture().await;
    let mut merged = load_file(&f.kubeconfig);
    let wrong = "sandbox.0123456789abcdef0123456789abcdef";
    user_mut(&mut merged, "conn-dev").token = wrong.into();
    let report = test(&merged, "dev").await;
    assert!(!report.connected);
    assert_eq!(cause(&report), Cause::Unauthorized, "{report:#?}");
    assert_eq!(
        report.tls,
        TlsVerification::Verified,
        "TLS itself went fine"
    );
    assert_no_secret(&report, wrong);

    let merged = load_file(&f.kubeconfig);
    f.cluster.expire_credentials(DEV, SystemTime::now());
    let report = test(&merged, "dev").await;
    assert_eq!(cause(&report), Cause::Unauthorized, "{report:#?}");
    assert!(report.failure.as_ref().unwrap().message.contains("expired"));
    assert_no_secret(&report, &token_of(&merged, "conn-dev"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_reviews_and_versions_connect_with_warnings() {
    let f = fixture().await;
    let merged = load_file(&f.kubeconfig);
    let binding = |name| ObjectRef {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        namespace: "",
        name,
    };
    // Without system:basic-user, a user may not review itself (403).
    f.cluster.delete(binding("system:basic-user")).unwrap();
    let report = test(&merged, "dev").await;
    assert!(report.connected, "{report:#?}");
    assert!(report.version.is_some());
    assert_eq!(report.identity, None);
    let codes: Vec<_> = report.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, vec![WarningCode::IdentityForbidden]);
    // The admin is allowed everything still.
    assert!(test(&merged, "admin").await.identity.is_some());

    // Without system:discovery, not even the version.
    f.cluster.delete(binding("system:discovery")).unwrap();
    let report = test(&merged, "dev").await;
    assert!(report.connected, "{report:#?}");
    assert_eq!(report.version, None);
    let codes: Vec<_> = report.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        vec![
            WarningCode::VersionForbidden,
            WarningCode::IdentityForbidden
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_unreachable_and_an_invalid_name_is_dns() {
    let f = fixture().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut merged = load_file(&f.kubeconfig);
    cluster_mut(&mut merged).server = format!("https://127.0.0.1:{closed}");
    let report = test(&merged, "admin").await;
    assert_eq!(cause(&report), Cause::Unreachable, "{report:#?}");
    assert!(report
        .failure
        .unwrap()
        .message
        .contains("connection refused"));
    assert_eq!(report.tls, TlsVerification::NotReached);

    // RFC 6761: .invalid never resolves.
    cluster_mut(&mut merged).server = "https://api.cluster.invalid:6443".into();
    let report = test(&merged, "admin").await;
    assert_eq!(cause(&report), Cause::Dns, "{report:#?}");
    assert!(report
        .failure
        .unwrap()
        .message
        .contains("api.cluster.invalid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_port_times_out_fast_and_a_plain_http_port_is_not_tls() {
    let f = fixture().await;
    let mut merged = load_file(&f.kubeconfig);
    // Accepts and never says a word: the TLS handshake waits for the connect timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    cluster_mut(&mut merged).server = format!("https://127.0.0.1:{silent_port}");
    let mut opts = options(SearchPath::explicit("/usr/bin:/bin"));
    opts.client.connect_timeout = Duration::from_millis(500);
    let started = Instant::now();
    let report = test_connection(&merged, "admin", &opts).await;
    assert_eq!(cause(&report), Cause::Timeout, "{report:#?}");
    assert!(started.elapsed() < Duration::from_secs(5), "failed fast");
    held.abort();

    // Answers in plain HTTP, as a web server or a NodePort of another service would.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    let answering = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = plain.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    cluster_mut(&mut merged).server = format!("https://127.0.0.1:{plain_port}");
    let report = test(&merged, "admin").await;
    assert_eq!(cause(&report), Cause::NotTls, "{report:#?}");
    answering.abort();
}

/// A plugin that checks what kube hands it (apiVersion, non-interactive, cluster info,
/// args, env, the search PATH) and prints an ExecCredential with the token in `$2`.
const PLUGIN: &str = r#"#!/bin/sh
info="$KUBERNETES_EXEC_INFO"
case "$info" in *"\"apiVersion\":\"$EXPECT_API\""*) ;; *) echo "wrong apiVersion: $info" >&2; exit 2;; esac
case "$info" in *'"interactive":false'*) ;; *) echo "not told it is non-interactive" >&2; exit 2;; esac
case "$info" in *"\"server\":\"$EXPECT_SERVER\""*) ;; *) echo "no cluster info: $info" >&2; exit 2;; esac
case ":$PATH:" in *":$EXPECT_PATH_DIR:"*) ;; *) echo "PATH lacks $EXPECT_PATH_DIR: $PATH" >&2; exit 2;; esac
[ "$1" = "--token-file" ] || { echo "args not passed" >&2; exit 2; }
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"}}' "$EXPECT_API" "$(cat "$2")"
"#;

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Adds context `plugin` whose user runs `exec`.
fn with_exec_user(merged: &mut Merged, exec: ExecConfig) {
    merged.config.auth_infos.as_mut().unwrap().push(Named {
        name: "plugin-user".into(),
        value: AuthInfo {
            exec: Some(exec),
            ..Default::default()
        },
    });
    let cluster = merged.config.clusters.as_ref().unwrap()[0].name.clone();
    merged.config.contexts.as_mut().unwrap().push(Named {
        name: "plugin".into(),
        value: Context {
            cluster,
            auth_info: "plugin-user".into(),
            ..Default::default()
        },
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_plugins_v1_and_v1beta1_found_through_the_login_path_sign_in() {
    let f = fixture().await;
    let bin = tempfile::tempdir().unwrap();
    write_executable(&bin.path().join("ks-test-credential"), PLUGIN);
    let token_file = f.dir.path().join("plugin-token");
    let merged = load_file(&f.kubeconfig);
    std::fs::write(&token_file, token_of(&merged, "conn-dev")).unwrap();
    let login_path = SearchPath::explicit(format!("{}:/usr/bin:/bin", bin.path().display()));
    for api in [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ] {
        let mut merged = merged.clone();
        let env = |name: &str, value: String| ExecEnvVar {
            name: name.into(),
            value,
        };
        with_exec_user(
            &mut merged,
            ExecConfig {
                command: "ks-test-credential".into(),
                args: Some(vec![
                    "--token-file".into(),
                    token_file.display().to_string(),
                ]),
                env: Some(vec![
                    env("EXPECT_API", api.into()),
                    env("EXPECT_SERVER", f.cluster.url()),
                    env("EXPECT_PATH_DIR", bin.path().display().to_string()),
                ]),
                api_version: api.into(),
                provide_cluster_info: true,
                ..Default::default()
            },
        );
        let report = test_connection(&merged, "plugin", &options(login_path.clone())).await;
        assert!(report.connected, "{api}: {report:#?}");
        assert_eq!(report.identity.as_ref().unwrap().username, DEV, "{api}");
        let plugin = report.endpoint.as_ref().unwrap().exec.as_ref().unwrap();
        assert_eq!(plugin.path, bin.path().join("ks-test-credential"));
        assert_no_secret(&report, &token_of(&merged, "conn-dev"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_plugin_shows_its_install_hint_and_a_failing_one_its_stderr_without_secrets() {
    let f = fixture().await;
    let bin = tempfile::tempdir().unwrap();
    let login_path = SearchPath::explicit(bin.path().as_os_str());
    let mut merged = load_file(&f.kubeconfig);
    with_exec_user(
        &mut merged,
        ExecConfig {
            command: "gke-gcloud-auth-plugin".into(),
            api_version: "client.authentication.k8s.io/v1beta1".into(),
            install_hint: "Install gke-gcloud-auth-plugin for use with kubectl by following\nhttps://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin".into(),
            ..Default::default()
        },
    );
    let report = test_connection(&merged, "plugin", &options(login_path.clone())).await;
    assert_eq!(cause(&report), Cause::ExecPluginMissing, "{report:#?}");
    let failure = report.failure.unwrap();
    assert!(failure.hint.starts_with("Install gke-gcloud-auth-plugin for use with kubectl by following\nhttps://cloud.google.com/"), "{}", failure.hint);
    assert!(
        failure.message.contains(&bin.path().display().to_string()),
        "names the PATH searched: {}",
        failure.message
    );

    // Now it exists and fails, echoing a token and its argument on stderr.
    let leaked = "ya29.A0ARrdaM-very-secret-access-token-value";
    write_executable(
        &bin.path().join("gke-gcloud-auth-plugin"),
        &format!("#!/bin/sh\necho \"refreshing token {leaked} for $1\" >&2\necho 'ERROR: (gcloud.auth) Reauthentication required.' >&2\nexit 1\n"),
    );
    let mut merged = load_file(&f.kubeconfig);
    with_exec_user(
        &mut merged,
        ExecConfig {
            command: "gke-gcloud-auth-plugin".into(),
            args: Some(vec!["project-secret-arg".into()]),
            api_version: "client.authentication.k8s.io/v1beta1".into(),
            ..Default::default()
        },
    );
    let report = test_connection(&merged, "plugin", &options(login_path)).await;
    assert_eq!(cause(&report), Cause::ExecPluginFailed, "{report:#?}");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(message.contains("Reauthentication required"), "{message}");
    assert_no_secret(&report, "very-secret-access-token");
    assert_no_secret(&report, "project-secret-arg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_ca_key_certificate_and_token_file_resolve_against_their_own_file() {
    let f = fixture().await;
    let merged = load_file(&f.kubeconfig);
    let b64 = |text: &str| {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        )
        .unwrap()
    };
    let cluster = &merged.config.clusters.as_ref().unwrap()[0].value;
    let users = merged.config.auth_infos.as_ref().unwrap();
    let admin = &users
        .iter()
        .find(|u| u.name == "conn-sandbox-admin")
        .unwrap()
        .value;
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("configs");
    std::fs::create_dir_all(nested.join("certs")).unwrap();
    std::fs::write(
        nested.join("ca.crt"),
        b64(&cluster.certificate_authority_data),
    )
    .unwrap();
    std::fs::write(
        nested.join("certs/admin.crt"),
        b64(&admin.client_certificate_data),
    )
    .unwrap();
    std::fs::write(nested.join("certs/admin.key"), b64(&admin.client_key_data)).unwrap();
    // A trailing newline, as `echo TOKEN > file` leaves: kubectl trims it, and so must we.
    std::fs::write(
        nested.join("dev.token"),
        format!("{}\n", token_of(&merged, "conn-dev")),
    )
    .unwrap();
    let file = nested.join("kubeconfig.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: admin\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: ca.crt\n\
             users:\n- name: admin\n  user:\n    client-certificate: certs/admin.crt\n    client-key: certs/admin.key\n- name: dev\n  user:\n    tokenFile: dev.token\n\
             contexts:\n- name: admin\n  context: {{cluster: c, user: admin}}\n- name: dev\n  context: {{cluster: c, user: dev}}\n",
            f.cluster.url()
        ),
    )
    .unwrap();
    let merged = load_file(&file);
    let report = test(&merged, "admin").await;
    assert!(report.connected, "{report:#?}");
    assert_eq!(report.identity.unwrap().username, ADMIN);
    assert_eq!(
        report.endpoint.unwrap().tls.ca,
        CaSource::File {
            path: nested.join("ca.crt")
        }
    );
    let report = test(&merged, "dev").await;
    assert!(report.connected, "{report:#?}");
    assert_eq!(report.identity.unwrap().username, DEV);
    // kubectl reads the same file the same way.
    assert_eq!(
        report.version.unwrap().git_version,
        kubectl_server_version(&file, "dev", dir.path())
    );

    // A missing file is named, with where relative paths start.
    std::fs::remove_file(nested.join("certs/admin.key")).unwrap();
    let report = test(&merged, "admin").await;
    assert_eq!(cause(&report), Cause::InvalidConfig);
    let failure = report.failure.unwrap();
    assert!(
        failure
            .message
            .contains(&nested.join("certs/admin.key").display().to_string()),
        "{}",
        failure.message
    );
    assert!(
        failure.hint.contains(&file.display().to_string()),
        "{}",
        failure.hint
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_skip_verify_connects_with_a_warning() {
    let f = fixture().await;
    let mut merged = load_file(&f.kubeconfig);
    let cluster = cluster_mut(&mut merged);
    cluster.certificate_authority_data.clear();
    cluster.insecure_skip_tls_verify = true;
    let report = test(&merged, "admin").await;
    assert!(report.connected, "{report:#?}");
    assert_eq!(report.tls, TlsVerification::SkippedInsecure);
    assert_eq!(report.warnings[0].code, WarningCode::InsecureSkipTlsVerify);
}
