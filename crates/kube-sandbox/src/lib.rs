//! Simulated Kubernetes API servers for the KubeSphere host and member clusters.
//!
//! Each [`Cluster`] serves HTTPS on 127.0.0.1 with its own CA, authenticates bearer tokens
//! and client certificates, authorizes with the RBAC objects it stores, and answers like
//! kube-apiserver: discovery, OpenAPI v3 for kubectl's validation, Tables, watches,
//! patches of every kind, server-side apply, dry runs, finalizers and garbage collection.
//! [`Sandbox`] starts a host and a member and writes their kubeconfigs. docs/sandbox.md
//! lists what is simulated and what is not.

mod api;
mod auth;
mod clock;
mod cluster;
mod controllers;
mod defaults;
mod discovery;
mod error;
mod faults;
mod fieldset;
mod http;
mod images;
mod jsonpath;
mod kubeconfig;
pub mod kubectl;
mod kubelet;
mod kubesphere;
mod logs;
mod managed;
mod openapi;
mod protobuf;
mod protobuf_workloads;
mod rbac;
mod registry;
mod request;
mod reviews;
mod sandbox;
mod scale;
mod selectors;
mod server;
mod service_proxy;
mod state;
mod status;
mod store;
mod strategic;
mod table;
mod tls;
mod watch;
mod world;

pub use auth::Credential;
pub use clock::ClockOffset;
pub use cluster::{Changes, Cluster, ClusterBuilder, ClusterEvent, ObjectRef, UserSpec, ADMIN};
pub use error::Error;
pub use faults::{Faults, Matching};
pub use images::{ImagePolicy, RegistryAccess};
pub use kubesphere::{Timing, FORWARDED_PORT, NODE_EXTERNAL_IP, PUBLIC_IP};
pub use sandbox::{
    scenarios, Sandbox, SandboxConfig, Scenario, MIRROR_PASSWORD, MIRROR_USER, VIEWER,
};
pub use service_proxy::{Objects, ProxyReply, ProxyRequest, ServiceBackend};
pub use tls::install_crypto_provider;
