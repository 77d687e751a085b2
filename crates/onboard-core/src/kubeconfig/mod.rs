//! Kubeconfig handling, kubectl-compatible: which files ([`sources`]), their format
//! ([`model`]), loading and merging ([`load`]) and `kubectl config view` ([`view`]).

pub mod load;
pub mod model;
pub mod sources;
pub mod view;
pub mod yaml11;
