//! Raw API calls by path, for the KubeSphere kinds k8s-openapi has no types for (Cluster,
//! Extension, InstallPlan, User, ClusterConfiguration) and for the few core objects we read
//! and write whole (Secret, ConfigMap). Objects stay `serde_json::Value`, so a write sends
//! back every field we did not touch, including ones newer than this program.
//!
//! Failures are ours: the API server's `Status` message is kept (it names the object and
//! the user, never a credential); transport errors are summarised, not quoted. Throttling,
//! server hiccups and dropped connections are retried where repeating the request is safe
//! (see [`Repeat`]), so one lost packet does not fail, or half-do, a flow.

use crate::{Error, ErrorKind};
use serde_json::Value;

/// Why a request did not return what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an HTTP error status and this message.
    Status { code: u16, message: String },
    /// No answer: network, TLS, timeout, or a body that is not JSON.
    Transport(String),
}

impl ApiError {
    pub fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            ApiError::Transport(_) => None,
        }
    }

    /// One line for evidence and error messages.
    pub fn describe(&self) -> String {
        match self {
            ApiError::Status { code, message } => format!("{code}: {message}"),
            ApiError::Transport(what) => what.clone(),
        }
    }

    /// As the product's error, saying what we were doing.
    pub fn into_error(self, doing: &str) -> Error {
        match &self {
            ApiError::Status { code: 403, .. } => Error::new(
                ErrorKind::Connection,
                format!("not allowed to {doing}: {}", self.describe()),
            )
            .with_hint("use a context whose user is platform-admin on the KubeSphere host (`host check` lists the missing permissions)"),
            // Tokens from exec plugins, OIDC and cloud CLIs expire, also in the middle of a flow.
            ApiError::Status { code: 401, .. } => Error::new(
                ErrorKind::Connection,
                format!("could not {doing}: the API server no longer accepts the credentials (401 Unauthorized): they have expired or were revoked"),
            )
            .with_hint("get fresh credentials for this context (sign in again, or a new token or kubeconfig from the cluster's admin), then try again"),
            ApiError::Status { code: 409, .. } => Error::invalid_input(format!(
                "could not {doing}: someone changed it since it was read ({})",
                self.describe()
            ))
            .with_hint("nothing was written; review the current state and try again"),
            ApiError::Status { .. } => Error::new(
                ErrorKind::Connection,
                format!("could not {doing}: the API server answered {}", self.describe()),
            ),
            ApiError::Transport(_) => Error::new(
                ErrorKind::Connection,
                format!("could not {doing}: {}", self.describe()),
            )
            .with_hint("run `ks-onboard-cli kubeconfig test` (or Test connection) for the host context"),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn from_kube(error: kube::Error) -> ApiError {
    match error {
        kube::Error::Api(status) => ApiError::Status {
            code: status.code,
            message: status.message,
        },
        kube::Error::SerdeError(_) => {
            ApiError::Transport("the answer was not the JSON object expected".into())
        }
        other => ApiError::Transport(match other {
            kube::Error::HyperError(_) | kube::Error::Service(_) => {
                "the API server did not answer (network, TLS or timeout)".into()
            }
            _ => "the request failed before an answer came".into(),
        }),
    }
}

/// What may be sent again after a failure. The kube client is built without retries (it
/// fails fast); this is our own policy, close to client-go's: a 429, or a 5xx carrying
/// `Retry-After`, means the server did not act, so any request is sent again after the time
/// it asks for; requests whose repetition cannot change the outcome (reads, dry runs,
/// access reviews, server-side apply, deletes) are also sent again after a 5xx or a lost
/// connection, with a short back-off. Other writes are not: a lost answer leaves it unknown
/// whether the server acted, and the caller must look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// The same outcome however often it is sent.
    Safe,
    /// Sent again only when the server said it did not act.
    OnlyIfRefused,
    /// A GET through the service proxy: a 5xx is the backend's own answer ("no endpoints"),
    /// not a hiccup; only throttling and lost connections are retried.
    Proxied,
}

/// Tries per request, the first included.
const ATTEMPTS: u32 = 4;
/// The longest `Retry-After` we wait for; longer asks are answered with an error.
const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// An answer that was not a success, with what the retry decision needs.
struct Failed {
    error: ApiError,
    retry_after: Option<std::time::Duration>,
    /// No answer came: the connection broke, or did not open (not a timeout).
    lost: bool,
}

async fn send_once(
    client: &kube::Client,
    request: http::Request<Vec<u8>>,
) -> Result<Vec<u8>, Failed> {
    let transport = |error: kube::Error| {
        let network = matches!(error, kube::Error::HyperError(_) | kube::Error::Service(_));
        let lost = network && !timed_out(&error);
        Failed {
            error: from_kube(error),
            retry_after: None,
            lost,
        }
    };
    let response = client
        .send(request.map(kube::client::Body::from))
        .await
        .map_err(transport)?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_secs);
    let bytes = response
        .into_body()
        .collect_bytes()
        .await
        .map_err(transport)?
        .to_vec();
    if status.is_client_error() || status.is_server_error() {
        // Not every error answer is a Status: a proxied backend, a proxy or a load balancer
        // answers in text, which is kept as kube keeps it.
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .or_else(|| (!text.is_empty()).then_some(text))
            .unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("no reason given")
                    .to_string()
            });
        return Err(Failed {
            error: ApiError::Status {
                code: status.as_u16(),
                message,
            },
            retry_after,
            lost: false,
        });
    }
    Ok(bytes)
}

/// A timeout is not retried: the server may be slow rather than gone, and each try would
/// wait the whole read timeout again.
fn timed_out(error: &kube::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        if current.to_string().contains("timed out") {
            return true;
        }
        next = current.source();
    }
    false
}

/// How long to wait before trying again, or `None` to give up with this failure.
fn retry_delay(failed: &Failed, repeat: Repeat, attempt: u32) -> Option<std::time::Duration> {
    let back_off = std::time::Duration::from_millis(100 * 2u64.pow(attempt));
    let code = failed.error.code();
    let refused =
        code == Some(429) || code.is_some_and(|c| c >= 500) && failed.retry_after.is_some();
    if refused {
        let wait = failed.retry_after.unwrap_or(back_off);
        return (wait <= MAX_RETRY_AFTER).then_some(wait);
    }
    let hiccup = match repeat {
        Repeat::Safe => failed.lost || matches!(code, Some(500 | 502 | 503 | 504)),
        Repeat::Proxied => failed.lost,
        Repeat::OnlyIfRefused => false,
    };
    hiccup.then_some(back_off)
}

async fn send(
    client: &kube::Client,
    request: Result<http::Request<Vec<u8>>, http::Error>,
    repeat: Repeat,
) -> ApiResult<Value> {
    let bytes = send_bytes(client, request, repeat).await?;
    serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::Transport("the answer was not the JSON object expected".into()))
}

async fn send_bytes(
    client: &kube::Client,
    request: Result<http::Request<Vec<u8>>, http::Error>,
    repeat: Repeat,
) -> ApiResult<Vec<u8>> {
    let request =
        request.map_err(|_| ApiError::Transport("the request could not be built".into()))?;
    let (parts, body) = request.into_parts();
    let copy = || {
        let mut again = http::Request::new(body.clone());
        *again.method_mut() = parts.method.clone();
        *again.uri_mut() = parts.uri.clone();
        *again.headers_mut() = parts.headers.clone();
        again
    };
    let mut attempt = 0;
    loop {
        let failed = match send_once(client, copy()).await {
            Ok(bytes) => return Ok(bytes),
            Err(failed) => failed,
        };
        attempt += 1;
        match retry_delay(&failed, repeat, attempt - 1) {
            Some(wait) if attempt < ATTEMPTS => tokio::time::sleep(wait).await,
            _ => return Err(gave_up(failed.error, attempt)),
        }
    }
}

/// Says that the failure came back on every try, when there were several.
fn gave_up(error: ApiError, attempts: u32) -> ApiError {
    if attempts < 2 {
        return error;
    }
    match error {
        ApiError::Status { code, message } => ApiError::Status {
            code,
            message: format!("{message} (the same answer {attempts} times)"),
        },
        ApiError::Transport(what) => ApiError::Transport(format!("{what}, {attempts} times")),
    }
}

/// GET `path`; `Ok(None)` for 404.
pub async fn get(client: &kube::Client, path: &str) -> ApiResult<Option<Value>> {
    match send(
        client,
        http::Request::get(path).body(Vec::new()),
        Repeat::Safe,
    )
    .await
    {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::Status { code: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// GET through the API server's service proxy; the answer need not be JSON.
pub async fn get_text(client: &kube::Client, path: &str) -> ApiResult<String> {
    let bytes = send_bytes(
        client,
        http::Request::get(path).body(Vec::new()),
        Repeat::Proxied,
    )
    .await?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::Transport("the answer was not UTF-8 text".into()))
}

/// Safe for writes: a dry run is sent again after a failure, a real write only when the
/// server refused it.
fn write_repeat(dry_run: bool) -> Repeat {
    if dry_run {
        Repeat::Safe
    } else {
        Repeat::OnlyIfRefused
    }
}

fn with_dry_run(path: &str, dry_run: bool) -> String {
    if dry_run {
        format!("{path}?dryRun=All")
    } else {
        path.to_string()
    }
}

fn json_body(
    method: http::Method,
    path: &str,
    body: &Value,
) -> Result<http::Request<Vec<u8>>, http::Error> {
    body_as(method, path, "application/json", body)
}

fn body_as(
    method: http::Method,
    path: &str,
    content_type: &str,
    body: &Value,
) -> Result<http::Request<Vec<u8>>, http::Error> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body.to_string().into_bytes())
}

/// POST `body` to the collection at `path`.
pub async fn create(
    client: &kube::Client,
    path: &str,
    body: &Value,
    dry_run: bool,
) -> ApiResult<Value> {
    send(
        client,
        json_body(http::Method::POST, &with_dry_run(path, dry_run), body),
        write_repeat(dry_run),
    )
    .await
}

/// POST a review (SelfSubjectReview, SelfSubjectAccessReview): nothing is stored, so it is
/// as safe to repeat as a read.
pub async fn review(client: &kube::Client, path: &str, body: &Value) -> ApiResult<Value> {
    send(
        client,
        json_body(http::Method::POST, path, body),
        Repeat::Safe,
    )
    .await
}

/// PUT `body` at `path`. With `metadata.resourceVersion` set the server refuses (409) if
/// the object changed meanwhile: optimistic concurrency.
pub async fn replace(
    client: &kube::Client,
    path: &str,
    body: &Value,
    dry_run: bool,
) -> ApiResult<Value> {
    send(
        client,
        json_body(http::Method::PUT, &with_dry_run(path, dry_run), body),
        write_repeat(dry_run),
    )
    .await
}

/// JSON merge patch (RFC 7386) of the object at `path`.
pub async fn merge_patch(
    client: &kube::Client,
    path: &str,
    patch: &Value,
    dry_run: bool,
) -> ApiResult<Value> {
    let path = with_dry_run(path, dry_run);
    let request = body_as(
        http::Method::PATCH,
        &path,
        "application/merge-patch+json",
        patch,
    );
    send(client, request, write_repeat(dry_run)).await
}

/// DELETE `path` only if it is still at `resource_version`.
pub async fn delete_at(
    client: &kube::Client,
    path: &str,
    resource_version: &str,
) -> ApiResult<Value> {
    let options = serde_json::json!({"apiVersion": "v1", "kind": "DeleteOptions",
        "preconditions": {"resourceVersion": resource_version}});
    // A repeat after a lost answer would meet 404 and call a success a failure.
    send(
        client,
        json_body(http::Method::DELETE, path, &options),
        Repeat::OnlyIfRefused,
    )
    .await
}

/// POST a SelfSubjectAccessReview; true when allowed.
pub async fn can_i(client: &kube::Client, attributes: &Value) -> ApiResult<bool> {
    let review = serde_json::json!({"apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview", "spec": {"resourceAttributes": attributes}});
    let answer = self::review(
        client,
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &review,
    )
    .await?;
    Ok(answer["status"]["allowed"] == true)
}

/// DELETE `path` (background propagation, as kubectl does); `Ok(None)` when already gone.
pub async fn delete(client: &kube::Client, path: &str, dry_run: bool) -> ApiResult<Option<Value>> {
    let options = serde_json::json!({"apiVersion": "v1", "kind": "DeleteOptions",
        "propagationPolicy": "Background"});
    let request = json_body(http::Method::DELETE, &with_dry_run(path, dry_run), &options);
    // Repeating a delete cannot do more than the first did: at worst it finds it gone.
    match send(client, request, Repeat::Safe).await {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::Status { code: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Server-side apply of `body` at `path` (the object's own URL) as `field_manager`, without
/// force: a field another manager owns with another value is a 409, shown to the user
/// instead of taken silently.
pub async fn apply(
    client: &kube::Client,
    path: &str,
    body: &Value,
    field_manager: &str,
    dry_run: bool,
) -> ApiResult<Value> {
    let mut path = format!("{path}?fieldManager={field_manager}&force=false");
    if dry_run {
        path.push_str("&dryRun=All");
    }
    let request = body_as(
        http::Method::PATCH,
        &path,
        "application/apply-patch+yaml",
        body,
    );
    // Applying the same configuration again yields the same object.
    send(client, request, Repeat::Safe).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn failed(code: Option<u16>, retry_after: Option<u64>, lost: bool) -> Failed {
        Failed {
            error: match code {
                Some(code) => ApiError::Status {
                    code,
                    message: "m".into(),
                },
                None => ApiError::Transport("t".into()),
            },
            retry_after: retry_after.map(Duration::from_secs),
            lost,
        }
    }

    #[test]
    fn only_what_is_safe_to_repeat_is_repeated() {
        let throttled = failed(Some(429), Some(2), false);
        for repeat in [Repeat::Safe, Repeat::OnlyIfRefused, Repeat::Proxied] {
            assert_eq!(
                retry_delay(&throttled, repeat, 0),
                Some(Duration::from_secs(2))
            );
        }
        let busy = failed(Some(503), Some(1), false);
        assert_eq!(
            retry_delay(&busy, Repeat::OnlyIfRefused, 0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            retry_delay(&failed(Some(429), Some(600), false), Repeat::Safe, 0),
            None,
            "a wait longer than we are willing to make is an error"
        );
        let hiccup = failed(Some(500), None, false);
        assert_eq!(
            retry_delay(&hiccup, Repeat::Safe, 2),
            Some(Duration::from_millis(400))
        );
        assert_eq!(retry_delay(&hiccup, Repeat::OnlyIfRefused, 0), None);
        assert_eq!(retry_delay(&hiccup, Repeat::Proxied, 0), None);
        let reset = failed(None, None, true);
        assert!(retry_delay(&reset, Repeat::Safe, 0).is_some());
        assert!(retry_delay(&reset, Repeat::Proxied, 0).is_some());
        assert_eq!(retry_delay(&reset, Repeat::OnlyIfRefused, 0), None);
        for code in [400, 401, 403, 404, 409, 422] {
            assert_eq!(
                retry_delay(&failed(Some(code), None, false), Repeat::Safe, 0),
                None,
                "{code}"
            );
        }
        assert_eq!(
            retry_delay(&failed(None, None, false), Repeat::Safe, 0),
            None,
            "a timeout"
        );
    }

    #[test]
    fn a_failure_that_came_back_every_time_says_so() {
        let error = gave_up(
            ApiError::Status {
                code: 503,
                message: "busy".into(),
            },
            4,
        );
        assert_eq!(error.describe(), "503: busy (the same answer 4 times)");
        assert_eq!(
            gave_up(ApiError::Transport("gone".into()), 1).describe(),
            "gone"
        );
    }
}
