//! Tauri commands, one file per domain, each a few lines over `onboard-core`.

pub mod airgap;
pub mod app;
pub mod audit;
pub mod host;
pub mod join;
pub mod kubeconfig;
