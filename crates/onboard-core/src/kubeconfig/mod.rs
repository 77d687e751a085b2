//! Kubeconfig handling, kubectl-compatible.

pub mod sources;
