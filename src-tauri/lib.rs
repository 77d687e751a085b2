//! The desktop shell: a window, the command table and the state it hands to commands.
//! All behaviour lives in `onboard-core`; commands here only adapt it.

mod args;
mod commands;
#[cfg(target_os = "linux")]
mod rendering;
mod sandbox;
mod state;
mod tasks;

pub use sandbox::{start as start_sandbox, RunningSandbox};
pub use state::{AppState, Backing};

use onboard_core::app::Target;
use tauri_specta::{collect_commands, Builder};

/// The command table, shared by the running app and the test that writes the TypeScript
/// bindings (so the bindings cannot describe a different set of commands).
pub fn specta_builder<R: tauri::Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::app::app_status,
            commands::kubeconfig::kubeconfig_summary,
            commands::kubeconfig::assign_role,
            commands::kubeconfig::use_own_kubeconfigs,
            commands::kubeconfig::preview_import,
            commands::kubeconfig::import_contexts,
            commands::kubeconfig::context_details,
            commands::kubeconfig::remove_contexts,
            commands::kubeconfig::copy_credential,
            commands::kubeconfig::test_connection,
            commands::app::cancel_task,
            commands::host::host_preflight,
            commands::host::proxy_address_report,
            commands::host::plan_proxy_address,
            commands::host::set_proxy_address,
            commands::host::restore_proxy_address,
            commands::host::probe_proxy_address,
            commands::host::restart_ks_apiserver,
            commands::join::cluster_form_options,
            commands::join::check_cluster_name,
            commands::join::preview_cluster,
            commands::join::add_cluster,
            commands::join::agent_manifest,
            commands::join::export_agent_manifest,
            commands::join::plan_agent_apply,
            commands::join::probe_member_reach,
            commands::join::apply_agent,
            commands::join::watch_join,
            commands::join::stop_join_watch,
            commands::join::join_records,
            commands::join::stale_agents,
            commands::join::list_clusters,
            commands::join::plan_cluster_removal,
            commands::join::remove_cluster,
            commands::join::check_agent_image,
            commands::join::export_join_bundle,
            commands::airgap::save_registry_login,
            commands::airgap::registry_login,
            commands::airgap::forget_registry_login,
            commands::airgap::mirror_config,
            commands::airgap::check_public_pull,
            commands::airgap::set_agent_image,
            commands::audit::audit_log,
        ])
        .typ::<onboard_core::Error>()
        .typ::<onboard_core::flow::Stage>()
        .constant("STAGES", onboard_core::flow::Stage::ALL)
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
}

/// Wires state and commands into a builder; tests pass `tauri::test::mock_builder()`.
pub fn configure<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    builder
        .manage(state)
        .invoke_handler(specta.invoke_handler())
}

pub fn run() {
    #[cfg(target_os = "linux")]
    rendering::without_gpu_skip_compositing();
    let state = match args::parse(std::env::args_os()) {
        Ok(args::Launch::Kubeconfigs(paths)) => match Backing::user() {
            Ok(backing) => AppState::new(Target::Kubeconfigs { paths }, None, backing),
            Err(error) => exit_with(&error),
        },
        Ok(args::Launch::Sandbox { scenario }) => match sandbox::start(&scenario) {
            Ok((running, target)) => {
                let backing = Backing::in_memory(running.store_dir());
                AppState::new(target, Some(running), backing)
            }
            Err(error) => exit_with(&error),
        },
        Err(error) => error.exit(),
    };
    configure(tauri::Builder::default(), state)
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            eprintln!("error: the window could not start: {error}");
            eprintln!("hint: on Linux the app needs WebKitGTK 4.1 and a display (DISPLAY or WAYLAND_DISPLAY)");
            std::process::exit(1);
        });
}

fn exit_with(error: &onboard_core::Error) -> ! {
    eprintln!("error: {}", error.message);
    if let Some(hint) = &error.hint {
        eprintln!("hint: {hint}");
    }
    std::process::exit(1);
}
