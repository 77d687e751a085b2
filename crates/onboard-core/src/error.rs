//! The one error type of the product.
//!
//! Every failure a user can meet is an [`Error`]: a stable [`ErrorKind`] the UI and scripts
//! can branch on, a message that says what is wrong, and a hint that says what to do.
//! It crosses the command boundary serialized as `{ kind, message, hint }` and the CLI
//! prints it as `error: …` / `hint: …`.
//!
//! Messages are written by us, never copied from a lower layer verbatim, so that a token or
//! key embedded in a library's error text cannot reach the webview, a log or the terminal.

use serde::Serialize;

/// What went wrong, as a stable code. Add a variant only when a front end treats it
/// differently from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// The user gave us something we cannot use (a flag, a name, a file).
    InvalidInput,
    /// A thing the user named does not exist.
    NotFound,
    /// A local file or directory could not be read or written.
    Io,
    /// A service we depend on is not there, such as the OS keyring.
    Unavailable,
    /// A cluster could not be reached, or refused us (DNS, TLS, credentials, exec plugin):
    /// the front ends offer "Test connection" for the details.
    Connection,
    /// A bug: something we did not expect. The message says where.
    Internal,
    /// The user stopped a read-only wait before it finished; nothing was changed.
    Cancelled,
}

/// A failure with what is wrong and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    /// What is wrong, in one sentence a user understands.
    pub message: String,
    /// What to do next; absent only when there is nothing useful to say.
    pub hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// An I/O failure on `path`. Only the OS error's kind is kept: its text can quote file
    /// contents on some platforms.
    pub fn io(action: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        Self::new(
            ErrorKind::Io,
            format!("could not {action} {}: {}", path.display(), err.kind()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_message_hint() {
        let err = Error::invalid_input("cluster name \"Prod\" has upper-case letters")
            .with_hint("use lower-case letters, digits and '-'");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "invalidInput",
                "message": "cluster name \"Prod\" has upper-case letters",
                "hint": "use lower-case letters, digits and '-'",
            })
        );
    }

    #[test]
    fn hint_is_null_when_absent_and_display_is_the_message() {
        let err = Error::not_found("context \"dev\" is not in any kubeconfig");
        assert_eq!(err.to_string(), "context \"dev\" is not in any kubeconfig");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["hint"], serde_json::Value::Null);
    }

    #[test]
    fn io_error_names_the_path_and_kind_only() {
        let os = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "secret-ish detail");
        let err = Error::io("read", std::path::Path::new("/tmp/x.kubeconfig"), &os);
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(err.message.contains("/tmp/x.kubeconfig"));
        assert!(err.message.contains("permission denied"));
        assert!(!err.message.contains("secret-ish"));
    }
}
