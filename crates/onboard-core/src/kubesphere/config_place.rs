//! The three places a host keeps its proxy address, and how the address sits in each:
//!
//! - Secret `kubesphere-system/tower` of type `config.kubesphere.io/cluster-connection-config`,
//!   key `configuration.yaml`, top-level `proxyPublishAddress` (the seed procedure's
//!   extension release; KS master `pkg/constants` names the type);
//! - ConfigMap `kubesphere-system/kubesphere-config`, key `kubesphere.yaml`,
//!   `multicluster.proxyPublishAddress` (extension 1.0 on KubeSphere 4.1, TEXT backend);
//! - ClusterConfiguration `kubesphere-system/ks-installer`, `spec.multicluster.proxyPublishAddress`
//!   (KubeSphere 3.x; ks-apiserver reads it at start-up, so it needs a restart).
//!
//! Pure functions over objects as `serde_json::Value`: decoding, reading, changing only the
//! address, and a secret-free view of the configuration for diffs.

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};
use serde_yaml::{Mapping, Value as Yaml};

pub const CONNECTION_CONFIG_TYPE: &str = "config.kubesphere.io/cluster-connection-config";
const ADDRESS_KEY: &str = "proxyPublishAddress";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum AddressPlace {
    TowerSecret,
    KubesphereConfig,
    KsInstaller,
}

impl AddressPlace {
    pub const ALL: [AddressPlace; 3] = [
        AddressPlace::TowerSecret,
        AddressPlace::KubesphereConfig,
        AddressPlace::KsInstaller,
    ];

    /// The object's API path.
    pub fn path(self) -> &'static str {
        match self {
            AddressPlace::TowerSecret => "/api/v1/namespaces/kubesphere-system/secrets/tower",
            AddressPlace::KubesphereConfig => {
                "/api/v1/namespaces/kubesphere-system/configmaps/kubesphere-config"
            }
            AddressPlace::KsInstaller => "/apis/installer.kubesphere.io/v1alpha1/namespaces/kubesphere-system/clusterconfigurations/ks-installer",
        }
    }

    /// Where a missing object is created (only the Secret ever is).
    pub fn collection_path(self) -> &'static str {
        let path = self.path();
        &path[..path.rfind('/').unwrap_or(path.len())]
    }

    /// For people: which object and which key.
    pub fn describe(self) -> &'static str {
        match self {
            AddressPlace::TowerSecret => "Secret kubesphere-system/tower, configuration.yaml → proxyPublishAddress",
            AddressPlace::KubesphereConfig => "ConfigMap kubesphere-system/kubesphere-config, kubesphere.yaml → multicluster.proxyPublishAddress",
            AddressPlace::KsInstaller => "ClusterConfiguration kubesphere-system/ks-installer, spec.multicluster.proxyPublishAddress",
        }
    }

    /// After a change here, ks-apiserver must restart to read it (3.x reads options once).
    pub fn needs_restart(self) -> bool {
        self == AddressPlace::KsInstaller
    }
}

/// The configuration in an object cannot be read, so it must not be overwritten. The
/// message says what is wrong and where, never the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// The configuration document holding the address, decoded; `None` when the object has no
/// such key yet.
pub fn config_text(place: AddressPlace, object: &Value) -> Result<Option<String>, Unreadable> {
    match place {
        AddressPlace::TowerSecret => {
            let Some(encoded) = object["data"]["configuration.yaml"].as_str() else {
                return Ok(None);
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| {
                    Unreadable(format!("key configuration.yaml is not valid base64 ({e})"))
                })?;
            String::from_utf8(bytes).map(Some).map_err(|e| {
                Unreadable(format!(
                    "key configuration.yaml is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ))
            })
        }
        AddressPlace::KubesphereConfig => Ok(object["data"]["kubesphere.yaml"]
            .as_str()
            .map(str::to_string)),
        AddressPlace::KsInstaller => match &object["spec"]["multicluster"] {
            Value::Null => Ok(None),
            multicluster => serde_yaml::to_string(multicluster)
                .map(Some)
                .map_err(|_| Unreadable("spec.multicluster cannot be shown as YAML".into())),
        },
    }
}

/// `text` as a YAML mapping (an empty document is an empty mapping).
pub fn parse(place: AddressPlace, text: &str) -> Result<Mapping, Unreadable> {
    let key = match place {
        AddressPlace::TowerSecret => "configuration.yaml",
        AddressPlace::KubesphereConfig => "kubesphere.yaml",
        AddressPlace::KsInstaller => "spec.multicluster",
    };
    match serde_yaml::from_str::<Yaml>(text) {
        // A mapping or a tagged value as a key reads but cannot be written back (the YAML
        // writer fails, and `render` would give an empty document, dropping every key): such
        // a configuration is refused before anything is changed. Found by fuzzing
        // (fuzz/fuzz_targets/tower_config.rs).
        Ok(Yaml::Mapping(mapping)) if serde_yaml::to_string(&mapping).is_err() => {
            Err(Unreadable(format!(
                "{key} has a key that is a mapping or a tagged value, which cannot be written back"
            )))
        }
        Ok(Yaml::Mapping(mapping)) => Ok(mapping),
        Ok(Yaml::Null) => Ok(Mapping::new()),
        Ok(other) => Err(Unreadable(format!(
            "{key} holds a YAML {} where a mapping of settings belongs",
            kind_of(&other)
        ))),
        // Only the location: serde_yaml's message can quote the offending text.
        Err(e) => Err(Unreadable(match e.location() {
            Some(at) => format!(
                "{key} is not valid YAML (error at line {}, column {})",
                at.line(),
                at.column()
            ),
            None => format!("{key} is not valid YAML"),
        })),
    }
}

fn kind_of(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "null",
        Yaml::Bool(_) => "boolean",
        Yaml::Number(_) => "number",
        Yaml::String(_) => "string",
        Yaml::Sequence(_) => "list",
        Yaml::Mapping(_) => "mapping",
        Yaml::Tagged(_) => "tagged value",
    }
}

/// The section of the document that holds `proxyPublishAddress`.
fn section(place: AddressPlace, config: &Mapping) -> Option<&Mapping> {
    match place {
        AddressPlace::KubesphereConfig => config.get("multicluster")?.as_mapping(),
        _ => Some(config),
    }
}

pub fn address_in(place: AddressPlace, config: &Mapping) -> Option<String> {
    setting_in(place, config, ADDRESS_KEY)
}

/// One of tower's settings (`proxyPublishAddress`, `agentImage`) where `place` keeps it.
pub fn setting_in(place: AddressPlace, config: &Mapping, key: &str) -> Option<String> {
    section(place, config)?
        .get(key)?
        .as_str()
        .filter(|a| !a.trim().is_empty())
        .map(str::to_string)
}

/// `config` with only the address changed (added at the end if new; every other key, its
/// value and its position kept).
pub fn with_address(
    place: AddressPlace,
    config: &Mapping,
    url: &str,
) -> Result<Mapping, Unreadable> {
    with_setting(place, config, ADDRESS_KEY, url)
}

/// `config` with only the setting `key` changed, as [`with_address`] does for the address.
pub fn with_setting(
    place: AddressPlace,
    config: &Mapping,
    key: &str,
    value: &str,
) -> Result<Mapping, Unreadable> {
    let mut out = config.clone();
    let target = match place {
        AddressPlace::KubesphereConfig => {
            let entry = out
                .entry(Yaml::from("multicluster"))
                .or_insert_with(|| Yaml::Mapping(Mapping::new()));
            if entry.is_null() {
                *entry = Yaml::Mapping(Mapping::new());
            }
            entry.as_mapping_mut().ok_or_else(|| {
                Unreadable("kubesphere.yaml has a multicluster entry that is not a mapping".into())
            })?
        }
        _ => &mut out,
    };
    target.insert(Yaml::from(key), Yaml::from(value));
    Ok(out)
}

/// `object` carrying `config` (already rendered as `text`) in its place; for the Secret also
/// the seed's type, labels and Helm annotations, added where missing.
pub fn object_with(place: AddressPlace, object: &Value, config: &Mapping, text: &str) -> Value {
    let mut out = object.clone();
    match place {
        AddressPlace::TowerSecret => {
            out["data"]["configuration.yaml"] =
                json!(base64::engine::general_purpose::STANDARD.encode(text));
            let seed = seed_secret();
            for field in ["labels", "annotations"] {
                for (key, value) in seed["metadata"][field].as_object().into_iter().flatten() {
                    if out["metadata"][field][key].is_null() {
                        out["metadata"][field][key] = value.clone();
                    }
                }
            }
            out["type"] = json!(CONNECTION_CONFIG_TYPE);
        }
        AddressPlace::KubesphereConfig => out["data"]["kubesphere.yaml"] = json!(text),
        AddressPlace::KsInstaller => {
            out["spec"]["multicluster"] =
                serde_json::to_value(config).unwrap_or_else(|_| json!({}));
        }
    }
    out
}

/// Secret `tower` as the seed procedure writes it, without data.
pub fn seed_secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "tower", "namespace": "kubesphere-system",
            "labels": {"app.kubernetes.io/managed-by": "Helm",
                       "config.kubesphere.io/type": "cluster-connection-config",
                       "kubesphere.io/extension-ref": "tower"},
            "annotations": {"meta.helm.sh/release-name": "tower",
                            "meta.helm.sh/release-namespace": "extension-tower"}},
        "type": CONNECTION_CONFIG_TYPE})
}

pub fn render(config: &Mapping) -> String {
    if config.is_empty() {
        return String::new();
    }
    // Quoted for YAML 1.1 readers too: a kept `mode: "off"` must not come back a boolean.
    crate::kubeconfig::yaml11::to_string(config).unwrap_or_default()
}

/// `config` as YAML with the values of secret-looking keys (`jwtSecret`, `token`,
/// `password`, `…Key`) replaced by `••••`: what the UI and CLI may show.
pub fn redacted(config: &Mapping) -> String {
    fn walk(value: &Yaml) -> Yaml {
        match value {
            Yaml::Mapping(map) => Yaml::Mapping(
                map.iter()
                    .map(|(k, v)| {
                        let secret = k.as_str().is_some_and(is_secret_key);
                        (
                            k.clone(),
                            if secret {
                                Yaml::from("••••")
                            } else {
                                walk(v)
                            },
                        )
                    })
                    .collect(),
            ),
            Yaml::Sequence(items) => Yaml::Sequence(items.iter().map(walk).collect()),
            other => other.clone(),
        }
    }
    match walk(&Yaml::Mapping(config.clone())) {
        Yaml::Mapping(map) => render(&map),
        _ => String::new(),
    }
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "token", "password", "passwd", "credential"]
        .iter()
        .any(|word| key.contains(word))
        || key.ends_with("key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_with(configuration: &str) -> Value {
        let mut secret = seed_secret();
        secret["data"]["configuration.yaml"] =
            json!(base64::engine::general_purpose::STANDARD.encode(configuration));
        secret
    }

    #[test]
    fn sets_only_the_address_and_keeps_other_keys_in_order() {
        let secret = secret_with("agentImage: kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\n");
        let text = config_text(AddressPlace::TowerSecret, &secret)
            .unwrap()
            .unwrap();
        let config = parse(AddressPlace::TowerSecret, &text).unwrap();
        assert_eq!(address_in(AddressPlace::TowerSecret, &config), None);
        let changed = with_address(
            AddressPlace::TowerSecret,
            &config,
            "http://139.198.120.120:30000",
        )
        .unwrap();
        assert_eq!(
            render(&changed),
            "agentImage: kubesphere/tower:v0.2.1\nproxyPublishService: tower.kubesphere-system.svc\nproxyPublishAddress: http://139.198.120.120:30000\n"
        );
        let replaced =
            with_address(AddressPlace::TowerSecret, &changed, "http://1.2.3.4:1").unwrap();
        assert_eq!(replaced.len(), 3, "replaced in place, not added");
        assert_eq!(
            address_in(AddressPlace::TowerSecret, &replaced).as_deref(),
            Some("http://1.2.3.4:1")
        );
    }

    #[test]
    fn the_configmap_address_lives_under_multicluster() {
        let text = "authentication:\n  issuer:\n    jwtSecret: s3cr3t\nmulticluster:\n  clusterRole: host\n";
        let config = parse(AddressPlace::KubesphereConfig, text).unwrap();
        let changed = with_address(
            AddressPlace::KubesphereConfig,
            &config,
            "http://x.example:30000",
        )
        .unwrap();
        assert_eq!(
            address_in(AddressPlace::KubesphereConfig, &changed).as_deref(),
            Some("http://x.example:30000")
        );
        assert_eq!(
            changed["multicluster"]["clusterRole"].as_str(),
            Some("host")
        );
        let shown = redacted(&changed);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("jwtSecret: ••••"), "{shown}");
        let bad = parse(AddressPlace::KubesphereConfig, "multicluster: [1]\n").unwrap();
        assert!(with_address(AddressPlace::KubesphereConfig, &bad, "http://a:1").is_err());
    }

    #[test]
    fn unreadable_configuration_is_described_without_its_content() {
        let mut secret = seed_secret();
        secret["data"]["configuration.yaml"] = json!("not*base64");
        let error = config_text(AddressPlace::TowerSecret, &secret).unwrap_err();
        assert!(error.0.contains("not valid base64"), "{error:?}");
        let error = parse(AddressPlace::TowerSecret, "token: hunter2\n  bad: [indent").unwrap_err();
        assert!(
            error.0.contains("not valid YAML (error at line"),
            "{error:?}"
        );
        assert!(!error.0.contains("hunter2"));
        let error = parse(AddressPlace::TowerSecret, "- hunter2\n").unwrap_err();
        assert_eq!(
            error.0,
            "configuration.yaml holds a YAML list where a mapping of settings belongs"
        );
        assert!(parse(AddressPlace::TowerSecret, "").unwrap().is_empty());
    }

    #[test]
    fn a_configuration_that_cannot_be_written_back_is_refused_not_emptied() {
        // The fuzz target's crash, minimized: `? !sa :` is a mapping whose key is a mapping
        // with a tagged key. Rendering it gave "", so setting the address dropped every key.
        for text in ["? !sa :", "keep: me\nn:\n  ? {a: 1}\n  : x\n", "!t k: v\n"] {
            let error = parse(AddressPlace::KubesphereConfig, text).unwrap_err();
            assert!(
                error.0.contains("cannot be written back"),
                "{text:?}: {error:?}"
            );
        }
        // A list as a key can be written back, so it is kept.
        let config = parse(AddressPlace::TowerSecret, "? [a, b]\n: c\n").unwrap();
        let changed = with_address(AddressPlace::TowerSecret, &config, "http://h:1").unwrap();
        assert_eq!(
            parse(AddressPlace::TowerSecret, &render(&changed)).unwrap(),
            changed
        );
    }

    #[test]
    fn the_secret_gets_the_seed_shape_and_keeps_foreign_labels() {
        let mut existing = secret_with("a: 1\n");
        existing["metadata"]["labels"] = json!({"team": "x"});
        existing["data"]["other"] = json!("b3RoZXI=");
        let config = parse(AddressPlace::TowerSecret, "a: 1\n").unwrap();
        let out = object_with(
            AddressPlace::TowerSecret,
            &existing,
            &config,
            "a: 1\nproxyPublishAddress: http://h:1\n",
        );
        assert_eq!(out["type"], CONNECTION_CONFIG_TYPE);
        assert_eq!(out["metadata"]["labels"]["team"], "x");
        assert_eq!(
            out["metadata"]["labels"]["kubesphere.io/extension-ref"],
            "tower"
        );
        assert_eq!(
            out["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
            "extension-tower"
        );
        assert_eq!(out["data"]["other"], "b3RoZXI=");
        assert_eq!(
            AddressPlace::TowerSecret.collection_path(),
            "/api/v1/namespaces/kubesphere-system/secrets"
        );
    }
}
