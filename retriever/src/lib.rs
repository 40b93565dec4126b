//! # lamina-retriever
//!
//! The last step of a blob's life, blob → chunks → attestation → certificate →
//! **retrieval**: given a blob header and the batch's reference block, rebuild the
//! original payload from the operators alone, trusting none of them.
//!
//! ## Bird's-eye view
//!
//! - [`Retriever`] reads the operators of the blob's quorums and their stakes at the
//!   reference block from a [`Chain`](lamina_core::chain::Chain), computes which
//!   chunks each holds (`assign_blob`, the disperser's rule) and their sockets.
//! - [`Rebuilder`] asks them with `lamina.node.v1.Retrieval/GetChunks`: fastest
//!   first (a moving average of past answer times), at most
//!   [`RetrievalOptions::max_concurrent_requests`] at once, enough to cover the blob
//!   plus [`RetrievalOptions::extra_requests`] spares, and one more whenever nobody
//!   answered for [`RetrievalOptions::hedge_after_ms`]. Each answer is checked as it
//!   arrives, on rayon: frames for chunks the operator is not assigned are dropped,
//!   the rest verified against the commitment with one batched pairing
//!   (`lamina_encoding::verify_frames`), naming every bad frame. As soon as the
//!   verified distinct chunks suffice, outstanding requests are cancelled, the blob
//!   is rebuilt and checked against the commitment (`decode_checked`), and the
//!   payload decoded ([`decode_payload`]).
//! - Blobs are certified as opaque field elements (EigenDA's model): the
//!   `*_blob` variants ([`Retriever::retrieve_blob_preferring`], form `BLOB` of the
//!   service) return the blob exactly as committed, `commitment.length` symbols with
//!   its padding; the payload variants decode it by one rule, so a blob that is not
//!   a valid payload encoding is the same [`RetrieverError::Payload`] (gRPC
//!   `FAILED_PRECONDITION`, reason `PAYLOAD_UNDECODABLE`) from every source.
//! - Operators that are down, slow, or serve garbage, another blob's frames or
//!   frames for chunks that are not theirs are skipped and listed in the
//!   [`RetrievalReport`]; retrieval fails only when the honest remainder cannot
//!   rebuild the blob, with [`RetrieverError::NotEnoughChunks`] naming who failed
//!   and why, and how many chunks were got against how many are needed.
//! - With a disperser configured ([`Retriever::with_disperser`],
//!   `RetrieverConfig::disperser`), a blob the operators of no quorum can rebuild is
//!   fetched whole with `lamina.disperser.v1.Disperser/GetBlob` and accepted only if
//!   it commits to the certificate's commitment ([`RetrievalSource::Disperser`]).
//!   The same fetch and check, [`fetch_checked_blob`], is the client's fast path
//!   (`GetBlob` first, operators on any failure).
//!
//! - [`run`] serves `lamina.retriever.v1.Retriever/RetrieveBlob` (blob header,
//!   blob certificate or ABI-encoded DA certificate in, payload or raw blob out) with
//!   `GET /health` and `GET /metrics` beside it, configured by [`RetrieverConfig`].
//!
//! ```no_run
//! # async fn example(chain: lamina_core::chain::EthChain, header: lamina_core::BlobHeader) -> Result<(), lamina_retriever::RetrieverError> {
//! use std::sync::Arc;
//! use lamina_retriever::{RetrievalOptions, Retriever};
//!
//! let srs = Arc::new(lamina_encoding::Srs::development_cached(1 << 16)?);
//! let retriever = Retriever::new(chain, srs, RetrievalOptions::default());
//! // The batch's reference block and one of the blob's quorums.
//! let retrieved = retriever.retrieve(&header, 1234, 0).await?;
//! println!("{} bytes; {}", retrieved.payload.len(), retrieved.report);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod check;
mod collect;
mod config;
mod disperser;
mod error;
mod fetch;
mod latency;
mod metrics;
mod options;
mod rebuild;
mod report;
mod retriever;
mod server;
mod service;

pub use collect::Candidate;
pub use config::{DEFAULT_GRPC_LISTEN, DEFAULT_METRICS_LISTEN, RetrieverConfig};
pub use disperser::{DisperserBlobError, fetch_checked_blob};
pub use error::RetrieverError;
pub use options::RetrievalOptions;
pub use rebuild::{Rebuilder, RetrievalSource, Retrieved, RetrievedBlob, decode_payload};
pub use report::{OperatorFault, OperatorReport, OperatorState, RetrievalReport};
pub use retriever::{Retriever, candidates_from_state};
pub use server::run;

#[cfg(test)]
mod tests;
