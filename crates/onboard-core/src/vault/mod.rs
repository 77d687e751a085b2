//! Where credentials live: behind [`SecretStore`], in the OS keyring by default
//! ([`OsKeyring`]), in memory for tests ([`MemoryVault`]). Nothing here ever writes a
//! secret to a file, and there is no plaintext fallback: no keyring, no saved secret.
//!
//! Secret values travel as [`secrecy::SecretString`] so they print as `[REDACTED]` in
//! `Debug` output and are wiped from memory when dropped.

mod keyring;
mod memory;

pub use self::keyring::OsKeyring;
pub use self::memory::MemoryVault;
pub use secrecy::{ExposeSecret, SecretString};

/// Keeps secrets under keys we choose (`users/<id>/token`). Implementations must be safe to
/// share between the window's commands.
pub trait SecretStore: Send + Sync {
    fn put(&self, key: &str, secret: &SecretString) -> crate::Result<()>;
    /// The secret under `key`; a `NotFound` error when there is none.
    fn get(&self, key: &str) -> crate::Result<SecretString>;
    /// Removes the secret under `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> crate::Result<()>;
}
