//! kube-rs (kube 5) as the client: watches, 410 Gone, dry runs, server-side apply
//! ownership and conflicts, RBAC denials, faults, and the two-cluster sandbox.

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, Config};
use kube_sandbox::{Cluster, ClusterBuilder, Sandbox, SandboxConfig, UserSpec, ADMIN, VIEWER};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime};

async fn client_from(kubeconfig: &str, context: Option<&str>) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(kubeconfig).expect("kubeconfig parses");
    let options = KubeConfigOptions {
        context: context.map(String::from),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

async fn client(cluster: &Cluster, user: &str) -> Client {
    client_from(&cluster.kubeconfig(&[("ctx", user)]).unwrap(), None).await
}

fn config_map(name: &str, data: serde_json::Value) -> ConfigMap {
    serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}),
    )
    .unwrap()
}

fn api_error(result: Result<impl std::fmt::Debug, kube::Error>) -> kube::core::Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

const STEP: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_resume_from_a_resource_version() {
    let cluster = ClusterBuilder::new("w1").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let rv = api
        .list(&Default::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    for name in ["one", "two"] {
        api.create(
            &PostParams::default(),
            &config_map(name, json!({"k": name})),
        )
        .await
        .unwrap();
    }
    let mut events = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    let mut names = Vec::new();
    while names.len() < 2 {
        match tokio::time::timeout(STEP, events.try_next())
            .await
            .unwrap()
            .unwrap()
        {
            Some(WatchEvent::Added(cm)) => names.push(cm.metadata.name.unwrap()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(names, ["one", "two"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_versions_are_gone_and_watchers_recover() {
    let cluster = ClusterBuilder::new("w2")
        .bookmark_interval(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let old = cluster.resource_version().to_string();
    api.create(&PostParams::default(), &config_map("after", json!({})))
        .await
        .unwrap();
    cluster.compact();
    let mut events = api
        .watch(&WatchParams::default(), &old)
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(STEP, events.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        Some(WatchEvent::Error(e)) => {
            assert_eq!(e.code, 410);
            assert_eq!(e.reason, "Expired");
        }
        other => panic!("expected 410, got {other:?}"),
    }

    let fresh = cluster.resource_version().to_string();
    let mut bookmarks = api
        .watch(&WatchParams::default(), &fresh)
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(STEP, bookmarks.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        Some(WatchEvent::Bookmark(b)) => assert_eq!(b.metadata.resource_version, fresh),
        other => panic!("expected a bookmark, got {other:?}"),
    }

    // kube-runtime's watcher lists, watches, and resumes after the server drops its watch.
    let mut applied = watcher(api.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();
    let first = tokio::time::timeout(STEP, applied.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(first.metadata.name.is_some());
    cluster.faults().drop_watches();
    api.create(&PostParams::default(), &config_map("after-drop", json!({})))
        .await
        .unwrap();
    let seen = tokio::time::timeout(STEP, async {
        loop {
            let cm = applied.try_next().await.unwrap().unwrap();
            if cm.metadata.name.as_deref() == Some("after-drop") {
                return cm;
            }
        }
    })
    .await;
    assert!(
        seen.is_ok(),
        "the watcher saw the object created after the drop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_expiry_answers_a_resumed_watch_like_a_compacted_apiserver() {
    let cluster = ClusterBuilder::new("w3").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let rv = cluster.resource_version().to_string();
    api.create(&PostParams::default(), &config_map("kept", json!({})))
        .await
        .unwrap();
    cluster.faults().expire_next_watches(1);
    // kube-apiserver's answer: HTTP 200, one ERROR event carrying a 410 Status, then the end.
    let mut events = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(STEP, events.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        Some(WatchEvent::Error(e)) => {
            assert_eq!((e.code, e.reason.as_str()), (410, "Expired"));
            assert!(e.is_failure(), "{e:?}");
            assert!(
                e.message
                    .starts_with(&format!("too old resource version: {rv} (")),
                "{}",
                e.message
            );
        }
        other => panic!("expected 410 Expired, got {other:?}"),
    }
    assert!(
        tokio::time::timeout(STEP, events.try_next())
            .await
            .unwrap()
            .unwrap()
            .is_none(),
        "the stream ends after the error"
    );
    assert!(cluster.faults().unspent().is_empty());
    // Nothing was compacted: the same resourceVersion resumes again once the fault is spent.
    let mut again = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(STEP, again.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        Some(WatchEvent::Added(cm)) => assert_eq!(cm.metadata.name.as_deref(), Some("kept")),
        other => panic!("expected the backlog, got {other:?}"),
    }

    // kube-runtime's watcher lists again after the 410 and carries on.
    let mut applied = watcher(api.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();
    tokio::time::timeout(STEP, applied.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    cluster.faults().expire_next_watches(1);
    cluster.faults().drop_watches();
    api.create(&PostParams::default(), &config_map("after-410", json!({})))
        .await
        .unwrap();
    let mut gone = 0;
    let seen = tokio::time::timeout(STEP, async {
        loop {
            match applied.next().await.unwrap() {
                Ok(cm) if cm.metadata.name.as_deref() == Some("after-410") => return cm,
                Ok(_) => {}
                Err(watcher::Error::WatchError(e)) if e.code == 410 => gone += 1,
                Err(other) => panic!("{other:?}"),
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "the watcher recovered from the 410");
    assert_eq!(gone, 1, "the watcher was told 410 once");
    assert!(cluster.faults().unspent().is_empty(), "the 410 was served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_requests_and_actions_before_a_request_are_deterministic() {
    use kube_sandbox::Matching;
    let cluster = std::sync::Arc::new(ClusterBuilder::new("f2").start().await.unwrap());
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");

    // Held before serving: nothing is created; the Notify says when the client can be cut.
    let held = cluster
        .faults()
        .hang_next(Matching::path("/configmaps").method("POST"));
    let (params, held_map) = (PostParams::default(), config_map("held", json!({})));
    let create = api.create(&params, &held_map);
    tokio::select! {
        _ = create => panic!("a held request is never answered"),
        _ = held.notified() => {}
    }
    assert!(cluster.get("v1", "ConfigMap", "default", "held").is_none());

    // Held after serving: the write is committed, only its answer is lost.
    let held = cluster
        .faults()
        .hang_next_after_serving(Matching::path("/configmaps").method("POST"));
    let served_map = config_map("served", json!({}));
    let create = api.create(&params, &served_map);
    tokio::select! {
        _ = create => panic!("a held request is never answered"),
        _ = held.notified() => {}
    }
    assert!(cluster
        .get("v1", "ConfigMap", "default", "served")
        .is_some());

    // Another client's edit between our read and our write makes the write a real 409.
    let read = api.get("served").await.unwrap();
    let weak = std::sync::Arc::downgrade(&cluster);
    cluster.faults().before_next(
        Matching::path("/configmaps/served").method("PUT"),
        move || {
            let cluster = weak.upgrade().unwrap();
            let cm = kube_sandbox::ObjectRef {
                api_version: "v1",
                kind: "ConfigMap",
                namespace: "default",
                name: "served",
            };
            cluster
                .merge_patch(cm, &json!({"data": {"by": "someone else"}}), false)
                .unwrap();
        },
    );
    let status = api_error(api.replace("served", &PostParams::default(), &read).await);
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(cluster.faults().unspent().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_change_nothing() {
    let cluster = ClusterBuilder::new("d1").start().await.unwrap();
    let api: Api<Secret> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let secret: Secret =
        serde_json::from_value(json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}}))
            .unwrap();
    let dry = api
        .create(
            &PostParams {
                dry_run: true,
                ..Default::default()
            },
            &secret,
        )
        .await
        .unwrap();
    assert_eq!(dry.data.unwrap()["k"].0, b"v");
    assert_eq!(api_error(api.get("s").await).code, 404);
    api.create(&PostParams::default(), &secret).await.unwrap();
    api.delete(
        "s",
        &DeleteParams {
            dry_run: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(api.get("s").await.is_ok());
    let patch = Patch::Apply(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "changed"}}),
    );
    api.patch("s", &PatchParams::apply("tester").dry_run(), &patch)
        .await
        .unwrap();
    assert_eq!(api.get("s").await.unwrap().data.unwrap()["k"].0, b"v");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_shares_equal_values_and_conflicts_on_different_ones() {
    let cluster = ClusterBuilder::new("s1").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let apply = |data: serde_json::Value| {
        Patch::Apply(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": data}),
        )
    };
    api.patch(
        "owned",
        &PatchParams::apply("alice"),
        &apply(json!({"a": "1", "b": "2"})),
    )
    .await
    .unwrap();
    let shared = api
        .patch(
            "owned",
            &PatchParams::apply("bob"),
            &apply(json!({"a": "1"})),
        )
        .await
        .unwrap();
    let managers: Vec<String> = shared
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .map(|m| m.manager.unwrap())
        .collect();
    assert_eq!(managers, ["alice", "bob"]);

    let status = api_error(
        api.patch(
            "owned",
            &PatchParams::apply("bob"),
            &apply(json!({"a": "2"})),
        )
        .await,
    );
    assert_eq!(status.code, 409);
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"alice\": .data.a"
    );

    let forced = api
        .patch(
            "owned",
            &PatchParams::apply("bob").force(),
            &apply(json!({"a": "2"})),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["a"], "2");

    // alice drops b from her configuration: it goes; a stays, bob owns it.
    let after = api
        .patch("owned", &PatchParams::apply("alice"), &apply(json!({})))
        .await
        .unwrap();
    assert_eq!(
        after.data.unwrap().into_iter().collect::<Vec<_>>(),
        [("a".to_string(), "2".to_string())]
    );

    let created = PostParams {
        field_manager: Some("creator".into()),
        ..Default::default()
    };
    api.create(&created, &config_map("made", json!({"a": "1"})))
        .await
        .unwrap();
    let apply_made = Patch::Apply(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "made"}, "data": {"a": "2"}}),
    );
    let status = api_error(
        api.patch("made", &PatchParams::apply("bob"), &apply_made)
            .await,
    );
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"creator\" using v1: .data.a"
    );

    let stale = api.get("owned").await.unwrap();
    api.patch(
        "owned",
        &PatchParams::apply("bob").force(),
        &apply(json!({"a": "3"})),
    )
    .await
    .unwrap();
    assert_eq!(
        api_error(api.replace("owned", &PostParams::default(), &stale).await).code,
        409
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_denies_what_no_role_grants() {
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "reader"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "reader"}]});
    let cluster = ClusterBuilder::new("r1")
        .user(UserSpec::token("reader", &[]))
        .object(binding)
        .start()
        .await
        .unwrap();
    let reader = client(&cluster, "reader").await;
    let pods: Api<Pod> = Api::namespaced(reader.clone(), "default");
    assert!(pods.list(&Default::default()).await.is_ok());
    let secrets: Api<Secret> = Api::namespaced(reader.clone(), "kube-system");
    let status = api_error(secrets.get("token").await);
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(status.message, "secrets \"token\" is forbidden: User \"reader\" cannot get resource \"secrets\" in API group \"\" in the namespace \"kube-system\"");
    let cms: Api<ConfigMap> = Api::namespaced(reader, "default");
    let status = api_error(
        cms.create(&PostParams::default(), &config_map("x", json!({})))
            .await,
    );
    assert_eq!(status.code, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_reach_the_client() {
    let cluster = ClusterBuilder::new("f1")
        .latency(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    cluster
        .add_user(UserSpec::token("temp", &["system:masters"]))
        .unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");

    let started = Instant::now();
    api.get("kube-root-ca.crt").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "latency applies"
    );
    cluster.faults().set_latency(Duration::ZERO);

    cluster.faults().fail_next(1, 500);
    assert_eq!(api_error(api.get("kube-root-ca.crt").await).code, 500);
    assert!(
        api.get("kube-root-ca.crt").await.is_ok(),
        "only the next request fails"
    );

    // kube's default client retries 503 and 429 (honouring Retry-After) and then succeeds.
    cluster.faults().fail_next(1, 503);
    cluster.faults().throttle_next(1, 1);
    let started = Instant::now();
    assert!(api.get("kube-root-ca.crt").await.is_ok());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was honoured"
    );

    cluster.faults().reset_next(1);
    let reset = api.get("kube-root-ca.crt").await;
    assert!(
        !matches!(reset, Err(kube::Error::Api(_))),
        "a reset is not an API answer: {reset:?}"
    );
    assert!(api.get("kube-root-ca.crt").await.is_ok());

    cluster.faults().conflict_next_writes(1);
    let status = api_error(
        api.create(&PostParams::default(), &config_map("c", json!({})))
            .await,
    );
    assert_eq!(status.code, 409);
    api.create(&PostParams::default(), &config_map("c", json!({})))
        .await
        .unwrap();

    let temp: Api<ConfigMap> = Api::namespaced(client(&cluster, "temp").await, "default");
    assert!(temp.get("c").await.is_ok());
    cluster.expire_credentials("temp", SystemTime::now() + Duration::from_millis(300));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(api_error(temp.get("c").await).code, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_writes_kubeconfigs_for_host_and_member() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        dir: dir.path().into(),
        scenario: "empty".into(),
        latency: Duration::ZERO,
        timing: Default::default(),
    })
    .await
    .unwrap();
    let host = std::fs::read_to_string(dir.path().join("host.kubeconfig")).unwrap();
    let member = std::fs::read_to_string(dir.path().join("member.kubeconfig")).unwrap();

    let admin = client_from(&host, Some("sandbox-host")).await;
    assert!(Api::<Secret>::namespaced(admin, "default")
        .list(&Default::default())
        .await
        .is_ok());
    let viewer = client_from(&host, Some("sandbox-host-viewer")).await;
    assert!(Api::<Pod>::all(viewer.clone())
        .list(&Default::default())
        .await
        .is_ok());
    assert_eq!(
        api_error(
            Api::<Secret>::namespaced(viewer, "default")
                .list(&Default::default())
                .await
        )
        .code,
        403
    );
    let member_admin = client_from(&member, Some("sandbox-member")).await;
    let cm = Api::<ConfigMap>::namespaced(member_admin, "default")
        .get("kube-root-ca.crt")
        .await
        .unwrap();
    assert_eq!(cm.data.unwrap()["ca.crt"], sandbox.member.ca_pem());
    assert_ne!(sandbox.host.url(), sandbox.member.url());
    assert!(host.contains(VIEWER));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("host.kubeconfig"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "kubeconfigs hold credentials: owner-only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_and_select() {
    let cluster = ClusterBuilder::new("l1").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    for i in 0..5 {
        let mut cm = config_map(&format!("page-{i}"), json!({}));
        cm.metadata.labels = Some(
            [(
                "tier".to_string(),
                if i % 2 == 0 { "even" } else { "odd" }.to_string(),
            )]
            .into(),
        );
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    let first = api
        .list(&kube::api::ListParams::default().labels("tier").limit(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.metadata.continue_.clone().expect("a continue token");
    let rest = api
        .list(
            &kube::api::ListParams::default()
                .labels("tier")
                .continue_token(&token),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 3);
    assert!(rest.metadata.continue_.is_none_or(|c| c.is_empty()));
    let odd = api
        .list(
            &kube::api::ListParams::default()
                .labels("tier=odd")
                .fields("metadata.name!=page-1"),
        )
        .await
        .unwrap();
    let names: Vec<String> = odd
        .items
        .into_iter()
        .map(|c| c.metadata.name.unwrap())
        .collect();
    assert_eq!(names, ["page-3"]);
    let generated = api
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"generateName": "gen-"}})).unwrap(),
        )
        .await
        .unwrap();
    let meta = generated.metadata;
    assert!(
        meta.name.unwrap().starts_with("gen-")
            && meta.uid.is_some()
            && meta.creation_timestamp.is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selected_watches_see_objects_leave_and_enter() {
    let cluster = ClusterBuilder::new("w3").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    let mut cm = config_map("moving", json!({}));
    cm.metadata.labels = Some([("app".to_string(), "a".to_string())].into());
    api.create(&PostParams::default(), &cm).await.unwrap();
    let rv = cluster.resource_version().to_string();
    let relabel = |app: &str| Patch::Merge(json!({"metadata": {"labels": {"app": app}}}));
    api.patch("moving", &PatchParams::default(), &relabel("b"))
        .await
        .unwrap();
    api.patch("moving", &PatchParams::default(), &relabel("a"))
        .await
        .unwrap();
    let mut events = api
        .watch(&WatchParams::default().labels("app=a"), &rv)
        .await
        .unwrap()
        .boxed();
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        match tokio::time::timeout(STEP, events.try_next())
            .await
            .unwrap()
            .unwrap()
        {
            Some(WatchEvent::Deleted(_)) => kinds.push("DELETED"),
            Some(WatchEvent::Added(_)) => kinds.push("ADDED"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(kinds, ["DELETED", "ADDED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_objects_are_bad_requests() {
    let cluster = ClusterBuilder::new("m1").start().await.unwrap();
    let client = client(&cluster, ADMIN).await;
    let secrets = kube::core::Request::new("/api/v1/namespaces/default/secrets");
    let create = |body: serde_json::Value| {
        secrets
            .create(&PostParams::default(), serde_json::to_vec(&body).unwrap())
            .unwrap()
    };
    for bad in [
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "labels": "oops"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}, "data": "oops"}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}, "stringData": {"k": 1}}),
    ] {
        let status = api_error(client.request::<serde_json::Value>(create(bad)).await);
        assert_eq!(status.code, 400, "{}", status.message);
        assert!(
            status
                .message
                .starts_with("Secret in version \"v1\" cannot be handled as a Secret"),
            "{}",
            status.message
        );
    }
    let unnamed = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {}});
    let status = api_error(client.request::<serde_json::Value>(create(unnamed)).await);
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    let api: Api<Secret> = Api::namespaced(client, "default");
    assert!(
        api.list(&Default::default()).await.is_ok(),
        "the server still serves"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_propagates_foreground_background_or_not_at_all() {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    let cluster = ClusterBuilder::new("g1").start().await.unwrap();
    let client = client(&cluster, ADMIN).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let replicasets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let deployment = |name: &str| -> Deployment {
        serde_json::from_value(json!({"metadata": {"name": name}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}))
        .unwrap()
    };
    for name in ["orphan", "fore", "back"] {
        deployments
            .create(&PostParams::default(), &deployment(name))
            .await
            .unwrap();
    }
    let labelled = |app: &str| kube::api::ListParams::default().labels(&format!("app={app}"));

    deployments
        .delete("orphan", &DeleteParams::orphan())
        .await
        .unwrap();
    let kept = replicasets.list(&labelled("orphan")).await.unwrap().items;
    assert_eq!(kept.len(), 1, "the ReplicaSet stays");
    assert!(
        kept[0]
            .metadata
            .owner_references
            .as_ref()
            .is_none_or(|r| r.is_empty()),
        "and is no longer owned"
    );
    assert_eq!(pods.list(&labelled("orphan")).await.unwrap().items.len(), 2);

    deployments
        .delete("fore", &DeleteParams::foreground())
        .await
        .unwrap();
    assert_eq!(api_error(deployments.get("fore").await).code, 404);
    assert!(replicasets
        .list(&labelled("fore"))
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(pods.list(&labelled("fore")).await.unwrap().items.is_empty());

    deployments
        .delete("back", &DeleteParams::background())
        .await
        .unwrap();
    assert!(replicasets
        .list(&labelled("back"))
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(pods.list(&labelled("back")).await.unwrap().items.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_lists_end_their_initial_events_with_a_bookmark() {
    let cluster = ClusterBuilder::new("w4").start().await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    api.create(&PostParams::default(), &config_map("existing", json!({})))
        .await
        .unwrap();
    let config = watcher::Config::default().streaming_lists();
    let mut events = watcher(api.clone(), config).boxed();
    let mut initial = Vec::new();
    loop {
        match tokio::time::timeout(STEP, events.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
        {
            watcher::Event::Init => {}
            watcher::Event::InitApply(cm) => initial.push(cm.metadata.name.unwrap()),
            watcher::Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    initial.sort();
    assert_eq!(initial, ["existing", "kube-root-ca.crt"]);
    api.create(&PostParams::default(), &config_map("later", json!({})))
        .await
        .unwrap();
    match tokio::time::timeout(STEP, events.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
    {
        watcher::Event::Apply(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("later")),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_crd_removes_its_resource_and_objects() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
    let cluster = ClusterBuilder::new("crd1").start().await.unwrap();
    let client = client(&cluster, ADMIN).await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(json!({"metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}))
    .unwrap();
    crds.create(&PostParams::default(), &crd).await.unwrap();
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"));
    let widgets: Api<DynamicObject> = Api::namespaced_with(client, "default", &resource);
    let widget: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}})).unwrap();
    widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    assert_eq!(
        widgets.list(&Default::default()).await.unwrap().items.len(),
        1
    );

    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .unwrap();
    assert_eq!(
        api_error(widgets.list(&Default::default()).await).code,
        404,
        "the resource is no longer served"
    );
    crds.create(&PostParams::default(), &crd).await.unwrap();
    assert!(
        widgets
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "its objects went with it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_see_what_clients_change() {
    let cluster = ClusterBuilder::new("sc1").start().await.unwrap();
    let mut changes = cluster.changes();
    let api: Api<ConfigMap> = Api::namespaced(client(&cluster, ADMIN).await, "default");
    api.create(&PostParams::default(), &config_map("seen", json!({})))
        .await
        .unwrap();
    let event = tokio::time::timeout(STEP, async {
        loop {
            let event = changes.next().await.unwrap();
            if event.object["metadata"]["name"] == "seen" {
                return event;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(event.kind, "ADDED");
    let names: Vec<String> = cluster
        .list("v1", "ConfigMap", Some("default"))
        .into_iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["kube-root-ca.crt", "seen"]);
    assert_eq!(
        cluster.list("v1", "Namespace", Some("ignored")).len(),
        4,
        "cluster-scoped kinds ignore the namespace"
    );
}
