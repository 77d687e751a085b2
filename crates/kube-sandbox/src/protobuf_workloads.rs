//! JSON for the protobuf bodies of kubectl's `create deployment`, `create service …`,
//! `create role|clusterrole|rolebinding|clusterrolebinding`: the fields those commands set.

use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::rbac::v1 as rbac;
use k8s_pb::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::{json, Map, Value};

/// Sets `key` unless the value is a zero value (absent, "", 0, false, [] or {}), which Go's
/// JSON encoding of these types omits.
fn put(object: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if !empty {
        object.insert(key.into(), value);
    }
}

fn int_or_string(v: &IntOrString) -> Value {
    match v.r#type {
        Some(1) => json!(v.str_val),
        _ => json!(v.int_val),
    }
}

fn selector(s: Option<&LabelSelector>) -> Value {
    let mut out = Map::new();
    if let Some(s) = s {
        put(&mut out, "matchLabels", json!(s.match_labels));
    }
    Value::Object(out)
}

fn container(c: &core::Container) -> Value {
    let mut out = Map::new();
    put(&mut out, "name", json!(c.name));
    put(&mut out, "image", json!(c.image));
    put(&mut out, "command", json!(c.command));
    put(&mut out, "args", json!(c.args));
    put(&mut out, "workingDir", json!(c.working_dir));
    put(&mut out, "imagePullPolicy", json!(c.image_pull_policy));
    let ports: Vec<Value> = c
        .ports
        .iter()
        .map(|p| {
            let mut port = Map::new();
            put(&mut port, "name", json!(p.name));
            put(&mut port, "containerPort", json!(p.container_port));
            put(&mut port, "protocol", json!(p.protocol));
            Value::Object(port)
        })
        .collect();
    put(&mut out, "ports", json!(ports));
    let env: Vec<Value> = c
        .env
        .iter()
        .map(|e| json!({"name": e.name, "value": e.value.clone().unwrap_or_default()}))
        .collect();
    put(&mut out, "env", json!(env));
    Value::Object(out)
}

fn pod_template(
    t: Option<&core::PodTemplateSpec>,
    metadata: &dyn Fn(Option<&ObjectMeta>) -> Value,
) -> Value {
    let Some(t) = t else { return json!({}) };
    let mut spec = Map::new();
    if let Some(s) = &t.spec {
        put(
            &mut spec,
            "containers",
            Value::Array(s.containers.iter().map(container).collect()),
        );
        put(
            &mut spec,
            "initContainers",
            Value::Array(s.init_containers.iter().map(container).collect()),
        );
        put(&mut spec, "restartPolicy", json!(s.restart_policy));
        put(
            &mut spec,
            "serviceAccountName",
            json!(s.service_account_name),
        );
        put(&mut spec, "nodeSelector", json!(s.node_selector));
    }
    json!({"metadata": metadata(t.metadata.as_ref()), "spec": spec})
}

fn rules(rules: &[rbac::PolicyRule]) -> Value {
    rules
        .iter()
        .map(|r| {
            let mut rule = Map::new();
            put(&mut rule, "verbs", json!(r.verbs));
            put(&mut rule, "apiGroups", json!(r.api_groups));
            put(&mut rule, "resources", json!(r.resources));
            put(&mut rule, "resourceNames", json!(r.resource_names));
            put(&mut rule, "nonResourceURLs", json!(r.non_resource_ur_ls));
            Value::Object(rule)
        })
        .collect()
}

fn binding(role_ref: Option<&rbac::RoleRef>, subjects: &[rbac::Subject]) -> (Value, Value) {
    let role_ref = role_ref
        .map(|r| json!({"apiGroup": r.api_group, "kind": r.kind, "name": r.name}))
        .unwrap_or(Value::Null);
    let subjects = subjects
        .iter()
        .map(|s| {
            let mut subject = Map::new();
            put(&mut subject, "kind", json!(s.kind));
            put(&mut subject, "apiGroup", json!(s.api_group));
            put(&mut subject, "name", json!(s.name));
            put(&mut subject, "namespace", json!(s.namespace));
            Value::Object(subject)
        })
        .collect();
    (role_ref, subjects)
}

/// The JSON of a workload or RBAC object, or Null for kinds this module does not read.
pub fn decode(
    kind: &str,
    raw: &[u8],
    metadata: &dyn Fn(Option<&ObjectMeta>) -> Value,
) -> Result<Value, prost::DecodeError> {
    Ok(match kind {
        "Deployment" => {
            let d = apps::Deployment::decode(raw)?;
            let mut spec = Map::new();
            if let Some(s) = &d.spec {
                // Zero replicas is a choice, not an omitted default.
                if let Some(replicas) = s.replicas {
                    spec.insert("replicas".into(), json!(replicas));
                }
                put(&mut spec, "selector", selector(s.selector.as_ref()));
                put(
                    &mut spec,
                    "template",
                    pod_template(s.template.as_ref(), metadata),
                );
                put(&mut spec, "minReadySeconds", json!(s.min_ready_seconds));
                put(&mut spec, "paused", json!(s.paused));
                if let Some(t) = s.strategy.as_ref().and_then(|s| s.r#type.clone()) {
                    spec.insert("strategy".into(), json!({"type": t}));
                }
            }
            json!({"metadata": metadata(d.metadata.as_ref()), "spec": spec})
        }
        "Service" => {
            let s = core::Service::decode(raw)?;
            let mut spec = Map::new();
            if let Some(sp) = &s.spec {
                let ports: Vec<Value> = sp
                    .ports
                    .iter()
                    .map(|p| {
                        let mut port = Map::new();
                        put(&mut port, "name", json!(p.name));
                        put(&mut port, "protocol", json!(p.protocol));
                        put(&mut port, "port", json!(p.port));
                        if let Some(t) = &p.target_port {
                            port.insert("targetPort".into(), int_or_string(t));
                        }
                        put(&mut port, "nodePort", json!(p.node_port));
                        Value::Object(port)
                    })
                    .collect();
                put(&mut spec, "ports", json!(ports));
                put(&mut spec, "selector", json!(sp.selector));
                put(&mut spec, "clusterIP", json!(sp.cluster_ip));
                put(&mut spec, "type", json!(sp.r#type));
                put(&mut spec, "externalIPs", json!(sp.external_ips));
                put(&mut spec, "externalName", json!(sp.external_name));
                put(&mut spec, "sessionAffinity", json!(sp.session_affinity));
            }
            json!({"metadata": metadata(s.metadata.as_ref()), "spec": spec})
        }
        "Role" => {
            let r = rbac::Role::decode(raw)?;
            json!({"metadata": metadata(r.metadata.as_ref()), "rules": rules(&r.rules)})
        }
        "ClusterRole" => {
            let r = rbac::ClusterRole::decode(raw)?;
            json!({"metadata": metadata(r.metadata.as_ref()), "rules": rules(&r.rules)})
        }
        "RoleBinding" => {
            let b = rbac::RoleBinding::decode(raw)?;
            let (role_ref, subjects) = binding(b.role_ref.as_ref(), &b.subjects);
            json!({"metadata": metadata(b.metadata.as_ref()), "roleRef": role_ref, "subjects": subjects})
        }
        "ClusterRoleBinding" => {
            let b = rbac::ClusterRoleBinding::decode(raw)?;
            let (role_ref, subjects) = binding(b.role_ref.as_ref(), &b.subjects);
            json!({"metadata": metadata(b.metadata.as_ref()), "roleRef": role_ref, "subjects": subjects})
        }
        _ => Value::Null,
    })
}
