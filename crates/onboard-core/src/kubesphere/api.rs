//! Raw API calls by path, for the KubeSphere kinds k8s-openapi has no types for (Cluster,
//! Extension, InstallPlan, User, ClusterConfiguration) and for the few core objects we read
//! and write whole (Secret, ConfigMap). Objects stay `serde_json::Value`, so a write sends
//! back every field we did not touch, including ones newer than this program.
//!
//! Failures are ours: the API server's `Status` message is kept (it names the object and
//! the user, never a credential); transport errors are summarised, not quoted.

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

async fn send(
    client: &kube::Client,
    request: Result<http::Request<Vec<u8>>, http::Error>,
) -> ApiResult<Value> {
    let request =
        request.map_err(|_| ApiError::Transport("the request could not be built".into()))?;
    client.request::<Value>(request).await.map_err(from_kube)
}

/// GET `path`; `Ok(None)` for 404.
pub async fn get(client: &kube::Client, path: &str) -> ApiResult<Option<Value>> {
    match send(client, http::Request::get(path).body(Vec::new())).await {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::Status { code: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// GET through the API server's service proxy; the answer need not be JSON.
pub async fn get_text(client: &kube::Client, path: &str) -> ApiResult<String> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|_| ApiError::Transport("the request could not be built".into()))?;
    client.request_text(request).await.map_err(from_kube)
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
    send(client, request).await
}

/// DELETE `path` only if it is still at `resource_version`.
pub async fn delete_at(
    client: &kube::Client,
    path: &str,
    resource_version: &str,
) -> ApiResult<Value> {
    let options = serde_json::json!({"apiVersion": "v1", "kind": "DeleteOptions",
        "preconditions": {"resourceVersion": resource_version}});
    send(client, json_body(http::Method::DELETE, path, &options)).await
}

/// POST a SelfSubjectAccessReview; true when allowed.
pub async fn can_i(client: &kube::Client, attributes: &Value) -> ApiResult<bool> {
    let review = serde_json::json!({"apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview", "spec": {"resourceAttributes": attributes}});
    let answer = send(
        client,
        json_body(
            http::Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            &review,
        ),
    )
    .await?;
    Ok(answer["status"]["allowed"] == true)
}

/// DELETE `path` (background propagation, as kubectl does); `Ok(None)` when already gone.
pub async fn delete(client: &kube::Client, path: &str, dry_run: bool) -> ApiResult<Option<Value>> {
    let options = serde_json::json!({"apiVersion": "v1", "kind": "DeleteOptions",
        "propagationPolicy": "Background"});
    let request = json_body(http::Method::DELETE, &with_dry_run(path, dry_run), &options);
    match send(client, request).await {
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
    send(client, request).await
}
