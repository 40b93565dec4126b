//! Validity: every check `CertVerifier.checkDACert` makes (`CertVerificationLib` +
//! `BLSSignatureChecker.checkSignatures`), recomputed from the operator state at the
//! certificate's reference block ([`ChainView`]), plus the recency rule.
//!
//! Pure: the caller reads the [`ChainView`] (`lamina_client::verify::read_chain_view`
//! over JSON-RPC; a proof program from its witness). The client's local verification
//! and the proxy's derivation both run these functions: one implementation.

use std::collections::{BTreeMap, BTreeSet};

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use lamina_core::bls::{check_signature_and_apk, operator_id};
use lamina_core::security::{check_security_params, quorum_confirmed, signed_percentage};
use lamina_core::{
    BlobKey, BlobParams, CheckSignaturesIndices, DaCertV3, OperatorId, QuorumId, QuorumOperators,
    SecurityError, SecurityThresholds,
};

pub use lamina_core::security::{
    MAX_CERT_CALLDATA_BYTES, MAX_NONSIGNER_COUNT_ALL_QUORUM, MAX_QUORUM_COUNT,
};

/// Why a certificate is invalid; each variant is one of `checkDACert`'s reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The certificate is for another blob than the one sent.
    #[error("certificate is for blob {got}, expected blob {expected}")]
    BlobKeyMismatch {
        /// The key that was dispersed.
        expected: BlobKey,
        /// The key of the header inside the certificate.
        got: BlobKey,
    },
    /// The blob key is not signed by the account that dispersed the blob.
    #[error("blob key is signed by {got:?}, expected the dispersing account {expected}")]
    WrongBlobSigner {
        /// The client's account.
        expected: String,
        /// Who signed (None: the signature recovers no key).
        got: Option<String>,
    },
    /// The ABI-encoded certificate is longer than `checkDACert` accepts.
    #[error("certificate is {bytes} bytes ABI-encoded, at most {MAX_CERT_CALLDATA_BYTES}")]
    TooLarge {
        /// Encoded length.
        bytes: usize,
    },
    /// The blob certificate is not at `blob_index` under the batch root.
    #[error(
        "inclusion proof does not place the blob certificate at index {blob_index} under batch root {batch_root}"
    )]
    InvalidInclusionProof {
        /// The claimed leaf index.
        blob_index: u32,
        /// The batch root.
        batch_root: String,
    },
    /// The reference block is not in the past.
    #[error("reference block {reference_block} is not before the current block {head}")]
    ReferenceBlockInFuture {
        /// The certificate's reference block.
        reference_block: u32,
        /// The chain head.
        head: u64,
    },
    /// Unknown blob version.
    #[error("blob version {version} is unknown (next blob version is {next})")]
    InvalidBlobVersion {
        /// The header's version.
        version: u16,
        /// `nextBlobVersion`.
        next: u16,
    },
    /// The blob version is not safe under the verifier's thresholds.
    #[error(transparent)]
    Security(#[from] SecurityError),
    /// No signed quorums, or not strictly ascending.
    #[error("signed quorums {quorums:?} must be non-empty and strictly ascending")]
    BadSignedQuorums {
        /// The certificate's signed quorums.
        quorums: Vec<QuorumId>,
    },
    /// More than [`MAX_QUORUM_COUNT`] signed quorums.
    #[error("{count} signed quorums, at most {MAX_QUORUM_COUNT}")]
    QuorumCountExceedsMaximum {
        /// Signed quorums.
        count: usize,
    },
    /// More than [`MAX_NONSIGNER_COUNT_ALL_QUORUM`] (non-signer, quorum) pairs.
    #[error("{count} (non-signer, quorum) pairs, at most {MAX_NONSIGNER_COUNT_ALL_QUORUM}")]
    NonSignerCountExceedsMaximum {
        /// Pairs.
        count: usize,
    },
    /// One aggregate key per signed quorum is required.
    #[error("{apks} quorum aggregate keys for {quorums} signed quorums")]
    ApkCountMismatch {
        /// Keys given.
        apks: usize,
        /// Signed quorums.
        quorums: usize,
    },
    /// A quorum's aggregate key is not the sum of its operators' keys at the reference block.
    #[error(
        "aggregate key of quorum {quorum} does not match its operators at block {reference_block}"
    )]
    QuorumApkMismatch {
        /// The quorum.
        quorum: QuorumId,
        /// The reference block.
        reference_block: u32,
    },
    /// The registry history indices are not those valid at the reference block.
    #[error("registry history indices are not those valid at reference block {reference_block}")]
    WrongRegistryIndices {
        /// The reference block.
        reference_block: u32,
    },
    /// The registry history indices could not be read for these non-signers.
    #[error("registry history indices could not be read for the certificate's non-signers")]
    RegistryIndicesUnreadable,
    /// Non-signer keys must be sorted by operator id, without repeats.
    #[error("non-signer keys are not strictly ascending by operator id")]
    NonSignersNotSorted,
    /// A non-signer is in none of the signed quorums at the reference block.
    #[error("non-signer {operator} is in none of the signed quorums at block {reference_block}")]
    UnknownNonSigner {
        /// The non-signer.
        operator: OperatorId,
        /// The reference block.
        reference_block: u32,
    },
    /// A key or signature is the point at infinity where the checker expects a real one
    /// (`BLSSignatureChecker`'s `QuorumApkAtInfinity`, `ApkG2AtInfinity`, `SigmaAtInfinity`,
    /// `NonSignerPubkeyAtInfinity`): with every one of them at infinity the pairing holds for
    /// any message.
    #[error("{what} is the point at infinity")]
    PointAtInfinity {
        /// Which key or signature.
        what: InfinityPoint,
    },
    /// The per-quorum or per-non-signer arrays of `NonSignerStakesAndSignature` do not
    /// have the lengths the signed quorums and non-signers call for.
    #[error("{field} has {given} entries, expected {expected}")]
    ArrayLengthMismatch {
        /// The array.
        field: &'static str,
        /// Its length.
        given: usize,
        /// The length the certificate's quorums and non-signers call for.
        expected: usize,
    },
    /// The certificate is older than the recency window allows at its inclusion block.
    #[error(
        "certificate's reference block {reference_block} is more than {window_blocks} blocks before its inclusion block {inclusion_block}"
    )]
    StaleCertificate {
        /// The certificate's reference block.
        reference_block: u32,
        /// The L1 block the certificate is (or would be) included in.
        inclusion_block: u64,
        /// The configured recency window.
        window_blocks: u64,
    },
    /// The aggregate signature does not verify against the signers' keys.
    #[error("aggregate BLS signature does not verify for batch header hash {batch_header_hash}")]
    InvalidSignature {
        /// The signed message.
        batch_header_hash: String,
    },
    /// A blob quorum's signed stake is below the confirmation threshold.
    #[error(
        "blob quorums {blob_quorums:?} are not all confirmed: confirmed {confirmed:?} (signed stake {signed:?} percent, threshold {threshold}%)"
    )]
    BlobQuorumsNotConfirmed {
        /// The blob's quorums.
        blob_quorums: Vec<QuorumId>,
        /// Quorums whose signed stake reached the threshold.
        confirmed: Vec<QuorumId>,
        /// Signed percentage per signed quorum.
        signed: Vec<(QuorumId, u8)>,
        /// Confirmation threshold.
        threshold: u8,
    },
    /// The blob lacks a required quorum.
    #[error("required quorums {required:?} are not all among the blob's quorums {blob_quorums:?}")]
    RequiredQuorumsMissing {
        /// Required quorums.
        required: Vec<QuorumId>,
        /// The blob's quorums.
        blob_quorums: Vec<QuorumId>,
    },
}

/// Which key or signature of a certificate is at infinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfinityPoint {
    /// The aggregate key of this signed quorum (an empty quorum's).
    QuorumApk(QuorumId),
    /// The signers' G2 aggregate key.
    ApkG2,
    /// The aggregate signature.
    Sigma,
    /// The non-signer key at this position.
    NonSignerPubkey(usize),
}

impl std::fmt::Display for InfinityPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::QuorumApk(q) => write!(f, "the aggregate key of quorum {q}"),
            Self::ApkG2 => f.write_str("the signers' G2 aggregate key"),
            Self::Sigma => f.write_str("the aggregate signature"),
            Self::NonSignerPubkey(i) => write!(f, "non-signer key {i}"),
        }
    }
}

/// What a valid certificate attests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCert {
    /// The blob.
    pub blob_key: BlobKey,
    /// The batch's reference block.
    pub reference_block: u32,
    /// Signed stake per signed quorum, percent (rounded down).
    pub signed_percentages: Vec<(QuorumId, u8)>,
    /// Operators that did not sign.
    pub non_signers: Vec<OperatorId>,
}

/// What the checks read from the chain, at the certificate's reference block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainView {
    /// Current block number.
    pub head: u64,
    /// `ThresholdRegistry.nextBlobVersion()`.
    pub next_blob_version: u16,
    /// Parameters of the blob's version (`None` when the version is unknown).
    pub blob_params: Option<BlobParams>,
    /// The thresholds in force at the reference block.
    pub thresholds: SecurityThresholds,
    /// Quorums every blob must include at the reference block.
    pub required_quorums: Vec<QuorumId>,
    /// Operators and stakes of each signed quorum, same order (empty when the signed
    /// quorums are malformed: the checks reject those first).
    pub state: Vec<QuorumOperators>,
    /// Registered G1 keys of every operator in `state`.
    pub keys: BTreeMap<OperatorId, G1Affine>,
    /// The registry history indices valid at the reference block for the certificate's
    /// signed quorums and non-signers (`getCheckSignaturesIndices`); `None` when they
    /// could not be read (unknown non-signers).
    pub indices: Option<CheckSignaturesIndices>,
}

/// The recency rule: a certificate included in L1 block `inclusion_block` is accepted
/// only if `inclusion_block - reference_block <= window_blocks`. Past the window the
/// stake behind the certificate may have been withdrawn without being slashable, so a
/// rollup's derivation must treat the certificate as invalid. The window must not
/// exceed the deployment's stake-use window (`BLOCK_STALE_MEASURE`, 50 on the devnet).
pub fn check_recency(
    reference_block: u32,
    inclusion_block: u64,
    window_blocks: u64,
) -> Result<(), CertError> {
    let age = inclusion_block.saturating_sub(u64::from(reference_block));
    if age > window_blocks {
        return Err(CertError::StaleCertificate {
            reference_block,
            inclusion_block,
            window_blocks,
        });
    }
    Ok(())
}

/// Every `checkDACert` check of `cert` against an already read [`ChainView`], in
/// `checkDACert`'s order, and that the certificate is for `expected` (the key that was
/// dispersed; a derivation passes `cert.blob_key()`).
pub fn verify_with_view(
    cert: &DaCertV3,
    expected: BlobKey,
    view: &ChainView,
) -> Result<VerifiedCert, CertError> {
    let blob_key = cert.blob_key();
    if blob_key != expected {
        return Err(CertError::BlobKeyMismatch {
            expected,
            got: blob_key,
        });
    }
    let encoded_bytes = cert.abi_encode().len();
    if encoded_bytes > MAX_CERT_CALLDATA_BYTES {
        return Err(CertError::TooLarge {
            bytes: encoded_bytes,
        });
    }
    check_inclusion(cert)?;
    let reference_block = cert.batch_header.reference_block_number;
    if u64::from(reference_block) >= view.head {
        return Err(CertError::ReferenceBlockInFuture {
            reference_block,
            head: view.head,
        });
    }
    let header = &cert.blob_inclusion_info.blob_certificate.blob_header;
    let params = match view.blob_params {
        Some(p) if header.version < view.next_blob_version => p,
        _ => {
            return Err(CertError::InvalidBlobVersion {
                version: header.version,
                next: view.next_blob_version,
            });
        }
    };
    check_security_params(&params, view.thresholds)?;

    let signed = check_signatures(cert, view)?;
    let threshold = view.thresholds.confirmation_threshold;
    let confirmed: BTreeSet<QuorumId> = signed
        .iter()
        .filter(|s| quorum_confirmed(s.signed, s.total, threshold))
        .map(|s| s.quorum)
        .collect();
    let signed_percentages: Vec<(QuorumId, u8)> = signed
        .iter()
        .map(|s| (s.quorum, signed_percentage(s.signed, s.total)))
        .collect();
    if !header.quorum_numbers.iter().all(|q| confirmed.contains(q)) {
        return Err(CertError::BlobQuorumsNotConfirmed {
            blob_quorums: header.quorum_numbers.clone(),
            confirmed: confirmed.into_iter().collect(),
            signed: signed_percentages,
            threshold,
        });
    }
    if !view
        .required_quorums
        .iter()
        .all(|q| header.quorum_numbers.contains(q))
    {
        return Err(CertError::RequiredQuorumsMissing {
            required: view.required_quorums.clone(),
            blob_quorums: header.quorum_numbers.clone(),
        });
    }
    Ok(VerifiedCert {
        blob_key,
        reference_block,
        signed_percentages,
        non_signers: cert
            .non_signer_stakes_and_signature
            .non_signer_pubkeys
            .iter()
            .map(operator_id)
            .collect(),
    })
}

/// `checkBlobInclusion`.
pub fn check_inclusion(cert: &DaCertV3) -> Result<(), CertError> {
    let info = &cert.blob_inclusion_info;
    if info.verify(cert.batch_header.batch_root) {
        Ok(())
    } else {
        Err(CertError::InvalidInclusionProof {
            blob_index: info.blob_index,
            batch_root: cert.batch_header.batch_root.to_string(),
        })
    }
}

/// Signed and total stake of one signed quorum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumStake {
    /// The quorum.
    pub quorum: QuorumId,
    /// Stake of its operators that signed.
    pub signed: u128,
    /// Its total stake at the reference block.
    pub total: u128,
}

/// `checkSignatures`: shape limits, quorum keys against the registry at the
/// reference block, sorted non-signers, the pairing check with the signers' key,
/// and the signed stake per quorum.
pub fn check_signatures(cert: &DaCertV3, view: &ChainView) -> Result<Vec<QuorumStake>, CertError> {
    let quorums = &cert.signed_quorum_numbers;
    let n = &cert.non_signer_stakes_and_signature;
    let reference_block = cert.batch_header.reference_block_number;
    if quorums.is_empty() || quorums.windows(2).any(|w| w[0] >= w[1]) {
        return Err(CertError::BadSignedQuorums {
            quorums: quorums.clone(),
        });
    }
    if quorums.len() > MAX_QUORUM_COUNT {
        return Err(CertError::QuorumCountExceedsMaximum {
            count: quorums.len(),
        });
    }
    let pairs: usize = n.non_signer_stake_indices.iter().map(Vec::len).sum();
    if pairs > MAX_NONSIGNER_COUNT_ALL_QUORUM {
        return Err(CertError::NonSignerCountExceedsMaximum { count: pairs });
    }
    if n.quorum_apks.len() != quorums.len() || view.state.len() != quorums.len() {
        return Err(CertError::ApkCountMismatch {
            apks: n.quorum_apks.len(),
            quorums: quorums.len(),
        });
    }
    check_array_lengths(cert)?;
    check_no_point_at_infinity(cert)?;
    let non_signers: Vec<OperatorId> = n.non_signer_pubkeys.iter().map(operator_id).collect();
    if non_signers.windows(2).any(|w| w[0] >= w[1]) {
        return Err(CertError::NonSignersNotSorted);
    }
    if let Some(id) = non_signers
        .iter()
        .find(|id| !view.state.iter().any(|q| q.stake(id).is_some()))
    {
        return Err(CertError::UnknownNonSigner {
            operator: *id,
            reference_block,
        });
    }

    let mut apk = G1Projective::default();
    let mut stakes = Vec::with_capacity(quorums.len());
    for ((quorum, ops), claimed) in quorums.iter().zip(&view.state).zip(&n.quorum_apks) {
        let expected: G1Projective = ops
            .iter()
            .filter_map(|s| view.keys.get(&s.operator_id))
            .map(|k| k.into_group())
            .sum();
        if ops.quorum() != *quorum || expected.into_affine() != *claimed {
            return Err(CertError::QuorumApkMismatch {
                quorum: *quorum,
                reference_block,
            });
        }
        apk += claimed.into_group();
        let mut signed = ops.total_stake();
        for (id, pk) in non_signers.iter().zip(&n.non_signer_pubkeys) {
            if let Some(stake) = ops.stake(id) {
                apk -= pk.into_group();
                signed = signed.saturating_sub(stake);
            }
        }
        stakes.push(QuorumStake {
            quorum: *quorum,
            signed,
            total: ops.total_stake(),
        });
    }
    // The contract reads each history at the index the certificate gives and requires
    // it to be the entry valid at the reference block: exactly the indices
    // `getCheckSignaturesIndices` computes.
    let expected = view
        .indices
        .as_ref()
        .ok_or(CertError::RegistryIndicesUnreadable)?;
    let given = CheckSignaturesIndices {
        non_signer_quorum_bitmap_indices: n.non_signer_quorum_bitmap_indices.clone(),
        quorum_apk_indices: n.quorum_apk_indices.clone(),
        total_stake_indices: n.total_stake_indices.clone(),
        non_signer_stake_indices: n.non_signer_stake_indices.clone(),
    };
    if &given != expected {
        return Err(CertError::WrongRegistryIndices { reference_block });
    }
    let message = cert.batch_header.hash();
    if !check_signature_and_apk(message, &apk.into_affine(), &n.apk_g2, &n.sigma) {
        return Err(CertError::InvalidSignature {
            batch_header_hash: message.to_string(),
        });
    }
    Ok(stakes)
}

/// The length checks of `checkSignatures` (`InputArrayLengthMismatch`,
/// `InputNonSignerLengthMismatch`); the per-quorum `nonSignerStakeIndices` lengths are
/// checked against the indices read from the chain.
fn check_array_lengths(cert: &DaCertV3) -> Result<(), CertError> {
    let n = &cert.non_signer_stakes_and_signature;
    let quorums = cert.signed_quorum_numbers.len();
    let non_signers = n.non_signer_pubkeys.len();
    for (field, given, expected) in [
        ("quorum_apk_indices", n.quorum_apk_indices.len(), quorums),
        ("total_stake_indices", n.total_stake_indices.len(), quorums),
        (
            "non_signer_stake_indices",
            n.non_signer_stake_indices.len(),
            quorums,
        ),
        (
            "non_signer_quorum_bitmap_indices",
            n.non_signer_quorum_bitmap_indices.len(),
            non_signers,
        ),
    ] {
        if given != expected {
            return Err(CertError::ArrayLengthMismatch {
                field,
                given,
                expected,
            });
        }
    }
    Ok(())
}

/// `BLSSignatureChecker`'s refusal of points at infinity, in its order.
fn check_no_point_at_infinity(cert: &DaCertV3) -> Result<(), CertError> {
    let n = &cert.non_signer_stakes_and_signature;
    let at_infinity = |what| Err(CertError::PointAtInfinity { what });
    if n.apk_g2.is_zero() {
        return at_infinity(InfinityPoint::ApkG2);
    }
    if n.sigma.is_zero() {
        return at_infinity(InfinityPoint::Sigma);
    }
    if let Some(i) = n.non_signer_pubkeys.iter().position(|k| k.is_zero()) {
        return at_infinity(InfinityPoint::NonSignerPubkey(i));
    }
    if let Some((q, _)) = cert
        .signed_quorum_numbers
        .iter()
        .zip(&n.quorum_apks)
        .find(|(_, apk)| apk.is_zero())
    {
        return at_infinity(InfinityPoint::QuorumApk(*q));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::B256;
    use ark_bn254::G2Affine;
    use lamina_core::{
        BatchHeader, BlobCertificate, BlobCommitments, BlobHeader, BlobInclusionInfo, MerkleTree,
        NonSignerStakesAndSignature,
    };

    const RBN: u32 = 40;

    /// Issue 13's forged certificate: an arbitrary blob in required quorum 0, at a
    /// reference block where quorum 0 had no operator (its only one registered and left),
    /// "signed" with the quorum's aggregate key, the G2 key and the signature all at
    /// infinity. The view is what the chain answers at that block: an empty quorum.
    fn forged() -> (DaCertV3, ChainView) {
        let blob_certificate = BlobCertificate {
            blob_header: BlobHeader {
                version: 0,
                quorum_numbers: vec![0],
                commitment: BlobCommitments {
                    commitment: G1Affine::generator(),
                    length_commitment: G2Affine::generator(),
                    length_proof: G2Affine::generator(),
                    length: 32,
                },
                payment_header_hash: B256::repeat_byte(7),
            },
            signature: vec![0x1b; 65],
            relay_keys: vec![],
        };
        let tree =
            MerkleTree::from_certificate_hashes(&[blob_certificate.hash()]).expect("one leaf");
        let indices = CheckSignaturesIndices {
            non_signer_quorum_bitmap_indices: vec![],
            quorum_apk_indices: vec![2],
            total_stake_indices: vec![2],
            non_signer_stake_indices: vec![vec![]],
        };
        let cert = DaCertV3 {
            batch_header: BatchHeader {
                batch_root: tree.root(),
                reference_block_number: RBN,
            },
            blob_inclusion_info: BlobInclusionInfo {
                blob_certificate,
                blob_index: 0,
                inclusion_proof: tree.proof(0).expect("in range"),
            },
            non_signer_stakes_and_signature: NonSignerStakesAndSignature {
                non_signer_quorum_bitmap_indices: vec![],
                non_signer_pubkeys: vec![],
                quorum_apks: vec![G1Affine::zero()],
                apk_g2: G2Affine::zero(),
                sigma: G1Affine::zero(),
                quorum_apk_indices: indices.quorum_apk_indices.clone(),
                total_stake_indices: indices.total_stake_indices.clone(),
                non_signer_stake_indices: indices.non_signer_stake_indices.clone(),
            },
            signed_quorum_numbers: vec![0],
        };
        let view = ChainView {
            head: u64::from(RBN) + 5,
            next_blob_version: 1,
            blob_params: Some(BlobParams::V0),
            thresholds: SecurityThresholds {
                confirmation_threshold: 55,
                adversary_threshold: 33,
            },
            required_quorums: vec![0],
            state: vec![QuorumOperators::new(0, std::iter::empty()).expect("an empty quorum")],
            keys: BTreeMap::new(),
            indices: Some(indices),
        };
        (cert, view)
    }

    #[test]
    fn forged_certificate_over_an_empty_required_quorum_is_invalid() {
        let (cert, view) = forged();
        let key = cert.blob_key();
        let err = verify_with_view(&cert, key, &view).expect_err("nobody signed");
        assert_eq!(
            err,
            CertError::PointAtInfinity {
                what: InfinityPoint::ApkG2
            }
        );
        // With a finite G2 key and signature, the empty quorum's key at infinity is refused.
        let mut cert = cert;
        cert.non_signer_stakes_and_signature.apk_g2 = G2Affine::generator();
        cert.non_signer_stakes_and_signature.sigma = G1Affine::generator();
        assert_eq!(
            verify_with_view(&cert, key, &view).expect_err("empty quorum"),
            CertError::PointAtInfinity {
                what: InfinityPoint::QuorumApk(0)
            }
        );
    }

    #[test]
    fn recency_window_is_inclusive() {
        assert_eq!(check_recency(100, 150, 50), Ok(()));
        assert_eq!(check_recency(100, 100, 0), Ok(()));
        assert_eq!(
            check_recency(100, 151, 50),
            Err(CertError::StaleCertificate {
                reference_block: 100,
                inclusion_block: 151,
                window_blocks: 50
            })
        );
    }

    #[test]
    fn malformed_array_lengths_are_a_typed_error() {
        let (mut cert, view) = forged();
        cert.non_signer_stakes_and_signature
            .non_signer_stake_indices
            .clear();
        let key = cert.blob_key();
        assert_eq!(
            verify_with_view(&cert, key, &view).expect_err("too short"),
            CertError::ArrayLengthMismatch {
                field: "non_signer_stake_indices",
                given: 0,
                expected: 1
            }
        );
    }
}
