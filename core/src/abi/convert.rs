//! The one place where arkworks BN254 points meet their ABI words.
//!
//! G1 is `(X, Y)`; G2 stores each `Fq2` coordinate `c0 + c1·i` as `[c1, c0]`
//! (EIP-197 order, `BN254.G2Point`'s "X[1] * i + X[0]" with X[1] first in the
//! precompile's input). The point at infinity is all-zero words, as the
//! precompiles and `BN254.sol` represent it.

use alloy_primitives::U256;
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};

use super::{G1Point, G2Point};
use crate::error::PointError;

/// A base-field element as a 256-bit word.
pub fn fp_to_u256(x: &Fq) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A 256-bit word as a base-field element, rejecting words `>= p`.
pub fn fp_from_u256(value: U256) -> Result<Fq, PointError> {
    Fq::from_bigint(BigInt::new(value.into_limbs()))
        .ok_or(PointError::CoordinateOutOfRange { value })
}

/// A scalar as a 256-bit word.
pub fn fr_to_u256(x: &Fr) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A 256-bit word as a scalar, rejecting words `>= r`.
pub fn fr_from_u256(value: U256) -> Result<Fr, PointError> {
    Fr::from_bigint(BigInt::new(value.into_limbs())).ok_or(PointError::ScalarOutOfRange { value })
}

/// A G1 point in ABI form; infinity becomes `(0, 0)`.
pub fn g1_to_abi(p: &G1Affine) -> G1Point {
    match p.xy() {
        Some((x, y)) => G1Point {
            X: fp_to_u256(&x),
            Y: fp_to_u256(&y),
        },
        None => G1Point {
            X: U256::ZERO,
            Y: U256::ZERO,
        },
    }
}

/// A G1 point from ABI form: `(0, 0)` is infinity, anything else must be on the curve
/// (G1 has cofactor 1, so on the curve means in the group).
pub fn g1_from_abi(p: &G1Point) -> Result<G1Affine, PointError> {
    if p.X.is_zero() && p.Y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(fp_from_u256(p.X)?, fp_from_u256(p.Y)?);
    if !point.is_on_curve() {
        return Err(PointError::G1NotOnCurve { x: p.X, y: p.Y });
    }
    Ok(point)
}

/// A G2 point in ABI form (`[c1, c0]` per coordinate); infinity becomes all zeros.
pub fn g2_to_abi(p: &G2Affine) -> G2Point {
    match p.xy() {
        Some((x, y)) => G2Point {
            X: [fp_to_u256(&x.c1), fp_to_u256(&x.c0)],
            Y: [fp_to_u256(&y.c1), fp_to_u256(&y.c0)],
        },
        None => G2Point {
            X: [U256::ZERO; 2],
            Y: [U256::ZERO; 2],
        },
    }
}

/// A G2 point from ABI form: all zeros is infinity, anything else must be on the
/// twist and in the order-r subgroup (the twist has a large cofactor).
pub fn g2_from_abi(p: &G2Point) -> Result<G2Affine, PointError> {
    if p.X.iter().chain(p.Y.iter()).all(|w| w.is_zero()) {
        return Ok(G2Affine::zero());
    }
    let x = Fq2::new(fp_from_u256(p.X[1])?, fp_from_u256(p.X[0])?);
    let y = Fq2::new(fp_from_u256(p.Y[1])?, fp_from_u256(p.Y[0])?);
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PointError::G2NotOnCurve {
            x_c0: p.X[1],
            x_c1: p.X[0],
        });
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointError::G2NotInSubgroup {
            x_c0: p.X[1],
            x_c1: p.X[0],
        });
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// `BN254.generatorG2()` words, copied from eigenlayer-middleware's BN254.sol.
    const G2X1: &str =
        "11559732032986387107991004021392285783925812861821192530917403151452391805634";
    const G2X0: &str =
        "10857046999023057135944570762232829481370756359578518086990519993285655852781";
    const G2Y1: &str =
        "4082367875863433681332203403145435568316851327593401208105741076214120093531";
    const G2Y0: &str =
        "8495653923123431417604973247489272438418190587263600148770280649306958101930";

    #[test]
    fn g2_generator_matches_bn254_sol_word_order() {
        let abi = g2_to_abi(&G2Affine::generator());
        let word = |s: &str| s.parse::<U256>().expect("constant parses");
        assert_eq!(abi.X, [word(G2X1), word(G2X0)]);
        assert_eq!(abi.Y, [word(G2Y1), word(G2Y0)]);
    }

    #[test]
    fn g1_generator_is_one_two() {
        let abi = g1_to_abi(&G1Affine::generator());
        assert_eq!((abi.X, abi.Y), (U256::from(1), U256::from(2)));
    }

    #[test]
    fn points_round_trip_and_infinity_is_zero() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for _ in 0..8 {
            let p = ark_bn254::G1Projective::rand(&mut rng).into_affine();
            let q = ark_bn254::G2Projective::rand(&mut rng).into_affine();
            assert_eq!(g1_from_abi(&g1_to_abi(&p)), Ok(p));
            assert_eq!(g2_from_abi(&g2_to_abi(&q)), Ok(q));
        }
        assert_eq!(g1_to_abi(&G1Affine::zero()), G1Point::default());
        assert_eq!(g1_from_abi(&G1Point::default()), Ok(G1Affine::zero()));
        assert_eq!(g2_from_abi(&G2Point::default()), Ok(G2Affine::zero()));
    }

    #[test]
    fn invalid_points_are_rejected() {
        let off = G1Point {
            X: U256::from(1),
            Y: U256::from(3),
        };
        assert!(matches!(
            g1_from_abi(&off),
            Err(PointError::G1NotOnCurve { .. })
        ));
        let big = G1Point {
            X: U256::MAX,
            Y: U256::from(2),
        };
        assert!(matches!(
            g1_from_abi(&big),
            Err(PointError::CoordinateOutOfRange { .. })
        ));
        // Swapping c0/c1 of the generator's coordinates lands off the twist.
        let mut swapped = g2_to_abi(&G2Affine::generator());
        swapped.X.swap(0, 1);
        swapped.Y.swap(0, 1);
        assert!(matches!(
            g2_from_abi(&swapped),
            Err(PointError::G2NotOnCurve { .. })
        ));
    }

    #[test]
    fn g2_outside_subgroup_is_rejected() {
        // A twist point that is not r-torsion: take x = 1 + i upward until y^2 = x^3 + b' has a root.
        use ark_ec::short_weierstrass::SWCurveConfig;
        use ark_ff::Field;
        let b = <ark_bn254::g2::Config as SWCurveConfig>::COEFF_B;
        let mut x = Fq2::new(Fq::from(1u64), Fq::from(1u64));
        let point = loop {
            if let Some(y) = (x.square() * x + b).sqrt() {
                break G2Affine::new_unchecked(x, y);
            }
            x += Fq2::ONE;
        };
        assert!(point.is_on_curve() && !point.is_in_correct_subgroup_assuming_on_curve());
        assert!(matches!(
            g2_from_abi(&g2_to_abi(&point)),
            Err(PointError::G2NotInSubgroup { .. })
        ));
    }
}
