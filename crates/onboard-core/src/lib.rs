//! Onboard for KubeSphere: the logic shared by the desktop app and `ks-onboard-cli`.
//!
//! Nothing here knows about windows or Tauri. The two front ends call these modules and
//! render what comes back; every failure is an [`Error`] with a kind, a message and a hint.

pub mod app;
pub mod audit;
pub mod error;
pub mod flow;
pub mod join;
pub mod kubeconfig;
pub mod kubesphere;
pub mod locked_file;
pub mod preflight;
pub mod vault;

pub use error::{Error, ErrorKind, Result};
