//! # lamina-proto
//!
//! The gRPC wire format of Lamina: prost messages and tonic clients/servers
//! generated from `proto/lamina/**/*.proto` at build time. Handlers convert
//! these into `lamina-core` types at the edge (`TryFrom`) and never pass wire
//! types into business logic.
//!
//! One module per package: [`common::v1`], [`node::v1`], [`disperser::v1`],
//! [`retriever::v1`], [`encoder::v1`]; [`convert`] turns wire messages into core types (and back), and
//! [`store_chunks_digest`] is what a disperser signs over a `StoreChunks` request.

#![forbid(unsafe_code)]

pub mod convert;
mod digest;

pub use convert::ProtoError;
pub use digest::{payment_state_digest, store_chunks_digest};

/// `lamina.common.v1`: blob headers, certificates, batches.
pub mod common {
    /// Version 1.
    pub mod v1 {
        #![allow(missing_docs, unreachable_pub, clippy::all)]
        tonic::include_proto!("lamina.common.v1");
    }
}

/// `lamina.node.v1`: the DA node's Dispersal and Retrieval services.
pub mod node {
    /// Version 1.
    pub mod v1 {
        #![allow(missing_docs, unreachable_pub, clippy::all)]
        tonic::include_proto!("lamina.node.v1");
    }
}

/// `lamina.disperser.v1`: the rollup-facing Disperser service.
pub mod disperser {
    /// Version 1.
    pub mod v1 {
        #![allow(missing_docs, unreachable_pub, clippy::all)]
        tonic::include_proto!("lamina.disperser.v1");
    }
}

/// `lamina.retriever.v1`: the Retriever service.
pub mod retriever {
    /// Version 1.
    pub mod v1 {
        #![allow(missing_docs, unreachable_pub, clippy::all)]
        tonic::include_proto!("lamina.retriever.v1");
    }
}

/// `lamina.encoder.v1`: the stateless Encoder service of a scaled-out disperser.
pub mod encoder {
    /// Version 1.
    pub mod v1 {
        #![allow(missing_docs, unreachable_pub, clippy::all)]
        tonic::include_proto!("lamina.encoder.v1");
    }
}

/// Largest gRPC message any Lamina service accepts or sends: a 16 MiB blob
/// plus its header and framing. Configure it on both servers and clients
/// (tonic's default is 4 MiB).
pub const MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024 + 64 * 1024;

/// Metadata key of a `ResourceExhausted` status: milliseconds to wait before retrying.
pub const RETRY_AFTER_MS_METADATA: &str = "retry-after-ms";

/// A `ResourceExhausted` status that says, in [`RETRY_AFTER_MS_METADATA`], when to retry.
pub fn resource_exhausted(
    message: impl Into<String>,
    retry_after: std::time::Duration,
) -> tonic::Status {
    let mut status = tonic::Status::resource_exhausted(message);
    if let Ok(v) = retry_after.as_millis().to_string().parse() {
        status.metadata_mut().insert(RETRY_AFTER_MS_METADATA, v);
    }
    status
}

/// Metadata key of a status whose cause a caller branches on: a reason in
/// SCREAMING_SNAKE_CASE (the message carries the details).
pub const ERROR_REASON_METADATA: &str = "lamina-error-reason";

/// [`ERROR_REASON_METADATA`] of a `RetrieveBlob` (form `PAYLOAD`) answered
/// `FailedPrecondition`: the blob is certified and intact, but its bytes are not a
/// valid payload encoding. Ask for form `BLOB` to get them.
pub const REASON_PAYLOAD_UNDECODABLE: &str = "PAYLOAD_UNDECODABLE";
