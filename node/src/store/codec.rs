//! Byte layouts of the store's records. Fixed-width big-endian integers, so that
//! expiry keys sort by time and every record is decodable without a schema.
//! Public as `lamina_node::store_codec` for the fuzz targets (`fuzz/`).

use alloy_primitives::B256;
use lamina_core::{BlobKey, QuorumId};

use crate::error::StoreError;

/// Frames value tag: the frames follow.
const TAG_FRAMES: u8 = 0;
/// Frames value tag: same frames as those stored under another quorum (one byte follows).
/// An operator's assignment is one index set for all of a blob's quorums, so the
/// frames are stored once and the other quorums point at them.
const TAG_ALIAS: u8 = 1;

/// What the frames column holds for one (blob key, quorum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FramesRecord {
    /// `(chunk index, frame bytes)` in assignment order.
    Frames(Vec<(u32, Vec<u8>)>),
    /// Same frames as the entry of this quorum.
    Alias(QuorumId),
}

/// Key of the frames column: blob key ‖ quorum.
pub fn frames_key(key: &BlobKey, quorum: QuorumId) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[..32].copy_from_slice(&key.0);
    out[32] = quorum;
    out
}

/// `[first, last)` covering every frames key of a blob.
pub fn frames_range(key: &BlobKey) -> (Vec<u8>, Vec<u8>) {
    let mut end = [0xffu8; 34];
    end[..32].copy_from_slice(&key.0);
    (frames_key(key, 0).to_vec(), end.to_vec())
}

/// Encodes frames as `u32 count, then per frame: u32 index, u32 length, bytes`.
pub fn encode_frames(frames: &[(u32, &[u8])]) -> Vec<u8> {
    let total: usize = frames.iter().map(|(_, f)| 8 + f.len()).sum();
    let mut out = Vec::with_capacity(5 + total);
    out.push(TAG_FRAMES);
    out.extend_from_slice(&(frames.len() as u32).to_be_bytes());
    for (index, frame) in frames {
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        out.extend_from_slice(frame);
    }
    out
}

/// Encodes an alias to `quorum`'s frames.
pub fn encode_alias(quorum: QuorumId) -> [u8; 2] {
    [TAG_ALIAS, quorum]
}

fn corrupt(table: &'static str, key: &[u8], reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        key: hex::encode(key),
        reason: reason.into(),
    }
}

/// Reads a big-endian u32 at `at`.
fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a big-endian u64 at `at`.
fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_be_bytes(b))
}

/// Decodes a frames value.
pub fn decode_frames(key: &[u8], value: &[u8]) -> Result<FramesRecord, StoreError> {
    match value.first() {
        Some(&TAG_ALIAS) => match value.get(1) {
            Some(&q) if value.len() == 2 => Ok(FramesRecord::Alias(q)),
            _ => Err(corrupt("frames", key, "alias record is not 2 bytes")),
        },
        Some(&TAG_FRAMES) => {
            let count = be_u32(value, 1).ok_or_else(|| corrupt("frames", key, "no count"))?;
            let mut at = 5;
            let mut frames = Vec::with_capacity(count.min(1 << 16) as usize);
            for i in 0..count {
                let index = be_u32(value, at)
                    .ok_or_else(|| corrupt("frames", key, format!("frame {i}: no index")))?;
                let len = be_u32(value, at + 4)
                    .ok_or_else(|| corrupt("frames", key, format!("frame {i}: no length")))?
                    as usize;
                let bytes = value
                    .get(at + 8..at + 8 + len)
                    .ok_or_else(|| corrupt("frames", key, format!("frame {i}: truncated")))?;
                frames.push((index, bytes.to_vec()));
                at += 8 + len;
            }
            if at != value.len() {
                return Err(corrupt("frames", key, "trailing bytes"));
            }
            Ok(FramesRecord::Frames(frames))
        }
        _ => Err(corrupt("frames", key, "unknown tag")),
    }
}

/// Prefixes a value with its expiry (seconds since the Unix epoch).
pub fn with_expiry(expiry: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&expiry.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Splits a value into its expiry and body.
pub fn split_expiry<'a>(
    table: &'static str,
    key: &[u8],
    value: &'a [u8],
) -> Result<(u64, &'a [u8]), StoreError> {
    let expiry = be_u64(value, 0).ok_or_else(|| corrupt(table, key, "no expiry"))?;
    Ok((expiry, &value[8..]))
}

/// A stored batch: its reference block, root and blob keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// Reference block.
    pub reference_block: u32,
    /// Batch root.
    pub batch_root: B256,
    /// Blob keys of the batch, in order.
    pub blob_keys: Vec<BlobKey>,
}

/// `reference_block u32 ‖ root ‖ count u32 ‖ keys`.
pub fn encode_batch(batch: &BatchRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + 32 * batch.blob_keys.len());
    out.extend_from_slice(&batch.reference_block.to_be_bytes());
    out.extend_from_slice(batch.batch_root.as_slice());
    out.extend_from_slice(&(batch.blob_keys.len() as u32).to_be_bytes());
    for key in &batch.blob_keys {
        out.extend_from_slice(&key.0);
    }
    out
}

/// Inverse of [`encode_batch`].
pub fn decode_batch(key: &[u8], body: &[u8]) -> Result<BatchRecord, StoreError> {
    let bad = |why: &str| corrupt("batches", key, why);
    let reference_block = be_u32(body, 0).ok_or_else(|| bad("no reference block"))?;
    let root: [u8; 32] = body
        .get(4..36)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("no root"))?;
    let count = be_u32(body, 36).ok_or_else(|| bad("no count"))? as usize;
    let keys = body.get(40..).ok_or_else(|| bad("no keys"))?;
    if keys.len() != 32 * count {
        return Err(bad("key list length"));
    }
    let blob_keys = keys
        .chunks_exact(32)
        .map(|k| {
            let mut out = [0u8; 32];
            out.copy_from_slice(k);
            BlobKey(out)
        })
        .collect();
    Ok(BatchRecord {
        reference_block,
        batch_root: B256::from(root),
        blob_keys,
    })
}

/// Expiry index key: expiry seconds (big-endian, so keys sort by time) ‖ batch header hash.
pub fn expiry_key(expiry: u64, batch: &B256) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..8].copy_from_slice(&expiry.to_be_bytes());
    out[8..].copy_from_slice(batch.as_slice());
    out
}

/// Inverse of [`expiry_key`].
pub fn decode_expiry_key(key: &[u8]) -> Result<(u64, B256), StoreError> {
    if key.len() != 40 {
        return Err(corrupt("expiry", key, "key is not 40 bytes"));
    }
    let expiry = be_u64(key, 0).ok_or_else(|| corrupt("expiry", key, "no time"))?;
    Ok((expiry, B256::from_slice(&key[8..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let frames: Vec<(u32, Vec<u8>)> = vec![(7, vec![1, 2, 3]), (3, vec![]), (9, vec![0; 64])];
        let refs: Vec<(u32, &[u8])> = frames.iter().map(|(i, f)| (*i, f.as_slice())).collect();
        assert_eq!(
            decode_frames(b"k", &encode_frames(&refs)).expect("decodes"),
            FramesRecord::Frames(frames)
        );
        assert_eq!(
            decode_frames(b"k", &encode_alias(3)).expect("decodes"),
            FramesRecord::Alias(3)
        );
        let batch = BatchRecord {
            reference_block: 42,
            batch_root: B256::repeat_byte(9),
            blob_keys: vec![BlobKey([1; 32]), BlobKey([2; 32])],
        };
        assert_eq!(
            decode_batch(b"k", &encode_batch(&batch)).expect("decodes"),
            batch
        );
        let key = expiry_key(1_700_000_000, &B256::repeat_byte(4));
        assert_eq!(
            decode_expiry_key(&key).expect("decodes"),
            (1_700_000_000, B256::repeat_byte(4))
        );
    }

    #[test]
    fn truncated_records_are_corrupt_not_panics() {
        let refs: Vec<(u32, &[u8])> = vec![(1, &[5u8; 10][..])];
        let full = encode_frames(&refs);
        for cut in 0..full.len() {
            assert!(decode_frames(b"k", &full[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode_batch(b"k", &[0; 39]).is_err());
        assert!(decode_expiry_key(&[0; 39]).is_err());
    }

    #[test]
    fn expiry_keys_sort_by_time() {
        let a = expiry_key(255, &B256::repeat_byte(0xff));
        let b = expiry_key(256, &B256::ZERO);
        assert!(a < b);
    }
}
