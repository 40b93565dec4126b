//! # lamina-proxy
//!
//! The sidecar a rollup runs next to its batcher and node: it speaks OP Stack's alt-DA
//! HTTP interface (generic commitments) and talks to Lamina through `lamina-client`. In
//! the path blob → chunks → attestation → certificate → retrieval it owns neither step:
//! it drives the first and the last for a rollup, and applies `lamina-derivation`'s
//! rules to every certificate it serves.
//!
//! ## Bird's eye view
//!
//! - `POST /put` and `POST /put/` (body: the batch): disperse through the client, wait
//!   for the certificate, verify it locally (every `checkDACert` check), answer 200 with
//!   the commitment bytes (`0x01 0x4c 0x00` then `abi.encode(DACertV3)`, see
//!   [`lamina_derivation::commitment`]). The disperser refusing for load is 429 with
//!   `Retry-After`; no verified certificate within `put_timeout_ms` (or the network
//!   down) is 503, so the batcher falls back to L1.
//! - `GET /get/0x<commitment>[?l1_inclusion_block_number=N]`: the derivation's
//!   [`Outcome`](lamina_derivation::Outcome): 200 with the batch, 418 with
//!   `{"code", "reason", "message"}` when the certificate must be dropped (codes 1
//!   parse, 2 recency, 3 invalid certificate, 4 undecodable payload), 404 while the blob
//!   is not retrievable (the reader stalls and retries). Blobs come, in this order,
//!   from a bounded cache of batches this proxy wrote (recency still applies), the
//!   disperser's `GetBlob` under a short timeout, the retriever service, the operators,
//!   then secondary storage; every one is checked against the commitment.
//! - `GET /health`, `GET /metrics` (requests by route and status, latencies, drops).
//! - Arbitrum Nitro's external DA provider: `daprovider_*` JSON-RPC on `POST /`
//!   (`getSupportedHeaderBytes`, `getMaxMessageSize`, `store`, `recoverPayload`; see the
//!   `nitro` module for what is not done).
//! - Secondary storage (`[secondary]`): certified batches copied to a local directory or
//!   an S3-compatible bucket (`object_store`) by one writer task, read back (checked
//!   against the commitment) when the network cannot serve a valid certificate.
//! - Memstore mode (`[memstore]`): the same routes over memory with an expiry, for rollup
//!   developers without a network; commitments `0x01 0x4c 0xff` then `keccak256(batch)`;
//!   faults (latency, failover, forced drops) set at runtime on `PUT /memstore/faults`.
//!
//! [`op_client::OpAltDaClient`] is the rollup's side of the OP routes, for Rust callers.
//!
//! [`run`] connects the client and serves until shutdown; [`serve`] takes a bound
//! listener and a client (tests bind `127.0.0.1:0`).
//!
//! ```
//! use lamina_proxy::ProxyConfig;
//!
//! let config: ProxyConfig = toml::from_str(r#"
//!     listen = "127.0.0.1:3100"
//!     key_file = "client/key.hex"
//!     [client]
//!     disperser = "127.0.0.1:32001"
//!     retriever = "127.0.0.1:32011"
//! "#).expect("valid TOML");
//! config.validate()?;
//! assert_eq!(config.max_batch_bytes(), (524_288 - 1) * 31);
//! # Ok::<(), lamina_proxy::ProxyError>(())
//! ```

#![forbid(unsafe_code)]

mod cache;
mod config;
mod error;
mod memstore;
mod metrics;
mod nitro;
pub mod op_client;
mod secondary;
mod server;

pub use config::{DEFAULT_LISTEN, ProxyConfig};
pub use error::{ApiError, ProxyError};
pub use lamina_storage::{ObjectStoreConfig, S3Config, SecretString};
pub use memstore::{Faults, MEMSTORE_PREFIX, MEMSTORE_VERSION, MemStore, MemstoreConfig};
pub use nitro::{
    DA_CERTIFICATE_HEADER_FLAG, DA_CERTIFICATE_PREIMAGE_TYPE, SEQUENCER_MESSAGE_HEADER_BYTES,
};
pub use secondary::object_name;
pub use server::{Backend, L1_INCLUSION_BLOCK_PARAM, run, serve};
