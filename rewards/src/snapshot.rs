//! The calculator's input: what the chain says, as plain data.
//!
//! A [`ChainSnapshot`] is every event the calculation depends on, each stamped with its
//! [`EventTime`]. The calculator sorts and validates them itself, so a snapshot read in
//! any order gives the same result. The state "at second `s`" is the state after every
//! event whose block timestamp is `≤ s`; the state "at block `b`" the state after every
//! event in blocks `≤ b`.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

/// Where an event sits in the chain; events are ordered by `(block, log_index)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventTime {
    /// Block number.
    pub block: u64,
    /// Log index in the block.
    pub log_index: u64,
    /// The block's timestamp (seconds).
    pub timestamp: u64,
}

/// Whether quorums were joined or left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// `OperatorAddedToQuorums`.
    Added,
    /// `OperatorRemovedFromQuorums`.
    Removed,
}

/// `BLSApkRegistry.OperatorAddedToQuorums` / `OperatorRemovedFromQuorums`: an operator is
/// registered to the AVS while it is in at least one quorum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumMembershipChange {
    /// When.
    pub at: EventTime,
    /// The operator.
    pub operator: Address,
    /// Its id (`keccak(G1 x ‖ y)`), how non-signers are named.
    pub operator_id: B256,
    /// The quorums joined or left.
    pub quorums: Vec<u8>,
    /// Joined or left.
    pub change: Membership,
}

/// `DelegationManager.OperatorSharesIncreased` / `OperatorSharesDecreased`: shares of
/// `strategy` that `staker` delegates to `operator`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedSharesChange {
    /// When.
    pub at: EventTime,
    /// The operator.
    pub operator: Address,
    /// The staker.
    pub staker: Address,
    /// The strategy.
    pub strategy: Address,
    /// Added (true) or removed.
    pub increase: bool,
    /// How many shares.
    pub shares: U256,
}

/// `RewardsCoordinator.OperatorAVSSplitBipsSet` for the snapshot's AVS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSplitChange {
    /// When it was set.
    pub at: EventTime,
    /// The operator.
    pub operator: Address,
    /// From when it applies (seconds).
    pub activated_at: u64,
    /// The commission before `activated_at` (the event's `oldSplitBips`).
    pub old_bips: u16,
    /// The new commission in basis points.
    pub new_bips: u16,
}

/// `RewardsCoordinator.DefaultOperatorSplitBipsSet`: effective at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultSplitChange {
    /// When.
    pub at: EventTime,
    /// The new default in basis points.
    pub bips: u16,
}

/// A strategy and the weight of one share (1e18 = counts once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyMultiplier {
    /// The strategy.
    pub strategy: Address,
    /// Its multiplier (`uint96`).
    pub multiplier: U256,
}

/// `AVSRewardsSubmissionCreated` by the snapshot's AVS: `amount` over the period to the
/// operators registered to the AVS and their stakers by weighted stake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeWeightedSubmission {
    /// When it was created.
    pub at: EventTime,
    /// The token.
    pub token: Address,
    /// The amount.
    pub amount: U256,
    /// Period start (seconds).
    pub start: u64,
    /// Period length (seconds).
    pub duration: u64,
    /// Weighted strategies.
    pub strategies: Vec<StrategyMultiplier>,
}

/// One operator's amount in a directed submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorReward {
    /// The operator.
    pub operator: Address,
    /// What the AVS owes it (before commission).
    pub amount: U256,
}

/// `OperatorDirectedAVSRewardsSubmissionCreated` by the snapshot's AVS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorDirectedSubmission {
    /// When it was created.
    pub at: EventTime,
    /// The token.
    pub token: Address,
    /// Each operator's amount.
    pub operator_rewards: Vec<OperatorReward>,
    /// Period start (seconds).
    pub start: u64,
    /// Period length (seconds).
    pub duration: u64,
    /// Weighted strategies (how an operator's stakers share its part).
    pub strategies: Vec<StrategyMultiplier>,
}

/// A G1 public key as the `confirmBatch` calldata carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct G1Key {
    /// x coordinate.
    pub x: U256,
    /// y coordinate.
    pub y: U256,
}

impl G1Key {
    /// The operator id: `keccak256(x ‖ y)`.
    pub fn operator_id(&self) -> B256 {
        let mut preimage = [0u8; 64];
        preimage[..32].copy_from_slice(&self.x.to_be_bytes::<32>());
        preimage[32..].copy_from_slice(&self.y.to_be_bytes::<32>());
        alloy_primitives::keccak256(preimage)
    }
}

/// A `BatchConfirmed` event with the non-signer keys decoded from its `confirmBatch` call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedBatch {
    /// When it was confirmed (its timestamp decides the period it counts in).
    pub at: EventTime,
    /// The event's `batchId`.
    pub batch_id: u32,
    /// The event's `referenceBlockNumber`: who was expected to sign.
    pub reference_block: u32,
    /// `batchHeader.quorumNumbers` from the calldata.
    pub quorums: Vec<u8>,
    /// `params.nonSignerPubkeys` from the calldata, in calldata order.
    pub non_signer_keys: Vec<G1Key>,
    /// The event's `signatoryRecordHash`, which the keys must hash to.
    pub signatory_record_hash: B256,
}

impl ConfirmedBatch {
    /// `keccak256(abi.encodePacked(referenceBlockNumber, nonSignerIds))` from the keys.
    pub fn computed_signatory_record_hash(&self) -> B256 {
        let mut preimage = Vec::with_capacity(4 + 32 * self.non_signer_keys.len());
        preimage.extend_from_slice(&self.reference_block.to_be_bytes());
        for key in &self.non_signer_keys {
            preimage.extend_from_slice(key.operator_id().as_slice());
        }
        alloy_primitives::keccak256(preimage)
    }
}

/// Everything the calculation depends on, for one AVS and one coordinator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSnapshot {
    /// The AVS (Lamina's service manager).
    pub avs: Address,
    /// `CALCULATION_INTERVAL_SECONDS`.
    pub calculation_interval: u64,
    /// The last timestamp the snapshot covers (the timestamp of the block it was read at).
    pub covered_to: u64,
    /// Quorum joins and leaves.
    pub memberships: Vec<QuorumMembershipChange>,
    /// Delegated share changes.
    pub shares: Vec<DelegatedSharesChange>,
    /// Operator commission changes for the AVS.
    pub splits: Vec<OperatorSplitChange>,
    /// Default commission changes.
    pub default_splits: Vec<DefaultSplitChange>,
    /// Stake-weighted submissions of the AVS.
    pub submissions: Vec<StakeWeightedSubmission>,
    /// Operator-directed submissions of the AVS.
    pub directed_submissions: Vec<OperatorDirectedSubmission>,
    /// Confirmed batches with their signing record.
    pub batches: Vec<ConfirmedBatch>,
}
