//! KZG commitments of a blob: the G1 commitment, the G2 length commitment and
//! the G2 length proof, computed and verified as EigenDA v2 does
//! (`encoding/v2/kzg/committer`).
//!
//! A blob of `L` symbols (a power of two) is the polynomial
//! `p(x) = Σ c_i x^i`. With `D` the SRS order:
//! - commitment `C = [p(tau)]G1`,
//! - length commitment `LC = [p(tau)]G2`,
//! - length proof `LP = [tau^(D-L) · p(tau)]G2`, the commitment to
//!   `x^(D-L)·p(x)`, which only exists in the setup when `deg p < L`.
//!
//! Verification checks `e([tau^(D-L)]G1, LC) = e(G1, LP)` (the length) and
//! `e(C, G2) = e(G1, LC)` (both commitments bind the same polynomial); the
//! first alone proves nothing about `C`.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
use ark_ff::Zero;

use crate::codec::Blob;
use crate::point::{g1_to_bytes, g2_to_bytes};
use crate::srs::Srs;

/// The commitments that bind a blob, as in EigenDA v2's `BlobCommitments`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobCommitments {
    /// `[p(tau)]G1`, `p` the blob's polynomial in coefficient form.
    pub commitment: G1Affine,
    /// `[p(tau)]G2`.
    pub length_commitment: G2Affine,
    /// `[tau^(D - length) * p(tau)]G2`, `D` the SRS order: proves `deg p < length`.
    pub length_proof: G2Affine,
    /// Blob length in symbols (a power of two).
    pub length: u32,
}

/// Why a commitment could not be computed or does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KzgError {
    /// The SRS has fewer G1 points than the blob has symbols.
    #[error("blob has {blob_symbols} symbols, SRS has {srs_points} G1 points")]
    TooFewG1Points {
        /// Symbols in the blob.
        blob_symbols: usize,
        /// G1 points in the SRS.
        srs_points: usize,
    },
    /// The SRS has fewer leading G2 points than the blob has symbols.
    #[error("blob has {blob_symbols} symbols, SRS has {srs_points} G2 points (length commitment)")]
    TooFewG2Points {
        /// Symbols in the blob.
        blob_symbols: usize,
        /// Leading G2 points in the SRS.
        srs_points: usize,
    },
    /// The SRS has fewer trailing G2 points than the blob has symbols.
    #[error(
        "blob has {blob_symbols} symbols, SRS has {srs_points} trailing G2 points (length proof)"
    )]
    TooFewTrailingG2Points {
        /// Symbols in the blob.
        blob_symbols: usize,
        /// Trailing G2 points in the SRS.
        srs_points: usize,
    },
    /// A blob longer than the u32 length field of the commitments.
    #[error("blob has {blob_symbols} symbols, more than a u32 length can say")]
    BlobTooLong {
        /// Symbols in the blob.
        blob_symbols: usize,
    },
    /// The claimed length is zero or not a power of two.
    #[error("claimed length {length} is not a power of two")]
    LengthNotPowerOfTwo {
        /// The claimed length.
        length: u32,
    },
    /// The SRS lacks `[tau^(D - length)]G1`, so the length proof cannot be checked.
    #[error(
        "SRS lacks [tau^(D - {length})]G1 (it has reverse powers for lengths up to 2^{available}, exclusive)"
    )]
    MissingReversePower {
        /// The claimed length.
        length: u32,
        /// Number of reverse powers of two in the SRS.
        available: usize,
    },
    /// `e([tau^(D-L)]G1, LC) != e(G1, LP)`.
    #[error("length proof does not prove length {length}")]
    InvalidLengthProof {
        /// The claimed length.
        length: u32,
    },
    /// `e(C, G2) != e(G1, LC)`.
    #[error("G1 commitment and G2 length commitment bind different polynomials")]
    CommitmentMismatch,
}

/// `[p(tau)]G1`: the MSM of the blob's symbols with `[tau^i]G1`.
///
/// # Errors
/// [`KzgError::TooFewG1Points`] when the SRS is shorter than the blob.
pub fn commit(srs: &Srs, blob: &Blob) -> Result<G1Affine, KzgError> {
    let coeffs = blob.coeffs();
    let bases = srs.g1();
    if coeffs.len() > bases.len() {
        return Err(KzgError::TooFewG1Points {
            blob_symbols: coeffs.len(),
            srs_points: bases.len(),
        });
    }
    let coeffs = trim_zeros(coeffs);
    Ok(crate::msm::msm(&bases[..coeffs.len()], coeffs).into_affine())
}

/// `[p(tau)]G2`: the MSM of the blob's symbols with `[tau^i]G2`.
///
/// # Errors
/// [`KzgError::TooFewG2Points`] when the SRS has fewer G2 points than the blob symbols.
pub fn commit_length(srs: &Srs, blob: &Blob) -> Result<G2Affine, KzgError> {
    let coeffs = blob.coeffs();
    let bases = srs.g2();
    if coeffs.len() > bases.len() {
        return Err(KzgError::TooFewG2Points {
            blob_symbols: coeffs.len(),
            srs_points: bases.len(),
        });
    }
    let coeffs = trim_zeros(coeffs);
    Ok(crate::msm::msm(&bases[..coeffs.len()], coeffs).into_affine())
}

/// `[tau^(D-L) · p(tau)]G2`, `L` the blob length: the MSM of the blob's
/// symbols with the trailing points `[tau^(D-L+i)]G2`.
///
/// # Errors
/// [`KzgError::TooFewTrailingG2Points`] when the SRS has fewer trailing G2
/// points than the blob has symbols.
pub fn length_proof(srs: &Srs, blob: &Blob) -> Result<G2Affine, KzgError> {
    let coeffs = blob.coeffs();
    let trailing = srs.g2_trailing();
    // invariant (Blob): coeffs.len() is a power of two, so it is the length L
    let len = coeffs.len();
    if len > trailing.len() {
        return Err(KzgError::TooFewTrailingG2Points {
            blob_symbols: len,
            srs_points: trailing.len(),
        });
    }
    // trailing[j] = [tau^(D - t + j)], so [tau^(D - L + i)] = trailing[t - L + i]
    let shifted = &trailing[trailing.len() - len..];
    let coeffs = trim_zeros(coeffs);
    Ok(crate::msm::msm(&shifted[..coeffs.len()], coeffs).into_affine())
}

/// All three commitments of a blob and its length, as a disperser publishes them.
///
/// # Errors
/// The first of [`commit`], [`commit_length`], [`length_proof`] to fail.
pub fn commit_blob(srs: &Srs, blob: &Blob) -> Result<BlobCommitments, KzgError> {
    let length = u32::try_from(blob.len_symbols()).map_err(|_| KzgError::BlobTooLong {
        blob_symbols: blob.len_symbols(),
    })?;
    Ok(BlobCommitments {
        commitment: commit(srs, blob)?,
        length_commitment: commit_length(srs, blob)?,
        length_proof: length_proof(srs, blob)?,
        length,
    })
}

/// Verifies the length proof and that the G1 and G2 commitments bind the same
/// polynomial: together, that `commitment` commits to a polynomial of degree
/// `< length`.
///
/// Both equations are checked at once ([`verify_commitments`]'s batched
/// check); only when that fails are they checked one by one, to name the
/// failing one (the length proof first).
///
/// # Errors
/// [`KzgError::InvalidLengthProof`] or [`KzgError::CommitmentMismatch`] when
/// a check fails; [`KzgError::LengthNotPowerOfTwo`] or
/// [`KzgError::MissingReversePower`] when it cannot be made.
pub fn verify_length_proof(srs: &Srs, commitments: &BlobCommitments) -> Result<(), KzgError> {
    verify_both(srs, commitments, FailureOrder::LengthProofFirst)
}

/// The same check as [`verify_length_proof`], naming a failure the way a
/// party that holds the blob does: when the G2 length commitment does not
/// bind the G1 commitment's polynomial, [`KzgError::CommitmentMismatch`]
/// (the length proof, paired against that commitment, fails with it and is
/// only named when the commitments agree).
///
/// This is what a disperser needs once it has recomputed the G1 commitment
/// from the blob: the two G2 values are checked against it with three Miller
/// loops and one final exponentiation, instead of two G2 MSMs over the blob.
///
/// # Errors
/// As [`verify_length_proof`], [`KzgError::CommitmentMismatch`] taking
/// precedence over [`KzgError::InvalidLengthProof`].
pub fn verify_commitments(srs: &Srs, commitments: &BlobCommitments) -> Result<(), KzgError> {
    verify_both(srs, commitments, FailureOrder::EquivalenceFirst)
}

/// Which failing equation is named when both fail.
#[derive(Clone, Copy)]
enum FailureOrder {
    LengthProofFirst,
    EquivalenceFirst,
}

/// Checks
/// - (length) `e([tau^(D-L)]G1, LC) · e(-G1, LP) = 1` and
/// - (equivalence) `e(C, G2) · e(-G1, LC) = 1`
///
/// as one product: with a challenge `r` hashed from everything checked,
/// `e(C, G2) · e(r·R - G1, LC) · e(-r·G1, LP) = 1`, `R = [tau^(D-L)]G1`.
/// Pairing values lie in the order-`r` subgroup of GT (the final
/// exponentiation maps there), so if `X = e(C, G2)·e(-G1, LC)` and
/// `Y = e(R, LC)·e(-G1, LP)` are not both 1, `X·Y^r = 1` holds for at most
/// one `r` in `Fr`: passing with a wrong input means finding a hash output
/// equal to that one value (Fiat–Shamir; the inputs are fixed before `r`).
/// When the product is not 1, the two equations are checked one by one.
fn verify_both(
    srs: &Srs,
    commitments: &BlobCommitments,
    order: FailureOrder,
) -> Result<(), KzgError> {
    let length = commitments.length;
    if !length.is_power_of_two() {
        return Err(KzgError::LengthNotPowerOfTwo { length });
    }
    let reverse = srs.g1_reverse_power_of_2();
    let challenge =
        *reverse
            .get(length.trailing_zeros() as usize)
            .ok_or(KzgError::MissingReversePower {
                length,
                available: reverse.len(),
            })?;
    let r = batch_challenge(commitments, &challenge);
    let g1 = G1Projective::from(G1Affine::generator());
    let lc_base = (challenge * r - g1).into_affine();
    let lp_base = (g1 * -r).into_affine();
    let holds = Bn254::multi_pairing(
        [commitments.commitment, lc_base, lp_base],
        [
            G2Affine::generator(),
            commitments.length_commitment,
            commitments.length_proof,
        ],
    )
    .is_zero();
    if holds {
        return Ok(());
    }
    // One of the equations fails: name it.
    let length_holds = || {
        if pairings_cancel(
            [challenge, -G1Affine::generator()],
            [commitments.length_commitment, commitments.length_proof],
        ) {
            Ok(())
        } else {
            Err(KzgError::InvalidLengthProof { length })
        }
    };
    match order {
        FailureOrder::LengthProofFirst => {
            length_holds()?;
            verify_commitment_equivalence(commitments)
        }
        FailureOrder::EquivalenceFirst => {
            verify_commitment_equivalence(commitments)?;
            length_holds()
        }
    }
}

/// The batching challenge: SHA-256 over a domain tag, the three commitments,
/// the length and `[tau^(D-L)]G1`, reduced into `Fr`.
fn batch_challenge(commitments: &BlobCommitments, reverse_power: &G1Affine) -> Fr {
    use ark_ff::PrimeField;
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"lamina/kzg/length-and-equivalence/v1");
    hasher.update(g1_to_bytes(&commitments.commitment));
    hasher.update(g2_to_bytes(&commitments.length_commitment));
    hasher.update(g2_to_bytes(&commitments.length_proof));
    hasher.update(commitments.length.to_be_bytes());
    hasher.update(g1_to_bytes(reverse_power));
    Fr::from_be_bytes_mod_order(&hasher.finalize())
}

/// Checks `e(C, G2) = e(G1, LC)`: the G1 commitment and the G2 length
/// commitment bind the same polynomial. Needs no SRS.
///
/// # Errors
/// [`KzgError::CommitmentMismatch`] when they differ.
pub fn verify_commitment_equivalence(commitments: &BlobCommitments) -> Result<(), KzgError> {
    let holds = pairings_cancel(
        [commitments.commitment, -G1Affine::generator()],
        [G2Affine::generator(), commitments.length_commitment],
    );
    if holds {
        Ok(())
    } else {
        Err(KzgError::CommitmentMismatch)
    }
}

/// Whether `e(a_0, b_0) · e(a_1, b_1) = 1`, with one shared final exponentiation.
fn pairings_cancel(a: [G1Affine; 2], b: [G2Affine; 2]) -> bool {
    Bn254::multi_pairing(a, b).is_zero()
}

/// The coefficients without their zero tail: zero scalars add nothing to an
/// MSM, and encoded payloads are zero-padded up to a power of two.
fn trim_zeros(coeffs: &[Fr]) -> &[Fr] {
    let len = coeffs
        .iter()
        .rposition(|c| !c.is_zero())
        .map_or(0, |i| i + 1);
    &coeffs[..len]
}

#[cfg(test)]
mod tests;
