//! # lamina-storage
//!
//! Object storage for the roles that keep bytes outside their metadata database. In the
//! path blob → chunks → attestation → certificate → retrieval, the disperser's API
//! servers write each accepted blob here, encoders read it and write its frames here,
//! and the controller reads the frames back to send them to operators; the proxy keeps
//! its secondary copies here too.
//!
//! ## Bird's-eye view
//!
//! - [`ObjectStoreConfig`]: one configuration for a local directory (the embedded
//!   default: nothing to run) or a bucket of any S3-compatible store (AWS S3, MinIO,
//!   Ceph, R2, GCS's S3 API), opened through the `object_store` crate.
//! - [`BlobObjects`]: the disperser's layout on such a store: `blobs/<key hex>` (the
//!   blob's bytes) and `frames/<key hex>` (every frame of the blob in one object, the
//!   [`frames`] format). Every write replaces the object atomically (a reader sees the
//!   old object or the new one, never part of one); on a local directory a write is
//!   also fsynced before it returns, so "written" survives power loss as a synced
//!   RocksDB write does.
//!
//! ```
//! use lamina_storage::ObjectStoreConfig;
//!
//! let local: ObjectStoreConfig = toml::from_str(r#"dir = "objects""#)?;
//! local.validate()?;
//! let s3: ObjectStoreConfig = toml::from_str(r#"
//!     [s3]
//!     endpoint = "http://127.0.0.1:9000"
//!     bucket = "lamina"
//!     allow_http = true
//! "#)?;
//! s3.validate()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod blobs;
mod config;
mod error;
pub mod frames;

pub use blobs::{BlobObjects, FramesSummary, ObjectKind};
pub use config::{ObjectStoreConfig, S3Config, SecretString};
pub use error::StorageError;
pub use object_store::{ObjectStore, path::Path as ObjectPath};
