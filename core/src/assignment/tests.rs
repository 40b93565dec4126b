use super::*;
use crate::security::{chunks_to_reconstruct, meets_reconstruction_threshold};
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn id(n: u8) -> OperatorId {
    OperatorId([n; 32])
}

fn quorum(q: QuorumId, stakes: &[(u8, u128)]) -> QuorumOperators {
    QuorumOperators::new(
        q,
        stakes.iter().map(|&(n, stake)| OperatorStake {
            operator_id: id(n),
            stake,
        }),
    )
    .expect("valid quorum")
}

const SMALL: BlobParams = BlobParams {
    num_chunks: 16,
    coding_rate: 2,
    max_num_operators: 4,
};

#[test]
fn one_quorum_by_hand() {
    // effective = 12; ceil(12·s/6) for s = 1, 2, 3.
    let a = assign_blob(&SMALL, &[quorum(0, &[(3, 3), (1, 1), (2, 2)])]).expect("assigns");
    assert_eq!(a[&id(1)].indices, vec![0, 1]);
    assert_eq!(a[&id(2)].indices, vec![2, 3, 4, 5]);
    // 6 chunks, capped at 16 / 2 = 8: untouched.
    assert_eq!(a[&id(3)].indices, vec![6, 7, 8, 9, 10, 11]);
}

#[test]
fn rounding_up_and_cap_by_hand() {
    // effective = 12, stakes 1 and 2: ceil(4) = 4, ceil(8) = 8 (cap 8).
    let a = assign_blob(&SMALL, &[quorum(0, &[(1, 1), (2, 2)])]).expect("assigns");
    assert_eq!(a[&id(1)].len(), 4);
    assert_eq!(a[&id(2)].len(), 8);
    // stakes 1 and 10: ceil(12/11) = 2, ceil(120/11) = 11 capped at 8.
    let a = assign_blob(&SMALL, &[quorum(0, &[(1, 1), (2, 10)])]).expect("assigns");
    assert_eq!(a[&id(1)].indices, vec![0, 1]);
    assert_eq!(a[&id(2)].indices, (2..10).collect::<Vec<_>>());
}

#[test]
fn two_quorums_by_hand() {
    // q0: A, B halves -> A [0,6), B [6,12). q1: B, C halves; B keeps [6,12), C (not in
    // the baseline) takes the lowest unused indices [0,6).
    let q0 = quorum(0, &[(0xa, 1), (0xb, 1)]);
    let q1 = quorum(1, &[(0xb, 1), (0xc, 1)]);
    let a = assign_blob(&SMALL, &[q1.clone(), q0.clone()]).expect("assigns");
    assert_eq!(a[&id(0xa)].indices, (0..6).collect::<Vec<_>>());
    assert_eq!(a[&id(0xb)].indices, (6..12).collect::<Vec<_>>());
    assert_eq!(a[&id(0xc)].indices, (0..6).collect::<Vec<_>>());
    assert_eq!(
        assign_operator(&SMALL, &[q0, q1], &id(0xc))
            .expect("in q1")
            .indices,
        (0..6).collect::<Vec<_>>()
    );
}

#[test]
fn second_quorum_with_more_chunks_extends_and_merges_in_order() {
    // q0: A 1/4 -> 3 chunks [0,3), B 3/4 -> 9 capped at... 9 (cap 8 applies at merge).
    // q1: A alone -> 12 wanted; keeps [0,3), takes 3.. upward skipping kept ones.
    let q0 = quorum(0, &[(0xa, 1), (0xb, 3)]);
    let q1 = quorum(1, &[(0xa, 1)]);
    let a = assign_blob(&SMALL, &[q0, q1]).expect("assigns");
    assert_eq!(a[&id(0xb)].indices, (3..11).collect::<Vec<_>>()); // 9 capped to 8
    assert_eq!(a[&id(0xa)].indices, (0..8).collect::<Vec<_>>()); // 3 + 5 more until the cap
}

#[test]
fn typed_errors() {
    let q = quorum(0, &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    assert_eq!(
        assign_blob(&SMALL, &[q]),
        Err(AssignmentError::TooManyOperators {
            quorum: 0,
            operators: 5,
            max: 4
        })
    );
    assert_eq!(
        assign_blob(&SMALL, &[quorum(2, &[(1, 0)])]),
        Err(AssignmentError::ZeroTotalStake { quorum: 2 })
    );
    assert_eq!(
        assign_blob(&SMALL, &[quorum(3, &[])]),
        Err(AssignmentError::NoOperators { quorum: 3 })
    );
    assert_eq!(assign_blob(&SMALL, &[]), Err(AssignmentError::NoQuorums));
    assert_eq!(
        assign_blob(&SMALL, &[quorum(1, &[(1, 1)]), quorum(1, &[(1, 1)])]),
        Err(AssignmentError::DuplicateQuorum { quorum: 1 })
    );
    let dup = QuorumOperators::new(
        0,
        [
            OperatorStake {
                operator_id: id(1),
                stake: 1,
            },
            OperatorStake {
                operator_id: id(1),
                stake: 2,
            },
        ],
    );
    assert_eq!(
        dup,
        Err(AssignmentError::DuplicateOperator {
            quorum: 0,
            operator: id(1)
        })
    );
    let overflow = QuorumOperators::new(
        0,
        [
            OperatorStake {
                operator_id: id(1),
                stake: u128::MAX,
            },
            OperatorStake {
                operator_id: id(2),
                stake: 1,
            },
        ],
    );
    assert_eq!(overflow, Err(AssignmentError::StakeOverflow { quorum: 0 }));
    let bad = BlobParams {
        num_chunks: 4,
        coding_rate: 2,
        max_num_operators: 5,
    };
    assert!(matches!(
        assign_blob(&bad, &[quorum(0, &[(1, 1)])]),
        Err(AssignmentError::InvalidParams { .. })
    ));
    assert_eq!(
        assign_operator(&SMALL, &[quorum(0, &[(1, 1)])], &id(9)),
        Err(AssignmentError::OperatorNotAssigned { operator: id(9) })
    );
}

/// A random stake distribution: `n` operators (ids random), stakes up to 2^96 with
/// occasional zeros and a few whales, split over 1-3 quorums with overlapping members.
fn random_quorums(rng: &mut ChaCha20Rng, n: usize, quorums: u8) -> Vec<QuorumOperators> {
    let ids: Vec<OperatorId> = (0..n).map(|_| OperatorId(rng.r#gen())).collect();
    (0..quorums)
        .map(|q| {
            let mut members = Vec::new();
            for &operator_id in &ids {
                if q != 0 && !rng.gen_bool(0.7) {
                    continue;
                }
                let stake = match rng.gen_range(0..10) {
                    0 => 0,
                    1 => rng.gen_range(1u128..1 << 96),
                    _ => rng.gen_range(1u128..1_000_000),
                };
                members.push(OperatorStake { operator_id, stake });
            }
            // Keep the quorum usable: nonempty with positive total stake.
            if members.is_empty() {
                members.push(OperatorStake {
                    operator_id: ids[0],
                    stake: 1,
                });
            }
            if members.iter().all(|m| m.stake == 0) {
                members[0].stake = 1;
            }
            QuorumOperators::new(q, members).expect("distinct ids")
        })
        .collect()
}

fn distinct_chunks<'a>(
    assignments: &Assignments,
    ops: impl IntoIterator<Item = &'a OperatorId>,
) -> usize {
    let mut all = BTreeSet::new();
    for op in ops {
        if let Some(a) = assignments.get(op) {
            all.extend(a.indices.iter().copied());
        }
    }
    all.len()
}

/// Checks every property on one distribution.
fn check_properties(params: &BlobParams, quorums: &[QuorumOperators], rng: &mut ChaCha20Rng) {
    let a = assign_blob(params, quorums).expect("valid input assigns");
    let cap = chunks_to_reconstruct(params) as usize;
    let need = cap;
    for (op, ca) in &a {
        assert!(
            ca.len() <= cap,
            "operator {op} has {} chunks, cap {cap}",
            ca.len()
        );
        let set: BTreeSet<u32> = ca.indices.iter().copied().collect();
        assert_eq!(set.len(), ca.len(), "operator {op} has duplicate indices");
        assert!(
            ca.indices.iter().all(|&i| i < params.num_chunks),
            "index out of range"
        );
    }
    for q in quorums {
        // Naive twin of the per-operator count: plain u128 ceil-division (stakes < 2^96).
        let single = assign_quorum(params, q).expect("valid quorum");
        let effective = u128::from(params.num_chunks - params.max_num_operators);
        for s in q.iter() {
            let naive = (effective * s.stake).div_ceil(q.total_stake());
            assert_eq!(single[&s.operator_id].len() as u128, naive);
        }
        // Subsets reaching the reconstruction threshold: smallest-first, largest-first, random.
        let mut members: Vec<OperatorStake> = q.iter().collect();
        let mut orders = Vec::new();
        members.sort_by_key(|m| m.stake);
        orders.push(members.clone());
        members.reverse();
        orders.push(members.clone());
        for _ in 0..4 {
            members.shuffle(rng);
            orders.push(members.clone());
        }
        for order in orders {
            let mut held = 0u128;
            let mut chosen = Vec::new();
            for m in order {
                if meets_reconstruction_threshold(params, held, q.total_stake()) {
                    break;
                }
                held += m.stake;
                chosen.push(m.operator_id);
            }
            assert!(meets_reconstruction_threshold(
                params,
                held,
                q.total_stake()
            ));
            let got = distinct_chunks(&a, &chosen);
            assert!(
                got >= need,
                "quorum {}: {} operators with {held}/{} stake hold {got} < {need} chunks",
                q.quorum(),
                chosen.len(),
                q.total_stake()
            );
        }
    }
}

#[test]
fn properties_on_v0_and_small_params() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x1a31a);
    let small = BlobParams {
        num_chunks: 1024,
        coding_rate: 4,
        max_num_operators: 200,
    };
    for round in 0..40 {
        let n = if round < 4 {
            [1, 2, 199, 200][round]
        } else {
            rng.gen_range(1..=200)
        };
        let quorums = rng.gen_range(1..=3);
        let dist = random_quorums(&mut rng, n, quorums);
        check_properties(&BlobParams::V0, &dist, &mut rng);
        check_properties(&small, &dist, &mut rng);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn deterministic_whatever_the_input_order(seed in any::<u64>(), n in 1usize..=200, quorums in 1u8..=3) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let dist = random_quorums(&mut rng, n, quorums);
        let first = assign_blob(&BlobParams::V0, &dist).expect("assigns");
        // Rebuild each quorum from shuffled stake lists and pass quorums in reverse.
        let mut shuffled: Vec<QuorumOperators> = dist
            .iter()
            .map(|q| {
                let mut m: Vec<OperatorStake> = q.iter().collect();
                m.shuffle(&mut rng);
                QuorumOperators::new(q.quorum(), m).expect("same members")
            })
            .collect();
        shuffled.reverse();
        prop_assert_eq!(first, assign_blob(&BlobParams::V0, &shuffled).expect("assigns"));
    }

    #[test]
    fn reconstruction_holds_on_random_stakes(seed in any::<u64>(), n in 1usize..=200, quorums in 1u8..=3) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let dist = random_quorums(&mut rng, n, quorums);
        check_properties(&BlobParams::V0, &dist, &mut rng);
    }
}
