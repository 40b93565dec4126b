//! The fast MSM against its naive twin (`sum s_i · P_i` by scalar
//! multiplication), random inputs and the corner cases of batch-affine
//! addition: repeated points (doublings), `P + (−P)`, the identity, zero scalars.

use super::*;
use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective, g1, g2};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{One, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn naive<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    bases.iter().zip(scalars).map(|(b, s)| *b * s).sum()
}

fn random_points<P: SWCurveConfig<ScalarField = Fr>>(
    rng: &mut ChaCha20Rng,
    n: usize,
) -> Vec<Affine<P>> {
    let g = Projective::<P>::generator();
    let points: Vec<Projective<P>> = (0..n).map(|_| g * Fr::rand(rng)).collect();
    Projective::normalize_batch(&points)
}

/// Random bases and scalars, then the same with corner cases planted.
fn check<P: GlvSplit>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for n in [1usize, 5, 63, 64, 65, 200, 1000, 4099] {
        let bases = random_points::<P>(&mut rng, n);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(
            msm(&bases, &scalars),
            naive(&bases, &scalars),
            "random, n = {n}"
        );
    }

    let n = 600;
    let mut bases = random_points::<P>(&mut rng, n);
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // Many copies of one point with one scalar: equal points meet in a bucket (doublings).
    for i in 0..40 {
        bases[i] = bases[0];
        scalars[i] = scalars[0];
    }
    // P and −P with one scalar: their pair sums to the identity.
    for i in 40..60 {
        bases[i] = -bases[40 + (i % 2)];
        bases[i + 20] = bases[40 + (i % 2)];
        scalars[i + 20] = scalars[i];
    }
    // The identity as a base, and zero, one and −1 as scalars.
    bases[100] = Affine::identity();
    scalars[101] = Fr::zero();
    scalars[102] = Fr::one();
    scalars[103] = -Fr::one();
    scalars[104] = P::LAMBDA;
    assert_eq!(
        msm(&bases, &scalars),
        naive(&bases, &scalars),
        "corner cases"
    );

    // All scalars zero, and more scalars than bases.
    assert!(msm(&bases, &vec![Fr::zero(); n]).is_zero());
    let more: Vec<Fr> = (0..n + 7).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(msm(&bases, &more), naive(&bases, &more[..n]));
}

/// The non-GLV path (full-width signed digits), which `msm` takes when a
/// scalar does not split.
fn check_full_width<P: GlvSplit>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let n = 700;
    let bases = random_points::<P>(&mut rng, n);
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    scalars[0] = -Fr::one();
    let c = window_bits(n, Fr::MODULUS_BIT_SIZE as usize);
    let digits = full_width_digits(&scalars, c);
    assert_eq!(pippenger(&bases, digits, c), naive(&bases, &scalars));
}

/// The widest window (16 bits, digits down to `-2^15`), which `msm` picks
/// only for about 2^19 points and more, on a few hundred: GLV halves, and
/// full-width scalars with `-1` among them.
fn check_widest_window<P: GlvSplit>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let n = 300;
    let bases = random_points::<P>(&mut rng, n);
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    scalars[0] = -Fr::one();
    let c = MAX_WINDOW_BITS;
    let halves = split_scalars::<P>(&scalars).expect("BN254 scalars split");
    let points = with_endomorphism(&bases);
    assert_eq!(
        pippenger(&points, glv_digits(&halves, c), c),
        naive(&bases, &scalars)
    );
    assert_eq!(
        pippenger(&bases, full_width_digits(&scalars, c), c),
        naive(&bases, &scalars)
    );
}

#[test]
fn g1_msm_matches_naive() {
    check::<g1::Config>(31);
    check_full_width::<g1::Config>(32);
    check_widest_window::<g1::Config>(37);
}

#[test]
fn g2_msm_matches_naive() {
    check::<g2::Config>(33);
    check_full_width::<g2::Config>(34);
    check_widest_window::<g2::Config>(38);
}

#[test]
fn matches_arkworks_msm() {
    use ark_ec::VariableBaseMSM;
    let mut rng = ChaCha20Rng::seed_from_u64(35);
    let n = 3000;
    let b1: Vec<G1Affine> = random_points::<g1::Config>(&mut rng, n);
    let b2: Vec<G2Affine> = random_points::<g2::Config>(&mut rng, n);
    let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(msm(&b1, &s), G1Projective::msm_unchecked(&b1, &s));
    assert_eq!(msm(&b2, &s), G2Projective::msm_unchecked(&b2, &s));
}

#[test]
fn signed_digits_recompose() {
    let mut rng = ChaCha20Rng::seed_from_u64(36);
    for c in 2..=MAX_WINDOW_BITS {
        let mut scalars: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        // All-ones windows carry into the next one at every width.
        scalars.push(Fr::from(u128::MAX));
        for s in scalars {
            for negative in [false, true] {
                let bits = Fr::MODULUS_BIT_SIZE as usize;
                let mut out = vec![0i16; (bits + 1).div_ceil(c)];
                signed_digits(s.into_bigint().as_ref(), negative, c, &mut out);
                let half = 1i32 << (c - 1);
                let mut acc = Fr::zero();
                for d in out.iter().rev() {
                    assert!(-half <= i32::from(*d) && i32::from(*d) < half, "c = {c}");
                    acc *= Fr::from(1u64 << c);
                    acc += Fr::from(i64::from(*d));
                }
                assert_eq!(acc, if negative { -s } else { s }, "c = {c}");
            }
        }
    }
}

#[test]
fn g1_generator_multiples() {
    // A known answer: sum_i i·G = (n(n-1)/2)·G.
    let n = 500u64;
    let bases = vec![G1Affine::generator(); n as usize];
    let scalars: Vec<Fr> = (0..n).map(Fr::from).collect();
    assert_eq!(
        msm(&bases, &scalars),
        G1Projective::generator() * Fr::from(n * (n - 1) / 2)
    );
}

/// `msm_rows` and `FixedBases::msm_rows` against one naive MSM per row: row lengths from 1 to beyond
/// one group, and rows holding the corner cases (a row of one repeated point
/// and scalar, `P` and `−P` under one scalar, the identity, zero, ±1, λ).
fn check_rows<P: GlvSplit>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for (row_len, rows) in [(1usize, 70usize), (3, 9), (8, 300), (64, 9), (512, 3)] {
        let len = row_len * rows;
        let mut bases = random_points::<P>(&mut rng, len);
        let mut scalars: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        if row_len >= 3 {
            // Row 0: one point and scalar repeated (doublings in every bucket list).
            for t in 0..row_len {
                bases[t] = bases[0];
                scalars[t] = scalars[0];
            }
            // Row 1: P, −P, P, −P, ... under one scalar.
            for t in 0..row_len {
                let p = bases[row_len];
                bases[row_len + t] = if t % 2 == 0 { p } else { -p };
                scalars[row_len + t] = scalars[row_len];
            }
            // Last row: the identity, zero, one, −1 and λ.
            let last = len - row_len;
            bases[last] = Affine::identity();
            scalars[last + 1] = Fr::zero();
            scalars[last + (2 % row_len)] = Fr::one();
            scalars[last + (3 % row_len)] = -Fr::one();
            scalars[last + (4 % row_len)] = P::LAMBDA;
        }
        let want: Vec<Projective<P>> = bases
            .chunks(row_len)
            .zip(scalars.chunks(row_len))
            .map(|(b, s)| naive(b, s))
            .collect();
        let got = msm_rows(&bases, &scalars, row_len).expect("BN254 scalars split");
        assert_eq!(got, want, "rows of {row_len}");
        let fixed = FixedBases::new(&bases, row_len);
        let got = fixed.msm_rows(&scalars).expect("BN254 scalars split");
        assert_eq!(got, want, "rows of {row_len}, fixed bases");
    }
}

#[test]
fn g1_rows_match_naive() {
    check_rows::<g1::Config>(37);
}

#[test]
fn g2_rows_match_naive() {
    check_rows::<g2::Config>(38);
}

#[test]
fn batch_invert_inverts_nonzero_and_keeps_zero() {
    use ark_bn254::Fq;
    let mut rng = ChaCha20Rng::seed_from_u64(39);
    let mut scratch = Vec::new();
    for n in [0usize, 1, 2, 7, 300] {
        let mut values: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        if n > 2 {
            values[0] = Fq::zero();
            values[n / 2] = Fq::zero();
            values[n - 1] = Fq::one();
        }
        let want: Vec<Fq> = values
            .iter()
            .map(|v| v.inverse().unwrap_or_else(Fq::zero))
            .collect();
        batch_invert(&mut values, &mut scratch);
        assert_eq!(values, want, "n = {n}");
    }
}

/// The batched additions one operation at a time (what runs where the CPU
/// has no AVX-512 IFMA) and through the dispatch (the vector kernels where
/// it has), both against arkworks' projective sums.
fn check_affine_batches<P: GlvSplit>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for n in [0usize, 1, 7, 8, 9, 300] {
        let lhs = random_points::<P>(&mut rng, n);
        let rhs = random_points::<P>(&mut rng, n);
        let sums: Vec<Affine<P>> = lhs
            .iter()
            .zip(&rhs)
            .map(|(a, b)| (*a + *b).into_affine())
            .collect();
        let doubled: Vec<Affine<P>> = lhs.iter().map(|a| (*a + *a).into_affine()).collect();

        let mut scalar = lhs.clone();
        affine_batch::add_distinct_scalar(&mut scalar, &rhs);
        assert_eq!(scalar, sums, "scalar sums, n = {n}");
        let mut dispatched = lhs.clone();
        add_distinct(&mut dispatched, &rhs);
        assert_eq!(dispatched, sums, "dispatched sums, n = {n}");

        // The same sums in place: lhs then rhs in one slice, pair k is (k, n + k).
        let pairs: Vec<(u32, u32)> = (0..n as u32).map(|k| (k, n as u32 + k)).collect();
        let joined: Vec<Affine<P>> = lhs.iter().chain(&rhs).copied().collect();
        let mut scalar = joined.clone();
        affine_batch::add_in_place_scalar(&mut scalar, &pairs);
        assert_eq!(scalar[..n], sums[..], "scalar sums in place, n = {n}");
        assert_eq!(
            scalar[n..],
            rhs[..],
            "scalar sums in place leave the addends, n = {n}"
        );
        let mut dispatched = joined.clone();
        add_in_place(&mut dispatched, &pairs);
        assert_eq!(dispatched, scalar, "dispatched sums in place, n = {n}");

        // The same sums gathered from `joined`, written in reverse order.
        let to: Vec<u32> = (0..n as u32).rev().collect();
        let reversed: Vec<Affine<P>> = sums.iter().rev().copied().collect();
        let mut scalar = vec![Affine::identity(); n];
        affine_batch::add_gathered_scalar(&joined, &pairs, &to, &mut scalar);
        assert_eq!(scalar, reversed, "scalar gathered sums, n = {n}");
        let mut dispatched = vec![Affine::identity(); n];
        add_gathered(&joined, &pairs, &to, &mut dispatched);
        assert_eq!(dispatched, reversed, "dispatched gathered sums, n = {n}");

        // Operands negated by NEGATED; pairs with equal x (P + P, Q + Q
        // through −(−Q)) left out and named.
        if let [p, q, r, t, ..] = lhs[..] {
            let src = [r, p, p, q, -q, t];
            let pairs = [(0, 5 | NEGATED), (1, 2), (3, 4 | NEGATED)];
            let mut expected = vec![Affine::identity(); 3];
            expected[2] = (r - t).into_affine();
            let mut scalar = vec![Affine::identity(); 3];
            let equal_x = affine_batch::add_gathered_scalar(&src, &pairs, &[2, 0, 1], &mut scalar);
            assert_eq!((scalar, equal_x), (expected.clone(), vec![1, 2]));
            let mut dispatched = vec![Affine::identity(); 3];
            let equal_x = add_gathered(&src, &pairs, &[2, 0, 1], &mut dispatched);
            assert_eq!((dispatched, equal_x), (expected, vec![1, 2]));
        }

        let mut scalar = lhs.clone();
        affine_batch::double_all_scalar(&mut scalar);
        assert_eq!(scalar, doubled, "scalar doublings, n = {n}");
        let mut dispatched = lhs.clone();
        affine_batch::double_all(&mut dispatched);
        assert_eq!(dispatched, doubled, "dispatched doublings, n = {n}");
    }
}

#[test]
fn g1_affine_batches_match_arkworks() {
    check_affine_batches::<g1::Config>(40);
}

#[test]
fn g2_affine_batches_match_arkworks() {
    check_affine_batches::<g2::Config>(41);
}
