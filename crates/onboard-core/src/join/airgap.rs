//! Joining a member that cannot reach public registries. Two things pull images there
//! (../shared/KUBESPHERE-FACTS.md §7): the agent from agent.yaml (`kubesphere/tower:v0.2.1`
//! from docker.io whatever the Cluster Configuration says; KubeSphere's own fix is
//! `multicluster.agentImage` on the host), and the ks-core release the host installs into
//! the member, whose images come from `global.imageRegistry` and whose pods use
//! `global.imagePullSecrets` (KubeSphere `config/ks-core/values.yaml`, `templates/ks-agent.yaml`).
//!
//! The Cluster Configuration is where the user says which mirror the member uses, so it is
//! also what the agent's images are rewritten to: one setting, both pullers. The pull
//! secret's credentials live in the OS keyring ([`credentials_key`]) and become a
//! `kubernetes.io/dockerconfigjson` Secret in `kubesphere-system` on the member, never a
//! file and never a value shown.

use super::agent::AgentManifest;
use crate::vault::{ExposeSecret, SecretStore, SecretString};
use crate::{Error, Result};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use serde_yaml::{Mapping, Value as Yaml};

/// KubeSphere's public registry: the Cluster Configuration's default.
pub const PUBLIC_REGISTRY: &str = "docker.io";
/// Where the ks-core release and the agent run on the member.
pub const NAMESPACE: &str = "kubesphere-system";
/// The ks-core chart's hook image (`kubectl.image`, `nodeShell.image` in its values).
const KUBECTL_IMAGE: &str = "kubesphere/kubectl:v1.27.16";

/// The mirror a member pulls from, as the Cluster Configuration says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Mirror {
    /// `host[:port][/path]`, e.g. `mirror.local:5000`.
    pub registry: String,
    /// imagePullSecrets names in `kubesphere-system` on the member.
    pub pull_secrets: Vec<String>,
}

/// One image the member needs, where it comes from and where the member pulls it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NeededImage {
    /// The public reference (docker.io).
    pub source: String,
    /// What the member pulls.
    pub mirror: String,
    /// `agent` or `ks-core`.
    pub used_by: String,
}

/// Registry credentials as kept in the OS keyring (JSON), never serialized elsewhere.
#[derive(Clone, Serialize, Deserialize)]
pub struct RegistryCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("username", &self.username)
            .field("password", &super::agent::MASK)
            .finish()
    }
}

/// The keyring entry of a registry's credentials.
pub fn credentials_key(registry: &str) -> String {
    format!("registry/{registry}")
}

/// Checks a registry as the user typed it: `host[:port][/path]`, no scheme, no tag.
///
/// The host needs a dot or a port, or must be `localhost`: otherwise a container runtime
/// reads `harbor/ks/kubesphere/tower` as docker.io's `harbor` namespace and never asks the
/// mirror. The path is repository components (lower-case letters and digits joined by `.`,
/// `_`, `__` or dashes), so no space, newline or credential gets into an image reference or
/// into the Cluster Configuration. The fuzz target's oracle (fuzz/fuzz_targets/cluster_form.rs)
/// found the host rule missing (`s` was accepted) and checks both.
pub fn check_registry(registry: &str) -> Result<String> {
    let registry = registry.trim().trim_end_matches('/');
    let mut parts = registry.split('/');
    let host = parts.next().unwrap_or_default();
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && (host.contains(['.', ':']) || host == "localhost");
    if registry.contains("://") || !valid_host || !parts.all(is_path_component) {
        return Err(
            Error::invalid_input(format!("\"{registry}\" is not a registry address")).with_hint(
                "write it as host[:port][/path], the host with a dot or a port (or localhost), the path in lower case, without http:// — e.g. mirror.local:5000",
            ),
        );
    }
    Ok(registry.to_string())
}

/// One repository path component (distribution's reference grammar):
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(component: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let edges = component.starts_with(alphanumeric) && component.ends_with(alphanumeric);
    edges
        && component.split(alphanumeric).all(|separator| {
            matches!(separator, "" | "." | "_" | "__") || separator.bytes().all(|b| b == b'-')
        })
}

/// Checks a pull secret name (a Kubernetes object name, DNS-1123 subdomain).
pub fn check_secret_name(name: &str) -> Result<String> {
    let valid =
        !name.is_empty() && name.len() <= 253 && name.split('.').all(super::form::is_dns_label);
    if valid {
        Ok(name.to_string())
    } else {
        Err(Error::invalid_input(format!("\"{name}\" is not a valid Secret name"))
            .with_hint("use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"))
    }
}

fn split_registry(image: &str) -> (&str, &str) {
    match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (PUBLIC_REGISTRY, image),
    }
}

/// `image` as pulled from `registry`, keeping its repository path, tag and digest:
/// `kubesphere/tower:v0.2.1` → `mirror.local:5000/kubesphere/tower:v0.2.1`, `busybox` →
/// `mirror.local:5000/library/busybox`. An image already on `registry` is left alone.
pub fn mirrored(image: &str, registry: &str) -> String {
    if image.starts_with(&format!("{registry}/")) {
        return image.to_string();
    }
    let (from, path) = split_registry(image);
    let path = if from == PUBLIC_REGISTRY && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    format!("{registry}/{path}")
}

/// The fully qualified public reference (`docker.io/kubesphere/tower:v0.2.1`).
pub fn qualified(image: &str) -> String {
    let (registry, path) = split_registry(image);
    if registry == PUBLIC_REGISTRY && !path.contains('/') {
        format!("{PUBLIC_REGISTRY}/library/{path}")
    } else {
        format!("{registry}/{path}")
    }
}

/// The pod spec of a workload, when it has one. Looked up without `value[key]` on a mutable
/// value: that panics when a level is not a mapping (a Deployment whose `spec` is a string
/// crashed `rewrite`, found by fuzzing), and inserts nulls where a level is missing.
fn pod_specs(document: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let path: &[&str] = match document.get("kind")?.as_str()? {
        "Pod" => &["spec"],
        "Deployment" | "DaemonSet" | "StatefulSet" | "Job" | "ReplicaSet" => {
            &["spec", "template", "spec"]
        }
        _ => return None,
    };
    path.iter()
        .try_fold(document, |value, key| value.get_mut(*key))?
        .as_object_mut()
}

/// Points every container and init container of `documents` at `mirror` and adds its pull
/// secrets to each pod template. Returns the images changed (from, to).
pub fn rewrite(documents: &mut [Value], mirror: &Mirror) -> Vec<(String, String)> {
    let mut changed = Vec::new();
    for document in documents.iter_mut() {
        let Some(spec) = pod_specs(document) else {
            continue;
        };
        for list in ["initContainers", "containers"] {
            let containers = spec.get_mut(list).and_then(Value::as_array_mut);
            for container in containers.into_iter().flatten() {
                let Some(container) = container.as_object_mut() else {
                    continue;
                };
                let Some(image) = container.get("image").and_then(Value::as_str) else {
                    continue;
                };
                let image = image.to_string();
                let to = mirrored(&image, &mirror.registry);
                if to != image {
                    container.insert("image".into(), json!(to));
                    changed.push((image, to));
                }
            }
        }
        if !mirror.pull_secrets.is_empty() {
            let mut secrets: Vec<Value> = spec
                .get("imagePullSecrets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for name in &mirror.pull_secrets {
                if !secrets.iter().any(|s| s["name"] == name.as_str()) {
                    secrets.push(json!({"name": name}));
                }
            }
            spec.insert("imagePullSecrets".into(), json!(secrets));
        }
    }
    changed
}

fn parse_config(config: &str) -> Result<Mapping> {
    if config.trim().is_empty() {
        return Ok(Mapping::new());
    }
    match serde_yaml::from_str::<Yaml>(config) {
        Ok(Yaml::Mapping(map)) => Ok(map),
        Ok(Yaml::Null) => Ok(Mapping::new()),
        _ => Err(
            Error::invalid_input("the Cluster Configuration is not a YAML mapping")
                .with_hint("fix the Cluster Configuration first; its problems are shown under it"),
        ),
    }
}

/// The mirror a Cluster Configuration names; `None` for KubeSphere's public registry.
pub fn mirror_in_config(config: &str) -> Option<Mirror> {
    let map = parse_config(config).ok()?;
    let global = map.get("global")?;
    let registry = global
        .get("imageRegistry")
        .and_then(Yaml::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty() && *r != PUBLIC_REGISTRY)?;
    let pull_secrets = global
        .get("imagePullSecrets")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("name").and_then(Yaml::as_str).map(str::to_string))
        .collect();
    Some(Mirror {
        registry: registry.to_string(),
        pull_secrets,
    })
}

/// The mirror the Cluster object's `spec.config` (base64 YAML) names.
pub fn mirror_of_cluster(cluster: &Value) -> Option<Mirror> {
    let config = cluster["spec"]["config"].as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(config)
        .ok()?;
    mirror_in_config(&String::from_utf8(decoded).ok()?)
}

/// `config` with `global.imageRegistry` (and `global.imagePullSecrets` when a secret is
/// named) set for `mirror`; every other key kept. The console's default text is replaced by
/// a commented one of the same shape, since comments do not survive a YAML round trip.
pub fn config_with(config: &str, mirror: &Mirror) -> Result<String> {
    let mut map = parse_config(config)?;
    let global_key = Yaml::from("global");
    let mut global = match map.remove(&global_key) {
        Some(Yaml::Mapping(global)) => global,
        Some(Yaml::Null) | None => Mapping::new(),
        Some(_) => {
            return Err(Error::invalid_input(
                "global in the Cluster Configuration is not a mapping",
            )
            .with_hint(
                "global holds keys such as imageRegistry: fix it, then choose the mirror again",
            ))
        }
    };
    global.insert("imageRegistry".into(), Yaml::from(mirror.registry.as_str()));
    if mirror.pull_secrets.is_empty() {
        global.remove("imagePullSecrets");
    } else {
        let names = mirror
            .pull_secrets
            .iter()
            .map(|n| {
                let mut entry = Mapping::new();
                entry.insert("name".into(), Yaml::from(n.as_str()));
                Yaml::Mapping(entry)
            })
            .collect();
        global.insert("imagePullSecrets".into(), Yaml::Sequence(names));
    }
    // The registry goes into a comment only when it cannot end the comment's line: a line
    // break in it would turn the rest into YAML (found by fuzzing; check_registry refuses such
    // registries, this keeps the document whole whatever it is given).
    let plain = !mirror
        .registry
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
    let only_global = map.is_empty() && global.len() <= 2 && plain;
    map.insert(global_key, Yaml::Mapping(global));
    // Helm reads the values as YAML 1.1: a pull secret named "yes" must stay a string.
    let text = crate::kubeconfig::yaml11::to_string(&map).map_err(|e| {
        Error::new(
            crate::ErrorKind::Internal,
            format!("could not write the configuration: {e}"),
        )
    })?;
    if only_global {
        Ok(format!(
            "# Images for this member come from the mirror registry {} (air-gapped).\n{text}",
            mirror.registry
        ))
    } else {
        Ok(text)
    }
}

/// The images the join makes the member pull: the agent's, then ks-core's at the host's
/// KubeSphere version (`global.tag`; left out when the version is not known).
pub fn needed_images(
    agent_images: &[String],
    ks_version: Option<&str>,
    registry: &str,
) -> Vec<NeededImage> {
    let prefix = format!("{registry}/");
    let public = |image: &str| qualified(image.strip_prefix(&prefix).unwrap_or(image));
    let mut images: Vec<NeededImage> = agent_images
        .iter()
        .map(|image| NeededImage {
            source: public(image),
            mirror: mirrored(image, registry),
            used_by: "agent".into(),
        })
        .collect();
    let ks_core = ks_version.map(|version| {
        [
            format!("kubesphere/ks-apiserver:{version}"),
            format!("kubesphere/ks-controller-manager:{version}"),
            KUBECTL_IMAGE.to_string(),
        ]
    });
    for image in ks_core.into_iter().flatten() {
        images.push(NeededImage {
            source: qualified(&image),
            mirror: mirrored(&image, registry),
            used_by: "ks-core".into(),
        });
    }
    images.dedup_by(|a, b| a.mirror == b.mirror);
    images
}

/// A script to run on a connected machine that copies every image to the mirror, with
/// skopeo (multi-arch, digests kept), and the docker lines for machines without it.
pub fn mirror_script(images: &[NeededImage]) -> String {
    let images: Vec<&NeededImage> = images
        .iter()
        .filter(|i| qualified(&i.mirror) != i.source)
        .collect();
    if images.is_empty() {
        return "#!/bin/sh\n# The member pulls from docker.io itself: there is nothing to mirror.\n".into();
    }
    let mut script = String::from(
        "#!/bin/sh\n\
         # Copies the images this member needs into its mirror registry. Run it on a machine\n\
         # that reaches both docker.io and the mirror, logged in to the mirror\n\
         # (`skopeo login MIRROR` or `docker login MIRROR`).\n\
         set -eu\n\n\
         if command -v skopeo >/dev/null 2>&1; then\n",
    );
    for image in &images {
        script.push_str(&format!(
            "  skopeo copy --all docker://{} docker://{}\n",
            image.source, image.mirror
        ));
    }
    script.push_str("else\n");
    for image in &images {
        script.push_str(&format!(
            "  docker pull {src}\n  docker tag {src} {dst}\n  docker push {dst}\n",
            src = image.source,
            dst = image.mirror
        ));
    }
    script.push_str("fi\n");
    script
}

/// The credentials saved for `registry` in the OS keyring, if any.
pub fn saved_credentials(
    vault: &dyn SecretStore,
    registry: &str,
) -> Result<Option<RegistryCredentials>> {
    match vault.get(&credentials_key(registry)) {
        Ok(secret) => serde_json::from_str(secret.expose_secret())
            .map(Some)
            .map_err(|_| {
                Error::new(
                    crate::ErrorKind::Internal,
                    format!("the keyring's entry for registry {registry} is not readable"),
                )
                .with_hint(format!("save the credentials for {registry} again"))
            }),
        Err(error) if error.kind == crate::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Saves `credentials` for `registry` in the OS keyring.
pub fn save_credentials(
    vault: &dyn SecretStore,
    registry: &str,
    credentials: &RegistryCredentials,
) -> Result<()> {
    let registry = check_registry(registry)?;
    if credentials.username.is_empty() || credentials.password.is_empty() {
        return Err(
            Error::invalid_input("a registry login needs a user name and a password")
                .with_hint("give both, as `docker login` would ask for them"),
        );
    }
    let text = serde_json::to_string(credentials).unwrap_or_default();
    vault.put(&credentials_key(&registry), &SecretString::from(text))
}

pub fn forget_credentials(vault: &dyn SecretStore, registry: &str) -> Result<()> {
    vault.delete(&credentials_key(registry))
}

/// Gives `manifest` its mirror's first pull secret, built from the credentials saved for
/// the registry; without saved credentials the member must have the Secret already (the
/// apply plan checks). Returns whether one was attached.
pub fn attach_pull_secret(manifest: &mut AgentManifest, vault: &dyn SecretStore) -> Result<bool> {
    let Some(mirror) = manifest.mirror.clone() else {
        return Ok(false);
    };
    let Some(name) = mirror.pull_secrets.first() else {
        return Ok(false);
    };
    match saved_credentials(vault, &mirror.registry)? {
        Some(credentials) => {
            manifest.with_pull_secret(pull_secret(name, &mirror.registry, &credentials));
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The `kubernetes.io/dockerconfigjson` Secret the member's pods pull with.
pub fn pull_secret(name: &str, registry: &str, credentials: &RegistryCredentials) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let host = registry.split('/').next().unwrap_or(registry);
    let auth = b64.encode(format!("{}:{}", credentials.username, credentials.password));
    let config = json!({"auths": {host: {"username": credentials.username, "password": credentials.password, "auth": auth}}});
    json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": name, "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "ks-onboard"}},
        "data": {".dockerconfigjson": b64.encode(config.to_string())}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirror(secrets: &[&str]) -> Mirror {
        Mirror {
            registry: "mirror.local:5000".into(),
            pull_secrets: secrets.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn images_keep_their_path_tag_and_digest_on_the_mirror() {
        let r = "mirror.local:5000";
        assert_eq!(
            mirrored("kubesphere/tower:v0.2.1", r),
            "mirror.local:5000/kubesphere/tower:v0.2.1"
        );
        assert_eq!(
            mirrored("docker.io/kubesphere/tower:v0.2.1", r),
            "mirror.local:5000/kubesphere/tower:v0.2.1"
        );
        assert_eq!(
            mirrored("busybox:1.36", r),
            "mirror.local:5000/library/busybox:1.36"
        );
        assert_eq!(
            mirrored("quay.io/org/app@sha256:0123abcd", r),
            "mirror.local:5000/org/app@sha256:0123abcd"
        );
        assert_eq!(
            mirrored("mirror.local:5000/kubesphere/tower:v0.2.1", r),
            "mirror.local:5000/kubesphere/tower:v0.2.1"
        );
        assert_eq!(
            mirrored("kubesphere/tower:v0.2.1", "harbor.corp/ks"),
            "harbor.corp/ks/kubesphere/tower:v0.2.1"
        );
    }

    #[test]
    fn rewrite_touches_every_container_and_adds_the_pull_secret_once() {
        let mut documents = vec![
            json!({"kind": "Namespace", "metadata": {"name": "kubesphere-system"}}),
            json!({"kind": "Deployment", "spec": {"template": {"spec": {
                "initContainers": [{"name": "init", "image": "busybox"}],
                "containers": [{"name": "agent", "image": "kubesphere/tower:v0.2.1"}],
                "imagePullSecrets": [{"name": "mirror-pull"}]}}}}),
        ];
        let changed = rewrite(&mut documents, &mirror(&["mirror-pull", "other"]));
        assert_eq!(changed.len(), 2);
        let spec = &documents[1]["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"][0]["image"],
            "mirror.local:5000/kubesphere/tower:v0.2.1"
        );
        assert_eq!(
            spec["initContainers"][0]["image"],
            "mirror.local:5000/library/busybox"
        );
        assert_eq!(
            spec["imagePullSecrets"],
            json!([{"name": "mirror-pull"}, {"name": "other"}])
        );
        assert!(
            rewrite(&mut documents, &mirror(&[])).is_empty(),
            "a second rewrite changes nothing"
        );
    }

    #[test]
    fn rewrite_skips_workloads_whose_spec_is_not_a_mapping() {
        // The fuzz target's crash, minimized: mirror `m`, manifest `kind: Deployment\nspec: e`.
        // `document["spec"]["template"]` on a string panicked.
        let mut documents = vec![
            json!({"kind": "Deployment", "spec": "e"}),
            json!({"kind": "Deployment", "spec": {"template": {"spec": [1]}}}),
            json!({"kind": "Pod", "spec": {"containers": ["x", {"image": 1}, {"image": "busybox"}]}}),
            json!({"kind": "Job"}),
        ];
        let before = documents.clone();
        let changed = rewrite(&mut documents, &mirror(&["mirror-pull"]));
        assert_eq!(
            changed,
            [(
                "busybox".to_string(),
                "mirror.local:5000/library/busybox".to_string()
            )]
        );
        assert_eq!(documents[..2], before[..2]);
        assert_eq!(documents[3], before[3], "no pod spec is made up");
        assert_eq!(
            documents[2]["spec"]["imagePullSecrets"],
            json!([{"name": "mirror-pull"}])
        );
        assert!(
            documents[2]["spec"].get("initContainers").is_none(),
            "no null list is added"
        );
    }

    #[test]
    fn a_comment_never_carries_a_line_break_of_the_registry() {
        // The fuzz target's failure, minimized: registry "\u{1}", empty configuration.
        for registry in ["\u{1}", "mirror.local/x\nextra:1", "a\u{2028}b"] {
            let mirror = Mirror {
                registry: registry.into(),
                pull_secrets: vec![],
            };
            let text = config_with("", &mirror).unwrap();
            assert_eq!(mirror_in_config(&text), Some(mirror), "{text:?}");
        }
    }

    #[test]
    fn the_cluster_configuration_names_the_mirror_and_its_secret() {
        let text = config_with(
            super::super::form::DEFAULT_CONFIG,
            &mirror(&["mirror-pull"]),
        )
        .unwrap();
        assert_eq!(mirror_in_config(&text), Some(mirror(&["mirror-pull"])));
        assert!(text.starts_with("# Images"), "{text}");
        let kept = config_with(
            "global:\n  tag: v4.1.3\n  imageRegistry: docker.io\nextra: 1\n",
            &mirror(&[]),
        )
        .unwrap();
        let parsed: Yaml = serde_yaml::from_str(&kept).unwrap();
        assert_eq!(parsed["global"]["tag"], Yaml::from("v4.1.3"));
        assert_eq!(parsed["extra"], Yaml::from(1));
        assert_eq!(
            mirror_in_config(super::super::form::DEFAULT_CONFIG),
            None,
            "docker.io is no mirror"
        );
        assert!(config_with("global: [1]\n", &mirror(&[])).is_err());
        assert!(config_with("- a\n", &mirror(&[])).is_err());
    }

    #[test]
    fn the_cluster_object_s_base64_config_is_read() {
        let config = base64::engine::general_purpose::STANDARD
            .encode("global:\n  imageRegistry: mirror.local:5000\n");
        let cluster = json!({"spec": {"config": config}});
        assert_eq!(mirror_of_cluster(&cluster), Some(mirror(&[])));
        assert_eq!(mirror_of_cluster(&json!({"spec": {}})), None);
    }

    #[test]
    fn registry_and_secret_names_are_checked() {
        assert_eq!(
            check_registry(" mirror.local:5000/ ").unwrap(),
            "mirror.local:5000"
        );
        assert_eq!(check_registry("harbor.corp/ks").unwrap(), "harbor.corp/ks");
        assert_eq!(check_registry("localhost:5000").unwrap(), "localhost:5000");
        assert_eq!(
            check_registry("[::1]:5000/a_b/c-d").unwrap(),
            "[::1]:5000/a_b/c-d"
        );
        for bad in ["http://mirror.local", "", "mirror local", "user@mirror"] {
            assert!(check_registry(bad).is_err(), "{bad}");
        }
        // Found by fuzzing: a runtime reads a host without a dot or a port as a docker.io
        // namespace ("s", "harbor/ks"); a path must be repository components.
        for bad in [
            "s",
            "harbor/ks",
            "mirror.local/a\nb",
            "mirror.local/Ks",
            "mirror.local//x",
            "mirror.local/a..b",
        ] {
            assert!(check_registry(bad).is_err(), "{bad:?}");
        }
        assert!(check_secret_name("mirror-pull").is_ok());
        for bad in ["Mirror", "-x", "a_b", ""] {
            assert!(check_secret_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_image_list_and_script_name_public_and_mirror_references() {
        let images = needed_images(
            &["mirror.local:5000/kubesphere/tower:v0.2.1".into()],
            Some("v4.1.3"),
            "mirror.local:5000",
        );
        let sources: Vec<&str> = images.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(
            sources,
            [
                "docker.io/kubesphere/tower:v0.2.1",
                "docker.io/kubesphere/ks-apiserver:v4.1.3",
                "docker.io/kubesphere/ks-controller-manager:v4.1.3",
                "docker.io/kubesphere/kubectl:v1.27.16",
            ]
        );
        assert_eq!(
            images[0].mirror,
            "mirror.local:5000/kubesphere/tower:v0.2.1"
        );
        let script = mirror_script(&images);
        assert!(script.contains("skopeo copy --all docker://docker.io/kubesphere/tower:v0.2.1 docker://mirror.local:5000/kubesphere/tower:v0.2.1\n"));
        assert!(script.contains("docker push mirror.local:5000/kubesphere/kubectl:v1.27.16\n"));
    }

    #[test]
    fn the_pull_secret_carries_docker_s_config_and_debug_hides_the_password() {
        let credentials = RegistryCredentials {
            username: "sandbox".into(),
            password: "mirror-pass".into(),
        };
        let secret = pull_secret("mirror-pull", "auth-mirror.local:5000", &credentials);
        let data = secret["data"][".dockerconfigjson"].as_str().unwrap();
        let config: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            config["auths"]["auth-mirror.local:5000"]["username"],
            "sandbox"
        );
        assert!(!format!("{credentials:?}").contains("mirror-pass"));
    }
}
