//! Following a join as it happens: watches (not polls) the host's Cluster and tower's Pods,
//! and on the member the agent's Deployment, Pods, Events and log, and turns every change
//! into one timeline with a diagnosis of what is wrong right now ([`super::diagnose`]).
//! kube-runtime's watchers re-list after a dropped watch or a 410, so the timeline survives
//! an unreliable network; credentials the host stops accepting end the watch with an error
//! instead of a silent wait. Ends when the Cluster is Ready (or at the caller's deadline).

use super::conditions;
use super::diagnose::{self, Diagnosis, Observed};
use crate::kubesphere::detect::SYSTEM_NAMESPACE;
use crate::{Error, ErrorKind, Result};
use futures::{AsyncBufReadExt, StreamExt};
use kube::api::{Api, ApiResource, DynamicObject, LogParams};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum EntrySource {
    /// The Cluster object on the host.
    Host,
    /// tower's pods on the host.
    Tower,
    /// The agent's Deployment, Pods and Events on the member.
    Member,
    /// The agent's own log.
    Agent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When this machine saw it (ms since the epoch).
    // Milliseconds fit a JavaScript number exactly for another 285,000 years.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub at_unix_ms: u64,
    /// The time the cluster itself wrote, where it gave one (RFC 3339, its own clock).
    pub reported_at: Option<String>,
    pub source: EntrySource,
    pub warning: bool,
    pub title: String,
    pub detail: Option<String>,
}

/// How far the join has come, in the order the conditions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum JoinStep {
    /// Created; tower has not initialized it.
    Waiting,
    /// tower gave it a token and ports: agent.yaml is available.
    Initialized,
    /// The agent is connected to tower.
    AgentConnected,
    /// The host installed KubeSphere's core into the member.
    KsCoreReady,
    Ready,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct JoinSnapshot {
    pub cluster: String,
    pub exists: bool,
    pub step: JoinStep,
    pub ready: bool,
    pub conditions: Vec<ConditionView>,
    pub diagnoses: Vec<Diagnosis>,
    /// The agent Pods that are Ready, out of those there are (`None`: member not watched).
    pub agent_pods_ready: Option<u32>,
    pub agent_pods: Option<u32>,
    // Milliseconds fit a JavaScript number exactly for another 285,000 years.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum WatchUpdate {
    Entry { entry: TimelineEntry },
    Snapshot { snapshot: JoinSnapshot },
}

pub struct FollowOptions {
    /// Stop once the Cluster is Ready (else only at `timeout` or when dropped).
    pub until_ready: bool,
    pub timeout: Option<Duration>,
}

pub fn step(cluster: &Value) -> JoinStep {
    if conditions::is_ready(cluster) {
        JoinStep::Ready
    } else if conditions::is_true(cluster, "KSCoreReady") {
        JoinStep::KsCoreReady
    } else if conditions::is_true(cluster, "AgentAvailable") {
        JoinStep::AgentConnected
    } else if conditions::is_true(cluster, "Initialized") {
        JoinStep::Initialized
    } else {
        JoinStep::Waiting
    }
}

/// What one watcher saw.
enum Signal {
    Cluster(Option<Value>),
    TowerPods(Vec<Value>),
    AgentPods(Vec<Value>),
    AgentDeployment(Vec<Value>),
    MemberEvents(Vec<Value>),
    Log(String),
    Skew(i64),
    /// A watcher's requests are refused (401 or 403): retrying will not help.
    Refused {
        watching: Watching,
        code: u16,
    },
}

/// Which watcher a signal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watching {
    Cluster,
    Other(&'static str),
}

fn resource<K: kube::Resource<DynamicType = ()>>() -> ApiResource {
    ApiResource::erase::<K>(&())
}

/// The HTTP code of a watcher failure that retrying cannot cure: credentials refused (401,
/// e.g. a token that expired while we watched) or not allowed (403). Others (5xx, 429,
/// dropped connections, 410 Gone) the watcher rides out itself: it lists again, backing off.
fn refused(error: &watcher::Error) -> Option<u16> {
    let code = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status)) => status.code,
        watcher::Error::WatchError(status) => status.code,
        _ => return None,
    };
    matches!(code, 401 | 403).then_some(code)
}

/// Watches `api` with `config` and sends the whole current list after every change.
fn watch_list(
    tasks: &mut JoinSet<()>,
    api: Api<DynamicObject>,
    config: watcher::Config,
    tx: mpsc::UnboundedSender<Signal>,
    watching: Watching,
    wrap: fn(Vec<Value>) -> Signal,
) {
    tasks.spawn(async move {
        let mut store: BTreeMap<String, Value> = BTreeMap::new();
        let mut buffer: Option<BTreeMap<String, Value>> = None;
        let mut stream = watcher::watcher(api, config).default_backoff().boxed();
        while let Some(event) = stream.next().await {
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    if let Some(code) = refused(&error) {
                        if tx.send(Signal::Refused { watching, code }).is_err() {
                            return;
                        }
                    }
                    continue;
                }
            };
            let changed = match event {
                Event::Init => {
                    buffer = Some(BTreeMap::new());
                    false
                }
                Event::InitApply(object) => {
                    if let (Some(buffer), Some(v)) = (buffer.as_mut(), to_json(&object)) {
                        buffer.insert(key(&object), v);
                    }
                    false
                }
                Event::InitDone => {
                    store = buffer.take().unwrap_or_default();
                    true
                }
                Event::Apply(object) => {
                    if let Some(v) = to_json(&object) {
                        store.insert(key(&object), v);
                    }
                    true
                }
                Event::Delete(object) => {
                    store.remove(&key(&object));
                    true
                }
            };
            if changed && tx.send(wrap(store.values().cloned().collect())).is_err() {
                return;
            }
        }
    });
}

fn key(object: &DynamicObject) -> String {
    format!(
        "{}/{}",
        object.metadata.namespace.clone().unwrap_or_default(),
        object.metadata.name.clone().unwrap_or_default()
    )
}

fn to_json(object: &DynamicObject) -> Option<Value> {
    serde_json::to_value(object).ok()
}

fn pod_ready(pod: &Value) -> bool {
    conditions_of(pod).any(|c| c["type"] == "Ready" && c["status"] == "True")
}

fn conditions_of(object: &Value) -> impl Iterator<Item = &Value> {
    object["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
}

/// Follows `cluster` on the host (and its agent on `member`), reporting each change to
/// `on_update`, until Ready (with `until_ready`), the timeout, or the future is dropped.
pub async fn follow(
    host: kube::Client,
    member: Option<kube::Client>,
    cluster: &str,
    options: FollowOptions,
    mut on_update: impl FnMut(WatchUpdate),
) -> Result<JoinSnapshot> {
    let started = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    let cluster_resource = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "cluster.kubesphere.io",
        "v1alpha1",
        "Cluster",
    ));
    let by_name = |name: &str| watcher::Config::default().fields(&format!("metadata.name={name}"));
    {
        let tx = tx.clone();
        let api = Api::<DynamicObject>::all_with(host.clone(), &cluster_resource);
        watch_list(
            &mut tasks,
            api,
            by_name(cluster),
            tx,
            Watching::Cluster,
            |mut list| Signal::Cluster(list.pop()),
        );
    }
    let pods = resource::<k8s_openapi::api::core::v1::Pod>();
    let tower = Api::<DynamicObject>::namespaced_with(host.clone(), SYSTEM_NAMESPACE, &pods);
    watch_list(
        &mut tasks,
        tower,
        watcher::Config::default().labels("app=tower"),
        tx.clone(),
        Watching::Other("tower's pods on the host"),
        Signal::TowerPods,
    );
    if let Some(member) = &member {
        let agents = Api::<DynamicObject>::namespaced_with(member.clone(), SYSTEM_NAMESPACE, &pods);
        watch_list(
            &mut tasks,
            agents,
            watcher::Config::default().labels("app=agent"),
            tx.clone(),
            Watching::Other("the agent's pods on the member"),
            Signal::AgentPods,
        );
        let deployments = resource::<k8s_openapi::api::apps::v1::Deployment>();
        let deployment =
            Api::<DynamicObject>::namespaced_with(member.clone(), SYSTEM_NAMESPACE, &deployments);
        watch_list(
            &mut tasks,
            deployment,
            by_name("cluster-agent"),
            tx.clone(),
            Watching::Other("the agent's Deployment on the member"),
            Signal::AgentDeployment,
        );
        let events = resource::<k8s_openapi::api::core::v1::Event>();
        let events =
            Api::<DynamicObject>::namespaced_with(member.clone(), SYSTEM_NAMESPACE, &events);
        watch_list(
            &mut tasks,
            events,
            watcher::Config::default(),
            tx.clone(),
            Watching::Other("the member's Events"),
            Signal::MemberEvents,
        );
        let (host, member, tx) = (host.clone(), member.clone(), tx.clone());
        tasks.spawn(async move {
            if let Some(skew) = relative_skew(&host, &member).await {
                let _ = tx.send(Signal::Skew(skew));
            }
        });
    }
    let mut state = State::new(cluster, member.is_some());
    let mut log_follower: Option<(String, tokio::task::AbortHandle)> = None;
    let deadline = options.timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        let signal = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(signal) => signal,
                Err(_) => break,
            },
            None => rx.recv().await,
        };
        let Some(signal) = signal else { break };
        if let Signal::Refused {
            watching: Watching::Cluster,
            code,
        } = signal
        {
            return Err(refused_error(cluster, code));
        }
        for entry in state.absorb(signal) {
            on_update(WatchUpdate::Entry { entry });
        }
        if let Some(member) = &member {
            follow_agent_log(&mut tasks, &mut log_follower, &state, member, &tx);
        }
        let snapshot = state.snapshot(started.elapsed());
        let ready = snapshot.ready;
        // Until the Cluster's watch has answered, "no Cluster" would be a guess.
        if state.changed && state.cluster_read {
            state.changed = false;
            on_update(WatchUpdate::Snapshot { snapshot });
        }
        if ready && options.until_ready {
            break;
        }
    }
    Ok(state.snapshot(started.elapsed()))
}

/// Following cannot go on: the host refuses the Cluster's watch.
fn refused_error(cluster: &str, code: u16) -> Error {
    if code == 401 {
        Error::new(ErrorKind::Connection, format!("stopped following cluster \"{cluster}\": the host no longer accepts the credentials (401 Unauthorized): they have expired or were revoked"))
            .with_hint("the join itself goes on without us: sign in again (fresh credentials for the host context), then follow it again")
    } else {
        Error::new(ErrorKind::Connection, format!("stopped following cluster \"{cluster}\": the host does not allow watching it ({code} Forbidden)"))
            .with_hint("use a context whose user is platform-admin on the host, then follow it again")
    }
}

/// Streams the log of the newest running agent pod; switches when that pod changes.
fn follow_agent_log(
    tasks: &mut JoinSet<()>,
    current: &mut Option<(String, tokio::task::AbortHandle)>,
    state: &State,
    member: &kube::Client,
    tx: &mpsc::UnboundedSender<Signal>,
) {
    let running = state
        .agent_pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .filter_map(|p| p["metadata"]["name"].as_str())
        .next_back()
        .map(str::to_string);
    if current.as_ref().map(|(name, _)| name) == running.as_ref() {
        return;
    }
    if let Some((_, handle)) = current.take() {
        handle.abort();
    }
    let Some(pod) = running else { return };
    let api: Api<k8s_openapi::api::core::v1::Pod> =
        Api::namespaced(member.clone(), SYSTEM_NAMESPACE);
    let tx = tx.clone();
    let name = pod.clone();
    let handle = tasks.spawn(async move {
        let params = LogParams {
            follow: true,
            container: Some("agent".into()),
            tail_lines: Some(50),
            ..LogParams::default()
        };
        let Ok(stream) = api.log_stream(&name, &params).await else {
            return;
        };
        let mut lines = stream.lines();
        while let Some(Ok(line)) = lines.next().await {
            if tx.send(Signal::Log(line)).is_err() {
                return;
            }
        }
    });
    *current = Some((pod, handle));
}

/// Member clock minus host clock in seconds, from each API server's `Date` header.
async fn relative_skew(host: &kube::Client, member: &kube::Client) -> Option<i64> {
    let (host, member) = tokio::join!(server_clock(host), server_clock(member));
    Some(member? - host?)
}

/// The server's clock minus ours, in seconds (to a second: `Date` has no finer grain).
pub async fn server_clock(client: &kube::Client) -> Option<i64> {
    let request = http::Request::get("/version")
        .body(kube::client::Body::empty())
        .ok()?;
    let before = std::time::SystemTime::now();
    let response = client.send(request).await.ok()?;
    let after = std::time::SystemTime::now();
    let date = response.headers().get(http::header::DATE)?.to_str().ok()?;
    let server = httpdate::parse_http_date(date).ok()?;
    let middle = before + after.duration_since(before).unwrap_or_default() / 2;
    Some(match server.duration_since(middle) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

/// The watch's memory: what was seen last, to tell what changed.
struct State {
    seen: Observed,
    agent_pods: Vec<Value>,
    tower_ready: Option<bool>,
    pod_states: BTreeMap<String, String>,
    event_keys: BTreeMap<String, Value>,
    log_messages: Vec<String>,
    /// Watchers refused by their API server, told once each.
    refusals: Vec<String>,
    watch_member: bool,
    changed: bool,
    /// The Cluster's watch has answered at least once.
    cluster_read: bool,
}

impl State {
    fn new(cluster: &str, watch_member: bool) -> Self {
        Self {
            seen: Observed {
                cluster_name: cluster.into(),
                ..Observed::default()
            },
            agent_pods: Vec::new(),
            tower_ready: None,
            pod_states: BTreeMap::new(),
            event_keys: BTreeMap::new(),
            log_messages: Vec::new(),
            refusals: Vec::new(),
            watch_member,
            changed: true,
            cluster_read: false,
        }
    }

    fn absorb(&mut self, signal: Signal) -> Vec<TimelineEntry> {
        let mut entries = Vec::new();
        match signal {
            Signal::Cluster(next) => {
                entries = cluster_entries(
                    self.seen.cluster.as_ref(),
                    next.as_ref(),
                    self.seen.cluster_seen,
                );
                self.seen.cluster_seen |= next.is_some();
                self.seen.cluster = next;
                self.cluster_read = true;
            }
            Signal::TowerPods(pods) => {
                let ready = pods.iter().any(pod_ready);
                if self.tower_ready.is_some_and(|was| was != ready)
                    || (self.tower_ready.is_none() && !ready)
                {
                    entries.push(entry(
                        EntrySource::Tower,
                        !ready,
                        if ready {
                            "tower is running again on the host"
                        } else {
                            "tower is not running on the host"
                        },
                        None,
                        None,
                    ));
                }
                self.tower_ready = Some(ready);
                self.seen.tower_running = Some(ready);
            }
            Signal::AgentPods(pods) => {
                for pod in &pods {
                    let name = pod["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let state = pod_state(pod);
                    if self.pod_states.get(&name) != Some(&state) {
                        let warning = state.contains("BackOff")
                            || state.contains("Err")
                            || state.contains("Failed");
                        entries.push(entry(
                            EntrySource::Member,
                            warning,
                            &format!("agent Pod {name}: {state}"),
                            None,
                            pod["metadata"]["creationTimestamp"].as_str(),
                        ));
                        self.pod_states.insert(name, state);
                    }
                }
                self.agent_pods = pods.clone();
                self.seen.agent_pods = Some(pods);
            }
            Signal::AgentDeployment(list) => {
                let name = list
                    .first()
                    .and_then(|d| super::agent::agent_flag(std::slice::from_ref(d), "--name"));
                if name.is_some() && self.seen.agent_name.is_none() {
                    entries.push(entry(
                        EntrySource::Member,
                        false,
                        "Deployment kubesphere-system/cluster-agent is on the member",
                        None,
                        None,
                    ));
                }
                self.seen.agent_name = name;
            }
            Signal::MemberEvents(events) => {
                let mut warnings = Vec::new();
                for event in events.iter().filter(|e| {
                    e["involvedObject"]["name"]
                        .as_str()
                        .is_some_and(|n| n.starts_with("cluster-agent"))
                }) {
                    let uid = event["metadata"]["uid"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let text = format!(
                        "{}: {}",
                        event["reason"].as_str().unwrap_or_default(),
                        event["message"].as_str().unwrap_or_default()
                    );
                    let warning = event["type"] == "Warning";
                    if warning {
                        warnings.push(text.clone());
                    }
                    if self.event_keys.get(&uid) != Some(&event["count"]) {
                        self.event_keys.insert(uid, event["count"].clone());
                        let at = event["lastTimestamp"]
                            .as_str()
                            .or(event["eventTime"].as_str());
                        entries.push(entry(
                            EntrySource::Member,
                            warning,
                            &text,
                            event["involvedObject"]["name"].as_str().map(str::to_string),
                            at,
                        ));
                    }
                }
                self.seen.member_warnings = warnings;
            }
            Signal::Log(line) => {
                let message = log_message(&line);
                if !message.starts_with("Retrying in") && !self.log_messages.contains(&message) {
                    let warning = line.starts_with('E') || line.starts_with('W');
                    entries.push(entry(EntrySource::Agent, warning, &message, None, None));
                    self.log_messages.push(message);
                }
                self.seen.agent_log.push(line);
                let excess = self.seen.agent_log.len().saturating_sub(50);
                self.seen.agent_log.drain(..excess);
            }
            Signal::Refused { watching, code } => {
                let what = match watching {
                    Watching::Cluster => "the Cluster on the host",
                    Watching::Other(what) => what,
                };
                let title = format!(
                    "cannot watch {what}: {}",
                    if code == 401 {
                        "the credentials are refused (401); they may have expired"
                    } else {
                        "not allowed (403)"
                    }
                );
                let source = if what.ends_with("on the host") {
                    EntrySource::Host
                } else {
                    EntrySource::Member
                };
                if !self.refusals.contains(&title) {
                    entries.push(entry(source, true, &title, None, None));
                    self.refusals.push(title);
                }
            }
            Signal::Skew(skew) => {
                self.seen.member_clock_skew_secs = Some(skew);
                if skew.abs() > diagnose::CLOCK_SKEW_LIMIT_SECS {
                    entries.push(entry(
                        EntrySource::Member,
                        true,
                        &format!(
                            "the member's clock differs from the host's by {} s",
                            skew.abs()
                        ),
                        None,
                        None,
                    ));
                }
            }
        }
        self.changed |= !entries.is_empty();
        entries
    }

    fn snapshot(&self, elapsed: Duration) -> JoinSnapshot {
        let cluster = self.seen.cluster.as_ref();
        let pods = self.watch_member.then_some(self.agent_pods.len() as u32);
        JoinSnapshot {
            cluster: self.seen.cluster_name.clone(),
            exists: cluster.is_some(),
            step: cluster.map_or(JoinStep::Waiting, step),
            ready: cluster.is_some_and(conditions::is_ready),
            conditions: cluster.map(condition_views).unwrap_or_default(),
            diagnoses: diagnose::diagnose(&self.seen),
            agent_pods_ready: self
                .watch_member
                .then(|| self.agent_pods.iter().filter(|p| pod_ready(p)).count() as u32),
            agent_pods: pods,
            elapsed_ms: elapsed.as_millis() as u64,
        }
    }
}

fn entry(
    source: EntrySource,
    warning: bool,
    title: &str,
    detail: Option<String>,
    reported_at: Option<&str>,
) -> TimelineEntry {
    TimelineEntry {
        at_unix_ms: super::record::now_ms(),
        reported_at: reported_at.map(str::to_string),
        source,
        warning,
        title: title.into(),
        detail,
    }
}

fn condition_views(cluster: &Value) -> Vec<ConditionView> {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    conditions_of(cluster)
        .map(|c| ConditionView {
            kind: c["type"].as_str().unwrap_or_default().into(),
            status: c["status"].as_str().unwrap_or_default().into(),
            reason: text(&c["reason"]),
            message: text(&c["message"]),
            last_transition_time: text(&c["lastTransitionTime"]),
        })
        .collect()
}

/// Entries for what changed on the Cluster: conditions, the ks-core install job, deletion.
fn cluster_entries(
    before: Option<&Value>,
    after: Option<&Value>,
    seen_before: bool,
) -> Vec<TimelineEntry> {
    let mut entries = Vec::new();
    let Some(after) = after else {
        if seen_before {
            entries.push(entry(
                EntrySource::Host,
                true,
                "the Cluster was deleted from the host",
                None,
                None,
            ));
        } else {
            entries.push(entry(
                EntrySource::Host,
                true,
                "the host has no Cluster of this name",
                None,
                None,
            ));
        }
        return entries;
    };
    if before.is_none() {
        entries.push(entry(
            EntrySource::Host,
            false,
            "the Cluster is on the host",
            None,
            after["metadata"]["creationTimestamp"].as_str(),
        ));
    }
    let old = before.map(condition_views).unwrap_or_default();
    for condition in condition_views(after) {
        let same = old.iter().any(|o| {
            o.kind == condition.kind
                && o.status == condition.status
                && o.message == condition.message
        });
        if !same {
            let warning = condition.status != "True";
            entries.push(entry(
                EntrySource::Host,
                warning,
                &format!("{}: {}", condition.kind, condition.status),
                condition.message.clone(),
                condition.last_transition_time.as_deref(),
            ));
        }
    }
    let job = |c: Option<&Value>| {
        c.and_then(|c| {
            c["metadata"]["annotations"]["kubesphere.io/install-core-jobname"]
                .as_str()
                .map(str::to_string)
        })
    };
    if let Some(name) = job(Some(after)).filter(|n| job(before).as_ref() != Some(n)) {
        entries.push(entry(
            EntrySource::Host,
            false,
            "the host is installing KubeSphere's core into the member",
            Some(format!("helm executor Job kubesphere-system/{name}")),
            None,
        ));
    }
    if after["metadata"]["deletionTimestamp"].is_string()
        && before.is_some_and(|b| b["metadata"]["deletionTimestamp"].is_null())
    {
        entries.push(entry(
            EntrySource::Host,
            true,
            "the Cluster is being deleted",
            None,
            after["metadata"]["deletionTimestamp"].as_str(),
        ));
    }
    entries
}

/// `Pending`, `Running, ready`, `waiting: ImagePullBackOff (…)`, with restarts.
fn pod_state(pod: &Value) -> String {
    let containers = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let waiting = containers.iter().find_map(|c| {
        let reason = c["state"]["waiting"]["reason"].as_str()?;
        Some(match c["state"]["waiting"]["message"].as_str() {
            Some(message) if !message.is_empty() => format!("waiting: {reason} ({message})"),
            _ => format!("waiting: {reason}"),
        })
    });
    let restarts: u64 = containers
        .iter()
        .filter_map(|c| c["restartCount"].as_u64())
        .sum();
    let mut state = waiting.unwrap_or_else(|| {
        let phase = pod["status"]["phase"]
            .as_str()
            .unwrap_or("Pending")
            .to_string();
        if pod_ready(pod) {
            format!("{phase}, ready")
        } else {
            phase
        }
    });
    if restarts > 0 {
        state.push_str(&format!(", {restarts} restarts"));
    }
    state
}

/// A klog line without its header and attempt counter, to tell repeats apart.
fn log_message(line: &str) -> String {
    let body = line.split_once("] ").map_or(line, |(_, rest)| rest);
    let body = body.split(" (Attempt: ").next().unwrap_or(body);
    body.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn klog_repeats_collapse_to_one_message() {
        let a = "E1201 10:00:00.000001       1 agent.go:166] Connection error: dial tcp 1.2.3.4:8080: i/o timeout";
        let b = "E1201 10:00:03.000001       1 agent.go:166] Connection error: dial tcp 1.2.3.4:8080: i/o timeout (Attempt: 2)";
        assert_eq!(log_message(a), log_message(b));
        assert_eq!(
            log_message(a),
            "Connection error: dial tcp 1.2.3.4:8080: i/o timeout"
        );
    }

    #[test]
    fn condition_changes_become_entries_once() {
        let before = json!({"metadata": {}, "status": {"conditions": [{"type": "Initialized", "status": "True", "message": "Cluster has been initialized"}]}});
        let after = json!({"metadata": {"annotations": {"kubesphere.io/install-core-jobname": "helm-executor-install-ks-core-abcde"}},
            "status": {"conditions": [{"type": "Initialized", "status": "True", "message": "Cluster has been initialized"},
                                       {"type": "AgentAvailable", "status": "True", "message": "Agent has connected to proxy successfully."}]}});
        let entries = cluster_entries(Some(&before), Some(&after), true);
        let titles: Vec<_> = entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "AgentAvailable: True",
                "the host is installing KubeSphere's core into the member"
            ]
        );
        assert_eq!(step(&after), JoinStep::AgentConnected);
        assert!(cluster_entries(Some(&after), Some(&after), true).is_empty());
        assert_eq!(
            cluster_entries(Some(&after), None, true)[0].title,
            "the Cluster was deleted from the host"
        );
    }

    #[test]
    fn pod_states_read_like_kubectl() {
        let pod = json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"restartCount": 0, "state": {"running": {}}}]}});
        assert_eq!(pod_state(&pod), "Running, ready");
        let pulling = json!({"status": {"phase": "Pending", "containerStatuses": [{"restartCount": 2, "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}});
        assert_eq!(
            pod_state(&pulling),
            "waiting: ImagePullBackOff (Back-off pulling image), 2 restarts"
        );
    }
}
