//! Kubeconfig handling, kubectl-compatible: which files ([`sources`]), their format
//! ([`model`]), loading and merging ([`load`]), what a context is ([`summary`]) and `kubectl config view` ([`view`]).
//! Connecting: a kube client per context ([`client`], exec plugins found through the login
//! shell's PATH, [`shell_path`]) and "Test connection" ([`connection`]), failing with a
//! typed [`failure`].

pub mod client;
pub mod connection;
pub mod details;
pub mod failure;
pub mod import;
pub mod load;
pub mod model;
pub mod secrets;
pub mod shell_path;
pub mod sources;
pub mod store;
pub mod summary;
pub mod view;
pub mod workspace;
pub mod yaml11;
