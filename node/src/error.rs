//! The node's errors, and the one mapping of them onto gRPC statuses.

use std::path::PathBuf;

use alloy_primitives::Address;
use lamina_core::{BlobKey, QuorumId};

/// A configuration file or value is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read node config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for [`crate::NodeConfig`].
    #[error("node config {path} is invalid: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the field and line).
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A field has an unusable value.
    #[error("node config field {field} = {value:?} {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is wrong, and the accepted range.
        reason: &'static str,
    },
    /// The config cannot be written as TOML.
    #[error("cannot serialize node config: {0}")]
    Serialize(String),
    /// Payments are enforced but the deployment names no `PaymentVault`.
    #[error(
        "the deployment {} has no PaymentVault address (payment_vault), so this node \
         cannot check that blobs are paid for; deploy one (the devnet does), or set \
         `enabled = false` under [payments] in the node config \
         (LAMINA_NODE_PAYMENTS__ENABLED=false) to sign for unpaid blobs",
        .deployment.display()
    )]
    NoPaymentVault {
        /// The deployment file.
        deployment: PathBuf,
    },
}

/// The RocksDB store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB itself failed.
    #[error("rocksdb at {path}: {source}")]
    Db {
        /// The database directory.
        path: PathBuf,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// A stored record does not decode: the database is corrupt or from another version.
    #[error("corrupt {table} record {key}: {reason}")]
    Corrupt {
        /// Column family.
        table: &'static str,
        /// Hex key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The blocking task running the write panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
}

/// Why a StoreChunks request was refused. Every variant names what was wrong so the
/// disperser's logs say which blob, quorum and frame to look at.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// A field of the request does not decode into core types.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The disperser signature is missing or does not recover to an address.
    #[error("disperser signature invalid: {0}")]
    BadSignature(String),
    /// The signer is neither configured nor a batch confirmer on-chain.
    #[error(
        "disperser {0} is not authorized (not in authorized_dispersers, not a batch confirmer)"
    )]
    UnknownDisperser(Address),
    /// The request timestamp is too far from the node's clock.
    #[error(
        "request timestamp {timestamp_ns} ns is {skew_secs} s from the node's clock, more than the allowed {max_secs} s"
    )]
    Stale {
        /// The request's timestamp.
        timestamp_ns: i64,
        /// Difference from now, seconds.
        skew_secs: u64,
        /// Allowed difference.
        max_secs: u64,
    },
    /// The same signed request was already seen.
    #[error("request {digest} was already received (replay)")]
    Replayed {
        /// The request digest, hex.
        digest: String,
    },
    /// Number of frame entries differs from the number of certificates.
    #[error("batch has {certificates} blob certificates but {blobs} frame entries")]
    BlobCountMismatch {
        /// Certificates.
        certificates: usize,
        /// Frame entries.
        blobs: usize,
    },
    /// The batch has no blobs.
    #[error("batch has no blob certificates")]
    EmptyBatch,
    /// The batch root is not the Merkle root of the certificate hashes.
    #[error("batch root {got} does not match the Merkle root of the certificates {expected}")]
    BatchRootMismatch {
        /// Root in the header.
        got: String,
        /// Root computed.
        expected: String,
    },
    /// The reference block is ahead of the chain head.
    #[error("reference block {reference_block} is in the future (head is {head})")]
    FutureReferenceBlock {
        /// Reference block.
        reference_block: u64,
        /// Chain head.
        head: u64,
    },
    /// The reference block is too old.
    #[error(
        "reference block {reference_block} is {age} blocks behind head {head}, more than the allowed {max_age}"
    )]
    StaleReferenceBlock {
        /// Reference block.
        reference_block: u64,
        /// Chain head.
        head: u64,
        /// head - reference block.
        age: u64,
        /// Allowed age.
        max_age: u64,
    },
    /// A blob's version is not registered.
    #[error("blob {index} ({key}): blob version {version} is not registered on-chain")]
    UnknownVersion {
        /// Blob position in the batch.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Version.
        version: u16,
    },
    /// A blob names a quorum that does not exist, or none, or one twice.
    #[error("blob {index} ({key}): quorum numbers {quorums:?} invalid: {reason}")]
    BadQuorums {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// The quorum numbers.
        quorums: Vec<QuorumId>,
        /// Why (names the quorum count).
        reason: String,
    },
    /// The blob's shape is invalid (length, parameters).
    #[error("blob {index} ({key}): {reason}")]
    BadBlob {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Why.
        reason: String,
    },
    /// The stake-based assignment cannot be computed from the chain's state.
    #[error("blob {index} ({key}): chunk assignment at reference block failed: {reason}")]
    Assignment {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Why.
        reason: String,
    },
    /// This operator has stake in a quorum of the blob but is assigned no chunks of it:
    /// the node does not sign for data it does not hold.
    #[error(
        "blob {index} ({key}): this operator has stake in quorums {quorums:?} but is assigned no chunks; refusing to sign"
    )]
    NoChunksAssigned {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// The blob's quorums in which this operator has stake.
        quorums: Vec<QuorumId>,
    },
    /// The operator state read for a quorum disagrees with the registries' own record.
    #[error(
        "operator state of quorum {quorum} at the reference block is inconsistent for operator {operator}: {reason}; refusing to sign"
    )]
    InconsistentOperatorState {
        /// The quorum.
        quorum: QuorumId,
        /// This node's operator.
        operator: lamina_core::OperatorId,
        /// What disagrees.
        reason: String,
    },
    /// Frames for a quorum this operator is not assigned, or missing frames.
    #[error("blob {index} ({key}) quorum {quorum}: {reason}")]
    WrongQuorumFrames {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Quorum.
        quorum: QuorumId,
        /// Why.
        reason: String,
    },
    /// Chunk indices differ from the assignment.
    #[error(
        "blob {index} ({key}) quorum {quorum}: chunk indices {got:?} are not this operator's assignment {expected:?}"
    )]
    WrongIndices {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Quorum.
        quorum: QuorumId,
        /// Indices sent.
        got: Vec<u32>,
        /// Indices assigned.
        expected: Vec<u32>,
    },
    /// A frame is malformed (bytes, length).
    #[error("blob {index} ({key}) quorum {quorum} frame {position} (chunk {chunk}): {reason}")]
    BadFrame {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Quorum.
        quorum: QuorumId,
        /// Position of the frame in the request.
        position: usize,
        /// Chunk index.
        chunk: u32,
        /// Why.
        reason: String,
    },
    /// The length proof does not hold.
    #[error("blob {index} ({key}): length proof invalid: {reason}")]
    LengthProof {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// Why.
        reason: String,
    },
    /// Frames do not open their commitments.
    #[error("{} frame(s) fail KZG verification; first: blob {} ({}) chunk {}", .frames.len(), .frames[0].0, .frames[0].1, .frames[0].2)]
    InvalidFrames {
        /// `(blob position, blob key, chunk index)` of every bad frame (non-empty).
        frames: Vec<(usize, BlobKey, u32)>,
    },
    /// Batched verification could not run (SRS too small, shape invalid).
    #[error("frame verification failed: {0}")]
    Verification(String),
    /// A blob's client signature does not recover to its payment header's account: the
    /// account never asked for this blob, so it cannot be charged for it.
    #[error(
        "blob {index} ({key}): the client signature does not prove account {account} signed the \
         blob key: {reason}; refusing to sign"
    )]
    ClientSignature {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// The payment header's account.
        account: Address,
        /// What recovery gave.
        reason: String,
    },
    /// A blob's account has not paid for it (no payment, over its reservation, a
    /// deposit that does not cover the payment...): the whole batch is refused.
    #[error("blob {index} ({key}) of account {account}: {reason}; refusing to sign the batch")]
    Payment {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// The payment header's account.
        account: Address,
        /// The metering's refusal (boxed: it is large and this path is rare).
        reason: Box<lamina_payments::PaymentError>,
    },
    /// A blob's account is in neither payment cache and this node's budget of chain reads
    /// for unknown accounts is spent.
    #[error(
        "blob {index} ({key}): too many payment look-ups of unknown accounts; retry after {retry_after_ms} ms"
    )]
    PaymentLookupBusy {
        /// Blob position.
        index: usize,
        /// Blob key.
        key: BlobKey,
        /// When the budget has a read again.
        retry_after_ms: u64,
    },
}

/// Why the node failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request was refused.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A chain read failed.
    #[error("chain: {0}")]
    Chain(#[from] lamina_core::chain::ChainError),
    /// A key could not be loaded.
    #[error("keystore {path}: {source}")]
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Why.
        #[source]
        source: lamina_core::KeystoreError,
    },
    /// The SRS could not be loaded.
    #[error("SRS: {0}")]
    Srs(#[from] lamina_encoding::SrsError),
    /// The SRS configuration is refused for this chain (the development SRS off a
    /// development chain).
    #[error(transparent)]
    SrsSetup(#[from] lamina_core::SrsSetupError),
    /// The TLS configuration cannot be used (files missing, not PEM, half set).
    #[error(transparent)]
    Tls(#[from] lamina_core::tls::TlsError),
    /// A listener could not be bound.
    #[error("cannot bind {what} on {addr}: {source} (choose another port in the config)")]
    Bind {
        /// Which server.
        what: &'static str,
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A server failed while running.
    #[error("{what} server failed: {reason}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A retrieval client exceeded its rate.
    #[error("retrieval {limit} limit for {client} exceeded; retry after {retry_after_ms} ms")]
    RateLimited {
        /// Which limit: requests per second or bytes per second.
        limit: &'static str,
        /// The client IP.
        client: String,
        /// When a token is available again.
        retry_after_ms: u64,
    },
    /// The requested blob or quorum is not stored.
    #[error("{0} not found")]
    NotFound(String),
    /// A retrieval request is malformed.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The node is overloaded.
    #[error("node busy: {0}")]
    Busy(&'static str),
}

impl ValidationError {
    /// Short label for the `node_batches_rejected_total{reason}` metric.
    pub fn reason_label(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::BadSignature(_) => "bad_signature",
            Self::UnknownDisperser(_) => "unknown_disperser",
            Self::Stale { .. } => "stale",
            Self::Replayed { .. } => "replayed",
            Self::BlobCountMismatch { .. } | Self::EmptyBatch => "malformed",
            Self::BatchRootMismatch { .. } => "batch_root",
            Self::FutureReferenceBlock { .. } => "future_reference_block",
            Self::StaleReferenceBlock { .. } => "stale_reference_block",
            Self::UnknownVersion { .. } | Self::BadQuorums { .. } | Self::BadBlob { .. } => {
                "bad_blob_header"
            }
            Self::Assignment { .. } => "assignment",
            Self::NoChunksAssigned { .. } => "no_assignment",
            Self::InconsistentOperatorState { .. } => "inconsistent_state",
            Self::WrongQuorumFrames { .. } | Self::WrongIndices { .. } => "wrong_indices",
            Self::BadFrame { .. } => "bad_frame",
            Self::LengthProof { .. } => "length_proof",
            Self::InvalidFrames { .. } => "invalid_frames",
            Self::Verification(_) => "verification",
            Self::ClientSignature { .. } => "client_signature",
            Self::Payment { reason, .. } => payment_reason_label(reason),
            Self::PaymentLookupBusy { .. } => "payment_lookup_busy",
        }
    }
}

/// The `reason` label of a batch refused for a blob's payment.
fn payment_reason_label(reason: &lamina_payments::PaymentError) -> &'static str {
    use lamina_payments::PaymentError as P;
    match reason {
        P::NoPayment { .. } => "payment_unpaid",
        P::Exhausted { .. } | P::ExceedsBucket { .. } => "payment_over_reservation",
        P::ReservationInactive { .. } => "payment_reservation_inactive",
        P::QuorumNotAllowed { .. } | P::NoQuorums => "payment_quorum",
        P::InsufficientIncrement { .. } | P::InsufficientDeposit { .. } => "payment_insufficient",
        P::TimestampSkew { .. } | P::Overflow { .. } | P::RefundMismatch { .. } => {
            "payment_invalid"
        }
    }
}

impl NodeError {
    /// Label for the rejected-batches metric.
    pub fn reason_label(&self) -> &'static str {
        match self {
            Self::Validation(v) => v.reason_label(),
            Self::Chain(_) => "chain",
            Self::Store(_) => "store",
            Self::Busy(_) => "busy",
            Self::Config(_)
            | Self::Keystore { .. }
            | Self::Srs(_)
            | Self::SrsSetup(_)
            | Self::Tls(_)
            | Self::Bind { .. }
            | Self::Serve { .. }
            | Self::RateLimited { .. }
            | Self::NotFound(_)
            | Self::InvalidRequest(_) => "internal",
        }
    }
}

impl From<NodeError> for tonic::Status {
    fn from(error: NodeError) -> Self {
        let message = error.to_string();
        match error {
            NodeError::Validation(v) => match v {
                ValidationError::BadSignature(_)
                | ValidationError::UnknownDisperser(_)
                | ValidationError::Stale { .. }
                | ValidationError::Replayed { .. } => tonic::Status::permission_denied(message),
                // Payments: the account did not sign the blob, or has not paid for it
                // (no payment, over its reservation in this node's wider bucket, an
                // on-demand payment its deposit does not cover). Final for this batch: the
                // node is the authority, and a disperser must not dispatch such a blob.
                ValidationError::ClientSignature { .. } | ValidationError::Payment { .. } => {
                    tonic::Status::permission_denied(message)
                }
                // Too many unknown accounts at once: the same batch may pass later.
                ValidationError::PaymentLookupBusy { retry_after_ms, .. } => {
                    lamina_proto::resource_exhausted(
                        message,
                        std::time::Duration::from_millis(retry_after_ms),
                    )
                }
                // The chain may catch up (future) or the disperser must pick a newer block.
                ValidationError::FutureReferenceBlock { .. }
                | ValidationError::StaleReferenceBlock { .. } => {
                    tonic::Status::failed_precondition(message)
                }
                // The node's view of the stake at the reference block does not let it sign.
                ValidationError::Assignment { .. }
                | ValidationError::NoChunksAssigned { .. }
                | ValidationError::InconsistentOperatorState { .. } => {
                    tonic::Status::failed_precondition(message)
                }
                ValidationError::Malformed(_)
                | ValidationError::BlobCountMismatch { .. }
                | ValidationError::EmptyBatch
                | ValidationError::BatchRootMismatch { .. }
                | ValidationError::UnknownVersion { .. }
                | ValidationError::BadQuorums { .. }
                | ValidationError::BadBlob { .. }
                | ValidationError::WrongQuorumFrames { .. }
                | ValidationError::WrongIndices { .. }
                | ValidationError::BadFrame { .. }
                | ValidationError::LengthProof { .. }
                | ValidationError::InvalidFrames { .. }
                | ValidationError::Verification(_) => tonic::Status::invalid_argument(message),
            },
            NodeError::InvalidRequest(_) => tonic::Status::invalid_argument(message),
            NodeError::NotFound(_) => tonic::Status::not_found(message),
            NodeError::RateLimited { retry_after_ms, .. } => lamina_proto::resource_exhausted(
                message,
                std::time::Duration::from_millis(retry_after_ms),
            ),
            NodeError::Busy(_) | NodeError::Chain(_) => tonic::Status::unavailable(message),
            NodeError::Store(_)
            | NodeError::Config(_)
            | NodeError::Keystore { .. }
            | NodeError::Srs(_)
            | NodeError::SrsSetup(_)
            | NodeError::Tls(_)
            | NodeError::Bind { .. }
            | NodeError::Serve { .. } => tonic::Status::internal(message),
        }
    }
}
