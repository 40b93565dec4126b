//! The DA certificate that `checkDACert(bytes)` accepts: EigenDA's
//! `EigenDACertV3 {batchHeader, blobInclusionInfo, nonSignerStakesAndSignature,
//! signedQuorumNumbers}`.

use alloy_primitives::Bytes;
use alloy_sol_types::SolValue;
use ark_bn254::{G1Affine, G2Affine};

use super::batch::{g1_from_abi_field, g1s_from_abi, g2_from_abi_field};
use super::{Attestation, BatchHeader, BlobInclusionInfo, BlobKey, QuorumId};
use crate::abi::{self, g1_to_abi, g2_to_abi};
use crate::error::AbiError;

/// Indices into the registries' histories at the reference block, as
/// `OperatorStateRetriever.getCheckSignaturesIndices` returns them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckSignaturesIndices {
    /// Per non-signer: index into its quorum-bitmap history.
    pub non_signer_quorum_bitmap_indices: Vec<u32>,
    /// Per quorum: index into the quorum's aggregate-key history.
    pub quorum_apk_indices: Vec<u32>,
    /// Per quorum: index into the quorum's total-stake history.
    pub total_stake_indices: Vec<u32>,
    /// Per quorum, per non-signer in that quorum: index into its stake history.
    pub non_signer_stake_indices: Vec<Vec<u32>>,
}

/// What `BLSSignatureChecker.checkSignatures` takes besides the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonSignerStakesAndSignature {
    /// Per non-signer: index into its quorum-bitmap history.
    pub non_signer_quorum_bitmap_indices: Vec<u32>,
    /// Non-signers' G1 keys, sorted by operator id ascending (the checker requires it).
    pub non_signer_pubkeys: Vec<G1Affine>,
    /// Aggregate G1 key per signed quorum.
    pub quorum_apks: Vec<G1Affine>,
    /// Aggregate G2 key of the signers.
    pub apk_g2: G2Affine,
    /// Aggregate signature.
    pub sigma: G1Affine,
    /// Per quorum: index into the quorum's aggregate-key history.
    pub quorum_apk_indices: Vec<u32>,
    /// Per quorum: index into the quorum's total-stake history.
    pub total_stake_indices: Vec<u32>,
    /// Per quorum, per non-signer in that quorum: index into its stake history.
    pub non_signer_stake_indices: Vec<Vec<u32>>,
}

impl NonSignerStakesAndSignature {
    /// Joins an attestation with the indices read at its reference block, as EigenDA's
    /// `getNonSignerStakesAndSignature` does.
    pub fn new(attestation: &Attestation, indices: CheckSignaturesIndices) -> Self {
        Self {
            non_signer_quorum_bitmap_indices: indices.non_signer_quorum_bitmap_indices,
            non_signer_pubkeys: attestation.non_signer_pubkeys.clone(),
            quorum_apks: attestation.quorum_apks.clone(),
            apk_g2: attestation.apk_g2,
            sigma: attestation.sigma,
            quorum_apk_indices: indices.quorum_apk_indices,
            total_stake_indices: indices.total_stake_indices,
            non_signer_stake_indices: indices.non_signer_stake_indices,
        }
    }
}

impl From<&NonSignerStakesAndSignature> for abi::NonSignerStakesAndSignature {
    fn from(n: &NonSignerStakesAndSignature) -> Self {
        Self {
            nonSignerQuorumBitmapIndices: n.non_signer_quorum_bitmap_indices.clone(),
            nonSignerPubkeys: n.non_signer_pubkeys.iter().map(g1_to_abi).collect(),
            quorumApks: n.quorum_apks.iter().map(g1_to_abi).collect(),
            apkG2: g2_to_abi(&n.apk_g2),
            sigma: g1_to_abi(&n.sigma),
            quorumApkIndices: n.quorum_apk_indices.clone(),
            totalStakeIndices: n.total_stake_indices.clone(),
            nonSignerStakeIndices: n.non_signer_stake_indices.clone(),
        }
    }
}

impl TryFrom<&abi::NonSignerStakesAndSignature> for NonSignerStakesAndSignature {
    type Error = AbiError;

    fn try_from(n: &abi::NonSignerStakesAndSignature) -> Result<Self, AbiError> {
        Ok(Self {
            non_signer_quorum_bitmap_indices: n.nonSignerQuorumBitmapIndices.clone(),
            non_signer_pubkeys: g1s_from_abi(&n.nonSignerPubkeys, "nonSignerPubkeys")?,
            quorum_apks: g1s_from_abi(&n.quorumApks, "quorumApks")?,
            apk_g2: g2_from_abi_field(&n.apkG2, "apkG2")?,
            sigma: g1_from_abi_field(&n.sigma, "sigma")?,
            quorum_apk_indices: n.quorumApkIndices.clone(),
            total_stake_indices: n.totalStakeIndices.clone(),
            non_signer_stake_indices: n.nonSignerStakeIndices.clone(),
        })
    }
}

/// A DA certificate: everything a rollup needs to prove its blob was attested.
///
/// [`DaCertV3::abi_encode`] gives `abi.encode(cert)`, the bytes `checkDACert(bytes)`
/// decodes with `abi.decode(data, (EigenDACertV3))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaCertV3 {
    /// The batch the blob is in.
    pub batch_header: BatchHeader,
    /// The blob's certificate, its index and Merkle proof.
    pub blob_inclusion_info: BlobInclusionInfo,
    /// Signature, aggregate keys, non-signers and registry indices.
    pub non_signer_stakes_and_signature: NonSignerStakesAndSignature,
    /// Quorums the signature covers, ascending (one byte each).
    pub signed_quorum_numbers: Vec<QuorumId>,
}

impl DaCertV3 {
    /// The blob's key, recomputed from the header in the certificate.
    pub fn blob_key(&self) -> BlobKey {
        self.blob_inclusion_info
            .blob_certificate
            .blob_header
            .blob_key()
    }

    /// `abi.encode(cert)`: the argument of `checkDACert(bytes)`.
    pub fn abi_encode(&self) -> Vec<u8> {
        abi::DACertV3::from(self).abi_encode()
    }

    /// Decodes `abi.encode(cert)` and validates every point.
    pub fn abi_decode(data: &[u8]) -> Result<Self, AbiError> {
        let cert = abi::DACertV3::abi_decode_validate(data).map_err(|e| AbiError::Decode {
            what: "DACertV3",
            reason: e.to_string(),
        })?;
        Self::try_from(&cert)
    }
}

impl From<&DaCertV3> for abi::DACertV3 {
    fn from(c: &DaCertV3) -> Self {
        Self {
            batchHeader: (&c.batch_header).into(),
            blobInclusionInfo: (&c.blob_inclusion_info).into(),
            nonSignerStakesAndSignature: (&c.non_signer_stakes_and_signature).into(),
            signedQuorumNumbers: Bytes::copy_from_slice(&c.signed_quorum_numbers),
        }
    }
}

impl TryFrom<&abi::DACertV3> for DaCertV3 {
    type Error = AbiError;

    fn try_from(c: &abi::DACertV3) -> Result<Self, AbiError> {
        Ok(Self {
            batch_header: (&c.batchHeader).into(),
            blob_inclusion_info: (&c.blobInclusionInfo).try_into()?,
            non_signer_stakes_and_signature: (&c.nonSignerStakesAndSignature).try_into()?,
            signed_quorum_numbers: c.signedQuorumNumbers.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bls::{SecretKey, aggregate_g1, aggregate_g2};
    use crate::merkle::MerkleTree;
    use crate::types::{BlobCertificate, BlobHeader};
    use alloy_primitives::{B256, U256};
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::{AffineRepr, CurveGroup};
    use lamina_encoding::BlobCommitments;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// A certificate with every field populated from `seed`.
    pub(crate) fn sample_cert(seed: u64) -> DaCertV3 {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let keys: Vec<SecretKey> = (0..3).map(|_| SecretKey::random(&mut rng)).collect();
        let s = SecretKey::random(&mut rng).scalar();
        let certs: Vec<BlobCertificate> = (0..5u16)
            .map(|i| BlobCertificate {
                blob_header: BlobHeader {
                    version: i,
                    quorum_numbers: vec![0, 1],
                    commitment: BlobCommitments {
                        commitment: (G1Affine::generator() * s).into_affine(),
                        length_commitment: (G2Affine::generator() * s).into_affine(),
                        length_proof: G2Affine::generator(),
                        length: 1 << i,
                    },
                    payment_header_hash: B256::from(rng.r#gen::<[u8; 32]>()),
                },
                signature: vec![i as u8; 65],
                relay_keys: vec![u32::from(i), 7],
            })
            .collect();
        let hashes: Vec<B256> = certs.iter().map(BlobCertificate::hash).collect();
        let tree = MerkleTree::from_certificate_hashes(&hashes).expect("nonempty");
        let batch_header = BatchHeader {
            batch_root: tree.root(),
            reference_block_number: 0xabcdef,
        };
        let msg = batch_header.hash();
        let sigma = crate::bls::Signature::aggregate(
            &keys[1..].iter().map(|k| k.sign(msg)).collect::<Vec<_>>(),
        )
        .expect("nonempty");
        let g1s: Vec<G1Affine> = keys.iter().map(SecretKey::public_g1).collect();
        let g2s: Vec<G2Affine> = keys[1..].iter().map(SecretKey::public_g2).collect();
        let attestation = Attestation {
            non_signer_pubkeys: vec![g1s[0]],
            quorum_apks: vec![aggregate_g1(&g1s), aggregate_g1(&g1s[1..])],
            sigma: sigma.point(),
            apk_g2: aggregate_g2(&g2s),
            quorum_numbers: vec![0, 1],
            quorum_signed_percentages: vec![66, 100],
        };
        let indices = CheckSignaturesIndices {
            non_signer_quorum_bitmap_indices: vec![3],
            quorum_apk_indices: vec![1, 2],
            total_stake_indices: vec![4, 5],
            non_signer_stake_indices: vec![vec![6], vec![]],
        };
        DaCertV3 {
            batch_header,
            blob_inclusion_info: BlobInclusionInfo {
                blob_certificate: certs[3].clone(),
                blob_index: 3,
                inclusion_proof: tree.proof(3).expect("in range"),
            },
            non_signer_stakes_and_signature: NonSignerStakesAndSignature::new(
                &attestation,
                indices,
            ),
            signed_quorum_numbers: attestation.quorum_numbers.clone(),
        }
    }

    #[test]
    fn abi_round_trip() {
        let cert = sample_cert(1);
        let bytes = cert.abi_encode();
        assert_eq!(DaCertV3::abi_decode(&bytes), Ok(cert.clone()));
        assert!(
            cert.blob_inclusion_info
                .verify(cert.batch_header.batch_root)
        );
        let n = &cert.non_signer_stakes_and_signature;
        // The aggregate G1 key of the signers is quorum apk minus the non-signer.
        let signers = (n.quorum_apks[0].into_group() - n.non_signer_pubkeys[0]).into_affine();
        assert!(crate::bls::check_signature_and_apk(
            cert.batch_header.hash(),
            &signers,
            &n.apk_g2,
            &n.sigma
        ));
    }

    #[test]
    fn layout_of_the_encoding() {
        // abi.encode of a dynamic struct: an offset word (0x20), then the struct's head,
        // whose first field is the static BatchHeaderV2: batchRoot, then referenceBlockNumber.
        let cert = sample_cert(2);
        let bytes = cert.abi_encode();
        assert_eq!(U256::from_be_slice(&bytes[..32]), U256::from(32));
        assert_eq!(&bytes[32..64], cert.batch_header.batch_root.as_slice());
        assert_eq!(U256::from_be_slice(&bytes[64..96]), U256::from(0xabcdef));
    }

    #[test]
    fn decoding_rejects_garbage_and_bad_points() {
        assert!(matches!(
            DaCertV3::abi_decode(&[1, 2, 3]),
            Err(AbiError::Decode { .. })
        ));
        let cert = sample_cert(3);
        let mut raw = abi::DACertV3::from(&cert);
        raw.nonSignerStakesAndSignature.sigma.Y += U256::from(1);
        let bytes = alloy_sol_types::SolValue::abi_encode(&raw);
        assert!(matches!(
            DaCertV3::abi_decode(&bytes),
            Err(AbiError::Point { field: "sigma", .. })
        ));
        let mut raw = abi::DACertV3::from(&cert);
        raw.blobInclusionInfo.inclusionProof = vec![0u8; 31].into();
        let bytes = alloy_sol_types::SolValue::abi_encode(&raw);
        assert_eq!(
            DaCertV3::abi_decode(&bytes),
            Err(AbiError::ProofLength { len: 31 })
        );
    }
}
