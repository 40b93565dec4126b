//! The one error type of object storage.

/// Object storage failed or is misconfigured.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A configuration field is unusable (`field` is relative to the store's table:
    /// `dir`, `s3.bucket`, …).
    #[error("{field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The store refused or failed a request.
    #[error("object store {op} {object}: {source}")]
    Object {
        /// `put`, `get`, `delete`.
        op: &'static str,
        /// The object's path.
        object: String,
        /// Why.
        source: object_store::Error,
    },
    /// A local file could not be synced to disk after its write.
    #[error("sync {path}: {source}")]
    Sync {
        /// The file or directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An object exists but its bytes are not what this layout writes.
    #[error("object {object} is corrupt: {reason}")]
    Corrupt {
        /// The object's path.
        object: String,
        /// Why.
        reason: String,
    },
}
