//! The calculator at the scale: 1,000 earners (20 operators, 980 stakers) over
//! 30 daily calculation intervals, with one stake-weighted and one operator-directed
//! submission, 200 delegation moves during the month, and a batch every 10 minutes
//! (4,320 signing records checked). Figures: docs/benchmarks.md.

#![allow(missing_docs)]

use alloy_primitives::{Address, U256};
use criterion::{Criterion, criterion_group, criterion_main};
use lamina_rewards::{
    CalculatorConfig, ChainSnapshot, ConfirmedBatch, DelegatedSharesChange, EventTime, G1Key,
    Membership, OperatorDirectedSubmission, OperatorReward, QuorumMembershipChange,
    StakeWeightedSubmission, StrategyMultiplier, calculate,
};

const DAY: u64 = 86_400;
const DAYS: u64 = 30;
const OPERATORS: usize = 20;
const STAKERS: usize = 980;
const E18: u64 = 1_000_000_000_000_000_000;

fn address(kind: u8, i: usize) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = kind;
    bytes[16..].copy_from_slice(&(i as u32).to_be_bytes());
    Address::from(bytes)
}

fn month() -> ChainSnapshot {
    let strategies = [Address::repeat_byte(0xa1), Address::repeat_byte(0xa2)];
    let multipliers: Vec<StrategyMultiplier> = strategies
        .iter()
        .map(|strategy| StrategyMultiplier {
            strategy: *strategy,
            multiplier: U256::from(E18),
        })
        .collect();
    let operators: Vec<Address> = (0..OPERATORS).map(|i| address(1, i)).collect();
    let keys: Vec<G1Key> = (0..OPERATORS)
        .map(|i| G1Key {
            x: U256::from(i + 1),
            y: U256::from(i + 7),
        })
        .collect();
    let block = std::cell::Cell::new(0u64);
    let at = |timestamp: u64| {
        block.set(block.get() + 1);
        EventTime {
            block: block.get(),
            log_index: 0,
            timestamp,
        }
    };
    let mut snapshot = ChainSnapshot {
        calculation_interval: DAY,
        covered_to: (DAYS + 1) * DAY,
        ..ChainSnapshot::default()
    };
    for (operator, key) in operators.iter().zip(&keys) {
        snapshot.memberships.push(QuorumMembershipChange {
            at: at(0),
            operator: *operator,
            operator_id: key.operator_id(),
            quorums: vec![0, 1],
            change: Membership::Added,
        });
    }
    for staker in 0..STAKERS {
        for strategy in &strategies {
            snapshot.shares.push(DelegatedSharesChange {
                at: at(0),
                operator: operators[staker % OPERATORS],
                staker: address(2, staker),
                strategy: *strategy,
                increase: true,
                shares: U256::from(E18) * U256::from(1 + staker % 97),
            });
        }
    }
    // Events interleaved in time: a delegation move every ~3.6 hours, a batch every 10 minutes.
    let mut moves = 0usize;
    for minute in (0..DAYS * DAY / 60).step_by(10) {
        let timestamp = minute * 60;
        if minute % 216 == 0 && moves < 200 {
            let staker = (moves * 37) % STAKERS;
            let (from, to) = (
                operators[staker % OPERATORS],
                operators[(staker + 1) % OPERATORS],
            );
            for (operator, increase) in [(from, false), (to, true)] {
                snapshot.shares.push(DelegatedSharesChange {
                    at: at(timestamp),
                    operator,
                    staker: address(2, staker),
                    strategy: strategies[0],
                    increase,
                    shares: U256::from(E18),
                });
            }
            moves += 1;
        }
        // operator 0 is offline for the second half of the month
        let non_signer_keys = if timestamp >= DAYS * DAY / 2 {
            vec![keys[0]]
        } else {
            vec![]
        };
        let reference_block = u32::try_from(block.get()).expect("small");
        let mut batch = ConfirmedBatch {
            at: at(timestamp),
            batch_id: u32::try_from(minute).expect("small"),
            reference_block,
            quorums: vec![0, 1],
            non_signer_keys,
            signatory_record_hash: Default::default(),
        };
        batch.signatory_record_hash = batch.computed_signatory_record_hash();
        snapshot.batches.push(batch);
    }
    let end = DAYS * DAY;
    snapshot.submissions.push(StakeWeightedSubmission {
        at: at(end),
        token: Address::repeat_byte(0xd1),
        amount: U256::from(E18) * U256::from(1_000_000),
        start: 0,
        duration: end,
        strategies: multipliers.clone(),
    });
    snapshot
        .directed_submissions
        .push(OperatorDirectedSubmission {
            at: at(end + 1),
            token: Address::repeat_byte(0xd2),
            operator_rewards: operators
                .iter()
                .enumerate()
                .map(|(i, operator)| OperatorReward {
                    operator: *operator,
                    amount: U256::from(E18) * U256::from(1000 + i),
                })
                .collect(),
            start: 0,
            duration: end,
            strategies: multipliers,
        });
    snapshot
}

fn bench_calculate(c: &mut Criterion) {
    let snapshot = month();
    let config = CalculatorConfig::default();
    let distribution = calculate(&snapshot, &config, 0, DAYS * DAY).expect("valid snapshot");
    assert_eq!(distribution.earners.len(), OPERATORS + STAKERS);
    let mut group = c.benchmark_group("rewards");
    group.sample_size(10);
    group.bench_function("calculate_1000_earners_30_days", |b| {
        b.iter(|| calculate(&snapshot, &config, 0, DAYS * DAY).expect("valid snapshot"))
    });
    group.finish();
}

criterion_group!(benches, bench_calculate);
criterion_main!(benches);
