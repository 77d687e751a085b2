//! API errors as `meta.k8s.io/v1 Status` objects, with the messages a real apiserver writes.

use serde_json::{json, Value};

/// A failed request: HTTP code, machine-readable reason and the human message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Seconds for the `Retry-After` header (429 and some 5xx).
    pub retry_after: Option<u64>,
}

/// `secrets` or `deployments.apps`: how the server names a resource in messages.
pub fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

fn details(group: &str, plural: &str, name: &str) -> Value {
    let mut d = json!({ "kind": plural });
    if !name.is_empty() {
        d["name"] = json!(name);
    }
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    d
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, group: &str, plural: &str, name: &str) -> Self {
        self.details = Some(details(group, plural, name));
        self
    }

    pub fn not_found(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(group, plural)),
        )
        .with_details(group, plural, name)
    }

    pub fn path_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    pub fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(group, plural)),
        )
        .with_details(group, plural, name)
    }

    /// The optimistic-concurrency failure of an update with a stale resourceVersion.
    pub fn stale(group: &str, plural: &str, name: &str) -> Self {
        Self::conflict(
            group,
            plural,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    pub fn conflict(group: &str, plural: &str, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                qualified(group, plural)
            ),
        )
        .with_details(group, plural, name)
    }

    /// Server-side apply conflicts: one cause per (printed manager, field) another manager owns.
    pub fn apply_conflict(
        group: &str,
        plural: &str,
        name: &str,
        message: String,
        fields: &[(String, String)],
    ) -> Self {
        let mut error = Self::new(409, "Conflict", message).with_details(group, plural, name);
        let causes: Vec<Value> = fields
            .iter()
            .map(|(manager, field)| {
                json!({"reason": "FieldManagerConflict", "message": format!("conflict with {manager}"), "field": field})
            })
            .collect();
        if let Some(d) = error.details.as_mut() {
            d["causes"] = Value::Array(causes);
        }
        error
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 422: the object itself is not acceptable.
    pub fn invalid(kind: &str, group: &str, name: &str, field: &str, why: &str) -> Self {
        let message = format!("{kind} \"{name}\" is invalid: {field}: {why}");
        let mut error = Self::new(422, "Invalid", message);
        let mut d = json!({"name": name, "kind": kind, "causes": [{"reason": "FieldValueInvalid", "message": why, "field": field}]});
        if !group.is_empty() {
            d["group"] = json!(group);
        }
        error.details = Some(d);
        error
    }

    pub fn forbidden(message: impl Into<String>, group: &str, plural: &str, name: &str) -> Self {
        Self::new(403, "Forbidden", message).with_details(group, plural, name)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn method_not_supported(group: &str, plural: &str, verb: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!(
                "{verb} is not supported on resources of kind \"{}\"",
                qualified(group, plural)
            ),
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type})"))
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut error = Self::new(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        );
        error.retry_after = Some(retry_after);
        error.details = Some(json!({"retryAfterSeconds": retry_after}));
        error
    }

    /// An injected or genuine server failure (500, 502, 503, 504).
    pub fn server_error(code: u16, message: impl Into<String>) -> Self {
        let reason = match code {
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ => "InternalError",
        };
        Self::new(code, reason, message)
    }

    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
