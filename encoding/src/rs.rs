//! Reed-Solomon extension of a blob and the chunk ↔ coset layout of EigenDA v2.
//!
//! A blob of `n` symbols is the polynomial `p(x) = sum c_i x^i`. With
//! `N = num_chunks`, `L = chunk_length` and `w` the generator of the
//! `N*L`-point domain, chunk `i` is the coset `h_i * <w^N>` with leading
//! element `h_i = w^j`, `j = reverse_bits(i, N)` (EigenDA's
//! `GetLeadingCosetIndex`). Its frame stores the `L` coefficients of the
//! polynomial interpolating `p` on that coset, which is `p mod (x^L - h_i^L)`.
//!
//! EigenDA computes them by extending `p` to all `N*L` evaluations, permuting
//! them into bit-reversed order, cutting `N` runs of `L`, and inverse-FFTing
//! each run ([`chunks_from_evaluations`], kept as the reference path). Since
//! `p mod (x^L - z) = sum_u z^u P_u(x)` for the `L`-symbol slices `P_u` of `p`,
//! coefficient `t` of every chunk is the FFT over the `N`-point domain of the
//! stride-`L` subsequence `c_t, c_{L+t}, ...` evaluated at `z = w^(jL)`; this
//! is what [`chunk_coefficients`] computes: `L` FFTs of `N` points instead of
//! one FFT of `N*L` points and `N` of `L` points, same bytes.

use ark_ff::FftField;
use ark_poly::EvaluationDomain;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::{bit_reverse_permutation, checked_domain, reverse_bits};
use crate::params::{EncodingParams, ParamsError};

/// Why a Reed-Solomon operation cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RsError {
    /// The chunk shape is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// More coefficients than the evaluation domain holds.
    #[error("blob has {coefficients} symbols, the evaluation domain only {evaluations}")]
    TooManyCoefficients {
        /// Number of coefficients given.
        coefficients: usize,
        /// `num_chunks * chunk_length`.
        evaluations: u64,
    },
    /// A chunk index is not below the number of chunks.
    #[error("chunk index {index} out of range: the blob has {num_chunks} chunks")]
    ChunkIndexOutOfRange {
        /// The index.
        index: u64,
        /// Number of chunks.
        num_chunks: u64,
    },
}

/// The exponent `j` of chunk `chunk_index`'s leading coset element `w^j`:
/// `reverse_bits(chunk_index, num_chunks)`.
pub fn leading_coset_index(chunk_index: u64, num_chunks: u64) -> Result<u64, RsError> {
    if chunk_index >= num_chunks {
        return Err(RsError::ChunkIndexOutOfRange {
            index: chunk_index,
            num_chunks,
        });
    }
    Ok(reverse_bits(chunk_index, num_chunks))
}

/// Evaluates the blob polynomial on the whole `num_chunks * chunk_length`
/// domain, in natural order (position `p` holds `p(w^p)`).
pub fn extend<F: FftField>(coeffs: &[F], params: EncodingParams) -> Result<Vec<F>, RsError> {
    params.validate()?;
    let n = params.num_evaluations();
    if coeffs.len() as u64 > n {
        return Err(RsError::TooManyCoefficients {
            coefficients: coeffs.len(),
            evaluations: n,
        });
    }
    let d = checked_domain::<F>(n)?;
    Ok(d.fft(coeffs))
}

/// Every chunk's interpolating-polynomial coefficients, in chunk-index order
/// (fast path; see the module docs).
pub fn chunk_coefficients<F: FftField>(
    coeffs: &[F],
    params: EncodingParams,
) -> Result<Vec<Vec<F>>, RsError> {
    params.validate()?;
    let evaluations = params.num_evaluations();
    if coeffs.len() as u64 > evaluations {
        return Err(RsError::TooManyCoefficients {
            coefficients: coeffs.len(),
            evaluations,
        });
    }
    let num_chunks = params.num_chunks as usize;
    let chunk_len = params.chunk_length as usize;
    let d = checked_domain::<F>(params.num_chunks)?;
    // columns[t][j] = sum_u c_{uL+t} (w^(jL))^u: coefficient t of the chunk
    // whose coset has leading exponent j.
    let column = |t: usize| -> Vec<F> {
        let strided: Vec<F> = coeffs.iter().skip(t).step_by(chunk_len).copied().collect();
        let mut col = d.fft(&strided);
        // Chunk i uses j = reverse_bits(i): permuting now makes the transpose
        // below read column entry i for chunk i.
        bit_reverse_permutation(&mut col);
        col
    };
    #[cfg(feature = "parallel")]
    let columns: Vec<Vec<F>> = (0..chunk_len).into_par_iter().map(column).collect();
    #[cfg(not(feature = "parallel"))]
    let columns: Vec<Vec<F>> = (0..chunk_len).map(column).collect();
    let chunk = |i: usize| -> Vec<F> { columns.iter().map(|col| col[i]).collect() };
    #[cfg(feature = "parallel")]
    let chunks = (0..num_chunks).into_par_iter().map(chunk).collect();
    #[cfg(not(feature = "parallel"))]
    let chunks = (0..num_chunks).map(chunk).collect();
    Ok(chunks)
}

/// Every chunk's coefficients from the full extension, exactly as EigenDA's
/// `makeFrames`: bit-reverse the evaluations, cut runs of `chunk_length`,
/// bit-reverse each run back into coset order, inverse FFT, and divide
/// coefficient `t` by `h^t`.
pub fn chunks_from_evaluations<F: FftField>(
    evaluations: &[F],
    params: EncodingParams,
) -> Result<Vec<Vec<F>>, RsError> {
    params.validate()?;
    let n = params.num_evaluations();
    let mut evals = evaluations.to_vec();
    evals.resize(n as usize, F::zero());
    bit_reverse_permutation(&mut evals);
    let big = checked_domain::<F>(n)?;
    let small = checked_domain::<F>(params.chunk_length)?;
    let chunk_len = params.chunk_length as usize;
    (0..params.num_chunks)
        .map(|i| {
            let j = leading_coset_index(i, params.num_chunks)?;
            let start = i as usize * chunk_len;
            let mut ys = evals[start..start + chunk_len].to_vec();
            bit_reverse_permutation(&mut ys);
            let mut coeffs = small.ifft(&ys);
            let h_inv = big.element(j as usize).inverse().unwrap_or_else(F::one);
            let mut pow = F::one();
            for c in &mut coeffs {
                *c *= pow;
                pow *= h_inv;
            }
            Ok(coeffs)
        })
        .collect()
}

/// Evaluations of a chunk's polynomial on its coset, in coset order:
/// `evals[t] = I(h * w_L^t)`, `h = w^j` the leading element of chunk
/// `chunk_index` (EigenDA's `getInterpolationPolyEval`).
pub fn coset_evaluations<F: FftField>(
    chunk_coeffs: &[F],
    chunk_index: u64,
    params: EncodingParams,
) -> Result<Vec<F>, RsError> {
    params.validate()?;
    let j = leading_coset_index(chunk_index, params.num_chunks)?;
    let n = params.num_evaluations();
    let big = checked_domain::<F>(n)?;
    let small = checked_domain::<F>(params.chunk_length)?;
    let h = big.element(j as usize);
    let mut shifted = chunk_coeffs.to_vec();
    let mut pow = F::one();
    for c in &mut shifted {
        *c *= pow;
        pow *= h;
    }
    Ok(small.fft(&shifted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fft::domain;
    use ark_bn254::Fr;
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn eval(coeffs: &[Fr], x: Fr) -> Fr {
        coeffs.iter().rev().fold(Fr::ZERO, |acc, c| acc * x + c)
    }

    fn shapes() -> Vec<(usize, EncodingParams)> {
        vec![
            (
                1,
                EncodingParams {
                    num_chunks: 2,
                    chunk_length: 1,
                },
            ),
            (
                4,
                EncodingParams {
                    num_chunks: 8,
                    chunk_length: 2,
                },
            ),
            (
                8,
                EncodingParams {
                    num_chunks: 16,
                    chunk_length: 4,
                },
            ),
            (
                16,
                EncodingParams {
                    num_chunks: 4,
                    chunk_length: 8,
                },
            ),
            (
                5,
                EncodingParams {
                    num_chunks: 32,
                    chunk_length: 1,
                },
            ),
        ]
    }

    #[test]
    fn extension_is_direct_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for (len, params) in shapes() {
            let coeffs: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let evals = extend(&coeffs, params).expect("valid");
            let d = domain::<Fr>(params.num_evaluations()).expect("domain");
            for (p, e) in evals.iter().enumerate() {
                assert_eq!(
                    *e,
                    eval(&coeffs, d.element(p)),
                    "len {len} {params:?} position {p}"
                );
            }
        }
    }

    #[test]
    fn fast_chunks_match_eigenda_route_and_interpolate_the_coset() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for (len, params) in shapes() {
            let coeffs: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let fast = chunk_coefficients(&coeffs, params).expect("valid");
            let evals = extend(&coeffs, params).expect("valid");
            let reference = chunks_from_evaluations(&evals, params).expect("valid");
            assert_eq!(fast, reference, "len {len} {params:?}");
            let d = domain::<Fr>(params.num_evaluations()).expect("domain");
            let step = params.num_chunks as usize;
            for (i, chunk) in fast.iter().enumerate() {
                let j =
                    leading_coset_index(i as u64, params.num_chunks).expect("in range") as usize;
                let on_coset = coset_evaluations(chunk, i as u64, params).expect("valid");
                for (t, y) in on_coset.iter().enumerate() {
                    // coset element h * w_L^t = w^(j + t N)
                    let x = d.element(j + t * step);
                    assert_eq!(*y, eval(&coeffs, x), "chunk {i} point {t}");
                    assert_eq!(*y, eval(chunk, x), "chunk {i} point {t}");
                }
            }
        }
    }

    #[test]
    fn rejects_out_of_range() {
        let params = EncodingParams {
            num_chunks: 4,
            chunk_length: 2,
        };
        assert_eq!(
            leading_coset_index(4, 4),
            Err(RsError::ChunkIndexOutOfRange {
                index: 4,
                num_chunks: 4
            })
        );
        let coeffs = vec![Fr::ONE; 9];
        assert!(matches!(
            extend(&coeffs, params),
            Err(RsError::TooManyCoefficients { .. })
        ));
    }
}
