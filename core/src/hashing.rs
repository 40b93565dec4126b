//! The protocol's hashes, bit for bit as EigenDA v2 and its contracts compute them.
//!
//! | hash | preimage | upstream |
//! |---|---|---|
//! | blob header hash | `abi.encode(uint16 version, bytes quorumNumbers, BlobCommitment commitment)` | `EigenDACertVerificationLib.hashBlobHeaderV2` (inner) |
//! | blob key | `abi.encode(bytes32 blobHeaderHash, bytes32 paymentHeaderHash)` | `hashBlobHeaderV2`; `core/v2/serialization.go` `ComputeBlobKey` |
//! | certificate hash | `abi.encode(bytes32 blobKey, bytes signature, uint32[] relayKeys)` | `hashBlobCertificate`; `BlobCertificate.Hash` |
//! | batch header hash | `abi.encode(BatchHeaderV2)` = `abi.encode(bytes32 batchRoot, uint32 referenceBlockNumber)` | `hashBatchHeaderV2`; `BatchHeader.Hash` |
//! | Merkle leaf | `abi.encodePacked(bytes32 certificateHash)` | `checkBlobInclusion`; go-merkletree hashes each datum |
//!
//! All are `keccak256`. `BlobCommitment` is `((X, Y), (X[2], Y[2]), (X[2], Y[2]), uint32 length)` with
//! G2 coordinates imaginary part first (see [`crate::abi`]). EigenDA's Go `ComputeBlobKey` later
//! gained a `salt` word in the inner tuple; the deployed `hashBlobHeaderV2` has none, and
//! neither do we.

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_sol_types::SolValue;

use crate::abi;
use crate::types::{BatchHeader, BlobCertificate, BlobHeader, BlobKey};

/// `keccak256(abi.encode(version, quorumNumbers, commitment))`, the inner hash of a blob key.
pub fn blob_header_hash(header: &BlobHeader) -> B256 {
    let commitment = crate::types::blob_commitment_to_abi(&header.commitment);
    let quorums = Bytes::copy_from_slice(&header.quorum_numbers);
    keccak256((header.version, quorums, commitment).abi_encode_params())
}

/// `keccak256(abi.encode(blobHeaderHash, paymentHeaderHash))`.
pub fn blob_key(header: &BlobHeader) -> BlobKey {
    let inner = blob_header_hash(header);
    BlobKey::from(keccak256(
        (inner, header.payment_header_hash).abi_encode_params(),
    ))
}

/// `keccak256(abi.encode(blobKey, signature, relayKeys))`.
pub fn blob_certificate_hash(cert: &BlobCertificate) -> B256 {
    let key = blob_key(&cert.blob_header).as_b256();
    let signature = Bytes::copy_from_slice(&cert.signature);
    keccak256((key, signature, cert.relay_keys.clone()).abi_encode_params())
}

/// `keccak256(abi.encode(BatchHeaderV2))`: the message each operator signs.
pub fn batch_header_hash(header: &BatchHeader) -> B256 {
    keccak256(abi::BatchHeaderV2::from(header).abi_encode())
}

/// The Merkle leaf of a certificate: `keccak256(abi.encodePacked(certificateHash))`.
pub fn merkle_leaf(certificate_hash: B256) -> B256 {
    keccak256(certificate_hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use lamina_encoding::BlobCommitments;

    fn word(v: u64) -> [u8; 32] {
        U256::from(v).to_be_bytes()
    }

    fn sample_header() -> BlobHeader {
        BlobHeader {
            version: 3,
            quorum_numbers: vec![0, 1],
            commitment: BlobCommitments {
                commitment: G1Affine::generator(),
                length_commitment: G2Affine::generator(),
                length_proof: G2Affine::generator(),
                length: 16,
            },
            payment_header_hash: B256::repeat_byte(0xab),
        }
    }

    /// The ABI layout written out word by word, as Solidity lays out
    /// `abi.encode(uint16, bytes, BlobCommitment)`: a static struct is inlined in the head.
    #[test]
    fn blob_header_preimage_layout_by_hand() {
        let h = sample_header();
        let g2 = crate::abi::g2_to_abi(&G2Affine::generator());
        let mut expected = Vec::new();
        expected.extend(word(3)); // version
        // head: version, offset(bytes), commitment (2 + 4 + 4 words), length
        let head_words = 1 + 1 + 2 + 4 + 4 + 1;
        expected.extend(word(32 * head_words)); // offset of quorumNumbers
        expected.extend(word(1)); // G1 X
        expected.extend(word(2)); // G1 Y
        for _ in 0..2 {
            for w in g2.X.iter().chain(g2.Y.iter()) {
                expected.extend(w.to_be_bytes::<32>());
            }
        }
        expected.extend(word(16)); // length
        expected.extend(word(2)); // bytes length
        let mut data = [0u8; 32];
        data[0] = 0;
        data[1] = 1;
        expected.extend(data);
        assert_eq!(blob_header_hash(&h), keccak256(&expected));

        let mut outer = blob_header_hash(&h).to_vec();
        outer.extend(h.payment_header_hash);
        assert_eq!(blob_key(&h).as_b256(), keccak256(&outer));
    }

    #[test]
    fn certificate_hash_layout_by_hand() {
        let cert = BlobCertificate {
            blob_header: sample_header(),
            signature: vec![0xee; 3],
            relay_keys: vec![7, 9],
        };
        let mut expected = Vec::new();
        expected.extend(blob_key(&cert.blob_header).0);
        expected.extend(word(96)); // offset of signature
        expected.extend(word(160)); // offset of relayKeys: 96 + 32 (len) + 32 (padded data)
        expected.extend(word(3));
        let mut sig = [0u8; 32];
        sig[..3].copy_from_slice(&[0xee; 3]);
        expected.extend(sig);
        expected.extend(word(2));
        expected.extend(word(7));
        expected.extend(word(9));
        assert_eq!(blob_certificate_hash(&cert), keccak256(&expected));
    }

    #[test]
    fn batch_header_hash_is_two_words() {
        let h = BatchHeader {
            batch_root: B256::repeat_byte(0x11),
            reference_block_number: 0x0102_0304,
        };
        let mut expected = h.batch_root.to_vec();
        expected.extend(word(0x0102_0304));
        assert_eq!(batch_header_hash(&h), keccak256(&expected));
    }

    #[test]
    fn every_field_changes_the_key() {
        let base = sample_header();
        let key = base.blob_key();
        let mut h = base.clone();
        h.version = 4;
        assert_ne!(h.blob_key(), key);
        let mut h = base.clone();
        h.quorum_numbers = vec![0];
        assert_ne!(h.blob_key(), key);
        let mut h = base.clone();
        h.commitment.length = 32;
        assert_ne!(h.blob_key(), key);
        let mut h = base.clone();
        h.commitment.commitment = (G1Affine::generator() + G1Affine::generator()).into();
        assert_ne!(h.blob_key(), key);
        let mut h = base;
        h.payment_header_hash = B256::ZERO;
        assert_ne!(h.blob_key(), key);
    }
}
