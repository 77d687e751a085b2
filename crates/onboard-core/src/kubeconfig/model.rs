//! The kubeconfig file format (`clientcmd/api/v1`), field for field in kubectl's order and
//! with its omit-empty rules, so that printing a loaded file gives what `kubectl config view`
//! gives. Fields we do not know are ignored on load, as kubectl ignores them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn is_false(value: &bool) -> bool {
    !*value
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub preferences: Preferences,
    pub clusters: Option<Vec<Named<Cluster>>>,
    #[serde(rename = "users")]
    pub auth_infos: Option<Vec<Named<AuthInfo>>>,
    pub contexts: Option<Vec<Named<Context>>>,
    #[serde(rename = "current-context")]
    pub current_context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<NamedExtension>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    #[serde(skip_serializing_if = "is_false")]
    pub colors: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<NamedExtension>>,
}

/// A list entry: `{ name, <kind>: { … } }`. The field holding the value is named after the
/// kind (`cluster`, `user`, `context`), which `Entry` supplies.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<T> {
    pub name: String,
    pub value: T,
}

/// What a list entry's value is called in the file.
pub trait Entry: Default {
    const FIELD: &'static str;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedExtension {
    pub name: String,
    pub extension: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    pub server: String,
    #[serde(rename = "tls-server-name", skip_serializing_if = "String::is_empty")]
    pub tls_server_name: String,
    #[serde(rename = "insecure-skip-tls-verify", skip_serializing_if = "is_false")]
    pub insecure_skip_tls_verify: bool,
    #[serde(
        rename = "certificate-authority",
        skip_serializing_if = "String::is_empty"
    )]
    pub certificate_authority: String,
    #[serde(
        rename = "certificate-authority-data",
        skip_serializing_if = "String::is_empty"
    )]
    pub certificate_authority_data: String,
    #[serde(rename = "proxy-url", skip_serializing_if = "String::is_empty")]
    pub proxy_url: String,
    #[serde(rename = "disable-compression", skip_serializing_if = "is_false")]
    pub disable_compression: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<NamedExtension>>,
}

impl Entry for Cluster {
    const FIELD: &'static str = "cluster";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthInfo {
    #[serde(
        rename = "client-certificate",
        skip_serializing_if = "String::is_empty"
    )]
    pub client_certificate: String,
    #[serde(
        rename = "client-certificate-data",
        skip_serializing_if = "String::is_empty"
    )]
    pub client_certificate_data: String,
    #[serde(rename = "client-key", skip_serializing_if = "String::is_empty")]
    pub client_key: String,
    #[serde(rename = "client-key-data", skip_serializing_if = "String::is_empty")]
    pub client_key_data: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(rename = "tokenFile", skip_serializing_if = "String::is_empty")]
    pub token_file: String,
    #[serde(rename = "as", skip_serializing_if = "String::is_empty")]
    pub impersonate: String,
    #[serde(rename = "as-uid", skip_serializing_if = "String::is_empty")]
    pub impersonate_uid: String,
    #[serde(rename = "as-groups", skip_serializing_if = "Option::is_none")]
    pub impersonate_groups: Option<Vec<String>>,
    #[serde(rename = "as-user-extra", skip_serializing_if = "Option::is_none")]
    pub impersonate_user_extra: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password: String,
    #[serde(rename = "auth-provider", skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<AuthProvider>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<NamedExtension>>,
}

impl Entry for AuthInfo {
    const FIELD: &'static str = "user";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthProvider {
    pub name: String,
    pub config: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecConfig {
    pub command: String,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<ExecEnvVar>>,
    #[serde(rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(rename = "installHint", skip_serializing_if = "String::is_empty")]
    pub install_hint: String,
    #[serde(rename = "provideClusterInfo")]
    pub provide_cluster_info: bool,
    #[serde(rename = "interactiveMode", skip_serializing_if = "String::is_empty")]
    pub interactive_mode: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecEnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Context {
    pub cluster: String,
    #[serde(rename = "user")]
    pub auth_info: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<NamedExtension>>,
}

impl Entry for Context {
    const FIELD: &'static str = "context";
}

impl<T: Entry + Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut entry = serializer.serialize_struct("Named", 2)?;
        entry.serialize_field("name", &self.name)?;
        entry.serialize_field(T::FIELD, &self.value)?;
        entry.end()
    }
}

impl<'de, T: Entry + Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as a map so the value's key can depend on T; unknown keys are ignored.
        let mut map = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        let name = match map.remove("name") {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(name)) => name,
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "name must be a string, not {}",
                    json_kind(&other)
                )))
            }
        };
        let value = match map.remove(T::FIELD) {
            None | Some(serde_json::Value::Null) => T::default(),
            // Keep the path inside the entry for the error message.
            Some(value) => serde_path_to_error::deserialize(value).map_err(|e| {
                serde::de::Error::custom(format!("{}.{}: {}", T::FIELD, e.path(), e.inner()))
            })?,
        };
        Ok(Named { name, value })
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}
