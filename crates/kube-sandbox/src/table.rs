//! `meta.k8s.io/v1` Table responses: the columns kube-apiserver's printers produce per kind,
//! and CRD `additionalPrinterColumns`, so `kubectl get` prints what a real cluster prints.

use crate::clock::age;
use crate::jsonpath;
use crate::registry::{Printer, ResourceType};
use serde_json::{json, Value};
use std::time::SystemTime;

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

impl Include {
    pub fn parse(text: Option<&str>) -> Self {
        match text {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

struct Column {
    name: &'static str,
    type_: &'static str,
    priority: i64,
}

const fn col(name: &'static str, type_: &'static str, priority: i64) -> Column {
    Column {
        name,
        type_,
        priority,
    }
}

fn builtin_columns(kind: &str) -> Vec<Column> {
    let name = col("Name", "string", 0);
    let age = col("Age", "string", 0);
    match kind {
        "Namespace" => vec![name, col("Status", "string", 0), age],
        "Pod" => vec![
            name,
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "string", 0),
            age,
            col("IP", "string", 1),
            col("Node", "string", 1),
            col("Nominated Node", "string", 1),
            col("Readiness Gates", "string", 1),
        ],
        "Service" => vec![
            name,
            col("Type", "string", 0),
            col("Cluster-IP", "string", 0),
            col("External-IP", "string", 0),
            col("Port(s)", "string", 0),
            age,
            col("Selector", "string", 1),
        ],
        "Deployment" => vec![
            name,
            col("Ready", "string", 0),
            col("Up-to-date", "integer", 0),
            col("Available", "integer", 0),
            age,
            col("Containers", "string", 1),
            col("Images", "string", 1),
            col("Selector", "string", 1),
        ],
        "ReplicaSet" => vec![
            name,
            col("Desired", "integer", 0),
            col("Current", "integer", 0),
            col("Ready", "integer", 0),
            age,
            col("Containers", "string", 1),
            col("Images", "string", 1),
            col("Selector", "string", 1),
        ],
        "Secret" => vec![
            name,
            col("Type", "string", 0),
            col("Data", "string", 0),
            age,
        ],
        "ConfigMap" => vec![name, col("Data", "string", 0), age],
        "ServiceAccount" => vec![name, col("Secrets", "string", 0), age],
        "Node" => vec![
            name,
            col("Status", "string", 0),
            col("Roles", "string", 0),
            age,
            col("Version", "string", 0),
            col("Internal-IP", "string", 1),
            col("External-IP", "string", 1),
            col("OS-Image", "string", 1),
            col("Kernel-Version", "string", 1),
            col("Container-Runtime", "string", 1),
        ],
        "Event" => vec![
            col("Last Seen", "string", 0),
            col("Type", "string", 0),
            col("Reason", "string", 0),
            col("Object", "string", 0),
            col("Subobject", "string", 1),
            col("Source", "string", 1),
            col("Message", "string", 0),
            col("First Seen", "string", 1),
            col("Count", "string", 1),
            col("Name", "string", 1),
        ],
        "RoleBinding" | "ClusterRoleBinding" => vec![
            name,
            col("Role", "string", 0),
            age,
            col("Users", "string", 1),
            col("Groups", "string", 1),
            col("ServiceAccounts", "string", 1),
        ],
        _ => vec![name, col("Created At", "date", 0)],
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

fn count(v: &Value) -> usize {
    v.as_object()
        .map(|m| m.len())
        .or_else(|| v.as_array().map(Vec::len))
        .unwrap_or(0)
}

fn int(v: &Value) -> Value {
    json!(v.as_i64().unwrap_or(0))
}

fn join(items: &Value, field: &str) -> String {
    items
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| text(&i[field]))
        .collect::<Vec<_>>()
        .join(",")
}

fn labels_text(map: &Value) -> String {
    map.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", text(v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The STATUS column as printPod derives it: a waiting or terminated container's reason
/// (`ExitCode:N` without one), "Running" again while another container still runs.
fn pod_status(pod: &Value) -> String {
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        return "Terminating".into();
    }
    let mut reason = pod["status"]["reason"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| text(&pod["status"]["phase"]));
    let mut running = false;
    let statuses = pod["status"]["containerStatuses"].as_array();
    for c in statuses.into_iter().flatten().rev() {
        let state = &c["state"];
        if let Some(waiting) = state["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty())
        {
            reason = waiting.into();
        } else if !state["terminated"].is_null() {
            reason = match state["terminated"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                Some(terminated) => terminated.into(),
                None => format!("ExitCode:{}", state["terminated"]["exitCode"]),
            };
        } else if c["ready"] == true && !state["running"].is_null() {
            running = true;
        }
    }
    if reason == "Completed" && running {
        return "Running".into();
    }
    reason
}

fn service_external_ip(svc: &Value) -> String {
    let spec = &svc["spec"];
    let external: Vec<String> = spec["externalIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    match spec["type"].as_str().unwrap_or("ClusterIP") {
        "LoadBalancer" => {
            let mut ips: Vec<String> = svc["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    i["ip"]
                        .as_str()
                        .or(i["hostname"].as_str())
                        .map(String::from)
                })
                .collect();
            ips.extend(external);
            if ips.is_empty() {
                "<pending>".into()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => text(&spec["externalName"]),
        _ => or_none(external.join(",")),
    }
}

fn service_ports(svc: &Value) -> String {
    let ports: Vec<String> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", text(&p["port"])),
                None => format!("{}/{protocol}", text(&p["port"])),
            }
        })
        .collect();
    or_none(ports.join(","))
}

fn node_address(node: &Value, kind: &str) -> String {
    or_none(
        node["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["type"] == kind)
            .map(|a| text(&a["address"]))
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn subjects(binding: &Value, kind: &str) -> String {
    binding["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == kind)
        .map(|s| match s["namespace"].as_str() {
            Some(ns) if kind == "ServiceAccount" => format!("{ns}/{}", text(&s["name"])),
            _ => text(&s["name"]),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn builtin_cells(kind: &str, o: &Value, now: SystemTime) -> Vec<Value> {
    let age = |at: Option<&str>| age(at, now);
    let name = json!(o["metadata"]["name"]);
    let created = o["metadata"]["creationTimestamp"].as_str();
    let age_cell = json!(age(created));
    let containers = &o["spec"]["template"]["spec"]["containers"];
    match kind {
        "Namespace" => vec![name, json!(text(&o["status"]["phase"])), age_cell],
        "Pod" => {
            let statuses = o["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = count(&o["spec"]["containers"]);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses
                .iter()
                .filter_map(|c| c["restartCount"].as_i64())
                .sum();
            // "3 (5m ago)": the printer adds when the last container restart ended.
            let last_restart = statuses
                .iter()
                .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
                .max();
            let restarts = match last_restart {
                Some(at) if restarts > 0 => format!("{restarts} ({} ago)", age(Some(at))),
                _ => restarts.to_string(),
            };
            vec![
                name,
                json!(format!("{ready}/{total}")),
                json!(pod_status(o)),
                json!(restarts),
                age_cell,
                json!(or_none(text(&o["status"]["podIP"]))),
                json!(or_none(text(&o["spec"]["nodeName"]))),
                json!("<none>"),
                json!("<none>"),
            ]
        }
        "Service" => vec![
            name,
            json!(o["spec"]["type"].as_str().unwrap_or("ClusterIP")),
            json!(or_none(text(&o["spec"]["clusterIP"]))),
            json!(service_external_ip(o)),
            json!(service_ports(o)),
            age_cell,
            json!(or_none(labels_text(&o["spec"]["selector"]))),
        ],
        "Deployment" => vec![
            name,
            json!(format!(
                "{}/{}",
                o["status"]["readyReplicas"].as_i64().unwrap_or(0),
                o["spec"]["replicas"].as_i64().unwrap_or(1)
            )),
            int(&o["status"]["updatedReplicas"]),
            int(&o["status"]["availableReplicas"]),
            age_cell,
            json!(join(containers, "name")),
            json!(join(containers, "image")),
            json!(or_none(labels_text(&o["spec"]["selector"]["matchLabels"]))),
        ],
        "ReplicaSet" => vec![
            name,
            int(&o["spec"]["replicas"]),
            int(&o["status"]["replicas"]),
            int(&o["status"]["readyReplicas"]),
            age_cell,
            json!(join(containers, "name")),
            json!(join(containers, "image")),
            json!(or_none(labels_text(&o["spec"]["selector"]["matchLabels"]))),
        ],
        "Secret" => vec![
            name,
            json!(text(&o["type"])),
            json!(count(&o["data"]).to_string()),
            age_cell,
        ],
        "ConfigMap" => vec![
            name,
            json!((count(&o["data"]) + count(&o["binaryData"])).to_string()),
            age_cell,
        ],
        "ServiceAccount" => vec![name, json!(count(&o["secrets"]).to_string()), age_cell],
        "Node" => {
            let ready = o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Ready");
            let mut status = match ready.map(|c| text(&c["status"])) {
                Some(s) if s == "True" => "Ready".to_string(),
                Some(_) => "NotReady".to_string(),
                None => "Unknown".to_string(),
            };
            if o["spec"]["unschedulable"] == true {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<&str> = o["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
                .collect();
            let info = &o["status"]["nodeInfo"];
            vec![
                name,
                json!(status),
                json!(or_none(roles.join(","))),
                age_cell,
                json!(text(&info["kubeletVersion"])),
                json!(node_address(o, "InternalIP")),
                json!(node_address(o, "ExternalIP")),
                json!(text(&info["osImage"])),
                json!(text(&info["kernelVersion"])),
                json!(text(&info["containerRuntimeVersion"])),
            ]
        }
        "Event" => {
            let last = o["lastTimestamp"]
                .as_str()
                .or(o["eventTime"].as_str())
                .or(created);
            let first = o["firstTimestamp"]
                .as_str()
                .or(o["eventTime"].as_str())
                .or(created);
            let involved = &o["involvedObject"];
            let source = [text(&o["source"]["component"]), text(&o["source"]["host"])]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                json!(age(last)),
                json!(text(&o["type"])),
                json!(text(&o["reason"])),
                json!(format!(
                    "{}/{}",
                    text(&involved["kind"]).to_lowercase(),
                    text(&involved["name"])
                )),
                json!(text(&involved["fieldPath"])),
                json!(source),
                json!(text(&o["message"])),
                json!(age(first)),
                json!(o["count"].as_i64().unwrap_or(1).to_string()),
                name,
            ]
        }
        "RoleBinding" | "ClusterRoleBinding" => vec![
            name,
            json!(format!(
                "{}/{}",
                text(&o["roleRef"]["kind"]),
                text(&o["roleRef"]["name"])
            )),
            age_cell,
            json!(subjects(o, "User")),
            json!(subjects(o, "Group")),
            json!(subjects(o, "ServiceAccount")),
        ],
        _ => vec![name, json!(created.unwrap_or_default())],
    }
}

/// The Table for a list of objects of one resource; ages are taken at the cluster's `now`.
pub fn table(
    rt: &ResourceType,
    objects: &[&Value],
    include: Include,
    resource_version: &str,
    now: SystemTime,
) -> Value {
    let (definitions, rows): (Vec<Value>, Vec<Vec<Value>>) = match &rt.printer {
        Printer::Builtin => {
            let columns = builtin_columns(&rt.kind);
            let defs = columns
                .iter()
                .map(|c| {
                    let format = if c.name == "Name" { "name" } else { "" };
                    json!({"name": c.name, "type": c.type_, "format": format, "description": "", "priority": c.priority})
                })
                .collect();
            (
                defs,
                objects
                    .iter()
                    .map(|o| builtin_cells(&rt.kind, o, now))
                    .collect(),
            )
        }
        Printer::Columns(columns) => {
            let mut defs = vec![
                json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
            ];
            defs.extend(columns.iter().map(|c| json!({"name": c.name, "type": c.type_, "format": "", "description": c.description, "priority": c.priority})));
            if columns.is_empty() {
                defs.push(json!({"name": "Age", "type": "date", "format": "", "description": "", "priority": 0}));
            }
            let rows = objects
                .iter()
                .map(|o| {
                    let mut cells = vec![json!(o["metadata"]["name"])];
                    cells.extend(columns.iter().map(|c| {
                        let found = jsonpath::first(o, &c.json_path);
                        match (c.type_.as_str(), found) {
                            ("date", Some(Value::String(s))) => json!(age(Some(&s), now)),
                            (_, Some(v)) => v,
                            (_, None) => Value::Null,
                        }
                    }));
                    if columns.is_empty() {
                        let created = o["metadata"]["creationTimestamp"].as_str();
                        cells.push(json!(age(created, now)));
                    }
                    cells
                })
                .collect();
            (defs, rows)
        }
    };
    let rows: Vec<Value> = objects
        .iter()
        .zip(rows)
        .map(|(o, cells)| {
            let mut row = json!({"cells": cells});
            match include {
                Include::None => {}
                Include::Metadata => {
                    let mut meta = o["metadata"].clone();
                    if let Some(m) = meta.as_object_mut() {
                        m.remove("managedFields");
                    }
                    row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta});
                }
                Include::Object => row["object"] = (*o).clone(),
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
           "columnDefinitions": definitions, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn services_print_ports_with_node_ports_and_pending_load_balancers() {
        let registry = Registry::default();
        let rt = registry.find("", "v1", "services").unwrap();
        let svc = json!({"metadata": {"name": "tower", "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9", "ports": [{"port": 8080, "nodePort": 30721, "protocol": "TCP"}]},
            "status": {"loadBalancer": {}}});
        let t = table(rt, &[&svc], Include::Metadata, "5", SystemTime::now());
        let cells = &t["rows"][0]["cells"];
        assert_eq!(cells[1], "LoadBalancer");
        assert_eq!(cells[3], "<pending>");
        assert_eq!(cells[4], "8080:30721/TCP");
        assert_eq!(t["columnDefinitions"].as_array().unwrap().len(), 7);
    }

    #[test]
    fn pod_restarts_say_when_the_last_one_was() {
        let registry = Registry::default();
        let rt = registry.find("", "v1", "pods").unwrap();
        let pod = json!({"metadata": {"name": "agent"}, "spec": {"containers": [{"name": "agent"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "agent", "ready": true, "restartCount": 3,
                "lastState": {"terminated": {"finishedAt": crate::clock::format_rfc3339(SystemTime::now())}}}]}});
        let t = table(rt, &[&pod], Include::None, "1", SystemTime::now());
        let restarts = t["rows"][0]["cells"][3].as_str().unwrap();
        assert!(
            restarts.starts_with("3 (") && restarts.ends_with("s ago)"),
            "{restarts}"
        );
        assert_eq!(t["rows"][0]["cells"][1], "1/1");
    }

    #[test]
    fn pod_status_follows_the_containers_like_print_pod() {
        let registry = Registry::default();
        let rt = registry.find("", "v1", "pods").unwrap();
        let status = |phase: &str, state: Value| {
            let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
                "status": {"phase": phase, "containerStatuses": [{"name": "c", "ready": false, "state": state}]}});
            table(rt, &[&pod], Include::None, "1", SystemTime::now())["rows"][0]["cells"][2].clone()
        };
        let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        assert_eq!(status("Succeeded", done), "Completed");
        let failed = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
        assert_eq!(status("Failed", failed), "Error");
        assert_eq!(
            status("Failed", json!({"terminated": {"exitCode": 2}})),
            "ExitCode:2"
        );
        let waiting = json!({"waiting": {"reason": "CrashLoopBackOff"}});
        assert_eq!(status("Running", waiting), "CrashLoopBackOff");
    }
}
