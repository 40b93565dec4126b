//! The digests signed over requests: a disperser's over `StoreChunks` (a node checks it),
//! an account's over `GetPaymentState`.

use alloy_primitives::{B256, Keccak256, keccak256};
use prost::Message;

use crate::node::v1::StoreChunksRequest;

/// Separates these digests from any other keccak the disperser's key might sign.
const DOMAIN: &[u8] = b"lamina.node.v1.StoreChunks";

/// `keccak256(DOMAIN ‖ keccak256(batch) ‖ timestamp ‖ frames…)` where `batch` is the
/// protobuf encoding of the request's batch (header and every certificate, so the whole
/// batch is covered, payment headers included), `timestamp` is 8 bytes big-endian, and
/// for each blob, in order, its quorum count, then for each quorum its id, its index count,
/// every chunk index (4 bytes big-endian each) and the keccak of every frame.
///
/// Every count is written before its list, so no two different requests share a preimage.
/// The signature field itself is not covered. prost encodes a message deterministically
/// (fields in order, no maps), so the disperser and the node hash the same bytes.
pub fn store_chunks_digest(request: &StoreChunksRequest) -> B256 {
    let batch = request
        .batch
        .as_ref()
        .map(Message::encode_to_vec)
        .unwrap_or_default();
    let mut hasher = Keccak256::new();
    hasher.update(DOMAIN);
    hasher.update(keccak256(&batch));
    hasher.update(request.timestamp.to_be_bytes());
    hasher.update((request.blobs.len() as u64).to_be_bytes());
    for blob in &request.blobs {
        hasher.update((blob.quorums.len() as u64).to_be_bytes());
        for quorum in &blob.quorums {
            hasher.update(quorum.quorum_id.to_be_bytes());
            hasher.update((quorum.chunk_indices.len() as u64).to_be_bytes());
            for index in &quorum.chunk_indices {
                hasher.update(index.to_be_bytes());
            }
            hasher.update((quorum.frames.len() as u64).to_be_bytes());
            for frame in &quorum.frames {
                hasher.update(keccak256(frame));
            }
        }
    }
    hasher.finalize()
}

/// Domain of [`payment_state_digest`].
const PAYMENT_STATE_DOMAIN: &[u8] = b"lamina.GetPaymentState.v1";

/// What an account signs to read its payment state (`GetPaymentStateRequest.signature`):
/// `keccak256("lamina.GetPaymentState.v1" ‖ account (20 bytes) ‖ timestamp_ns (8 bytes
/// big-endian, two's complement))`.
pub fn payment_state_digest(account: alloy_primitives::Address, timestamp_ns: i64) -> B256 {
    let mut hasher = Keccak256::new();
    hasher.update(PAYMENT_STATE_DOMAIN);
    hasher.update(account.as_slice());
    hasher.update(timestamp_ns.to_be_bytes());
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::v1::{Batch, BatchHeader};
    use crate::node::v1::{BlobFrames, QuorumFrames};

    fn request() -> StoreChunksRequest {
        StoreChunksRequest {
            batch: Some(Batch {
                header: Some(BatchHeader {
                    batch_root: vec![9; 32],
                    reference_block_number: 42,
                }),
                blob_certificates: vec![],
            }),
            blobs: vec![BlobFrames {
                quorums: vec![QuorumFrames {
                    quorum_id: 0,
                    chunk_indices: vec![3, 4],
                    frames: vec![vec![1, 2, 3], vec![4, 5, 6]],
                }],
            }],
            timestamp: 1_700_000_000_000_000_000,
            disperser_signature: vec![],
        }
    }

    #[test]
    fn every_signed_field_changes_the_digest_and_the_signature_does_not() {
        let base = store_chunks_digest(&request());
        let mut r = request();
        r.disperser_signature = vec![7; 65];
        assert_eq!(store_chunks_digest(&r), base);

        let mutations: [fn(&mut StoreChunksRequest); 6] = [
            |r| r.timestamp += 1,
            |r| {
                r.batch
                    .as_mut()
                    .expect("batch")
                    .header
                    .as_mut()
                    .expect("header")
                    .reference_block_number += 1
            },
            |r| r.blobs[0].quorums[0].quorum_id = 1,
            |r| r.blobs[0].quorums[0].chunk_indices.swap(0, 1),
            |r| r.blobs[0].quorums[0].frames[1][0] ^= 1,
            |r| r.blobs.push(BlobFrames { quorums: vec![] }),
        ];
        for (i, mutate) in mutations.iter().enumerate() {
            let mut r = request();
            mutate(&mut r);
            assert_ne!(
                store_chunks_digest(&r),
                base,
                "mutation {i} kept the digest"
            );
        }
    }

    /// Moving a frame from one quorum to the next must not keep the digest: counts prefix
    /// every list.
    #[test]
    fn list_boundaries_are_bound() {
        let mut a = request();
        a.blobs[0].quorums.push(QuorumFrames {
            quorum_id: 0,
            chunk_indices: vec![],
            frames: vec![],
        });
        let mut b = request();
        let moved = b.blobs[0].quorums[0].frames.pop().expect("a frame");
        b.blobs[0].quorums.push(QuorumFrames {
            quorum_id: 0,
            chunk_indices: vec![],
            frames: vec![moved],
        });
        assert_ne!(store_chunks_digest(&a), store_chunks_digest(&b));
    }

    /// Known answer, computed independently with Foundry's `cast`:
    /// `cast keccak 0x$(printf lamina.GetPaymentState.v1 | xxd -p)1f…1f$(printf %016x 1700000000000000000)`.
    #[test]
    fn payment_state_digest_known_answer() {
        assert_eq!(
            payment_state_digest(
                alloy_primitives::Address::repeat_byte(0x1f),
                1_700_000_000_000_000_000
            )
            .to_string(),
            "0x3c8f1b5a51237c8440c2d6cad95703b85bcaa72bd3b3d6a0a0cd03fbf8785c5c"
        );
    }
}
