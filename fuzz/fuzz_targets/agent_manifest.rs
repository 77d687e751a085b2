//! agent.yaml as the host gives it (`AgentManifest::from_yaml`), what the page shows of it
//! (`view`, `mask`), and the air-gap rewrite to a mirror (`airgap::rewrite`, `mirrored`,
//! `config_with`, `mirror_in_config`).
//!
//! Input: `REGISTRY\nSECRET\nSECRET…` NUL `MANIFEST`; without a NUL the whole input is the
//! manifest and no mirror is used. The manifest text is also used as a Cluster Configuration.
//! Invariants:
//! - a manifest that cannot be read fails with a fixed message that quotes nothing of it;
//! - the view never holds the join token, neither in its text nor in any string of the YAML
//!   it shows (escaped forms included);
//! - the YAML exported for `kubectl create -f` reads back to the same objects and token;
//! - the rewrite points every image at the mirror keeping its repository path, tag and
//!   digest, adds each pull secret once, and is idempotent;
//! - `config_with` then `mirror_in_config` gives the mirror back and keeps every other key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onboard_core::join::agent::{self, AgentManifest, ManifestSource};
use onboard_core::join::airgap::{self, Mirror};
use onboard_core::kubeconfig::yaml11;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (mirror, manifest_text) = match text.split_once('\0') {
        Some((header, rest)) => {
            let mut lines = header.split('\n');
            let registry = lines.next().unwrap_or_default().to_string();
            let pull_secrets = lines.map(str::to_string).collect();
            (
                Some(Mirror {
                    registry,
                    pull_secrets,
                }),
                rest,
            )
        }
        None => (None, text),
    };
    if let Some(mirror) = &mirror {
        check_config(manifest_text, mirror);
    }
    let manifest =
        match AgentManifest::from_yaml("member", ManifestSource::TowerExtension, manifest_text) {
            Ok(manifest) => manifest,
            Err(error) => {
                assert!(
                    [
                        "the agent manifest from the host is not valid YAML",
                        "the agent manifest from the host holds no objects"
                    ]
                    .contains(&error.message.as_str()),
                    "{}",
                    error.message
                );
                return;
            }
        };
    check_view(&manifest);
    check_export(&manifest);
    if let Some(mirror) = mirror {
        check_rewrite(&manifest, &mirror);
    }
});

fn token(documents: &[Value]) -> String {
    agent::agent_flag(documents, "--token").unwrap_or_default()
}

/// Every string of `value`, keys included.
fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k);
                strings(v, out);
            }
        }
        _ => {}
    }
}

fn check_view(manifest: &AgentManifest) {
    let token = token(&manifest.documents);
    assert_eq!(manifest.token_is(&token), !token.is_empty());
    let view = manifest.view();
    assert_eq!(view.objects.len(), manifest.documents.len());
    assert_eq!(
        view.proxy_server,
        agent::agent_flag(&manifest.documents, "--proxy-server")
    );
    // A token made of the mask's own dots cannot be told from the mask; tower's are hex.
    if token.is_empty() || token.contains('•') {
        return;
    }
    assert!(
        !view.yaml.contains(&token),
        "the token is in the view:\n{}",
        view.yaml
    );
    // What a reader of the view's YAML gets: no string holds the token, however the YAML
    // writer quoted or escaped it.
    for document in serde_yaml::Deserializer::from_str(&view.yaml) {
        let Ok(value) = <Value as serde::Deserialize>::deserialize(document) else {
            return;
        };
        let mut all = Vec::new();
        strings(&value, &mut all);
        for s in all {
            assert!(
                !s.contains(&token),
                "the view's YAML holds the token in {s:?}:\n{}",
                view.yaml
            );
        }
    }
}

/// The YAML `kubectl create -f` gets reads back to the same objects and token, here and
/// under YAML 1.1 as kubectl reads it (numbers compared as numbers: the readers differ on
/// integers beyond 64 bits, which no manifest has).
fn check_export(manifest: &AgentManifest) {
    let yaml = manifest.yaml();
    let again = AgentManifest::from_yaml("member", ManifestSource::TowerExtension, &yaml)
        .unwrap_or_else(|e| panic!("the exported YAML does not read back: {e:?}\n{yaml}"));
    assert_eq!(again.documents, manifest.documents, "{yaml}");
    assert_eq!(token(&again.documents), token(&manifest.documents));
    let mut documents = Vec::new();
    let mut current = String::new();
    for line in yaml.split_inclusive('\n') {
        if line == "---\n" {
            documents.push(std::mem::take(&mut current));
        } else {
            current.push_str(line);
        }
    }
    documents.push(current);
    assert_eq!(documents.len(), manifest.documents.len(), "{yaml}");
    for (text, expected) in documents.iter().zip(&manifest.documents) {
        let node = yaml11::parse_first_document(text)
            .unwrap_or_else(|e| panic!("kubectl could not read the export: {e:?}\n{text}"));
        let read: Value = match node {
            Some(node) => serde::Deserialize::deserialize(node)
                .unwrap_or_else(|e| panic!("kubectl could not read the export: {e}\n{text}")),
            None => Value::Null,
        };
        assert_eq!(
            numbers_as_f64(read),
            numbers_as_f64(expected.clone()),
            "YAML 1.1 reads another object:\n{text}"
        );
    }
}

fn numbers_as_f64(value: Value) -> Value {
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_f64(v)))
                .collect(),
        ),
        other => other,
    }
}

fn images(documents: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for document in documents {
        let spec = match document["kind"].as_str() {
            Some("Pod") => &document["spec"],
            Some("Deployment" | "DaemonSet" | "StatefulSet" | "Job" | "ReplicaSet") => {
                &document["spec"]["template"]["spec"]
            }
            _ => continue,
        };
        for list in ["initContainers", "containers"] {
            for container in spec[list].as_array().into_iter().flatten() {
                if let Some(image) = container["image"].as_str() {
                    out.push(image.to_string());
                }
            }
        }
    }
    out
}

/// The registry a container runtime pulls `image` from (docker's reference rule).
fn domain(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            first
        }
        _ => "docker.io",
    }
}

fn check_rewrite(manifest: &AgentManifest, mirror: &Mirror) {
    let before = images(&manifest.documents);
    let mut documents = manifest.documents.clone();
    airgap::rewrite(&mut documents, mirror);
    let after = images(&documents);
    assert_eq!(before.len(), after.len());
    let prefix = format!("{}/", mirror.registry);
    for (from, to) in before.iter().zip(&after) {
        assert_eq!(to, &airgap::mirrored(from, &mirror.registry));
        assert!(to.starts_with(&prefix), "{from} → {to}");
        // The repository's last component with its tag and digest are kept.
        let last = from.rsplit('/').next().unwrap_or_default();
        assert!(to.ends_with(last), "{from} → {to} lost {last}");
        assert_eq!(
            airgap::mirrored(to, &mirror.registry),
            *to,
            "mirrored is not idempotent"
        );
        if airgap::check_registry(&mirror.registry).as_deref() == Ok(mirror.registry.as_str()) {
            let host = mirror.registry.split('/').next().unwrap_or_default();
            assert_eq!(
                domain(to),
                host,
                "a runtime pulls {to} from {} instead of the mirror",
                domain(to)
            );
        }
    }
    let mut again = documents.clone();
    assert!(
        airgap::rewrite(&mut again, mirror).is_empty(),
        "a second rewrite changed images"
    );
    assert_eq!(again, documents, "a second rewrite changed the documents");
}

/// `config_with` then `mirror_in_config` gives the mirror back; every other key is kept.
fn check_config(config: &str, mirror: &Mirror) {
    let Ok(written) = airgap::config_with(config, mirror) else {
        return;
    };
    let registry = mirror.registry.trim();
    let expected = (!registry.is_empty() && registry != airgap::PUBLIC_REGISTRY).then(|| Mirror {
        registry: registry.to_string(),
        pull_secrets: mirror.pull_secrets.clone(),
    });
    assert_eq!(airgap::mirror_in_config(&written), expected, "{written}");
    let parse = |text: &str| -> serde_yaml::Mapping {
        match serde_yaml::from_str::<serde_yaml::Value>(text) {
            Ok(serde_yaml::Value::Mapping(map)) => map,
            _ => serde_yaml::Mapping::new(),
        }
    };
    let (mut old, mut new) = (parse(config), parse(&written));
    let old_global = old.remove("global");
    let new_global = new.remove("global");
    assert_eq!(old, new, "keys beside global changed:\n{written}");
    let mut old_global = old_global
        .and_then(|g| g.as_mapping().cloned())
        .unwrap_or_default();
    let mut new_global = new_global
        .and_then(|g| g.as_mapping().cloned())
        .unwrap_or_default();
    for key in ["imageRegistry", "imagePullSecrets"] {
        old_global.remove(key);
        new_global.remove(key);
    }
    assert_eq!(old_global, new_global, "keys in global changed:\n{written}");
}
