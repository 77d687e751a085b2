//! Tauri commands, one file per domain, each a few lines over `onboard-core`.

pub mod app;
pub mod host;
pub mod join;
pub mod kubeconfig;
