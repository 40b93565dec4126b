//! Stake-proportional chunk assignment, exactly EigenDA v2's
//! `GetAssignmentsForBlob` (`core/v2/assignment.go`, after the fix for operators
//! missing from the first quorum).
//!
//! For one quorum ([`assign_quorum`]): operators sorted by id; operator `i` gets
//! `ceil((num_chunks − max_num_operators) · stake_i / total_stake)` chunks, as a
//! contiguous run of indices starting where the previous operator's ended.
//!
//! For a blob in several quorums ([`assign_blob`]), quorums ascending:
//! 1. the first quorum's assignment is the baseline;
//! 2. for each further quorum, each of its operators keeps the first
//!    `min(needed, baseline)` of its baseline indices; then, in id order,
//!    operators short of their count take the lowest indices no kept index uses;
//! 3. the per-quorum assignments are merged in quorum order: an operator's first
//!    assignment (capped at `num_chunks / coding_rate`) then the new indices of the
//!    later ones, until the cap. Index order is preserved, not sorted: frames are
//!    sent and stored in this order.
//!
//! Why it is safe: within one quorum, operators' index sets are disjoint, and an
//! operator's merged set either contains its whole set for every quorum or has
//! reached the cap, which alone suffices to reconstruct. So any operators holding
//! a fraction `>= num_chunks / (coding_rate · (num_chunks − max_num_operators))` of
//! a quorum's stake hold `>= num_chunks / coding_rate` distinct chunks
//! ([`crate::security`]).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::U256;
use lamina_encoding::BlobParams;

use crate::error::AssignmentError;
use crate::types::{OperatorId, QuorumId};

/// An operator's stake in one quorum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperatorStake {
    /// The operator.
    pub operator_id: OperatorId,
    /// Its stake (the StakeRegistry's `uint96`).
    pub stake: u128,
}

/// The operators of one quorum and their stakes at a reference block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumOperators {
    quorum: QuorumId,
    stakes: BTreeMap<OperatorId, u128>,
    total: u128,
}

impl QuorumOperators {
    /// Collects a quorum's stakes, rejecting duplicate operators and overflowing totals.
    pub fn new(
        quorum: QuorumId,
        stakes: impl IntoIterator<Item = OperatorStake>,
    ) -> Result<Self, AssignmentError> {
        let mut map = BTreeMap::new();
        let mut total = 0u128;
        for OperatorStake { operator_id, stake } in stakes {
            if map.insert(operator_id, stake).is_some() {
                return Err(AssignmentError::DuplicateOperator {
                    quorum,
                    operator: operator_id,
                });
            }
            total = total
                .checked_add(stake)
                .ok_or(AssignmentError::StakeOverflow { quorum })?;
        }
        Ok(Self {
            quorum,
            stakes: map,
            total,
        })
    }

    /// The quorum number.
    pub fn quorum(&self) -> QuorumId {
        self.quorum
    }

    /// Total stake of the quorum.
    pub fn total_stake(&self) -> u128 {
        self.total
    }

    /// Stake of `operator`, if it is in the quorum.
    pub fn stake(&self, operator: &OperatorId) -> Option<u128> {
        self.stakes.get(operator).copied()
    }

    /// Operators and stakes, ascending by operator id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = OperatorStake> + '_ {
        self.stakes
            .iter()
            .map(|(&operator_id, &stake)| OperatorStake { operator_id, stake })
    }

    /// Number of operators.
    pub fn len(&self) -> usize {
        self.stakes.len()
    }

    /// Whether the quorum has no operators.
    pub fn is_empty(&self) -> bool {
        self.stakes.is_empty()
    }
}

/// The chunk indices one operator must store for a blob, in EigenDA's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChunkAssignment {
    /// Chunk (frame) indices, distinct, in assignment order.
    pub indices: Vec<u32>,
}

impl ChunkAssignment {
    /// Number of chunks.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether no chunk is assigned.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Assignments of one blob, by operator.
pub type Assignments = BTreeMap<OperatorId, ChunkAssignment>;

fn check_params(params: &BlobParams) -> Result<(), AssignmentError> {
    if params.coding_rate == 0 || params.max_num_operators > params.num_chunks {
        return Err(AssignmentError::InvalidParams {
            num_chunks: params.num_chunks,
            coding_rate: params.coding_rate,
            max_num_operators: params.max_num_operators,
        });
    }
    Ok(())
}

/// Number of chunks an operator with `stake` of `total` gets in one quorum:
/// `ceil((num_chunks − max_num_operators) · stake / total)`.
pub fn chunks_for_stake(params: &BlobParams, stake: u128, total: u128) -> u32 {
    let effective = U256::from(params.num_chunks.saturating_sub(params.max_num_operators));
    if total == 0 {
        return 0;
    }
    let total = U256::from(total);
    let chunks = (effective * U256::from(stake)).div_ceil(total);
    // stake <= total, so chunks <= effective < 2^32.
    u32::try_from(chunks).unwrap_or(u32::MAX)
}

/// One quorum's assignment, independent of other quorums (`GetAssignmentsForQuorum`).
pub fn assign_quorum(
    params: &BlobParams,
    quorum: &QuorumOperators,
) -> Result<Assignments, AssignmentError> {
    check_params(params)?;
    let q = quorum.quorum;
    if quorum.is_empty() {
        return Err(AssignmentError::NoOperators { quorum: q });
    }
    if quorum.len() > params.max_num_operators as usize {
        return Err(AssignmentError::TooManyOperators {
            quorum: q,
            operators: quorum.len(),
            max: params.max_num_operators,
        });
    }
    if quorum.total == 0 {
        return Err(AssignmentError::ZeroTotalStake { quorum: q });
    }
    let mut offset = 0u32;
    let mut out = Assignments::new();
    for OperatorStake { operator_id, stake } in quorum.iter() {
        let count = chunks_for_stake(params, stake, quorum.total);
        // Sum of ceilings <= effective + operators <= num_chunks.
        let end = offset
            .checked_add(count)
            .filter(|&end| end <= params.num_chunks)
            .ok_or(AssignmentError::ChunksExhausted {
                quorum: q,
                num_chunks: params.num_chunks,
            })?;
        out.insert(
            operator_id,
            ChunkAssignment {
                indices: (offset..end).collect(),
            },
        );
        offset = end;
    }
    Ok(out)
}

/// A further quorum's assignment, overlapping `baseline` as much as possible
/// (`AddAssignmentsForQuorum`).
fn add_quorum(
    params: &BlobParams,
    baseline: &Assignments,
    quorum: &QuorumOperators,
) -> Result<Assignments, AssignmentError> {
    let fresh = assign_quorum(params, quorum)?;
    let mut used = BTreeSet::new();
    let mut out = Assignments::new();
    for (id, wanted) in &fresh {
        let kept = match baseline.get(id) {
            Some(base) => base.indices[..wanted.len().min(base.len())].to_vec(),
            None => Vec::new(),
        };
        used.extend(kept.iter().copied());
        out.insert(*id, ChunkAssignment { indices: kept });
    }
    let mut available = (0..params.num_chunks).filter(|i| !used.contains(i));
    for (id, wanted) in &fresh {
        let Some(assignment) = out.get_mut(id) else {
            continue;
        };
        while assignment.len() < wanted.len() {
            let index = available.next().ok_or(AssignmentError::ChunksExhausted {
                quorum: quorum.quorum,
                num_chunks: params.num_chunks,
            })?;
            assignment.indices.push(index);
        }
    }
    Ok(out)
}

/// Merges per-quorum assignments in order, capping each operator at
/// `num_chunks / coding_rate` (`MergeAssignmentsAndCap`).
fn merge_and_cap(params: &BlobParams, per_quorum: &[Assignments]) -> Assignments {
    let cap = (params.num_chunks / params.coding_rate) as usize;
    let mut merged = Assignments::new();
    let mut seen: BTreeMap<OperatorId, BTreeSet<u32>> = BTreeMap::new();
    for assignments in per_quorum {
        for (id, a) in assignments {
            let set = seen.entry(*id).or_default();
            let out = merged.entry(*id).or_default();
            for &index in &a.indices {
                if out.len() >= cap {
                    break;
                }
                if set.insert(index) {
                    out.indices.push(index);
                }
            }
        }
    }
    merged
}

/// Every operator's chunks for a blob in `quorums` (`GetAssignmentsForBlob`). Give one
/// [`QuorumOperators`] per quorum of the blob header, in any order.
pub fn assign_blob(
    params: &BlobParams,
    quorums: &[QuorumOperators],
) -> Result<Assignments, AssignmentError> {
    check_params(params)?;
    let mut sorted: Vec<&QuorumOperators> = quorums.iter().collect();
    sorted.sort_by_key(|q| q.quorum);
    if let Some(pair) = sorted.windows(2).find(|w| w[0].quorum == w[1].quorum) {
        return Err(AssignmentError::DuplicateQuorum {
            quorum: pair[0].quorum,
        });
    }
    let (first, rest) = sorted.split_first().ok_or(AssignmentError::NoQuorums)?;
    let baseline = assign_quorum(params, first)?;
    let mut per_quorum = Vec::with_capacity(sorted.len());
    for quorum in rest {
        per_quorum.push(add_quorum(params, &baseline, quorum)?);
    }
    per_quorum.insert(0, baseline);
    Ok(merge_and_cap(params, &per_quorum))
}

/// One operator's chunks for a blob (`GetAssignmentForBlob`).
pub fn assign_operator(
    params: &BlobParams,
    quorums: &[QuorumOperators],
    operator: &OperatorId,
) -> Result<ChunkAssignment, AssignmentError> {
    assign_blob(params, quorums)?
        .remove(operator)
        .ok_or(AssignmentError::OperatorNotAssigned {
            operator: *operator,
        })
}

#[cfg(test)]
mod tests;
