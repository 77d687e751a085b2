//! What the request handlers of one cluster share.

use crate::auth::User;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::service_proxy::Backends;
use crate::world::World;
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// A pod's container wrote more log text: (namespace, pod, container).
pub type LogAppended = (String, String, String);

pub struct Shared {
    pub world: Mutex<World>,
    pub users: RwLock<Vec<User>>,
    pub faults: Faults,
    pub bookmark_interval: Duration,
    /// host:port, as `/api` reports it.
    pub address: String,
    pub log_appended: broadcast::Sender<LogAppended>,
    /// The programs behind Services, by (namespace, name), for the service proxy.
    pub backends: RwLock<Backends>,
    /// The cluster's clock (also held by the world): the `Date` header and credential expiry.
    pub clock: Clock,
    /// How long kubelet's first crash-loop back-off (nominally 10 s) lasts here.
    pub restart_back_off: Duration,
}

impl Shared {
    /// The world, even if a panicking request poisoned the lock (state stays usable for tests).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn users(&self) -> Vec<User> {
        self.users
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn backends(&self) -> std::sync::RwLockReadGuard<'_, Backends> {
        self.backends
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn backends_mut(&self) -> std::sync::RwLockWriteGuard<'_, Backends> {
        self.backends
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn users_mut(&self) -> std::sync::RwLockWriteGuard<'_, Vec<User>> {
        self.users
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
