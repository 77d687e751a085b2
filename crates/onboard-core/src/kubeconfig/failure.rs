//! Why a context could not be used or reached, as a stable cause with our own message and
//! hint. Building a client ([`super::client`]) and testing a connection
//! ([`super::connection`]) both fail with a [`Failure`]; it becomes an [`crate::Error`]
//! where one error type crosses a boundary.
//!
//! Messages are ours: a lower layer's text (kube's errors quote exec plugin output, rustls'
//! quote nothing secret but are cryptic) never goes through verbatim.

use crate::error::{Error, ErrorKind};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Cause {
    /// No context of that name in the kubeconfig files.
    MissingContext,
    /// The context names a cluster that is in no file.
    MissingCluster,
    /// The context names a user that is in no file.
    MissingUser,
    /// A field cannot be used: no server URL, a file that cannot be read, bad PEM.
    InvalidConfig,
    /// The exec plugin's command is not on the search path.
    ExecPluginMissing,
    /// The exec plugin ran and failed, or printed no usable credential.
    ExecPluginFailed,
    /// An `auth-provider` kube cannot use (azure, or oidc without an id-token).
    AuthProviderUnsupported,
    /// The server's host name does not resolve.
    Dns,
    /// Nothing answers at the address: connection refused, no route.
    Unreachable,
    /// No answer in time (connect, TLS handshake or response).
    Timeout,
    /// The server's certificate is not signed by the CA the kubeconfig trusts.
    TlsUnknownCa,
    /// The server's certificate is not valid for the name we connected to.
    TlsNameMismatch,
    /// The server's certificate has expired or is not valid yet.
    TlsCertificateExpired,
    /// The server refused our client certificate during the handshake.
    TlsClientCertificateRejected,
    /// Another TLS failure.
    Tls,
    /// The address answers, but not with TLS (a plain HTTP port, another service).
    NotTls,
    /// 401: the credentials are expired, revoked or wrong.
    Unauthorized,
    /// The server answered with an error we did not expect (5xx, …).
    ServerError,
}

/// A cause with what happened and what to do. Never holds a credential or plugin output
/// that could contain one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub cause: Cause,
    pub message: String,
    pub hint: String,
}

impl Failure {
    pub fn new(cause: Cause, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            cause,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        let kind = match failure.cause {
            Cause::MissingContext | Cause::MissingCluster | Cause::MissingUser => {
                ErrorKind::NotFound
            }
            Cause::InvalidConfig | Cause::AuthProviderUnsupported => ErrorKind::InvalidInput,
            _ => ErrorKind::Connection,
        };
        Error::new(kind, failure.message).with_hint(failure.hint)
    }
}
