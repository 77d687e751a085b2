//! Property tests (proptest) for the invariants the fuzz targets in fuzz/ also check, here on
//! inputs shaped like real ones: the kubeconfig merge, the mirror rewrite, the proxy address
//! write, the Add Cluster form's name rule and the audit chain. See docs/reliability.md.

use onboard_core::audit::{self, Action, Change, Filter, Integrity};
use onboard_core::join::agent;
use onboard_core::join::airgap::{self, Mirror};
use onboard_core::join::form::{self, FormField};
use onboard_core::kubeconfig::load;
use onboard_core::kubeconfig::sources::{Origin, Source};
use onboard_core::kubesphere::config_place::{self, AddressPlace};
use proptest::prelude::*;
use serde_json::json;
use serde_yaml::{Mapping, Value as Yaml};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Kubeconfig merge (kubectl's rules; DESIGN.md "kubectl kubeconfig semantics").

/// One kubeconfig file: named entries drawn from a few names so that files collide.
#[derive(Debug, Clone)]
struct File {
    clusters: Vec<(String, String)>,
    users: Vec<(String, String)>,
    contexts: Vec<(String, String, String)>,
    current: String,
}

impl File {
    /// The file as kubectl writes it (JSON is YAML; kubectl reads both), each name once.
    fn text(&self) -> String {
        let clusters: Vec<_> = (self.clusters.iter())
            .map(|(n, server)| json!({"name": n, "cluster": {"server": server}}))
            .collect();
        let users: Vec<_> = (self.users.iter())
            .map(|(n, token)| json!({"name": n, "user": {"token": token}}))
            .collect();
        let contexts: Vec<_> = (self.contexts.iter())
            .map(|(n, c, ns)| json!({"name": n, "context": {"cluster": c, "user": c, "namespace": ns}}))
            .collect();
        json!({
            "apiVersion": "v1", "kind": "Config", "current-context": self.current,
            "clusters": clusters, "users": users, "contexts": contexts,
        })
        .to_string()
    }

    fn renamed(mut self, prefix: &str) -> Self {
        for (name, _) in self.clusters.iter_mut().chain(self.users.iter_mut()) {
            name.insert_str(0, prefix);
        }
        for (name, _, _) in &mut self.contexts {
            name.insert_str(0, prefix);
        }
        self
    }
}

fn unique<T>(mut entries: Vec<(String, T)>) -> Vec<(String, T)> {
    let mut seen = std::collections::HashSet::new();
    entries.retain(|(name, _)| seen.insert(name.clone()));
    entries
}

fn file() -> impl Strategy<Value = File> {
    let name = "[a-e]{1,2}";
    let value = "[a-z0-9:/.-]{0,12}";
    (
        prop::collection::vec((name, value), 0..5),
        prop::collection::vec((name, value), 0..5),
        prop::collection::vec((name, (name, value)), 0..5),
        prop_oneof![Just(String::new()), name.prop_map(String::from)],
    )
        .prop_map(|(clusters, users, contexts, current)| File {
            clusters: unique(clusters),
            users: unique(users),
            contexts: unique(contexts)
                .into_iter()
                .map(|(n, (c, ns))| (n, c, ns))
                .collect(),
            current,
        })
}

/// Writes `files` (`None`: a KUBECONFIG element that does not exist) and loads them.
fn load_files(dir: &Path, files: &[Option<File>]) -> load::Merged {
    let sources: Vec<Source> = files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let path = dir.join(format!("config-{i}"));
            match file {
                Some(file) => std::fs::write(&path, file.text()).unwrap(),
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
            Source {
                exists: path.is_file(),
                path,
                origin: Origin::Env,
            }
        })
        .collect();
    load::load(&sources).unwrap()
}

fn names<T>(list: &Option<Vec<onboard_core::kubeconfig::model::Named<T>>>) -> Vec<String> {
    list.iter().flatten().map(|e| e.name.clone()).collect()
}

proptest! {
    #[test]
    fn the_first_file_wins_each_entry_and_sets_current_context(
        files in prop::collection::vec(prop::option::weighted(0.85, file()), 1..5)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let merged = load_files(dir.path(), &files);
        let present: Vec<&File> = files.iter().flatten().collect();
        let current = present.iter().map(|f| f.current.as_str()).find(|c| !c.is_empty()).unwrap_or_default();
        prop_assert_eq!(&merged.config.current_context, current);
        for cluster in merged.config.clusters.iter().flatten() {
            let (at, first) = present.iter().enumerate().find_map(|(at, f)| {
                f.clusters.iter().find(|(n, _)| *n == cluster.name).map(|(_, s)| (at, s))
            }).unwrap();
            prop_assert_eq!(&cluster.value.server, first);
            let index = files.iter().enumerate().filter(|(_, f)| f.is_some()).nth(at).unwrap().0;
            prop_assert_eq!(&merged.cluster_files[&cluster.name], &dir.path().join(format!("config-{index}")));
        }
        for user in merged.config.auth_infos.iter().flatten() {
            let first = present.iter().find_map(|f| f.users.iter().find(|(n, _)| *n == user.name)).unwrap();
            prop_assert_eq!(&user.value.token, &first.1);
        }
        for context in merged.config.contexts.iter().flatten() {
            let first = present.iter().find_map(|f| f.contexts.iter().find(|(n, _, _)| *n == context.name)).unwrap();
            // Whole: cluster, user and namespace all from the first file, never mixed.
            prop_assert_eq!((&context.value.cluster, &context.value.namespace), (&first.1, &first.2));
        }
        let mut all: Vec<String> = present.iter().flat_map(|f| f.contexts.iter().map(|c| c.0.clone())).collect();
        all.sort();
        all.dedup();
        prop_assert_eq!(names(&merged.config.contexts), all, "every context once, sorted by name");
    }

    #[test]
    fn files_naming_different_entries_merge_the_same_in_any_order(
        files in prop::collection::vec(file(), 1..5).prop_flat_map(|files| {
            let files: Vec<File> = files.into_iter().enumerate().map(|(i, f)| f.renamed(&format!("f{i}-"))).collect();
            (Just(files.clone()), Just(files).prop_shuffle())
        })
    ) {
        let (files, shuffled) = files;
        let dir = tempfile::tempdir().unwrap();
        let some = |files: &[File]| files.iter().cloned().map(Some).collect::<Vec<_>>();
        let a = load_files(dir.path(), &some(&files)).config;
        let b = load_files(dir.path(), &some(&shuffled)).config;
        prop_assert_eq!(&a.clusters, &b.clusters);
        prop_assert_eq!(&a.auth_infos, &b.auth_infos);
        prop_assert_eq!(&a.contexts, &b.contexts);
        if files.iter().filter(|f| !f.current.is_empty()).count() <= 1 {
            prop_assert_eq!(&a.current_context, &b.current_context);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The mirror rewrite (air-gapped members).

/// An image reference: optional registry, repository path, optional tag and digest.
#[derive(Debug, Clone)]
struct Image {
    registry: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Image {
    fn reference(&self) -> String {
        let mut text = match &self.registry {
            Some(registry) => format!("{registry}/{}", self.path),
            None => self.path.clone(),
        };
        if let Some(tag) = &self.tag {
            text.push_str(&format!(":{tag}"));
        }
        if let Some(digest) = &self.digest {
            text.push_str(&format!("@{digest}"));
        }
        text
    }

    /// The repository path on docker.io's terms: one component means `library/…`.
    fn normal_path(&self) -> String {
        let public = self.registry.as_deref().is_none_or(|r| r == "docker.io");
        if public && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.clone()
        }
    }
}

fn image() -> impl Strategy<Value = Image> {
    (
        prop::option::of(prop_oneof![
            Just("docker.io".to_string()),
            Just("quay.io".to_string()),
            Just("localhost:5000".to_string()),
            Just("mirror.local:5000".to_string()),
            Just("10.0.0.1:5000".to_string()),
            "[a-z]{1,6}\\.(io|com|local)(:[0-9]{2,5})?",
        ]),
        "[a-z0-9]{1,8}(-[a-z0-9]{1,4})?(/[a-z0-9]{1,8}(_[a-z0-9]{1,3})?){0,2}",
        prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}"),
        prop::option::of("sha256:[0-9a-f]{64}"),
    )
        .prop_map(|(registry, path, tag, digest)| Image {
            registry,
            path,
            tag,
            digest,
        })
}

fn mirror() -> impl Strategy<Value = Mirror> {
    (
        prop_oneof![
            Just("mirror.local:5000".to_string()),
            Just("harbor.corp/ks".to_string()),
            "[a-z]{1,6}(\\.[a-z]{2,4}){1,2}(:[0-9]{2,5})?(/[a-z0-9]{1,6}){0,2}",
        ],
        prop::collection::vec("[a-z][a-z0-9-]{0,8}[a-z0-9]", 0..3),
    )
        .prop_map(|(registry, pull_secrets)| Mirror {
            registry,
            pull_secrets,
        })
}

proptest! {
    #[test]
    fn mirrored_keeps_repository_tag_and_digest_and_is_idempotent(image in image(), mirror in mirror()) {
        let reference = image.reference();
        let once = airgap::mirrored(&reference, &mirror.registry);
        prop_assert_eq!(airgap::mirrored(&once, &mirror.registry), once.clone());
        let on_mirror = image.registry.as_deref() == Some(mirror.registry.as_str())
            || reference.starts_with(&format!("{}/", mirror.registry));
        let mut expected = if on_mirror {
            reference.clone()
        } else {
            format!("{}/{}", mirror.registry, image.normal_path())
        };
        if !on_mirror {
            if let Some(tag) = &image.tag { expected.push_str(&format!(":{tag}")); }
            if let Some(digest) = &image.digest { expected.push_str(&format!("@{digest}")); }
        }
        prop_assert_eq!(once, expected);
    }

    #[test]
    fn rewrite_points_every_container_at_the_mirror_once(
        images in prop::collection::vec(image(), 1..4),
        init in prop::collection::vec(image(), 0..2),
        mirror in mirror(),
    ) {
        let refs = |images: &[Image]| -> Vec<_> {
            images.iter().map(|i| json!({"name": "c", "image": i.reference()})).collect()
        };
        let mut documents = agent::template(
            "member", "t0k3n", "http://1.2.3.4:30000", agent::DEFAULT_AGENT_IMAGE, false,
        );
        documents[3]["spec"]["template"]["spec"]["containers"] = json!(refs(&images));
        documents[3]["spec"]["template"]["spec"]["initContainers"] = json!(refs(&init));
        let before = documents.clone();
        airgap::rewrite(&mut documents, &mirror);
        let spec = &documents[3]["spec"]["template"]["spec"];
        for (list, images) in [("containers", &images), ("initContainers", &init)] {
            for (container, image) in spec[list].as_array().unwrap().iter().zip(images.iter()) {
                prop_assert_eq!(
                    container["image"].as_str().unwrap(),
                    airgap::mirrored(&image.reference(), &mirror.registry)
                );
            }
        }
        let secrets: Vec<&str> = (spec["imagePullSecrets"].as_array().into_iter().flatten())
            .filter_map(|s| s["name"].as_str())
            .collect();
        for name in &mirror.pull_secrets {
            prop_assert_eq!(secrets.iter().filter(|s| *s == name).count(), 1);
        }
        // Only the Deployment changed, and a second rewrite changes nothing.
        prop_assert_eq!(&documents[..3], &before[..3]);
        let once = documents.clone();
        prop_assert!(airgap::rewrite(&mut documents, &mirror).is_empty());
        prop_assert_eq!(documents, once);
    }

    #[test]
    fn the_cluster_configuration_names_the_mirror_it_was_given(mirror in mirror(), extra in "[a-z]{1,8}") {
        prop_assume!(extra != "global");
        let config = format!("{extra}: 1\nglobal:\n  tag: v4.1.3\n");
        let written = airgap::config_with(&config, &mirror).unwrap();
        prop_assert_eq!(airgap::mirror_in_config(&written), Some(mirror));
        let parsed: Yaml = serde_yaml::from_str(&written).unwrap();
        prop_assert_eq!(&parsed[extra.as_str()], &Yaml::from(1));
        prop_assert_eq!(&parsed["global"]["tag"], &Yaml::from("v4.1.3"));
    }
}

// ---------------------------------------------------------------------------------------
// The proxy address write: only proxyPublishAddress changes.

fn yaml_value() -> impl Strategy<Value = Yaml> {
    let leaf = prop_oneof![
        Just(Yaml::Null),
        any::<bool>().prop_map(Yaml::from),
        any::<i64>().prop_map(Yaml::from),
        "[ -~]{0,12}".prop_map(Yaml::from),
        // Strings a YAML reader could take for something else.
        prop::sample::select(vec![
            "yes", "off", "~", "012", "1e3", "true", "- a", "a: b", "#x", ""
        ])
        .prop_map(Yaml::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Yaml::Sequence),
            prop::collection::vec(("[a-zA-Z]{1,8}", inner), 0..4).prop_map(|entries| {
                Yaml::Mapping(
                    entries
                        .into_iter()
                        .map(|(k, v)| (Yaml::from(k), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn configuration() -> impl Strategy<Value = Mapping> {
    prop::collection::vec(
        (
            prop_oneof![
                "[a-zA-Z]{1,10}",
                Just("proxyPublishAddress".to_string()),
                Just("multicluster".to_string()),
                Just("jwtSecret".to_string()),
            ],
            yaml_value(),
        ),
        0..6,
    )
    .prop_map(|entries| {
        entries
            .into_iter()
            .map(|(k, v)| (Yaml::from(k), v))
            .collect()
    })
}

fn url() -> impl Strategy<Value = String> {
    "https?://[a-z0-9.-]{1,20}(:[0-9]{1,5})?"
}

/// `after` is `before` with only `key` set: other keys keep value and position.
fn only_key_changed(before: &Mapping, after: &Mapping, key: &str) -> Result<(), TestCaseError> {
    let key = Yaml::from(key);
    let mut expected: Vec<&Yaml> = before.keys().collect();
    if !before.contains_key(&key) {
        expected.push(&key);
    }
    prop_assert_eq!(after.keys().collect::<Vec<_>>(), expected);
    for (k, v) in before.iter().filter(|(k, _)| **k != key) {
        prop_assert_eq!(after.get(k), Some(v));
    }
    Ok(())
}

proptest! {
    #[test]
    fn the_address_is_set_read_back_and_nothing_else_changes(
        config in configuration(),
        url in url(),
        which in prop::sample::select(AddressPlace::ALL.to_vec()),
    ) {
        // Through text, as it comes from the cluster.
        let text = config_place::render(&config);
        let config = config_place::parse(which, &text).unwrap();
        let changed = match config_place::with_address(which, &config, &url) {
            Ok(changed) => changed,
            Err(_) => {
                // Only a multicluster entry that is not a mapping is refused.
                prop_assert_eq!(which, AddressPlace::KubesphereConfig);
                prop_assert!(config.get("multicluster").is_some_and(|m| !m.is_null() && !m.is_mapping()));
                return Ok(());
            }
        };
        prop_assert_eq!(config_place::address_in(which, &changed), Some(url.clone()));
        if which == AddressPlace::KubesphereConfig {
            only_key_changed(&config, &changed, "multicluster")?;
            let section = |c: &Mapping| c.get("multicluster").and_then(Yaml::as_mapping).cloned().unwrap_or_default();
            only_key_changed(&section(&config), &section(&changed), "proxyPublishAddress")?;
        } else {
            only_key_changed(&config, &changed, "proxyPublishAddress")?;
        }
        let written = config_place::render(&changed);
        prop_assert_eq!(config_place::parse(which, &written).unwrap(), changed.clone());
        let shown = config_place::redacted(&changed);
        prop_assert_eq!(config_place::address_in(which, &config_place::parse(which, &shown).unwrap()), Some(url));
    }
}

// ---------------------------------------------------------------------------------------
// The Add Cluster form's name: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, at most 60 characters.

fn name_problems(name: &str) -> Vec<FormField> {
    let form = form::ClusterForm {
        name: name.into(),
        ..Default::default()
    };
    form::validate(&form).into_iter().map(|p| p.field).collect()
}

proptest! {
    #[test]
    fn a_name_of_the_console_pattern_has_no_problem(name in "[a-z0-9]([-a-z0-9]{0,58}[a-z0-9])?") {
        prop_assert!(name_problems(&name).is_empty(), "{:?}", name);
    }

    #[test]
    fn any_other_name_has_a_name_problem(
        name in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9._ -]{0,70}",
            "[a-z0-9]([-a-z0-9]{59,80}[a-z0-9])",
            "-[a-z0-9-]{0,10}|[a-z0-9-]{0,10}-",
        ]
    ) {
        let pattern = regex::Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap();
        let good = pattern.is_match(&name) && name.chars().count() <= form::NAME_MAX;
        let problems = name_problems(&name);
        prop_assert_eq!(problems.contains(&FormField::Name), !good, "{:?}", name);
        prop_assert!(problems.iter().all(|f| *f == FormField::Name), "only the name was filled in");
    }
}

// ---------------------------------------------------------------------------------------
// The audit chain: any single-byte change to a written log is found.

fn change() -> impl Strategy<Value = Change> {
    (
        prop::sample::select(vec![
            Action::ProxyAddressSet,
            Action::ClusterAdd,
            Action::AgentApply,
            Action::ClusterRemove,
        ]),
        any::<String>(),
        prop::option::of("[a-z0-9-]{1,12}"),
        any::<bool>(),
        prop::collection::vec(any::<String>(), 0..3),
        prop::option::of(any::<String>()),
    )
        .prop_map(|(action, context, cluster, dry_run, changes, error)| {
            let mut change = Change::new(action, &context).dry_run(dry_run);
            change.cluster = cluster;
            change.changes = changes;
            change.error = error;
            change
        })
}

fn log_dir(changes: &[Change]) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    for change in changes {
        audit::append(dir.path(), change.clone()).unwrap();
    }
    let log = audit::path(dir.path());
    let bytes = std::fs::read(&log).unwrap();
    (dir, log, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_to_the_log_is_found(
        changes in prop::collection::vec(change(), 1..4),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 8),
    ) {
        let (dir, log, bytes) = log_dir(&changes);
        let intact = audit::list(dir.path(), &Filter::default()).unwrap().integrity;
        prop_assert_eq!(intact, Integrity::Intact { entries: changes.len() as u64 });
        for (at, delta) in edits {
            let at = at.index(bytes.len());
            let mut edited = bytes.clone();
            edited[at] = edited[at].wrapping_add(delta);
            std::fs::write(&log, &edited).unwrap();
            let found = audit::list(dir.path(), &Filter::default()).unwrap();
            prop_assert!(
                matches!(found.integrity, Integrity::Broken { .. }),
                "byte {} changed from {:#04x} to {:#04x} went unnoticed", at, bytes[at], edited[at]
            );
            // The log refuses more entries until someone has looked at it.
            prop_assert!(audit::append(dir.path(), Change::new(Action::ClusterAdd, "host")).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------
// The fuzz targets' seed for agent.yaml is tower's template as `agent::print` writes it.

#[test]
fn the_agent_manifest_fuzz_seeds_are_the_template() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/agent_manifest");
    let cases = [
        ("template-v4.yaml", "", false),
        ("template-v3.yaml", "", true),
        (
            "template-v4-mirror.yaml",
            "mirror.local:5000\nmirror-pull\0",
            false,
        ),
    ];
    for (file, header, v3) in cases {
        let documents = agent::template(
            "member",
            "0123456789abcdef0123456789abcdef",
            "http://139.198.120.120:30000",
            agent::DEFAULT_AGENT_IMAGE,
            v3,
        );
        let expected = format!("{header}{}", agent::print(&documents));
        let path = seeds.join(file);
        if std::env::var_os("KS_ONBOARD_UPDATE_SEEDS").is_some() {
            std::fs::create_dir_all(&seeds).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            found,
            expected,
            "{} is stale: run this test with KS_ONBOARD_UPDATE_SEEDS=1",
            path.display()
        );
    }
}
