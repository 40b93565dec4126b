//! KZG commitments of a blob: the G1 commitment, the G2 length commitment and
//! the G2 length proof.

use ark_bn254::{G1Affine, G2Affine};

/// The commitments that bind a blob, as in EigenDA v2's `BlobCommitments`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobCommitments {
    /// `[p(tau)]G1`, `p` the blob's polynomial in coefficient form.
    pub commitment: G1Affine,
    /// `[p(tau)]G2`.
    pub length_commitment: G2Affine,
    /// `[tau^(D - length) * p(tau)]G2`, `D` the SRS order: proves `deg p < length`.
    pub length_proof: G2Affine,
    /// Blob length in symbols (a power of two).
    pub length: u32,
}
