//! The local record of a join: what this app created on the host and on the member, so a
//! failed join can be rolled back, a removal can clean exactly what the join left, and a
//! restarted app can resume following a join in progress. One JSON file per host context
//! and cluster in `<data dir>/joins/`, written owner-only through [`crate::locked_file`].
//! It names objects, never their contents: no token, no agent.yaml.

use crate::kubesphere::backup::slug;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One object the join created (or found and left alone) on the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ObjectId {
    pub api_version: String,
    pub kind: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl ObjectId {
    pub fn of(object: &serde_json::Value) -> Self {
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        Self {
            api_version: text(&object["apiVersion"]),
            kind: text(&object["kind"]),
            namespace: text(&object["metadata"]["namespace"]),
            name: text(&object["metadata"]["name"]),
        }
    }

    /// `Kind namespace/name`, or `Kind name` when cluster-scoped.
    pub fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum JoinPhase {
    /// The Cluster exists on the host; agent.yaml not applied yet.
    Created,
    /// agent.yaml is applied on the member; waiting for Ready.
    AgentApplied,
    Ready,
    /// Removed from the host and the member cleaned.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct JoinRecord {
    pub host_context: String,
    pub member_context: Option<String>,
    pub cluster: String,
    pub phase: JoinPhase,
    /// The Cluster's uid on the host: a later Cluster of the same name is not ours.
    pub cluster_uid: Option<String>,
    /// Tag `Label`s this app created for the cluster (deleted on removal).
    pub created_tags: Vec<String>,
    /// Existing tag `Label`s the cluster was added to (taken out again on removal).
    pub bound_tags: Vec<String>,
    /// agent.yaml's objects that the apply created on the member (removal deletes these).
    pub member_created: Vec<ObjectId>,
    /// agent.yaml's objects that already existed on the member (left as they are).
    pub member_existing: Vec<ObjectId>,
    /// CustomResourceDefinitions the member had before the join (`None`: not read yet):
    /// ks-core's are removed only if they were not there.
    pub member_crds_before: Option<Vec<String>>,
    // Milliseconds fit a JavaScript number exactly for another 285,000 years.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub created_unix_ms: u64,
    // Milliseconds fit a JavaScript number exactly for another 285,000 years.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub updated_unix_ms: u64,
}

impl JoinRecord {
    pub fn new(host_context: &str, member_context: Option<&str>, cluster: &str) -> Self {
        let now = now_ms();
        Self {
            host_context: host_context.into(),
            member_context: member_context.map(str::to_string),
            cluster: cluster.into(),
            phase: JoinPhase::Created,
            cluster_uid: None,
            created_tags: Vec::new(),
            bound_tags: Vec::new(),
            member_created: Vec::new(),
            member_existing: Vec::new(),
            member_crds_before: None,
            created_unix_ms: now,
            updated_unix_ms: now,
        }
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn dir(data_dir: &Path, host_context: &str) -> PathBuf {
    data_dir.join("joins").join(slug(host_context))
}

fn path(data_dir: &Path, host_context: &str, cluster: &str) -> PathBuf {
    dir(data_dir, host_context).join(format!("{cluster}.json"))
}

pub fn save(data_dir: &Path, record: &mut JoinRecord) -> Result<()> {
    record.updated_unix_ms = now_ms();
    let bytes = serde_json::to_vec_pretty(record).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("could not encode the join record: {e}"),
        )
    })?;
    crate::locked_file::write(
        &path(data_dir, &record.host_context, &record.cluster),
        &bytes,
    )
}

/// After a failed step was taken back whole: `previous` (the record as it was before the
/// step, written as it was) or no record at all.
pub fn put_back(data_dir: &Path, record: &JoinRecord, previous: Option<&JoinRecord>) -> Result<()> {
    let file = path(data_dir, &record.host_context, &record.cluster);
    match previous {
        Some(previous) => {
            let bytes = serde_json::to_vec_pretty(previous).map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    format!("could not encode the join record: {e}"),
                )
            })?;
            crate::locked_file::write(&file, &bytes)
        }
        None => match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io("remove", &file, &e))
            }
            _ => Ok(()),
        },
    }
}

/// The record of `cluster` on `host_context`, if this app joined it.
pub fn load(data_dir: &Path, host_context: &str, cluster: &str) -> Result<Option<JoinRecord>> {
    let file = path(data_dir, host_context, cluster);
    match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| {
            Error::new(
                ErrorKind::Io,
                format!("the join record {} is not readable JSON", file.display()),
            )
            .with_hint(
                "move the file away; removal then finds the member's objects by their labels",
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", &file, &e)),
    }
}

/// Every record for `host_context`, newest first; unreadable files are skipped.
pub fn list(data_dir: &Path, host_context: &str) -> Result<Vec<JoinRecord>> {
    let folder = dir(data_dir, host_context);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &folder, &e)),
    };
    let mut records: Vec<JoinRecord> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.updated_unix_ms));
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_per_host_context_and_list_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = JoinRecord::new("ctx/host", Some("member"), "a");
        save(dir.path(), &mut first).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let mut second = JoinRecord::new("ctx/host", None, "b");
        second.phase = JoinPhase::AgentApplied;
        second.member_created.push(ObjectId {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "kubesphere-system".into(),
            name: "cluster-agent".into(),
        });
        save(dir.path(), &mut second).unwrap();
        assert_eq!(load(dir.path(), "ctx/host", "a").unwrap().unwrap(), first);
        assert_eq!(load(dir.path(), "ctx/host", "zz").unwrap(), None);
        let names: Vec<_> = list(dir.path(), "ctx/host")
            .unwrap()
            .into_iter()
            .map(|r| r.cluster)
            .collect();
        assert_eq!(names, ["b", "a"]);
        assert!(list(dir.path(), "other").unwrap().is_empty());
        assert_eq!(
            second.member_created[0].describe(),
            "Deployment kubesphere-system/cluster-agent"
        );
    }
}
