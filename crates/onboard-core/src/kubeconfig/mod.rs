//! Kubeconfig handling, kubectl-compatible: which files ([`sources`]), their format
//! ([`model`]), loading and merging ([`load`]), what a context is ([`summary`]) and `kubectl config view` ([`view`]).

pub mod load;
pub mod model;
pub mod sources;
pub mod summary;
pub mod view;
pub mod yaml11;
