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
    let bits = Fr::MODULUS_BIT_SIZE as usize;
    let c = window_bits(n, bits);
    let digits = digits_of(&scalars, bits, c, |s, out| {
        signed_digits(s.into_bigint().as_ref(), false, c, out);
    });
    let points = Points {
        bases: &bases,
        endomorphism: false,
    };
    assert_eq!(pippenger(&points, &digits, c), naive(&bases, &scalars));
}

#[test]
fn g1_msm_matches_naive() {
    check::<g1::Config>(31);
    check_full_width::<g1::Config>(32);
}

#[test]
fn g2_msm_matches_naive() {
    check::<g2::Config>(33);
    check_full_width::<g2::Config>(34);
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
        for _ in 0..50 {
            let s = Fr::rand(&mut rng);
            let bits = Fr::MODULUS_BIT_SIZE as usize;
            let mut out = vec![0i16; (bits + 1).div_ceil(c)];
            signed_digits(s.into_bigint().as_ref(), false, c, &mut out);
            let half = 1i32 << (c - 1);
            let mut acc = Fr::zero();
            for d in out.iter().rev() {
                assert!(-half < i32::from(*d) && i32::from(*d) <= half, "c = {c}");
                acc *= Fr::from(1u64 << c);
                acc += Fr::from(i64::from(*d));
            }
            assert_eq!(acc, s, "c = {c}");
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
