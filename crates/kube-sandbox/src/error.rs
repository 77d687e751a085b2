//! Why a sandbox could not start or write its files.

/// A failure to start a cluster or to write what it hands out.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not make the sandbox's certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("could not set up TLS: {0}")]
    Tls(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("unknown scenario \"{0}\"")]
    UnknownScenario(String),
    #[error("invalid object: {0}")]
    InvalidObject(String),
}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Self::Tls(e.to_string())
    }
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// A failure of a simulated component (the agent, tower, a registry), carried as the text the
/// real component prints for it: it ends up verbatim in agent logs, Events and conditions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Reported(pub String);

impl From<String> for Reported {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Reported {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}
