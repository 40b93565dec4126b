use super::*;
use crate::srs::EIGENDA_SRS_ORDER;
use crate::test_support::fixture_srs_dir;
use ark_ff::{Field, One, UniformRand};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;

/// The fixture as EigenDA would load it (order 2^28: no trailing points).
fn fixture() -> &'static Srs {
    static SRS: OnceLock<Srs> = OnceLock::new();
    SRS.get_or_init(|| Srs::load(fixture_srs_dir(), 3000).expect("fixture loads"))
}

/// The fixture read as the whole setup it is (order 3000): length proofs work.
fn fixture_full() -> &'static Srs {
    static SRS: OnceLock<Srs> = OnceLock::new();
    SRS.get_or_init(|| Srs::load_with_order(fixture_srs_dir(), 256, 3000).expect("loads"))
}

fn dev() -> &'static Srs {
    static SRS: OnceLock<Srs> = OnceLock::new();
    SRS.get_or_init(|| Srs::insecure_development(17, 1024))
}

fn blob(coeffs: Vec<Fr>) -> Blob {
    Blob::from_coeffs(coeffs).expect("power-of-two length")
}

fn random_blob(rng: &mut ChaCha20Rng, len: usize) -> Blob {
    blob((0..len).map(|_| Fr::rand(rng)).collect())
}

/// Naive twins: one scalar multiplication per point, summed.
fn naive_g1(bases: &[G1Affine], coeffs: &[Fr]) -> G1Affine {
    bases
        .iter()
        .zip(coeffs)
        .map(|(b, c)| *b * c)
        .sum::<G1Projective>()
        .into_affine()
}

fn naive_g2(bases: &[G2Affine], coeffs: &[Fr]) -> G2Affine {
    bases
        .iter()
        .zip(coeffs)
        .map(|(b, c)| *b * c)
        .sum::<ark_bn254::G2Projective>()
        .into_affine()
}

#[test]
fn known_answers_with_the_eigenda_fixture() {
    let srs = fixture();
    assert_eq!(
        commit(srs, &blob(vec![Fr::one()])),
        Ok(G1Affine::generator())
    );
    assert_eq!(
        commit(srs, &blob(vec![Fr::zero(), Fr::one()])),
        Ok(srs.g1()[1])
    );
    assert_eq!(
        commit_length(srs, &blob(vec![Fr::one()])),
        Ok(G2Affine::generator())
    );
    assert_eq!(
        commit_length(srs, &blob(vec![Fr::zero(), Fr::one()])),
        Ok(srs.g2()[1])
    );
    assert_eq!(
        commit(srs, &blob(vec![Fr::zero(); 4])),
        Ok(G1Affine::identity())
    );
}

#[test]
fn commitments_equal_the_naive_msm_for_many_sizes() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let srs = fixture();
    for log in 0..=11 {
        let b = random_blob(&mut rng, 1 << log);
        let n = b.len_symbols();
        assert_eq!(
            commit(srs, &b),
            Ok(naive_g1(&srs.g1()[..n], b.coeffs())),
            "G1, {n} symbols"
        );
        if log <= 7 {
            assert_eq!(
                commit_length(srs, &b),
                Ok(naive_g2(&srs.g2()[..n], b.coeffs())),
                "G2, {n} symbols"
            );
        }
    }
    // a payload blob: zero padding is skipped by the fast path, not by the twin
    let payload: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
    let b = Blob::from_payload(&payload).expect("small");
    let n = b.len_symbols();
    assert_eq!(commit(srs, &b), Ok(naive_g1(&srs.g1()[..n], b.coeffs())));
}

#[test]
fn length_proofs_verify_with_the_fixture_as_a_full_setup() {
    let srs = fixture_full();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for log in [0, 1, 4, 8] {
        let b = random_blob(&mut rng, 1 << log);
        let c = commit_blob(srs, &b).expect("fixture has the points");
        // the proof is the MSM with [tau^(3000 - L + i)]G2, read from g2.point
        let start = 3000 - b.len_symbols();
        assert_eq!(
            c.length_proof,
            naive_g2(&fixture().g2()[start..], b.coeffs())
        );
        assert_eq!(verify_length_proof(srs, &c), Ok(()), "length {}", c.length);
    }
}

#[test]
fn length_proofs_verify_with_the_development_srs() {
    let srs = dev();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for log in 0..=10 {
        let b = random_blob(&mut rng, 1 << log);
        let c = commit_blob(srs, &b).expect("dev SRS has the points");
        assert_eq!(c.length, 1 << log);
        assert_eq!(verify_length_proof(srs, &c), Ok(()), "length {}", c.length);
    }
}

#[test]
fn wrong_lengths_proofs_and_commitments_fail() {
    let srs = dev();
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let good = commit_blob(srs, &random_blob(&mut rng, 64)).expect("fits");
    let other = commit_blob(srs, &random_blob(&mut rng, 64)).expect("fits");

    for length in [32, 128, 1] {
        assert_eq!(
            verify_length_proof(srs, &BlobCommitments { length, ..good }),
            Err(KzgError::InvalidLengthProof { length })
        );
    }
    assert_eq!(
        verify_length_proof(srs, &BlobCommitments { length: 48, ..good }),
        Err(KzgError::LengthNotPowerOfTwo { length: 48 })
    );
    assert_eq!(
        verify_length_proof(
            srs,
            &BlobCommitments {
                length_proof: other.length_proof,
                ..good
            }
        ),
        Err(KzgError::InvalidLengthProof { length: 64 })
    );
    assert_eq!(
        verify_length_proof(
            srs,
            &BlobCommitments {
                commitment: other.commitment,
                ..good
            }
        ),
        Err(KzgError::CommitmentMismatch)
    );
    // a proof made for a longer length does not pass for this one
    let short = random_blob(&mut rng, 32);
    let mut padded = short.coeffs().to_vec();
    padded.resize(64, Fr::zero());
    let as_64 = commit_blob(srs, &blob(padded)).expect("fits");
    let as_32 = commit_blob(srs, &short).expect("fits");
    assert_eq!(as_64.commitment, as_32.commitment);
    assert_ne!(as_64.length_proof, as_32.length_proof);
    assert_eq!(
        verify_length_proof(
            srs,
            &BlobCommitments {
                length: 32,
                ..as_64
            }
        ),
        Err(KzgError::InvalidLengthProof { length: 32 })
    );
    // ...but a degree-31 polynomial really has length <= 64 as well
    assert_eq!(verify_length_proof(srs, &as_64), Ok(()));
}

/// Naive twin of the batched check: the two equations, each with its own
/// pairing product, named in `equivalence_first` order.
fn naive_verify(srs: &Srs, c: &BlobCommitments, equivalence_first: bool) -> Result<(), KzgError> {
    let length = c.length;
    if !length.is_power_of_two() {
        return Err(KzgError::LengthNotPowerOfTwo { length });
    }
    let reverse = srs.g1_reverse_power_of_2();
    let Some(r) = reverse.get(length.trailing_zeros() as usize) else {
        return Err(KzgError::MissingReversePower {
            length,
            available: reverse.len(),
        });
    };
    let length_ok = Bn254::pairing(*r, c.length_commitment)
        == Bn254::pairing(G1Affine::generator(), c.length_proof);
    let equivalent = Bn254::pairing(c.commitment, G2Affine::generator())
        == Bn254::pairing(G1Affine::generator(), c.length_commitment);
    let length_err = Err(KzgError::InvalidLengthProof { length });
    let equivalence_err = Err(KzgError::CommitmentMismatch);
    match (equivalence_first, equivalent, length_ok) {
        (_, true, true) => Ok(()),
        (true, false, _) | (false, false, true) => equivalence_err,
        (true, true, false) | (false, _, false) => length_err,
    }
}

/// `[tau^e]G2` and `[tau^e]G1` from the known secret of `dev()` (seed 17).
fn dev_tau() -> Fr {
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    Fr::rand(&mut rng)
}

#[test]
fn batched_verification_equals_the_naive_twin_on_random_and_forged_inputs() {
    let srs = dev();
    let tau = dev_tau();
    assert_eq!(srs.g1()[1], (G1Affine::generator() * tau).into_affine());
    let mut rng = ChaCha20Rng::seed_from_u64(41);
    for log in [0usize, 3, 6] {
        let good = commit_blob(srs, &random_blob(&mut rng, 1 << log)).expect("fits");
        let other = commit_blob(srs, &random_blob(&mut rng, 1 << log)).expect("fits");
        let len = good.length as u64;
        let shift = tau.pow([EIGENDA_SRS_ORDER - len]);
        // A forged pair that satisfies the length equation for a G2 commitment that
        // does not bind C: LC' = LC + d·G2, LP' = [tau^(D-L)]LC'.
        let delta = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let forged_lc = (good.length_commitment + delta).into_affine();
        let forged_lp = (forged_lc * shift).into_affine();
        // And one binding C's polynomial whose proof is for another length.
        let wrong_shift_lp =
            (good.length_commitment * tau.pow([EIGENDA_SRS_ORDER - 2 * len])).into_affine();
        let random_g1 = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let random_g2 = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let cases = [
            good,
            other,
            BlobCommitments {
                commitment: other.commitment,
                ..good
            },
            BlobCommitments {
                length_commitment: other.length_commitment,
                ..good
            },
            BlobCommitments {
                length_proof: other.length_proof,
                ..good
            },
            BlobCommitments {
                length_commitment: other.length_commitment,
                length_proof: other.length_proof,
                ..good
            },
            BlobCommitments {
                length_commitment: forged_lc,
                length_proof: forged_lp,
                ..good
            },
            BlobCommitments {
                length_proof: wrong_shift_lp,
                ..good
            },
            BlobCommitments {
                length: good.length * 2,
                ..good
            },
            BlobCommitments { length: 3, ..good },
            BlobCommitments {
                commitment: G1Affine::identity(),
                ..good
            },
            BlobCommitments {
                length_commitment: G2Affine::identity(),
                ..good
            },
            BlobCommitments {
                length_proof: G2Affine::identity(),
                ..good
            },
            BlobCommitments {
                commitment: G1Affine::identity(),
                length_commitment: G2Affine::identity(),
                length_proof: G2Affine::identity(),
                ..good
            },
            BlobCommitments {
                commitment: random_g1,
                length_commitment: random_g2,
                ..good
            },
        ];
        for (i, c) in cases.iter().enumerate() {
            assert_eq!(
                verify_length_proof(srs, c),
                naive_verify(srs, c, false),
                "length {len} case {i}"
            );
            assert_eq!(
                verify_commitments(srs, c),
                naive_verify(srs, c, true),
                "length {len} case {i}"
            );
        }
        assert_eq!(verify_commitments(srs, &cases[0]), Ok(()));
        assert_eq!(
            verify_commitments(srs, &cases[6]),
            Err(KzgError::CommitmentMismatch)
        );
        assert_eq!(
            verify_commitments(srs, &cases[7]),
            Err(KzgError::InvalidLengthProof {
                length: good.length
            })
        );
        // the zero polynomial: every commitment at infinity, valid for any length
        assert_eq!(verify_commitments(srs, &cases[13]), Ok(()));
    }
}

#[test]
fn a_too_small_srs_says_both_numbers() {
    let srs = fixture();
    let big = blob(vec![Fr::one(); 4096]);
    let err = commit(srs, &big).expect_err("3000 < 4096");
    assert_eq!(
        err,
        KzgError::TooFewG1Points {
            blob_symbols: 4096,
            srs_points: 3000
        }
    );
    assert_eq!(
        err.to_string(),
        "blob has 4096 symbols, SRS has 3000 G1 points"
    );
    assert_eq!(
        commit_length(srs, &big),
        Err(KzgError::TooFewG2Points {
            blob_symbols: 4096,
            srs_points: 3000
        })
    );
    // EigenDA's order 2^28 and no g2.trailing.point: no length proof
    assert_eq!(srs.order(), EIGENDA_SRS_ORDER);
    let small = blob(vec![Fr::one(); 4]);
    assert_eq!(
        length_proof(srs, &small),
        Err(KzgError::TooFewTrailingG2Points {
            blob_symbols: 4,
            srs_points: 0
        })
    );
    let c = BlobCommitments {
        commitment: G1Affine::generator(),
        length_commitment: G2Affine::generator(),
        length_proof: G2Affine::generator(),
        length: 4,
    };
    assert_eq!(
        verify_length_proof(srs, &c),
        Err(KzgError::MissingReversePower {
            length: 4,
            available: 0
        })
    );
    let tiny = Srs::insecure_development(1, 8);
    assert_eq!(
        length_proof(&tiny, &blob(vec![Fr::one(); 16])),
        Err(KzgError::TooFewTrailingG2Points {
            blob_symbols: 16,
            srs_points: 8
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn payload_commitments_match_naive_and_verify(
        payload in proptest::collection::vec(any::<u8>(), 0..4000),
    ) {
        let srs = dev();
        let b = Blob::from_payload(&payload).expect("small");
        let n = b.len_symbols();
        let c = commit_blob(srs, &b).expect("fits");
        prop_assert_eq!(c.commitment, naive_g1(&srs.g1()[..n], b.coeffs()));
        prop_assert_eq!(c.length_commitment, naive_g2(&srs.g2()[..n], b.coeffs()));
        let t = srs.g2_trailing().len();
        prop_assert_eq!(c.length_proof, naive_g2(&srs.g2_trailing()[t - n..], b.coeffs()));
        prop_assert_eq!(verify_length_proof(srs, &c), Ok(()));
    }
}
