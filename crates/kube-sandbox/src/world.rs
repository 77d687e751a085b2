//! One cluster's state and the write semantics shared by the HTTP API, the controllers and
//! the test handle: optimistic concurrency, system metadata, generation, finalizers,
//! managedFields, dry runs.

use crate::clock::Clock;
use crate::defaults::{self, Allocators};
use crate::logs::ContainerLog;
use crate::managed;
use crate::registry::{Registry, ResourceId, ResourceType};
use crate::status::{ApiError, ApiResult};
use crate::store::{Key, Store};
use crate::strategic;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// How a write is carried out.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    /// The field manager (`fieldManager`, or derived from the User-Agent).
    pub manager: String,
}

/// The patch formats kube-apiserver accepts besides server-side apply (`World::apply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Json,
    Merge,
    Strategic,
}

/// How dependents of a deleted object are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub propagation: Propagation,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

/// Text written by a pod's containers, keyed by (namespace, pod, container).
pub type PodLogs = BTreeMap<(String, String, String), ContainerLog>;

pub struct World {
    pub store: Store,
    pub registry: Registry,
    pub logs: PodLogs,
    pub alloc: Allocators,
    /// New pods go straight to Running (a scenario may hold them in Pending instead).
    pub pods_start_running: bool,
    /// None: every image is already present on the node.
    pub image_policy: Option<crate::images::ImagePolicy>,
    /// The cluster CA, published in every namespace's `kube-root-ca.crt`.
    pub ca_pem: String,
    /// Every timestamp the cluster writes comes from it.
    pub clock: Clock,
    /// Set by deletions; garbage collection only runs when something went away.
    pub(crate) deleted_something: bool,
}

const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A random suffix like the ones generateName and controllers use.
pub fn random_suffix(len: usize) -> String {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(len)
        .map(|b| NAME_ALPHABET[*b as usize % NAME_ALPHABET.len()] as char)
        .collect()
}

pub fn key(rt: &ResourceType, namespace: &str, name: &str) -> Key {
    Key {
        resource: rt.id(),
        namespace: if rt.namespaced {
            namespace.into()
        } else {
            String::new()
        },
        name: name.into(),
    }
}

fn meta_str<'a>(object: &'a Value, field: &str) -> &'a str {
    object["metadata"][field].as_str().unwrap_or_default()
}

/// The object without its resourceVersion, to tell whether a write changed anything
/// (ownership changes count: a second manager applying equal values is a real write).
fn user_content(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(meta) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    copy
}

/// Whether anything other than metadata and status differs (what bumps `generation`).
fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut copy = v.clone();
        if let Some(m) = copy.as_object_mut() {
            m.remove("metadata");
            m.remove("status");
        }
        copy
    };
    strip(old) != strip(new)
}

fn finalizers_empty(object: &Value) -> bool {
    object["metadata"]["finalizers"]
        .as_array()
        .is_none_or(Vec::is_empty)
}

impl World {
    pub fn new(log_capacity: usize, ca_pem: String, clock: Clock) -> Self {
        Self {
            store: Store::new(log_capacity),
            registry: Registry::default(),
            logs: PodLogs::new(),
            alloc: Allocators::default(),
            pods_start_running: true,
            image_policy: None,
            ca_pem,
            clock,
            deleted_something: false,
        }
    }

    pub fn resource(&self, id: &ResourceId) -> Option<ResourceType> {
        self.registry.by_id(id).cloned()
    }

    fn check_type(rt: &ResourceType, object: &mut Value) -> ApiResult<()> {
        if !object.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        let api_version = rt.api_version();
        match object["apiVersion"].as_str() {
            Some(v) if v != api_version => {
                return Err(ApiError::bad_request(format!(
                    "the API version in the data ({v}) does not match the expected API version ({api_version})"
                )))
            }
            _ => object["apiVersion"] = json!(api_version),
        }
        match object["kind"].as_str() {
            Some(k) if k != rt.kind => {
                return Err(ApiError::bad_request(format!(
                    "the kind in the data ({k}) does not match the expected kind ({})",
                    rt.kind
                )))
            }
            _ => object["kind"] = json!(rt.kind),
        }
        if !object["metadata"].is_object() {
            object["metadata"] = json!({});
        }
        shape_errors(rt, object)
    }

    fn check_namespace(
        &self,
        rt: &ResourceType,
        namespace: &str,
        object: &mut Value,
    ) -> ApiResult<()> {
        if !rt.namespaced {
            if let Some(m) = object["metadata"].as_object_mut() {
                m.remove("namespace");
            }
            return Ok(());
        }
        match object["metadata"]["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != namespace => {
                return Err(ApiError::bad_request("the namespace of the provided object does not match the namespace sent on the request"))
            }
            _ => object["metadata"]["namespace"] = json!(namespace),
        }
        let ns_key = Key {
            resource: ResourceId {
                group: String::new(),
                plural: "namespaces".into(),
            },
            namespace: String::new(),
            name: namespace.into(),
        };
        match self.store.get(&ns_key) {
            None => Err(ApiError::not_found("", "namespaces", namespace)),
            Some(ns) if !ns["metadata"]["deletionTimestamp"].is_null() => Err(ApiError::forbidden(
                format!("{} \"{}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated", crate::status::qualified(&rt.group, &rt.plural), meta_str(object, "name")),
                &rt.group,
                &rt.plural,
                meta_str(object, "name"),
            )),
            Some(_) => Ok(()),
        }
    }

    /// Creates an object; `managed` is false when server-side apply already set managedFields.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        mut object: Value,
        opts: &WriteOptions,
        managed: bool,
    ) -> ApiResult<Value> {
        Self::check_type(rt, &mut object)?;
        if meta_str(&object, "name").is_empty() {
            let prefix = meta_str(&object, "generateName").to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    &rt.kind,
                    &rt.group,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
            object["metadata"]["name"] = json!(format!("{prefix}{}", random_suffix(5)));
        }
        let name = meta_str(&object, "name").to_string();
        defaults::validate_name(rt, &name)?;
        self.check_namespace(rt, namespace, &mut object)?;
        let key = key(rt, namespace, &name);
        if self.store.get(&key).is_some() {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &name));
        }
        if let Some(meta) = object["metadata"].as_object_mut() {
            for field in [
                "resourceVersion",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "selfLink",
            ] {
                meta.remove(field);
            }
            meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            meta.insert("creationTimestamp".into(), json!(self.clock.now_rfc3339()));
        }
        if rt.has_status() {
            if let Some(m) = object.as_object_mut() {
                m.remove("status");
            }
        }
        if !rt.builtin || (object.get("spec").is_some() && rt.kind != "Pod") {
            object["metadata"]["generation"] = json!(1);
        }
        let now = self.clock.now_rfc3339();
        defaults::on_create(rt, &mut object, &mut self.alloc, &now)?;
        if managed {
            managed::record_update(
                None,
                &mut object,
                &opts.manager,
                &rt.api_version(),
                rt.builtin,
                &now,
            );
        }
        if opts.dry_run {
            return Ok(object);
        }
        let stored = self.commit(rt, key, object);
        self.settle();
        Ok(stored)
    }

    pub fn get(&self, rt: &ResourceType, namespace: &str, name: &str) -> ApiResult<Value> {
        self.store
            .get(&key(rt, namespace, name))
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
    }

    /// PUT: replaces the object (or only its status for the `status` sub-resource).
    pub fn update(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        mut object: Value,
        opts: &WriteOptions,
        subresource: Option<&str>,
    ) -> ApiResult<Value> {
        Self::check_type(rt, &mut object)?;
        let old = self.get(rt, namespace, name)?;
        match meta_str(&object, "name") {
            "" => object["metadata"]["name"] = json!(name),
            n if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )))
            }
            _ => {}
        }
        self.check_namespace(rt, namespace, &mut object)?;
        let sent_rv = meta_str(&object, "resourceVersion");
        if !sent_rv.is_empty() && sent_rv != meta_str(&old, "resourceVersion") {
            return Err(ApiError::stale(&rt.group, &rt.plural, name));
        }
        self.replace(rt, namespace, old, object, opts, subresource, true)
    }

    /// The shared tail of update, patch and apply.
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        old: Value,
        object: Value,
        opts: &WriteOptions,
        subresource: Option<&str>,
        managed: bool,
    ) -> ApiResult<Value> {
        let name = meta_str(&old, "name").to_string();
        let mut new = if subresource == Some("status") {
            let mut new = old.clone();
            new["status"] = object["status"].clone();
            new
        } else {
            let mut new = object;
            for field in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ] {
                match old["metadata"].get(field) {
                    Some(v) => new["metadata"][field] = v.clone(),
                    None => {
                        if let Some(m) = new["metadata"].as_object_mut() {
                            m.remove(field);
                        }
                    }
                }
            }
            if rt.has_status() {
                new["status"] = old["status"].clone();
                if new["status"].is_null() {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            if old["metadata"]["generation"].is_i64() && spec_changed(&old, &new) {
                new["metadata"]["generation"] =
                    json!(old["metadata"]["generation"].as_i64().unwrap_or(0) + 1);
            }
            new
        };
        defaults::on_update(rt, &mut new, &mut self.alloc);
        defaults::check_immutable(rt, &old, &new)?;
        if managed {
            managed::record_update(
                Some(&old),
                &mut new,
                &opts.manager,
                &rt.api_version(),
                rt.builtin,
                &self.clock.now_rfc3339(),
            );
        }
        if opts.dry_run || user_content(&old) == user_content(&new) {
            return Ok(if opts.dry_run { new } else { old });
        }
        let key = key(rt, namespace, &name);
        if !new["metadata"]["deletionTimestamp"].is_null()
            && finalizers_empty(&new)
            && rt.kind != "Namespace"
        {
            self.erase(&key);
            self.settle();
            return Ok(new);
        }
        let stored = self.commit(rt, key, new);
        self.settle();
        Ok(stored)
    }

    /// PATCH as JSON patch, merge patch or strategic merge patch.
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        kind: PatchKind,
        body: &Value,
        opts: &WriteOptions,
        subresource: Option<&str>,
    ) -> ApiResult<Value> {
        let old = self.get(rt, namespace, name)?;
        let mut patched = old.clone();
        match kind {
            PatchKind::Json => {
                let patch: json_patch::Patch = serde_json::from_value(body.clone())
                    .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
                json_patch::patch(&mut patched, &patch).map_err(|e| {
                    ApiError::invalid(&rt.kind, &rt.group, name, "", &e.to_string())
                })?;
            }
            PatchKind::Merge => json_patch::merge(&mut patched, body),
            PatchKind::Strategic if !rt.builtin => {
                return Err(ApiError::unsupported_media_type(
                    "application/strategic-merge-patch+json (not supported for custom resources)",
                ))
            }
            PatchKind::Strategic => strategic::merge(&mut patched, body, true),
        }
        Self::check_type(rt, &mut patched)?;
        let sent_rv = meta_str(&patched, "resourceVersion");
        if !sent_rv.is_empty() && sent_rv != meta_str(&old, "resourceVersion") {
            return Err(ApiError::stale(&rt.group, &rt.plural, name));
        }
        self.replace(rt, namespace, old, patched, opts, subresource, true)
    }

    /// Server-side apply: creates the object when missing, else merges by ownership.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        body: &Value,
        opts: &WriteOptions,
        force: bool,
        subresource: Option<&str>,
    ) -> ApiResult<Value> {
        let current = self.store.get(&key(rt, namespace, name)).cloned();
        let mut applied = body.clone();
        Self::check_type(rt, &mut applied)?;
        if meta_str(&applied, "name") != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                meta_str(&applied, "name")
            )));
        }
        let merged = managed::apply(
            current.as_ref(),
            &applied,
            &opts.manager,
            &rt.api_version(),
            force,
            rt.builtin,
            &self.clock.now_rfc3339(),
        )
        .map_err(|conflicts| {
            ApiError::apply_conflict(
                &rt.group,
                &rt.plural,
                name,
                managed::conflict_message(&conflicts),
                &conflicts,
            )
        })?;
        match current {
            None => self.create(rt, namespace, merged, opts, false),
            Some(old) => self.replace(rt, namespace, old, merged, opts, subresource, false),
        }
    }

    pub fn delete(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Value> {
        let old = self.get(rt, namespace, name)?;
        if let Some(uid) = &opts.uid {
            if uid != meta_str(&old, "uid") {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        meta_str(&old, "uid")
                    ),
                ));
            }
        }
        if let Some(rv) = &opts.resource_version {
            if rv != meta_str(&old, "resourceVersion") {
                return Err(ApiError::conflict(&rt.group, &rt.plural, name, &format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}", meta_str(&old, "resourceVersion"))));
            }
        }
        if opts.dry_run {
            return Ok(old);
        }
        let key = key(rt, namespace, name);
        match opts.propagation {
            Propagation::Orphan => self.orphan_dependents(meta_str(&old, "uid")),
            Propagation::Foreground => {
                let mut marked = old.clone();
                let finalizers = marked["metadata"]["finalizers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if !finalizers.iter().any(|f| f == "foregroundDeletion")
                    && self.has_dependents(meta_str(&old, "uid"))
                {
                    let mut finalizers = finalizers;
                    finalizers.push(json!("foregroundDeletion"));
                    marked["metadata"]["finalizers"] = json!(finalizers);
                    self.store.put(key.clone(), marked);
                    // Wakes the garbage collector, which deletes the dependents first.
                    self.deleted_something = true;
                }
            }
            Propagation::Background => {}
        }
        let result = self.remove_or_mark(&key);
        self.settle();
        result.ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
    }

    /// Deletes at once, or marks for deletion while finalizers remain (namespaces always wait
    /// for their content to go).
    pub(crate) fn remove_or_mark(&mut self, key: &Key) -> Option<Value> {
        let object = self.store.get(key)?.clone();
        let is_namespace = key.resource.group.is_empty() && key.resource.plural == "namespaces";
        if finalizers_empty(&object) && !is_namespace {
            return self.erase(key);
        }
        if !object["metadata"]["deletionTimestamp"].is_null() {
            return Some(object);
        }
        let mut marked = object;
        marked["metadata"]["deletionTimestamp"] = json!(self.clock.now_rfc3339());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        if is_namespace {
            marked["status"]["phase"] = json!("Terminating");
        }
        Some(self.store.put(key.clone(), marked))
    }

    /// Removes an object for good; a CRD takes its resource and every custom object with it,
    /// as the apiserver's CRD cleanup finalizer does.
    fn erase(&mut self, key: &Key) -> Option<Value> {
        let removed = self.store.remove(key)?;
        self.deleted_something = true;
        if key.resource == crd_id() {
            let served = ResourceId {
                group: removed["spec"]["group"].as_str().unwrap_or_default().into(),
                plural: removed["spec"]["names"]["plural"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
            };
            let objects: Vec<Key> = self
                .store
                .list_owned(served)
                .map(|(k, _)| k.clone())
                .collect();
            for object in objects {
                self.store.remove(&object);
            }
            self.refresh_crds();
        }
        Some(removed)
    }

    fn has_dependents(&self, uid: &str) -> bool {
        self.store_objects().any(|(_, o)| owned_by(o, uid))
    }

    fn orphan_dependents(&mut self, uid: &str) {
        let dependents: Vec<(Key, Value)> = self
            .store_objects()
            .filter(|(_, o)| owned_by(o, uid))
            .map(|(k, o)| (k.clone(), o.clone()))
            .collect();
        for (key, mut object) in dependents {
            if let Some(refs) = object["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != uid);
            }
            self.store.put(key, object);
        }
    }

    /// Every stored object of every resource.
    pub(crate) fn store_objects(&self) -> impl Iterator<Item = (&Key, &Value)> {
        let ids: Vec<ResourceId> = unique_ids(&self.registry);
        ids.into_iter()
            .flat_map(move |id| self.store.list_owned(id))
    }

    /// Stores a committed object and keeps the registry in step with CRDs.
    pub(crate) fn commit(&mut self, rt: &ResourceType, key: Key, mut object: Value) -> Value {
        drop_empty_maps(&mut object);
        let stored = self.store.put(key, object);
        if rt.kind == "CustomResourceDefinition" {
            self.refresh_crds();
        }
        stored
    }

    pub(crate) fn refresh_crds(&mut self) {
        let id = crd_id();
        let crds: Vec<Value> = self.store.list(&id, None).map(|(_, v)| v.clone()).collect();
        self.registry.set_crds(crds.iter());
    }
}

/// ObjectMeta's maps are `omitempty`: the API server never stores an empty one (a patch that
/// removes the last annotation leaves no `annotations` at all).
fn drop_empty_maps(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, v| {
            !(matches!(k.as_str(), "labels" | "annotations")
                && v.as_object().is_some_and(|m| m.is_empty()))
        });
    }
}

/// Rejects the type errors Go's decoder rejects in the fields the server itself works on,
/// with its message, instead of writing into a value of the wrong shape.
fn shape_errors(rt: &ResourceType, object: &Value) -> ApiResult<()> {
    let wrong = |field: &str, want: &str| {
        Err(ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal into Go struct field {field} of type {want}",
            kind = rt.kind,
            version = rt.version,
        )))
    };
    let meta = &object["metadata"];
    for field in ["labels", "annotations"] {
        let ok = match &meta[field] {
            Value::Null => true,
            Value::Object(m) => m.values().all(Value::is_string),
            _ => false,
        };
        if !ok {
            return wrong(&format!("ObjectMeta.metadata.{field}"), "map[string]string");
        }
    }
    if !(meta["finalizers"].is_null()
        || meta["finalizers"]
            .as_array()
            .is_some_and(|f| f.iter().all(Value::is_string)))
    {
        return wrong("ObjectMeta.metadata.finalizers", "[]string");
    }
    if matches!(rt.kind.as_str(), "Secret" | "ConfigMap") {
        for field in ["data", "stringData", "binaryData"] {
            let ok = object[field].is_null()
                || object[field]
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string));
            if !ok {
                return wrong(&format!("{}.{field}", rt.kind), "map[string]string");
            }
        }
    }
    for field in ["spec", "status"] {
        if !(object[field].is_null() || object[field].is_object()) {
            return wrong(&format!("{}.{field}", rt.kind), "object");
        }
    }
    Ok(())
}

fn crd_id() -> ResourceId {
    ResourceId {
        group: "apiextensions.k8s.io".into(),
        plural: "customresourcedefinitions".into(),
    }
}

pub(crate) fn owned_by(object: &Value, uid: &str) -> bool {
    object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
}

pub(crate) fn unique_ids(registry: &Registry) -> Vec<ResourceId> {
    let mut ids: Vec<ResourceId> = Vec::new();
    for r in registry.all() {
        let id = r.id();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}
