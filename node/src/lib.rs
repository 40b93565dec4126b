//! # lamina-node
//!
//! The operator's DA node. In the path blob → chunks → attestation → certificate →
//! retrieval it owns the operator's side of **chunks → attestation** and serves
//! **retrieval**: it receives its frames of each batch from the disperser
//! (`lamina.node.v1.Dispersal/StoreChunks`), checks them, stores them in RocksDB, and
//! returns its BLS signature over the batch header hash; later it serves the frames
//! back (`lamina.node.v1.Retrieval/GetChunks`). It never signs for data it did not
//! verify and durably store.
//!
//! ## Bird's-eye view
//!
//! - [`NodeConfig`]: TOML configuration with documented defaults and `validate()`.
//! - [`run`] / [`Node::spawn`]: loads the BLS key and the SRS, opens the [`Store`],
//!   binds the gRPC port (both services) and the HTTP port (`/health`, `/metrics`), and
//!   spawns three tasks: `grpc`, `http`, and `expiry` (deletes data past its custody
//!   period). One cancellation token stops them all; [`Node::shutdown`] waits for them.
//! - validation ([`validate`]): disperser signature and authorisation, timestamp and
//!   replay, batch root, reference block, blob versions and quorums, the exact
//!   stake-based chunk indices, frame shape, length proofs, then all frames of the batch
//!   in one batched pairing check; CPU work runs on rayon in a blocking task, bounded by
//!   a semaphore (`max_concurrent_store`).
//! - payments ([`NodePayments`]): before verifying a batch, every blob's client signature
//!   must recover to its payment header's account and every blob is metered against the
//!   account's `PaymentVault` reservation (in this node's wider bucket) or on-demand
//!   deposit; one unpaid blob refuses the whole batch, and nothing stays charged.
//! - [`Store`]: one synced RocksDB write batch per StoreChunks.
//!
//! ```no_run
//! # async fn example() -> Result<(), lamina_node::NodeError> {
//! let config = lamina_node::NodeConfig::from_toml_file("node.toml".as_ref())?;
//! lamina_node::run(config, async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod chain;
mod config;
mod console;
mod error;
mod metrics;
mod node;
mod payments;
mod ratelimit;
mod replay;
mod request;
mod service;
mod store;
pub mod testing;
pub mod validate;

pub use chain::{ChainReader, ONCHAIN_CACHE_TTL, QuorumStates, SignerCache};
pub use config::{
    DEFAULT_EXPIRY_SECS, DEFAULT_GRPC_PORT, DEFAULT_METRICS_PORT, GrpcLimits, NodeConfig,
    PasswordConfig,
};
pub use error::{ConfigError, NodeError, StoreError, ValidationError};
pub use metrics::NodeMetrics;
pub use node::{Node, run};
pub use payments::{BatchCharge, BlobToMeter, NodePayments, PaymentsConfig};
/// The store's record codecs (byte layouts), for the fuzz targets.
pub use store::codec as store_codec;
pub use store::{BatchWrite, BlobWrite, Store, StoreOutcome, StoredFrames};
