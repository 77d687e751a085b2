// The tauri directory is the repository root (see shared TAURI-LAYOUT.md), so tauri-build
// reads ./tauri.conf.json; capabilities live beside the shell's sources instead of ./capabilities.
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    // Declaring the app's commands gives each an `allow-…` permission, so the capability
    // file grants exactly the commands the window uses (least privilege).
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_status",
        "cancel_task",
        "kubeconfig_summary",
        "assign_role",
        "use_own_kubeconfigs",
        "preview_import",
        "import_contexts",
        "context_details",
        "remove_contexts",
        "copy_credential",
        "test_connection",
        "host_preflight",
        "proxy_address_report",
        "plan_proxy_address",
        "set_proxy_address",
        "restore_proxy_address",
        "probe_proxy_address",
        "restart_ks_apiserver",
        "cluster_form_options",
        "check_cluster_name",
        "preview_cluster",
        "add_cluster",
        "agent_manifest",
        "export_agent_manifest",
        "plan_agent_apply",
        "probe_member_reach",
        "apply_agent",
        "watch_join",
        "stop_join_watch",
        "join_records",
        "stale_agents",
        "list_clusters",
        "plan_cluster_removal",
        "remove_cluster",
        "check_agent_image",
        "export_join_bundle",
        "save_registry_login",
        "registry_login",
        "forget_registry_login",
        "mirror_config",
        "check_public_pull",
        "set_agent_image",
        "audit_log",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
