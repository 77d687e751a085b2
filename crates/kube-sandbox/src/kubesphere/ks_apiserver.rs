//! ks-apiserver behind Service `kubesphere-system/ks-apiserver`, for the few KubeSphere APIs
//! the join flow reads: `/version` and `/kapis/version` (KS `pkg/version/version.go`),
//! `configs/configz` (the running `kubesphere.yaml`), users (`iam.kubesphere.io` v1beta1, 3.x
//! v1alpha2), `clusterconnectionconfigurations` (KS master after 4.1.3,
//! `pkg/kapis/config/v1alpha2/handler.go`: Secrets of type
//! `config.kubesphere.io/cluster-connection-config`, served where the seed's Secret is
//! used) and, on 3.x, the agent Deployment (`agent_manifest`).

use super::agent_manifest;
use super::host::{KS3_VERSION, KS_VERSION};
use super::AddressSource;
use crate::{Objects, ProxyReply, ProxyRequest};
use base64::Engine;
use serde_json::{json, Value};

const CONNECTION_CONFIG: &str = "config.kubesphere.io/cluster-connection-config";

pub struct KsApiserver(pub AddressSource);

fn json_reply(status: u16, value: &Value) -> ProxyReply {
    ProxyReply {
        status,
        content_type: "application/json",
        body: value.to_string(),
    }
}

fn version(ks_version: &str) -> Value {
    let parts: Vec<&str> = ks_version.trim_start_matches('v').split('.').collect();
    json!({"gitVersion": ks_version, "gitMajor": parts[0], "gitMinor": parts.get(1).copied().unwrap_or_default(),
           "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
           "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.22.0", "compiler": "gc",
           "platform": "linux/amd64", "kubernetes": crate::discovery::version()})
}

/// A Secret of the connection-config type as KubeSphere presents it.
fn connection_config(secret: &Value) -> Value {
    let data = secret["data"]["configuration.yaml"]
        .as_str()
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .and_then(|d| serde_yaml::from_slice::<Value>(&d).ok())
        .unwrap_or(Value::Null);
    let meta = &secret["metadata"];
    json!({"kind": "ClusterConnectionConfiguration", "apiVersion": "config.kubesphere.io/v1alpha2",
           "metadata": {"name": meta["name"], "uid": meta["uid"], "resourceVersion": meta["resourceVersion"],
                        "creationTimestamp": meta["creationTimestamp"]},
           "data": data})
}

impl KsApiserver {
    fn connection_configs(&self, objects: &Objects<'_>, name: Option<&str>) -> ProxyReply {
        let secrets = objects.list("v1", "Secret", Some("kubesphere-system"));
        match name {
            None => {
                let configs: Vec<Value> = secrets
                    .iter()
                    .filter(|s| s["type"] == CONNECTION_CONFIG)
                    .map(connection_config)
                    .collect();
                json_reply(200, &json!(configs))
            }
            Some(name) => match secrets.iter().find(|s| s["metadata"]["name"] == name) {
                Some(secret) => json_reply(200, &connection_config(secret)),
                None => {
                    ProxyReply::text(404, format!("cluster connection config {name} not found"))
                }
            },
        }
    }

    fn configz(&self, objects: &Objects<'_>) -> ProxyReply {
        let config = objects
            .get("v1", "ConfigMap", "kubesphere-system", "kubesphere-config")
            .and_then(|cm| cm["data"]["kubesphere.yaml"].as_str().map(str::to_string))
            .and_then(|yaml| serde_yaml::from_str::<Value>(&yaml).ok())
            .unwrap_or_default();
        json_reply(200, &config)
    }
}

impl crate::ServiceBackend for KsApiserver {
    fn get(&self, objects: &Objects<'_>, request: &ProxyRequest<'_>) -> ProxyReply {
        let v3 = self.0 == AddressSource::Installer;
        let users_version = if v3 { "v1alpha2" } else { "v1beta1" };
        let connection_configs = self.0 == AddressSource::Secret;
        let parts: Vec<&str> = request.path.split('/').collect();
        match parts.as_slice() {
            ["", "version"] | ["", "kapis", "version"] => {
                json_reply(200, &version(if v3 { KS3_VERSION } else { KS_VERSION }))
            }
            ["", "kapis", "config.kubesphere.io", "v1alpha2", "configs", "configz"] => {
                self.configz(objects)
            }
            ["", "kapis", "config.kubesphere.io", "v1alpha2", "clusterconnectionconfigurations", rest @ ..]
                if connection_configs && rest.len() <= 1 =>
            {
                self.connection_configs(objects, rest.first().copied())
            }
            ["", "kapis", "iam.kubesphere.io", version, "users", name]
                if *version == users_version =>
            {
                match objects.get("iam.kubesphere.io/v1beta1", "User", "", name) {
                    Some(mut user) => {
                        user["apiVersion"] = json!(format!("iam.kubesphere.io/{users_version}"));
                        json_reply(200, &user)
                    }
                    None => ProxyReply::text(
                        404,
                        format!("user.iam.kubesphere.io \"{name}\" not found"),
                    ),
                }
            }
            ["", "kapis", "cluster.kubesphere.io", "v1alpha1", "clusters", name, "agent", "deployment"]
                if v3 =>
            {
                agent_manifest::generate(objects, name, self.0)
            }
            _ => ProxyReply::text(404, "404 page not found"),
        }
    }
}
