//! Reading a request: its route (discovery, openapi or a resource path) and query.

use std::collections::HashMap;

/// Where a resource request points.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    Resources {
        group: String,
        version: String,
    },
    OpenApiRoot,
    OpenApiDocument(String),
    Object(Target),
    /// `services/{name}[:port]/proxy/{path}`: forwarded to the Service's backend.
    ServiceProxy {
        namespace: String,
        service: String,
        path: String,
    },
    Unknown,
}

fn object(group: &str, version: &str, rest: &[&str]) -> Route {
    let namespaced = rest.len() >= 3
        && rest[0] == "namespaces"
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"));
    let (namespace, rest) = if namespaced {
        (Some(rest[1].to_string()), &rest[2..])
    } else {
        (None, rest)
    };
    if rest.is_empty() || rest.len() > 3 {
        return Route::Unknown;
    }
    Route::Object(Target {
        group: group.into(),
        version: version.into(),
        plural: rest[0].into(),
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        subresource: rest.get(2).map(|s| s.to_string()),
    })
}

pub fn route(path: &str) -> Route {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["api", version] => Route::Resources {
            group: String::new(),
            version: version.to_string(),
        },
        ["api", "v1", "namespaces", namespace, "services", service, "proxy", rest @ ..] => {
            Route::ServiceProxy {
                namespace: namespace.to_string(),
                // `name`, `name:port` or `scheme:name:port`: the port only picks a backend port.
                service: service_name(service).to_string(),
                path: format!("/{}", rest.join("/")),
            }
        }
        ["api", version, rest @ ..] => object("", version, rest),
        ["apis"] => Route::Groups,
        ["apis", group] => Route::Group(group.to_string()),
        ["apis", group, version] => Route::Resources {
            group: group.to_string(),
            version: version.to_string(),
        },
        ["apis", group, version, rest @ ..] => object(group, version, rest),
        ["openapi", "v3"] => Route::OpenApiRoot,
        ["openapi", "v3", rest @ ..] => Route::OpenApiDocument(rest.join("/")),
        _ => Route::Unknown,
    }
}

fn service_name(segment: &str) -> &str {
    let parts: Vec<&str> = segment.split(':').collect();
    match parts.as_slice() {
        [_, name, _] => name,
        [name, ..] => name,
        [] => segment,
    }
}

/// Percent-decoding of one query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        Self(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_tell_namespaces_from_their_subresources() {
        assert_eq!(
            route("/api/v1/namespaces/default/pods/web/log"),
            Route::Object(Target {
                group: "".into(),
                version: "v1".into(),
                plural: "pods".into(),
                namespace: Some("default".into()),
                name: Some("web".into()),
                subresource: Some("log".into())
            })
        );
        assert!(
            matches!(route("/api/v1/namespaces/team/status"), Route::Object(t) if t.plural == "namespaces" && t.subresource.as_deref() == Some("status"))
        );
        assert!(
            matches!(route("/apis/apps/v1/deployments"), Route::Object(t) if t.namespace.is_none() && t.name.is_none())
        );
        assert_eq!(
            route(
                "/api/v1/namespaces/extension-tower/services/http:tower-backend:80/proxy/kapis/x"
            ),
            Route::ServiceProxy {
                namespace: "extension-tower".into(),
                service: "tower-backend".into(),
                path: "/kapis/x".into()
            }
        );
        assert_eq!(
            route("/openapi/v3/apis/apps/v1"),
            Route::OpenApiDocument("apis/apps/v1".into())
        );
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let q = Query::parse(Some("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=1&x="));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("x"), None);
    }
}
