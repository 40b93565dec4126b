//! Structured reference string (powers of a secret tau in G1 and G2).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{PrimeGroup, scalar_mul::ScalarMul};
use ark_ff::{Field, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Powers of a secret `tau` in G1 and G2.
///
/// `g1[i] = [tau^i]G1`. `g2` holds leading powers `[tau^i]G2` (possibly fewer
/// than `g1`, possibly none), `g2_power_of_2[i] = [tau^(2^i)]G2` (what frame
/// verification needs), and `g2_trailing` the last powers
/// `[tau^(order - t + i)]G2` of the full setup (what length proofs need).
#[derive(Clone, Debug)]
pub struct Srs {
    g1: Vec<G1Affine>,
    g2: Vec<G2Affine>,
    g2_power_of_2: Vec<G2Affine>,
    g2_trailing: Vec<G2Affine>,
    order: u64,
    insecure: bool,
}

impl Srs {
    /// Generates an INSECURE development SRS whose secret is derived from `seed`.
    ///
    /// Anyone who knows the seed can forge proofs. `g1` and `g2` get `num_points`
    /// powers each, and the SRS order is `num_points`, so `g2` doubles as the
    /// trailing points that length proofs need.
    pub fn insecure_development(seed: u64, num_points: usize) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let tau = Fr::rand(&mut rng);
        let mut powers = Vec::with_capacity(num_points);
        // invariant: cur = tau^i
        let mut cur = Fr::ONE;
        for _ in 0..num_points {
            powers.push(cur);
            cur *= tau;
        }
        let g1 = G1Projective::generator().batch_mul(&powers);
        let g2 = G2Projective::generator().batch_mul(&powers);
        let mut pow2 = Vec::new();
        let mut t = tau;
        // invariant: t = tau^(2^i)
        for _ in 0..32 {
            pow2.push(t);
            t.square_in_place();
        }
        let g2_power_of_2 = G2Projective::generator().batch_mul(&pow2);
        Self {
            g1,
            g2_trailing: g2.clone(),
            g2,
            g2_power_of_2,
            order: num_points as u64,
            insecure: true,
        }
    }

    /// `[tau^i]G1` for `i = 0..len`.
    pub fn g1(&self) -> &[G1Affine] {
        &self.g1
    }

    /// Leading powers `[tau^i]G2` for `i = 0..len` (may be empty).
    pub fn g2(&self) -> &[G2Affine] {
        &self.g2
    }

    /// `[tau^(2^i)]G2`, for `i = 0..len`.
    pub fn g2_power_of_2(&self) -> &[G2Affine] {
        &self.g2_power_of_2
    }

    /// The last powers of the full setup: `[tau^(order - len + i)]G2`.
    pub fn g2_trailing(&self) -> &[G2Affine] {
        &self.g2_trailing
    }

    /// The order `D` of the full setup the points were cut from.
    pub fn order(&self) -> u64 {
        self.order
    }

    /// Whether this SRS was generated from a known seed (never for production).
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }
}
