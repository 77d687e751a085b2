//! Which images a cluster's kubelet can pull. Without a policy every image is "already
//! present on machine"; with one (an air-gapped cluster) only the listed registries answer,
//! some only to the credentials of a `kubernetes.io/dockerconfigjson` imagePullSecret.
//! Failure texts follow containerd 1.7 as kubelet reports them in `Failed` events.

use crate::error::Reported;
use base64::Engine;
use serde_json::Value;

/// How a reachable registry lets clients in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryAccess {
    Anonymous,
    Basic { username: String, password: String },
}

/// The registries the cluster's nodes can reach; any other one is unreachable.
#[derive(Debug, Clone, Default)]
pub struct ImagePolicy {
    pub registries: Vec<(String, RegistryAccess)>,
}

/// `docker.io` for short names, else the first path component when it names a host.
pub fn registry_of(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// The fully qualified reference containerd resolves (`docker.io/library/…` for one-word names).
fn qualified(image: &str) -> String {
    let tagged = if image
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains([':', '@']))
    {
        image.to_string()
    } else {
        format!("{image}:latest")
    };
    match (registry_of(image), tagged.contains('/')) {
        ("docker.io", false) => format!("docker.io/library/{tagged}"),
        ("docker.io", true) if !tagged.starts_with("docker.io/") => format!("docker.io/{tagged}"),
        _ => tagged,
    }
}

/// (username, password) per registry from dockerconfigjson Secrets' `.dockerconfigjson`.
pub fn credentials(secrets: &[Value]) -> Vec<(String, String, String)> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut found = Vec::new();
    for secret in secrets {
        let Some(config) = secret["data"][".dockerconfigjson"]
            .as_str()
            .and_then(|d| b64.decode(d).ok())
            .and_then(|d| serde_json::from_slice::<Value>(&d).ok())
        else {
            continue;
        };
        for (registry, entry) in config["auths"].as_object().into_iter().flatten() {
            let from_auth = entry["auth"]
                .as_str()
                .and_then(|a| b64.decode(a).ok())
                .and_then(|a| String::from_utf8(a).ok())
                .and_then(|a| {
                    a.split_once(':')
                        .map(|(u, p)| (u.to_string(), p.to_string()))
                });
            let (user, password) = from_auth.unwrap_or_else(|| {
                let field = |k: &str| entry[k].as_str().unwrap_or_default().to_string();
                (field("username"), field("password"))
            });
            found.push((registry.clone(), user, password));
        }
    }
    found
}

impl ImagePolicy {
    /// Ok, or the error kubelet reports after `Failed to pull image "…": `.
    pub fn pull(
        &self,
        image: &str,
        credentials: &[(String, String, String)],
    ) -> Result<(), Reported> {
        let registry = registry_of(image);
        let reference = qualified(image);
        let path = reference
            .strip_prefix(registry)
            .unwrap_or(&reference)
            .trim_start_matches('/');
        let (repository, tag) = path.rsplit_once(':').unwrap_or((path, "latest"));
        let endpoint = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let manifest = format!("https://{endpoint}/v2/{repository}/manifests/{tag}");
        let unpack = format!("failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\"");
        match self.registries.iter().find(|(r, _)| r == registry) {
            None => {
                let host = endpoint.split(':').next().unwrap_or(endpoint);
                Err(Reported(format!("{unpack}: failed to do request: Head \"{manifest}\": dial tcp: lookup {host}: no such host")))
            }
            Some((_, RegistryAccess::Anonymous)) => Ok(()),
            Some((_, RegistryAccess::Basic { username, password })) => {
                let presented = credentials.iter().any(|(r, u, p)| {
                    r.trim_start_matches("https://") == registry && u == username && p == password
                });
                if presented {
                    Ok(())
                } else {
                    Err(Reported(format!("{unpack}: unexpected status from HEAD request to {manifest}: 401 Unauthorized")))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn air_gapped() -> ImagePolicy {
        ImagePolicy {
            registries: vec![
                ("mirror.local:5000".into(), RegistryAccess::Anonymous),
                (
                    "auth-mirror.local:5000".into(),
                    RegistryAccess::Basic {
                        username: "u".into(),
                        password: "p".into(),
                    },
                ),
            ],
        }
    }

    #[test]
    fn public_images_are_unreachable_and_mirrors_answer() {
        let error = air_gapped()
            .pull("kubesphere/tower:v0.2.1", &[])
            .unwrap_err()
            .0;
        assert!(
            error.starts_with(
                "failed to pull and unpack image \"docker.io/kubesphere/tower:v0.2.1\""
            ),
            "{error}"
        );
        assert!(
            error.ends_with("dial tcp: lookup registry-1.docker.io: no such host"),
            "{error}"
        );
        assert!(air_gapped()
            .pull("mirror.local:5000/kubesphere/tower:v0.2.1", &[])
            .is_ok());
        assert_eq!(qualified("nginx"), "docker.io/library/nginx:latest");
    }

    #[test]
    fn the_authenticating_mirror_wants_the_secret_s_credentials() {
        let image = "auth-mirror.local:5000/kubesphere/tower:v0.2.1";
        assert!(air_gapped()
            .pull(image, &[])
            .unwrap_err()
            .0
            .ends_with("401 Unauthorized"));
        let b64 = base64::engine::general_purpose::STANDARD;
        let config = json!({"auths": {"auth-mirror.local:5000": {"auth": b64.encode("u:p")}}});
        let secret = json!({"data": {".dockerconfigjson": b64.encode(config.to_string())}});
        assert!(air_gapped().pull(image, &credentials(&[secret])).is_ok());
    }
}
