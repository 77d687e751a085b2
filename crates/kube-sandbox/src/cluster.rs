//! One simulated cluster: its builder, the running handle tests and scenarios use, and the
//! objects every fresh cluster has (namespaces, a node, the `kubernetes` Service, RBAC).

use crate::auth::{self, Credential, User};
use crate::clock::{Clock, ClockOffset};
use crate::error::Error;
use crate::faults::Faults;
use crate::images::ImagePolicy;
use crate::kubeconfig::{self, ContextEntry};
use crate::rbac;
use crate::service_proxy::{Objects, ServiceBackend};
use crate::state::Shared;
use crate::store::Change;
use crate::tls::{self, Authority};
use crate::world::{DeleteOptions, PatchKind, World, WriteOptions};
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

/// A user to create with the cluster.
#[derive(Debug, Clone)]
pub struct UserSpec {
    pub name: String,
    pub groups: Vec<String>,
    pub credential: Credential,
}

impl UserSpec {
    pub fn token(name: &str, groups: &[&str]) -> Self {
        Self {
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            credential: Credential::Token,
        }
    }

    pub fn certificate(name: &str, groups: &[&str]) -> Self {
        Self {
            credential: Credential::ClientCertificate,
            ..Self::token(name, groups)
        }
    }
}

/// The user every cluster has: a cluster-admin through `system:masters`, with a client certificate.
pub const ADMIN: &str = "sandbox-admin";

pub struct ClusterBuilder {
    name: String,
    users: Vec<UserSpec>,
    objects: Vec<Value>,
    faults: Faults,
    bookmark_interval: Duration,
    watch_history: usize,
    pods_start_running: bool,
    image_policy: Option<ImagePolicy>,
    clock: Clock,
    restart_back_off: Duration,
}

impl ClusterBuilder {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            users: vec![UserSpec::certificate(ADMIN, &["system:masters"])],
            objects: Vec::new(),
            faults: Faults::default(),
            bookmark_interval: Duration::from_secs(30),
            watch_history: 10_000,
            pods_start_running: true,
            image_policy: None,
            clock: Clock::default(),
            restart_back_off: Duration::from_secs(10),
        }
    }

    pub fn user(mut self, user: UserSpec) -> Self {
        self.users.push(user);
        self
    }

    /// An object to create at start, after the built-in ones (RBAC objects included).
    pub fn object(mut self, object: Value) -> Self {
        self.objects.push(object);
        self
    }

    pub fn latency(self, latency: Duration) -> Self {
        self.faults.set_latency(latency);
        self
    }

    /// Fault settings that apply from the very first request.
    pub fn faults(self, configure: impl FnOnce(&Faults)) -> Self {
        configure(&self.faults);
        self
    }

    pub fn bookmark_interval(mut self, every: Duration) -> Self {
        self.bookmark_interval = every;
        self
    }

    /// How many changes watches can resume from before 410 Gone.
    pub fn watch_history(mut self, changes: usize) -> Self {
        self.watch_history = changes;
        self
    }

    /// Whether new pods start Running at once (true) or stay Pending for the scenario to drive.
    pub fn pods_start_running(mut self, running: bool) -> Self {
        self.pods_start_running = running;
        self
    }

    /// Only these registries can be pulled from (an air-gapped cluster's nodes).
    pub fn image_policy(mut self, policy: ImagePolicy) -> Self {
        self.image_policy = Some(policy);
        self
    }

    /// Runs the cluster's clock ahead of or behind the machine's: the `Date` header, every
    /// timestamp the cluster writes and its credential expiry follow it.
    pub fn clock_offset(self, offset: ClockOffset) -> Self {
        self.clock.set_offset(offset);
        self
    }

    /// How long kubelet's first crash-loop back-off (10 s on a real node) lasts; the later
    /// ones keep their ratio (20 s → twice this, up to 5 min → thirty times).
    pub fn restart_back_off(mut self, first: Duration) -> Self {
        self.restart_back_off = first;
        self
    }

    /// Binds 127.0.0.1 on an ephemeral port and serves until the handle is dropped.
    pub async fn start(self) -> Result<Cluster, Error> {
        tls::install_crypto_provider();
        let authority = Authority::new(&self.name)?;
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| Error::io("could not listen on 127.0.0.1", e))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::io("could not read the listening address", e))?;
        let mut world = World::new(self.watch_history, authority.ca_pem(), self.clock.clone());
        world.pods_start_running = self.pods_start_running;
        world.image_policy = self.image_policy;
        let mut users = Vec::new();
        for spec in &self.users {
            users.push(make_user(&authority, spec)?);
        }
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            users: RwLock::new(users),
            faults: self.faults,
            bookmark_interval: self.bookmark_interval,
            address: address.to_string(),
            log_appended: broadcast::channel(256).0,
            backends: RwLock::default(),
            clock: self.clock,
            restart_back_off: self.restart_back_off,
        });
        let cluster_name = self.name.clone();
        let (stop, stop_rx) = watch::channel(false);
        let cluster = Cluster {
            name: self.name,
            address,
            authority,
            shared: shared.clone(),
            stop,
        };
        for object in bootstrap_objects(&cluster_name)
            .into_iter()
            .chain(self.objects)
        {
            cluster.create(object)?;
        }
        let tls_config = cluster.authority.server_config()?;
        tokio::spawn(crate::server::run(listener, tls_config, shared, stop_rx));
        Ok(cluster)
    }
}

fn make_user(authority: &Authority, spec: &UserSpec) -> Result<User, Error> {
    let mut user = User {
        name: spec.name.clone(),
        groups: spec.groups.clone(),
        token: None,
        cert_der: None,
        cert_pem: None,
        key_pem: None,
        expires_at: None,
    };
    match spec.credential {
        Credential::Token => user.token = Some(auth::new_token()),
        Credential::ClientCertificate => {
            let cert = authority.client_cert(&spec.name, &spec.groups)?;
            user.cert_der = Some(cert.der);
            user.cert_pem = Some(cert.cert_pem);
            user.key_pem = Some(cert.key_pem);
        }
    }
    Ok(user)
}

fn bootstrap_objects(cluster: &str) -> Vec<Value> {
    let mut objects: Vec<Value> = ["default", "kube-system", "kube-public", "kube-node-lease"]
        .iter()
        .map(|ns| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
        .collect();
    let version = format!(
        "v{}.{}.0",
        crate::discovery::KUBE_VERSION.0,
        crate::discovery::KUBE_VERSION.1
    );
    objects.push(json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("{cluster}-node"), "labels": {"kubernetes.io/hostname": format!("{cluster}-node"), "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": ""}},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                   "addresses": [{"type": "InternalIP", "address": "10.0.0.10"}, {"type": "Hostname", "address": format!("{cluster}-node")}],
                   "nodeInfo": {"kubeletVersion": version, "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.1.0", "containerRuntimeVersion": "containerd://1.7.0", "architecture": "amd64", "operatingSystem": "linux"}}}));
    objects.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}));
    objects.extend(rbac::bootstrap_objects());
    objects
}

/// Names one object of a cluster.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRef<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    /// Ignored for cluster-scoped kinds.
    pub namespace: &'a str,
    pub name: &'a str,
}

/// One committed change: `ADDED`, `MODIFIED` or `DELETED`, and the object after it.
#[derive(Debug, Clone)]
pub struct ClusterEvent {
    pub kind: &'static str,
    pub object: Value,
}

/// The stream behind `Cluster::changes`.
pub struct Changes(broadcast::Receiver<Arc<Change>>);

impl Changes {
    /// The next change; None once the cluster stops. A reader that falls more than 4,096
    /// changes behind skips the ones it missed.
    pub async fn next(&mut self) -> Option<ClusterEvent> {
        loop {
            match self.0.recv().await {
                Ok(change) => {
                    return Some(ClusterEvent {
                        kind: change.kind.as_str(),
                        object: change.object.clone(),
                    })
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// A running cluster. Dropping it stops the server.
pub struct Cluster {
    name: String,
    address: SocketAddr,
    authority: Authority,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Cluster {
    pub fn builder(name: &str) -> ClusterBuilder {
        ClusterBuilder::new(name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    pub fn ca_pem(&self) -> String {
        self.authority.ca_pem()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    pub fn add_user(&self, spec: UserSpec) -> Result<(), Error> {
        let user = make_user(&self.authority, &spec)?;
        let mut users = self.shared.users_mut();
        users.retain(|u| u.name != spec.name);
        users.push(user);
        Ok(())
    }

    /// From `at` on (by the cluster's clock), the user's credential is refused with 401 (an
    /// expired token or certificate).
    pub fn expire_credentials(&self, user: &str, at: SystemTime) {
        for u in self
            .shared
            .users_mut()
            .iter_mut()
            .filter(|u| u.name == user)
        {
            u.expires_at = Some(at);
        }
    }

    /// A kubeconfig with one context per `(context name, user name)`, the first one current.
    pub fn kubeconfig(&self, contexts: &[(&str, &str)]) -> Result<String, Error> {
        let users = self.shared.users();
        let server = self.url();
        let ca = self.ca_pem();
        let mut entries = Vec::new();
        for (context, user_name) in contexts {
            let user = users.iter().find(|u| u.name == *user_name).ok_or_else(|| {
                Error::InvalidObject(format!("no user {user_name} in cluster {}", self.name))
            })?;
            entries.push(ContextEntry {
                context,
                cluster: &self.name,
                server: &server,
                ca_pem: &ca,
                user,
                user_entry: format!("{}-{user_name}", self.name),
            });
        }
        kubeconfig::render(&entries)
    }

    pub fn write_kubeconfig(&self, path: &Path, contexts: &[(&str, &str)]) -> Result<(), Error> {
        kubeconfig::write(path, &self.kubeconfig(contexts)?)
    }

    /// Creates an object directly (no authorization), as a scenario seeds a cluster.
    pub fn create(&self, object: Value) -> Result<Value, Error> {
        let api_version = object["apiVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string();
        let mut world = self.shared.world();
        let rt = world.registry.serving(&api_version, &kind)?;
        let options = WriteOptions {
            dry_run: false,
            manager: "kube-sandbox".into(),
        };
        let status = object.get("status").cloned().filter(|_| rt.has_status());
        let created = world
            .create(&rt, &namespace, object, &options, true)
            .map_err(|e| Error::InvalidObject(e.message))?;
        let Some(status) = status else {
            return Ok(created);
        };
        // Status belongs to controllers: a seed sets it through the status sub-resource.
        let name = created["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut with_status = created;
        with_status["status"] = status;
        world
            .update(
                &rt,
                &namespace,
                &name,
                with_status,
                &options,
                Some("status"),
            )
            .map_err(|e| Error::InvalidObject(e.message))
    }

    /// The stored object, if it exists.
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        Objects(&self.shared.world()).get(api_version, kind, namespace, name)
    }

    /// Reads several objects under one lock (a consistent view).
    pub fn read<T>(&self, read: impl FnOnce(&Objects<'_>) -> T) -> T {
        read(&Objects(&self.shared.world()))
    }

    /// Puts a program behind a Service: the service proxy forwards GETs to it while the
    /// Service has a ready pod.
    pub fn serve_service(&self, namespace: &str, name: &str, backend: Arc<dyn ServiceBackend>) {
        self.shared
            .backends_mut()
            .insert((namespace.into(), name.into()), backend);
    }

    /// Merge-patches an object, or only its status with `status: true` (how a scenario plays
    /// the controllers it does not simulate, e.g. a load balancer assigning an address).
    pub fn merge_patch(
        &self,
        object: ObjectRef<'_>,
        patch: &Value,
        status: bool,
    ) -> Result<Value, Error> {
        let mut world = self.shared.world();
        let rt = world.registry.serving(object.api_version, object.kind)?;
        let options = WriteOptions {
            dry_run: false,
            manager: "kube-sandbox".into(),
        };
        let subresource = status.then_some("status");
        world
            .patch(
                &rt,
                object.namespace,
                object.name,
                PatchKind::Merge,
                patch,
                &options,
                subresource,
            )
            .map_err(|e| Error::InvalidObject(e.message))
    }

    /// Deletes an object as a background-propagating client would.
    pub fn delete(&self, object: ObjectRef<'_>) -> Result<Value, Error> {
        let mut world = self.shared.world();
        let rt = world.registry.serving(object.api_version, object.kind)?;
        world
            .delete(
                &rt,
                object.namespace,
                object.name,
                &DeleteOptions::default(),
            )
            .map_err(|e| Error::InvalidObject(e.message))
    }

    /// The stored objects of a kind, in one namespace or all, sorted by namespace and name.
    pub fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        Objects(&self.shared.world()).list(api_version, kind, namespace)
    }

    /// Every change committed from now on, for scenarios that react to what clients do
    /// (e.g. start an agent's pods when its Deployment appears).
    pub fn changes(&self) -> Changes {
        Changes(self.shared.world().store.subscribe())
    }

    /// Appends text to a container's log (what `kubectl logs` and `logs -f` read).
    pub fn append_pod_log(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        let key = (
            namespace.to_string(),
            pod.to_string(),
            container.to_string(),
        );
        self.shared
            .world()
            .logs
            .entry(key.clone())
            .or_default()
            .current
            .push_str(text);
        let _ = self.shared.log_appended.send(key);
    }

    /// The program of a running container ended with `exit_code` (how a scenario plays the
    /// programs its pods run). The kubelet records it and, as the pod's restartPolicy says,
    /// ends the pod or restarts the container after its crash-loop back-off (see
    /// `ClusterBuilder::restart_back_off`). Call it from within a Tokio runtime.
    pub fn container_exited(&self, namespace: &str, pod: &str, container: &str, exit_code: i32) {
        let restart = self
            .shared
            .world()
            .container_exited(namespace, pod, container, exit_code);
        let Some(restart) = restart else {
            return;
        };
        if restart.back_off.is_zero() {
            let mut world = self.shared.world();
            return world.restart_container(namespace, pod, container, restart.restart_count);
        }
        let scale = restart.back_off.as_secs_f64() / 10.0;
        let delay = Duration::try_from_secs_f64(self.shared.restart_back_off.as_secs_f64() * scale)
            .unwrap_or(Duration::MAX);
        // Holds the cluster only weakly: a stopped cluster restarts nothing.
        let shared = Arc::downgrade(&self.shared);
        let (namespace, pod, container) = (
            namespace.to_string(),
            pod.to_string(),
            container.to_string(),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                if let Some(shared) = shared.upgrade() {
                    shared.world().restart_container(
                        &namespace,
                        &pod,
                        &container,
                        restart.restart_count,
                    );
                }
            });
        }
    }

    /// Runs the cluster's clock ahead of or behind the machine's from now on.
    pub fn set_clock_offset(&self, offset: ClockOffset) {
        self.shared.clock.set_offset(offset);
    }

    pub fn clock_offset(&self) -> ClockOffset {
        self.shared.clock.offset()
    }

    /// The cluster's time now (the machine's, moved by its clock offset).
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// The cluster's current resourceVersion (etcd revision).
    pub fn resource_version(&self) -> u64 {
        self.shared.world().store.revision()
    }

    /// Compacts the watch history: every older resourceVersion now gets 410 Gone.
    pub fn compact(&self) {
        self.shared.world().store.compact();
    }

    /// How many objects the cluster holds.
    pub fn object_count(&self) -> usize {
        self.shared.world().store.len()
    }
}
