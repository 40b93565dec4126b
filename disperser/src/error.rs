//! Errors of the disperser, and their one mapping to gRPC statuses.

use std::path::PathBuf;
use std::time::Duration;

use alloy_primitives::Address;
use lamina_core::BlobKey;
use lamina_core::chain::ChainError;
use tonic::{Code, Status};

/// The RocksDB queue failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open the disperser database at {path}: {source}")]
    Open {
        /// Database directory.
        path: PathBuf,
        /// RocksDB's reason.
        source: rocksdb::Error,
    },
    /// A read or write failed.
    #[error("disperser database: {0}")]
    Db(#[from] rocksdb::Error),
    /// A column family is missing (database from another program?).
    #[error("disperser database has no column family {0:?}")]
    MissingColumnFamily(&'static str),
    /// A stored record does not parse.
    #[error("corrupt {what} in the disperser database: {reason}")]
    Corrupt {
        /// Which record.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A compare-and-set status write found another state than the writer read: another
    /// writer moved the blob first (or it is terminal); re-read before deciding again.
    #[error("blob {key}: expected state {}, found {}", expected.label(), found.label())]
    Conflict {
        /// The blob.
        key: BlobKey,
        /// The state the writer expected.
        expected: crate::store::BlobState,
        /// The state stored.
        found: crate::store::BlobState,
    },
    /// A status write names a blob that was never accepted.
    #[error("blob {0} is not in the disperser database")]
    UnknownBlob(BlobKey),
    /// `accept` of a key already accepted (another API server won the race).
    #[error("blob {0} was already accepted")]
    AlreadyAccepted(BlobKey),
    /// PostgreSQL refused a query or could not be reached.
    #[error("metadata database (PostgreSQL), {op}: {source}")]
    Postgres {
        /// What was being done.
        op: &'static str,
        /// sqlx's reason.
        source: sqlx::Error,
    },
    /// The schema migrations (`disperser/migrations/`) could not be applied.
    #[error("metadata database (PostgreSQL) migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A blocking RocksDB task panicked or was cancelled.
    #[error("disperser database task: {0}")]
    Task(String),
}

/// A configuration value is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A field is out of range.
    #[error("config field {field}: {reason}")]
    Invalid {
        /// Field name as in the TOML file.
        field: &'static str,
        /// What is wrong and what would be right.
        reason: String,
    },
}

/// Which rate limit an account hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitKind {
    /// `rate_limit_bytes_per_sec`.
    Bytes,
    /// `rate_limit_blobs_per_sec`.
    Blobs,
}

impl std::fmt::Display for RateLimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Bytes => "bytes per second",
            Self::Blobs => "blobs per second",
        })
    }
}

/// Everything the disperser can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DisperserError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The queue database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The object store (blob bytes) failed.
    #[error("object store: {0}")]
    Objects(lamina_storage::StorageError),
    /// A chain read or transaction failed.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The signing key could not be loaded.
    #[error("disperser key: {0}")]
    Keystore(#[from] lamina_core::KeystoreError),
    /// The SRS could not be loaded.
    #[error("SRS: {0}")]
    Srs(String),
    /// The SRS configuration is refused for this chain (the development SRS off a
    /// development chain).
    #[error(transparent)]
    SrsSetup(#[from] lamina_core::SrsSetupError),
    /// The TLS configuration cannot be used (files missing, not PEM, half set).
    #[error(transparent)]
    Tls(#[from] lamina_core::tls::TlsError),
    /// A listener could not be bound or served.
    #[error("{what} on {addr}: {source}")]
    Listen {
        /// Which server.
        what: &'static str,
        /// Address.
        addr: std::net::SocketAddr,
        /// OS error.
        source: std::io::Error,
    },
    /// The gRPC server stopped with an error.
    #[error("gRPC server: {0}")]
    Serve(#[from] tonic::transport::Error),
    /// A pipeline task panicked or stopped unexpectedly.
    #[error("pipeline task {task} stopped: {reason}")]
    Task {
        /// Task name.
        task: &'static str,
        /// What happened.
        reason: String,
    },

    // ---- request errors ----
    /// A required request field is absent.
    #[error("{field} is missing")]
    MissingField {
        /// Field path.
        field: &'static str,
    },
    /// A request field is out of range.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Field path.
        field: &'static str,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// A wire field does not convert into its core type.
    #[error("invalid {0}")]
    Proto(#[from] lamina_proto::ProtoError),
    /// The blob is larger than allowed.
    #[error("blob is {len} bytes, the limit is {max} bytes")]
    BlobTooLarge {
        /// Blob length.
        len: usize,
        /// `max_blob_size`.
        max: usize,
    },
    /// The blob bytes are malformed (length, symbol count, a symbol >= r).
    #[error("blob: {0}")]
    Blob(#[from] lamina_encoding::CodecError),
    /// The commitment's length field disagrees with the blob.
    #[error("blob_header.commitment.length is {claimed} symbols, the blob has {actual} symbols")]
    LengthMismatch {
        /// Length in the header.
        claimed: u32,
        /// Blob length in symbols.
        actual: usize,
    },
    /// A commitment in the header is not the blob's.
    #[error(
        "blob_header.commitment.{field} does not match the commitment recomputed from the blob"
    )]
    CommitmentMismatch {
        /// `commitment`, `length_commitment` or `length_proof`.
        field: &'static str,
    },
    /// Commitments could not be computed (blob larger than the SRS).
    #[error("cannot commit to the blob: {0}")]
    Commit(#[from] lamina_encoding::KzgError),
    /// The blob version is not registered.
    #[error("blob_header.version {version} does not exist (versions 0..{next} are registered)")]
    UnknownVersion {
        /// Requested version.
        version: u16,
        /// `ThresholdRegistry.nextBlobVersion`.
        next: u16,
    },
    /// This disperser accepts only one blob version (`blob_version`), not this one.
    #[error(
        "blob_header.version {version} is not accepted here; this disperser takes version {accepted}"
    )]
    VersionNotAccepted {
        /// Requested version.
        version: u16,
        /// The configured one.
        accepted: u16,
    },
    /// The quorum list is empty, unsorted or has duplicates.
    #[error(
        "blob_header.quorum_numbers {quorums:?} must be non-empty, ascending, without duplicates"
    )]
    BadQuorumList {
        /// What was sent.
        quorums: Vec<u8>,
    },
    /// A quorum does not exist.
    #[error("blob_header.quorum_numbers: quorum {quorum} does not exist ({count} quorums)")]
    UnknownQuorum {
        /// The quorum.
        quorum: u8,
        /// `RegistryCoordinator.quorumCount`.
        count: u8,
    },
    /// A required quorum is absent.
    #[error("blob_header.quorum_numbers {quorums:?} lacks required quorum {required}")]
    MissingRequiredQuorum {
        /// What was sent.
        quorums: Vec<u8>,
        /// The missing one.
        required: u8,
    },
    /// The signature does not parse or recover.
    #[error("signature: {0}")]
    BadSignature(#[from] lamina_core::ecdsa::EcdsaError),
    /// The signature is valid but by another key than the payment header's account.
    #[error("signature is by {signer}, but {field} is {account}")]
    SignerMismatch {
        /// The field naming the account.
        field: &'static str,
        /// Recovered signer.
        signer: Address,
        /// Claimed account.
        account: Address,
    },
    /// An account exceeded its rate.
    #[error("account {account} exceeds its limit of {limit} {kind}; retry in {} ms", retry_after.as_millis())]
    RateLimited {
        /// The account.
        account: Address,
        /// Which limit.
        kind: RateLimitKind,
        /// The configured limit.
        limit: u64,
        /// When the request would pass.
        retry_after: Duration,
    },
    /// The blob was already dispersed.
    #[error("blob {0} was already dispersed")]
    Duplicate(BlobKey),
    /// The intake queue is full.
    #[error("the queue is full ({capacity} blobs in flight); retry in {} ms", retry_after.as_millis())]
    QueueFull {
        /// `queue_capacity`.
        capacity: usize,
        /// When a slot is likely free (the batch interval: a batch then leaves).
        retry_after: Duration,
    },
    /// A bounded pool (commitment work) has every slot busy and its wait queue full.
    #[error("{what} work is at capacity ({slots} running, {queue} waiting); retry in {} ms", retry_after.as_millis())]
    Busy {
        /// Which pool.
        what: &'static str,
        /// Its slots.
        slots: usize,
        /// Its wait queue.
        queue: usize,
        /// When to retry.
        retry_after: Duration,
    },
    /// A client address exceeded its rate (`rate_limit_address_*`).
    #[error("client address {address} exceeds its limit of {limit} {kind}; retry in {} ms", retry_after.as_millis())]
    AddressRateLimited {
        /// The address (an IPv6 address stands for its /64).
        address: std::net::IpAddr,
        /// Which limit.
        kind: RateLimitKind,
        /// The configured limit.
        limit: u64,
        /// When the request would pass.
        retry_after: Duration,
    },
    /// The blob version cannot be assigned over today's operators: a blob of it could
    /// not be dispersed.
    #[error("blob_header.version {version} cannot be dispersed now: {reason}")]
    VersionNotAssignable {
        /// Requested version.
        version: u16,
        /// Why (quorum, operator count, the version's `max_num_operators`).
        reason: String,
    },
    /// No blob with this key.
    #[error("no blob with key {0}")]
    NotFound(BlobKey),
    /// The blob's bytes are no longer kept: it failed, or its retention period ended.
    #[error("blob {0} is not kept: it failed, or its retention period ended")]
    BlobNotKept(BlobKey),
    /// The blob is not certified yet, so its bytes are not served.
    #[error("blob {blob_key} is {state}, not COMPLETE: its bytes are served once it is certified")]
    NotCertified {
        /// The blob.
        blob_key: BlobKey,
        /// Its current state.
        state: &'static str,
    },
    /// The disperser is stopping.
    #[error("the disperser is shutting down")]
    ShuttingDown,
    /// The account can pay neither way: refused before any costly check.
    #[error(
        "account {account} has no reservation or on-demand deposit in the PaymentVault: deposit \
         ether for it with `PaymentVault.depositOnDemand(account)` (`lamina payments deposit`) \
         and pay on demand, or ask governance for a reservation (`PaymentVault.setReservation`)"
    )]
    NoPayment {
        /// The account.
        account: Address,
    },
    /// Metering refused the blob (reservation full, insufficient payment, ...).
    #[error("payment: {0}")]
    Payment(#[from] lamina_payments::PaymentError),
    /// The account's payments are not cached and the chain-read budget for such accounts
    /// is spent for now.
    #[error(
        "payment look-ups for new accounts are at capacity; retry in {} ms",
        retry_after.as_millis()
    )]
    PaymentLookupBusy {
        /// When a read is likely available.
        retry_after: Duration,
    },
    /// `GetPaymentState` on a disperser that does not meter payments.
    #[error("this disperser does not meter payments ([payments] enabled = false)")]
    PaymentsDisabled,
}

/// `status` with [`lamina_proto::ERROR_REASON_METADATA`] set to `reason`.
fn with_reason(mut status: Status, reason: &'static str) -> Status {
    status.metadata_mut().insert(
        lamina_proto::ERROR_REASON_METADATA,
        tonic::metadata::MetadataValue::from_static(reason),
    );
    status
}

impl From<DisperserError> for Status {
    /// The one mapping from disperser errors to gRPC codes: bad input is `InvalidArgument`,
    /// limits, busy pools and a full queue are `ResourceExhausted` (with `retry-after-ms`
    /// metadata), duplicates `AlreadyExists`, a stopping/cut-off service `Unavailable`,
    /// everything else `Internal`.
    fn from(e: DisperserError) -> Self {
        let message = e.to_string();
        let code = match &e {
            DisperserError::MissingField { .. }
            | DisperserError::InvalidField { .. }
            | DisperserError::Proto(_)
            | DisperserError::BlobTooLarge { .. }
            | DisperserError::Blob(_)
            | DisperserError::LengthMismatch { .. }
            | DisperserError::CommitmentMismatch { .. }
            | DisperserError::Commit(_)
            | DisperserError::UnknownVersion { .. }
            | DisperserError::VersionNotAccepted { .. }
            | DisperserError::BadQuorumList { .. }
            | DisperserError::UnknownQuorum { .. }
            | DisperserError::MissingRequiredQuorum { .. }
            | DisperserError::BadSignature(_)
            | DisperserError::SignerMismatch { .. } => Code::InvalidArgument,
            DisperserError::RateLimited { retry_after, .. }
            | DisperserError::PaymentLookupBusy { retry_after }
            | DisperserError::AddressRateLimited { retry_after, .. }
            | DisperserError::Busy { retry_after, .. }
            | DisperserError::QueueFull { retry_after, .. } => {
                return lamina_proto::resource_exhausted(message, *retry_after);
            }
            DisperserError::Payment(p) => {
                use lamina_payments::PaymentError as P;
                let code = match p {
                    P::Exhausted { retry_after, .. } => {
                        return with_reason(
                            lamina_proto::resource_exhausted(message, *retry_after),
                            p.reason(),
                        );
                    }
                    P::NoPayment { .. }
                    | P::ReservationInactive { .. }
                    | P::QuorumNotAllowed { .. }
                    | P::InsufficientDeposit { .. } => Code::PermissionDenied,
                    P::NoQuorums
                    | P::InsufficientIncrement { .. }
                    | P::TimestampSkew { .. }
                    | P::Overflow { .. } => Code::InvalidArgument,
                    P::ExceedsBucket { .. } => Code::FailedPrecondition,
                    P::RefundMismatch { .. } => Code::Internal,
                };
                // The client's accountant branches on the reason (a stale cumulative
                // payment means: re-read the state and stamp again).
                return with_reason(Status::new(code, message), p.reason());
            }
            DisperserError::PaymentsDisabled => Code::FailedPrecondition,
            DisperserError::NoPayment { .. } => {
                return with_reason(
                    Status::new(Code::PermissionDenied, message),
                    lamina_payments::NO_PAYMENT_REASON,
                );
            }
            DisperserError::Duplicate(_) => Code::AlreadyExists,
            DisperserError::NotFound(_) | DisperserError::BlobNotKept(_) => Code::NotFound,
            DisperserError::NotCertified { .. } | DisperserError::VersionNotAssignable { .. } => {
                Code::FailedPrecondition
            }
            DisperserError::ShuttingDown | DisperserError::Chain(_) => Code::Unavailable,
            DisperserError::Config(_)
            | DisperserError::Store(_)
            | DisperserError::Objects(_)
            | DisperserError::Keystore(_)
            | DisperserError::Srs(_)
            | DisperserError::SrsSetup(_)
            | DisperserError::Tls(_)
            | DisperserError::Listen { .. }
            | DisperserError::Serve(_)
            | DisperserError::Task { .. } => Code::Internal,
        };
        Status::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    #[test]
    fn rate_limits_carry_retry_after_metadata() {
        let status = Status::from(DisperserError::RateLimited {
            account: Address::ZERO,
            kind: RateLimitKind::Bytes,
            limit: 10,
            retry_after: Duration::from_millis(1500),
        });
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(
            status
                .metadata()
                .get(lamina_proto::RETRY_AFTER_MS_METADATA)
                .and_then(|v| v.to_str().ok()),
            Some("1500")
        );
        assert!(
            status.message().contains("bytes per second"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn payment_refusals_are_typed() {
        let unpaid = Status::from(DisperserError::NoPayment {
            account: Address::ZERO,
        });
        assert_eq!(unpaid.code(), Code::PermissionDenied);
        let reason = |s: &Status| {
            s.metadata()
                .get(lamina_proto::ERROR_REASON_METADATA)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(reason(&unpaid).as_deref(), Some("PAYMENT_NONE"));
        assert!(
            unpaid
                .message()
                .contains("no reservation or on-demand deposit"),
            "{}",
            unpaid.message()
        );
        let full = Status::from(DisperserError::Payment(
            lamina_payments::PaymentError::Exhausted {
                bucket: "reservation",
                symbols: 32,
                symbols_per_second: 64,
                retry_after: Duration::from_millis(500),
            },
        ));
        assert_eq!(full.code(), Code::ResourceExhausted);
        assert_eq!(
            full.metadata()
                .get(lamina_proto::RETRY_AFTER_MS_METADATA)
                .and_then(|v| v.to_str().ok()),
            Some("500")
        );
        assert_eq!(reason(&full).as_deref(), Some("PAYMENT_BUCKET_FULL"));
        let stale = Status::from(DisperserError::Payment(
            lamina_payments::PaymentError::InsufficientIncrement {
                new: U256::from(1),
                last: U256::from(1),
                cost: U256::from(1),
            },
        ));
        assert_eq!(stale.code(), Code::InvalidArgument);
        assert_eq!(reason(&stale).as_deref(), Some("PAYMENT_STALE_CUMULATIVE"));
        let busy = Status::from(DisperserError::PaymentLookupBusy {
            retry_after: Duration::from_millis(50),
        });
        assert_eq!(busy.code(), Code::ResourceExhausted);
    }

    #[test]
    fn codes_by_kind() {
        let code = |e| Status::from(e).code();
        assert_eq!(
            code(DisperserError::Duplicate(BlobKey([1; 32]))),
            Code::AlreadyExists
        );
        let full = Status::from(DisperserError::QueueFull {
            capacity: 1,
            retry_after: Duration::from_millis(200),
        });
        assert_eq!(full.code(), Code::ResourceExhausted);
        assert_eq!(
            full.metadata()
                .get(lamina_proto::RETRY_AFTER_MS_METADATA)
                .and_then(|v| v.to_str().ok()),
            Some("200"),
            "a full queue says when to retry"
        );
        assert_eq!(
            code(DisperserError::UnknownQuorum {
                quorum: 7,
                count: 2
            }),
            Code::InvalidArgument
        );
        assert_eq!(
            code(DisperserError::NotFound(BlobKey([0; 32]))),
            Code::NotFound
        );
    }
}
