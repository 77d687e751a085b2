//! "Test connection" for one context: the server's version, who we are to it, how far away
//! it is, how TLS went, and when it fails, why, in terms a user can act on.
//!
//! Nothing here runs unless asked: the front ends call it for the context the user selects
//! (no probing of every context at start-up).
//!
//! Requests: `GET /version` twice (the first includes DNS, TCP and the TLS handshake; the
//! second is the round trip on the open connection), then a `SelfSubjectReview`
//! (authentication.k8s.io/v1, v1beta1 where v1 is not served, as `kubectl auth whoami`).
//! Each request is bounded by the client's connect and read timeouts with no retries, and
//! the whole test by [`TestOptions::overall_timeout`].
//!
//! 403 is a successful connection with a warning: the server accepted the credentials (it
//! knows who we are) and only refuses an action; what the user may do is the business of the
//! role checks, not of the connection. 401 is a failure: the credentials are not accepted.

use super::client::{self, ClientSettings, Endpoint};
use super::details::CaSource;
use super::failure::{Cause, Failure};
use super::load::Merged;
use serde::{Deserialize, Serialize};
use std::error::Error as StdError;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub client: ClientSettings,
    /// All requests together (the exec plugin has its own limit in `client`).
    pub overall_timeout: Duration,
}

impl TestOptions {
    pub fn new(client: ClientSettings) -> Self {
        Self {
            client,
            overall_timeout: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub context: String,
    /// What the context points at; absent when the context cannot be resolved.
    pub endpoint: Option<Endpoint>,
    /// The server answered and accepted the credentials (possibly refusing an action: 403).
    pub connected: bool,
    pub version: Option<ServerVersion>,
    /// Who the server says we are; absent with a warning when it would not tell.
    pub identity: Option<UserIdentity>,
    pub latency: Option<Latency>,
    pub tls: TlsVerification,
    pub warnings: Vec<Warning>,
    /// Why the connection failed; absent when `connected`.
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ServerVersion {
    pub git_version: String,
    #[serde(default)]
    pub platform: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    pub username: String,
    pub uid: Option<String>,
    pub groups: Vec<String>,
    /// The SelfSubjectReview version that answered.
    pub api_version: String,
}

/// Milliseconds, to a hundredth.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// The first `GET /version`: DNS, TCP, TLS handshake and the round trip.
    pub first_request_ms: f64,
    /// A second `GET /version` on the open connection: the round trip alone.
    pub round_trip_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum TlsVerification {
    /// The server's certificate was checked against the CA and the name, and passed.
    Verified,
    /// `insecure-skip-tls-verify`: anyone on the path could pose as the server.
    SkippedInsecure,
    /// `http://`: nothing is encrypted.
    PlainHttp,
    /// The handshake failed; `failure` says why.
    Failed,
    /// We did not get that far (a missing plugin, DNS, a refused connection).
    NotReached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum WarningCode {
    InsecureSkipTlsVerify,
    PlainHttp,
    /// 403 on `/version`: credentials accepted, version hidden.
    VersionForbidden,
    /// 403 on SelfSubjectReview: credentials accepted, identity hidden.
    IdentityForbidden,
    /// The server serves no SelfSubjectReview (Kubernetes before 1.27 without the beta).
    IdentityNotServed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

/// Tests `context` of `merged`. Never fails: every problem is in the report.
pub async fn test_connection(
    merged: &Merged,
    context: &str,
    options: &TestOptions,
) -> ConnectionReport {
    let mut report = ConnectionReport {
        context: context.to_string(),
        endpoint: None,
        connected: false,
        version: None,
        identity: None,
        latency: None,
        tls: TlsVerification::NotReached,
        warnings: Vec::new(),
        failure: None,
    };
    let prepared = match client::prepare(merged, context, &options.client).await {
        Ok(prepared) => prepared,
        Err(failure) => {
            report.failure = Some(failure);
            return report;
        }
    };
    let target = prepared.target.clone();
    let secrets = prepared.exec_secrets().to_vec();
    report.endpoint = Some(target.clone());
    if target.tls.insecure_skip_verify {
        report.warnings.push(Warning {
            code: WarningCode::InsecureSkipTlsVerify,
            message: "insecure-skip-tls-verify is set: the server's certificate is not checked, so anyone on the network path could pose as this cluster".into(),
        });
    }
    if !target.tls.https {
        report.warnings.push(Warning {
            code: WarningCode::PlainHttp,
            message: "the server URL is http://: credentials and data travel unencrypted".into(),
        });
    }
    let client = match prepared.connect(&options.client).await {
        Ok(client) => client,
        Err(failure) => {
            report.failure = Some(failure);
            return report;
        }
    };
    let probe = Probe {
        client: &client,
        target: &target,
        secrets: &secrets,
    };
    let outcome = tokio::time::timeout(options.overall_timeout, probe.run(&mut report)).await;
    if outcome.is_err() {
        report.connected = false;
        report.failure = Some(Failure::new(
            Cause::Timeout,
            format!(
                "{} did not answer within {} s",
                target.server,
                options.overall_timeout.as_secs()
            ),
            "check the network path to the cluster (VPN, firewall, proxy) and try again",
        ));
    }
    report.tls = match (&report.failure, report.connected) {
        (Some(f), _) if is_tls(f.cause) => TlsVerification::Failed,
        (_, true)
        | (
            Some(Failure {
                cause: Cause::Unauthorized | Cause::ServerError,
                ..
            }),
            _,
        ) => {
            if !target.tls.https {
                TlsVerification::PlainHttp
            } else if target.tls.insecure_skip_verify {
                TlsVerification::SkippedInsecure
            } else {
                TlsVerification::Verified
            }
        }
        _ => TlsVerification::NotReached,
    };
    report
}

fn is_tls(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::TlsUnknownCa
            | Cause::TlsNameMismatch
            | Cause::TlsCertificateExpired
            | Cause::TlsClientCertificateRejected
            | Cause::Tls
            | Cause::NotTls
    )
}

/// How an API request ended, for the steps that treat some answers as non-fatal.
enum Answer<T> {
    Ok(T),
    /// An HTTP status the caller decides about (403, 404).
    Status(u16),
    Failed(Failure),
}

struct Probe<'a> {
    client: &'a kube::Client,
    target: &'a Endpoint,
    secrets: &'a [String],
}

impl Probe<'_> {
    async fn run(&self, report: &mut ConnectionReport) {
        let started = Instant::now();
        let first = self.version().await;
        let first_ms = millis(started.elapsed());
        match first {
            Answer::Ok(version) => report.version = Some(version),
            Answer::Status(403) => report.warnings.push(Warning {
                code: WarningCode::VersionForbidden,
                message: format!(
                    "user \"{}\" may not read the server version (403)",
                    self.target.user
                ),
            }),
            Answer::Status(code) => {
                report.failure = Some(self.unexpected(code, "GET /version"));
                return;
            }
            Answer::Failed(failure) => {
                report.failure = Some(failure);
                return;
            }
        }
        report.connected = true;
        let started = Instant::now();
        // Any answer will do: this measures the round trip only.
        let _ = self.version().await;
        report.latency = Some(Latency {
            first_request_ms: first_ms,
            round_trip_ms: millis(started.elapsed()),
        });
        for api_version in ["v1", "v1beta1"] {
            match self.whoami(api_version).await {
                Answer::Ok(identity) => {
                    report.identity = Some(identity);
                    return;
                }
                Answer::Status(404) => continue,
                Answer::Status(403) => {
                    report.warnings.push(Warning {
                        code: WarningCode::IdentityForbidden,
                        message: format!(
                            "user \"{}\" may not create a SelfSubjectReview (403), so the server did not say who it is",
                            self.target.user
                        ),
                    });
                    return;
                }
                Answer::Status(code) => {
                    report.warnings.push(Warning {
                        code: WarningCode::IdentityNotServed,
                        message: format!("the server answered {code} to a SelfSubjectReview"),
                    });
                    return;
                }
                Answer::Failed(failure) => {
                    report.connected = false;
                    report.failure = Some(failure);
                    return;
                }
            }
        }
        report.warnings.push(Warning {
            code: WarningCode::IdentityNotServed,
            message: "the server serves no SelfSubjectReview (Kubernetes 1.26 or older without the beta API), so it did not say who we are".into(),
        });
    }

    async fn version(&self) -> Answer<ServerVersion> {
        let request = http::Request::get("/version").body(Vec::new());
        self.send(request).await
    }

    async fn whoami(&self, api_version: &str) -> Answer<UserIdentity> {
        #[derive(Deserialize)]
        struct Review {
            status: ReviewStatus,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ReviewStatus {
            user_info: UserInfo,
        }
        #[derive(Deserialize)]
        struct UserInfo {
            #[serde(default)]
            username: String,
            uid: Option<String>,
            #[serde(default)]
            groups: Vec<String>,
        }
        let group_version = format!("authentication.k8s.io/{api_version}");
        let body = serde_json::json!({"apiVersion": group_version, "kind": "SelfSubjectReview", "metadata": {}});
        let request = http::Request::post(format!("/apis/{group_version}/selfsubjectreviews"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.to_string().into_bytes());
        match self.send::<Review>(request).await {
            Answer::Ok(review) => Answer::Ok(UserIdentity {
                username: review.status.user_info.username,
                uid: review.status.user_info.uid.filter(|u| !u.is_empty()),
                groups: review.status.user_info.groups,
                api_version: group_version,
            }),
            Answer::Status(code) => Answer::Status(code),
            Answer::Failed(failure) => Answer::Failed(failure),
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: Result<http::Request<Vec<u8>>, http::Error>,
    ) -> Answer<T> {
        let Ok(request) = request else {
            return Answer::Failed(Failure::new(
                Cause::ServerError,
                "the request could not be built",
                "report this bug",
            ));
        };
        match self.client.request::<T>(request).await {
            Ok(value) => Answer::Ok(value),
            Err(kube::Error::Api(status)) if status.code == 401 => {
                Answer::Failed(self.unauthorized())
            }
            Err(kube::Error::Api(status)) => Answer::Status(status.code),
            Err(kube::Error::SerdeError(_)) => Answer::Failed(Failure::new(
                Cause::ServerError,
                format!(
                    "{} answers, but not like a Kubernetes API server",
                    self.target.server
                ),
                "check the server URL: it may point at a web server, a load balancer's page or another service",
            )),
            Err(error) => Answer::Failed(transport_failure(&error, self.target, self.secrets)),
        }
    }

    fn unauthorized(&self) -> Failure {
        let what = match &self.target.exec {
            Some(plugin) => format!("the credential from exec plugin {}", plugin.command),
            None => format!("the credentials of user \"{}\"", self.target.user),
        };
        Failure::new(
            Cause::Unauthorized,
            format!("{} rejected {what} (401): they are expired, revoked or wrong", self.target.server),
            "get fresh credentials for this cluster (a new token or kubeconfig from its admin, or sign in again with your cloud CLI), then test again",
        )
    }

    fn unexpected(&self, code: u16, what: &str) -> Failure {
        Failure::new(
            Cause::ServerError,
            format!("{} answered {code} to {what}", self.target.server),
            if code >= 500 {
                "the API server or a proxy in front of it has a problem; try again later or ask the cluster's admin"
            } else {
                "check the server URL: it may point at something other than the Kubernetes API"
            },
        )
    }
}

fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 100_000.0).round() / 100.0
}

/// The errors behind `error`, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap, which is where rustls puts its reason).
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next.take() {
        out.push(current);
        if out.len() > 16 {
            break;
        }
        next = match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    out
}

/// A failure below HTTP: exec refresh, DNS, TCP, TLS, timeouts.
fn transport_failure(error: &kube::Error, target: &Endpoint, secrets: &[String]) -> Failure {
    let host = host_of(&target.server);
    for cause in causes(error) {
        if let Some(auth) = cause.downcast_ref::<kube::client::AuthError>() {
            if let Some(failure) = client::exec_failure(auth, target, secrets) {
                return failure;
            }
        }
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return tls_failure(tls, target, &host);
        }
        if cause.to_string() == "dns error" {
            return Failure::new(
                Cause::Dns,
                format!("the host name {host} does not resolve (DNS)"),
                "check the spelling of the server URL, your DNS or VPN (private cluster names often resolve only on the VPN)",
            );
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => {
                    return Failure::new(
                        Cause::Unreachable,
                        format!("nothing accepts connections at {} (connection refused)", authority_of(&target.server)),
                        "check the server URL's port and that the API server (or its load balancer) is running",
                    )
                }
                K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => {
                    return Failure::new(
                        Cause::Unreachable,
                        format!("there is no network route to {host}"),
                        "check your network, VPN and firewall: this machine cannot reach the cluster's address",
                    )
                }
                K::TimedOut => {
                    return Failure::new(
                        Cause::Timeout,
                        format!("{} did not answer in time", authority_of(&target.server)),
                        "check that the address is reachable from here (VPN, firewall, proxy); a firewall that drops packets looks like this",
                    )
                }
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => {
                    return Failure::new(
                        Cause::Unreachable,
                        format!("{} closed the connection", authority_of(&target.server)),
                        // A one-off drop (a network blip, a load balancer's restart) looks the same.
                        "try again; if it keeps happening, the address may belong to a proxy or another service: check the server URL and port",
                    )
                }
                _ => {}
            }
        }
    }
    Failure::new(
        Cause::Unreachable,
        format!("could not connect to {}", target.server),
        "check the server URL and the network path to the cluster",
    )
}

fn tls_failure(error: &rustls::Error, target: &Endpoint, host: &str) -> Failure {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let ca = match &target.tls.ca {
        CaSource::File { path } => format!("the CA in {}", path.display()),
        CaSource::Embedded { .. } => "the CA embedded in the kubeconfig".to_string(),
        CaSource::System => "this system's trusted CAs".to_string(),
    };
    let name = target.tls.server_name.as_deref().unwrap_or(host);
    match error {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => Failure::new(
            Cause::TlsUnknownCa,
            format!("the server's certificate is not signed by {ca} (TLS: unknown issuer)"),
            "the cluster's CA changed or the kubeconfig belongs to another cluster: get a current kubeconfig (or the CA, e.g. /etc/kubernetes/pki/ca.crt) from the cluster's admin",
        ),
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            Failure::new(
                Cause::TlsNameMismatch,
                format!("the server's certificate is not valid for the name {name}"),
                "use the address the certificate was issued for in the server URL, or set tls-server-name to one of its names",
            )
        }
        E::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => Failure::new(
            Cause::TlsCertificateExpired,
            "the server's certificate has expired or is not valid yet",
            "check this machine's clock; if it is right, the cluster's admin must renew the API server certificate (kubeadm certs renew)",
        ),
        E::AlertReceived(
            A::CertificateRequired
            | A::BadCertificate
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::CertificateUnknown
            | A::UnknownCA
            | A::AccessDenied,
        ) => Failure::new(
            Cause::TlsClientCertificateRejected,
            format!("the server refused the client certificate of user \"{}\" during the TLS handshake", target.user),
            "the certificate may have expired or come from another cluster: get a fresh kubeconfig for this user",
        ),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => Failure::new(
            Cause::NotTls,
            format!("{} does not speak TLS", authority_of(&target.server)),
            "the port may be a plain HTTP port or another service; check the server URL's scheme and port (the API server usually listens on 6443)",
        ),
        _ => Failure::new(
            Cause::Tls,
            format!("the TLS handshake with {} failed", authority_of(&target.server)),
            "check the server URL and the cluster's certificate settings",
        ),
    }
}

fn authority_of(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

fn host_of(server: &str) -> String {
    let authority = authority_of(server);
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or(bracketed).to_string();
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_authorities_of_server_urls() {
        assert_eq!(
            authority_of("https://k.example:6443/prefix"),
            "k.example:6443"
        );
        assert_eq!(host_of("https://k.example:6443"), "k.example");
        assert_eq!(host_of("https://[::1]:6443"), "::1");
        assert_eq!(host_of("https://k.example"), "k.example");
    }

    #[test]
    fn latency_keeps_hundredths_of_a_millisecond() {
        assert_eq!(millis(Duration::from_micros(1234)), 1.23);
        assert!(millis(Duration::from_nanos(20_000)) > 0.0);
    }
}
