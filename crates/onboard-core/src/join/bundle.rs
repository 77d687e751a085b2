//! The offline bundle: everything for a join done by hand, for a member that can only be
//! reached from inside its own network. One folder with agent.yaml, the images the member
//! needs and a script to mirror them, a README with the manual steps (the documentation's
//! `kubectl create -f agent.yaml`), and SHA256SUMS over the rest.
//!
//! The join token stays out unless asked for: agent.yaml then holds a placeholder, and the
//! README says how to put the token in on the member. With the token, agent.yaml is written
//! owner-only and the outcome says so. Registry passwords are never written.

use super::agent::AgentManifest;
use super::airgap::{self, NeededImage};
use crate::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// What agent.yaml holds instead of the token when the token is left out.
pub const TOKEN_PLACEHOLDER: &str = "__JOIN_TOKEN__";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BundleFile {
    pub name: String,
    pub sha256: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// Readable by the owner only (agent.yaml with the token).
    pub owner_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BundleOutcome {
    pub cluster: String,
    pub dir: String,
    /// agent.yaml carries the join token: handle the folder as a credential.
    pub token_included: bool,
    pub files: Vec<BundleFile>,
    pub images: Vec<NeededImage>,
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the bundle for `manifest` into `dir` (created; must be empty if it exists).
pub fn write(dir: &Path, manifest: &AgentManifest, include_token: bool) -> Result<BundleOutcome> {
    if dir.is_file() {
        return Err(Error::invalid_input(format!("{} is a file", dir.display()))
            .with_hint("name a folder for the bundle (it is created when missing)"));
    }
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(
            Error::invalid_input(format!("{} is not empty", dir.display()))
                .with_hint("choose a new or empty folder: the bundle never replaces files"),
        );
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, &e))?;
    let view = manifest.view();
    let yaml = if include_token {
        manifest.yaml()
    } else {
        view.yaml.replace(super::agent::MASK, TOKEN_PLACEHOLDER)
    };
    let images = view.needed_images.clone();
    let image_list: String = images
        .iter()
        .map(|i| format!("{}\t{}\t{}\n", i.mirror, i.source, i.used_by))
        .collect();
    let files: Vec<(&str, String, u32)> = vec![
        (
            "agent.yaml",
            yaml,
            if include_token { 0o600 } else { 0o644 },
        ),
        (
            "images.txt",
            format!("# image the member pulls\tpublic source\tused by\n{image_list}"),
            0o644,
        ),
        ("mirror-images.sh", airgap::mirror_script(&images), 0o755),
        ("README.md", readme(manifest, &view, include_token), 0o644),
    ];
    let mut written = Vec::new();
    let mut sums = String::new();
    for (name, text, mode) in &files {
        let path = dir.join(name);
        write_file(&path, text.as_bytes(), *mode)?;
        let sha256 = hex(text.as_bytes());
        sums.push_str(&format!("{sha256}  {name}\n"));
        written.push(BundleFile {
            name: name.to_string(),
            sha256,
            bytes: text.len() as u64,
            owner_only: *mode == 0o600,
        });
    }
    write_file(&dir.join("SHA256SUMS"), sums.as_bytes(), 0o644)?;
    Ok(BundleOutcome {
        cluster: manifest.cluster.clone(),
        dir: std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string(),
        token_included: include_token,
        files: written,
        images,
    })
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    if mode == 0o600 {
        return crate::locked_file::write(path, bytes);
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("write", path, &e))?;
    set_mode(path, mode)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("set permissions of", path, &e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

fn readme(
    manifest: &AgentManifest,
    view: &super::agent::ManifestView,
    include_token: bool,
) -> String {
    let cluster = &manifest.cluster;
    let mut steps = vec![
        "On a machine that reaches docker.io and the mirror, copy the images: `sh mirror-images.sh` (skopeo, or docker when skopeo is missing). `images.txt` lists them.".to_string(),
        "Copy this folder to a machine that reaches the member's API server (a member node, for example) and check it arrived whole: `sha256sum -c SHA256SUMS`.".to_string(),
    ];
    if include_token {
        steps.push("agent.yaml holds the join credential and grants cluster-admin to the agent: keep the folder private and delete it when the cluster is Ready.".into());
    } else {
        steps.push(format!(
            "Put the join token into agent.yaml. On the host: `kubectl get cluster {cluster} -o jsonpath='{{.spec.connection.token}}'`; on the member: `sed -i \"s/{TOKEN_PLACEHOLDER}/$TOKEN/\" agent.yaml` with TOKEN set to it."
        ));
    }
    steps.push("Create the agent: `kubectl create -f agent.yaml`.".into());
    if let Some(mirror) = &view.mirror {
        for secret in &mirror.pull_secrets {
            steps.push(format!(
                "If the member has no pull secret {secret} yet, create it (the password is not in this bundle): `kubectl -n kubesphere-system create secret docker-registry {secret} --docker-server={} --docker-username=USER --docker-password=\"$REGISTRY_PASSWORD\"`.",
                mirror.registry.split('/').next().unwrap_or(&mirror.registry)
            ));
        }
    }
    steps.push(format!("Watch the agent start: `kubectl -n kubesphere-system get pods -l app=agent -w`; on the host, `kubectl get cluster {cluster} -w` until READY is True (`ks-onboard-cli cluster status {cluster} -w` explains what is wrong)."));
    let numbered: String = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}\n", i + 1))
        .collect();
    let registry = view
        .mirror
        .as_ref()
        .map_or("docker.io (no mirror)".to_string(), |m| m.registry.clone());
    format!(
        "# Joining {cluster} by hand\n\n\
         Written by Onboard for KubeSphere for a member that the app cannot reach. The member \
         pulls from {registry}; the agent dials tower at {}.\n\n{numbered}\n\
         Files: agent.yaml (the agent's Namespace, ServiceAccount, ClusterRoleBinding and \
         Deployment, as tower gives them{}), images.txt, mirror-images.sh, SHA256SUMS.\n",
        view.proxy_server.as_deref().unwrap_or("the proxy address"),
        if include_token {
            "; the join token included"
        } else {
            "; the token left out"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::agent::{template, ManifestSource, DEFAULT_AGENT_IMAGE};
    use super::super::airgap::Mirror;
    use super::*;

    fn manifest(token: &str) -> AgentManifest {
        let documents = template(
            "member",
            token,
            "http://139.198.120.120:8080",
            DEFAULT_AGENT_IMAGE,
            false,
        );
        let text = super::super::agent::print(&documents);
        let mut manifest =
            AgentManifest::from_yaml("member", ManifestSource::TowerExtension, &text).unwrap();
        manifest.ks_version = Some("v4.1.3".into());
        manifest.use_mirror(Mirror {
            registry: "mirror.local:5000".into(),
            pull_secrets: vec!["mirror-pull".into()],
        });
        manifest
    }

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn without_the_token_the_bundle_has_a_placeholder_and_checksums_that_verify() {
        let token = "a1".repeat(32);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle");
        let outcome = write(&out, &manifest(&token), false).unwrap();
        assert!(!outcome.token_included);
        let agent = read(&out, "agent.yaml");
        assert!(agent.contains(&format!("--token={TOKEN_PLACEHOLDER}")));
        assert!(agent.contains("mirror.local:5000/kubesphere/tower:v0.2.1"));
        for name in [
            "agent.yaml",
            "images.txt",
            "mirror-images.sh",
            "README.md",
            "SHA256SUMS",
        ] {
            assert!(!read(&out, name).contains(&token), "{name} holds the token");
        }
        let sums = read(&out, "SHA256SUMS");
        for file in &outcome.files {
            assert_eq!(hex(read(&out, &file.name).as_bytes()), file.sha256);
            assert!(sums.contains(&format!("{}  {}\n", file.sha256, file.name)));
        }
        assert!(read(&out, "README.md").contains(
            "create secret docker-registry mirror-pull --docker-server=mirror.local:5000"
        ));
        assert!(read(&out, "images.txt").contains("mirror.local:5000/kubesphere/ks-apiserver:v4.1.3\tdocker.io/kubesphere/ks-apiserver:v4.1.3\tks-core"));
        assert!(
            write(&out, &manifest(&token), false).is_err(),
            "a bundle never replaces files"
        );
    }

    #[cfg(unix)]
    #[test]
    fn with_the_token_agent_yaml_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let token = "b2".repeat(32);
        let dir = tempfile::tempdir().unwrap();
        let outcome = write(dir.path(), &manifest(&token), true).unwrap();
        assert!(outcome.token_included);
        assert!(read(dir.path(), "agent.yaml").contains(&format!("--token={token}")));
        let mode = |name: &str| {
            std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("agent.yaml"), 0o600);
        assert_eq!(mode("mirror-images.sh"), 0o755);
        assert!(outcome
            .files
            .iter()
            .any(|f| f.name == "agent.yaml" && f.owner_only));
    }
}
