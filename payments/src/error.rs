//! Why a blob's payment is refused.

use std::time::Duration;

use alloy_primitives::{Address, U256};

/// A refused payment. Callers branch on the variant: [`PaymentError::is_retryable`] says
/// whether the same blob may succeed later (gRPC `RESOURCE_EXHAUSTED` with
/// [`PaymentError::retry_after`]), everything else is final for this header
/// (`PERMISSION_DENIED` / `INVALID_ARGUMENT` / `FAILED_PRECONDITION`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The account has neither an active reservation covering the blob nor an on-demand
    /// payment (cumulative payment zero).
    #[error(
        "account {account} has no payment: its header's cumulative payment is zero and it has no \
         reservation active at {timestamp_secs} s covering the blob's quorums; deposit ether for it \
         with `PaymentVault.depositOnDemand(account)` and pay on demand, or ask governance for a \
         reservation (`PaymentVault.setReservation`)"
    )]
    NoPayment {
        /// The account.
        account: Address,
        /// The header's timestamp, Unix seconds.
        timestamp_secs: u64,
    },
    /// The header's timestamp is outside the reservation's `[start, end)`.
    #[error(
        "account {account}'s reservation runs from {start} to {end} (Unix seconds, end excluded); \
         the blob's timestamp is {timestamp_secs}"
    )]
    ReservationInactive {
        /// The account.
        account: Address,
        /// Reservation start, Unix seconds.
        start: u64,
        /// Reservation end (excluded), Unix seconds.
        end: u64,
        /// The header's timestamp, Unix seconds.
        timestamp_secs: u64,
    },
    /// The blob names a quorum its payment does not cover.
    #[error("quorum {quorum} is not covered by the {kind} payment (allowed: {allowed:?})")]
    QuorumNotAllowed {
        /// The quorum.
        quorum: u8,
        /// `"reservation"` or `"on-demand"`.
        kind: &'static str,
        /// The quorums allowed.
        allowed: Vec<u8>,
    },
    /// The blob names no quorum.
    #[error("the blob names no quorum")]
    NoQuorums,
    /// The bucket has no room for the blob now; it will after `retry_after`.
    #[error(
        "{bucket} bucket is full: {symbols} symbols need {retry_after:?} of refill at \
         {symbols_per_second} symbols/s"
    )]
    Exhausted {
        /// `"reservation"` or `"global on-demand"`.
        bucket: &'static str,
        /// The blob's charged symbols.
        symbols: u64,
        /// The bucket's refill rate.
        symbols_per_second: u64,
        /// How long until the blob fits.
        retry_after: Duration,
    },
    /// The blob is larger than the whole bucket: it can never be accepted at this rate.
    #[error(
        "a blob of {symbols} charged symbols exceeds the {bucket} bucket's capacity of {capacity} \
         symbols ({symbols_per_second} symbols/s over {window_secs} s)"
    )]
    ExceedsBucket {
        /// `"reservation"` or `"global on-demand"`.
        bucket: &'static str,
        /// The blob's charged symbols.
        symbols: u64,
        /// The bucket's capacity in symbols.
        capacity: u128,
        /// The refill rate.
        symbols_per_second: u64,
        /// The window the bucket is sized in.
        window_secs: u64,
    },
    /// The new cumulative payment does not exceed the last accepted one by the blob's price.
    #[error(
        "cumulative payment {new} must be at least the last accepted {last} plus this blob's \
         {cost} wei"
    )]
    InsufficientIncrement {
        /// The header's cumulative payment.
        new: U256,
        /// The last accepted cumulative payment.
        last: U256,
        /// The blob's price in wei.
        cost: U256,
    },
    /// The new cumulative payment exceeds what the account ever deposited.
    #[error(
        "cumulative payment {cumulative} exceeds account {account}'s on-chain deposit of {deposit} \
         wei; deposit more with `PaymentVault.depositOnDemand`"
    )]
    InsufficientDeposit {
        /// The account.
        account: Address,
        /// The header's cumulative payment.
        cumulative: U256,
        /// Total deposited on chain.
        deposit: U256,
    },
    /// The header's timestamp is too far from the metering clock.
    #[error("payment timestamp {timestamp_ns} ns is more than {max_skew:?} from now ({now_ns} ns)")]
    TimestampSkew {
        /// The header's timestamp.
        timestamp_ns: i64,
        /// The metering clock.
        now_ns: u64,
        /// The allowed skew.
        max_skew: Duration,
    },
    /// A blob length or a price overflows.
    #[error("{what} overflows")]
    Overflow {
        /// What overflowed.
        what: &'static str,
    },
    /// A refund does not match the ledger's last charge for the account.
    #[error(
        "cannot refund account {account}: its cumulative payment is {current}, not the refunded \
         charge's {charged}"
    )]
    RefundMismatch {
        /// The account.
        account: Address,
        /// The ledger's cumulative payment.
        current: U256,
        /// The charge's cumulative payment.
        charged: U256,
    },
}

/// [`PaymentError::reason`] of an account that cannot pay at all; services that refuse
/// such an account before metering report the same reason.
pub const NO_PAYMENT_REASON: &str = "PAYMENT_NONE";

impl PaymentError {
    /// Whether the same blob and header may be accepted later (only a full bucket).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Exhausted { .. })
    }

    /// The refusal's reason, for the `lamina-error-reason` metadata a caller branches on
    /// (SCREAMING_SNAKE_CASE, one per variant, stable).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NoPayment { .. } => NO_PAYMENT_REASON,
            Self::ReservationInactive { .. } => "PAYMENT_RESERVATION_INACTIVE",
            Self::QuorumNotAllowed { .. } => "PAYMENT_QUORUM_NOT_ALLOWED",
            Self::NoQuorums => "PAYMENT_NO_QUORUMS",
            Self::Exhausted { .. } => "PAYMENT_BUCKET_FULL",
            Self::ExceedsBucket { .. } => "PAYMENT_EXCEEDS_BUCKET",
            Self::InsufficientIncrement { .. } => "PAYMENT_STALE_CUMULATIVE",
            Self::InsufficientDeposit { .. } => "PAYMENT_INSUFFICIENT_DEPOSIT",
            Self::TimestampSkew { .. } => "PAYMENT_TIMESTAMP_SKEW",
            Self::Overflow { .. } => "PAYMENT_OVERFLOW",
            Self::RefundMismatch { .. } => "PAYMENT_REFUND_MISMATCH",
        }
    }

    /// How long to wait before retrying, for a full bucket.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Exhausted { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
