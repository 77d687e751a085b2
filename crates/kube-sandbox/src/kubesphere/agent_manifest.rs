//! `agent.yaml`: the manifest the console offers for a proxy-connected cluster. 4.x: the
//! tower extension's backend (TEXT `pkg/apis/v1alpha1/handler.go` + `options.go`); 3.x:
//! ks-apiserver (KS `release-3.4:pkg/kapis/cluster/v1alpha1/handler.go`). Same address
//! precedence and error texts: configured proxy address → the proxy Service's load balancer
//! ingress → "has no public address".

use super::AddressSource;
use crate::{Objects, ProxyReply};
use base64::Engine;
use serde_json::{json, Value};

const NAMESPACE: &str = "kubesphere-system";

/// The multicluster settings the generator reads.
struct Options {
    address: Option<String>,
    service: String,
    image: String,
}

fn parse_options(
    yaml: &str,
    section: Option<&str>,
    default_image: &str,
) -> Result<Options, String> {
    let config: Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    let options = section.map_or(&config, |s| &config[s]);
    let field = |k: &str| {
        options[k]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(Options {
        address: field("proxyPublishAddress"),
        service: field("proxyPublishService")
            .unwrap_or_else(|| "tower.kubesphere-system.svc".into()),
        image: field("agentImage").unwrap_or_else(|| default_image.into()),
    })
}

/// Where each generation reads its settings: Secret `tower` (`configuration.yaml`, the
/// seed's 4.x extension), ConfigMap `kubesphere-config` (`kubesphere.yaml` → `multicluster`,
/// the public 4.1 extension) or ClusterConfiguration `ks-installer` (3.x; the real chain goes
/// through ks-installer and a ks-apiserver restart, collapsed here).
fn read_options(objects: &Objects<'_>, source: AddressSource) -> Result<Options, String> {
    match source {
        AddressSource::Secret => {
            let secret = objects
                .get("v1", "Secret", NAMESPACE, "tower")
                .ok_or("secrets \"tower\" not found")?;
            let yaml = secret["data"]["configuration.yaml"]
                .as_str()
                .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or("failed to get secret configuration.yaml value")?;
            parse_options(&yaml, None, super::host::TOWER_IMAGE)
        }
        AddressSource::ConfigMap => {
            let map = objects
                .get("v1", "ConfigMap", NAMESPACE, "kubesphere-config")
                .ok_or("configmaps \"kubesphere-config\" not found")?;
            let yaml = map["data"]["kubesphere.yaml"]
                .as_str()
                .ok_or("failed to get configmap kubesphere.yaml value")?;
            parse_options(yaml, Some("multicluster"), super::host::TOWER_IMAGE)
        }
        AddressSource::Installer => {
            let installer = objects
                .get(
                    "installer.kubesphere.io/v1alpha1",
                    "ClusterConfiguration",
                    NAMESPACE,
                    "ks-installer",
                )
                .ok_or(
                    "clusterconfigurations.installer.kubesphere.io \"ks-installer\" not found",
                )?;
            let yaml = serde_yaml::to_string(&installer["spec"]).map_err(|e| e.to_string())?;
            parse_options(&yaml, Some("multicluster"), "kubesphere/tower:v1.0")
        }
    }
}

/// The proxy address: the setting verbatim, else `http://<LB ingress>:<first port>`.
fn proxy_address(objects: &Objects<'_>, options: &Options) -> Result<String, String> {
    if let Some(address) = &options.address {
        return Ok(address.clone());
    }
    let parts: Vec<&str> = options.service.split('.').collect();
    let namespace = parts
        .get(1)
        .filter(|p| !p.is_empty())
        .copied()
        .unwrap_or(NAMESPACE);
    let service = objects
        .get("v1", "Service", namespace, parts[0])
        .ok_or_else(|| format!("service {} not found in namespace {namespace}", parts[0]))?;
    let port = service["spec"]["ports"][0]["port"]
        .as_u64()
        .ok_or_else(|| {
            format!(
                "there are no ports in proxy service {} spec",
                options.service
            )
        })?;
    let mut address = None;
    for ingress in service["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for key in ["hostname", "ip"] {
            if let Some(host) = ingress[key].as_str().filter(|h| !h.is_empty()) {
                address = Some(format!("http://{host}:{port}"));
            }
        }
    }
    address.ok_or_else(|| {
        let s = &options.service;
        format!("cannot generate agent deployment yaml for member cluster  because {s} service has no public address, please check {s} status, or set address  mannually in ClusterConfiguration")
    })
}

/// Go's `url.Parse` refuses a scheme-less `host:port` ("first path segment … colon").
fn check_address(address: &str) -> Result<(), String> {
    let first_segment = address.split('/').next().unwrap_or_default();
    if !address.contains("://") && first_segment.contains(':') {
        return Err(format!(
            "invalid proxy address {address}, should format like http[s]://1.2.3.4:123"
        ));
    }
    Ok(())
}

fn agent_deployment(
    name: &str,
    token: &str,
    address: &str,
    image: &str,
    service_account: &str,
) -> Value {
    let labels = json!({"app": "agent", "app.kubernetes.io/part-of": "tower"});
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"creationTimestamp": null, "name": "cluster-agent", "namespace": NAMESPACE},
        "spec": {"selector": {"matchLabels": labels}, "strategy": {},
            "template": {"metadata": {"creationTimestamp": null, "labels": labels},
                "spec": {"containers": [{
                    "command": ["/agent", format!("--name={name}"), format!("--token={token}"),
                        format!("--proxy-server={address}"), "--keepalive=10s",
                        "--kubesphere-service=ks-apiserver.kubesphere-system.svc:80",
                        "--kubernetes-service=kubernetes.default.svc:443", "--v=0"],
                    "image": image, "name": "agent",
                    "resources": {"limits": {"cpu": "1", "memory": "200M"}, "requests": {"cpu": "100m", "memory": "100M"}}}],
                    "serviceAccountName": service_account}}},
        "status": {}})
}

/// The YAML documents, printed like cli-runtime's YAMLPrinter (`---` between objects).
fn print(objects: &[Value]) -> String {
    objects
        .iter()
        .map(|o| serde_yaml::to_string(o).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The manifest for `cluster`, or the error text and status the real handler answers.
pub fn generate(objects: &Objects<'_>, cluster: &str, source: AddressSource) -> ProxyReply {
    let Some(found) = objects.get("cluster.kubesphere.io/v1alpha1", "Cluster", "", cluster) else {
        return ProxyReply::text(
            500,
            format!("clusters.cluster.kubesphere.io \"{cluster}\" not found"),
        );
    };
    if found["spec"]["connection"]["type"] != "proxy" {
        return ProxyReply::text(
            400,
            format!("cluster {cluster} is not using proxy connection"),
        );
    }
    let settings = read_options(objects, source).and_then(|options| {
        let address = proxy_address(objects, &options)?;
        check_address(&address)?;
        Ok((address, options.image))
    });
    let (address, image) = match settings {
        Ok(found) => found,
        Err(message) => return ProxyReply::text(500, message),
    };
    let token = found["spec"]["connection"]["token"]
        .as_str()
        .unwrap_or_default();
    if source == AddressSource::Installer {
        return ProxyReply::text(
            200,
            print(&[agent_deployment(
                cluster,
                token,
                &address,
                &image,
                "kubesphere",
            )]),
        );
    }
    let documents = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"creationTimestamp": null, "name": NAMESPACE}, "spec": {}, "status": {}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"creationTimestamp": null, "name": "tower", "namespace": NAMESPACE}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"creationTimestamp": null, "name": "tower"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "tower", "namespace": NAMESPACE}]}),
        agent_deployment(cluster, token, &address, &image, "tower"),
    ];
    ProxyReply::text(200, print(&documents))
}

/// The program behind the backend Service: 4.x `tower-backend`, 3.x `ks-apiserver`.
pub struct AgentManifestBackend(pub AddressSource);

impl crate::ServiceBackend for AgentManifestBackend {
    fn get(&self, objects: &Objects<'_>, request: &crate::ProxyRequest<'_>) -> ProxyReply {
        let v3 = self.0 == AddressSource::Installer;
        let cluster = if v3 {
            // /kapis/cluster.kubesphere.io/v1alpha1/clusters/{cluster}/agent/deployment
            match request.path.split('/').collect::<Vec<_>>().as_slice() {
                ["", "kapis", "cluster.kubesphere.io", "v1alpha1", "clusters", name, "agent", "deployment"] => {
                    Some(name.to_string())
                }
                _ => None,
            }
        } else if request.path == "/kapis/tower.kubesphere.io/v1alpha1/deployment" {
            Some(request.param("cluster").unwrap_or_default())
        } else {
            None
        };
        match cluster {
            Some(cluster) => generate(objects, &cluster, self.0),
            None => ProxyReply::text(404, "404 page not found"),
        }
    }
}
