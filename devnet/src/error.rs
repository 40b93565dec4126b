//! The devnet's error type.

use std::path::PathBuf;

use lamina_core::KeystoreError;
use lamina_core::chain::ChainError;

/// Starting, provisioning or supervising a devnet failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// A tool the devnet needs is missing.
    #[error("{tool} not found at {path} (run scripts/setup.sh, or set {env})")]
    ToolMissing {
        /// `anvil`, `forge` or `lamina`.
        tool: &'static str,
        /// Where it was looked for.
        path: PathBuf,
        /// The environment variable that overrides the location.
        env: &'static str,
    },
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`create`, `read`, `write`, `spawn`...).
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A tool ran but failed.
    #[error("{tool} failed ({status}); see {log}")]
    ToolFailed {
        /// Which tool.
        tool: &'static str,
        /// Its exit status.
        status: String,
        /// The log holding its output.
        log: PathBuf,
    },
    /// A process exited before it became healthy.
    #[error(
        "{name} (pid {pid}) exited with {status} before becoming healthy; last log lines of {log}:\n{tail}"
    )]
    ExitedEarly {
        /// Role and index, e.g. `node-2`.
        name: String,
        /// Its process id.
        pid: u32,
        /// Its exit status.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The end of its log.
        tail: String,
    },
    /// A process did not become healthy in time.
    #[error(
        "{name} (pid {pid}) not healthy at {url} after {waited_ms} ms; last log lines of {log}:\n{tail}"
    )]
    Unhealthy {
        /// Role and index.
        name: String,
        /// Its process id.
        pid: u32,
        /// The health URL polled.
        url: String,
        /// How long it was polled.
        waited_ms: u128,
        /// Its log file.
        log: PathBuf,
        /// The end of its log.
        tail: String,
    },
    /// The process is not running (never started, or stopped).
    #[error("{0} is not running")]
    NotRunning(String),
    /// A chain read or transaction failed.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// An RPC call to anvil failed.
    #[error("anvil RPC {method}: {reason}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// Why.
        reason: String,
    },
    /// Writing a key file failed.
    #[error("keystore: {0}")]
    Keystore(#[from] KeystoreError),
    /// A (de)serialisation failed.
    #[error("{what}: {reason}")]
    Format {
        /// What was being (de)serialised.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The devnet's PostgreSQL cluster could not be started or given a database.
    #[error("PostgreSQL for the disperser's metadata: {0}")]
    Postgres(String),
    /// The devnet's S3 server did not come up.
    #[error("S3 server (s3s-fs): {0}")]
    S3(String),
    /// An option is out of range.
    #[error("invalid devnet option {field}: {reason}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A signal could not be delivered.
    #[error("signal {signal} to pid {pid}: {source}")]
    Signal {
        /// The signal number.
        signal: i32,
        /// The target.
        pid: u32,
        /// The OS error.
        source: std::io::Error,
    },
}

impl DevnetError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
