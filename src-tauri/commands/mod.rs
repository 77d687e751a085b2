//! Tauri commands, one file per domain, each a few lines over `onboard-core`.
//!
//! Tauri runs a plain `fn` command on the window's main thread: while it works the window
//! neither paints nor takes input. So every command that reads a file, the keyring or the
//! network is `async` (or `#[tauri::command(async)]`) and runs on the async runtime; only
//! `app_status` and `stop_join_watch`, which touch memory alone, stay plain. The
//! responsiveness test (tests/e2e/specs/responsive.test.mjs) loads a kubeconfig big enough
//! to take seconds and checks that the window answers meanwhile.

pub mod airgap;
pub mod app;
pub mod audit;
pub mod host;
pub mod join;
pub mod kubeconfig;
