//! # lamina-rewards
//!
//! The off-chain half of Lamina's rewards (docs/architecture.md, "Rewards"): the
//! calculator the rewards updater runs before posting a distribution root to the
//! `RewardsCoordinator`. Pure and deterministic: no I/O, no clock. A [`ChainSnapshot`]
//! (every submission, quorum membership, delegated-share change, commission change and
//! confirmed batch, each stamped with its block, log index and timestamp) goes in;
//! every earner's cumulative earnings per token and the Merkle root come out, the same
//! bytes for the same snapshot. In the path blob → chunks → attestation → certificate →
//! retrieval it pays for the attestation step: operators (and their stakers) earn for
//! the batches they signed.
//!
//! ## Bird's eye view
//!
//! 1. [`calculate`] cuts each submission into calculation intervals and splits each
//!    interval among operators and their stakers by stake-seconds, operator commission
//!    first ([`split`] mirrors `RewardsSplit.sol`: floor division, every remainder has an
//!    owner, so no wei is created or lost). Output: a [`Distribution`] with the root and,
//!    per earner, proofs for `processClaim` ([`Distribution::claim_proof`]).
//! 2. [`work_weighted_rewards`] turns a budget into the operator amounts of an
//!    operator-directed submission: stake × batches signed, where who signed comes from
//!    the `confirmBatch` non-signers checked against the `BatchConfirmed` event's
//!    `signatoryRecordHash`.
//! 3. With the `chain` feature, `chain::read_snapshot` reads the snapshot from a
//!    JSON-RPC endpoint through `lamina-core`'s bindings.
//!
//! ```
//! use alloy_primitives::{Address, U256};
//! use lamina_rewards::{
//!     CalculatorConfig, ChainSnapshot, DelegatedSharesChange, EventTime, Membership,
//!     OperatorDirectedSubmission, OperatorReward, QuorumMembershipChange, StrategyMultiplier,
//!     calculate,
//! };
//!
//! let at = |block: u64| EventTime { block, log_index: 0, timestamp: block * 10 };
//! let (operator, staker, strategy, token) =
//!     (Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3), Address::repeat_byte(4));
//! let snapshot = ChainSnapshot {
//!     calculation_interval: 100,
//!     covered_to: 1_000,
//!     memberships: vec![QuorumMembershipChange {
//!         at: at(1), operator, operator_id: Default::default(), quorums: vec![0], change: Membership::Added,
//!     }],
//!     shares: vec![DelegatedSharesChange {
//!         at: at(2), operator, staker, strategy, increase: true, shares: U256::from(10u64.pow(18)),
//!     }],
//!     directed_submissions: vec![OperatorDirectedSubmission {
//!         at: at(90), token, start: 100, duration: 200,
//!         operator_rewards: vec![OperatorReward { operator, amount: U256::from(1_001) }],
//!         strategies: vec![StrategyMultiplier { strategy, multiplier: U256::from(10u64.pow(18)) }],
//!     }],
//!     ..ChainSnapshot::default()
//! };
//! let distribution = calculate(&snapshot, &CalculatorConfig::default(), 0, 1_000)?;
//! // two intervals of 500 and 501; 10 % commission (floor), the rest to the staker
//! let earned = |who| distribution.earner(who).map(|e| e.tokens[0].cumulative_earnings);
//! assert_eq!(earned(operator), Some(U256::from(50 + 50)));
//! assert_eq!(earned(staker), Some(U256::from(450 + 451)));
//! assert_ne!(distribution.root, alloy_primitives::B256::ZERO);
//! # Ok::<(), lamina_rewards::RewardsError>(())
//! ```

#![forbid(unsafe_code)]

mod calculate;
#[cfg(feature = "chain")]
pub mod chain;
mod config;
mod distribution;
mod error;
mod index;
mod snapshot;
pub mod split;
mod work;

pub use calculate::calculate;
pub use config::CalculatorConfig;
pub use distribution::{
    ClaimProof, Distribution, EarnerEntry, Earnings, TokenClaim, TokenEarnings,
};
pub use error::{NegativeShares, RewardsError};
pub use snapshot::{
    ChainSnapshot, ConfirmedBatch, DefaultSplitChange, DelegatedSharesChange, EventTime, G1Key,
    Membership, OperatorDirectedSubmission, OperatorReward, OperatorSplitChange,
    QuorumMembershipChange, StakeWeightedSubmission, StrategyMultiplier,
};
pub use work::{WorkRecord, WorkWeightedRequest, WorkWeighting, work_weighted_rewards};
