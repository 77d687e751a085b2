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
