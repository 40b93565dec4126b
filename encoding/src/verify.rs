//! Frame verification: one frame with one pairing check, or many frames of
//! one or many blobs with a single multi-pairing (the "universal verification
//! equation" of Kadianakis, Dietrichs and Feist,
//! <https://ethresear.ch/t/a-universal-verification-equation-for-data-availability-sampling/13240>).
//!
//! Frame `k` with proof `pi_k`, interpolating polynomial `I_k`, commitment
//! `C_k` and coset `{x : x^L = z_k}` is valid iff
//! `e(C_k - [I_k(tau)], G2) = e(pi_k, [tau^L - z_k]G2)`, i.e.
//! `e(pi_k, [tau^L]) = e(C_k - [I_k(tau)] + z_k pi_k, G2)`. With random
//! weights `r_k` the sum over all frames of a chunk length `L` is
//!
//! ```text
//! e(sum r_k pi_k, [tau^L]) = e(sum_b (sum_{k in b} r_k) C_b - [sum_k r_k I_k](tau) + sum_k r_k z_k pi_k, G2)
//! ```
//!
//! one G1 MSM over the proofs per chunk length, one MSM for the right side,
//! and one multi-pairing with (number of distinct chunk lengths + 1) pairs.
//! If it fails, every frame is checked on its own to name the bad ones.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, One};
use ark_poly::EvaluationDomain;
use rand::RngCore;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::{domain, reverse_bits};
use crate::frame::Frame;
use crate::params::{EncodingParams, ParamsError};
use crate::srs::Srs;

/// The frames of one blob to verify.
#[derive(Clone, Copy, Debug)]
pub struct BlobFrames<'a> {
    /// The blob's G1 commitment.
    pub commitment: G1Affine,
    /// The blob's chunk shape.
    pub params: EncodingParams,
    /// `(chunk index, frame)` pairs.
    pub frames: &'a [(u32, Frame)],
}

/// Which frame: the blob's position in the batch and the chunk index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameId {
    /// Position of the blob in the batch.
    pub blob: usize,
    /// Chunk index within the blob.
    pub index: u32,
}

/// Why frames failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The chunk shape is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A chunk index is not below the number of chunks.
    #[error("blob {blob}: chunk index {index} out of range, the blob has {num_chunks} chunks")]
    ChunkIndexOutOfRange {
        /// Blob position.
        blob: usize,
        /// Chunk index.
        index: u32,
        /// Number of chunks.
        num_chunks: u64,
    },
    /// A frame does not have `chunk_length` coefficients.
    #[error("blob {blob}: frame {index} has {got} coefficients, chunk length is {expected}")]
    WrongChunkLength {
        /// Blob position.
        blob: usize,
        /// Chunk index.
        index: u32,
        /// Coefficients found.
        got: usize,
        /// Expected chunk length.
        expected: u64,
    },
    /// The SRS lacks the points this chunk length needs.
    #[error(
        "chunk length {chunk_length} needs {chunk_length} G1 points and [tau^{chunk_length}]G2; SRS has {g1_points} G1 points and G2 powers up to 2^{g2_log_max}"
    )]
    SrsTooSmall {
        /// Chunk length.
        chunk_length: u64,
        /// G1 points loaded.
        g1_points: usize,
        /// Largest `i` with `[tau^(2^i)]G2` loaded.
        g2_log_max: usize,
    },
    /// Nothing to verify.
    #[error("no frames to verify")]
    NoFrames,
    /// These frames do not open their blob's commitment.
    #[error("{} invalid frame(s), first: blob {} chunk {}", bad.len(), bad[0].blob, bad[0].index)]
    InvalidFrames {
        /// Every bad frame (non-empty).
        bad: Vec<FrameId>,
    },
    /// The batched check failed but no frame fails on its own (only possible
    /// with negligible probability).
    #[error("batched pairing check failed but every frame verifies on its own")]
    BatchInconsistent,
}

/// Verifies one frame against a commitment with one pairing check.
pub fn verify_frame(
    srs: &Srs,
    commitment: &G1Affine,
    chunk_index: u32,
    frame: &Frame,
    params: EncodingParams,
) -> Result<(), VerifyError> {
    let ctx = ShapeContext::new(srs, params)?;
    check_frame(0, chunk_index, frame, params)?;
    if ctx.frame_ok(srs, commitment, chunk_index, frame) {
        Ok(())
    } else {
        Err(VerifyError::InvalidFrames {
            bad: vec![FrameId {
                blob: 0,
                index: chunk_index,
            }],
        })
    }
}

/// Verifies every frame of every blob with one batched pairing check, random
/// weights drawn from the thread RNG; on failure names every bad frame.
pub fn verify_frames(srs: &Srs, blobs: &[BlobFrames<'_>]) -> Result<(), VerifyError> {
    verify_frames_with_rng(srs, blobs, &mut rand::thread_rng())
}

/// [`verify_frames`] with the caller's RNG for the weights.
pub fn verify_frames_with_rng(
    srs: &Srs,
    blobs: &[BlobFrames<'_>],
    rng: &mut impl RngCore,
) -> Result<(), VerifyError> {
    if batch_check(srs, blobs, rng)? {
        return Ok(());
    }
    let ids: Vec<(usize, usize)> = blobs
        .iter()
        .enumerate()
        .flat_map(|(b, blob)| (0..blob.frames.len()).map(move |k| (b, k)))
        .collect();
    let contexts = blobs
        .iter()
        .map(|b| ShapeContext::new(srs, b.params))
        .collect::<Result<Vec<_>, _>>()?;
    let check = |&(b, k): &(usize, usize)| -> Option<FrameId> {
        let (index, frame) = &blobs[b].frames[k];
        (!contexts[b].frame_ok(srs, &blobs[b].commitment, *index, frame)).then_some(FrameId {
            blob: b,
            index: *index,
        })
    };
    #[cfg(feature = "parallel")]
    let bad: Vec<FrameId> = ids.par_iter().filter_map(check).collect();
    #[cfg(not(feature = "parallel"))]
    let bad: Vec<FrameId> = ids.iter().filter_map(check).collect();
    if bad.is_empty() {
        Err(VerifyError::BatchInconsistent)
    } else {
        Err(VerifyError::InvalidFrames { bad })
    }
}

/// The batched check alone: `Ok(true)` iff the single multi-pairing holds.
/// Shape errors (bad index, wrong length, SRS too small) are reported first.
pub fn batch_check(
    srs: &Srs,
    blobs: &[BlobFrames<'_>],
    rng: &mut impl RngCore,
) -> Result<bool, VerifyError> {
    let total: usize = blobs.iter().map(|b| b.frames.len()).sum();
    if total == 0 {
        return Err(VerifyError::NoFrames);
    }
    for (b, blob) in blobs.iter().enumerate() {
        for (index, frame) in blob.frames {
            check_frame(b, *index, frame, blob.params)?;
        }
    }
    // Group blobs by chunk length: each length pairs its proofs with its own [tau^L]G2.
    let mut lengths: Vec<u64> = blobs.iter().map(|b| b.params.chunk_length).collect();
    lengths.sort_unstable();
    lengths.dedup();

    // 128-bit weights: as sound as full-width ones against a forger who does
    // not know them, and they halve the lhs MSM.
    let weights: Vec<Fr> = (0..total)
        .map(|_| Fr::from(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())))
        .collect();

    let mut rhs_bases: Vec<G1Affine> = Vec::with_capacity(2 * total + blobs.len());
    let mut rhs_scalars: Vec<Fr> = Vec::with_capacity(rhs_bases.capacity());
    let mut pairs_g1: Vec<G1Affine> = Vec::with_capacity(lengths.len() + 1);
    let mut pairs_g2: Vec<G2Affine> = Vec::with_capacity(lengths.len() + 1);
    for &len in &lengths {
        let mut proofs = Vec::new();
        let mut proof_weights = Vec::new();
        // (weight, coefficients) of every frame of this chunk length.
        let mut weighted: Vec<(Fr, &[Fr])> = Vec::new();
        let mut weight_offset = 0usize;
        for blob in blobs {
            let count = blob.frames.len();
            if blob.params.chunk_length != len {
                weight_offset += count;
                continue;
            }
            let ctx = ShapeContext::new(srs, blob.params)?;
            let w = &weights[weight_offset..weight_offset + count];
            weight_offset += count;
            let roots = ctx.coset_z_table();
            let mut blob_weight = Fr::ZERO;
            for ((index, frame), r) in blob.frames.iter().zip(w) {
                blob_weight += r;
                proofs.push(frame.proof);
                proof_weights.push(*r);
                let j = reverse_bits(u64::from(*index), blob.params.num_chunks) as usize;
                rhs_bases.push(frame.proof);
                rhs_scalars.push(*r * roots[j]);
                weighted.push((*r, &frame.coeffs));
            }
            rhs_bases.push(blob.commitment);
            rhs_scalars.push(blob_weight);
        }
        let agg_poly = aggregate(&weighted, len as usize);
        rhs_bases.extend_from_slice(&srs.g1()[..len as usize]);
        rhs_scalars.extend(agg_poly.iter().map(|c| -*c));
        let lhs = G1Projective::msm_unchecked(&proofs, &proof_weights);
        pairs_g1.push(lhs.into_affine());
        pairs_g2.push(tau_pow_g2(srs, len)?);
    }
    let rhs = G1Projective::msm_unchecked(&rhs_bases, &rhs_scalars);
    pairs_g1.push((-rhs).into_affine());
    pairs_g2.push(G2Affine::generator());
    Ok(Bn254::multi_pairing(pairs_g1, pairs_g2).0.is_one())
}

/// `sum_k r_k I_k`: the weighted sum of the frames' interpolating polynomials
/// (`k * L` multiplications, split across threads by frame).
fn aggregate(weighted: &[(Fr, &[Fr])], len: usize) -> Vec<Fr> {
    let partial = |chunk: &[(Fr, &[Fr])]| -> Vec<Fr> {
        let mut acc = vec![Fr::ZERO; len];
        for (r, coeffs) in chunk {
            for (a, c) in acc.iter_mut().zip(coeffs.iter()) {
                *a += *c * r;
            }
        }
        acc
    };
    let add = |mut a: Vec<Fr>, b: Vec<Fr>| {
        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
        a
    };
    #[cfg(feature = "parallel")]
    let sum = weighted
        .par_chunks(64)
        .map(partial)
        .reduce(|| vec![Fr::ZERO; len], add);
    #[cfg(not(feature = "parallel"))]
    let sum = weighted
        .chunks(64)
        .map(partial)
        .fold(vec![Fr::ZERO; len], add);
    sum
}

/// Per-shape values a frame check needs.
struct ShapeContext {
    params: EncodingParams,
    tau_l: G2Affine,
}

impl ShapeContext {
    fn new(srs: &Srs, params: EncodingParams) -> Result<Self, VerifyError> {
        params.validate()?;
        Ok(Self {
            params,
            tau_l: tau_pow_g2(srs, params.chunk_length)?,
        })
    }

    /// `z = h^L = w_N^j` for every coset exponent `j < N`.
    fn coset_z_table(&self) -> Vec<Fr> {
        domain::<Fr>(self.params.num_chunks)
            .map(|d| d.elements().collect())
            .unwrap_or_default()
    }

    fn frame_ok(&self, srs: &Srs, commitment: &G1Affine, index: u32, frame: &Frame) -> bool {
        let Some(d) = domain::<Fr>(self.params.num_chunks) else {
            return false;
        };
        let j = reverse_bits(u64::from(index), self.params.num_chunks);
        let z = d.element(j as usize);
        let interp = G1Projective::msm_unchecked(&srs.g1()[..frame.coeffs.len()], &frame.coeffs);
        let lhs = G1Projective::from(*commitment) - interp;
        let divisor = G2Projective::from(self.tau_l) - G2Affine::generator() * z;
        Bn254::multi_pairing(
            [lhs.into_affine(), -frame.proof],
            [G2Affine::generator(), divisor.into_affine()],
        )
        .0
        .is_one()
    }
}

fn check_frame(
    blob: usize,
    index: u32,
    frame: &Frame,
    params: EncodingParams,
) -> Result<(), VerifyError> {
    if u64::from(index) >= params.num_chunks {
        return Err(VerifyError::ChunkIndexOutOfRange {
            blob,
            index,
            num_chunks: params.num_chunks,
        });
    }
    if frame.coeffs.len() as u64 != params.chunk_length {
        return Err(VerifyError::WrongChunkLength {
            blob,
            index,
            got: frame.coeffs.len(),
            expected: params.chunk_length,
        });
    }
    Ok(())
}

/// `[tau^L]G2` from the SRS's power-of-two G2 points.
fn tau_pow_g2(srs: &Srs, chunk_length: u64) -> Result<G2Affine, VerifyError> {
    let log = chunk_length.trailing_zeros() as usize;
    let err = || VerifyError::SrsTooSmall {
        chunk_length,
        g1_points: srs.g1().len(),
        g2_log_max: srs.g2_power_of_2().len().saturating_sub(1),
    };
    if srs.g1().len() < chunk_length as usize {
        return Err(err());
    }
    srs.g2_power_of_2().get(log).copied().ok_or_else(err)
}
