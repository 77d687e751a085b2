//! The proxy address write (`kubesphere::config_place`): the configuration an earlier
//! extension wrote is read, only `proxyPublishAddress` is changed, and it is written back.
//!
//! Input: one byte choosing the place (tower Secret, kubesphere-config ConfigMap,
//! ks-installer), then `URL` NUL `CONFIGURATION` (without a NUL, all of it is the
//! configuration and the URL is the seed procedure's). For ks-installer the configuration is
//! the JSON of `spec.multicluster`. Invariants:
//! - an unreadable configuration is refused with a message that says where, never what;
//! - after `with_address`, `address_in` gives the URL, and every other key keeps its value
//!   and its position (a new address goes last);
//! - what is rendered and put in the object reads back to the same configuration;
//! - the redacted view shows `••••` for every secret-looking key.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use onboard_core::kubesphere::config_place::{self as place, AddressPlace, Unreadable};
use serde_json::{json, Value};
use serde_yaml::{Mapping, Value as Yaml};

const ADDRESS: &str = "proxyPublishAddress";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let which = AddressPlace::ALL[usize::from(selector) % AddressPlace::ALL.len()];
    let (url, text) = rest
        .split_once('\0')
        .unwrap_or(("http://139.198.120.120:30000", rest));
    let object = match which {
        AddressPlace::TowerSecret => {
            let mut secret = place::seed_secret();
            secret["data"]["configuration.yaml"] =
                json!(base64::engine::general_purpose::STANDARD.encode(text));
            secret
        }
        AddressPlace::KubesphereConfig => json!({"data": {"kubesphere.yaml": text}}),
        AddressPlace::KsInstaller => match serde_json::from_str::<Value>(text) {
            Ok(multicluster) => json!({"spec": {"multicluster": multicluster}}),
            Err(_) => return,
        },
    };
    let current = place::config_text(which, &object)
        .expect("valid base64 of UTF-8 text is readable")
        .unwrap_or_default();
    let config = match place::parse(which, &current) {
        Ok(config) => config,
        Err(Unreadable(message)) => {
            check_message(which, &message);
            return;
        }
    };
    let changed = match place::with_address(which, &config, url) {
        Ok(changed) => changed,
        Err(Unreadable(message)) => {
            let multicluster = config.get("multicluster");
            assert!(
                which == AddressPlace::KubesphereConfig
                    && multicluster.is_some_and(|m| !m.is_null() && !m.is_mapping()),
                "refused a configuration it can change: {message}"
            );
            return;
        }
    };
    let expected = (!url.trim().is_empty()).then(|| url.to_string());
    assert_eq!(place::address_in(which, &changed), expected);
    match which {
        AddressPlace::KubesphereConfig => {
            only_changed(&config, &changed, "multicluster");
            let section = |c: &Mapping| match c.get("multicluster") {
                Some(Yaml::Mapping(m)) => m.clone(),
                _ => Mapping::new(),
            };
            only_changed(&section(&config), &section(&changed), ADDRESS);
        }
        _ => only_changed(&config, &changed, ADDRESS),
    }

    let rendered = place::render(&changed);
    let again = place::parse(which, &rendered).unwrap_or_else(|e| {
        panic!("the rendered configuration does not read back: {e:?}\n{rendered}")
    });
    assert_eq!(
        again, changed,
        "render changed the configuration:\n{rendered}"
    );
    yaml_1_1_reads_the_same(&changed, &rendered);
    let written = place::object_with(which, &object, &changed, &rendered);
    let stored = place::config_text(which, &written)
        .expect("the written object is readable")
        .unwrap_or_default();
    let stored = place::parse(which, &stored).expect("the written configuration parses");
    assert_eq!(
        stored, changed,
        "the object does not carry the configuration"
    );
    if which == AddressPlace::KsInstaller {
        let mut before = object["spec"]["multicluster"].clone();
        let mut after = written["spec"]["multicluster"].clone();
        for value in [&mut before, &mut after] {
            if let Some(map) = value.as_object_mut() {
                map.remove(ADDRESS);
            }
        }
        if before.is_null() {
            before = json!({});
        }
        assert_eq!(before, after, "spec.multicluster lost or changed keys");
    }

    let shown = place::redacted(&changed);
    let shown: Yaml = serde_yaml::from_str(&shown)
        .unwrap_or_else(|e| panic!("the redacted view is not YAML: {e}\n{shown}"));
    all_secrets_masked(&shown);
});

/// The message names the key and at most a line and a column: digits aside, it is one of the
/// fixed texts, so nothing of the configuration can be in it.
fn check_message(which: AddressPlace, message: &str) {
    let key = match which {
        AddressPlace::TowerSecret => "configuration.yaml",
        AddressPlace::KubesphereConfig => "kubesphere.yaml",
        AddressPlace::KsInstaller => "spec.multicluster",
    };
    let shape: String = message
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect::<String>()
        .replace("##", "#")
        .replace("##", "#")
        .replace("##", "#")
        .replace("##", "#");
    let mut known = vec![
        format!("{key} is not valid YAML (error at line #, column #)"),
        format!("{key} is not valid YAML"),
        format!(
            "{key} has a key that is a mapping or a tagged value, which cannot be written back"
        ),
    ];
    for kind in ["boolean", "number", "string", "list", "tagged value"] {
        known.push(format!(
            "{key} holds a YAML {kind} where a mapping of settings belongs"
        ));
    }
    assert!(known.contains(&shape), "unexpected message: {message}");
}

/// `after` is `before` with `key` set: every other key in its place with its value, `key`
/// where it was or last.
fn only_changed(before: &Mapping, after: &Mapping, key: &str) {
    let key = Yaml::from(key);
    let mut expected: Vec<&Yaml> = before.keys().collect();
    if !before.contains_key(&key) {
        expected.push(&key);
    }
    let keys: Vec<&Yaml> = after.keys().collect();
    assert_eq!(keys, expected, "keys moved, went or came");
    for (k, v) in before {
        if *k != key {
            assert_eq!(after.get(k), Some(v), "{k:?} changed");
        }
    }
}

fn all_secrets_masked(value: &Yaml) {
    match value {
        Yaml::Mapping(map) => {
            for (k, v) in map {
                let secret = k.as_str().is_some_and(|k| {
                    let k = k.to_ascii_lowercase();
                    ["secret", "token", "password", "passwd", "credential"]
                        .iter()
                        .any(|w| k.contains(w))
                        || k.ends_with("key")
                });
                if secret {
                    assert_eq!(v.as_str(), Some("••••"), "{k:?} is shown");
                } else {
                    all_secrets_masked(v);
                }
            }
        }
        Yaml::Sequence(items) => items.iter().for_each(all_secrets_masked),
        _ => {}
    }
}

/// tower is a Go program: a YAML 1.1 reader of the rendered text gets the same settings
/// (checked where they have a JSON form: string keys, no tags; numbers as numbers).
fn yaml_1_1_reads_the_same(config: &Mapping, rendered: &str) {
    // Tags, and floats JSON has no form for (.nan, .inf), are left out.
    fn tagged(value: &Yaml) -> bool {
        match value {
            Yaml::Tagged(_) => true,
            Yaml::Number(n) => n.as_f64().is_some_and(|f| !f.is_finite()),
            Yaml::Sequence(items) => items.iter().any(tagged),
            Yaml::Mapping(map) => map.iter().any(|(k, v)| tagged(k) || tagged(v)),
            _ => false,
        }
    }
    fn plain_numbers(value: Value) -> Value {
        match value {
            Value::Number(n) => json!(n.as_f64()),
            Value::Array(items) => Value::Array(items.into_iter().map(plain_numbers).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, plain_numbers(v)))
                    .collect(),
            ),
            other => other,
        }
    }
    let keys_are_strings = |map: &Mapping| map.keys().all(Yaml::is_string);
    fn all_string_keys(value: &Yaml, ok: &dyn Fn(&Mapping) -> bool) -> bool {
        match value {
            Yaml::Mapping(map) => ok(map) && map.values().all(|v| all_string_keys(v, ok)),
            Yaml::Sequence(items) => items.iter().all(|v| all_string_keys(v, ok)),
            _ => true,
        }
    }
    let whole = Yaml::Mapping(config.clone());
    if tagged(&whole) || !all_string_keys(&whole, &keys_are_strings) {
        return;
    }
    let Ok(expected) = serde_json::to_value(config) else {
        return;
    };
    let node = onboard_core::kubeconfig::yaml11::parse_first_document(rendered)
        .unwrap_or_else(|e| panic!("a YAML 1.1 reader cannot read it: {e:?}\n{rendered}"));
    let read: Value = match node {
        Some(node) => serde::Deserialize::deserialize(node)
            .unwrap_or_else(|e| panic!("a YAML 1.1 reader cannot read it: {e}\n{rendered}")),
        None => json!({}),
    };
    assert_eq!(
        plain_numbers(read),
        plain_numbers(expected),
        "a YAML 1.1 reader reads other settings:\n{rendered}"
    );
}
