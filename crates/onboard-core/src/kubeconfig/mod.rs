//! Kubeconfig handling, kubectl-compatible: which files ([`sources`]), their format
//! ([`model`]), loading and merging ([`load`]), what a context is ([`summary`]) and `kubectl config view` ([`view`]).

pub mod details;
pub mod import;
pub mod load;
pub mod model;
pub mod secrets;
pub mod sources;
pub mod store;
pub mod summary;
pub mod view;
pub mod workspace;
pub mod yaml11;
