//! Batch headers, attestations and blob inclusion info (EigenDA v2
//! `BatchHeaderV2`, `Attestation`, `BlobInclusionInfo`).

use alloy_primitives::{B256, Bytes};
use ark_bn254::{G1Affine, G2Affine};

use super::{BlobCertificate, QuorumId};
use crate::abi::{self, g1_from_abi, g1_to_abi, g2_from_abi, g2_to_abi};
use crate::error::AbiError;
use crate::hashing;
use crate::merkle::MerkleProof;

/// What operators sign: the root of the batch's certificate tree and the block
/// at which operator state and stakes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct BatchHeader {
    /// Root of the Merkle tree over the batch's blob certificate hashes.
    pub batch_root: B256,
    /// Reference block number for operator state.
    pub reference_block_number: u32,
}

impl BatchHeader {
    /// `keccak256(abi.encode(batchRoot, referenceBlockNumber))`: the message operators
    /// BLS-sign (see [`hashing::batch_header_hash`]).
    pub fn hash(&self) -> B256 {
        hashing::batch_header_hash(self)
    }
}

impl From<&BatchHeader> for abi::BatchHeaderV2 {
    fn from(h: &BatchHeader) -> Self {
        Self {
            batchRoot: h.batch_root,
            referenceBlockNumber: h.reference_block_number,
        }
    }
}

impl From<&abi::BatchHeaderV2> for BatchHeader {
    fn from(h: &abi::BatchHeaderV2) -> Self {
        Self {
            batch_root: h.batchRoot,
            reference_block_number: h.referenceBlockNumber,
        }
    }
}

/// The aggregated BLS attestation of a batch.
///
/// As `BLSSignatureChecker.checkSignatures` (and EigenDA's aggregator) count it, `sigma`
/// and `apk_g2` are sums over the signed quorums: an operator that signed and belongs to
/// `k` of `quorum_numbers` contributes its signature and its G2 key `k` times, matching
/// `Σ_q (quorum_apks[q] − non-signers of q)` on the G1 side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// G1 keys of the operators (in any signed quorum) that did not sign.
    pub non_signer_pubkeys: Vec<G1Affine>,
    /// Aggregate G1 key of each quorum in `quorum_numbers`, same order.
    pub quorum_apks: Vec<G1Affine>,
    /// Aggregate signature of the signers.
    pub sigma: G1Affine,
    /// Aggregate G2 key of the signers.
    pub apk_g2: G2Affine,
    /// Quorums the attestation covers, ascending.
    pub quorum_numbers: Vec<QuorumId>,
    /// Percentage of each quorum's stake that signed, same order as `quorum_numbers`.
    pub quorum_signed_percentages: Vec<u8>,
}

impl From<&Attestation> for abi::Attestation {
    /// The on-chain struct has no percentages: they are dropped.
    fn from(a: &Attestation) -> Self {
        Self {
            nonSignerPubkeys: a.non_signer_pubkeys.iter().map(g1_to_abi).collect(),
            quorumApks: a.quorum_apks.iter().map(g1_to_abi).collect(),
            sigma: g1_to_abi(&a.sigma),
            apkG2: g2_to_abi(&a.apk_g2),
            quorumNumbers: a.quorum_numbers.iter().map(|&q| u32::from(q)).collect(),
        }
    }
}

/// Where a blob certificate sits in a batch, with its Merkle proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInclusionInfo {
    /// The certificate.
    pub blob_certificate: BlobCertificate,
    /// Its leaf index in the batch's tree.
    pub blob_index: u32,
    /// Sibling hashes from the leaf up to the root.
    pub inclusion_proof: MerkleProof,
}

impl BlobInclusionInfo {
    /// Whether the proof places this certificate under `batch_root` at `blob_index`,
    /// with the contract's `checkBlobInclusion` leaf `keccak256(certHash)`.
    pub fn verify(&self, batch_root: B256) -> bool {
        let leaf = hashing::merkle_leaf(self.blob_certificate.hash());
        self.inclusion_proof
            .verify(batch_root, leaf, self.blob_index)
    }
}

impl From<&BlobInclusionInfo> for abi::BlobInclusionInfo {
    fn from(i: &BlobInclusionInfo) -> Self {
        Self {
            blobCertificate: (&i.blob_certificate).into(),
            blobIndex: i.blob_index,
            inclusionProof: Bytes::from(i.inclusion_proof.to_bytes()),
        }
    }
}

impl TryFrom<&abi::BlobInclusionInfo> for BlobInclusionInfo {
    type Error = AbiError;

    fn try_from(i: &abi::BlobInclusionInfo) -> Result<Self, AbiError> {
        Ok(Self {
            blob_certificate: (&i.blobCertificate).try_into()?,
            blob_index: i.blobIndex,
            inclusion_proof: MerkleProof::from_bytes(&i.inclusionProof)?,
        })
    }
}

pub(crate) fn g1s_from_abi(
    points: &[abi::G1Point],
    field: &'static str,
) -> Result<Vec<G1Affine>, AbiError> {
    points
        .iter()
        .map(|p| g1_from_abi(p).map_err(|source| AbiError::Point { field, source }))
        .collect()
}

pub(crate) fn g2_from_abi_field(
    point: &abi::G2Point,
    field: &'static str,
) -> Result<G2Affine, AbiError> {
    g2_from_abi(point).map_err(|source| AbiError::Point { field, source })
}

pub(crate) fn g1_from_abi_field(
    point: &abi::G1Point,
    field: &'static str,
) -> Result<G1Affine, AbiError> {
    g1_from_abi(point).map_err(|source| AbiError::Point { field, source })
}
