//! kube-apiserver's service proxy (`/api/v1/namespaces/{ns}/services/{name}[:port]/proxy/…`),
//! with the "pods" behind a Service played by Rust handlers a scenario registers. As in
//! kube-apiserver, a Service without a ready pod answers 503 `no endpoints available`.

use crate::http::{self, Body};
use crate::selectors::LabelSelector;
use crate::state::Shared;
use crate::status::{ApiError, ApiResult};
use crate::world::World;
use hyper::Response;
use serde_json::Value;
use std::collections::HashMap;

/// What a backend is asked: the path after `/proxy` and the raw query.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRequest<'a> {
    pub path: &'a str,
    pub query: &'a str,
}

impl ProxyRequest<'_> {
    /// One query parameter, percent-decoded.
    pub fn param(&self, key: &str) -> Option<String> {
        crate::request::Query::parse(Some(self.query))
            .get(key)
            .map(str::to_string)
    }
}

/// A backend's answer, passed through unchanged as the pod's HTTP answer would be.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl ProxyReply {
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// The program behind a Service: answers GET requests, reading the cluster's objects.
pub trait ServiceBackend: Send + Sync {
    fn get(&self, objects: &Objects<'_>, request: &ProxyRequest<'_>) -> ProxyReply;
}

/// A read-only view of a cluster's stored objects.
pub struct Objects<'a>(pub(crate) &'a World);

impl Objects<'_> {
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let rt = self.0.registry.by_kind(api_version, kind)?;
        self.0.get(rt, namespace, name).ok()
    }

    /// Objects of a kind, in one namespace or all, sorted by namespace and name.
    pub fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        let Some(rt) = self.0.registry.by_kind(api_version, kind) else {
            return Vec::new();
        };
        let namespace = namespace.filter(|_| rt.namespaced);
        self.0
            .store
            .list(&rt.id(), namespace)
            .map(|(_, o)| o.clone())
            .collect()
    }

    /// Whether a running, ready pod matches the Service's selector (it has endpoints).
    pub fn has_endpoints(&self, service: &Value) -> bool {
        let Some(selector) = service["spec"]["selector"].as_object() else {
            return false;
        };
        let expression = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(",");
        let Ok(selector) = LabelSelector::parse(&expression) else {
            return false;
        };
        let namespace = service["metadata"]["namespace"].as_str();
        self.list("v1", "Pod", namespace).iter().any(|pod| {
            selector.matches(&pod["metadata"]["labels"])
                && pod["metadata"]["deletionTimestamp"].is_null()
                && pod["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
        })
    }
}

pub type Backends = HashMap<(String, String), std::sync::Arc<dyn ServiceBackend>>;

/// Answers a proxied GET once RBAC has allowed `get services/proxy`.
pub fn serve(
    shared: &Shared,
    namespace: &str,
    service: &str,
    request: &ProxyRequest<'_>,
) -> ApiResult<Response<Body>> {
    let world = shared.world();
    let objects = Objects(&world);
    let stored = objects
        .get("v1", "Service", namespace, service)
        .ok_or_else(|| ApiError::not_found("", "services", service))?;
    if !objects.has_endpoints(&stored) {
        return Err(ApiError::server_error(
            503,
            format!("no endpoints available for service \"{service}\""),
        ));
    }
    let backend = shared
        .backends()
        .get(&(namespace.to_string(), service.to_string()))
        .cloned();
    let Some(backend) = backend else {
        let ip = stored["spec"]["clusterIP"].as_str().unwrap_or_default();
        return Err(ApiError::server_error(
            503,
            format!("error trying to reach service: dial tcp {ip}:80: connect: connection refused"),
        ));
    };
    let reply = backend.get(&objects, request);
    Ok(http::typed_text(
        reply.status,
        reply.content_type,
        reply.body,
    ))
}
