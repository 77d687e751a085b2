//! The controllers a client notices: namespace termination, garbage collection through
//! ownerReferences, Deployment → ReplicaSet → Pod, the kubelet (`kubelet`), the `default`
//! ServiceAccount and `kube-root-ca.crt` ConfigMap in every namespace, and the Events they
//! record (repeats aggregated, as client-go's event correlator does). They run to a fixed
//! point after every committed write, so clients see a settled cluster.

use crate::managed;
use crate::registry::{ResourceId, ResourceType};
use crate::store::Key;
use crate::world::{owned_by, random_suffix, unique_ids, World};
use serde_json::{json, Value};
use std::collections::HashSet;

const MANAGER: &str = "kube-controller-manager";
/// Bounds the fixed-point loop; each round only acts on what is out of step.
const MAX_ROUNDS: usize = 32;

fn id(group: &str, plural: &str) -> ResourceId {
    ResourceId {
        group: group.into(),
        plural: plural.into(),
    }
}

fn meta<'a>(o: &'a Value, field: &str) -> &'a str {
    o["metadata"][field].as_str().unwrap_or_default()
}

fn deleting(o: &Value) -> bool {
    !o["metadata"]["deletionTimestamp"].is_null()
}

/// A short stable hash of a pod template, like `pod-template-hash`.
fn template_hash(template: &Value) -> String {
    let mut h: u32 = 0x811c9dc5;
    for b in template.to_string().bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x01000193);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|i| ALPHABET[((h >> (i * 3)) as usize ^ i) % ALPHABET.len()] as char)
        .collect()
}

fn owner_ref(owner: &Value) -> Value {
    json!({"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

impl World {
    /// Runs every controller until none has anything left to do.
    pub fn settle(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let mut acted = self.collect_garbage();
            acted |= self.terminate_namespaces();
            acted |= self.populate_namespaces();
            acted |= self.run_deployments();
            acted |= self.run_replicasets();
            acted |= self.run_kubelet();
            if !acted {
                return;
            }
        }
    }

    /// A controller write: records managedFields for the controller and commits.
    pub(crate) fn write(
        &mut self,
        rt: &ResourceType,
        key: Key,
        old: Option<&Value>,
        mut new: Value,
    ) {
        let now = self.clock.now_rfc3339();
        managed::record_update(old, &mut new, MANAGER, &rt.api_version(), rt.builtin, &now);
        self.commit(rt, key, new);
    }

    pub(crate) fn rt(&self, group: &str, plural: &str) -> Option<ResourceType> {
        self.resource(&id(group, plural))
    }

    pub(crate) fn objects(&self, group: &str, plural: &str) -> Vec<(Key, Value)> {
        self.store
            .list(&id(group, plural), None)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn create_owned(&mut self, group: &str, plural: &str, namespace: &str, mut object: Value) {
        let Some(rt) = self.rt(group, plural) else {
            return;
        };
        let name = meta(&object, "name").to_string();
        object["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
        let now = self.clock.now_rfc3339();
        object["metadata"]["creationTimestamp"] = json!(now);
        object["metadata"]["namespace"] = json!(namespace);
        let _ = crate::defaults::on_create(&rt, &mut object, &mut self.alloc, &now);
        let key = Key {
            resource: rt.id(),
            namespace: namespace.into(),
            name,
        };
        self.write(&rt, key, None, object);
    }

    /// Deletes objects all of whose owners are gone; finishes foreground deletions.
    fn collect_garbage(&mut self) -> bool {
        if !std::mem::take(&mut self.deleted_something) {
            return false;
        }
        let mut acted = false;
        let uids: HashSet<String> = self
            .store_objects()
            .map(|(_, o)| meta(o, "uid").to_string())
            .collect();
        let orphans: Vec<Key> = self
            .store_objects()
            .filter(|(_, o)| {
                let refs = o["metadata"]["ownerReferences"].as_array();
                refs.is_some_and(|r| {
                    !r.is_empty()
                        && r.iter()
                            .all(|r| !uids.contains(r["uid"].as_str().unwrap_or_default()))
                })
            })
            .filter(|(_, o)| !deleting(o))
            .map(|(k, _)| k.clone())
            .collect();
        for key in orphans {
            self.remove_or_mark(&key);
            acted = true;
        }
        let waiting: Vec<(Key, Value)> = self
            .store_objects()
            .filter(|(_, o)| {
                deleting(o)
                    && o["metadata"]["finalizers"]
                        .as_array()
                        .is_some_and(|f| f.iter().any(|f| f == "foregroundDeletion"))
            })
            .map(|(k, o)| (k.clone(), o.clone()))
            .collect();
        for (key, mut owner) in waiting {
            let uid = meta(&owner, "uid").to_string();
            let dependents: Vec<Key> = self
                .store_objects()
                .filter(|(_, o)| owned_by(o, &uid))
                .map(|(k, _)| k.clone())
                .collect();
            if dependents.is_empty() {
                if let Some(f) = owner["metadata"]["finalizers"].as_array_mut() {
                    f.retain(|f| f != "foregroundDeletion");
                }
                self.store.put(key.clone(), owner);
                self.remove_or_mark(&key);
            } else {
                for d in dependents {
                    self.remove_or_mark(&d);
                }
            }
            self.deleted_something = true;
            acted = true;
        }
        acted || self.deleted_something
    }

    /// Empties terminating namespaces, then lets them go once nothing is left.
    fn terminate_namespaces(&mut self) -> bool {
        let mut acted = false;
        for (ns_key, ns) in self
            .objects("", "namespaces")
            .into_iter()
            .filter(|(_, ns)| deleting(ns))
        {
            let name = ns_key.name.clone();
            let namespaced: Vec<ResourceId> = unique_ids(&self.registry)
                .into_iter()
                .filter(|i| self.registry.by_id(i).is_some_and(|r| r.namespaced))
                .collect();
            let content: Vec<Key> = namespaced
                .iter()
                .flat_map(|i| {
                    self.store
                        .list(i, Some(&name))
                        .map(|(k, _)| k.clone())
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut remaining = 0;
            for key in &content {
                match self.store.get(key) {
                    Some(o) if deleting(o) => remaining += 1,
                    Some(_) => {
                        self.remove_or_mark(key);
                        acted = true;
                        if self.store.get(key).is_some() {
                            remaining += 1;
                        }
                    }
                    None => {}
                }
            }
            if remaining == 0 {
                let mut done = ns.clone();
                done["spec"]["finalizers"] = json!([]);
                if done["metadata"]["finalizers"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
                {
                    self.store.remove(&ns_key);
                    self.deleted_something = true;
                } else if done != ns {
                    self.store.put(ns_key, done);
                } else {
                    continue;
                }
                acted = true;
            } else {
                let mut status = ns.clone();
                status["status"]["conditions"] = json!([{"type": "NamespaceContentRemaining", "status": "True",
                    "reason": "SomeResourcesRemain", "message": format!("Some resources are remaining: {remaining} objects with finalizers")}]);
                if status != ns {
                    self.store.put(ns_key, status);
                    acted = true;
                }
            }
        }
        acted
    }

    /// The `default` ServiceAccount and `kube-root-ca.crt` ConfigMap of every active namespace.
    fn populate_namespaces(&mut self) -> bool {
        let mut acted = false;
        for (_, ns) in self
            .objects("", "namespaces")
            .into_iter()
            .filter(|(_, ns)| !deleting(ns))
        {
            let name = meta(&ns, "name").to_string();
            let sa = Key {
                resource: id("", "serviceaccounts"),
                namespace: name.clone(),
                name: "default".into(),
            };
            if self.store.get(&sa).is_none() {
                self.create_owned("", "serviceaccounts", &name, json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}));
                acted = true;
            }
            let ca = Key {
                resource: id("", "configmaps"),
                namespace: name.clone(),
                name: "kube-root-ca.crt".into(),
            };
            if self.store.get(&ca).is_none() {
                let annotations = json!({"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."});
                self.create_owned("", "configmaps", &name, json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "kube-root-ca.crt", "annotations": annotations}, "data": {"ca.crt": self.ca_pem.clone()}}));
                acted = true;
            }
        }
        acted
    }

    /// One ReplicaSet per pod template; old ones scaled to zero; status rolled up.
    fn run_deployments(&mut self) -> bool {
        let Some(rs_rt) = self.rt("apps", "replicasets") else {
            return false;
        };
        let Some(d_rt) = self.rt("apps", "deployments") else {
            return false;
        };
        let mut acted = false;
        for (d_key, d) in self
            .objects("apps", "deployments")
            .into_iter()
            .filter(|(_, d)| !deleting(d))
        {
            let ns = d_key.namespace.clone();
            let uid = meta(&d, "uid").to_string();
            let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
            let hash = template_hash(&d["spec"]["template"]);
            let owned: Vec<(Key, Value)> = self
                .store
                .list(&rs_rt.id(), Some(&ns))
                .filter(|(_, rs)| owned_by(rs, &uid))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let current = owned
                .iter()
                .find(|(_, rs)| rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str());
            if current.is_none() {
                let mut template = d["spec"]["template"].clone();
                template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut selector = d["spec"]["selector"].clone();
                selector["matchLabels"]["pod-template-hash"] = json!(hash);
                let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": format!("{}-{hash}", meta(&d, "name")), "labels": template["metadata"]["labels"],
                                 "annotations": {"deployment.kubernetes.io/desired-replicas": replicas.to_string()},
                                 "ownerReferences": [owner_ref(&d)]},
                    "spec": {"replicas": replicas, "selector": selector, "template": template}});
                self.create_owned("apps", "replicasets", &ns, rs);
                self.record_event(
                    &ns,
                    &d,
                    "deployment-controller",
                    NORMAL,
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled up replica set {}-{hash} from 0 to {replicas}",
                        meta(&d, "name")
                    ),
                );
                acted = true;
                continue;
            }
            for (rs_key, rs) in &owned {
                let want = if rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str() {
                    replicas
                } else {
                    0
                };
                if rs["spec"]["replicas"].as_i64() != Some(want) {
                    let mut scaled = rs.clone();
                    scaled["spec"]["replicas"] = json!(want);
                    self.write(&rs_rt, rs_key.clone(), Some(rs), scaled);
                    acted = true;
                }
            }
            let sum = |field: &str, only_current: bool| -> i64 {
                owned
                    .iter()
                    .filter(|(_, rs)| {
                        !only_current
                            || rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str()
                    })
                    .filter_map(|(_, rs)| rs["status"][field].as_i64())
                    .sum()
            };
            let ready = sum("readyReplicas", false);
            let available = sum("availableReplicas", false);
            let is_available = available >= replicas;
            let mut status = json!({
                "observedGeneration": d["metadata"]["generation"],
                "replicas": sum("replicas", false),
                "updatedReplicas": sum("replicas", true),
                "readyReplicas": ready,
                "availableReplicas": available,
                "conditions": [
                    {"type": "Available", "status": if is_available { "True" } else { "False" },
                     "reason": if is_available { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                     "message": if is_available { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." }},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                     "message": format!("ReplicaSet \"{}-{hash}\" has successfully progressed.", meta(&d, "name"))}
                ]
            });
            if let Some(m) = status.as_object_mut() {
                m.retain(|_, v| v != &json!(0));
            }
            if d["status"] != status {
                let mut updated = d.clone();
                updated["status"] = status;
                self.write(&d_rt, d_key.clone(), Some(&d), updated);
                acted = true;
            }
        }
        acted
    }

    /// Creates or deletes pods to match each ReplicaSet's replicas; rolls up pod readiness.
    fn run_replicasets(&mut self) -> bool {
        let Some(rs_rt) = self.rt("apps", "replicasets") else {
            return false;
        };
        let Some(pod_rt) = self.rt("", "pods") else {
            return false;
        };
        let mut acted = false;
        for (rs_key, rs) in self
            .objects("apps", "replicasets")
            .into_iter()
            .filter(|(_, rs)| !deleting(rs))
        {
            let ns = rs_key.namespace.clone();
            let uid = meta(&rs, "uid").to_string();
            let want = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
            let pods: Vec<(Key, Value)> = self
                .store
                .list(&pod_rt.id(), Some(&ns))
                .filter(|(_, p)| owned_by(p, &uid) && !deleting(p))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if pods.len() < want {
                for _ in pods.len()..want {
                    let template = &rs["spec"]["template"];
                    let pod = json!({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": format!("{}-{}", meta(&rs, "name"), random_suffix(5)), "labels": template["metadata"]["labels"],
                                     "ownerReferences": [owner_ref(&rs)]},
                        "spec": template["spec"]});
                    self.create_owned("", "pods", &ns, pod);
                }
                acted = true;
                continue;
            }
            for (key, _) in pods.iter().skip(want) {
                self.remove_or_mark(key);
                acted = true;
            }
            let kept = &pods[..want.min(pods.len())];
            let ready = kept.iter().filter(|(_, p)| pod_ready(p)).count() as i64;
            let mut status = json!({"replicas": kept.len(), "fullyLabeledReplicas": kept.len(), "readyReplicas": ready,
                                    "availableReplicas": ready, "observedGeneration": rs["metadata"]["generation"]});
            if let Some(m) = status.as_object_mut() {
                m.retain(|k, v| k == "replicas" || v != &json!(0));
            }
            if rs["status"] != status {
                let mut updated = rs.clone();
                updated["status"] = status;
                self.write(&rs_rt, rs_key.clone(), Some(&rs), updated);
                acted = true;
            }
        }
        acted
    }

    /// A core/v1 Event about an object, reported by `component`; the same event again only
    /// raises `count` and `lastTimestamp` of the first.
    pub(crate) fn record_event(
        &mut self,
        namespace: &str,
        about: &Value,
        component: &str,
        event_type: &str,
        reason: &str,
        message: &str,
    ) {
        let now = self.clock.now_rfc3339();
        let repeated = self
            .store
            .list(&id("", "events"), Some(namespace))
            .find(|(_, e)| {
                e["involvedObject"]["uid"] == about["metadata"]["uid"]
                    && e["reason"] == reason
                    && e["message"] == message
                    && e["type"] == event_type
                    && e["source"]["component"] == component
            })
            .map(|(k, e)| (k.clone(), e.clone()));
        if let (Some((key, old)), Some(rt)) = (repeated, self.rt("", "events")) {
            let mut again = old.clone();
            again["count"] = json!(old["count"].as_i64().unwrap_or(1) + 1);
            again["lastTimestamp"] = json!(now);
            return self.write(&rt, key, Some(&old), again);
        }
        let event = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{}.{}", meta(about, "name"), random_suffix(8))},
            "involvedObject": {"apiVersion": about["apiVersion"], "kind": about["kind"], "name": about["metadata"]["name"],
                               "namespace": namespace, "uid": about["metadata"]["uid"], "resourceVersion": about["metadata"]["resourceVersion"]},
            "reason": reason, "message": message, "type": event_type, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now, "source": {"component": component},
            "reportingComponent": component, "reportingInstance": ""});
        self.create_owned("", "events", namespace, event);
    }
}

pub(crate) const NORMAL: &str = "Normal";
pub(crate) const WARNING: &str = "Warning";

fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}
