//! A frame: one chunk of a blob plus its multi-reveal proof, in EigenDA's
//! byte format (`Frame.SerializeGnark`): the 32-byte compressed proof, then
//! `chunk_length` 32-byte big-endian coefficients.

use ark_bn254::{Fr, G1Affine};

use crate::point::{
    FR_BYTES, G1_COMPRESSED_BYTES, PointError, fr_from_bytes, fr_to_bytes, g1_from_bytes,
    g1_to_bytes,
};

/// One chunk of an encoded blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// KZG multi-reveal proof that `coeffs` is the blob polynomial reduced
    /// modulo the chunk's coset vanishing polynomial `x^L - h^L`.
    pub proof: G1Affine,
    /// Coefficients of the polynomial interpolating the blob on the chunk's coset.
    pub coeffs: Vec<Fr>,
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Too short to hold a proof and at least one coefficient.
    #[error(
        "frame of {len} bytes is too short: need a 32-byte proof and at least one 32-byte coefficient"
    )]
    TooShort {
        /// Length given.
        len: usize,
    },
    /// The coefficient section is not a whole number of symbols.
    #[error("frame coefficients take {len} bytes, not a multiple of 32")]
    RaggedCoefficients {
        /// Bytes after the proof.
        len: usize,
    },
    /// The chunk length is not the one expected.
    #[error("frame has {got} coefficients, expected chunk length {expected}")]
    WrongChunkLength {
        /// Coefficients found.
        got: usize,
        /// Expected chunk length.
        expected: usize,
    },
    /// The proof is not a valid compressed G1 point.
    #[error("frame proof: {0}")]
    Proof(PointError),
    /// A coefficient is not a canonical scalar.
    #[error("frame coefficient {index}: {source}")]
    Coefficient {
        /// Index of the bad coefficient.
        index: usize,
        /// What is wrong with it.
        source: PointError,
    },
}

impl Frame {
    /// Number of coefficients (the chunk length).
    pub fn len(&self) -> usize {
        self.coeffs.len()
    }

    /// Whether the frame has no coefficients (never true for an encoded frame).
    pub fn is_empty(&self) -> bool {
        self.coeffs.is_empty()
    }

    /// Size in bytes of a serialised frame of `chunk_length` coefficients.
    pub fn serialized_len(chunk_length: usize) -> usize {
        G1_COMPRESSED_BYTES + chunk_length * FR_BYTES
    }

    /// Serialises as EigenDA does: compressed proof, then each coefficient big-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::serialized_len(self.coeffs.len()));
        out.extend_from_slice(&g1_to_bytes(&self.proof));
        for c in &self.coeffs {
            out.extend_from_slice(&fr_to_bytes(c));
        }
        out
    }

    /// Parses EigenDA's frame format; the proof must be on the curve and in the
    /// subgroup, every coefficient below `r`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FrameError> {
        if bytes.len() < G1_COMPRESSED_BYTES + FR_BYTES {
            return Err(FrameError::TooShort { len: bytes.len() });
        }
        let (proof_bytes, rest) = bytes.split_at(G1_COMPRESSED_BYTES);
        if rest.len() % FR_BYTES != 0 {
            return Err(FrameError::RaggedCoefficients { len: rest.len() });
        }
        let mut proof_arr = [0u8; G1_COMPRESSED_BYTES];
        proof_arr.copy_from_slice(proof_bytes);
        let proof = g1_from_bytes(&proof_arr).map_err(FrameError::Proof)?;
        let coeffs = rest
            .chunks_exact(FR_BYTES)
            .enumerate()
            .map(|(index, chunk)| {
                let mut arr = [0u8; FR_BYTES];
                arr.copy_from_slice(chunk);
                fr_from_bytes(&arr).map_err(|source| FrameError::Coefficient { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { proof, coeffs })
    }

    /// [`Frame::from_bytes`], also checking the chunk length.
    pub fn from_bytes_with_len(bytes: &[u8], chunk_length: usize) -> Result<Self, FrameError> {
        let frame = Self::from_bytes(bytes)?;
        if frame.coeffs.len() != chunk_length {
            return Err(FrameError::WrongChunkLength {
                got: frame.coeffs.len(),
                expected: chunk_length,
            });
        }
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn random_frame(seed: u64, len: usize) -> Frame {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let proof = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        Frame {
            proof,
            coeffs: (0..len).map(|_| Fr::rand(&mut rng)).collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
        #[test]
        fn round_trips(seed in any::<u64>(), log_len in 0u32..6) {
            let frame = random_frame(seed, 1 << log_len);
            let bytes = frame.to_bytes();
            prop_assert_eq!(bytes.len(), Frame::serialized_len(frame.len()));
            prop_assert_eq!(Frame::from_bytes_with_len(&bytes, frame.len()), Ok(frame));
        }
    }

    #[test]
    fn layout_is_proof_then_big_endian_coefficients() {
        let frame = Frame {
            proof: G1Affine::generator(),
            coeffs: vec![Fr::from(1u64), Fr::from(258u64)],
        };
        let bytes = frame.to_bytes();
        // Generator (1, 2): x = 1 with the "smaller y" flag 0b10.
        assert_eq!(bytes[0], 0x80);
        assert_eq!(bytes[31], 1);
        assert_eq!(bytes[63], 1);
        assert_eq!(&bytes[94..96], &[1, 2]);
    }

    #[test]
    fn rejects_malformed_bytes() {
        let bytes = random_frame(1, 4).to_bytes();
        assert_eq!(
            Frame::from_bytes(&bytes[..72]),
            Err(FrameError::RaggedCoefficients { len: 40 })
        );
        assert_eq!(
            Frame::from_bytes(&bytes[..32]),
            Err(FrameError::TooShort { len: 32 })
        );
        assert!(matches!(
            Frame::from_bytes_with_len(&bytes, 8),
            Err(FrameError::WrongChunkLength { .. })
        ));
        let mut bad = bytes.clone();
        bad[32] = 0xff; // coefficient 0 >= r
        assert!(matches!(
            Frame::from_bytes(&bad),
            Err(FrameError::Coefficient { index: 0, .. })
        ));
        let mut bad = bytes;
        bad[0] &= 0x3f; // flags 0b00: uncompressed marker
        assert!(matches!(Frame::from_bytes(&bad), Err(FrameError::Proof(_))));
    }
}
