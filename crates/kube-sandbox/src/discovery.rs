//! `/version` and discovery: aggregated (`apidiscovery.k8s.io/v2`, one document for `/api`
//! and one for `/apis`, what kubectl asks for first) and legacy (`/api`, `/apis`, resource
//! lists per group version, what kube-rs reads).

use crate::registry::{Registry, ResourceType};
use serde_json::{json, Value};

/// The Kubernetes version the sandbox answers as.
pub const KUBE_VERSION: (&str, &str) = ("1", "32");

pub fn version() -> Value {
    json!({
        "major": KUBE_VERSION.0,
        "minor": KUBE_VERSION.1,
        "gitVersion": format!("v{}.{}.0", KUBE_VERSION.0, KUBE_VERSION.1),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub fn api_versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn group_json(group: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": versions, "preferredVersion": versions[0]})
}

fn groups(registry: &Registry) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (group, version) in registry
        .group_versions()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
    {
        match out.iter_mut().find(|(g, _)| *g == group) {
            Some((_, versions)) => versions.push(version),
            None => out.push((group, vec![version])),
        }
    }
    out
}

pub fn api_group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = groups(registry)
        .iter()
        .map(|(g, v)| group_json(g, v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(registry: &Registry, group: &str) -> Option<Value> {
    let (name, versions) = groups(registry).into_iter().find(|(g, _)| g == group)?;
    let mut doc = group_json(&name, &versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn subresource_verbs(sub: &str) -> Value {
    match sub {
        "log" => json!(["get"]),
        "finalize" => json!(["update"]),
        _ => json!(["get", "patch", "update"]),
    }
}

fn resource_json(r: &ResourceType) -> Vec<Value> {
    let mut main = json!({
        "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
        "kind": r.kind, "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        main["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        main["categories"] = json!(r.categories);
    }
    let mut out = vec![main];
    out.extend(r.subresources.iter().map(|sub| {
        let mut entry = json!({"name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced,
               "kind": r.kind, "verbs": subresource_verbs(sub)});
        // kubectl scale finds the Scale kind of a resource here.
        if sub == "scale" {
            entry["group"] = json!("autoscaling");
            entry["version"] = json!("v1");
            entry["kind"] = json!("Scale");
        }
        entry
    }));
    out
}

pub fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Value> = registry
        .all()
        .filter(|r| r.group == group && r.version == version)
        .flat_map(resource_json)
        .collect();
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
}

/// What a client puts in Accept to get aggregated discovery.
pub const AGGREGATED: &str = "as=APIGroupDiscoveryList";
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

fn aggregated_resource(r: &ResourceType) -> Value {
    let subresources: Vec<Value> = r
        .subresources
        .iter()
        .map(|sub| {
            let kind = if sub == "scale" {
                gvk("autoscaling", "v1", "Scale")
            } else {
                gvk(&r.group, &r.version, &r.kind)
            };
            json!({"subresource": sub, "responseKind": kind, "verbs": subresource_verbs(sub)})
        })
        .collect();
    let mut resource = json!({
        "resource": r.plural, "responseKind": gvk(&r.group, &r.version, &r.kind),
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular, "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        resource["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        resource["categories"] = json!(r.categories);
    }
    if !subresources.is_empty() {
        resource["subresources"] = json!(subresources);
    }
    resource
}

/// The `APIGroupDiscoveryList` for `/api` (core) or `/apis` (every named group).
pub fn aggregated(registry: &Registry, core: bool) -> Value {
    let mut items: Vec<Value> = Vec::new();
    for (group, version) in registry
        .group_versions()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
    {
        let resources: Vec<Value> = registry
            .all()
            .filter(|r| r.group == group && r.version == version)
            .map(aggregated_resource)
            .collect();
        let entry = json!({"version": version, "resources": resources, "freshness": "Current"});
        match items
            .iter_mut()
            .find(|i| i["metadata"]["name"] == group.as_str())
        {
            Some(item) => item["versions"]
                .as_array_mut()
                .into_iter()
                .for_each(|v| v.push(entry.clone())),
            None => items.push(json!({"metadata": {"name": group}, "versions": [entry]})),
        }
    }
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_resources_list_their_subresources() {
        let list = resource_list(&Registry::default(), "", "v1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"pods/log"));
        assert!(names.contains(&"secrets"));
        assert!(api_group(&Registry::default(), "apps").is_some());
        let apis = aggregated(&Registry::default(), false);
        let apps = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == "apps")
            .unwrap();
        let deployments = &apps["versions"][0]["resources"][0];
        assert_eq!(deployments["scope"], "Namespaced");
        assert_eq!(
            deployments["subresources"][1]["responseKind"]["kind"],
            "Scale"
        );
        assert_eq!(
            aggregated(&Registry::default(), true)["items"][0]["metadata"]["name"],
            ""
        );
    }
}
