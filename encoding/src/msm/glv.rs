//! GLV scalar splitting for BN254's G1 and G2: `k = k1 + λ·k2 (mod r)` with
//! `|k1|, |k2| < 2^128`, so an MSM of `n` full-width scalars becomes one of
//! `2n` half-width scalars over the points and their images under the
//! endomorphism `φ(P) = λP` (one field multiplication of `x`).
//!
//! arkworks' `GLVConfig::scalar_decomposition` does the same with heap
//! big integers and two divisions per scalar (microseconds); here Babai's
//! rounding `β = round(k·n / r)` is `(k · g) >> 256` with `g = round(2^256·n/r)`
//! precomputed, and the rest is four multiplications in `Fr`. An error of one
//! in a rounded `β` only moves `(k1, k2)` by one lattice vector (still exact:
//! `k1 + λ·k2 = k` holds for any `β`), and keeps both halves below 2^128.

use ark_bn254::{Fr, g1, g2};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::{BigInt, PrimeField};

use lamina_bn254_ifma::IfmaCurve;

use super::FastInverse;

/// A curve of BN254 whose scalars split with GLV; its base field inverts
/// with safegcd ([`FastInverse`]) in the batched affine additions.
pub trait GlvSplit: GLVConfig<ScalarField = Fr, BaseField: FastInverse> + IfmaCurve {
    /// `round(2^256 · n22 / r)` and `round(2^256 · (−n12) / r)` for the
    /// curve's `SCALAR_DECOMP_COEFFS = [n11, n12, n21, n22]`, each as
    /// `(negative, |value| in little-endian limbs)`.
    const BABAI: [(bool, [u64; 3]); 2];
}

impl GlvSplit for g1::Config {
    const BABAI: [(bool, [u64; 3]); 2] = [
        (true, [0x5398_fd03_00ff_6565, 0x4cce_f014_a773_d2d2, 0x2]),
        (true, [0xd91d_232e_c7e0_b3d7, 0x2, 0x0]),
    ];
}

impl GlvSplit for g2::Config {
    const BABAI: [(bool, [u64; 3]); 2] = [
        (true, [0x7a7b_d9d4_391e_b18e, 0x4cce_f014_a773_d2cf, 0x2]),
        (false, [0xd91d_232e_c7e0_b3d7, 0x2, 0x0]),
    ];
}

/// A half of a split scalar: `(negative, magnitude)`.
pub(crate) type Half = (bool, u128);

/// Splits scalars for the curve `P`; holds the lattice basis in `Fr`.
pub(crate) struct Splitter {
    /// `[n11, n12, n21, n22]` as field elements (signs applied).
    basis: [Fr; 4],
    babai: [(bool, [u64; 3]); 2],
}

impl Splitter {
    /// The splitter of curve `P`.
    pub(crate) fn new<P: GlvSplit>() -> Self {
        let basis = P::SCALAR_DECOMP_COEFFS.map(|(positive, magnitude)| {
            let value = Fr::from_bigint(magnitude).unwrap_or_default();
            if positive { value } else { -value }
        });
        Self {
            basis,
            babai: P::BABAI,
        }
    }

    /// `(k1, k2)` with `k = k1 + λ·k2 (mod r)`, or `None` if a half does not
    /// fit 128 bits (never, for BN254's reduced basis; the caller then runs
    /// without GLV rather than trusting the bound).
    pub(crate) fn split(&self, k: &Fr) -> Option<(Half, Half)> {
        let limbs = k.into_bigint().0;
        let [n11, n12, n21, n22] = self.basis;
        let beta = self
            .babai
            .map(|(negative, g)| signed(negative, mul_shift_256(&limbs, &g)));
        let b1 = beta[0] * n11 + beta[1] * n21;
        let b2 = beta[0] * n12 + beta[1] * n22;
        Some((small(*k - b1)?, small(-b2)?))
    }
}

/// `round(k · g / 2^256)` for `k < 2^256`, `g < 2^192`; the result is below
/// 2^128 for the constants above (`g < 2^130`, `k < 2^254`).
fn mul_shift_256(k: &[u64; 4], g: &[u64; 3]) -> u128 {
    let mut product = [0u64; 7];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = u128::from(product[i + j]) + u128::from(ki) * u128::from(gj) + carry;
            product[i + j] = t as u64;
            carry = t >> 64;
        }
        product[i + 3] = carry as u64;
    }
    let floor = u128::from(product[4]) | (u128::from(product[5]) << 64);
    floor.wrapping_add(u128::from(product[3] >> 63))
}

fn signed(negative: bool, magnitude: u128) -> Fr {
    let value = Fr::from(magnitude);
    if negative { -value } else { value }
}

/// `f` as a signed integer of magnitude below 2^128, if it is one.
fn small(f: Fr) -> Option<Half> {
    let fits = |b: BigInt<4>| {
        (b.0[2] == 0 && b.0[3] == 0).then(|| u128::from(b.0[0]) | (u128::from(b.0[1]) << 64))
    };
    fits(f.into_bigint())
        .map(|m| (false, m))
        .or_else(|| fits((-f).into_bigint()).map(|m| (true, m)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn value((negative, magnitude): Half) -> Fr {
        signed(negative, magnitude)
    }

    fn check<P: GlvSplit>() {
        let splitter = Splitter::new::<P>();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut scalars: Vec<Fr> = (0..2000).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            P::LAMBDA,
            -P::LAMBDA,
            Fr::from(u128::MAX),
            -Fr::from(u128::MAX),
        ]);
        for k in scalars {
            let (k1, k2) = splitter.split(&k).expect("BN254 halves fit 128 bits");
            assert_eq!(value(k1) + P::LAMBDA * value(k2), k, "k = {k}");
            // The reduced basis gives halves of about 127 bits.
            assert!(k1.1 < (1u128 << 127) + (1u128 << 126), "k1 of {k}");
            assert!(k2.1 < (1u128 << 127) + (1u128 << 126), "k2 of {k}");
        }
    }

    #[test]
    fn g1_split_is_exact_and_short() {
        check::<g1::Config>();
    }

    #[test]
    fn g2_split_is_exact_and_short() {
        check::<g2::Config>();
    }
}
