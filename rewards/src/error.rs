//! Why a calculation was refused. Every variant names the offending item, so the
//! rewards updater can tell a bad snapshot from a bug.

use alloy_primitives::{Address, B256, U256};

/// The calculator refused its input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RewardsError {
    /// See [`crate::CalculatorConfig::validate`].
    #[error("invalid calculator config: {field}: {reason}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The snapshot's calculation interval is zero.
    #[error("the calculation interval is 0 seconds")]
    ZeroInterval,
    /// Events are ordered by (block, log index); a later event carries an earlier timestamp.
    #[error(
        "event at block {block} log {log_index} has timestamp {timestamp}, earlier than the {previous} of the event before it"
    )]
    TimestampsNotMonotonic {
        /// Block of the offending event.
        block: u64,
        /// Its log index.
        log_index: u64,
        /// Its timestamp.
        timestamp: u64,
        /// The previous event's timestamp.
        previous: u64,
    },
    /// The same (block, log index) appears twice.
    #[error("two events at block {block} log {log_index}")]
    DuplicateEvent {
        /// Block of the duplicate.
        block: u64,
        /// Its log index.
        log_index: u64,
    },
    /// A decrease of delegated shares below zero: the snapshot misses an increase.
    #[error(
        "staker {} would hold negative shares of {} delegated to {} at block {} ({} held, {} removed)",
        .0.staker, .0.strategy, .0.operator, .0.block, .0.held, .0.decrease
    )]
    NegativeShares(Box<NegativeShares>),
    /// A submission's start or duration is not a multiple of the interval, or its duration is 0.
    #[error(
        "submission at block {block}: start {start} / duration {duration} do not fit the {interval}-second interval"
    )]
    MisalignedSubmission {
        /// Block of the submission.
        block: u64,
        /// Its start timestamp.
        start: u64,
        /// Its duration.
        duration: u64,
        /// The calculation interval.
        interval: u64,
    },
    /// A submission spans more intervals than [`crate::CalculatorConfig::max_intervals_per_submission`].
    #[error("submission at block {block} spans {intervals} intervals, more than the {max} allowed")]
    TooManyIntervals {
        /// Block of the submission.
        block: u64,
        /// Its interval count.
        intervals: u64,
        /// The configured maximum.
        max: u64,
    },
    /// A split above 10000 basis points.
    #[error("split of {bips} basis points for {operator} is above 10000")]
    SplitTooLarge {
        /// The operator (zero for the default split).
        operator: Address,
        /// The split.
        bips: u16,
    },
    /// The calculation end lies beyond what the snapshot covers.
    #[error(
        "cannot calculate up to {to}: the snapshot covers the chain only up to timestamp {covered}"
    )]
    BeyondSnapshot {
        /// The requested end.
        to: u64,
        /// The snapshot's last covered timestamp.
        covered: u64,
    },
    /// `from` is after `to`.
    #[error("the reporting window starts at {from}, after its end {to}")]
    WindowReversed {
        /// Window start.
        from: u64,
        /// Window end.
        to: u64,
    },
    /// A batch's non-signer keys do not hash to the `signatoryRecordHash` of its `BatchConfirmed` event.
    #[error(
        "batch {batch_id}: the non-signers in the confirmBatch calldata hash to {computed}, the event says {emitted}"
    )]
    SignatoryRecordMismatch {
        /// The batch.
        batch_id: u32,
        /// `keccak256(abi.encodePacked(referenceBlockNumber, nonSignerIds))` from the keys.
        computed: B256,
        /// The event's `signatoryRecordHash`.
        emitted: B256,
    },
    /// A non-signer was not registered in the batch's quorums at its reference block.
    #[error(
        "batch {batch_id}: non-signer {operator_id} was not registered in its quorums at block {reference_block}"
    )]
    UnknownNonSigner {
        /// The batch.
        batch_id: u32,
        /// The non-signer's operator id.
        operator_id: B256,
        /// The batch's reference block.
        reference_block: u32,
    },
    /// Work-weighting found no signed batch with stake behind it in the period.
    #[error(
        "no operator signed a batch with stake between {start} and {end}: nothing to weight the budget by"
    )]
    NoWork {
        /// Period start.
        start: u64,
        /// Period end.
        end: u64,
    },
    /// A work-weighted budget of zero.
    #[error("the work-weighted budget is 0")]
    ZeroBudget,
    /// A strategy list in a submission is empty.
    #[error("submission at block {block} carries no strategies")]
    NoStrategies {
        /// Block of the submission.
        block: u64,
    },
    /// A weight or a sum does not fit 256 bits (submissions are capped at 1e38 − 1 each
    /// on-chain; shares × multiplier × seconds stays far below 2^256 for real stakes).
    #[error("{what} overflows 256 bits")]
    Overflow {
        /// Which quantity.
        what: &'static str,
    },
    /// The earner is not in the distribution.
    #[error("{earner} earned nothing in this distribution")]
    NotAnEarner {
        /// The earner asked about.
        earner: Address,
    },
    /// Building the distribution tree failed.
    #[error(transparent)]
    Merkle(#[from] lamina_core::MerkleError),
}

/// The details of [`RewardsError::NegativeShares`] (boxed: they would double the error's size).
#[derive(Debug, PartialEq, Eq)]
pub struct NegativeShares {
    /// The operator the shares are delegated to.
    pub operator: Address,
    /// The staker.
    pub staker: Address,
    /// The strategy.
    pub strategy: Address,
    /// Block of the decrease.
    pub block: u64,
    /// Shares held before it.
    pub held: U256,
    /// Shares it removes.
    pub decrease: U256,
}
