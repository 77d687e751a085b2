//! agent.yaml: the manifest a member runs to connect to tower. Obtained the way the
//! console's "Waiting for cluster to join" page does once the Cluster is `Initialized`
//! (../shared/KUBESPHERE-FACTS.md §3): KubeSphere 4 asks the tower extension's backend
//! (`/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster=NAME`, the Service named by
//! APIService `v1alpha1.tower.kubesphere.io`), 3.x asks ks-apiserver
//! (`/kapis/cluster.kubesphere.io/v1alpha1/clusters/NAME/agent/deployment`), both through
//! the host API server's service proxy. When that cannot be reached (no permission for the
//! proxy, backend down), the same four objects are rendered here from the Cluster's token
//! and the address tower would use, and the manifest says so.
//!
//! The join token is a credential: [`AgentManifest`] keeps it for applying and exporting
//! only; what is shown ([`ManifestView`]) has it masked.

use super::airgap::{self, Mirror, NeededImage};
use super::record::ObjectId;
use crate::kubeconfig::yaml11;
use crate::kubesphere::address;
use crate::kubesphere::api::{self, ApiError};
use crate::kubesphere::detect::{self, SYSTEM_NAMESPACE};
use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

pub const MASK: &str = "••••••••";
/// tower-extension's default (`multicluster.agentImage` overrides it).
pub const DEFAULT_AGENT_IMAGE: &str = "kubesphere/tower:v0.2.1";
const APISERVICE: &str =
    "/apis/extensions.kubesphere.io/v1alpha1/apiservices/v1alpha1.tower.kubesphere.io";

/// Where the manifest came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ManifestSource {
    /// The tower extension's backend, as the console's page fetches it.
    TowerExtension,
    /// ks-apiserver's 3.x endpoint.
    KsApiserverV3,
    /// Rendered here from tower's template, the Cluster's token and the address tower uses.
    Rendered,
}

/// The manifest with its token: apply and export only, never shown.
#[derive(Clone)]
pub struct AgentManifest {
    pub cluster: String,
    pub source: ManifestSource,
    /// Why it was rendered here instead of fetched.
    pub note: Option<String>,
    pub documents: Vec<Value>,
    token: String,
    /// The mirror the member pulls from (the Cluster Configuration's registry), when not
    /// docker.io: the documents' images point there.
    pub mirror: Option<Mirror>,
    /// The host's KubeSphere version: ks-core's images are tagged with it.
    pub ks_version: Option<String>,
    /// The imagePullSecret applied before the agent, holding registry credentials: applied,
    /// never printed or exported.
    pull_secret: Option<Value>,
}

impl std::fmt::Debug for AgentManifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentManifest")
            .field("cluster", &self.cluster)
            .field("source", &self.source)
            .field("token", &MASK)
            .field("mirror", &self.mirror)
            .finish_non_exhaustive()
    }
}

/// What the page and the terminal show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ManifestView {
    pub cluster: String,
    pub source: ManifestSource,
    pub note: Option<String>,
    /// The YAML with the token masked.
    pub yaml: String,
    pub objects: Vec<ObjectId>,
    /// The agent's `--proxy-server`.
    pub proxy_server: Option<String>,
    pub images: Vec<String>,
    pub mirror: Option<Mirror>,
    /// Every image the join makes the member pull: its public reference and the one pulled.
    pub needed_images: Vec<NeededImage>,
    /// The imagePullSecret created from the OS keyring's credentials (its name only).
    pub pull_secret: Option<String>,
}

impl AgentManifest {
    pub fn from_yaml(cluster: &str, source: ManifestSource, text: &str) -> Result<Self> {
        let documents = parse_documents(text)?;
        let token = agent_flag(&documents, "--token").unwrap_or_default();
        Ok(Self {
            cluster: cluster.into(),
            source,
            note: None,
            documents,
            token,
            mirror: None,
            ks_version: None,
            pull_secret: None,
        })
    }

    /// Points the agent's images at `mirror` and adds its pull secrets to the pod template.
    pub fn use_mirror(&mut self, mirror: Mirror) {
        airgap::rewrite(&mut self.documents, &mirror);
        self.mirror = Some(mirror);
    }

    /// Applies `secret` (a dockerconfigjson Secret) with the agent, right after its namespace.
    pub fn with_pull_secret(&mut self, secret: Value) {
        self.pull_secret = Some(secret);
    }

    /// The pull secret applied with the agent (with its credentials), for the pull check.
    pub(crate) fn pull_secret(&self) -> Option<&Value> {
        self.pull_secret.as_ref()
    }

    /// The name of the pull secret applied with the agent.
    pub fn pull_secret_name(&self) -> Option<&str> {
        self.pull_secret.as_ref()?["metadata"]["name"].as_str()
    }

    /// The objects to apply, in order: the manifest's, with the pull secret after the
    /// namespace it lives in.
    pub fn objects_to_apply(&self) -> Vec<&Value> {
        let mut objects: Vec<&Value> = self.documents.iter().collect();
        if let Some(secret) = &self.pull_secret {
            let at = objects
                .iter()
                .position(|d| {
                    d["kind"] == "Namespace" && d["metadata"]["name"] == airgap::NAMESPACE
                })
                .map_or(0, |i| i + 1);
            objects.insert(at, secret);
        }
        objects
    }

    /// `text` with every credential masked: the token and the pull secret's data.
    pub fn mask(&self, text: &str) -> String {
        let mut text = if self.token.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.token, MASK)
        };
        if let Some(data) = self
            .pull_secret
            .as_ref()
            .and_then(|s| s["data"][".dockerconfigjson"].as_str())
        {
            text = text.replace(data, MASK);
        }
        text
    }

    /// The YAML as tower gives it, token included: for `kubectl create -f` on the member.
    pub fn yaml(&self) -> String {
        print(&self.documents)
    }

    pub fn view(&self) -> ManifestView {
        let images = images(&self.documents);
        let registry = self
            .mirror
            .as_ref()
            .map_or(airgap::PUBLIC_REGISTRY, |m| m.registry.as_str());
        let needed_images = airgap::needed_images(&images, self.ks_version.as_deref(), registry);
        ManifestView {
            cluster: self.cluster.clone(),
            source: self.source,
            note: self.note.clone(),
            yaml: self.mask(&self.yaml()),
            objects: self
                .objects_to_apply()
                .into_iter()
                .map(ObjectId::of)
                .collect(),
            proxy_server: agent_flag(&self.documents, "--proxy-server"),
            images,
            mirror: self.mirror.clone(),
            needed_images,
            pull_secret: self.pull_secret_name().map(str::to_string),
        }
    }

    pub fn token_is(&self, token: &str) -> bool {
        !self.token.is_empty() && self.token == token
    }

    /// Writes the YAML for the manual path (copy to a member node, `kubectl create -f`),
    /// owner-only: it carries the token and grants cluster-admin.
    pub fn export(&self, path: &Path) -> Result<()> {
        crate::locked_file::write(path, self.yaml().as_bytes())
    }
}

fn parse_documents(text: &str) -> Result<Vec<Value>> {
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(document).map_err(|_| {
            Error::new(
                ErrorKind::Internal,
                "the agent manifest from the host is not valid YAML",
            )
            .with_hint(
                "fetch it again; if it persists, check the tower extension's logs on the host",
            )
        })?;
        if value.is_object() {
            documents.push(value);
        }
    }
    if documents.is_empty() {
        return Err(Error::new(
            ErrorKind::Internal,
            "the agent manifest from the host holds no objects",
        ));
    }
    Ok(documents)
}

/// Documents separated by `---`, as kubectl prints a list; quoted for YAML 1.1, which is how
/// `kubectl create -f` reads them.
pub fn print(documents: &[Value]) -> String {
    documents
        .iter()
        .map(|d| yaml11::to_string(d).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}

fn agent_container(documents: &[Value]) -> Option<&Value> {
    documents.iter().find(|d| d["kind"] == "Deployment")?["spec"]["template"]["spec"]["containers"]
        .as_array()?
        .first()
}

/// The value of one `/agent` flag (`--name=…`).
pub fn agent_flag(documents: &[Value], flag: &str) -> Option<String> {
    let container = agent_container(documents)?;
    container["command"]
        .as_array()
        .into_iter()
        .chain(container["args"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|word| word.strip_prefix(flag)?.strip_prefix('='))
        .map(str::to_string)
}

pub(crate) fn images(documents: &[Value]) -> Vec<String> {
    documents
        .iter()
        .flat_map(|d| {
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c["image"].as_str().map(str::to_string))
        .collect()
}

/// Fetches agent.yaml for `cluster` from the host (see the module doc).
pub async fn fetch(client: &kube::Client, cluster: &str) -> Result<AgentManifest> {
    let object = api::get(client, &super::cluster_object::cluster_path(cluster))
        .await
        .map_err(|e| e.into_error(&format!("read Cluster {cluster}")))?
        .ok_or_else(|| {
            Error::not_found(format!("the host has no cluster called \"{cluster}\""))
                .with_hint("add it first (Add cluster, or `ks-onboard-cli cluster add`)")
        })?;
    if object["spec"]["connection"]["type"] != "proxy" {
        return Err(Error::invalid_input(format!("cluster \"{cluster}\" does not use the proxy (tower) connection"))
            .with_hint("agent.yaml exists only for proxy clusters; remove it and add it again with the proxy connection"));
    }
    if !super::conditions::is_true(&object, "Initialized") {
        return Err(Error::new(ErrorKind::Unavailable, format!("tower has not initialized cluster \"{cluster}\" yet: agent.yaml has no join token until it does"))
            .with_hint("wait a few seconds; if it stays so, check that the tower extension runs on the host (Host checks) and that spec.joinFederation is true"));
    }
    let version = detect::ks_version(client).await.ok().flatten();
    let v3 = version.as_ref().is_some_and(|v| v.is_v3());
    let (source, path) = if v3 {
        let path = format!("/api/v1/namespaces/{SYSTEM_NAMESPACE}/services/ks-apiserver:80/proxy/kapis/cluster.kubesphere.io/v1alpha1/clusters/{cluster}/agent/deployment");
        (ManifestSource::KsApiserverV3, path)
    } else {
        let backend = tower_backend(client).await;
        let path = format!("/api/v1/namespaces/{}/services/{}:{}/proxy/kapis/tower.kubesphere.io/v1alpha1/deployment?cluster={cluster}", backend.0, backend.1, backend.2);
        (ManifestSource::TowerExtension, path)
    };
    let mut manifest = match api::get_text(client, &path).await {
        Ok(text) => AgentManifest::from_yaml(cluster, source, &text)?,
        Err(error) if unreachable_backend(&error) => render(client, &object, v3, &error).await?,
        Err(error) => return Err(tower_refused(error, cluster)),
    };
    manifest.ks_version = version.map(|v| v.git_version);
    if let Some(mirror) = airgap::mirror_of_cluster(&object) {
        manifest.use_mirror(mirror);
    }
    Ok(manifest)
}

/// The backend Service (namespace, name, port) from the APIService's URL
/// (`http://tower-backend.extension-tower.svc`), else the chart's names.
async fn tower_backend(client: &kube::Client) -> (String, String, u16) {
    let fallback = (
        "extension-tower".to_string(),
        "tower-backend".to_string(),
        80,
    );
    let Ok(Some(apiservice)) = api::get(client, APISERVICE).await else {
        return fallback;
    };
    let Some(url) = apiservice["spec"]["url"].as_str() else {
        return fallback;
    };
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().unwrap_or(80)),
        None => (authority, if url.starts_with("https") { 443 } else { 80 }),
    };
    let mut parts = host.split('.');
    match (parts.next(), parts.next()) {
        (Some(name), Some(namespace)) if !name.is_empty() => (namespace.into(), name.into(), port),
        _ => fallback,
    }
}

/// The proxy could not reach a backend at all (as opposed to the backend answering an error).
fn unreachable_backend(error: &ApiError) -> bool {
    match error {
        ApiError::Status {
            code: 403 | 502 | 503,
            ..
        } => true,
        ApiError::Status { code: 404, message } => {
            message.contains("services") && message.contains("not found")
        }
        ApiError::Status { .. } => false,
        ApiError::Transport(_) => false,
    }
}

/// tower's own error texts, with what to do.
fn tower_refused(error: ApiError, cluster: &str) -> Error {
    let ApiError::Status { code, message } = &error else {
        return error.into_error("fetch agent.yaml");
    };
    let hint = if message.contains("no public address") {
        "tower has no address to give the agent: set the proxy address (Proxy address page, or `ks-onboard-cli proxy-address set URL`)"
    } else if message.contains("invalid proxy address") {
        "the configured proxy address is not a URL like http://1.2.3.4:30000: correct it on the Proxy address page"
    } else if message.contains("not using proxy connection") {
        "the cluster uses the direct connection; remove it and add it again with the proxy connection"
    } else if message.contains("not found") {
        "the cluster is gone from the host; add it again"
    } else {
        "check the tower extension on the host (Host checks)"
    };
    Error::new(
        ErrorKind::Unavailable,
        format!("the host could not give agent.yaml for \"{cluster}\" ({code}): {message}"),
    )
    .with_hint(hint)
}

async fn render(
    client: &kube::Client,
    cluster: &Value,
    v3: bool,
    why: &ApiError,
) -> Result<AgentManifest> {
    let name = cluster["metadata"]["name"].as_str().unwrap_or_default();
    let token = cluster["spec"]["connection"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if token.is_empty() {
        return Err(Error::new(ErrorKind::Unavailable, format!("agent.yaml for \"{name}\" could not be fetched ({}) and the Cluster has no join token to render it", why.describe()))
            .with_hint("check that the tower extension runs on the host (Host checks), then try again"));
    }
    let report = address::detect(client).await?;
    let address = report.effective.map(|e| e.url).ok_or_else(|| {
        Error::new(
            ErrorKind::Unavailable,
            "tower has no address to give the agent",
        )
        .with_hint(
            "set the proxy address (Proxy address page, or `ks-onboard-cli proxy-address set URL`)",
        )
    })?;
    let documents = template(name, &token, &address, DEFAULT_AGENT_IMAGE, v3);
    Ok(AgentManifest {
        cluster: name.into(),
        source: ManifestSource::Rendered,
        note: Some(format!("the host's agent.yaml endpoint could not be reached ({}); rendered from tower's template with the Cluster's token and {address}", why.describe())),
        documents,
        token,
        mirror: None,
        ks_version: None,
        pull_secret: None,
    })
}

/// tower's agent template (TEXT `pkg/apis/v1alpha1/handler.go`; 3.x: the Deployment only,
/// with ServiceAccount `kubesphere`).
pub fn template(name: &str, token: &str, address: &str, image: &str, v3: bool) -> Vec<Value> {
    let labels = json!({"app": "agent", "app.kubernetes.io/part-of": "tower"});
    let service_account = if v3 { "kubesphere" } else { "tower" };
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cluster-agent", "namespace": SYSTEM_NAMESPACE},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
            "serviceAccountName": service_account,
            "containers": [{"name": "agent", "image": image, "command": [
                "/agent", format!("--name={name}"), format!("--token={token}"), format!("--proxy-server={address}"),
                "--keepalive=10s", "--kubesphere-service=ks-apiserver.kubesphere-system.svc:80",
                "--kubernetes-service=kubernetes.default.svc:443", "--v=0"],
                "resources": {"limits": {"cpu": "1", "memory": "200M"}, "requests": {"cpu": "100m", "memory": "100M"}}}]}}}});
    if v3 {
        return vec![deployment];
    }
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SYSTEM_NAMESPACE}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "tower", "namespace": SYSTEM_NAMESPACE}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "tower"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "tower", "namespace": SYSTEM_NAMESPACE}]}),
        deployment,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_masks_the_token_and_names_the_objects() {
        let token = "0123456789abcdef".repeat(4);
        let manifest = AgentManifest {
            cluster: "member".into(),
            source: ManifestSource::Rendered,
            note: None,
            documents: template(
                "member",
                &token,
                "http://139.198.120.120:8080",
                DEFAULT_AGENT_IMAGE,
                false,
            ),
            token: token.clone(),
            mirror: None,
            ks_version: None,
            pull_secret: None,
        };
        assert!(manifest.yaml().contains(&token));
        let view = manifest.view();
        assert!(!view.yaml.contains(&token), "{}", view.yaml);
        assert!(view.yaml.contains(&format!("--token={MASK}")));
        assert!(!format!("{manifest:?}").contains(&token));
        assert_eq!(
            view.proxy_server.as_deref(),
            Some("http://139.198.120.120:8080")
        );
        assert_eq!(view.images, [DEFAULT_AGENT_IMAGE]);
        let kinds: Vec<_> = view.objects.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ServiceAccount",
                "ClusterRoleBinding",
                "Deployment"
            ]
        );
        let again =
            AgentManifest::from_yaml("member", ManifestSource::TowerExtension, &manifest.yaml())
                .unwrap();
        assert!(again.token_is(&token));
        assert_eq!(again.documents, manifest.documents);
    }

    #[test]
    fn v3_has_the_deployment_only_with_service_account_kubesphere() {
        let documents = template(
            "m",
            "t",
            "http://1.2.3.4:30000",
            "kubesphere/tower:v1.0",
            true,
        );
        assert_eq!(documents.len(), 1);
        assert_eq!(
            documents[0]["spec"]["template"]["spec"]["serviceAccountName"],
            "kubesphere"
        );
        assert_eq!(agent_flag(&documents, "--name").as_deref(), Some("m"));
    }

    #[test]
    fn broken_yaml_is_an_error_that_quotes_nothing() {
        let error =
            AgentManifest::from_yaml("m", ManifestSource::TowerExtension, "kind: [secret-token")
                .unwrap_err();
        assert!(!error.message.contains("secret-token"));
    }
}
