//! Commands called through Tauri's real IPC layer on the mock runtime, with the app's own
//! capabilities (so a command missing from the capability file fails here too).

use ks_onboard_app::{configure, AppState, Backing};
use onboard_core::app::Target;
use serde_json::{json, Value};
use std::path::PathBuf;
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

const KUBECONFIG: &str = "apiVersion: v1
kind: Config
current-context: host
clusters:
- {name: host, cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Q0EK}}
- {name: member, cluster: {server: 'https://127.0.0.2:6443'}}
users:
- {name: admin, user: {token: canary-token-0f3a}}
contexts:
- {name: host, context: {cluster: host, user: admin}}
- {name: member, context: {cluster: member, user: admin}}
- {name: host-again, context: {cluster: host, user: admin, namespace: kube-system}}
";

/// A window labelled `label` of an app whose target is `paths`.
fn window(
    paths: Vec<PathBuf>,
    label: &str,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let data = std::env::temp_dir().join(format!("ks-onboard-commands-{}", uuid_like()));
    let app = configure(
        mock_builder(),
        AppState::new(
            Target::Kubeconfigs { paths },
            None,
            Backing::in_memory(data),
        ),
    )
    .build(tauri::generate_context!())
    .expect("build the app on the mock runtime");
    let webview = tauri::WebviewWindowBuilder::new(&app, label, Default::default())
        .build()
        .expect("window");
    (app, webview)
}

/// Invokes `cmd` with `args`, as the webview's IPC would.
fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<Value>().unwrap())
}

fn kubeconfig_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, KUBECONFIG).unwrap();
    (dir, path)
}

#[test]
fn app_status_reports_version_target_and_no_contexts_yet() {
    let (_app, main) = window(vec!["/tmp/a.kubeconfig".into()], "main");
    let status = invoke(&main, "app_status", json!({})).expect("app_status answers");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        status["target"],
        json!({"type": "kubeconfigs", "paths": ["/tmp/a.kubeconfig"]})
    );
    assert!(status["hostContext"].is_null());
    assert!(status["memberContext"].is_null());
}

#[test]
fn kubeconfig_summary_lists_contexts_and_never_a_secret() {
    let (_dir, file) = kubeconfig_file();
    let (_app, main) = window(vec![file.clone()], "main");
    let summary = invoke(&main, "kubeconfig_summary", json!({})).expect("summary");
    assert_eq!(summary["currentContext"], "host");
    let names: Vec<_> = summary["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("host"), json!("host-again"), json!("member")]);
    assert_eq!(summary["contexts"][0]["auth"], json!({"kind": "token"}));
    assert_eq!(summary["contexts"][0]["file"], json!(file));
    let text = summary.to_string();
    assert!(
        !text.contains("canary-token") && !text.contains("Q0EK"),
        "{text}"
    );
}

#[test]
fn roles_are_assigned_and_a_refusal_arrives_as_kind_message_hint() {
    let (_dir, file) = kubeconfig_file();
    let (_app, main) = window(vec![file], "main");
    let status = invoke(
        &main,
        "assign_role",
        json!({"role": "host", "context": "host"}),
    )
    .unwrap();
    assert_eq!(status["hostContext"], "host");
    let status = invoke(
        &main,
        "assign_role",
        json!({"role": "member", "context": "member"}),
    )
    .unwrap();
    assert_eq!(status["memberContext"], "member");

    let refused = invoke(
        &main,
        "assign_role",
        json!({"role": "member", "context": "host-again"}),
    )
    .expect_err("the host's own cluster cannot be the member");
    assert_eq!(refused["kind"], "invalidInput");
    assert_eq!(
        refused["message"],
        "\"host-again\" and \"host\" are the same cluster"
    );
    assert_eq!(
        refused["hint"],
        "the host and the member must be two different clusters"
    );
    let status = invoke(&main, "app_status", json!({})).unwrap();
    assert_eq!(
        status["memberContext"], "member",
        "a refused choice changes nothing"
    );
}

#[test]
fn a_missing_kubeconfig_file_is_an_error_that_names_it() {
    let (_app, main) = window(vec!["/nonexistent/config".into()], "main");
    let error = invoke(&main, "kubeconfig_summary", json!({})).unwrap_err();
    assert_eq!(error["kind"], "notFound");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/config"));
}

#[test]
fn a_window_without_the_capability_is_refused() {
    // The capability grants the commands to the window labelled "main" only; any other
    // webview (say, one that navigated somewhere it should not) gets nothing.
    let (_app, elsewhere) = window(vec![], "elsewhere");
    for cmd in [
        "app_status",
        "kubeconfig_summary",
        "assign_role",
        "use_own_kubeconfigs",
        "test_connection",
        "host_preflight",
        "set_proxy_address",
        "restore_proxy_address",
        "restart_ks_apiserver",
    ] {
        let denied = invoke(&elsewhere, cmd, json!({})).expect_err("refused");
        assert!(
            denied.to_string().contains("not allowed"),
            "{cmd}: {denied}"
        );
    }
}

#[test]
fn the_built_in_sandbox_lists_its_contexts_and_is_left_in_one_call() {
    let (running, target) = ks_onboard_app::start_sandbox("healthy").expect("sandbox starts");
    let Target::Sandbox { ref paths, .. } = target else {
        panic!("not a sandbox target: {target:?}");
    };
    let kubeconfigs = paths.clone();
    let app = configure(
        mock_builder(),
        AppState::new(
            target,
            Some(running),
            Backing::in_memory(
                std::env::temp_dir().join(format!("ks-onboard-commands-{}", uuid_like())),
            ),
        ),
    )
    .build(tauri::generate_context!())
    .unwrap();
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let status = invoke(&main, "app_status", json!({})).unwrap();
    assert_eq!(status["target"]["type"], "sandbox");
    assert_eq!(status["target"]["scenario"], "healthy");
    let summary = invoke(&main, "kubeconfig_summary", json!({})).unwrap();
    let names: Vec<_> = summary["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["sandbox-host", "sandbox-host-viewer", "sandbox-member"]
    );
    invoke(
        &main,
        "assign_role",
        json!({"role": "host", "context": "sandbox-host"}),
    )
    .unwrap();
    invoke(
        &main,
        "assign_role",
        json!({"role": "member", "context": "sandbox-member"}),
    )
    .unwrap();

    let status = invoke(&main, "use_own_kubeconfigs", json!({})).unwrap();
    assert_eq!(
        status["target"],
        json!({"type": "kubeconfigs", "paths": []})
    );
    assert!(status["hostContext"].is_null() && status["memberContext"].is_null());
    assert!(
        kubeconfigs.iter().all(|p| !p.exists()),
        "the sandbox's folder is removed when it stops"
    );
}

#[test]
fn an_unknown_sandbox_scenario_is_refused_with_a_hint() {
    let Err(error) = ks_onboard_app::start_sandbox("no-such-world") else {
        panic!("an unknown scenario must not start");
    };
    assert!(error.message.contains("no-such-world"), "{}", error.message);
    assert!(error.hint.unwrap().contains("sandbox scenarios"));
}

/// A fresh name per window, so tests running in parallel never share a store.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[test]
fn import_previews_saves_lists_describes_and_removes_without_a_secret_in_any_answer() {
    let (_dir, file) = kubeconfig_file();
    let paste = KUBECONFIG.replace("{name: host, context", "{name: pasted-host, context");
    let (_app, main) = window(vec![file.clone()], "main");
    let mut answers = Vec::new();

    let source = json!({"type": "text", "text": paste});
    let preview = invoke(&main, "preview_import", json!({"source": source})).unwrap();
    let found = &preview["groups"][0]["contexts"];
    let names: Vec<_> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["host-again", "member", "pasted-host"]);
    assert_eq!(found[0]["conflict"]["kind"], "inFiles");
    assert_eq!(found[0]["suggestedName"], "host-again-2");
    answers.push(preview);

    let choices = json!([{"group": 0, "context": "pasted-host", "saveAs": "imported-host"}]);
    let outcome = invoke(
        &main,
        "import_contexts",
        json!({"source": source, "choices": choices}),
    )
    .unwrap();
    assert_eq!(
        outcome,
        json!({"imported": ["imported-host"], "secretsSaved": 1})
    );
    answers.push(outcome);

    let summary = invoke(&main, "kubeconfig_summary", json!({})).unwrap();
    let imported: Vec<_> = summary["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["imported"] == true)
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(imported, [json!("imported-host")]);
    answers.push(summary);

    let status = invoke(
        &main,
        "assign_role",
        json!({"role": "host", "context": "imported-host"}),
    )
    .unwrap();
    assert_eq!(status["hostContext"], "imported-host");
    let details = invoke(
        &main,
        "context_details",
        json!({"context": "imported-host"}),
    )
    .unwrap();
    assert_eq!(
        details["user"]["credentials"],
        json!([{"field": "token", "place": {"kind": "keyring"}}])
    );
    assert_eq!(details["roles"], json!(["host"]));
    answers.push(details);

    let status = invoke(
        &main,
        "remove_contexts",
        json!({"contexts": ["imported-host"]}),
    )
    .unwrap();
    assert_eq!(
        status["hostContext"],
        Value::Null,
        "a removed context gives up its role"
    );
    let refused = invoke(&main, "remove_contexts", json!({"contexts": ["member"]})).unwrap_err();
    assert_eq!(refused["kind"], "notFound");

    let all = serde_json::to_string(&answers).unwrap();
    assert!(
        !all.contains("canary-token"),
        "a secret reached the webview: {all}"
    );
}

#[test]
fn test_connection_reaches_the_sandbox_and_reports_failures_as_data_without_secrets() {
    let (running, target) = ks_onboard_app::start_sandbox("empty").expect("sandbox starts");
    let Target::Sandbox { ref paths, .. } = target else {
        panic!("not a sandbox target: {target:?}");
    };
    let host = std::fs::read_to_string(&paths[0]).unwrap();
    let token = host
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .expect("the viewer signs in with a token")
        .to_owned();
    let app = configure(
        mock_builder(),
        AppState::new(
            target,
            Some(running),
            Backing::in_memory(
                std::env::temp_dir().join(format!("ks-onboard-commands-{}", uuid_like())),
            ),
        ),
    )
    .build(tauri::generate_context!())
    .unwrap();
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let report = invoke(
        &main,
        "test_connection",
        json!({"context": "sandbox-host-viewer", "task": "test-1"}),
    )
    .expect("a report");
    assert_eq!(report["connected"], true, "{report}");
    assert_eq!(report["identity"]["username"], "sandbox-viewer");
    assert_eq!(report["tls"], "verified");
    assert!(report["version"]["gitVersion"]
        .as_str()
        .unwrap()
        .starts_with("v1."));
    assert!(report["latency"]["roundTripMs"].as_f64().unwrap() > 0.0);

    let missing = invoke(
        &main,
        "test_connection",
        json!({"context": "nope", "task": "test-2"}),
    )
    .expect("a failed test is still a report");
    assert_eq!(missing["connected"], false);
    assert_eq!(missing["failure"]["cause"], "missingContext");
    for text in [report.to_string(), missing.to_string()] {
        assert!(!text.contains(&token), "{text}");
    }
}

#[test]
fn inputs_from_the_page_are_refused_in_rust_before_anything_is_contacted() {
    let (_app, main) = window(vec![], "main");
    // The context does not exist: a refusal about the input proves it was looked at first.
    let cases = [
        (
            "set_proxy_address",
            json!({"context": "nowhere", "url": "javascript:alert(1)", "dryRun": true}),
        ),
        (
            "plan_proxy_address",
            json!({"context": "nowhere", "url": "http://exa mple:1"}),
        ),
        (
            "export_join_bundle",
            json!({"context": "nowhere", "cluster": "c", "dir": "../../etc", "includeToken": false}),
        ),
        (
            "save_registry_login",
            json!({"registry": "harbor/ks", "username": "u", "password": "p"}),
        ),
        (
            "save_registry_login",
            json!({"registry": "mirror.local:5000", "username": "", "password": "p"}),
        ),
        (
            "mirror_config",
            json!({"config": "", "registry": "https://mirror.local", "pullSecret": null}),
        ),
        (
            "mirror_config",
            json!({"config": "", "registry": "mirror.local:5000", "pullSecret": "Bad_Name"}),
        ),
    ];
    for (cmd, args) in cases {
        let error = invoke(&main, cmd, args.clone()).expect_err(cmd);
        assert_eq!(error["kind"], "invalidInput", "{cmd} {args}: {error}");
        assert!(error["hint"].is_string(), "{cmd}: says what to do: {error}");
    }
    // A value of the wrong type never reaches the command.
    let error = invoke(
        &main,
        "assign_role",
        json!({"role": "admin", "context": "x"}),
    )
    .expect_err("bad role");
    assert!(error.to_string().contains("unknown variant"), "{error}");
}

#[test]
fn a_connection_test_that_hangs_is_stopped_at_once_by_cancel_task() {
    // A server that accepts the connection and never answers: the test would wait for its
    // read timeout (10 s).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    std::fs::write(
        &file,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- {{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}\nusers:\n- {{name: u, user: {{token: t}}}}\ncontexts:\n- {{name: silent, context: {{cluster: c, user: u}}}}\n"),
    )
    .unwrap();
    let (_app, main) = window(vec![file], "main");
    let started = std::time::Instant::now();
    let (answer, cancelled) = std::thread::scope(|scope| {
        let test = scope.spawn(|| {
            invoke(
                &main,
                "test_connection",
                json!({"context": "silent", "task": "hang"}),
            )
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        let cancelled = invoke(&main, "cancel_task", json!({"task": "hang"})).unwrap();
        (test.join().unwrap(), cancelled)
    });
    assert_eq!(cancelled, true, "the test was still running");
    let error = answer.expect_err("a stopped test is an error");
    assert_eq!(error["kind"], "cancelled", "{error}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        invoke(&main, "cancel_task", json!({"task": "hang"})).unwrap(),
        false,
        "nothing left to stop"
    );
    drop(silent);
}

#[test]
fn host_preflight_and_the_proxy_address_commands_work_on_the_sandbox_without_secrets() {
    let (running, target) = ks_onboard_app::start_sandbox("lb-pending").expect("sandbox starts");
    let data = std::env::temp_dir().join(format!("ks-onboard-commands-{}", uuid_like()));
    let app = configure(
        mock_builder(),
        AppState::new(target, Some(running), Backing::in_memory(data.clone())),
    )
    .build(tauri::generate_context!())
    .unwrap();
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let results = invoke(
        &main,
        "host_preflight",
        json!({"context": "sandbox-host", "task": "checks-1", "onResult": "__CHANNEL__:7"}),
    )
    .expect("results");
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 9, "{results:?}");
    let proxy = results.iter().find(|r| r["id"] == "proxyAddress").unwrap();
    assert_eq!(proxy["verdict"], "fail");

    let report = invoke(
        &main,
        "proxy_address_report",
        json!({"context": "sandbox-host"}),
    )
    .unwrap();
    assert_eq!(report["readPlace"], "towerSecret");
    assert!(report["effective"].is_null());

    let url = "http://139.198.120.120:30000";
    let plan = invoke(
        &main,
        "plan_proxy_address",
        json!({"context": "sandbox-host", "url": url}),
    )
    .unwrap();
    assert_eq!(plan["previousAddress"], Value::Null);
    let refused = invoke(
        &main,
        "set_proxy_address",
        json!({"context": "sandbox-host", "url": "1.2.3.4:1", "dryRun": false}),
    )
    .unwrap_err();
    assert_eq!(refused["kind"], "invalidInput");
    let outcome = invoke(
        &main,
        "set_proxy_address",
        json!({"context": "sandbox-host", "url": url, "dryRun": false}),
    )
    .unwrap();
    assert_eq!(
        (outcome["written"].as_bool(), outcome["verified"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(
        outcome["backup"]
            .as_str()
            .unwrap()
            .starts_with(data.to_str().unwrap()),
        "backups stay in the app's data dir"
    );
    let report = invoke(
        &main,
        "proxy_address_report",
        json!({"context": "sandbox-host"}),
    )
    .unwrap();
    assert_eq!(report["effective"]["url"], url);
    let restored = invoke(
        &main,
        "restore_proxy_address",
        json!({"context": "sandbox-host"}),
    )
    .unwrap();
    assert_eq!(restored["verified"], true);
    let report = invoke(
        &main,
        "proxy_address_report",
        json!({"context": "sandbox-host"}),
    )
    .unwrap();
    assert!(report["effective"].is_null());

    let restarted = invoke(
        &main,
        "restart_ks_apiserver",
        json!({"context": "sandbox-host"}),
    )
    .unwrap();
    assert!(
        restarted.as_str().unwrap().ends_with('Z'),
        "an RFC 3339 instant: {restarted}"
    );

    let probe = invoke(
        &main,
        "probe_proxy_address",
        json!({"url": "http://127.0.0.1:1"}),
    )
    .unwrap();
    assert_eq!(probe["connected"], false);
}

/// A 64-character hex run: tower's join token.
/// The main window of an app on the built-in sandbox's `scenario`, and its data directory.
fn sandbox_window(
    scenario: &str,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>, PathBuf) {
    let (running, target) = ks_onboard_app::start_sandbox(scenario).expect("sandbox starts");
    let data = std::env::temp_dir().join(format!("ks-onboard-commands-{}", uuid_like()));
    let app = configure(
        mock_builder(),
        AppState::new(target, Some(running), Backing::in_memory(data.clone())),
    )
    .build(tauri::generate_context!())
    .unwrap();
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, main, data)
}

fn has_join_token(text: &str) -> bool {
    text.as_bytes()
        .windows(64)
        .any(|w| w.iter().all(u8::is_ascii_hexdigit))
}

#[test]
fn a_member_is_added_joined_listed_and_removed_through_the_commands_without_the_token_reaching_the_page(
) {
    let (_app, main, data) = sandbox_window("healthy");
    let mut answers = Vec::new();
    let mut call = |cmd: &str, args: Value| {
        let answer = invoke(&main, cmd, args);
        answers.push(format!("{answer:?}"));
        answer
    };
    let host = "sandbox-host";
    let member = "sandbox-member";

    let options = call("cluster_form_options", json!({"context": host})).unwrap();
    assert_eq!(options["creator"], "sandbox-admin");
    let taken = call(
        "check_cluster_name",
        json!({"context": host, "name": "host"}),
    )
    .unwrap();
    assert_eq!(taken[0]["code"], "taken");
    let form = json!({"name": "member", "tags": [{"key": "env", "value": "production"}], "group": "demo", "config": options["defaultConfig"]});
    let preview = call("preview_cluster", json!({"context": host, "form": form})).unwrap();
    assert_eq!(preview["problems"], json!([]));
    let dry = call(
        "add_cluster",
        json!({"hostContext": host, "memberContext": member, "form": form, "dryRun": true}),
    )
    .unwrap();
    assert_eq!(
        (dry["dryRunPassed"].as_bool(), dry["created"].as_bool()),
        (Some(true), Some(false))
    );
    let added = call(
        "add_cluster",
        json!({"hostContext": host, "memberContext": member, "form": form, "dryRun": false}),
    )
    .unwrap();
    assert_eq!(added["created"], true);

    let started = std::time::Instant::now();
    let view = loop {
        match call(
            "agent_manifest",
            json!({"context": host, "cluster": "member"}),
        ) {
            Ok(view) => break view,
            Err(error) if started.elapsed() < std::time::Duration::from_secs(10) => {
                assert_eq!(error["kind"], "unavailable", "{error}");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(view["source"], "towerExtension");
    assert!(view["yaml"].as_str().unwrap().contains("--token=••••••••"));
    let relative = call(
        "export_agent_manifest",
        json!({"context": host, "cluster": "member", "path": "agent.yaml"}),
    )
    .unwrap_err();
    assert_eq!(relative["kind"], "invalidInput");
    let file = data.join("exported-agent.yaml");
    call(
        "export_agent_manifest",
        json!({"context": host, "cluster": "member", "path": file}),
    )
    .unwrap();
    assert!(
        has_join_token(&std::fs::read_to_string(&file).unwrap()),
        "the export is the real manifest"
    );

    let plan = call(
        "plan_agent_apply",
        json!({"hostContext": host, "memberContext": member, "cluster": "member"}),
    )
    .unwrap();
    assert!(
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["action"] == "create"),
        "{plan}"
    );
    let applied = call("apply_agent", json!({"hostContext": host, "memberContext": member, "cluster": "member", "onStep": "__CHANNEL__:8"})).unwrap();
    assert_eq!(applied["created"].as_array().unwrap().len(), 4);
    let records = call("join_records", json!({"context": host})).unwrap();
    assert_eq!(records[0]["phase"], "agentApplied");

    let snapshot = call("watch_join", json!({"hostContext": host, "memberContext": member, "cluster": "member", "onUpdate": "__CHANNEL__:9"})).unwrap();
    assert_eq!(snapshot["ready"], true, "{snapshot}");
    assert_eq!(
        call("join_records", json!({"context": host})).unwrap()[0]["phase"],
        "ready"
    );
    let list = call("list_clusters", json!({"context": host})).unwrap();
    let joined = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "member")
        .unwrap();
    assert_eq!(
        (joined["ready"].as_bool(), joined["joinedHere"].as_bool()),
        (Some(true), Some(true))
    );

    let removal = call(
        "plan_cluster_removal",
        json!({"hostContext": host, "memberContext": member, "cluster": "member"}),
    )
    .unwrap();
    assert_eq!(removal["fromRecord"], true);
    let refused = call("remove_cluster", json!({"hostContext": host, "memberContext": member, "cluster": "member", "confirmation": "membe", "onStep": "__CHANNEL__:10"})).unwrap_err();
    assert_eq!(refused["kind"], "invalidInput");
    let removed = call("remove_cluster", json!({"hostContext": host, "memberContext": member, "cluster": "member", "confirmation": "member", "onStep": "__CHANNEL__:11"})).unwrap();
    assert_eq!(
        removed["done"].as_array().unwrap().len(),
        removal["items"].as_array().unwrap().len()
    );
    let list = call("list_clusters", json!({"context": host})).unwrap();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "member"));

    for answer in &answers {
        assert!(
            !has_join_token(answer),
            "a command answer carried the join token: {answer}"
        );
    }
}

#[test]
fn an_air_gapped_member_is_detected_pointed_at_the_mirror_and_joined_without_a_credential_reaching_the_page(
) {
    let (_app, main, data) = sandbox_window("air-gapped");
    let mut answers = Vec::new();
    let mut call = |cmd: &str, args: Value| {
        let answer = invoke(&main, cmd, args);
        answers.push(format!("{answer:?}"));
        answer
    };
    let (host, member) = ("sandbox-host", "sandbox-member");
    let registry = "auth-mirror.local:5000";

    let public = call("check_public_pull", json!({"memberContext": member})).unwrap();
    assert_eq!(public["pulled"], false, "{public}");
    call(
        "save_registry_login",
        json!({"registry": registry, "username": "sandbox", "password": kube_sandbox::MIRROR_PASSWORD}),
    )
    .unwrap();
    assert_eq!(
        call("registry_login", json!({"registry": registry})).unwrap(),
        "sandbox"
    );
    let options = call("cluster_form_options", json!({"context": host})).unwrap();
    let config = call(
        "mirror_config",
        json!({"config": options["defaultConfig"], "registry": registry, "pullSecret": "mirror-pull"}),
    )
    .unwrap();
    assert!(config
        .as_str()
        .unwrap()
        .contains("imageRegistry: auth-mirror.local:5000"));
    let refused = call(
        "mirror_config",
        json!({"config": "", "registry": "http://mirror", "pullSecret": null}),
    )
    .unwrap_err();
    assert_eq!(refused["kind"], "invalidInput");
    let form = json!({"name": "edge", "config": config});
    call(
        "add_cluster",
        json!({"hostContext": host, "memberContext": member, "form": form, "dryRun": false}),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let view = loop {
        match call(
            "agent_manifest",
            json!({"context": host, "cluster": "edge"}),
        ) {
            Ok(view) => break view,
            Err(_) if started.elapsed() < std::time::Duration::from_secs(10) => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(view["mirror"]["registry"], registry);
    assert_eq!(
        view["pullSecret"], "mirror-pull",
        "made from the saved login"
    );
    assert_eq!(
        view["images"][0],
        "auth-mirror.local:5000/kubesphere/tower:v0.2.1"
    );
    let pull = call(
        "check_agent_image",
        json!({"hostContext": host, "memberContext": member, "cluster": "edge"}),
    )
    .unwrap();
    assert_eq!(pull["pulled"], true, "{pull}");
    let applied = call("apply_agent", json!({"hostContext": host, "memberContext": member, "cluster": "edge", "onStep": "__CHANNEL__:8"})).unwrap();
    assert_eq!(applied["created"].as_array().unwrap().len(), 5, "{applied}");
    let bundle = data.join("edge-bundle");
    let written = call(
        "export_join_bundle",
        json!({"context": host, "cluster": "edge", "dir": bundle, "includeToken": false}),
    )
    .unwrap();
    assert_eq!(written["tokenIncluded"], false);
    assert!(bundle.join("SHA256SUMS").exists());
    // The real token, from the manifest Rust writes to a file (checksums are 64 hex too).
    let exported = data.join("edge-agent.yaml");
    call(
        "export_agent_manifest",
        json!({"context": host, "cluster": "edge", "path": exported}),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(&exported).unwrap();
    let token = manifest.split("--token=").nth(1).unwrap()[..64].to_string();
    let log = call("audit_log", json!({"filter": {"cluster": "edge"}})).unwrap();
    assert_eq!(log["integrity"]["state"], "intact");
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["cluster-add", "agent-apply"]);

    for answer in &answers {
        assert!(
            !answer.contains(&token),
            "a command answer carried the join token: {answer}"
        );
        assert!(
            !answer.contains(kube_sandbox::MIRROR_PASSWORD),
            "a command answer carried the registry password: {answer}"
        );
    }
}
