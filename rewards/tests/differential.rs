//! The calculator against a naive per-second re-computation on random scenarios:
//! several operators and stakers, delegations moving between operators mid-period,
//! commission changes, operators leaving their quorums and missing signatures for part
//! of the period. The naive twin replays every event from scratch for every second (and
//! every batch), with none of the calculator's indexing or segment arithmetic; only the
//! split primitives (`lamina_rewards::split`, checked against `RewardsSplit.sol`'s rules
//! in their own tests) are shared. They must agree to the wei, and so must the roots.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256, keccak256};
use lamina_core::rewards::{EarnerEarnings, distribution_tree};
use lamina_rewards::split::{amount_for_interval, operator_split, pro_rata};
use lamina_rewards::{
    CalculatorConfig, ChainSnapshot, ConfirmedBatch, DefaultSplitChange, DelegatedSharesChange,
    EventTime, G1Key, Membership, OperatorDirectedSubmission, OperatorReward, OperatorSplitChange,
    QuorumMembershipChange, RewardsError, StakeWeightedSubmission, StrategyMultiplier,
    WorkWeightedRequest, calculate, work_weighted_rewards,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const E18: u128 = 1_000_000_000_000_000_000;

/// A random scenario and what the test needs to know about it.
struct Scenario {
    snapshot: ChainSnapshot,
    keys: BTreeMap<Address, G1Key>,
    end: u64,
}

/// Builds events block by block; each block may carry several events.
struct Chain {
    block: u64,
    log_index: u64,
    timestamp: u64,
}

impl Chain {
    fn next(&mut self) -> EventTime {
        let at = EventTime {
            block: self.block,
            log_index: self.log_index,
            timestamp: self.timestamp,
        };
        self.log_index += 1;
        at
    }

    /// Moves to a new block at `timestamp` (never backwards).
    fn advance_to(&mut self, timestamp: u64) {
        self.block += 1;
        self.log_index = 0;
        self.timestamp = self.timestamp.max(timestamp);
    }
}

fn random_amount(rng: &mut ChaCha8Rng) -> U256 {
    match rng.gen_range(0..3) {
        0 => U256::from(rng.gen_range(1u64..50)),
        1 => U256::from(rng.gen_range(1u64..1_000_000_007)),
        _ => U256::from(rng.r#gen::<u128>()) * U256::from(rng.gen_range(1u64..1000)),
    }
}

fn scenario(seed: u64) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let interval: u64 = [5, 6, 10][rng.gen_range(0..3)];
    let intervals: u64 = rng.gen_range(3..7);
    let end = interval * intervals;
    let operators: Vec<Address> = (0..rng.gen_range(2..5))
        .map(|i| Address::repeat_byte(0x10 + i))
        .collect();
    let stakers: Vec<Address> = (0..rng.gen_range(2..7))
        .map(|i| Address::repeat_byte(0x40 + i))
        .collect();
    let strategies = [Address::repeat_byte(0xa1), Address::repeat_byte(0xa2)];
    let tokens = [
        Address::repeat_byte(0xd1),
        lamina_core::rewards::NATIVE_TOKEN,
    ];
    let keys: BTreeMap<Address, G1Key> = operators
        .iter()
        .map(|operator| {
            (
                *operator,
                G1Key {
                    x: U256::from(rng.r#gen::<u64>()),
                    y: U256::from(rng.r#gen::<u64>()),
                },
            )
        })
        .collect();

    let mut chain = Chain {
        block: 1,
        log_index: 0,
        timestamp: 0,
    };
    let mut snapshot = ChainSnapshot {
        avs: Address::repeat_byte(0x99),
        calculation_interval: interval,
        ..ChainSnapshot::default()
    };
    snapshot.default_splits.push(DefaultSplitChange {
        at: chain.next(),
        bips: 1000,
    });
    // Who is delegated where, and how much, as the events unfold.
    let mut delegated: BTreeMap<(Address, Address, Address), U256> = BTreeMap::new();
    let mut registered: BTreeMap<Address, BTreeSet<u8>> = BTreeMap::new();
    // Operators join at the start (most) or later.
    for operator in &operators {
        if rng.gen_bool(0.8) {
            let quorums = if rng.gen_bool(0.5) {
                vec![0]
            } else {
                vec![0, 1]
            };
            registered.insert(*operator, quorums.iter().copied().collect());
            snapshot.memberships.push(QuorumMembershipChange {
                at: chain.next(),
                operator: *operator,
                operator_id: keys[operator].operator_id(),
                quorums,
                change: Membership::Added,
            });
        }
    }
    for staker in &stakers {
        let operator = *operators.choose(&mut rng).expect("operators");
        for strategy in &strategies {
            if rng.gen_bool(0.7) {
                let shares = U256::from(rng.gen_range(1u64..1000)) * U256::from(E18 / 1000);
                *delegated.entry((operator, *staker, *strategy)).or_default() += shares;
                snapshot.shares.push(DelegatedSharesChange {
                    at: chain.next(),
                    operator,
                    staker: *staker,
                    strategy: *strategy,
                    increase: true,
                    shares,
                });
            }
        }
    }

    // Offline windows: an operator misses every batch confirmed in [from, to).
    let mut offline: BTreeMap<Address, (u64, u64)> = BTreeMap::new();
    for operator in &operators {
        if rng.gen_bool(0.5) {
            let from = rng.gen_range(0..end);
            offline.insert(*operator, (from, rng.gen_range(from..=end)));
        }
    }

    // Then the period: at each step, a new block with a few random events.
    let mut time = 0;
    let mut next_batch_id = 0u32;
    while time < end + interval {
        time += rng.gen_range(0..4);
        chain.advance_to(time);
        for _ in 0..rng.gen_range(0..3) {
            match rng.gen_range(0..6) {
                // a staker moves its delegation of one strategy to another operator
                0 => {
                    let held: Vec<_> = delegated
                        .iter()
                        .filter(|(_, s)| !s.is_zero())
                        .map(|(k, s)| (*k, *s))
                        .collect();
                    if let Some(((from_operator, staker, strategy), shares)) =
                        held.choose(&mut rng).copied()
                    {
                        let to_operator = *operators.choose(&mut rng).expect("operators");
                        let moved = if rng.gen_bool(0.5) {
                            shares
                        } else {
                            shares / U256::from(2)
                        };
                        *delegated
                            .entry((from_operator, staker, strategy))
                            .or_default() -= moved;
                        snapshot.shares.push(DelegatedSharesChange {
                            at: chain.next(),
                            operator: from_operator,
                            staker,
                            strategy,
                            increase: false,
                            shares: moved,
                        });
                        *delegated
                            .entry((to_operator, staker, strategy))
                            .or_default() += moved;
                        snapshot.shares.push(DelegatedSharesChange {
                            at: chain.next(),
                            operator: to_operator,
                            staker,
                            strategy,
                            increase: true,
                            shares: moved,
                        });
                    }
                }
                // a deposit
                1 => {
                    let operator = *operators.choose(&mut rng).expect("operators");
                    let staker = *stakers.choose(&mut rng).expect("stakers");
                    let strategy = *strategies.choose(&mut rng).expect("strategies");
                    let shares = U256::from(rng.gen_range(1u64..5000)) * U256::from(E18 / 1000);
                    *delegated.entry((operator, staker, strategy)).or_default() += shares;
                    snapshot.shares.push(DelegatedSharesChange {
                        at: chain.next(),
                        operator,
                        staker,
                        strategy,
                        increase: true,
                        shares,
                    });
                }
                // an operator joins or leaves a quorum
                2 => {
                    let operator = *operators.choose(&mut rng).expect("operators");
                    let quorum = rng.gen_range(0..2u8);
                    let joined = registered.entry(operator).or_default();
                    let change = if joined.contains(&quorum) {
                        joined.remove(&quorum);
                        Membership::Removed
                    } else {
                        joined.insert(quorum);
                        Membership::Added
                    };
                    snapshot.memberships.push(QuorumMembershipChange {
                        at: chain.next(),
                        operator,
                        operator_id: keys[&operator].operator_id(),
                        quorums: vec![quorum],
                        change,
                    });
                }
                // a commission change, effective after a delay
                3 => {
                    let operator = *operators.choose(&mut rng).expect("operators");
                    let pending = snapshot
                        .splits
                        .iter()
                        .rev()
                        .find(|change| change.operator == operator);
                    if pending.is_none_or(|change| change.activated_at <= chain.timestamp) {
                        let old_bips = pending.map_or(1000, |change| change.new_bips);
                        snapshot.splits.push(OperatorSplitChange {
                            at: chain.next(),
                            operator,
                            activated_at: chain.timestamp + rng.gen_range(0..2 * interval),
                            old_bips,
                            new_bips: rng.gen_range(0..=10_000),
                        });
                    }
                }
                // a batch, signed by everyone registered except the offline operators
                _ => {
                    let reference_block = rng.gen_range(chain.block.saturating_sub(5)..chain.block);
                    let quorums = if rng.gen_bool(0.5) {
                        vec![0]
                    } else {
                        vec![1, 0]
                    };
                    let expected = expected_signers(&snapshot, reference_block, &quorums);
                    let mut non_signer_keys: Vec<G1Key> = expected
                        .iter()
                        .filter(|operator| {
                            offline
                                .get(*operator)
                                .is_some_and(|(from, to)| (*from..*to).contains(&chain.timestamp))
                        })
                        .map(|operator| keys[operator])
                        .collect();
                    non_signer_keys.shuffle(&mut rng);
                    let mut batch = ConfirmedBatch {
                        at: chain.next(),
                        batch_id: next_batch_id,
                        reference_block: u32::try_from(reference_block).expect("small"),
                        quorums,
                        non_signer_keys,
                        signatory_record_hash: B256::ZERO,
                    };
                    batch.signatory_record_hash = naive_record_hash(&batch);
                    snapshot.batches.push(batch);
                    next_batch_id += 1;
                }
            }
        }
    }
    // Submissions, created at the end (directed ones need an elapsed period).
    chain.advance_to(end + interval);
    for _ in 0..rng.gen_range(1..3) {
        let start = interval * rng.gen_range(0..intervals);
        let duration = interval * rng.gen_range(1..=intervals - start / interval);
        let mut chosen = Vec::new();
        for strategy in &strategies {
            if rng.gen_bool(0.7) {
                chosen.push(StrategyMultiplier {
                    strategy: *strategy,
                    multiplier: U256::from(rng.gen_range(1u128..3 * E18)),
                });
            }
        }
        let chosen = if chosen.is_empty() {
            vec![StrategyMultiplier {
                strategy: strategies[0],
                multiplier: U256::from(E18),
            }]
        } else {
            chosen
        };
        let token = *tokens.choose(&mut rng).expect("tokens");
        if rng.gen_bool(0.5) {
            snapshot.submissions.push(StakeWeightedSubmission {
                at: chain.next(),
                token,
                amount: random_amount(&mut rng),
                start,
                duration,
                strategies: chosen,
            });
        } else {
            let mut named: Vec<Address> = operators
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.7))
                .collect();
            if named.is_empty() {
                named.push(operators[0]);
            }
            snapshot
                .directed_submissions
                .push(OperatorDirectedSubmission {
                    at: chain.next(),
                    token,
                    operator_rewards: named
                        .into_iter()
                        .map(|operator| OperatorReward {
                            operator,
                            amount: random_amount(&mut rng),
                        })
                        .collect(),
                    start,
                    duration,
                    strategies: chosen,
                });
        }
    }
    snapshot.covered_to = chain.timestamp;
    Scenario {
        snapshot,
        keys,
        end,
    }
}

// ---------------------------------------------------------------- the naive twin

/// Every event, in chain order, replayed from scratch.
fn in_order<T: Clone>(items: &[T], at: impl Fn(&T) -> EventTime) -> Vec<T> {
    let mut items = items.to_vec();
    items.sort_by_key(|item| {
        let time = at(item);
        (time.block, time.log_index)
    });
    items
}

/// Quorums per operator after every membership event that `include`s.
fn naive_quorums(
    snapshot: &ChainSnapshot,
    include: impl Fn(&EventTime) -> bool,
) -> BTreeMap<Address, BTreeSet<u8>> {
    let mut quorums: BTreeMap<Address, BTreeSet<u8>> = BTreeMap::new();
    for change in in_order(&snapshot.memberships, |c| c.at) {
        if !include(&change.at) {
            continue;
        }
        let set = quorums.entry(change.operator).or_default();
        for quorum in &change.quorums {
            match change.change {
                Membership::Added => set.insert(*quorum),
                Membership::Removed => set.remove(quorum),
            };
        }
    }
    quorums
}

/// Shares per (operator, staker, strategy) after every share event that `include`s.
fn naive_shares(
    snapshot: &ChainSnapshot,
    include: impl Fn(&EventTime) -> bool,
) -> BTreeMap<(Address, Address, Address), U256> {
    let mut shares: BTreeMap<(Address, Address, Address), U256> = BTreeMap::new();
    for change in in_order(&snapshot.shares, |c| c.at) {
        if !include(&change.at) {
            continue;
        }
        let held = shares
            .entry((change.operator, change.staker, change.strategy))
            .or_default();
        if change.increase {
            *held += change.shares;
        } else {
            *held -= change.shares;
        }
    }
    shares
}

fn naive_split(snapshot: &ChainSnapshot, operator: Address, second: u64) -> u16 {
    let mut default = 1000;
    for change in in_order(&snapshot.default_splits, |c| c.at) {
        if change.at.timestamp <= second {
            default = change.bips;
        }
    }
    let mut split = default;
    for change in in_order(&snapshot.splits, |c| c.at) {
        if change.operator == operator && change.at.timestamp <= second {
            split = if second >= change.activated_at {
                change.new_bips
            } else {
                change.old_bips
            };
        }
    }
    split
}

fn weighted(
    shares: &BTreeMap<(Address, Address, Address), U256>,
    operator: Address,
    staker: Address,
    strategies: &[StrategyMultiplier],
) -> U256 {
    strategies
        .iter()
        .map(|s| {
            shares
                .get(&(operator, staker, s.strategy))
                .copied()
                .unwrap_or_default()
                * s.multiplier
        })
        .sum()
}

type NaiveEarnings = BTreeMap<Address, BTreeMap<Address, U256>>;

fn credit(earnings: &mut NaiveEarnings, earner: Address, token: Address, amount: U256) {
    *earnings
        .entry(earner)
        .or_default()
        .entry(token)
        .or_default() += amount;
}

/// Operator and staker stake-seconds over `[start, end)`, one second at a time.
fn naive_weights(
    snapshot: &ChainSnapshot,
    operator: Address,
    stakers: &[Address],
    start: u64,
    end: u64,
    strategies: &[StrategyMultiplier],
    only_registered: bool,
) -> (U256, Vec<U256>) {
    let mut operator_weight = U256::ZERO;
    let mut staker_weights = vec![U256::ZERO; stakers.len()];
    for second in start..end {
        let quorums = naive_quorums(snapshot, |at| at.timestamp <= second);
        if only_registered && quorums.get(&operator).is_none_or(BTreeSet::is_empty) {
            continue;
        }
        let shares = naive_shares(snapshot, |at| at.timestamp <= second);
        let mut total = U256::ZERO;
        for (staker, weight) in stakers.iter().zip(staker_weights.iter_mut()) {
            let w = weighted(&shares, operator, *staker, strategies);
            *weight += w;
            total += w;
        }
        operator_weight += total / U256::from(E18);
    }
    (operator_weight, staker_weights)
}

#[allow(clippy::too_many_arguments)]
fn naive_pay(
    earnings: &mut NaiveEarnings,
    snapshot: &ChainSnapshot,
    token: Address,
    operator: Address,
    amount: U256,
    start: u64,
    stakers: &[Address],
    staker_weights: &[U256],
) {
    let (commission, rest) = operator_split(amount, naive_split(snapshot, operator, start));
    credit(earnings, operator, token, commission);
    match pro_rata(rest, staker_weights) {
        Some(parts) => {
            for (staker, part) in stakers.iter().zip(parts) {
                credit(earnings, *staker, token, part);
            }
        }
        None => credit(earnings, operator, token, rest),
    }
}

fn naive_calculate(snapshot: &ChainSnapshot, to: u64) -> NaiveEarnings {
    let operators: Vec<Address> = snapshot
        .memberships
        .iter()
        .map(|c| c.operator)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let stakers_of = |operator: Address| -> Vec<Address> {
        snapshot
            .shares
            .iter()
            .filter(|c| c.operator == operator)
            .map(|c| c.staker)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let interval = snapshot.calculation_interval;
    let mut earnings = NaiveEarnings::new();
    for submission in in_order(&snapshot.submissions, |s| s.at) {
        let n = submission.duration / interval;
        for i in 0..n {
            let start = submission.start + i * interval;
            if start + interval > to {
                break;
            }
            let amount = amount_for_interval(submission.amount, n, i);
            let mut weights = Vec::new();
            let mut per_operator = Vec::new();
            for operator in &operators {
                let stakers = stakers_of(*operator);
                let (w, sw) = naive_weights(
                    snapshot,
                    *operator,
                    &stakers,
                    start,
                    start + interval,
                    &submission.strategies,
                    true,
                );
                weights.push(w);
                per_operator.push((*operator, stakers, sw));
            }
            let Some(parts) = pro_rata(amount, &weights) else {
                continue;
            };
            for ((operator, stakers, sw), part) in per_operator.into_iter().zip(parts) {
                if !part.is_zero() {
                    naive_pay(
                        &mut earnings,
                        snapshot,
                        submission.token,
                        operator,
                        part,
                        start,
                        &stakers,
                        &sw,
                    );
                }
            }
        }
    }
    for submission in in_order(&snapshot.directed_submissions, |s| s.at) {
        let n = submission.duration / interval;
        for reward in &submission.operator_rewards {
            for i in 0..n {
                let start = submission.start + i * interval;
                if start + interval > to {
                    break;
                }
                let stakers = stakers_of(reward.operator);
                let (_, sw) = naive_weights(
                    snapshot,
                    reward.operator,
                    &stakers,
                    start,
                    start + interval,
                    &submission.strategies,
                    false,
                );
                let amount = amount_for_interval(reward.amount, n, i);
                naive_pay(
                    &mut earnings,
                    snapshot,
                    submission.token,
                    reward.operator,
                    amount,
                    start,
                    &stakers,
                    &sw,
                );
            }
        }
    }
    earnings.retain(|_, tokens| {
        tokens.retain(|_, amount| !amount.is_zero());
        !tokens.is_empty()
    });
    earnings
}

fn naive_record_hash(batch: &ConfirmedBatch) -> B256 {
    let mut preimage = batch.reference_block.to_be_bytes().to_vec();
    for key in &batch.non_signer_keys {
        let mut xy = key.x.to_be_bytes::<32>().to_vec();
        xy.extend_from_slice(&key.y.to_be_bytes::<32>());
        preimage.extend_from_slice(keccak256(xy).as_slice());
    }
    keccak256(preimage)
}

fn expected_signers(
    snapshot: &ChainSnapshot,
    reference_block: u64,
    quorums: &[u8],
) -> Vec<Address> {
    naive_quorums(snapshot, |at| at.block <= reference_block)
        .into_iter()
        .filter(|(_, joined)| quorums.iter().any(|q| joined.contains(q)))
        .map(|(operator, _)| operator)
        .collect()
}

fn naive_work_weighted(
    snapshot: &ChainSnapshot,
    keys: &BTreeMap<Address, G1Key>,
    request: &WorkWeightedRequest,
) -> Vec<OperatorReward> {
    let operators: Vec<Address> = snapshot
        .memberships
        .iter()
        .map(|c| c.operator)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut weights = vec![U256::ZERO; operators.len()];
    for batch in &snapshot.batches {
        if !(request.start..request.start + request.duration).contains(&batch.at.timestamp) {
            continue;
        }
        let reference = u64::from(batch.reference_block);
        let expected = expected_signers(snapshot, reference, &batch.quorums);
        let shares = naive_shares(snapshot, |at| at.block <= reference);
        for (operator, weight) in operators.iter().zip(weights.iter_mut()) {
            let skipped = batch.non_signer_keys.contains(&keys[operator]);
            if expected.contains(operator) && !skipped {
                let stake: U256 = shares
                    .keys()
                    .filter(|(o, _, _)| o == operator)
                    .map(|(_, staker, _)| *staker)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|staker| weighted(&shares, *operator, staker, &request.strategies))
                    .sum();
                *weight += stake / U256::from(E18);
            }
        }
    }
    match pro_rata(request.budget, &weights) {
        Some(amounts) => operators
            .into_iter()
            .zip(amounts)
            .filter(|(_, amount)| !amount.is_zero())
            .map(|(operator, amount)| OperatorReward { operator, amount })
            .collect(),
        None => Vec::new(),
    }
}

fn naive_root(earnings: &NaiveEarnings) -> B256 {
    let leaves: Vec<EarnerEarnings> = earnings
        .iter()
        .map(|(earner, tokens)| EarnerEarnings {
            earner: *earner,
            tokens: tokens.iter().map(|(t, a)| (*t, *a)).collect(),
        })
        .collect();
    if leaves.is_empty() {
        return B256::ZERO;
    }
    distribution_tree(&leaves).expect("non-empty").root()
}

// ---------------------------------------------------------------- the tests

#[test]
fn calculator_matches_the_per_second_recomputation() {
    let config = CalculatorConfig::default();
    let mut nonzero = 0;
    for seed in 0..60 {
        let scenario = scenario(seed);
        let snapshot = &scenario.snapshot;
        for to in [scenario.end / 2, scenario.end] {
            let to = to - to % snapshot.calculation_interval;
            let distribution = calculate(snapshot, &config, 0, to).expect("valid scenario");
            let naive = naive_calculate(snapshot, to);
            let fast: NaiveEarnings = distribution
                .earners
                .iter()
                .map(|e| {
                    (
                        e.earner,
                        e.tokens
                            .iter()
                            .map(|t| (t.token, t.cumulative_earnings))
                            .collect(),
                    )
                })
                .collect();
            assert_eq!(fast, naive, "seed {seed}, to {to}: earnings differ");
            assert_eq!(
                distribution.root,
                naive_root(&naive),
                "seed {seed}, to {to}: roots differ"
            );
            // conservation: every counted wei is either earned or reported unallocated
            let earned = distribution.total_earned();
            for (token, submitted) in &distribution.submitted {
                let unallocated = distribution
                    .unallocated
                    .get(token)
                    .copied()
                    .unwrap_or_default();
                assert_eq!(
                    earned.get(token).copied().unwrap_or_default() + unallocated,
                    *submitted,
                    "seed {seed}: wei created or lost in {token}"
                );
            }
            nonzero += usize::from(!naive.is_empty());
        }
    }
    assert!(
        nonzero > 60,
        "the scenarios must pay someone ({nonzero} of 120 did)"
    );
}

#[test]
fn work_weighting_matches_the_naive_replay() {
    let config = CalculatorConfig::default();
    let mut compared = 0;
    for seed in 100..160 {
        let scenario = scenario(seed);
        let request = WorkWeightedRequest {
            budget: U256::from(1_000_000_007u64) * U256::from(seed),
            start: 0,
            duration: scenario.end,
            strategies: vec![
                StrategyMultiplier {
                    strategy: Address::repeat_byte(0xa1),
                    multiplier: U256::from(E18),
                },
                StrategyMultiplier {
                    strategy: Address::repeat_byte(0xa2),
                    multiplier: U256::from(2 * E18),
                },
            ],
        };
        let naive = naive_work_weighted(&scenario.snapshot, &scenario.keys, &request);
        match work_weighted_rewards(&scenario.snapshot, &config, &request) {
            Ok(weighting) => {
                assert_eq!(weighting.operator_rewards, naive, "seed {seed}");
                let paid: U256 = weighting.operator_rewards.iter().map(|r| r.amount).sum();
                assert_eq!(
                    paid, request.budget,
                    "seed {seed}: the budget is paid exactly"
                );
                compared += 1;
            }
            Err(RewardsError::NoWork { .. }) => assert!(naive.is_empty(), "seed {seed}"),
            Err(other) => panic!("seed {seed}: {other}"),
        }
    }
    assert!(
        compared > 40,
        "only {compared} scenarios had work to weight"
    );
}

#[test]
fn an_offline_operator_earns_less_for_the_same_stake() {
    // Two operators with the same stake; B misses the second half of the batches.
    let (a, b) = (Address::repeat_byte(0x10), Address::repeat_byte(0x11));
    let keys = [
        G1Key {
            x: U256::from(1),
            y: U256::from(2),
        },
        G1Key {
            x: U256::from(3),
            y: U256::from(4),
        },
    ];
    let strategy = Address::repeat_byte(0xa1);
    let at = |block: u64, log_index: u64| EventTime {
        block,
        log_index,
        timestamp: block,
    };
    let mut snapshot = ChainSnapshot {
        calculation_interval: 10,
        covered_to: 100,
        ..ChainSnapshot::default()
    };
    for (i, (operator, key)) in [(a, keys[0]), (b, keys[1])].into_iter().enumerate() {
        let i = i as u64;
        snapshot.memberships.push(QuorumMembershipChange {
            at: at(1, i),
            operator,
            operator_id: key.operator_id(),
            quorums: vec![0],
            change: Membership::Added,
        });
        snapshot.shares.push(DelegatedSharesChange {
            at: at(2, i),
            operator,
            staker: operator,
            strategy,
            increase: true,
            shares: U256::from(E18),
        });
    }
    for block in 10..30 {
        let non_signer_keys = if block >= 20 { vec![keys[1]] } else { vec![] };
        let mut batch = ConfirmedBatch {
            at: at(block, 0),
            batch_id: block as u32,
            reference_block: (block - 1) as u32,
            quorums: vec![0],
            non_signer_keys,
            signatory_record_hash: B256::ZERO,
        };
        batch.signatory_record_hash = batch.computed_signatory_record_hash();
        snapshot.batches.push(batch);
    }
    let request = WorkWeightedRequest {
        budget: U256::from(3_000),
        start: 10,
        duration: 20,
        strategies: vec![StrategyMultiplier {
            strategy,
            multiplier: U256::from(E18),
        }],
    };
    let weighting =
        work_weighted_rewards(&snapshot, &CalculatorConfig::default(), &request).expect("work");
    // A signed 20 batches, B 10: 2/3 and 1/3 of the budget
    assert_eq!(
        weighting.operator_rewards,
        vec![
            OperatorReward {
                operator: a,
                amount: U256::from(2_000)
            },
            OperatorReward {
                operator: b,
                amount: U256::from(1_000)
            }
        ]
    );
    assert_eq!(weighting.record[1].batches_expected, 20);
    assert_eq!(weighting.record[1].batches_signed, 10);

    // A forged record (the disperser claiming B signed everything) is refused.
    let mut forged = snapshot.clone();
    forged.batches[15].non_signer_keys.clear();
    assert!(matches!(
        work_weighted_rewards(&forged, &CalculatorConfig::default(), &request),
        Err(RewardsError::SignatoryRecordMismatch { batch_id: 25, .. })
    ));
}

#[test]
fn same_snapshot_same_bytes_whatever_the_event_order() {
    let config = CalculatorConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for seed in 200..210 {
        let scenario = scenario(seed);
        let to = scenario.end;
        let reference = calculate(&scenario.snapshot, &config, to / 2, to)
            .expect("valid")
            .to_json();
        let mut shuffled = scenario.snapshot.clone();
        shuffled.memberships.shuffle(&mut rng);
        shuffled.shares.shuffle(&mut rng);
        shuffled.splits.shuffle(&mut rng);
        shuffled.batches.shuffle(&mut rng);
        shuffled.submissions.reverse();
        let again = calculate(&shuffled, &config, to / 2, to)
            .expect("valid")
            .to_json();
        assert_eq!(reference, again, "seed {seed}");
    }
}

#[test]
fn claim_proofs_verify_against_the_root() {
    let scenario = scenario(3);
    let distribution = calculate(
        &scenario.snapshot,
        &CalculatorConfig::default(),
        0,
        scenario.end,
    )
    .expect("valid scenario");
    assert!(!distribution.earners.is_empty(), "seed 3 pays someone");
    for entry in &distribution.earners {
        let claim = distribution.claim_proof(entry.earner).expect("an earner");
        let proof = lamina_core::MerkleProof::from_bytes(&claim.earner_tree_proof)
            .expect("32-byte siblings");
        let leaf = lamina_core::rewards::earner_leaf_hash(entry.earner, claim.earner_token_root);
        assert!(proof.verify(distribution.root, leaf, claim.earner_index));
        for token in &claim.tokens {
            let proof =
                lamina_core::MerkleProof::from_bytes(&token.proof).expect("32-byte siblings");
            let leaf =
                lamina_core::rewards::token_leaf_hash(token.token, token.cumulative_earnings);
            assert!(proof.verify(claim.earner_token_root, leaf, token.index));
        }
    }
    assert!(matches!(
        distribution.claim_proof(Address::repeat_byte(0x77)),
        Err(RewardsError::NotAnEarner { .. })
    ));
}
