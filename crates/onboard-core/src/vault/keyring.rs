//! The OS keyring through the `keyring` crate (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). Every entry is stored under the service name
//! [`SERVICE`] with our key as the account, so `secret-tool search service ks-onboard`
//! lists what the app keeps.

use super::{ExposeSecret, SecretStore, SecretString};

pub const SERVICE: &str = "ks-onboard";

/// The user's login keyring.
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// A keyring under another service name, so tests never touch the user's own entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> crate::Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(|e| failure("open", key, &e))
    }
}

impl Default for OsKeyring {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for OsKeyring {
    fn put(&self, key: &str, secret: &SecretString) -> crate::Result<()> {
        self.entry(key)?
            .set_password(secret.expose_secret())
            .map_err(|e| failure("save", key, &e))
    }

    fn get(&self, key: &str) -> crate::Result<SecretString> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(SecretString::from(secret)),
            Err(keyring::Error::NoEntry) => Err(missing(key)),
            Err(e) => Err(failure("read", key, &e)),
        }
    }

    fn delete(&self, key: &str) -> crate::Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(failure("delete", key, &e)),
        }
    }
}

pub(super) fn missing(key: &str) -> crate::Error {
    crate::Error::not_found(format!("the keyring has no secret \"{key}\""))
        .with_hint("import the kubeconfig again to save its credentials")
}

/// Our own words for each keyring failure; the crate's text is not passed on, as it can
/// include platform detail we have not checked for secrets.
fn failure(action: &str, key: &str, error: &keyring::Error) -> crate::Error {
    use keyring::Error as K;
    match error {
        K::NoStorageAccess(_) | K::PlatformFailure(_) => crate::Error::new(
            crate::ErrorKind::Unavailable,
            format!("could not {action} \"{key}\": the OS keyring is not available or is locked"),
        )
        .with_hint(
            "start and unlock a keyring (GNOME Keyring or KWallet on Linux, which provide the Secret Service); \
             on a machine without a desktop: dbus-run-session -- sh -c 'echo -n PASSWORD | gnome-keyring-daemon --unlock' before starting ks-onboard",
        ),
        K::TooLong(..) | K::Invalid(..) => crate::Error::new(
            crate::ErrorKind::Internal,
            format!("the keyring refused the name \"{key}\" or its value"),
        ),
        K::Ambiguous(_) => crate::Error::new(
            crate::ErrorKind::Internal,
            format!("the keyring holds several entries for \"{key}\""),
        )
        .with_hint(format!(
            "remove the duplicates with your keyring manager (service \"{SERVICE}\")"
        )),
        _ => crate::Error::new(
            crate::ErrorKind::Internal,
            format!("could not {action} \"{key}\" in the OS keyring"),
        ),
    }
}
