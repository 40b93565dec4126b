//! FK20: all multi-reveal proofs of a blob in `O(n log n)`.
//!
//! Feist–Khovratovich, "Fast amortized KZG proofs" (ePrint 2023/033, §3).
//! For chunk length `L`, `m = n / L` and `S_i = [tau^i]`, the proof for the
//! coset `{x : x^L = z}` is `[q(tau)]` with `q = (p - p mod (x^L - z)) / (x^L - z)`,
//! and expanding the division gives `[q(tau)] = sum_k z^k H_k`, where
//!
//! ```text
//! H_k = sum_{t<L} sum_{d} c_{(k+1+d)L+t} S_{dL+t}        (k < m)
//! ```
//!
//! For each `t` this is a Toeplitz matrix-vector product, done as a circular
//! convolution of length `2m`: `H = iFFT( sum_t FFT(x_t) .* FFT(v_t) )[..m]`
//! with `x_t[r] = S_{(m-1-r)L+t}` (SRS side, precomputed once per shape in
//! [`Fk20Table`]) and `v_t[m+u] = c_{uL+t}` (blob side). The sum over `t` is
//! `2m` multi-scalar multiplications of size `L`. Finally the proofs for all
//! `N = num_chunks` cosets, `z = w_N^j`, are one G1 FFT of `H` over `N` points.

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::{FftField, Field, One, PrimeField};
use ark_poly::EvaluationDomain;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::domain;
use crate::group_fft;
use crate::msm::{self, GlvSplit};

/// Why FK20 cannot run for a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Fk20Error {
    /// The blob length or chunk length is not a power of two, or `L > n`.
    #[error("FK20 needs power-of-two blob length {blob_len} >= chunk length {chunk_length}")]
    BadShape {
        /// Blob length in symbols.
        blob_len: usize,
        /// Chunk length.
        chunk_length: usize,
    },
    /// The SRS has fewer G1 points than the blob has symbols.
    #[error("blob has {blob_len} symbols, SRS has {srs_points} G1 points")]
    SrsTooSmall {
        /// Blob length in symbols.
        blob_len: usize,
        /// Points loaded.
        srs_points: usize,
    },
    /// The coefficients do not match the table's blob length.
    #[error("table is for blobs of {expected} symbols, got {got}")]
    WrongBlobLength {
        /// Table blob length.
        expected: usize,
        /// Coefficients given.
        got: usize,
    },
    /// Fewer cosets than Toeplitz rows: `num_chunks < blob_len / chunk_length`.
    #[error(
        "{num_chunks} chunks cannot carry a blob of {blob_len} symbols in chunks of {chunk_length}"
    )]
    TooFewChunks {
        /// Number of chunks.
        num_chunks: usize,
        /// Blob length in symbols.
        blob_len: usize,
        /// Chunk length.
        chunk_length: usize,
    },
}

/// The SRS side of FK20 for one `(blob length, chunk length)`: the FFTs of the
/// `L` strided, reversed SRS vectors, stored so that the `L` bases of each
/// Toeplitz position are contiguous.
#[derive(Debug, Clone)]
pub struct Fk20Table<G: CurveGroup> {
    blob_len: usize,
    chunk_length: usize,
    /// `bases[k * L + t] = FFT_2m(x_t)[k]`.
    bases: Vec<G::Affine>,
    /// The bases' window multiples, when prepared ([`Fk20Table::prepare_fixed_bases`]).
    fixed: Option<msm::FixedBases<G::Affine>>,
}

impl<G: CurveGroup> Fk20Table<G>
where
    G::ScalarField: FftField,
{
    /// Precomputes the table from the G1 powers `srs_g1` (at least `blob_len`
    /// of them): `L` G1 FFTs of `2m` points.
    pub fn new(
        srs_g1: &[G::Affine],
        blob_len: usize,
        chunk_length: usize,
    ) -> Result<Self, Fk20Error> {
        if !blob_len.is_power_of_two() || !chunk_length.is_power_of_two() || chunk_length > blob_len
        {
            return Err(Fk20Error::BadShape {
                blob_len,
                chunk_length,
            });
        }
        if srs_g1.len() < blob_len {
            return Err(Fk20Error::SrsTooSmall {
                blob_len,
                srs_points: srs_g1.len(),
            });
        }
        let m = blob_len / chunk_length;
        let d = domain::<G::ScalarField>(2 * m as u64).ok_or(Fk20Error::BadShape {
            blob_len,
            chunk_length,
        })?;
        let column = |t: usize| -> Vec<G> {
            let x: Vec<G> = (0..m)
                .map(|r| srs_g1[(m - 1 - r) * chunk_length + t].into())
                .collect();
            d.fft(&x)
        };
        #[cfg(feature = "parallel")]
        let columns: Vec<Vec<G>> = (0..chunk_length).into_par_iter().map(column).collect();
        #[cfg(not(feature = "parallel"))]
        let columns: Vec<Vec<G>> = (0..chunk_length).map(column).collect();
        let mut transposed = Vec::with_capacity(2 * m * chunk_length);
        for k in 0..2 * m {
            transposed.extend(columns.iter().map(|col| col[k]));
        }
        drop(columns);
        let bases = G::normalize_batch(&transposed);
        Ok(Self {
            blob_len,
            chunk_length,
            bases,
            fixed: None,
        })
    }

    /// Builds the same table from the SRS secret `tau` instead of the points:
    /// field FFTs, then one fixed-base batch multiplication of `2n` scalars,
    /// seconds instead of minutes for large shapes.
    ///
    /// Only for an INSECURE development SRS, whose `tau` is public anyway; a
    /// real setup has no known `tau` and uses [`Fk20Table::new`].
    pub fn from_insecure_trapdoor(
        tau: G::ScalarField,
        blob_len: usize,
        chunk_length: usize,
    ) -> Result<Self, Fk20Error> {
        if !blob_len.is_power_of_two() || !chunk_length.is_power_of_two() || chunk_length > blob_len
        {
            return Err(Fk20Error::BadShape {
                blob_len,
                chunk_length,
            });
        }
        let m = blob_len / chunk_length;
        let d = domain::<G::ScalarField>(2 * m as u64).ok_or(Fk20Error::BadShape {
            blob_len,
            chunk_length,
        })?;
        let tau_l = tau.pow([chunk_length as u64]);
        let column = |t: usize| -> Vec<G::ScalarField> {
            // x_t[r] = tau^((m-1-r)L + t) for r < m.
            let mut x = vec![G::ScalarField::zero(); m];
            let mut pow = tau.pow([t as u64]);
            for r in (0..m).rev() {
                x[r] = pow;
                pow *= tau_l;
            }
            d.fft(&x)
        };
        #[cfg(feature = "parallel")]
        let columns: Vec<Vec<G::ScalarField>> =
            (0..chunk_length).into_par_iter().map(column).collect();
        #[cfg(not(feature = "parallel"))]
        let columns: Vec<Vec<G::ScalarField>> = (0..chunk_length).map(column).collect();
        let mut scalars = Vec::with_capacity(2 * m * chunk_length);
        for k in 0..2 * m {
            scalars.extend(columns.iter().map(|col| col[k]));
        }
        drop(columns);
        let bases = G::generator().batch_mul(&scalars);
        Ok(Self {
            blob_len,
            chunk_length,
            bases,
            fixed: None,
        })
    }

    /// The table's points: `bases[k * L + t] = FFT_2m(x_t)[k]`, `2n` of them.
    pub fn bases(&self) -> &[G::Affine] {
        &self.bases
    }

    /// A table from its points, as [`Fk20Table::bases`] gives them (a table read
    /// back from disk). `None` unless the shape is valid and there are `2n` points.
    pub fn from_bases(blob_len: usize, chunk_length: usize, bases: Vec<G::Affine>) -> Option<Self> {
        let valid = blob_len.is_power_of_two()
            && chunk_length.is_power_of_two()
            && chunk_length <= blob_len
            && bases.len() == 2 * blob_len;
        valid.then_some(Self {
            blob_len,
            chunk_length,
            bases,
            fixed: None,
        })
    }

    /// Blob length (symbols) this table serves.
    pub fn blob_len(&self) -> usize {
        self.blob_len
    }

    /// Chunk length this table serves.
    pub fn chunk_length(&self) -> usize {
        self.chunk_length
    }
}

impl<P: GlvSplit> Fk20Table<Projective<P>> {
    /// Bytes [`Self::prepare_fixed_bases`] would add for this shape.
    pub fn fixed_bases_bytes(&self) -> usize {
        msm::FixedBases::<Affine<P>>::memory_bytes(self.bases.len(), self.chunk_length)
    }

    /// Keeps every base's window multiples ([`msm::FixedBases`]) if they take
    /// at most `max_bytes`: the Toeplitz MSMs then do about half the work
    /// for chunks of 8 to 64 symbols. Costs `c` doublings per base and window
    /// once (a second or two for a 1 MiB blob's table on 2 cores). Returns
    /// whether they were kept.
    pub fn prepare_fixed_bases(&mut self, max_bytes: usize) -> bool {
        if self.fixed.is_none() && self.fixed_bases_bytes() <= max_bytes {
            self.fixed = Some(msm::FixedBases::new(&self.bases, self.chunk_length));
        }
        self.fixed.is_some()
    }

    /// The proofs for all `num_chunks` cosets, in natural order: entry `j` is
    /// the proof for the coset with `z = h^L = w_N^j` (EigenDA's
    /// `ComputeMultiFrameProofV2` output; chunk `i` takes entry
    /// `reverse_bits(i)`).
    pub fn proofs(&self, coeffs: &[Fr], num_chunks: usize) -> Result<Vec<Affine<P>>, Fk20Error> {
        let (n, l) = (self.blob_len, self.chunk_length);
        if coeffs.len() != n {
            return Err(Fk20Error::WrongBlobLength {
                expected: n,
                got: coeffs.len(),
            });
        }
        let m = n / l;
        let too_few = Fk20Error::TooFewChunks {
            num_chunks,
            blob_len: n,
            chunk_length: l,
        };
        if num_chunks < m || !num_chunks.is_power_of_two() {
            return Err(too_few);
        }
        // The prepared-twiddle FFTs need every root of unity to GLV-split,
        // which BN254's always do; the baseline is the fallback.
        match self
            .toeplitz_sums(coeffs)
            .and_then(|h| group_fft::fft_sparse(&h, num_chunks))
        {
            Some(proofs) => Ok(proofs),
            None => self.proofs_baseline(coeffs, num_chunks),
        }
    }

    /// [`Self::proofs`] as computed before the speed work of issue 16: one
    /// projective MSM per Toeplitz row and arkworks' group FFTs for the
    /// tail. The fallback, the tests' twin and the benches' same-run
    /// baseline.
    pub fn proofs_baseline(
        &self,
        coeffs: &[Fr],
        num_chunks: usize,
    ) -> Result<Vec<Affine<P>>, Fk20Error> {
        let (n, l) = (self.blob_len, self.chunk_length);
        if coeffs.len() != n {
            return Err(Fk20Error::WrongBlobLength {
                expected: n,
                got: coeffs.len(),
            });
        }
        let too_few = Fk20Error::TooFewChunks {
            num_chunks,
            blob_len: n,
            chunk_length: l,
        };
        if num_chunks < n / l || !num_chunks.is_power_of_two() {
            return Err(too_few);
        }
        let big = domain::<Fr>(num_chunks as u64).ok_or(too_few)?;
        Ok(Projective::normalize_batch(
            &big.fft(&self.toeplitz_sums_baseline(coeffs)),
        ))
    }

    /// The blob side of the Toeplitz products: `FFT_2m(v_t)` for each `t`,
    /// times `scale`, transposed so row `k` holds the `L` scalars of position `k`.
    fn toeplitz_scalars(&self, coeffs: &[Fr], scale: Fr) -> Vec<Vec<Fr>> {
        let (n, l) = (self.blob_len, self.chunk_length);
        let m = n / l;
        let d = domain::<Fr>(2 * m as u64).expect("2m divides the table's domain");
        let column = |t: usize| -> Vec<Fr> {
            let mut v = vec![Fr::zero(); 2 * m];
            for u in 1..m {
                v[m + u] = coeffs[u * l + t] * scale;
            }
            d.fft_in_place(&mut v);
            v
        };
        #[cfg(feature = "parallel")]
        let columns: Vec<Vec<Fr>> = (0..l).into_par_iter().map(column).collect();
        #[cfg(not(feature = "parallel"))]
        let columns: Vec<Vec<Fr>> = (0..l).map(column).collect();
        columns
    }

    /// `FFT_2m(x_t) .* FFT_2m(v_t)` summed over `t`: the `2m` MSMs of `L`
    /// points, their bucket additions batched together ([`msm::msm_rows`],
    /// or [`msm::FixedBases::msm_rows`] when prepared).
    fn toeplitz_products(&self, columns: &[Vec<Fr>]) -> Vec<Projective<P>> {
        let l = self.chunk_length;
        let rows = 2 * (self.blob_len / l);
        // Row-major like the table: scalars[k·L + t] = FFT_2m(v_t)[k].
        let mut scalars = Vec::with_capacity(rows * l);
        for k in 0..rows {
            scalars.extend(columns.iter().map(|col| col[k]));
        }
        let batched = match &self.fixed {
            Some(fixed) => fixed.msm_rows(&scalars),
            None => msm::msm_rows(&self.bases, &scalars, l),
        };
        batched.unwrap_or_else(|| self.toeplitz_products_serial(columns))
    }

    /// [`Self::toeplitz_products`] as one [`msm::msm_serial`] per row (the
    /// code before the batched rows): the fallback, and the twin of the
    /// tests and benches.
    fn toeplitz_products_serial(&self, columns: &[Vec<Fr>]) -> Vec<Projective<P>> {
        let l = self.chunk_length;
        let rows = 2 * (self.blob_len / l);
        let row = |k: usize| -> Projective<P> {
            let scalars: Vec<<Fr as PrimeField>::BigInt> =
                columns.iter().map(|col| col[k].into_bigint()).collect();
            msm::msm_serial::<Projective<P>>(&self.bases[k * l..(k + 1) * l], &scalars)
        };
        #[cfg(feature = "parallel")]
        let hat: Vec<Projective<P>> = (0..rows).into_par_iter().map(row).collect();
        #[cfg(not(feature = "parallel"))]
        let hat: Vec<Projective<P>> = (0..rows).map(row).collect();
        hat
    }

    /// `H_0..H_{m-1}` (affine): the `1/2m` of the inverse FFT is folded into
    /// the blob-side scalars, and the inverse FFT runs with prepared
    /// twiddles. `None` if a twiddle does not GLV-split.
    fn toeplitz_sums(&self, coeffs: &[Fr]) -> Option<Vec<Affine<P>>> {
        let m = self.blob_len / self.chunk_length;
        let scale = Fr::from((2 * m) as u64).inverse()?;
        let hat = self.toeplitz_products(&self.toeplitz_scalars(coeffs, scale));
        let mut hat = Projective::normalize_batch(&hat);
        group_fft::ifft_unscaled(&mut hat)?;
        hat.truncate(m);
        Some(hat)
    }

    /// [`Self::toeplitz_sums`] with a serial MSM per row and arkworks'
    /// inverse FFT (the fallback and the tests' twin).
    fn toeplitz_sums_baseline(&self, coeffs: &[Fr]) -> Vec<Projective<P>> {
        let m = self.blob_len / self.chunk_length;
        let d = domain::<Fr>(2 * m as u64).expect("2m divides the table's domain");
        let mut hat = self.toeplitz_products_serial(&self.toeplitz_scalars(coeffs, Fr::one()));
        d.ifft_in_place(&mut hat);
        hat.truncate(m);
        hat
    }
}

use ark_ff::Zero as _;

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, PrimeGroup};
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Naive twin: commit to the quotient `(p - p mod (x^L - z)) / (x^L - z)`
    /// by long division, one proof at a time.
    fn naive_proof(srs: &[G1Affine], coeffs: &[Fr], l: usize, z: Fr) -> G1Projective {
        // Divide by x^L - z from the top: q_{i-L} = r_i, r_{i-L} += z * r_i.
        let mut r = coeffs.to_vec();
        let mut q = vec![Fr::ZERO; coeffs.len().saturating_sub(l)];
        for i in (l..coeffs.len()).rev() {
            q[i - l] = r[i];
            let carry = r[i] * z;
            r[i - l] += carry;
        }
        q.iter()
            .zip(srs)
            .map(|(c, s)| G1Projective::from(*s) * c)
            .sum()
    }

    #[test]
    fn fk20_matches_per_proof_quotients() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let tau = Fr::rand(&mut rng);
        let powers: Vec<Fr> = (0..64u64).map(|i| tau.pow([i])).collect();
        let srs: Vec<G1Affine> = powers
            .iter()
            .map(|p| (G1Projective::generator() * p).into_affine())
            .collect();
        for (n, l, num_chunks) in [
            (8usize, 2usize, 8usize),
            (16, 4, 16),
            (16, 1, 32),
            (8, 8, 2),
            (32, 4, 8),
        ] {
            let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let table = Fk20Table::<G1Projective>::new(&srs, n, l).expect("shape");
            let proofs = table.proofs(&coeffs, num_chunks).expect("proofs");
            let d = domain::<Fr>(num_chunks as u64).expect("domain");
            for (j, proof) in proofs.iter().enumerate() {
                let want = naive_proof(&srs, &coeffs, l, d.element(j));
                assert_eq!(
                    G1Projective::from(*proof),
                    want,
                    "n {n} L {l} N {num_chunks} coset {j}"
                );
            }
        }
    }

    #[test]
    fn fast_path_equals_baseline() {
        // The fast path (batched Toeplitz MSMs, scaled scalars, unscaled
        // prepared-twiddle iFFT, coset-split sparse FFT) against serial MSMs
        // and arkworks' iFFT and FFT, random blobs.
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let tau = Fr::rand(&mut rng);
        for (n, l, num_chunks) in [
            (64usize, 4usize, 64usize),
            (64, 8, 16),
            (32, 1, 64),
            (16, 16, 4),
        ] {
            let table =
                Fk20Table::<G1Projective>::from_insecure_trapdoor(tau, n, l).expect("shape");
            let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let fast = table.toeplitz_sums(&coeffs).expect("twiddles split");
            let baseline = table.toeplitz_sums_baseline(&coeffs);
            assert_eq!(
                fast,
                G1Projective::normalize_batch(&baseline),
                "n {n} L {l}"
            );
            assert_eq!(
                table.proofs(&coeffs, num_chunks).expect("proofs"),
                table.proofs_baseline(&coeffs, num_chunks).expect("proofs"),
                "n {n} L {l} N {num_chunks}"
            );
        }
    }

    #[test]
    fn trapdoor_table_equals_srs_table() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let tau = Fr::rand(&mut rng);
        let srs: Vec<G1Affine> = (0..32u64)
            .map(|i| (G1Projective::generator() * tau.pow([i])).into_affine())
            .collect();
        for (n, l) in [(32usize, 4usize), (16, 1), (8, 8)] {
            let slow = Fk20Table::<G1Projective>::new(&srs, n, l).expect("shape");
            let fast = Fk20Table::<G1Projective>::from_insecure_trapdoor(tau, n, l).expect("shape");
            assert_eq!(slow.bases, fast.bases, "n {n} L {l}");
        }
    }

    #[test]
    fn rejects_bad_shapes() {
        let srs = vec![G1Affine::generator(); 8];
        assert!(matches!(
            Fk20Table::<G1Projective>::new(&srs, 16, 4),
            Err(Fk20Error::SrsTooSmall { .. })
        ));
        assert!(matches!(
            Fk20Table::<G1Projective>::new(&srs, 6, 2),
            Err(Fk20Error::BadShape { .. })
        ));
        let table = Fk20Table::<G1Projective>::new(&srs, 8, 2).expect("shape");
        assert!(matches!(
            table.proofs(&[Fr::ONE; 8], 2),
            Err(Fk20Error::TooFewChunks { .. })
        ));
        assert!(matches!(
            table.proofs(&[Fr::ONE; 7], 8),
            Err(Fk20Error::WrongBlobLength { .. })
        ));
    }
}
