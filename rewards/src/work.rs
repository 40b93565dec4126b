//! The signing record and work-weighted operator-directed amounts.
//!
//! Who signed a batch is read from data anyone can check: the `BatchConfirmed` event
//! (`referenceBlockNumber`, `signatoryRecordHash`) and the non-signer keys of the
//! `confirmBatch` call that emitted it. The keys are hashed into operator ids and must
//! hash, with the reference block, to the event's `signatoryRecordHash`; otherwise the
//! calculation stops ([`RewardsError::SignatoryRecordMismatch`]). The operators expected
//! to sign are those in at least one of the batch's quorums at its reference block; the
//! signers are those minus the non-signers. The disperser's word is never used.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::config::CalculatorConfig;
use crate::error::RewardsError;
use crate::index::{Index, quorum_bitmap};
use crate::snapshot::{ChainSnapshot, ConfirmedBatch, OperatorReward, StrategyMultiplier};
use crate::split::pro_rata;

/// One operator's signing record over a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkRecord {
    /// The operator.
    pub operator: Address,
    /// Batches confirmed in the window for which it was in one of the quorums at the
    /// reference block.
    pub batches_expected: u64,
    /// Of those, the batches it signed.
    pub batches_signed: u64,
}

/// The checked signers and expected signers of one batch.
struct Signing {
    expected: BTreeSet<Address>,
    non_signers: BTreeSet<Address>,
}

fn signing(index: &Index, batch: &ConfirmedBatch) -> Result<Signing, RewardsError> {
    let computed = batch.computed_signatory_record_hash();
    if computed != batch.signatory_record_hash {
        return Err(RewardsError::SignatoryRecordMismatch {
            batch_id: batch.batch_id,
            computed,
            emitted: batch.signatory_record_hash,
        });
    }
    let quorums = quorum_bitmap(&batch.quorums);
    let reference = u64::from(batch.reference_block);
    let expected: BTreeSet<Address> = index
        .memberships
        .iter()
        .filter(|(_, timeline)| {
            timeline
                .at_block(reference)
                .is_some_and(|bitmap| !(*bitmap & quorums).is_zero())
        })
        .map(|(operator, _)| *operator)
        .collect();
    let mut non_signers = BTreeSet::new();
    for key in &batch.non_signer_keys {
        let operator_id: B256 = key.operator_id();
        let operator = index
            .operator_by_id
            .get(&operator_id)
            .filter(|operator| expected.contains(*operator))
            .ok_or(RewardsError::UnknownNonSigner {
                batch_id: batch.batch_id,
                operator_id,
                reference_block: batch.reference_block,
            })?;
        non_signers.insert(*operator);
    }
    Ok(Signing {
        expected,
        non_signers,
    })
}

/// Batches confirmed in `[from, to)`, ordered.
fn batches_in(snapshot: &ChainSnapshot, from: u64, to: u64) -> Vec<&ConfirmedBatch> {
    let mut batches: Vec<_> = snapshot
        .batches
        .iter()
        .filter(|batch| (from..to).contains(&batch.at.timestamp))
        .collect();
    batches.sort_by_key(|batch| batch.at);
    batches
}

/// Every operator's signing record for the batches confirmed in `[from, to)`, ascending.
pub(crate) fn work_record(
    index: &Index,
    snapshot: &ChainSnapshot,
    from: u64,
    to: u64,
) -> Result<Vec<WorkRecord>, RewardsError> {
    let mut records: BTreeMap<Address, WorkRecord> = BTreeMap::new();
    for batch in batches_in(snapshot, from, to) {
        let signing = signing(index, batch)?;
        for operator in &signing.expected {
            let record = records.entry(*operator).or_insert(WorkRecord {
                operator: *operator,
                batches_expected: 0,
                batches_signed: 0,
            });
            record.batches_expected += 1;
            if !signing.non_signers.contains(operator) {
                record.batches_signed += 1;
            }
        }
    }
    Ok(records.into_values().collect())
}

/// What a work-weighted operator-directed submission pays and over which period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkWeightedRequest {
    /// The budget to split among operators.
    pub budget: U256,
    /// Period start (seconds; a multiple of the calculation interval).
    pub start: u64,
    /// Period length (seconds).
    pub duration: u64,
    /// How stake is weighted (the submission's strategies and multipliers).
    pub strategies: Vec<StrategyMultiplier>,
}

/// The operator amounts of a work-weighted submission and the record they come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkWeighting {
    /// Non-zero amounts, operators ascending (what `createOperatorDirectedAVSRewardsSubmission` takes).
    pub operator_rewards: Vec<OperatorReward>,
    /// Each operator's signing record over the period.
    pub record: Vec<WorkRecord>,
}

/// Splits `request.budget` among operators by stake × batches signed: operator `o`
/// weighs `Σ_{batches b confirmed in the period that o signed} stake_o(reference block of b)`,
/// with `stake = floor(Σ shares × multiplier / 1e18)`, so that with constant stake the
/// weight is stake × number of batches signed. Pro rata with the calculator's remainder
/// rule; operators whose share rounds to zero are left out (the contract refuses zero
/// amounts), which loses no wei.
pub fn work_weighted_rewards(
    snapshot: &ChainSnapshot,
    config: &CalculatorConfig,
    request: &WorkWeightedRequest,
) -> Result<WorkWeighting, RewardsError> {
    if request.budget.is_zero() {
        return Err(RewardsError::ZeroBudget);
    }
    let index = Index::new(snapshot, config)?;
    let end = request.start + request.duration;
    let mut weights: BTreeMap<Address, U256> = index
        .operators()
        .map(|operator| (operator, U256::ZERO))
        .collect();
    for batch in batches_in(snapshot, request.start, end) {
        let signing = signing(&index, batch)?;
        for operator in signing.expected.difference(&signing.non_signers) {
            let stake = index.stake_at_block(
                *operator,
                u64::from(batch.reference_block),
                &request.strategies,
            )?;
            let weight = weights.entry(*operator).or_default();
            *weight = weight.checked_add(stake).ok_or(RewardsError::Overflow {
                what: "work weight",
            })?;
        }
    }
    let operators: Vec<Address> = weights.keys().copied().collect();
    let values: Vec<U256> = weights.values().copied().collect();
    let amounts = pro_rata(request.budget, &values).ok_or(RewardsError::NoWork {
        start: request.start,
        end,
    })?;
    let operator_rewards = operators
        .into_iter()
        .zip(amounts)
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(operator, amount)| OperatorReward { operator, amount })
        .collect();
    Ok(WorkWeighting {
        operator_rewards,
        record: work_record(&index, snapshot, request.start, end)?,
    })
}
