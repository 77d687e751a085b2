//! What the member's containers run: a task per container instance the kubelet started
//! (pod, container, restart count), for the programs the sandbox knows: tower's agent
//! (`agent`) and busybox `wget` (`probe`). A task ends with its program or is stopped when
//! its instance stops running (the pod went). Programs report their exit to the kubelet
//! through `Cluster::container_exited`.

use super::{agent, probe, World};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::{AbortHandle, JoinSet};

/// One started container: where it runs and its spec.
#[derive(Debug, Clone)]
pub struct Instance {
    pub namespace: String,
    pub pod: String,
    pub container: Value,
}

impl Instance {
    pub fn name(&self) -> &str {
        self.container["name"].as_str().unwrap_or_default()
    }

    /// The words the process is started with: `command`, then `args`.
    pub fn argv(&self) -> Vec<&str> {
        let words = self.container["command"]
            .as_array()
            .into_iter()
            .chain(self.container["args"].as_array())
            .flatten();
        words.filter_map(Value::as_str).collect()
    }
}

/// (pod uid, container, restart count)
type InstanceId = (String, String, i64);

/// The running container instances of a pod (none once it is deleted or being deleted).
fn running(pod: &Value, deleted: bool) -> Vec<(InstanceId, Instance)> {
    if deleted || !pod["metadata"]["deletionTimestamp"].is_null() {
        return Vec::new();
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let specs = pod["spec"]["containers"].as_array();
    let statuses = pod["status"]["containerStatuses"].as_array();
    statuses
        .into_iter()
        .flatten()
        .filter(|s| !s["state"]["running"].is_null())
        .filter_map(|s| {
            let spec = specs?.iter().find(|c| c["name"] == s["name"])?;
            let restarts = s["restartCount"].as_i64().unwrap_or(0);
            let id = (text(&pod["metadata"]["uid"]), text(&s["name"]), restarts);
            let instance = Instance {
                namespace: text(&pod["metadata"]["namespace"]),
                pod: text(&pod["metadata"]["name"]),
                container: spec.clone(),
            };
            Some((id, instance))
        })
        .collect()
}

struct Programs {
    world: Arc<World>,
    tasks: JoinSet<()>,
    by_instance: HashMap<InstanceId, AbortHandle>,
}

impl Programs {
    /// Brings the tasks of one pod in step with its running containers.
    fn sync(&mut self, pod: &Value, deleted: bool) {
        let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
        let now = running(pod, deleted);
        self.by_instance.retain(|id, task| {
            let keep = id.0 != uid || now.iter().any(|(running, _)| running == id);
            if !keep {
                task.abort();
            }
            keep
        });
        for (id, instance) in now {
            if self.by_instance.contains_key(&id) {
                continue;
            }
            let world = self.world.clone();
            let task = if agent::runs_in(pod, &instance) {
                self.tasks.spawn(agent::program(world, instance))
            } else if let Some(wget) = probe::Wget::of(&instance) {
                self.tasks.spawn(probe::program(world, instance, wget))
            } else {
                continue;
            };
            self.by_instance.insert(id, task);
        }
        while self.tasks.try_join_next().is_some() {}
    }
}

/// Runs the member's programs until the sandbox stops.
pub async fn run(world: Arc<World>) {
    let mut changes = world.member.changes();
    let mut programs = Programs {
        world: world.clone(),
        tasks: JoinSet::new(),
        by_instance: HashMap::new(),
    };
    for pod in world.member.list("v1", "Pod", None) {
        programs.sync(&pod, false);
    }
    while let Some(event) = changes.next().await {
        if event.object["kind"] == "Pod" {
            programs.sync(&event.object, event.kind == "DELETED");
        }
    }
}
