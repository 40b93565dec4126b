//! Submissions → per-earner cumulative earnings.

use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};

use crate::config::CalculatorConfig;
use crate::distribution::{Distribution, Earnings};
use crate::error::RewardsError;
use crate::index::Index;
use crate::snapshot::{ChainSnapshot, EventTime, StrategyMultiplier};
use crate::split::{amount_for_interval, operator_split, pro_rata};
use crate::work::{WorkRecord, work_record};

/// Everyone's cumulative earnings from every interval of every submission that ends at or
/// before `to`, the part of them earned in intervals ending in `(from, to]`, and the
/// distribution root. Deterministic: the same snapshot and window give the same
/// [`Distribution`], byte for byte, whatever the order of the snapshot's events.
///
/// Rules (docs/architecture.md, "Rewards"): each submission is cut into its
/// `duration / interval` calculation intervals ([`amount_for_interval`]). A
/// stake-weighted interval `[a, b)` goes to the operators in at least one quorum, pro
/// rata to `Σ_{seconds in [a,b) while registered} floor(Σ shares × multiplier / 1e18)`; a
/// directed interval goes to the named operator. Each operator keeps its commission at
/// `a` ([`operator_split`]) and its stakers share the rest pro rata to
/// `Σ_seconds shares × multiplier` over the same seconds (the operator keeps it all if no
/// staker has weight). Nobody with weight → the interval's amount stays unallocated in
/// the coordinator (reported, never in the tree).
pub fn calculate(
    snapshot: &ChainSnapshot,
    config: &CalculatorConfig,
    from: u64,
    to: u64,
) -> Result<Distribution, RewardsError> {
    if from > to {
        return Err(RewardsError::WindowReversed { from, to });
    }
    if to > snapshot.covered_to {
        return Err(RewardsError::BeyondSnapshot {
            to,
            covered: snapshot.covered_to,
        });
    }
    let index = Index::new(snapshot, config)?;
    let mut ledger = Ledger::new(from);

    let mut submissions: Vec<_> = snapshot.submissions.iter().collect();
    submissions.sort_by_key(|submission| submission.at);
    for submission in submissions {
        let intervals = intervals_of(
            snapshot,
            config,
            submission.at,
            submission.start,
            submission.duration,
        )?;
        check_strategies(submission.at, &submission.strategies)?;
        for (number, (start, end)) in intervals.iter().enumerate() {
            if *end > to {
                break;
            }
            let amount =
                amount_for_interval(submission.amount, intervals.len() as u64, number as u64);
            ledger.submitted(submission.token, amount)?;
            let mut operators = Vec::new();
            for operator in index.operators() {
                let (weight, stakers) =
                    index.interval_weights(operator, *start, *end, &submission.strategies, true)?;
                operators.push((operator, weight, stakers));
            }
            let weights: Vec<U256> = operators.iter().map(|(_, weight, _)| *weight).collect();
            let Some(parts) = pro_rata(amount, &weights) else {
                ledger.unallocated(submission.token, amount)?;
                continue;
            };
            for ((operator, _, stakers), part) in operators.iter().zip(parts) {
                if part.is_zero() {
                    continue;
                }
                let split = index.split_at(*operator, *start);
                ledger.pay_operator(submission.token, *operator, part, split, stakers, *end)?;
            }
        }
    }

    let mut directed: Vec<_> = snapshot.directed_submissions.iter().collect();
    directed.sort_by_key(|submission| submission.at);
    for submission in directed {
        let intervals = intervals_of(
            snapshot,
            config,
            submission.at,
            submission.start,
            submission.duration,
        )?;
        check_strategies(submission.at, &submission.strategies)?;
        for reward in &submission.operator_rewards {
            for (number, (start, end)) in intervals.iter().enumerate() {
                if *end > to {
                    break;
                }
                let amount =
                    amount_for_interval(reward.amount, intervals.len() as u64, number as u64);
                ledger.submitted(submission.token, amount)?;
                let (_, stakers) = index.interval_weights(
                    reward.operator,
                    *start,
                    *end,
                    &submission.strategies,
                    false,
                )?;
                let split = index.split_at(reward.operator, *start);
                ledger.pay_operator(
                    submission.token,
                    reward.operator,
                    amount,
                    split,
                    &stakers,
                    *end,
                )?;
            }
        }
    }

    let work = work_record(&index, snapshot, from, to)?;
    ledger.finish(snapshot.avs, from, to, work)
}

fn check_strategies(at: EventTime, strategies: &[StrategyMultiplier]) -> Result<(), RewardsError> {
    if strategies.is_empty() {
        return Err(RewardsError::NoStrategies { block: at.block });
    }
    Ok(())
}

/// The `[start, end)` calculation intervals of a submission.
fn intervals_of(
    snapshot: &ChainSnapshot,
    config: &CalculatorConfig,
    at: EventTime,
    start: u64,
    duration: u64,
) -> Result<Vec<(u64, u64)>, RewardsError> {
    let interval = snapshot.calculation_interval;
    if duration == 0 || !duration.is_multiple_of(interval) || !start.is_multiple_of(interval) {
        return Err(RewardsError::MisalignedSubmission {
            block: at.block,
            start,
            duration,
            interval,
        });
    }
    let count = duration / interval;
    if count > config.max_intervals_per_submission {
        return Err(RewardsError::TooManyIntervals {
            block: at.block,
            intervals: count,
            max: config.max_intervals_per_submission,
        });
    }
    Ok((0..count)
        .map(|number| {
            let begin = start + number * interval;
            (begin, begin + interval)
        })
        .collect())
}

/// Running totals while the calculation walks the intervals.
struct Ledger {
    from: u64,
    cumulative: Earnings,
    in_window: Earnings,
    submitted: BTreeMap<Address, U256>,
    unallocated: BTreeMap<Address, U256>,
}

fn add(map: &mut BTreeMap<Address, U256>, key: Address, amount: U256) -> Result<(), RewardsError> {
    let entry = map.entry(key).or_default();
    *entry = entry
        .checked_add(amount)
        .ok_or(RewardsError::Overflow { what: "earnings" })?;
    Ok(())
}

impl Ledger {
    fn new(from: u64) -> Self {
        Self {
            from,
            cumulative: BTreeMap::new(),
            in_window: BTreeMap::new(),
            submitted: BTreeMap::new(),
            unallocated: BTreeMap::new(),
        }
    }

    fn submitted(&mut self, token: Address, amount: U256) -> Result<(), RewardsError> {
        add(&mut self.submitted, token, amount)
    }

    fn unallocated(&mut self, token: Address, amount: U256) -> Result<(), RewardsError> {
        add(&mut self.unallocated, token, amount)
    }

    fn credit(
        &mut self,
        earner: Address,
        token: Address,
        amount: U256,
        interval_end: u64,
    ) -> Result<(), RewardsError> {
        if amount.is_zero() {
            return Ok(());
        }
        add(self.cumulative.entry(earner).or_default(), token, amount)?;
        if interval_end > self.from {
            add(self.in_window.entry(earner).or_default(), token, amount)?;
        }
        Ok(())
    }

    /// The operator's commission to it, the rest to its stakers by weight.
    fn pay_operator(
        &mut self,
        token: Address,
        operator: Address,
        amount: U256,
        split_bips: u16,
        stakers: &[(Address, U256)],
        interval_end: u64,
    ) -> Result<(), RewardsError> {
        let (commission, stakers_part) = operator_split(amount, split_bips);
        self.credit(operator, token, commission, interval_end)?;
        let weights: Vec<U256> = stakers.iter().map(|(_, weight)| *weight).collect();
        match pro_rata(stakers_part, &weights) {
            Some(parts) => {
                for ((staker, _), part) in stakers.iter().zip(parts) {
                    self.credit(*staker, token, part, interval_end)?;
                }
            }
            None => self.credit(operator, token, stakers_part, interval_end)?,
        }
        Ok(())
    }

    fn finish(
        self,
        avs: Address,
        from: u64,
        to: u64,
        work: Vec<WorkRecord>,
    ) -> Result<Distribution, RewardsError> {
        Distribution::new(
            avs,
            from,
            to,
            self.cumulative,
            self.in_window,
            self.submitted,
            self.unallocated,
            work,
        )
    }
}
