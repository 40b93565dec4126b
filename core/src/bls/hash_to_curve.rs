//! `BN254.hashToG1` of eigenlayer-middleware: try-and-increment.
//!
//! The input is already a digest: `x = uint256(digest) mod p` (no further
//! hashing). While `β = x³ + 3` is not a square, `x = x + 1 mod p`. The root taken
//! is `y = β^((p+1)/4)` — the precompile exponent, valid since `p ≡ 3 (mod 4)` —
//! whatever its parity; the contract then checks `y² = β`. eigensdk-go's
//! `MapToCurve` agrees (Go's `ModSqrt` uses the same exponent for such `p`).
//!
//! Consequence: `hash_to_g1(0)` is `(1, 2)`, the G1 generator: `x = 0` gives
//! `β = 3`, a non-residue mod p, and `x = 1` gives `β = 4` with
//! `4^((p+1)/4) = 2` (2 is a residue since `p ≡ 7 mod 8`).

use alloy_primitives::{B256, U256, uint};
use ark_bn254::{Fq, G1Affine};
use ark_ff::{BigInt, Field, One, PrimeField};

/// `(p + 1) / 4`, the exponent `BN254.findYFromX` passes to the modexp precompile.
pub const SQRT_EXPONENT: U256 =
    uint!(0x0c19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52_U256);

/// Maps a 32-byte digest to G1 exactly as `BN254.hashToG1(bytes32)` does.
pub fn hash_to_g1(digest: B256) -> G1Affine {
    let exponent = BigInt::<4>::new(SQRT_EXPONENT.into_limbs());
    let three = Fq::from(3u64);
    let mut x = Fq::from_be_bytes_mod_order(digest.as_slice());
    loop {
        let beta = x.square() * x + three;
        let y = beta.pow(exponent);
        if y.square() == beta {
            // y² = x³ + 3 holds, so the point is on the curve (and G1 has cofactor 1).
            return G1Affine::new_unchecked(x, y);
        }
        x += Fq::one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{fp_to_u256, g1_to_abi};
    use ark_ec::AffineRepr;
    use ark_ff::PrimeField;
    use proptest::prelude::*;

    fn modulus() -> U256 {
        U256::from_limbs(Fq::MODULUS.0)
    }

    /// Naive twin on plain 256-bit integers, the contract's arithmetic step by step
    /// (`mulmod`, `addmod`, `expMod`).
    fn naive_hash_to_g1(digest: B256) -> (U256, U256) {
        let p = modulus();
        let mut x = U256::from_be_bytes(digest.0).reduce_mod(p);
        loop {
            let beta = x.mul_mod(x, p).mul_mod(x, p).add_mod(U256::from(3), p);
            let y = beta.pow_mod(SQRT_EXPONENT, p);
            if beta == y.mul_mod(y, p) {
                return (x, y);
            }
            x = x.add_mod(U256::from(1), p);
        }
    }

    #[test]
    fn exponent_is_p_plus_one_over_four() {
        assert_eq!(SQRT_EXPONENT, (modulus() + U256::from(1)) >> 2);
    }

    #[test]
    fn zero_maps_to_the_generator() {
        // The known answer: hashToG1(0x00..00) = (1, 2).
        let p = hash_to_g1(B256::ZERO);
        assert_eq!(p, G1Affine::generator());
        let abi = g1_to_abi(&p);
        assert_eq!((abi.X, abi.Y), (U256::from(1), U256::from(2)));
        // Because 3 is not a square mod p: the first candidate x = 0 fails.
        let three = Fq::from(3u64);
        assert!(three.sqrt().is_none());
    }

    #[test]
    fn digest_above_p_is_reduced_first() {
        // uint256(digest) % p: a digest of p + 1 behaves like 1 -> (1, 2).
        let digest = B256::from(modulus() + U256::from(1));
        assert_eq!(hash_to_g1(digest), G1Affine::generator());
        let max = B256::repeat_byte(0xff);
        let (x, y) = naive_hash_to_g1(max);
        let got = hash_to_g1(max);
        let (gx, gy) = got.xy().expect("finite");
        assert_eq!((fp_to_u256(&gx), fp_to_u256(&gy)), (x, y));
    }

    proptest! {
        #[test]
        fn matches_naive_twin(bytes in any::<[u8; 32]>()) {
            let digest = B256::from(bytes);
            let got = hash_to_g1(digest);
            prop_assert!(got.is_on_curve());
            let (x, y) = naive_hash_to_g1(digest);
            let (gx, gy) = got.xy().expect("finite");
            prop_assert_eq!((fp_to_u256(&gx), fp_to_u256(&gy)), (x, y));
        }
    }
}
