//! Blob headers, blob keys and blob certificates (EigenDA v2 `BlobHeaderV2`,
//! `BlobCertificate`).

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{B256, Bytes};
use lamina_encoding::BlobCommitments;

use super::QuorumId;
use crate::abi::{self, g1_from_abi, g1_to_abi, g2_from_abi, g2_to_abi};
use crate::error::AbiError;
use crate::hashing;

/// A blob's identity: `keccak256(abi.encode(keccak256(abi.encode(version,
/// quorumNumbers, commitment)), paymentHeaderHash))` (see [`hashing::blob_key`]).
///
/// Displays as 64 lowercase hex digits without `0x`, as EigenDA prints blob keys.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BlobKey(pub [u8; 32]);

impl BlobKey {
    /// The key as a `bytes32` word.
    pub fn as_b256(&self) -> B256 {
        B256::from(self.0)
    }
}

impl From<B256> for BlobKey {
    fn from(value: B256) -> Self {
        Self(value.0)
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobKey({self})")
    }
}

impl FromStr for BlobKey {
    type Err = hex::FromHexError;

    /// Parses 64 hex digits, with or without `0x`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)?;
        Ok(Self(out))
    }
}

/// What a client commits to when it disperses a blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    /// Blob version: an index into the threshold registry's `VersionedBlobParams`.
    pub version: u16,
    /// Quorums that must attest the blob, ascending, no duplicates.
    pub quorum_numbers: Vec<QuorumId>,
    /// KZG commitment, length commitment and length proof.
    pub commitment: BlobCommitments,
    /// `keccak256` of the payment header (account, timestamp, payment), opaque here.
    pub payment_header_hash: B256,
}

impl BlobHeader {
    /// This header's [`BlobKey`].
    pub fn blob_key(&self) -> BlobKey {
        hashing::blob_key(self)
    }
}

/// A blob header with the client's signature over its key and the relays that serve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobCertificate {
    /// The blob's header.
    pub blob_header: BlobHeader,
    /// The client's ECDSA signature over the blob key (65 bytes `r ‖ s ‖ v`).
    pub signature: Vec<u8>,
    /// Relay keys that serve the blob (Lamina has no relays yet: usually empty).
    pub relay_keys: Vec<u32>,
}

impl BlobCertificate {
    /// `keccak256(abi.encode(blobKey, signature, relayKeys))`: the value a batch's
    /// Merkle tree commits to (see [`hashing::blob_certificate_hash`]).
    pub fn hash(&self) -> B256 {
        hashing::blob_certificate_hash(self)
    }
}

pub(crate) fn blob_commitment_to_abi(c: &BlobCommitments) -> abi::BlobCommitment {
    abi::BlobCommitment {
        commitment: g1_to_abi(&c.commitment),
        lengthCommitment: g2_to_abi(&c.length_commitment),
        lengthProof: g2_to_abi(&c.length_proof),
        length: c.length,
    }
}

fn commitment_from_abi(c: &abi::BlobCommitment) -> Result<BlobCommitments, AbiError> {
    let point = |field| move |source| AbiError::Point { field, source };
    Ok(BlobCommitments {
        commitment: g1_from_abi(&c.commitment).map_err(point("commitment.commitment"))?,
        length_commitment: g2_from_abi(&c.lengthCommitment)
            .map_err(point("commitment.lengthCommitment"))?,
        length_proof: g2_from_abi(&c.lengthProof).map_err(point("commitment.lengthProof"))?,
        length: c.length,
    })
}

impl From<&BlobHeader> for abi::BlobHeaderV2 {
    fn from(h: &BlobHeader) -> Self {
        Self {
            version: h.version,
            quorumNumbers: Bytes::copy_from_slice(&h.quorum_numbers),
            commitment: blob_commitment_to_abi(&h.commitment),
            paymentHeaderHash: h.payment_header_hash,
        }
    }
}

impl TryFrom<&abi::BlobHeaderV2> for BlobHeader {
    type Error = AbiError;

    fn try_from(h: &abi::BlobHeaderV2) -> Result<Self, AbiError> {
        Ok(Self {
            version: h.version,
            quorum_numbers: h.quorumNumbers.to_vec(),
            commitment: commitment_from_abi(&h.commitment)?,
            payment_header_hash: h.paymentHeaderHash,
        })
    }
}

impl From<&BlobCertificate> for abi::BlobCertificate {
    fn from(c: &BlobCertificate) -> Self {
        Self {
            blobHeader: (&c.blob_header).into(),
            signature: Bytes::copy_from_slice(&c.signature),
            relayKeys: c.relay_keys.clone(),
        }
    }
}

impl TryFrom<&abi::BlobCertificate> for BlobCertificate {
    type Error = AbiError;

    fn try_from(c: &abi::BlobCertificate) -> Result<Self, AbiError> {
        Ok(Self {
            blob_header: (&c.blobHeader).try_into()?,
            signature: c.signature.to_vec(),
            relay_keys: c.relayKeys.clone(),
        })
    }
}
