//! The frame object: every frame of one blob in one object.
//!
//! ```text
//! count (u32 BE) ‖ frame_len (u32 BE) ‖ count × frame_len bytes
//! ```
//!
//! Each frame is EigenDA's serialized frame (`Frame.SerializeGnark`: the 32-byte
//! compressed proof, then the chunk's coefficients, 32 bytes each, big-endian), in
//! chunk-index order; every frame of a blob has the same length. The object's digest,
//! which the encoder reports and the controller checks on read, is the keccak-256 of
//! the whole object.

use alloy_primitives::{B256, keccak256};

/// Bytes before the first frame.
pub const HEADER_LEN: usize = 8;

/// Why bytes are not a frame object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramesFormatError {
    /// Shorter than the header.
    #[error("{0} bytes, shorter than the 8-byte header")]
    Short(usize),
    /// The length is not `8 + count × frame_len`.
    #[error("{len} bytes, but the header says {count} frames of {frame_len} bytes")]
    Length {
        /// Bytes present.
        len: usize,
        /// Frames named by the header.
        count: u32,
        /// Frame length named by the header.
        frame_len: u32,
    },
    /// Frames of different lengths cannot share one object.
    #[error("frame {index} has {len} bytes, frame 0 has {first}")]
    Ragged {
        /// The odd frame.
        index: usize,
        /// Its length.
        len: usize,
        /// Frame 0's length.
        first: usize,
    },
    /// More frames, or longer ones, than the header's u32 fields hold.
    #[error("{0} does not fit the header's u32")]
    TooLarge(&'static str),
}

/// The object holding `frames` (all of one length).
pub fn encode(frames: &[Vec<u8>]) -> Result<Vec<u8>, FramesFormatError> {
    let first = frames.first().map_or(0, Vec::len);
    if let Some((index, frame)) = frames.iter().enumerate().find(|(_, f)| f.len() != first) {
        return Err(FramesFormatError::Ragged {
            index,
            len: frame.len(),
            first,
        });
    }
    let count = u32::try_from(frames.len()).map_err(|_| FramesFormatError::TooLarge("count"))?;
    let frame_len = u32::try_from(first).map_err(|_| FramesFormatError::TooLarge("frame_len"))?;
    let mut out = Vec::with_capacity(HEADER_LEN + frames.len() * first);
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&frame_len.to_be_bytes());
    for frame in frames {
        out.extend_from_slice(frame);
    }
    Ok(out)
}

/// The frames of an object written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Vec<u8>>, FramesFormatError> {
    let (Some(count), Some(frame_len)) = (bytes.get(0..4), bytes.get(4..8)) else {
        return Err(FramesFormatError::Short(bytes.len()));
    };
    let count = u32::from_be_bytes([count[0], count[1], count[2], count[3]]);
    let frame_len = u32::from_be_bytes([frame_len[0], frame_len[1], frame_len[2], frame_len[3]]);
    let body = &bytes[HEADER_LEN..];
    let expected = (count as usize).checked_mul(frame_len as usize);
    if expected != Some(body.len()) {
        return Err(FramesFormatError::Length {
            len: bytes.len(),
            count,
            frame_len,
        });
    }
    if frame_len == 0 {
        return Ok(vec![Vec::new(); count as usize]);
    }
    Ok(body
        .chunks_exact(frame_len as usize)
        .map(<[u8]>::to_vec)
        .collect())
}

/// The digest of a frame object: keccak-256 of its bytes.
pub fn digest(object: &[u8]) -> B256 {
    keccak256(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_the_layout_is_the_documented_one() {
        let frames = vec![vec![1u8, 2, 3], vec![4, 5, 6]];
        let object = encode(&frames).expect("encodes");
        assert_eq!(object, [0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
        assert_eq!(decode(&object).expect("decodes"), frames);
        assert_eq!(
            decode(&encode(&[]).expect("empty")).expect("decodes"),
            Vec::<Vec<u8>>::new()
        );
    }

    #[test]
    fn bad_objects_are_refused_with_the_reason() {
        assert_eq!(decode(&[0, 0, 0]), Err(FramesFormatError::Short(3)));
        // one byte missing from the last frame
        assert_eq!(
            decode(&[0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5]),
            Err(FramesFormatError::Length {
                len: 13,
                count: 2,
                frame_len: 3
            })
        );
        // a huge count cannot overflow into a match
        assert!(matches!(
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(FramesFormatError::Length { .. })
        ));
        assert_eq!(
            encode(&[vec![1, 2], vec![3]]),
            Err(FramesFormatError::Ragged {
                index: 1,
                len: 1,
                first: 2
            })
        );
    }
}
