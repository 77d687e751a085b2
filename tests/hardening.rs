//! The window's attack surface, checked from the files that define it: the capability grants
//! exactly the commands the UI calls (no plugin, no shell, no opener, no file system), the CSP
//! allows nothing from outside the app, and no plugin that can reach the OS is even linked.
//! (That inputs the page sends are checked in Rust is in tests/commands.rs.)

use serde_json::{json, Value};
use std::collections::BTreeSet;

fn read(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The commands the generated bindings call: what the page can ask for.
fn commands_the_ui_calls() -> BTreeSet<String> {
    read("ui/src/backend/bindings.ts")
        .split("__TAURI_INVOKE<")
        .skip(1)
        .filter_map(|rest| rest.split_once(">(\"").and_then(|(_, s)| s.split_once('"')))
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn the_capability_grants_exactly_the_commands_the_ui_calls() {
    let capability: Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    assert_eq!(capability["windows"], json!(["main"]));
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .expect("permissions are plain identifiers")
                .to_string()
        })
        .collect();
    // Events: the drop of files onto the window arrives as an event the page listens to.
    let events: BTreeSet<String> = ["core:event:allow-listen", "core:event:allow-unlisten"]
        .map(String::from)
        .into();
    let commands: BTreeSet<String> = granted
        .difference(&events)
        .map(|p| {
            p.strip_prefix("allow-")
                .unwrap_or_else(|| panic!("unexpected permission {p}: only the app's own commands"))
                .replace('-', "_")
        })
        .collect();
    let called = commands_the_ui_calls();
    assert!(called.len() > 40, "the bindings were not read: {called:?}");
    assert_eq!(
        commands, called,
        "granted but not called, or called but not granted"
    );
}

#[test]
fn the_content_security_policy_allows_nothing_from_outside_the_app() {
    let config: Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let security = &config["app"]["security"];
    assert_eq!(security["freezePrototype"], true);
    assert_eq!(config["app"]["withGlobalTauri"], false);
    let csp = security["csp"].as_object().expect("a CSP object");
    for directive in [
        "default-src",
        "script-src",
        "style-src",
        "connect-src",
        "object-src",
        "base-uri",
        "form-action",
        "frame-ancestors",
    ] {
        assert!(csp.contains_key(directive), "{directive} is not set");
    }
    for (directive, sources) in csp {
        for source in sources.as_str().unwrap().split_whitespace() {
            let allowed = matches!(
                source,
                "'self'" | "'none'" | "data:" | "ipc:" | "http://ipc.localhost"
            );
            assert!(allowed, "{directive} allows {source}");
            assert!(
                !(directive == "script-src" && source == "data:"),
                "scripts from data: URLs"
            );
        }
    }
}

#[test]
fn no_plugin_that_reaches_the_os_is_linked() {
    let lock = read("Cargo.lock");
    for plugin in [
        "tauri-plugin-shell",
        "tauri-plugin-opener",
        "tauri-plugin-fs",
        "tauri-plugin-http",
        "tauri-plugin-updater",
        "tauri-plugin-process",
        "tauri-plugin-dialog",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{plugin}\"")),
            "{plugin} is linked"
        );
    }
    let package = read("ui/package.json");
    assert!(
        !package.contains("@tauri-apps/plugin-"),
        "the UI depends on a Tauri plugin"
    );
}
