//! The object store: JSON objects by resource, namespace and name, one resourceVersion counter
//! for the whole cluster (like etcd's revision) and a bounded change log that watches resume from.

use crate::registry::ResourceId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub resource: ResourceId,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One committed write, as watches see it.
#[derive(Debug)]
pub struct Change {
    pub rv: u64,
    pub kind: ChangeKind,
    pub key: Key,
    pub object: Value,
    /// The object before a modification: watches with selectors see objects enter and leave.
    pub previous: Option<Value>,
}

/// Changes a watch missed, and the receiver for those still to come.
pub type Backlog = (Vec<Arc<Change>>, broadcast::Receiver<Arc<Change>>);

/// The change log was compacted past the revision a watch asked for.
#[derive(Debug)]
pub struct Compacted {
    pub oldest: u64,
}

pub struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    log: VecDeque<Arc<Change>>,
    log_capacity: usize,
    /// Every change with a revision above this one is still in the log.
    compacted_through: u64,
    changes: broadcast::Sender<Arc<Change>>,
}

impl Store {
    pub fn new(log_capacity: usize) -> Self {
        let (changes, _) = broadcast::channel(4096);
        Self {
            objects: BTreeMap::new(),
            rv: 1,
            log: VecDeque::new(),
            log_capacity: log_capacity.max(1),
            compacted_through: 1,
            changes,
        }
    }

    pub fn revision(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key)
    }

    /// Objects of one resource, all namespaces when `namespace` is None, sorted by namespace and name.
    pub fn list<'a>(
        &'a self,
        resource: &'a ResourceId,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> {
        let start = Key {
            resource: resource.clone(),
            namespace: namespace.unwrap_or_default().to_string(),
            name: String::new(),
        };
        self.objects.range(start..).take_while(move |(k, _)| {
            &k.resource == resource && namespace.is_none_or(|ns| k.namespace == ns)
        })
    }

    /// Like `list` over all namespaces, owning the resource id.
    pub fn list_owned(&self, resource: ResourceId) -> impl Iterator<Item = (&Key, &Value)> + '_ {
        let start = Key {
            resource: resource.clone(),
            namespace: String::new(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.resource == resource)
    }

    /// Stores an object, stamping the next resourceVersion on it; returns the stored object.
    pub fn put(&mut self, key: Key, mut object: Value) -> Value {
        self.rv += 1;
        object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let previous = self.objects.insert(key.clone(), object.clone());
        let kind = if previous.is_some() {
            ChangeKind::Modified
        } else {
            ChangeKind::Added
        };
        self.record(kind, key, object.clone(), previous);
        object
    }

    /// Removes an object; the DELETED event carries a fresh resourceVersion, as etcd's delete does.
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let mut object = self.objects.remove(key)?;
        self.rv += 1;
        object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.record(ChangeKind::Deleted, key.clone(), object.clone(), None);
        Some(object)
    }

    fn record(&mut self, kind: ChangeKind, key: Key, object: Value, previous: Option<Value>) {
        let change = Arc::new(Change {
            rv: self.rv,
            kind,
            key,
            object,
            previous,
        });
        self.log.push_back(change.clone());
        while self.log.len() > self.log_capacity {
            if let Some(dropped) = self.log.pop_front() {
                self.compacted_through = dropped.rv;
            }
        }
        // No receiver is fine: nobody is watching.
        let _ = self.changes.send(change);
    }

    /// Changes after `rv`, and a receiver for later ones, taken together so none falls between.
    pub fn watch_from(&self, rv: u64) -> Result<Backlog, Compacted> {
        if rv < self.compacted_through {
            return Err(Compacted {
                oldest: self.compacted_through,
            });
        }
        let backlog = self.log.iter().filter(|c| c.rv > rv).cloned().collect();
        Ok((backlog, self.changes.subscribe()))
    }

    /// Changes committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Forgets the change log, so every older resourceVersion is "too old" (a compaction).
    pub fn compact(&mut self) {
        self.log.clear();
        self.compacted_through = self.rv;
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ns: &str, name: &str) -> Key {
        Key {
            resource: ResourceId {
                group: String::new(),
                plural: "configmaps".into(),
            },
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn revisions_grow_and_the_log_compacts() {
        let mut store = Store::new(2);
        store.put(key("a", "one"), json!({"metadata": {}}));
        store.put(key("a", "two"), json!({"metadata": {}}));
        store.put(key("b", "three"), json!({"metadata": {}}));
        assert_eq!(store.revision(), 4);
        assert!(
            store.watch_from(1).is_err(),
            "revision 2 was compacted away"
        );
        let (backlog, _) = store.watch_from(3).unwrap();
        assert_eq!(backlog.len(), 1);
        let resource = key("", "").resource;
        assert_eq!(store.list(&resource, Some("a")).count(), 2);
        assert_eq!(store.list(&resource, None).count(), 3);
    }
}
