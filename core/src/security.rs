//! Security parameters as the contracts check them.
//!
//! Chunk assignment gives a set of operators holding a fraction `α` of a quorum's
//! stake at least `α · (num_chunks − max_num_operators)` distinct chunks; a blob
//! needs `num_chunks / coding_rate` of them. So the *reconstruction threshold* is
//! `γ = num_chunks / (coding_rate · (num_chunks − max_num_operators))`, and a blob
//! version is safe for thresholds `(confirmation, adversary)` (percent) when the
//! honest signers that a confirmed certificate guarantees, `confirmation −
//! adversary`, are at least `γ`:
//!
//! `coding_rate · (num_chunks − max_num_operators) · (confirmation − adversary) >= 100 · num_chunks`
//!
//! — `EigenDACertVerificationLib.checkSecurityParams`. For blob version 0
//! (`8192, 8, 3537`) `γ ≈ 22%`.

use alloy_primitives::U256;
use lamina_encoding::BlobParams;

use crate::error::SecurityError;

/// Confirmation and adversary thresholds in percent (`EigenDATypesV1.SecurityThresholds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SecurityThresholds {
    /// Share of a quorum's stake that must sign for the quorum to confirm a blob.
    pub confirmation_threshold: u8,
    /// Share of a quorum's stake assumed possibly malicious.
    pub adversary_threshold: u8,
}

/// The contract's `checkSecurityParams`: the inequality above, with its underflow guards
/// (`max_num_operators <= num_chunks`, `confirmation >= adversary`).
pub fn check_security_params(
    params: &BlobParams,
    thresholds: SecurityThresholds,
) -> Result<(), SecurityError> {
    let SecurityThresholds {
        confirmation_threshold: conf,
        adversary_threshold: adv,
    } = thresholds;
    let fail = SecurityError::SecurityAssumptionsNotMet {
        confirmation_threshold: conf,
        adversary_threshold: adv,
        coding_rate: params.coding_rate,
        num_chunks: params.num_chunks,
        max_num_operators: params.max_num_operators,
    };
    if params.max_num_operators > params.num_chunks || conf < adv {
        return Err(fail);
    }
    let lhs = U256::from(params.coding_rate)
        * U256::from(params.num_chunks - params.max_num_operators)
        * U256::from(conf - adv);
    let rhs = U256::from(100u32) * U256::from(params.num_chunks);
    if lhs >= rhs { Ok(()) } else { Err(fail) }
}

/// `CertVerificationLib.MAX_QUORUM_COUNT`: at most this many signed quorums per certificate.
pub const MAX_QUORUM_COUNT: usize = 5;
/// `CertVerificationLib.MAX_NONSIGNER_COUNT_ALL_QUORUM`: at most this many (non-signer,
/// quorum) pairs per certificate.
pub const MAX_NONSIGNER_COUNT_ALL_QUORUM: usize = 415;
/// `CertVerifier.MAX_CALLDATA_BYTES_LENGTH`: longer ABI-encoded certificates are invalid.
pub const MAX_CERT_CALLDATA_BYTES: usize = 262_144;

/// A certificate outside the deployed verifier's bounds: `checkDACert` returns
/// INVALID_CERT for it whatever its signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertBoundsError {
    /// More signed quorums than [`MAX_QUORUM_COUNT`].
    #[error("{count} signed quorums, the verifier accepts at most {MAX_QUORUM_COUNT}")]
    TooManyQuorums {
        /// Signed quorums.
        count: usize,
    },
    /// More (non-signer, quorum) pairs than [`MAX_NONSIGNER_COUNT_ALL_QUORUM`].
    #[error(
        "{count} (non-signer, quorum) pairs, the verifier accepts at most {MAX_NONSIGNER_COUNT_ALL_QUORUM}"
    )]
    TooManyNonSigners {
        /// Pairs.
        count: usize,
    },
    /// An ABI encoding longer than [`MAX_CERT_CALLDATA_BYTES`].
    #[error(
        "certificate is {bytes} bytes ABI-encoded, the verifier accepts at most {MAX_CERT_CALLDATA_BYTES}"
    )]
    TooLarge {
        /// Encoded length.
        bytes: usize,
    },
}

/// The verifier's shape bounds, checked before a certificate is handed out (disperser) or
/// accepted (client).
pub fn check_cert_bounds(
    signed_quorums: usize,
    non_signer_pairs: usize,
    encoded_bytes: usize,
) -> Result<(), CertBoundsError> {
    if signed_quorums > MAX_QUORUM_COUNT {
        return Err(CertBoundsError::TooManyQuorums {
            count: signed_quorums,
        });
    }
    if non_signer_pairs > MAX_NONSIGNER_COUNT_ALL_QUORUM {
        return Err(CertBoundsError::TooManyNonSigners {
            count: non_signer_pairs,
        });
    }
    if encoded_bytes > MAX_CERT_CALLDATA_BYTES {
        return Err(CertBoundsError::TooLarge {
            bytes: encoded_bytes,
        });
    }
    Ok(())
}

/// Distinct chunks needed to rebuild a blob: `num_chunks / coding_rate` (also the
/// per-operator cap of the assignment). Zero when `coding_rate` is zero.
pub fn chunks_to_reconstruct(params: &BlobParams) -> u32 {
    params
        .num_chunks
        .checked_div(params.coding_rate)
        .unwrap_or(0)
}

/// Whether `held` of `total` stake reaches the reconstruction threshold:
/// `held · coding_rate · (num_chunks − max_num_operators) >= num_chunks · total`.
pub fn meets_reconstruction_threshold(params: &BlobParams, held: u128, total: u128) -> bool {
    let effective = params.num_chunks.saturating_sub(params.max_num_operators);
    U256::from(held) * U256::from(params.coding_rate) * U256::from(effective)
        >= U256::from(params.num_chunks) * U256::from(total)
}

/// Whether a quorum with `signed` of `total` stake signing is confirmed at
/// `confirmation_threshold` percent: `total > 0 && signed · 100 >= total · threshold`, as
/// `CertVerificationLib.confirmedQuorums` computes it. A quorum without stake is never
/// confirmed: `0 >= 0` would let a signature by nobody (every key at infinity) confirm it.
/// The one implementation of the rule for the client's local verification and the
/// disperser's aggregation.
pub fn quorum_confirmed(signed: u128, total: u128, confirmation_threshold: u8) -> bool {
    total > 0
        && U256::from(signed) * U256::from(100u32)
            >= U256::from(total) * U256::from(confirmation_threshold)
}

/// Whether a quorum can be signed for at all: it has stake at the reference block. A
/// quorum without stake has no operator, so its aggregate key is the point at infinity,
/// which `BLSSignatureChecker.checkSignatures` refuses: the disperser leaves such quorums
/// out of a certificate's signed quorums.
pub fn quorum_has_stake(total: u128) -> bool {
    total > 0
}

/// Percentage of `total` that `signed` is, rounded down (`0` when `total` is zero).
pub fn signed_percentage(signed: u128, total: u128) -> u8 {
    if total == 0 {
        return 0;
    }
    let pct = U256::from(signed) * U256::from(100u32) / U256::from(total);
    u8::try_from(pct.min(U256::from(100u32))).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(confirmation_threshold: u8, adversary_threshold: u8) -> SecurityThresholds {
        SecurityThresholds {
            confirmation_threshold,
            adversary_threshold,
        }
    }

    #[test]
    fn v0_needs_a_22_point_gap() {
        let p = BlobParams::V0;
        // 8 * 4655 * gap >= 819200  <=>  gap >= 21.99...
        assert!(check_security_params(&p, t(55, 33)).is_ok());
        assert!(check_security_params(&p, t(54, 33)).is_err());
        assert!(check_security_params(&p, t(22, 0)).is_ok());
        assert!(check_security_params(&p, t(21, 0)).is_err());
        assert!(check_security_params(&p, t(10, 20)).is_err());
        let bad = BlobParams {
            num_chunks: 8,
            coding_rate: 8,
            max_num_operators: 9,
        };
        assert!(check_security_params(&bad, t(100, 0)).is_err());
    }

    #[test]
    fn verifier_bounds_are_inclusive() {
        assert_eq!(check_cert_bounds(5, 415, 262_144), Ok(()));
        assert_eq!(
            check_cert_bounds(6, 0, 0),
            Err(CertBoundsError::TooManyQuorums { count: 6 })
        );
        assert_eq!(
            check_cert_bounds(1, 416, 0),
            Err(CertBoundsError::TooManyNonSigners { count: 416 })
        );
        assert_eq!(
            check_cert_bounds(1, 0, 262_145),
            Err(CertBoundsError::TooLarge { bytes: 262_145 })
        );
    }

    #[test]
    fn threshold_and_confirmation_boundaries() {
        let p = BlobParams::V0;
        assert_eq!(chunks_to_reconstruct(&p), 1024);
        // 8 * 4655 * held >= 8192 * total: 22% holds, 21% does not.
        assert!(meets_reconstruction_threshold(&p, 22, 100));
        assert!(!meets_reconstruction_threshold(&p, 21, 100));
        assert!(quorum_confirmed(55, 100, 55));
        assert!(!quorum_confirmed(54, 100, 55));
        // issue 13: 0 of 0 stake is not a confirmation, at any threshold
        assert!(!quorum_confirmed(0, 0, 55));
        assert!(!quorum_confirmed(0, 0, 0));
        assert!(quorum_confirmed(0, 1, 0));
        assert_eq!(signed_percentage(2, 3), 66);
        assert_eq!(signed_percentage(0, 0), 0);
    }
}
