//! Reconstruction: the blob's coefficients from any sufficient set of frames,
//! with an FFT erasure decoder (no interpolation matrix, no elimination).
//!
//! Let `E` be the evaluations on the `N*L` domain with the missing chunks'
//! points set to zero and `Z` the polynomial vanishing on them. Then
//! `E * Z = P * Z` on the domain, and as `deg(P * Z) < N*L` when at least
//! `ceil(n / L)` chunks arrived, one inverse FFT gives the coefficients of
//! `P * Z`; evaluating them on a shifted coset `k * domain`, where `Z` has no
//! roots, dividing pointwise and inverse FFT-ing gives `P`
//! (<https://ethresear.ch/t/reed-solomon-erasure-code-recovery-in-n-log-2-n-time-with-ffts/3039>).
//!
//! Chunks are whole cosets, so `Z(x) = Z'(x^L)` with
//! `Z'(y) = prod_{missing j} (y - w_N^j)`: `Z'` has at most `N` roots and is
//! built with a product tree, and `Z` on any coset of the big domain takes
//! only `N` distinct values, so one `N`-point FFT and `N` inversions suffice.
//! The cost is three FFTs of `N*L` points plus one `L`-point FFT per chunk.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::FftField;
use ark_poly::univariate::DensePolynomial;
use ark_poly::{DenseUVPolynomial, EvaluationDomain};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::{domain, reverse_bits};
use crate::frame::Frame;
use crate::params::{EncodingParams, ParamsError};
use crate::srs::Srs;

/// Why a blob cannot be rebuilt from frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The chunk shape is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A chunk index is not below the number of chunks.
    #[error("chunk index {index} out of range: the blob has {num_chunks} chunks")]
    ChunkIndexOutOfRange {
        /// Chunk index.
        index: u32,
        /// Number of chunks.
        num_chunks: u64,
    },
    /// A frame does not have `chunk_length` coefficients.
    #[error("frame {index} has {got} coefficients, chunk length is {expected}")]
    WrongChunkLength {
        /// Chunk index.
        index: u32,
        /// Coefficients found.
        got: usize,
        /// Expected chunk length.
        expected: u64,
    },
    /// Not enough distinct chunks.
    #[error(
        "{have} distinct chunks hold {have_symbols} symbols; a blob of {blob_symbols} symbols needs {need} chunks of {chunk_length}"
    )]
    TooFewChunks {
        /// Distinct chunks given.
        have: u64,
        /// Symbols they hold.
        have_symbols: u64,
        /// Chunks needed.
        need: u64,
        /// Blob length.
        blob_symbols: u64,
        /// Chunk length.
        chunk_length: u64,
    },
    /// The blob is longer than the evaluation domain.
    #[error("blob of {blob_symbols} symbols does not fit {evaluations} evaluations")]
    BlobTooLarge {
        /// Blob length.
        blob_symbols: u64,
        /// `num_chunks * chunk_length`.
        evaluations: u64,
    },
    /// The frames do not lie on one polynomial of fewer than `blob_symbols`
    /// coefficients (a corrupted or foreign frame).
    #[error(
        "frames are inconsistent: the decoded polynomial has a non-zero coefficient at {index} >= {blob_symbols}"
    )]
    Inconsistent {
        /// First non-zero coefficient past the blob.
        index: usize,
        /// Blob length.
        blob_symbols: u64,
    },
    /// The SRS cannot commit to a blob this long.
    #[error("blob has {blob_symbols} symbols, SRS has {srs_points} G1 points")]
    SrsTooSmall {
        /// Blob length.
        blob_symbols: u64,
        /// Points loaded.
        srs_points: usize,
    },
    /// The decoded blob does not commit to the expected commitment.
    #[error("decoded blob does not match the commitment")]
    CommitmentMismatch,
}

/// Rebuilds the blob (its `blob_symbols` coefficients) from `(chunk index,
/// frame)` pairs; duplicates are ignored. Does not touch the SRS: use
/// [`decode_checked`] to bind the result to a commitment.
pub fn decode(
    frames: &[(u32, Frame)],
    params: EncodingParams,
    blob_symbols: u64,
) -> Result<Vec<Fr>, DecodeError> {
    let chunks: Vec<(u32, &[Fr])> = frames
        .iter()
        .map(|(i, f)| (*i, f.coeffs.as_slice()))
        .collect();
    recover(&chunks, params, blob_symbols)
}

/// [`decode`], then checks the coefficients commit to `commitment` (one G1
/// MSM of `blob_symbols` points).
pub fn decode_checked(
    srs: &Srs,
    commitment: &G1Affine,
    frames: &[(u32, Frame)],
    params: EncodingParams,
    blob_symbols: u64,
) -> Result<Vec<Fr>, DecodeError> {
    if (srs.g1().len() as u64) < blob_symbols {
        return Err(DecodeError::SrsTooSmall {
            blob_symbols,
            srs_points: srs.g1().len(),
        });
    }
    let coeffs = decode(frames, params, blob_symbols)?;
    let got = G1Projective::msm_unchecked(&srs.g1()[..coeffs.len()], &coeffs);
    if got != G1Projective::from(*commitment) {
        return Err(DecodeError::CommitmentMismatch);
    }
    Ok(coeffs)
}

/// The erasure decoder over any FFT-friendly field, on chunk coefficients.
pub fn recover<F: FftField>(
    chunks: &[(u32, &[F])],
    params: EncodingParams,
    blob_symbols: u64,
) -> Result<Vec<F>, DecodeError> {
    params.validate()?;
    let (num_chunks, chunk_len) = (params.num_chunks, params.chunk_length);
    let evaluations = params.num_evaluations();
    if blob_symbols > evaluations {
        return Err(DecodeError::BlobTooLarge {
            blob_symbols,
            evaluations,
        });
    }
    // First frame per index wins; validate every one.
    let mut by_coset: Vec<Option<&[F]>> = vec![None; num_chunks as usize];
    for (index, coeffs) in chunks {
        if u64::from(*index) >= num_chunks {
            return Err(DecodeError::ChunkIndexOutOfRange {
                index: *index,
                num_chunks,
            });
        }
        if coeffs.len() as u64 != chunk_len {
            return Err(DecodeError::WrongChunkLength {
                index: *index,
                got: coeffs.len(),
                expected: chunk_len,
            });
        }
        let j = reverse_bits(u64::from(*index), num_chunks) as usize;
        by_coset[j].get_or_insert(coeffs);
    }
    let have = by_coset.iter().filter(|c| c.is_some()).count() as u64;
    let need = params.min_chunks(blob_symbols).max(1);
    if have < need {
        return Err(DecodeError::TooFewChunks {
            have,
            have_symbols: have * chunk_len,
            need,
            blob_symbols,
            chunk_length: chunk_len,
        });
    }
    let too_large = ParamsError::DomainTooLarge {
        blob_symbols,
        evaluations,
    };
    let big = domain::<F>(evaluations).ok_or(too_large)?;
    let small = domain::<F>(chunk_len).ok_or(too_large)?;
    let coset_domain = domain::<F>(num_chunks).ok_or(too_large)?;

    // Evaluations of each received chunk on its coset: point t of coset j is
    // position t*N + j of the big domain.
    let w = big.group_gen();
    let coset_evals = |j: usize| -> Option<Vec<F>> {
        let coeffs = by_coset[j]?;
        let h = w.pow([j as u64]);
        let mut shifted = coeffs.to_vec();
        let mut pow = F::one();
        for c in &mut shifted {
            *c *= pow;
            pow *= h;
        }
        small.fft_in_place(&mut shifted);
        Some(shifted)
    };
    #[cfg(feature = "parallel")]
    let evals: Vec<Option<Vec<F>>> = (0..num_chunks as usize)
        .into_par_iter()
        .map(coset_evals)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let evals: Vec<Option<Vec<F>>> = (0..num_chunks as usize).map(coset_evals).collect();

    let n = num_chunks as usize;
    let mut samples = vec![F::zero(); evaluations as usize];
    let missing: Vec<F> = coset_domain
        .elements()
        .zip(&evals)
        .filter_map(|(root, e)| e.is_none().then_some(root))
        .collect();
    if missing.is_empty() {
        scatter(&mut samples, &evals, n, |_| F::one());
        big.ifft_in_place(&mut samples);
        return finish(samples, blob_symbols);
    }

    // Z(w^p) = Z'(w_N^(p mod N)) and, on the coset k*domain,
    // Z(k w^p) = Z'(k^L w_N^(p mod N)): N values each.
    let k = F::GENERATOR;
    let k_l = k.pow([chunk_len]);
    let present: Vec<bool> = evals.iter().map(Option::is_some).collect();
    let (z_on_domain, z_inv_on_coset) = vanishing_values(&present, &missing, &coset_domain, k_l)?;
    scatter(&mut samples, &evals, n, |j| z_on_domain[j]);
    big.ifft_in_place(&mut samples); // coefficients of P * Z

    let shifted = big.get_coset(k).ok_or(too_large)?;
    shifted.fft_in_place(&mut samples);
    let z_on_coset = z_inv_on_coset;
    #[cfg(feature = "parallel")]
    samples
        .par_chunks_mut(n)
        .for_each(|row| row.iter_mut().zip(&z_on_coset).for_each(|(s, z)| *s *= z));
    #[cfg(not(feature = "parallel"))]
    samples
        .chunks_mut(n)
        .for_each(|row| row.iter_mut().zip(&z_on_coset).for_each(|(s, z)| *s *= z));
    shifted.ifft_in_place(&mut samples);
    finish(samples, blob_symbols)
}

/// `Z'` on the `N`-point domain and `1 / Z'` on its coset `k_l * domain`,
/// where `Z'(y) = prod_{missing j} (y - w_N^j)`.
///
/// With fewer missing than present chunks `Z'` comes from a product tree over
/// the missing roots. Otherwise (the usual case: a decoder holding just
/// `N / coding_rate` chunks) the tree runs over the present roots,
/// `Q(y) = prod_{present j} (y - w_N^j)`, using `Z' * Q = y^N - 1`: on the
/// domain `Z'(w^q) = N w^(-q) / Q'(w^q)` for present `q` (and `0`, unused, for
/// missing ones), and on the coset `1 / Z'(y) = Q(y) / (k_l^N - 1)`.
fn vanishing_values<F: FftField>(
    present: &[bool],
    missing_roots: &[F],
    domain: &ark_poly::Radix2EvaluationDomain<F>,
    k_l: F,
) -> Result<(Vec<F>, Vec<F>), DecodeError> {
    let n = present.len();
    let coset = domain
        .get_coset(k_l)
        .ok_or(ParamsError::NoDomain { size: n as u64 })?;
    if missing_roots.len() <= n - missing_roots.len() {
        let z_prime = poly_from_roots(missing_roots);
        let on_domain = domain.fft(&z_prime);
        let mut on_coset = coset.fft(&z_prime);
        ark_ff::batch_inversion(&mut on_coset);
        return Ok((on_domain, on_coset));
    }
    let roots: Vec<F> = domain.elements().collect();
    let present_roots: Vec<F> = roots
        .iter()
        .zip(present)
        .filter_map(|(r, p)| p.then_some(*r))
        .collect();
    let q = poly_from_roots(&present_roots);
    let q_derivative: Vec<F> = q
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, c)| *c * F::from(i as u64))
        .collect();
    let mut on_domain = domain.fft(&q_derivative);
    ark_ff::batch_inversion(&mut on_domain);
    let size = F::from(n as u64);
    for (qd_inv, (j, is_present)) in on_domain.iter_mut().zip(present.iter().enumerate()) {
        // w^(-j) = w^(n - j)
        *qd_inv = if *is_present {
            size * roots[(n - j) % n] * *qd_inv
        } else {
            F::zero()
        };
    }
    // k_l lies outside the domain (it generates a proper coset), so this is never zero.
    let denominator = (k_l.pow([n as u64]) - F::one())
        .inverse()
        .ok_or(ParamsError::NoDomain { size: n as u64 })?;
    let mut on_coset = coset.fft(&q);
    on_coset.iter_mut().for_each(|v| *v *= denominator);
    Ok((on_domain, on_coset))
}

/// Writes chunk evaluations into their big-domain positions, times `factor(j)`.
fn scatter<F: FftField>(
    samples: &mut [F],
    evals: &[Option<Vec<F>>],
    n: usize,
    factor: impl Fn(usize) -> F + Sync,
) {
    let row = |(t, row): (usize, &mut [F])| {
        for (j, e) in evals.iter().enumerate() {
            if let Some(e) = e {
                row[j] = e[t] * factor(j);
            }
        }
    };
    #[cfg(feature = "parallel")]
    samples.par_chunks_mut(n).enumerate().for_each(row);
    #[cfg(not(feature = "parallel"))]
    samples.chunks_mut(n).enumerate().for_each(row);
}

/// Truncates to `blob_symbols`, rejecting any non-zero coefficient beyond.
fn finish<F: FftField>(mut coeffs: Vec<F>, blob_symbols: u64) -> Result<Vec<F>, DecodeError> {
    if let Some(index) = coeffs
        .iter()
        .skip(blob_symbols as usize)
        .position(|c| !c.is_zero())
    {
        return Err(DecodeError::Inconsistent {
            index: index + blob_symbols as usize,
            blob_symbols,
        });
    }
    coeffs.truncate(blob_symbols as usize);
    Ok(coeffs)
}

/// `prod (y - root)` by a product tree with FFT multiplication: `O(k log^2 k)`.
fn poly_from_roots<F: FftField>(roots: &[F]) -> Vec<F> {
    if roots.len() <= 32 {
        let mut poly = vec![F::one()];
        for r in roots {
            // poly *= (y - r)
            let mut next = vec![F::zero(); poly.len() + 1];
            for (i, c) in poly.iter().enumerate() {
                next[i + 1] += c;
                next[i] -= *c * r;
            }
            poly = next;
        }
        return poly;
    }
    let (lo, hi) = roots.split_at(roots.len() / 2);
    #[cfg(feature = "parallel")]
    let (a, b) = rayon::join(|| poly_from_roots(lo), || poly_from_roots(hi));
    #[cfg(not(feature = "parallel"))]
    let (a, b) = (poly_from_roots(lo), poly_from_roots(hi));
    let product =
        &DensePolynomial::from_coefficients_vec(a) * &DensePolynomial::from_coefficients_vec(b);
    product.coeffs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    use rand_chacha::ChaCha20Rng;

    /// Naive twin: Lagrange interpolation through `n` of the received points, O(n^2).
    fn lagrange(xs: &[Fr], ys: &[Fr]) -> Vec<Fr> {
        let n = xs.len();
        let mut out = vec![Fr::ZERO; n];
        for i in 0..n {
            // basis_i(x) = prod_{j != i} (x - x_j) / (x_i - x_j)
            let mut basis = vec![Fr::ONE];
            let mut denom = Fr::ONE;
            for j in (0..n).filter(|&j| j != i) {
                let mut next = vec![Fr::ZERO; basis.len() + 1];
                for (k, c) in basis.iter().enumerate() {
                    next[k + 1] += c;
                    next[k] -= *c * xs[j];
                }
                basis = next;
                denom *= xs[i] - xs[j];
            }
            let scale = ys[i] * denom.inverse().expect("distinct points");
            for (o, b) in out.iter_mut().zip(&basis) {
                *o += *b * scale;
            }
        }
        out
    }

    #[test]
    fn fft_decoder_matches_lagrange_interpolation() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for (n, params) in [
            (
                8usize,
                EncodingParams {
                    num_chunks: 8,
                    chunk_length: 2,
                },
            ),
            (
                16,
                EncodingParams {
                    num_chunks: 16,
                    chunk_length: 4,
                },
            ),
            (
                4,
                EncodingParams {
                    num_chunks: 16,
                    chunk_length: 1,
                },
            ),
            (
                64,
                EncodingParams {
                    num_chunks: 32,
                    chunk_length: 4,
                },
            ),
        ] {
            let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let chunks = crate::rs::chunk_coefficients(&coeffs, params).expect("valid");
            let mut ids: Vec<usize> = (0..chunks.len()).collect();
            ids.shuffle(&mut rng);
            ids.truncate(params.min_chunks(n as u64) as usize);
            let received: Vec<(u32, &[Fr])> = ids
                .iter()
                .map(|&i| (i as u32, chunks[i].as_slice()))
                .collect();
            let fast = recover(&received, params, n as u64).expect("enough chunks");
            // The same points, interpolated naively.
            let big = domain::<Fr>(params.num_evaluations()).expect("domain");
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for &i in &ids {
                let j = reverse_bits(i as u64, params.num_chunks) as usize;
                let evals =
                    crate::rs::coset_evaluations(&chunks[i], i as u64, params).expect("valid");
                for (t, y) in evals.into_iter().enumerate() {
                    xs.push(big.element(j + t * params.num_chunks as usize));
                    ys.push(y);
                }
            }
            xs.truncate(n);
            ys.truncate(n);
            assert_eq!(fast, lagrange(&xs, &ys), "n {n} {params:?}");
            assert_eq!(fast, coeffs, "n {n} {params:?}");
        }
    }

    #[test]
    fn product_tree_matches_naive_product() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let roots: Vec<Fr> = (0..100).map(|_| Fr::rand(&mut rng)).collect();
        let poly = poly_from_roots(&roots);
        assert_eq!(poly.len(), 101);
        let x = Fr::rand(&mut rng);
        let at_x = poly.iter().rev().fold(Fr::ZERO, |acc, c| acc * x + c);
        let want: Fr = roots.iter().map(|r| x - r).product();
        assert_eq!(at_x, want);
    }
}
