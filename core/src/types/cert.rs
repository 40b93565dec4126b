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
