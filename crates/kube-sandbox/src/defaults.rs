//! What kube-apiserver's registry strategies do to an object on create and update:
//! defaulting, derived fields (Secret `stringData` → `data`), and the few validations
//! clients trip over.

use crate::registry::ResourceType;
use crate::status::{qualified, ApiError, ApiResult};
use base64::Engine;
use serde_json::{json, Value};

/// Allocators for addresses the server hands out.
#[derive(Debug, Default)]
pub struct Allocators {
    service_ips: u32,
    node_ports: u16,
    pod_ips: u32,
}

impl Allocators {
    pub fn service_ip(&mut self) -> String {
        self.service_ips += 1;
        let n = self.service_ips + 1; // 10.96.0.1 is the kubernetes Service.
        format!("10.96.{}.{}", n / 250, n % 250 + 1)
    }

    fn node_port(&mut self) -> u16 {
        self.node_ports += 1;
        30000 + (self.node_ports * 37) % 2768
    }

    pub fn pod_ip(&mut self) -> String {
        self.pod_ips += 1;
        format!("10.244.{}.{}", self.pod_ips / 250, self.pod_ips % 250 + 2)
    }
}

/// A lowercase RFC 1123 subdomain (most names) or label (namespaces, services).
pub fn validate_name(rt: &ResourceType, name: &str) -> ApiResult<()> {
    let label_only = matches!(rt.kind.as_str(), "Namespace" | "Service");
    let max = if label_only { 63 } else { 253 };
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !p.starts_with('-')
            && !p.ends_with('-')
    };
    let ok = name.len() <= max
        && if label_only {
            part_ok(name)
        } else {
            name.split('.').all(part_ok)
        };
    if ok || rt.kind.contains("Role") {
        // RBAC objects accept path segment names like "system:discovery".
        return Ok(());
    }
    let what = if label_only {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    } else {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    };
    Err(ApiError::invalid(
        &rt.kind,
        &rt.group,
        name,
        "metadata.name",
        &format!("Invalid value: \"{name}\": {what}"),
    ))
}

fn set_default(object: &mut Value, field: &str, value: Value) {
    // A value of the wrong shape (e.g. a port that is a number) is left for clients to see.
    if (object.is_object() || object.is_null()) && object.get(field).is_none_or(Value::is_null) {
        object[field] = value;
    }
}

/// Secret `stringData` is write-only: merged into base64 `data`, winning over equal keys.
fn fold_string_data(secret: &mut Value) {
    let Some(string_data) = secret.as_object_mut().and_then(|m| m.remove("stringData")) else {
        return;
    };
    for (k, v) in string_data.as_object().into_iter().flatten() {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(v.as_str().unwrap_or_default());
        secret["data"][k] = json!(encoded);
    }
}

/// Defaults and derived fields for a new object; may allocate addresses; `now` stamps the
/// conditions a CRD is accepted with.
pub fn on_create(
    rt: &ResourceType,
    object: &mut Value,
    alloc: &mut Allocators,
    now: &str,
) -> ApiResult<()> {
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match rt.kind.as_str() {
        "Namespace" => {
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
            object["spec"]["finalizers"] = json!(["kubernetes"]);
            object["status"] = json!({"phase": "Active"});
        }
        "Secret" => {
            fold_string_data(object);
            set_default(object, "type", json!("Opaque"));
        }
        "Service" => default_service(object, alloc),
        "Pod" => {
            let spec = &mut object["spec"];
            set_default(spec, "restartPolicy", json!("Always"));
            set_default(spec, "dnsPolicy", json!("ClusterFirst"));
            set_default(spec, "schedulerName", json!("default-scheduler"));
            set_default(spec, "serviceAccountName", json!("default"));
            set_default(spec, "terminationGracePeriodSeconds", json!(30));
            object["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
        }
        "Deployment" => default_deployment(rt, object, &name)?,
        "CustomResourceDefinition" => accept_crd(object, &name, now)?,
        _ => {}
    }
    Ok(())
}

/// Derived fields that every write recomputes.
pub fn on_update(rt: &ResourceType, object: &mut Value, alloc: &mut Allocators) {
    match rt.kind.as_str() {
        "Secret" => fold_string_data(object),
        "Service" => default_service(object, alloc),
        _ => {}
    }
}

/// Secrets and ConfigMaps marked `immutable: true` keep their data and the mark itself.
pub fn check_immutable(rt: &ResourceType, old: &Value, new: &Value) -> ApiResult<()> {
    if !matches!(rt.kind.as_str(), "Secret" | "ConfigMap") || old["immutable"] != true {
        return Ok(());
    }
    let name = old["metadata"]["name"].as_str().unwrap_or_default();
    for field in ["data", "binaryData"] {
        if old[field] != new[field] {
            return Err(ApiError::invalid(
                &rt.kind,
                "",
                name,
                field,
                "Forbidden: field is immutable when `immutable` is set",
            ));
        }
    }
    if new["immutable"] != true {
        return Err(ApiError::invalid(
            &rt.kind,
            "",
            name,
            "immutable",
            "Forbidden: field is immutable when `immutable` is set",
        ));
    }
    Ok(())
}

fn default_service(svc: &mut Value, alloc: &mut Allocators) {
    let spec = &mut svc["spec"];
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let kind = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    if kind != "ExternalName" {
        if spec["clusterIP"].as_str().is_none_or(str::is_empty) {
            spec["clusterIP"] = json!(alloc.service_ip());
        }
        spec["clusterIPs"] = json!([spec["clusterIP"].clone()]);
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    let wants_node_port = matches!(kind.as_str(), "NodePort" | "LoadBalancer");
    if wants_node_port {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if let Some(ports) = spec["ports"].as_array_mut() {
        for port in ports {
            set_default(port, "protocol", json!("TCP"));
            let target = port["port"].clone();
            set_default(port, "targetPort", target);
            // 0 is "allocate one", as typed clients always send the field.
            let unset = port.get("nodePort").is_none_or(|p| p.is_null() || p == 0);
            if wants_node_port && unset {
                port["nodePort"] = json!(alloc.node_port());
            }
        }
    }
    if svc["status"]["loadBalancer"].is_null() {
        svc["status"]["loadBalancer"] = json!({});
    }
}

fn default_deployment(rt: &ResourceType, d: &mut Value, name: &str) -> ApiResult<()> {
    let spec = &mut d["spec"];
    set_default(spec, "replicas", json!(1));
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "progressDeadlineSeconds", json!(600));
    set_default(
        spec,
        "strategy",
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
    );
    let selector =
        crate::selectors::LabelSelector::from_match_labels(&spec["selector"]["matchLabels"]);
    if spec["selector"].is_null() {
        return Err(ApiError::invalid(
            &qualified_kind(rt),
            &rt.group,
            name,
            "spec.selector",
            "Required value",
        ));
    }
    if !selector.matches(&spec["template"]["metadata"]["labels"]) {
        return Err(ApiError::invalid(
            &qualified_kind(rt),
            &rt.group,
            name,
            "spec.template.metadata.labels",
            "Invalid value: `selector` does not match template `labels`",
        ));
    }
    Ok(())
}

fn qualified_kind(rt: &ResourceType) -> String {
    qualified(&rt.group, &rt.kind)
}

fn accept_crd(crd: &mut Value, name: &str, now: &str) -> ApiResult<()> {
    let spec = &crd["spec"];
    let plural = spec["names"]["plural"].as_str().unwrap_or_default();
    let group = spec["group"].as_str().unwrap_or_default();
    if name != format!("{plural}.{group}") {
        return Err(ApiError::invalid(
            "CustomResourceDefinition.apiextensions.k8s.io",
            "apiextensions.k8s.io",
            name,
            "metadata.name",
            &format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        ));
    }
    let mut names = spec["names"].clone();
    if names["singular"].is_null() {
        names["singular"] = json!(names["kind"].as_str().unwrap_or_default().to_lowercase());
    }
    if names["listKind"].is_null() {
        names["listKind"] = json!(format!(
            "{}List",
            names["kind"].as_str().unwrap_or_default()
        ));
    }
    crd["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
        ],
        "storedVersions": spec["versions"].as_array().into_iter().flatten().filter(|v| v["storage"] == true).map(|v| v["name"].clone()).collect::<Vec<_>>()
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn secrets_fold_string_data_into_base64_data() {
        let registry = Registry::default();
        let rt = registry.find("", "v1", "secrets").unwrap();
        let mut secret = json!({"metadata": {"name": "tower"}, "data": {"old": "eA=="}, "stringData": {"configuration.yaml": "a: b\n"}});
        on_create(rt, &mut secret, &mut Allocators::default(), "").unwrap();
        assert_eq!(
            secret["data"],
            json!({"old": "eA==", "configuration.yaml": "YTogYgo="})
        );
        assert!(secret.get("stringData").is_none());
        assert_eq!(secret["type"], "Opaque");
    }

    #[test]
    fn load_balancers_get_node_ports_and_names_are_checked() {
        let registry = Registry::default();
        let rt = registry.find("", "v1", "services").unwrap();
        let mut svc = json!({"metadata": {"name": "tower"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 8080}]}});
        on_create(rt, &mut svc, &mut Allocators::default(), "").unwrap();
        assert!(svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap() >= 30000);
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);
        assert!(validate_name(rt, "Tower").is_err());
        assert!(validate_name(rt, "tower").is_ok());
    }
}
