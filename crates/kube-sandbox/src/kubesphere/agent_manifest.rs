//! `agent.yaml`: the manifest the console offers for a proxy-connected cluster. 4.x: the
//! tower extension's backend (TEXT `pkg/apis/v1alpha1/handler.go` + `options.go`); 3.x:
//! ks-apiserver (KS `release-3.4:pkg/kapis/cluster/v1alpha1/handler.go`). Same address
//! precedence and error texts: configured proxy address → the proxy Service's load balancer
//! ingress → "has no public address".

use super::AddressSource;
use crate::error::Reported;
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
) -> Result<Options, Reported> {
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
fn read_options(objects: &Objects<'_>, source: AddressSource) -> Result<Options, Reported> {
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
fn proxy_address(objects: &Objects<'_>, options: &Options) -> Result<String, Reported> {
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
        Reported(format!("cannot generate agent deployment yaml for member cluster  because {s} service has no public address, please check {s} status, or set address  mannually in ClusterConfiguration"))
    })
}

/// Go's `url.Parse` refuses a scheme-less `host:port` ("first path segment … colon").
fn check_address(address: &str) -> Result<(), Reported> {
    let first_segment = address.split('/').next().unwrap_or_default();
    if !address.contains("://") && first_segment.contains(':') {
        return Err(Reported(format!(
            "invalid proxy address {address}, should format like http[s]://1.2.3.4:123"
        )));
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
    // 3.x answers 404 (api.HandleNotFound) where the extension answers 500 or 400.
    let v3 = source == AddressSource::Installer;
    let (missing, not_proxy, no_address) = if v3 { (404, 404, 404) } else { (500, 400, 500) };
    let Some(found) = objects.get("cluster.kubesphere.io/v1alpha1", "Cluster", "", cluster) else {
        let resource = if v3 { "cluster" } else { "clusters" };
        return ProxyReply::text(
            missing,
            format!("{resource}.cluster.kubesphere.io \"{cluster}\" not found"),
        );
    };
    if found["spec"]["connection"]["type"] != "proxy" {
        return ProxyReply::text(
            not_proxy,
            format!("cluster {cluster} is not using proxy connection"),
        );
    }
    let options = match read_options(objects, source) {
        Ok(options) => options,
        Err(message) => return ProxyReply::text(500, message.0),
    };
    let address = match proxy_address(objects, &options) {
        Ok(address) => address,
        Err(message) => return ProxyReply::text(no_address, message.0),
    };
    if let Err(message) = check_address(&address) {
        return ProxyReply::text(500, message.0);
    }
    let image = options.image;
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

/// The extension's backend behind Service `extension-tower/tower-backend` (4.x).
pub struct TowerBackend(pub AddressSource);

impl crate::ServiceBackend for TowerBackend {
    fn get(&self, objects: &Objects<'_>, request: &crate::ProxyRequest<'_>) -> ProxyReply {
        if request.path == "/kapis/tower.kubesphere.io/v1alpha1/deployment" {
            let cluster = request.param("cluster").unwrap_or_default();
            return generate(objects, &cluster, self.0);
        }
        ProxyReply::text(404, "404 page not found")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubesphere::{ExtensionState, HostSpec};
    use crate::{Cluster, ClusterBuilder, ObjectRef};

    async fn host(address_source: AddressSource) -> Cluster {
        let spec = HostSpec {
            address_source,
            extension: ExtensionState::Enabled,
            lb_ingress: false,
            node_external_ip: false,
            forward: false,
            broken_config: false,
        };
        let cluster = ClusterBuilder::new("h").start().await.unwrap();
        for object in crate::kubesphere::host::objects(&spec) {
            cluster.create(object).unwrap();
        }
        cluster
            .create(json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster",
                "metadata": {"name": "m"}, "spec": {"connection": {"type": "proxy", "token": "t"}}}))
            .unwrap();
        cluster
    }

    fn tower_secret(address: &str) -> Value {
        let yaml = format!("agentImage: mirror.local:5000/kubesphere/tower:v0.2.1\nproxyPublishAddress: {address}\n");
        json!({"data": {"configuration.yaml": base64::engine::general_purpose::STANDARD.encode(yaml)}})
    }

    const SECRET: ObjectRef<'static> = ObjectRef {
        api_version: "v1",
        kind: "Secret",
        namespace: NAMESPACE,
        name: "tower",
    };
    const TOWER: ObjectRef<'static> = ObjectRef {
        api_version: "v1",
        kind: "Service",
        namespace: NAMESPACE,
        name: "tower",
    };

    #[tokio::test]
    async fn the_address_setting_wins_over_the_load_balancer_which_wins_over_the_error() {
        let cluster = host(AddressSource::Secret).await;
        let reply = cluster.read(|o| generate(o, "m", AddressSource::Secret));
        assert_eq!(reply.status, 500);
        assert!(reply.body.starts_with("cannot generate agent deployment yaml for member cluster  because tower.kubesphere-system.svc service"));

        let ingress =
            json!({"status": {"loadBalancer": {"ingress": [{"hostname": "tower.example.com"}]}}});
        cluster.merge_patch(TOWER, &ingress, true).unwrap();
        let reply = cluster.read(|o| generate(o, "m", AddressSource::Secret));
        assert!(
            reply
                .body
                .contains("--proxy-server=http://tower.example.com:8080"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("image: kubesphere/tower:v0.2.1"));

        cluster
            .merge_patch(SECRET, &tower_secret("http://10.1.2.3:30000"), false)
            .unwrap();
        let reply = cluster.read(|o| generate(o, "m", AddressSource::Secret));
        assert!(reply.body.contains("--proxy-server=http://10.1.2.3:30000"));
        assert!(
            reply
                .body
                .contains("image: mirror.local:5000/kubesphere/tower:v0.2.1"),
            "agentImage is honoured"
        );
        assert_eq!(reply.body.matches("---\n").count(), 3, "four documents");

        cluster
            .merge_patch(SECRET, &tower_secret("10.1.2.3:30000"), false)
            .unwrap();
        let reply = cluster.read(|o| generate(o, "m", AddressSource::Secret));
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (
                500,
                "invalid proxy address 10.1.2.3:30000, should format like http[s]://1.2.3.4:123"
            )
        );
    }

    #[tokio::test]
    async fn errors_have_the_codes_of_each_generation() {
        let cluster = host(AddressSource::ConfigMap).await;
        let direct = json!({"apiVersion": "cluster.kubesphere.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "d"}, "spec": {"connection": {"type": "direct"}}});
        cluster.create(direct).unwrap();
        let reply = cluster.read(|o| generate(o, "d", AddressSource::ConfigMap));
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, "cluster d is not using proxy connection")
        );
        let reply = cluster.read(|o| generate(o, "nope", AddressSource::ConfigMap));
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (500, "clusters.cluster.kubesphere.io \"nope\" not found")
        );
        let reply = cluster.read(|o| generate(o, "nope", AddressSource::Installer));
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (404, "cluster.cluster.kubesphere.io \"nope\" not found")
        );
    }
}
