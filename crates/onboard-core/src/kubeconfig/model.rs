//! The kubeconfig file format (`clientcmd/api/v1`), field for field in kubectl's order and
//! with its omit-empty rules, so that printing a loaded file gives what `kubectl config view`
//! gives. Fields we do not know are ignored on load, as kubectl ignores them.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

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
        deserializer.deserialize_map(NamedVisitor(PhantomData))
    }
}

/// Reads `{ name, <T::FIELD>: … }` in one pass; unknown keys are ignored, a null value is the
/// default, as kubectl reads them.
struct NamedVisitor<T>(PhantomData<T>);

impl<'de, T: Entry + Deserialize<'de>> Visitor<'de> for NamedVisitor<T> {
    type Value = Named<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a mapping with name and {}", T::FIELD)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
        let mut named = Named {
            name: String::new(),
            value: T::default(),
        };
        while let Some(key) = map.next_key_seed(KeySeed(T::FIELD))? {
            match key {
                Key::Name => named.name = map.next_value::<EntryName>()?.0,
                Key::Value => named.value = map.next_value::<Option<T>>()?.unwrap_or_default(),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(named)
    }
}

enum Key {
    Name,
    Value,
    Other,
}

/// Tells `name` and the entry's value field apart without allocating the key.
struct KeySeed(&'static str);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "name" => Key::Name,
            key if key == self.0 => Key::Value,
            _ => Key::Other,
        })
    }
}

/// An entry's name: a string or nothing; anything else is an error naming what it is instead.
struct EntryName(String);

impl<'de> Deserialize<'de> for EntryName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EntryNameVisitor)
    }
}

struct EntryNameVisitor;

impl EntryNameVisitor {
    fn not_a_string<E: de::Error>(kind: &str) -> E {
        E::custom(format!("must be a string, not {kind}"))
    }
}

impl<'de> Visitor<'de> for EntryNameVisitor {
    type Value = EntryName;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<EntryName, E> {
        Ok(EntryName(name.to_owned()))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<EntryName, E> {
        Ok(EntryName(name))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EntryName, E> {
        Ok(EntryName(String::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<EntryName, E> {
        Ok(EntryName(String::new()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<EntryName, E> {
        Err(Self::not_a_string("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<EntryName, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<EntryName, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<EntryName, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<EntryName, A::Error> {
        Err(Self::not_a_string("a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<EntryName, A::Error> {
        Err(Self::not_a_string("a mapping"))
    }
}
