//! # lamina-console
//!
//! See the network. In the path blob → chunks → attestation → certificate → retrieval,
//! the console owns none of the steps: it *shows* them. The disperser serves the blob
//! explorer and operator console on its HTTP port (next to `/health` and `/metrics`),
//! each node serves a smaller node page on its own; both are read-only.
//!
//! ## Bird's-eye view
//!
//! - [`DisperserSource`] / [`NodeSource`]: what a service gives the console. The
//!   disperser implements the first over its RocksDB records (blob statuses and stage
//!   times, batch records with every operator's answer) and the chain (stakes, sockets);
//!   the node the second over its metrics and store. This crate depends on no Lamina
//!   crate, so dependencies flow one way: services → console.
//! - [`disperser_router`] / [`node_router`]: axum routers, merged by the services into
//!   their ops router. No task of its own: requests run on the service's HTTP server.
//!   Every request is charged to the client address first ([`DisperserSource::admit`]:
//!   the service's own per-address limit, the same as its gRPC API's).
//! - The JSON API (`/api/v1/...`, types in [`model`]): bounded lists (`limit`,
//!   newest first, `before` cursors), typed errors ([`ConsoleError`], one mapping to
//!   HTTP statuses with a JSON body).
//! - One expensive route: `/api/v1/blobs/{key}/retrievability`
//!   ([`DisperserSource::retrievability`]), a live rebuild of the blob from the
//!   operators, which the disperser bounds (deadline, checks at once, one per blob,
//!   answers reused: the `retrievability_*` fields of [`ConsoleConfig`]).
//! - The pages: one HTML layout and one script (`assets/`), embedded with
//!   `include_str!`; the script polls the API every `refresh_ms` and draws its charts
//!   as SVG by hand. Nothing is fetched from elsewhere (a `Content-Security-Policy`
//!   of `'self'` says so to the browser), and no page shows a secret: the sources only
//!   hand out public records.
//!
//! ```
//! use std::net::IpAddr;
//! use std::sync::Arc;
//!
//! use lamina_console::model::NodeSummary;
//! use lamina_console::{ConsoleConfig, ConsoleError, NodeSource};
//!
//! struct Figures;
//!
//! #[async_trait::async_trait]
//! impl NodeSource for Figures {
//!     fn admit(&self, _peer: Option<IpAddr>) -> Result<(), ConsoleError> {
//!         Ok(())
//!     }
//!     async fn summary(&self) -> Result<NodeSummary, ConsoleError> {
//!         Ok(NodeSummary {
//!             operator_id: format!("0x{}", "00".repeat(32)),
//!             stored_bytes: 0,
//!             stored_batches: 0,
//!             stored_blobs: 0,
//!             batches_received: 0,
//!             batches_signed: 0,
//!             batches_refused: Default::default(),
//!             batches_expired: 0,
//!             expiry_secs: 14 * 86_400,
//!             disperser_console: None,
//!         })
//!     }
//! }
//!
//! let config = ConsoleConfig::default();
//! config.validate()?;
//! let router: axum::Router = lamina_console::node_router(Arc::new(Figures), config);
//! // axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
//! # drop(router);
//! # Ok::<(), ConsoleError>(())
//! ```

#![forbid(unsafe_code)]

mod config;
mod error;
pub mod model;
mod pages;
mod router;
mod source;

pub use config::{
    ConsoleConfig, DEFAULT_MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, DEFAULT_REFRESH_MS,
    DEFAULT_RETRIEVABILITY_CACHE_MS, DEFAULT_RETRIEVABILITY_MAX_CHECKS,
    DEFAULT_RETRIEVABILITY_TIMEOUT_MS,
};
pub use error::ConsoleError;
pub use router::{MAX_WINDOW_SECS, disperser_router, node_router};
pub use source::{BlobCursor, BlobQuery, DisperserSource, NodeSource, parse_hex, parse_hex32};
