//! `/openapi/v3`: a root naming one document per group version, and documents holding, per
//! kind, a `patch` operation with its group-version-kind and the `fieldValidation` parameter.
//! That is what kubectl's default validation looks for before it leaves validation to the
//! server; schemas are not served.

use crate::discovery::KUBE_VERSION;
use crate::registry::{Registry, ResourceType};
use serde_json::{json, Map, Value};

fn document_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Changes whenever the served resources change, so kubectl's cache notices new CRDs.
fn hash(registry: &Registry, group: &str, version: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for r in registry
        .all()
        .filter(|r| r.group == group && r.version == version)
    {
        for b in r
            .kind
            .bytes()
            .chain(r.plural.bytes())
            .chain([r.namespaced as u8])
        {
            h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016X}")
}

pub fn root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, version) in registry.group_versions() {
        let path = document_path(&group, &version);
        let url = format!(
            "/openapi/v3/{path}?hash={}",
            hash(registry, &group, &version)
        );
        paths.insert(path, json!({"serverRelativeURL": url}));
    }
    json!({"paths": paths})
}

fn query_parameter(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

fn patch_operation(r: &ResourceType) -> Value {
    json!({
        "patch": {
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
            "parameters": [query_parameter("dryRun"), query_parameter("fieldManager"), query_parameter("fieldValidation"), query_parameter("force")],
            "responses": {"200": {"description": "OK"}}
        }
    })
}

/// The document for `api/v1` or `apis/{group}/{version}`; None if nothing is served there.
pub fn document(registry: &Registry, path: &str) -> Option<Value> {
    let (group, version) = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["api", version] => (String::new(), version.to_string()),
        ["apis", group, version] => (group.to_string(), version.to_string()),
        _ => return None,
    };
    let prefix = format!("/{}", document_path(&group, &version));
    let mut paths = Map::new();
    for r in registry
        .all()
        .filter(|r| r.group == group && r.version == version)
    {
        if r.is_create_only() {
            paths.insert(format!("{prefix}/{}", r.plural), json!({"post": {"x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind}}}));
            continue;
        }
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        paths.insert(item, patch_operation(r));
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v{}.{}.0", KUBE_VERSION.0, KUBE_VERSION.1)},
        "paths": paths,
        "components": {"schemas": {}}
    }))
}
