//! The snapshot validated and indexed by operator, staker and strategy, so that the
//! state at any second or block is a binary search away.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};

use crate::config::CalculatorConfig;
use crate::error::RewardsError;
use crate::snapshot::{
    ChainSnapshot, EventTime, Membership, OperatorSplitChange, StrategyMultiplier,
};
use crate::split::BIPS;

/// Multipliers are scaled by 1e18 (one share at multiplier 1e18 weighs 1).
pub(crate) const MULTIPLIER_UNIT: u128 = 1_000_000_000_000_000_000;

/// A value that changes at events: `points[i]` holds from `points[i].0` on.
#[derive(Debug, Default)]
pub(crate) struct Timeline<T> {
    points: Vec<(EventTime, T)>,
}

impl<T> Timeline<T> {
    fn push(&mut self, at: EventTime, value: T) {
        self.points.push((at, value));
    }

    fn last(&self) -> Option<&T> {
        self.points.last().map(|(_, value)| value)
    }

    /// The value after every event with timestamp `≤ second`.
    pub(crate) fn at_second(&self, second: u64) -> Option<&T> {
        let index = self
            .points
            .partition_point(|(at, _)| at.timestamp <= second);
        index.checked_sub(1).map(|i| &self.points[i].1)
    }

    /// The value after every event in blocks `≤ block`.
    pub(crate) fn at_block(&self, block: u64) -> Option<&T> {
        let index = self.points.partition_point(|(at, _)| at.block <= block);
        index.checked_sub(1).map(|i| &self.points[i].1)
    }

    /// Timestamps strictly inside `(start, end)` at which the value may change.
    pub(crate) fn changes_within(&self, start: u64, end: u64) -> impl Iterator<Item = u64> + '_ {
        let first = self.points.partition_point(|(at, _)| at.timestamp <= start);
        self.points[first..]
            .iter()
            .map(|(at, _)| at.timestamp)
            .take_while(move |timestamp| *timestamp < end)
    }
}

/// A staker's delegated shares to one operator, per strategy.
pub(crate) type StakerShares = BTreeMap<Address, Timeline<U256>>;

/// The snapshot, checked and indexed.
#[derive(Debug)]
pub(crate) struct Index {
    /// Quorum bitmap (bit q = quorum q) per operator.
    pub(crate) memberships: BTreeMap<Address, Timeline<U256>>,
    /// Operator by id (from the membership events).
    pub(crate) operator_by_id: BTreeMap<B256, Address>,
    /// Delegated shares: operator → staker → strategy → shares.
    pub(crate) shares: BTreeMap<Address, BTreeMap<Address, StakerShares>>,
    /// Commission changes per operator, in event order.
    splits: BTreeMap<Address, Vec<OperatorSplitChange>>,
    /// The default commission.
    default_split: Timeline<u16>,
    fallback_split_bips: u16,
}

/// Bit `q` for each quorum `q`.
pub(crate) fn quorum_bitmap(quorums: &[u8]) -> U256 {
    quorums.iter().fold(U256::ZERO, |bitmap, quorum| {
        bitmap | (U256::from(1) << usize::from(*quorum))
    })
}

impl Index {
    pub(crate) fn new(
        snapshot: &ChainSnapshot,
        config: &CalculatorConfig,
    ) -> Result<Self, RewardsError> {
        config.validate()?;
        if snapshot.calculation_interval == 0 {
            return Err(RewardsError::ZeroInterval);
        }
        check_event_order(snapshot)?;

        let mut memberships_sorted: Vec<_> = snapshot.memberships.iter().collect();
        memberships_sorted.sort_by_key(|change| change.at);
        let mut memberships: BTreeMap<Address, Timeline<U256>> = BTreeMap::new();
        let mut operator_by_id = BTreeMap::new();
        for change in memberships_sorted {
            operator_by_id.insert(change.operator_id, change.operator);
            let timeline = memberships.entry(change.operator).or_default();
            let current = timeline.last().copied().unwrap_or(U256::ZERO);
            let bits = quorum_bitmap(&change.quorums);
            let next = match change.change {
                Membership::Added => current | bits,
                Membership::Removed => current & !bits,
            };
            timeline.push(change.at, next);
        }

        let mut shares_sorted: Vec<_> = snapshot.shares.iter().collect();
        shares_sorted.sort_by_key(|change| change.at);
        let mut shares: BTreeMap<Address, BTreeMap<Address, StakerShares>> = BTreeMap::new();
        for change in shares_sorted {
            let timeline = shares
                .entry(change.operator)
                .or_default()
                .entry(change.staker)
                .or_default()
                .entry(change.strategy)
                .or_default();
            let held = timeline.last().copied().unwrap_or(U256::ZERO);
            let next = if change.increase {
                held.checked_add(change.shares)
                    .ok_or(RewardsError::Overflow {
                        what: "delegated shares",
                    })?
            } else {
                held.checked_sub(change.shares).ok_or_else(|| {
                    RewardsError::NegativeShares(Box::new(crate::error::NegativeShares {
                        operator: change.operator,
                        staker: change.staker,
                        strategy: change.strategy,
                        block: change.at.block,
                        held,
                        decrease: change.shares,
                    }))
                })?
            };
            timeline.push(change.at, next);
        }

        let mut splits: BTreeMap<Address, Vec<OperatorSplitChange>> = BTreeMap::new();
        for change in &snapshot.splits {
            for bips in [change.old_bips, change.new_bips] {
                if bips > BIPS {
                    return Err(RewardsError::SplitTooLarge {
                        operator: change.operator,
                        bips,
                    });
                }
            }
            splits
                .entry(change.operator)
                .or_default()
                .push(change.clone());
        }
        for changes in splits.values_mut() {
            changes.sort_by_key(|change| change.at);
        }
        let mut defaults: Vec<_> = snapshot.default_splits.iter().collect();
        defaults.sort_by_key(|change| change.at);
        let mut default_split = Timeline::default();
        for change in defaults {
            if change.bips > BIPS {
                return Err(RewardsError::SplitTooLarge {
                    operator: Address::ZERO,
                    bips: change.bips,
                });
            }
            default_split.push(change.at, change.bips);
        }

        Ok(Self {
            memberships,
            operator_by_id,
            shares,
            splits,
            default_split,
            fallback_split_bips: config.fallback_split_bips,
        })
    }

    /// `getOperatorAVSSplit` as it answered at `second`.
    pub(crate) fn split_at(&self, operator: Address, second: u64) -> u16 {
        let latest = self.splits.get(&operator).and_then(|changes| {
            let index = changes.partition_point(|change| change.at.timestamp <= second);
            index.checked_sub(1).map(|i| &changes[i])
        });
        match latest {
            Some(change) if second >= change.activated_at => change.new_bips,
            Some(change) => change.old_bips,
            None => self
                .default_split
                .at_second(second)
                .copied()
                .unwrap_or(self.fallback_split_bips),
        }
    }

    /// Every operator that ever joined a quorum, ascending.
    pub(crate) fn operators(&self) -> impl Iterator<Item = Address> + '_ {
        self.memberships.keys().copied()
    }

    /// `Σ_strategy shares × multiplier` of one staker's delegation, from `shares_at`.
    pub(crate) fn weighted_shares(
        staker: &StakerShares,
        strategies: &[StrategyMultiplier],
        shares_at: impl Fn(&Timeline<U256>) -> Option<U256>,
    ) -> Result<U256, RewardsError> {
        let mut weighted = U256::ZERO;
        for strategy in strategies {
            let Some(held) = staker.get(&strategy.strategy).and_then(&shares_at) else {
                continue;
            };
            weighted = held
                .checked_mul(strategy.multiplier)
                .and_then(|product| weighted.checked_add(product))
                .ok_or(RewardsError::Overflow {
                    what: "shares × multiplier",
                })?;
        }
        Ok(weighted)
    }

    /// Stake weights over `[start, end)` of `operator` and its stakers: the operator's is
    /// `Σ_seconds floor(Σ_stakers weighted shares / 1e18)`, counted only while it is in a
    /// quorum if `only_registered`; each staker's is `Σ_seconds weighted shares` over the
    /// same seconds. Stakers ascending.
    pub(crate) fn interval_weights(
        &self,
        operator: Address,
        start: u64,
        end: u64,
        strategies: &[StrategyMultiplier],
        only_registered: bool,
    ) -> Result<(U256, Vec<(Address, U256)>), RewardsError> {
        let empty = BTreeMap::new();
        let stakers = self.shares.get(&operator).unwrap_or(&empty);
        let membership = self.memberships.get(&operator);

        // Segment boundaries: every second in (start, end) at which anything we read changes.
        let mut boundaries = BTreeSet::from([start, end]);
        if only_registered && let Some(membership) = membership {
            boundaries.extend(membership.changes_within(start, end));
        }
        for staker in stakers.values() {
            for strategy in strategies {
                if let Some(timeline) = staker.get(&strategy.strategy) {
                    boundaries.extend(timeline.changes_within(start, end));
                }
            }
        }

        let overflow = |what| RewardsError::Overflow { what };
        let unit = U256::from(MULTIPLIER_UNIT);
        let mut operator_weight = U256::ZERO;
        let mut staker_weights: Vec<(Address, U256)> =
            stakers.keys().map(|staker| (*staker, U256::ZERO)).collect();
        let boundaries: Vec<u64> = boundaries.into_iter().collect();
        for segment in boundaries.windows(2) {
            let (from, to) = (segment[0], segment[1]);
            if only_registered {
                let registered = membership
                    .and_then(|timeline| timeline.at_second(from))
                    .is_some_and(|bitmap| !bitmap.is_zero());
                if !registered {
                    continue;
                }
            }
            let seconds = U256::from(to - from);
            let mut total = U256::ZERO;
            for ((_, shares), (_, weight)) in stakers.iter().zip(staker_weights.iter_mut()) {
                let weighted = Self::weighted_shares(shares, strategies, |timeline| {
                    timeline.at_second(from).copied()
                })?;
                total = total
                    .checked_add(weighted)
                    .ok_or(overflow("operator stake"))?;
                *weight = weighted
                    .checked_mul(seconds)
                    .and_then(|product| weight.checked_add(product))
                    .ok_or(overflow("staker weight"))?;
            }
            operator_weight = (total / unit)
                .checked_mul(seconds)
                .and_then(|product| operator_weight.checked_add(product))
                .ok_or(overflow("operator weight"))?;
        }
        Ok((operator_weight, staker_weights))
    }

    /// `floor(Σ_stakers weighted shares / 1e18)` of `operator` at `block`.
    pub(crate) fn stake_at_block(
        &self,
        operator: Address,
        block: u64,
        strategies: &[StrategyMultiplier],
    ) -> Result<U256, RewardsError> {
        let mut total = U256::ZERO;
        if let Some(stakers) = self.shares.get(&operator) {
            for shares in stakers.values() {
                let weighted = Self::weighted_shares(shares, strategies, |timeline| {
                    timeline.at_block(block).copied()
                })?;
                total = total.checked_add(weighted).ok_or(RewardsError::Overflow {
                    what: "operator stake",
                })?;
            }
        }
        Ok(total / U256::from(MULTIPLIER_UNIT))
    }
}

/// Events must be distinct and their timestamps must not go back in (block, log) order.
fn check_event_order(snapshot: &ChainSnapshot) -> Result<(), RewardsError> {
    let mut times: Vec<EventTime> = Vec::new();
    times.extend(snapshot.memberships.iter().map(|e| e.at));
    times.extend(snapshot.shares.iter().map(|e| e.at));
    times.extend(snapshot.splits.iter().map(|e| e.at));
    times.extend(snapshot.default_splits.iter().map(|e| e.at));
    times.extend(snapshot.submissions.iter().map(|e| e.at));
    times.extend(snapshot.directed_submissions.iter().map(|e| e.at));
    times.extend(snapshot.batches.iter().map(|e| e.at));
    times.sort();
    for pair in times.windows(2) {
        let (previous, next) = (pair[0], pair[1]);
        if (previous.block, previous.log_index) == (next.block, next.log_index) {
            return Err(RewardsError::DuplicateEvent {
                block: next.block,
                log_index: next.log_index,
            });
        }
        if next.timestamp < previous.timestamp {
            return Err(RewardsError::TimestampsNotMonotonic {
                block: next.block,
                log_index: next.log_index,
                timestamp: next.timestamp,
                previous: previous.timestamp,
            });
        }
    }
    Ok(())
}
