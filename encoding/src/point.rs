//! BN254 points and scalars in EigenDA's byte format.
//!
//! EigenDA stores and transmits points in gnark-crypto's compressed form:
//! big-endian coordinates, with two flag bits in the most significant bits
//! of the first byte (BN254's base field is 254 bits wide, so the top two
//! bits of a canonical coordinate are always free):
//!
//! | flags  | meaning                                              |
//! |--------|------------------------------------------------------|
//! | `0b10` | `y` is the lexicographically smaller root            |
//! | `0b11` | `y` is the lexicographically larger root             |
//! | `0b01` | point at infinity (every other bit zero)             |
//! | `0b00` | uncompressed form: not valid in a 32/64-byte encoding |
//!
//! G1 is 32 bytes (`x`). G2 is 64 bytes, `x = x0 + x1·u` written as `x1`
//! (carrying the flags) then `x0`. An `Fp2` element `y` is "larger" when its
//! `u`-part `y1` is larger than `(p-1)/2`, or, if `y1 = 0`, when `y0` is.
//!
//! Scalars (blob symbols) are 32-byte big-endian integers below `r`.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField, Zero};

/// Bytes of a compressed G1 point.
pub const G1_COMPRESSED_BYTES: usize = 32;
/// Bytes of a compressed G2 point.
pub const G2_COMPRESSED_BYTES: usize = 64;
/// Bytes of a scalar (one blob symbol).
pub const FR_BYTES: usize = 32;

const FLAG_MASK: u8 = 0b1100_0000;
const FLAG_SMALLER: u8 = 0b1000_0000;
const FLAG_LARGER: u8 = 0b1100_0000;
const FLAG_INFINITY: u8 = 0b0100_0000;

/// Why bytes are not a valid compressed point or scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// The two flag bits are `0b00`, the marker of gnark's uncompressed form.
    #[error(
        "flag bits 0b00 (uncompressed form) are not valid in a compressed point (first byte {first_byte:#04x})"
    )]
    UncompressedFlag {
        /// The first byte of the encoding.
        first_byte: u8,
    },
    /// The infinity flag is set but other bits are not zero.
    #[error("point at infinity must have all other bits zero")]
    NonZeroInfinity,
    /// A coordinate is not below the base field modulus `p`.
    #[error("coordinate is not canonical (not below the base field modulus)")]
    NonCanonicalCoordinate,
    /// No point on the curve has this `x`.
    #[error("x is not the coordinate of a point on the curve")]
    NotOnCurve,
    /// The point is on the curve but not in the prime-order subgroup.
    #[error("point is not in the prime-order subgroup")]
    NotInSubgroup,
    /// A scalar is not below the scalar field modulus `r`.
    #[error("scalar is not below the BN254 scalar field modulus r")]
    ScalarOutOfRange,
}

/// Encodes a G1 point in EigenDA's 32-byte compressed form.
pub fn g1_to_bytes(point: &G1Affine) -> [u8; G1_COMPRESSED_BYTES] {
    let mut out = [0u8; G1_COMPRESSED_BYTES];
    let Some((x, y)) = point.xy() else {
        out[0] = FLAG_INFINITY;
        return out;
    };
    out = fq_to_be(&x);
    out[0] |= if fq_is_larger(&y) {
        FLAG_LARGER
    } else {
        FLAG_SMALLER
    };
    out
}

/// Decodes a G1 point from EigenDA's 32-byte compressed form, checking that it
/// lies on the curve (BN254 G1 has cofactor 1, so that is the subgroup check).
pub fn g1_from_bytes(bytes: &[u8; G1_COMPRESSED_BYTES]) -> Result<G1Affine, PointError> {
    let flags = bytes[0] & FLAG_MASK;
    match flags {
        FLAG_INFINITY => {
            infinity_is_zeroed(bytes)?;
            return Ok(G1Affine::identity());
        }
        FLAG_SMALLER | FLAG_LARGER => {}
        _ => {
            return Err(PointError::UncompressedFlag {
                first_byte: bytes[0],
            });
        }
    }
    let mut x_bytes = *bytes;
    x_bytes[0] &= !FLAG_MASK;
    let x = fq_from_be(&x_bytes)?;
    let (smaller, larger) = G1Affine::get_ys_from_x_unchecked(x).ok_or(PointError::NotOnCurve)?;
    let y = if flags == FLAG_LARGER {
        larger
    } else {
        smaller
    };
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointError::NotInSubgroup);
    }
    Ok(point)
}

/// Encodes a G2 point in EigenDA's 64-byte compressed form (`x1 ‖ x0`).
pub fn g2_to_bytes(point: &G2Affine) -> [u8; G2_COMPRESSED_BYTES] {
    let mut out = [0u8; G2_COMPRESSED_BYTES];
    let Some((x, y)) = point.xy() else {
        out[0] = FLAG_INFINITY;
        return out;
    };
    out[..32].copy_from_slice(&fq_to_be(&x.c1));
    out[32..].copy_from_slice(&fq_to_be(&x.c0));
    out[0] |= if fq2_is_larger(&y) {
        FLAG_LARGER
    } else {
        FLAG_SMALLER
    };
    out
}

/// Decodes a G2 point from EigenDA's 64-byte compressed form, checking that it
/// lies on the curve and in the prime-order subgroup.
pub fn g2_from_bytes(bytes: &[u8; G2_COMPRESSED_BYTES]) -> Result<G2Affine, PointError> {
    let point = g2_from_bytes_on_curve(bytes)?;
    if !g2_in_subgroup(&point) {
        return Err(PointError::NotInSubgroup);
    }
    Ok(point)
}

/// BN254's seed `x` (positive).
const BN_SEED: u64 = 4_965_661_367_192_848_881;

/// `ψ(x, y) = (x^p · (u+9)^((p-1)/3), y^p · (u+9)^((p-1)/2))`, the
/// untwist-Frobenius-twist endomorphism of the twist, in Jacobian
/// coordinates (`Z` maps to `Z^p`, so the constants need no powers of `Z`).
fn psi(p: &G2Projective) -> G2Projective {
    use ark_ff::{Field, MontFp};
    const PSI_X: Fq2 = Fq2::new(
        MontFp!("21575463638280843010398324269430826099269044274347216827212613867836435027261"),
        MontFp!("10307601595873709700152284273816112264069230130616436755625194854815875713954"),
    );
    const PSI_Y: Fq2 = Fq2::new(
        MontFp!("2821565182194536844548159561693502659359617185244120367078079554186484126554"),
        MontFp!("3505843767911556378687030309984248845540243509899259641013678093033130930403"),
    );
    let mut out = *p;
    out.x.frobenius_map_in_place(1);
    out.y.frobenius_map_in_place(1);
    out.z.frobenius_map_in_place(1);
    out.x *= PSI_X;
    out.y *= PSI_Y;
    out
}

/// Whether a point of the twist lies in the order-`r` subgroup G2:
/// `[x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q)`, `x` the BN seed (Dai, Lin, Zhao,
/// Zhou, ePrint 2022/348, §5.1; gnark-crypto's `G2Jac.IsInSubGroup`). One
/// multiplication by the 63-bit seed instead of arkworks' multiplication by
/// the 127-bit `6x^2`: about half the cost, which dominates loading G2 SRS
/// files. Equal to arkworks' check on every point (tested, including points
/// with small-order components).
pub fn g2_in_subgroup(point: &G2Affine) -> bool {
    use ark_ec::{AdditiveGroup, PrimeGroup};
    if point.is_zero() {
        return true;
    }
    let q = G2Projective::from(*point);
    let xq = q.mul_bigint([BN_SEED]);
    let psi_xq = psi(&xq);
    let psi2_xq = psi(&psi_xq);
    let lhs = xq + q + psi_xq + psi2_xq;
    let rhs = psi(&psi2_xq).double();
    lhs == rhs
}

/// [`g2_from_bytes`] without the subgroup check (which costs ~10x the
/// decompression): only for points whose origin is already authenticated.
pub(crate) fn g2_from_bytes_on_curve(
    bytes: &[u8; G2_COMPRESSED_BYTES],
) -> Result<G2Affine, PointError> {
    let flags = bytes[0] & FLAG_MASK;
    match flags {
        FLAG_INFINITY => {
            infinity_is_zeroed(bytes)?;
            return Ok(G2Affine::identity());
        }
        FLAG_SMALLER | FLAG_LARGER => {}
        _ => {
            return Err(PointError::UncompressedFlag {
                first_byte: bytes[0],
            });
        }
    }
    let mut x1_bytes = [0u8; 32];
    let mut x0_bytes = [0u8; 32];
    x1_bytes.copy_from_slice(&bytes[..32]);
    x0_bytes.copy_from_slice(&bytes[32..]);
    x1_bytes[0] &= !FLAG_MASK;
    let x = Fq2::new(fq_from_be(&x0_bytes)?, fq_from_be(&x1_bytes)?);
    let (root, neg_root) = G2Affine::get_ys_from_x_unchecked(x).ok_or(PointError::NotOnCurve)?;
    // arkworks orders the two roots its own way; pick by gnark's rule instead.
    let want_larger = flags == FLAG_LARGER;
    let y = if fq2_is_larger(&root) == want_larger {
        root
    } else {
        neg_root
    };
    Ok(G2Affine::new_unchecked(x, y))
}

/// Encodes a scalar as 32 big-endian bytes.
pub fn fr_to_bytes(scalar: &Fr) -> [u8; FR_BYTES] {
    let mut out = [0u8; FR_BYTES];
    write_be_limbs(&scalar.into_bigint().0, &mut out);
    out
}

/// Decodes a scalar from 32 big-endian bytes, rejecting values `>= r`.
pub fn fr_from_bytes(bytes: &[u8; FR_BYTES]) -> Result<Fr, PointError> {
    Fr::from_bigint(BigInt(read_be_limbs(bytes))).ok_or(PointError::ScalarOutOfRange)
}

/// Whether `y > (p-1)/2`, gnark's "lexicographically largest" for `Fp`.
fn fq_is_larger(y: &Fq) -> bool {
    y.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

/// gnark's "lexicographically largest" for `Fp2`: decided by the `u`-part
/// unless it is zero, then by the real part.
fn fq2_is_larger(y: &Fq2) -> bool {
    if y.c1.is_zero() {
        fq_is_larger(&y.c0)
    } else {
        fq_is_larger(&y.c1)
    }
}

fn infinity_is_zeroed(bytes: &[u8]) -> Result<(), PointError> {
    let rest_zero = bytes[0] & !FLAG_MASK == 0 && bytes[1..].iter().all(|b| *b == 0);
    if rest_zero {
        Ok(())
    } else {
        Err(PointError::NonZeroInfinity)
    }
}

fn fq_to_be(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    write_be_limbs(&x.into_bigint().0, &mut out);
    out
}

fn fq_from_be(bytes: &[u8; 32]) -> Result<Fq, PointError> {
    Fq::from_bigint(BigInt(read_be_limbs(bytes))).ok_or(PointError::NonCanonicalCoordinate)
}

/// Little-endian u64 limbs (arkworks' `BigInt` layout) to big-endian bytes.
fn write_be_limbs(limbs: &[u64; 4], out: &mut [u8; 32]) {
    for (i, limb) in limbs.iter().enumerate() {
        let start = 32 - 8 * (i + 1);
        out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
    }
}

/// Big-endian bytes to little-endian u64 limbs.
fn read_be_limbs(bytes: &[u8; 32]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[start..start + 8]);
        *limb = u64::from_be_bytes(word);
    }
    limbs
}

/// Converts a value known to be below `2^248` (31 bytes behind a zero byte)
/// into a scalar; `r > 2^253`, so no reduction ever happens.
pub(crate) fn fr_from_small_be(bytes: &[u8; FR_BYTES]) -> Fr {
    debug_assert_eq!(bytes[0], 0, "caller guarantees a zero top byte");
    // Fr::new maps any 256-bit integer to its residue; below r it is exact.
    Fr::new(BigInt(read_be_limbs(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use crate::test_support::fixture;

    #[test]
    fn g1_generator_is_0x80_then_one() {
        let bytes = g1_to_bytes(&G1Affine::generator());
        let mut want = [0u8; 32];
        want[0] = 0x80;
        want[31] = 1;
        assert_eq!(bytes, want);
        assert_eq!(g1_from_bytes(&bytes), Ok(G1Affine::generator()));
    }

    #[test]
    fn fixture_points_decode_and_reencode_identically() {
        let g1 = fixture("g1.point");
        // point 2 has flag 0b11: a loader with the flags backwards fails here
        assert_eq!(g1[64] & FLAG_MASK, FLAG_LARGER);
        for (i, chunk) in g1.chunks_exact(32).take(64).enumerate() {
            let bytes: [u8; 32] = chunk.try_into().expect("32-byte chunk");
            let p = g1_from_bytes(&bytes).unwrap_or_else(|e| panic!("g1 point {i}: {e}"));
            assert_eq!(g1_to_bytes(&p), bytes, "g1 point {i} re-encodes");
        }
        let g2 = fixture("g2.point");
        let g2_0: [u8; 64] = g2[..64].try_into().expect("64 bytes");
        assert_eq!(g2_from_bytes(&g2_0), Ok(G2Affine::generator()));
        for (i, chunk) in g2.chunks_exact(64).take(64).enumerate() {
            let bytes: [u8; 64] = chunk.try_into().expect("64-byte chunk");
            let p = g2_from_bytes(&bytes).unwrap_or_else(|e| panic!("g2 point {i}: {e}"));
            assert_eq!(g2_to_bytes(&p), bytes, "g2 point {i} re-encodes");
        }
    }

    #[test]
    fn fixture_point_1_shares_tau_across_groups() {
        use ark_ec::pairing::Pairing;
        let g1 = fixture("g1.point");
        let g2 = fixture("g2.point");
        let tau_g1 = g1_from_bytes(&g1[32..64].try_into().expect("32")).expect("valid");
        let tau_g2 = g2_from_bytes(&g2[64..128].try_into().expect("64")).expect("valid");
        let lhs = ark_bn254::Bn254::pairing(tau_g1, G2Affine::generator());
        let rhs = ark_bn254::Bn254::pairing(G1Affine::generator(), tau_g2);
        assert_eq!(lhs, rhs);
    }

    #[test]
    fn random_points_round_trip_with_both_flags() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (mut seen_small, mut seen_large) = (false, false);
        for _ in 0..64 {
            let p1 = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let b1 = g1_to_bytes(&p1);
            seen_small |= b1[0] & FLAG_MASK == FLAG_SMALLER;
            seen_large |= b1[0] & FLAG_MASK == FLAG_LARGER;
            assert_eq!(g1_from_bytes(&b1), Ok(p1));
            // the negation differs only in the flag
            let n1 = g1_to_bytes(&-p1);
            assert_eq!(n1[1..], b1[1..]);
            assert_ne!(n1[0], b1[0]);
            let p2 = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let b2 = g2_to_bytes(&p2);
            assert_eq!(g2_from_bytes(&b2), Ok(p2));
            assert_eq!(g2_from_bytes(&g2_to_bytes(&-p2)), Ok(-p2));
        }
        assert!(seen_small && seen_large);
    }

    #[test]
    fn infinity_round_trips_and_rejects_garbage() {
        let b1 = g1_to_bytes(&G1Affine::identity());
        assert_eq!(b1[0], 0x40);
        assert_eq!(g1_from_bytes(&b1), Ok(G1Affine::identity()));
        let b2 = g2_to_bytes(&G2Affine::identity());
        assert_eq!(g2_from_bytes(&b2), Ok(G2Affine::identity()));
        let mut bad = b1;
        bad[31] = 1;
        assert_eq!(g1_from_bytes(&bad), Err(PointError::NonZeroInfinity));
        let mut bad2 = b2;
        bad2[40] = 1;
        assert_eq!(g2_from_bytes(&bad2), Err(PointError::NonZeroInfinity));
    }

    #[test]
    fn malformed_points_are_rejected() {
        let mut g = g1_to_bytes(&G1Affine::generator());
        g[0] &= !FLAG_MASK;
        assert!(matches!(
            g1_from_bytes(&g),
            Err(PointError::UncompressedFlag { .. })
        ));
        // x = p - 1 + 2 ... all ones below the flags is >= p
        let mut big = [0xffu8; 32];
        big[0] = FLAG_SMALLER | 0x3f;
        assert_eq!(g1_from_bytes(&big), Err(PointError::NonCanonicalCoordinate));
        // x = 0: 0^3 + 3 = 3 is not a square in Fp
        let mut zero_x = [0u8; 32];
        zero_x[0] = FLAG_SMALLER;
        assert_eq!(g1_from_bytes(&zero_x), Err(PointError::NotOnCurve));
    }

    #[test]
    fn g2_points_outside_the_subgroup_are_rejected() {
        // Search deterministically for an x on the twist whose point is not in
        // the r-torsion (almost every x, since the cofactor is huge).
        let mut x = Fq2::new(Fq::from(1u64), Fq::from(1u64));
        let point = loop {
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                break p;
            }
            x += Fq2::ONE;
        };
        assert!(!point.is_in_correct_subgroup_assuming_on_curve());
        assert_eq!(
            g2_from_bytes(&g2_to_bytes(&point)),
            Err(PointError::NotInSubgroup)
        );
    }

    #[test]
    fn fast_g2_subgroup_check_agrees_with_arkworks() {
        use ark_bn254::G2Projective;
        use ark_ec::{CurveGroup, PrimeGroup};
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let r = Fr::MODULUS;
        let mut outside = 0;
        let mut x = Fq2::new(Fq::from(5u64), Fq::from(7u64));
        for _ in 0..40 {
            // In G2: multiples of the generator, and the identity.
            let inside = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            assert!(g2_in_subgroup(&inside));
            // On the twist: random points (generic cofactor part), their
            // cofactor part alone ([r]P, small orders included) and that
            // part plus a subgroup point.
            let point = loop {
                x += Fq2::ONE;
                if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                    break p;
                }
            };
            let torsion = G2Projective::from(point).mul_bigint(r).into_affine();
            let mixed = (torsion + inside).into_affine();
            for p in [point, torsion, mixed] {
                let want = p.is_in_correct_subgroup_assuming_on_curve();
                assert_eq!(g2_in_subgroup(&p), want, "{p}");
                outside += usize::from(!want);
            }
        }
        assert!(g2_in_subgroup(&G2Affine::identity()));
        assert!(outside >= 100, "the test must see points outside G2");
    }

    #[test]
    fn scalars_round_trip_and_reject_modulus() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for _ in 0..32 {
            let s = Fr::rand(&mut rng);
            assert_eq!(fr_from_bytes(&fr_to_bytes(&s)), Ok(s));
        }
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(fr_from_bytes(&one), Ok(Fr::ONE));
        let mut r = [0u8; 32];
        write_be_limbs(&Fr::MODULUS.0, &mut r);
        assert_eq!(fr_from_bytes(&r), Err(PointError::ScalarOutOfRange));
        // r - 1 is the largest valid scalar
        assert_eq!(fr_from_bytes(&fr_to_bytes(&-Fr::ONE)), Ok(-Fr::ONE));
        assert_eq!(
            fr_from_bytes(&[0xff; 32]),
            Err(PointError::ScalarOutOfRange)
        );
    }
}
