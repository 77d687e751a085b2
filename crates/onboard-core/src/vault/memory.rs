//! A vault in process memory, for tests: the same contract as the OS keyring, nothing saved.
//! Passed in explicitly (never chosen as a fallback), because keyring 3's own mock gives
//! each entry separate storage and so cannot stand in for a real keyring.

use super::{ExposeSecret, SecretStore, SecretString};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryVault {
    secrets: Mutex<HashMap<String, SecretString>>,
}

impl MemoryVault {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many secrets are held: lets tests check that removal cleans up.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryVault {
    fn put(&self, key: &str, secret: &SecretString) -> crate::Result<()> {
        let copy = SecretString::from(secret.expose_secret().to_owned());
        self.lock().insert(key.to_owned(), copy);
        Ok(())
    }

    fn get(&self, key: &str) -> crate::Result<SecretString> {
        self.lock()
            .get(key)
            .map(|s| SecretString::from(s.expose_secret().to_owned()))
            .ok_or_else(|| super::keyring::missing(key))
    }

    fn delete(&self, key: &str) -> crate::Result<()> {
        self.lock().remove(key);
        Ok(())
    }
}
