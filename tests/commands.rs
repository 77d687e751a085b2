//! Commands called through Tauri's real IPC layer on the mock runtime, with the app's own
//! capabilities (so a command missing from the capability file fails here too).

use ks_onboard_app::{configure, AppState};
use onboard_core::app::Target;
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;

fn app() -> tauri::App<tauri::test::MockRuntime> {
    let target = Target::Kubeconfigs {
        paths: vec!["/tmp/a.kubeconfig".into()],
    };
    configure(mock_builder(), AppState::new(target))
        .build(tauri::generate_context!())
        .expect("build the app on the mock runtime")
}

/// Invokes `cmd` from a window labelled `window`, as the webview's IPC would.
fn invoke(window: &str, cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
    let app = app();
    let webview = tauri::WebviewWindowBuilder::new(&app, window, Default::default())
        .build()
        .expect("main window");
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(serde_json::json!({})),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<serde_json::Value>().unwrap())
}

#[test]
fn app_status_reports_version_target_and_no_contexts_yet() {
    let status = invoke("main", "app_status").expect("app_status answers");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        status["target"],
        serde_json::json!({"type": "kubeconfigs", "paths": ["/tmp/a.kubeconfig"]})
    );
    assert!(status["hostContext"].is_null());
    assert!(status["memberContext"].is_null());
}

#[test]
fn a_window_without_the_capability_is_refused() {
    // The capability grants app_status to the window labelled "main" only; any other
    // webview (say, one that navigated somewhere it should not) gets nothing.
    let denied = invoke("elsewhere", "app_status");
    let message = denied.expect_err("a window outside the capability must be refused");
    assert!(
        message.to_string().contains("not allowed"),
        "unexpected refusal: {message}"
    );
}
