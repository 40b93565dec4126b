//! FFTs whose coefficients are curve points (FK20's tail), with the twiddles
//! prepared once per call: each root of unity is GLV-split and written in
//! width-5 NAF, so a butterfly's scalar multiplication is ~128 doublings
//! and ~43 additions over a table of 8 odd multiples (the endomorphism
//! gives the second table for 8 field multiplications), against arkworks'
//! per-call big-integer decomposition and ~96 additions. Butterflies whose
//! twiddle is 1 are additions only.
//!
//! - [`ifft_unscaled`]: `size · iFFT` (the caller folds `1/size` into its
//!   scalars, which is free there);
//! - [`fft_sparse`]: the FFT over `size` points of `m` leading coefficients
//!   (the rest zero), as `size / m` FFTs of `m` points on the cosets
//!   `w_size^r · <w_m>`.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, FftField, Field, One};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::bit_reverse_permutation;
use crate::msm::GlvSplit;
use crate::msm::glv::Splitter;

/// NAF width: digits are odd, `|d| < 2^(W-1)`, table of `2^(W-2)` odd multiples.
const NAF_WIDTH: u32 = 5;
const TABLE: usize = 1 << (NAF_WIDTH - 2);

/// A scalar prepared for multiplying many points: its GLV halves in NAF.
#[derive(Clone)]
struct Prepared {
    /// Least significant first; equal length (padded with zeros).
    naf1: Vec<i8>,
    naf2: Vec<i8>,
    /// The scalar is 1: multiplication is the identity map.
    one: bool,
}

impl Prepared {
    fn new(splitter: &Splitter, k: &Fr) -> Option<Self> {
        let ((neg1, m1), (neg2, m2)) = splitter.split(k)?;
        let mut naf1 = naf(m1, neg1);
        let mut naf2 = naf(m2, neg2);
        let len = naf1.len().max(naf2.len());
        naf1.resize(len, 0);
        naf2.resize(len, 0);
        Some(Self {
            naf1,
            naf2,
            one: k.is_one(),
        })
    }

    fn mul<P: GlvSplit>(&self, p: &Projective<P>) -> Projective<P> {
        if self.one {
            return *p;
        }
        let mut table = [*p; TABLE];
        let double = p.double();
        for i in 1..TABLE {
            table[i] = table[i - 1] + double;
        }
        let table_endo = table.map(|t| P::endomorphism(&t));
        let mut acc = Projective::<P>::ZERO;
        for i in (0..self.naf1.len()).rev() {
            acc.double_in_place();
            add_digit(&mut acc, self.naf1[i], &table);
            add_digit(&mut acc, self.naf2[i], &table_endo);
        }
        acc
    }
}

fn add_digit<P: SWCurveConfig>(acc: &mut Projective<P>, d: i8, table: &[Projective<P>; TABLE]) {
    if d > 0 {
        *acc += table[(d as usize) / 2];
    } else if d < 0 {
        *acc -= table[(d.unsigned_abs() as usize) / 2];
    }
}

/// Width-`NAF_WIDTH` NAF of `±magnitude`, least significant digit first.
fn naf(magnitude: u128, negative: bool) -> Vec<i8> {
    let mut digits = Vec::with_capacity(130);
    // 129 bits of headroom: the NAF of a 128-bit value can be one digit longer.
    let mut k = magnitude;
    let mut high = false;
    let modulus = 1i32 << NAF_WIDTH;
    while k != 0 || high {
        if k & 1 == 1 {
            let mut d = (k % (modulus as u128)) as i32;
            if d >= modulus / 2 {
                d -= modulus;
            }
            // k -= d, with k a 129-bit value (high, k)
            if d > 0 {
                k -= d as u128;
            } else {
                let (sum, carry) = k.overflowing_add(d.unsigned_abs() as u128);
                k = sum;
                high |= carry;
            }
            digits.push(if negative { -d } else { d } as i8);
        } else {
            digits.push(0);
        }
        k >>= 1;
        if high {
            k |= 1 << 127;
            high = false;
        }
    }
    digits
}

/// `[w^0, ..., w^(n/2 - 1)]` prepared, `w` the generator of the `n`-point domain.
fn prepared_half_roots(splitter: &Splitter, n: usize) -> Option<Vec<Prepared>> {
    let w = Fr::get_root_of_unity(n as u64)?;
    let mut powers = Vec::with_capacity(n / 2);
    let mut cur = Fr::one();
    for _ in 0..n / 2 {
        powers.push(cur);
        cur *= w;
    }
    prepare_all(splitter, &powers)
}

fn prepare_all(splitter: &Splitter, scalars: &[Fr]) -> Option<Vec<Prepared>> {
    #[cfg(feature = "parallel")]
    let it = scalars.par_iter();
    #[cfg(not(feature = "parallel"))]
    let it = scalars.iter();
    it.map(|s| Prepared::new(splitter, s)).collect()
}

/// Iterative radix-2 DIT FFT in place; `inverse` uses `w^-1` (unscaled).
/// `roots` holds `w^0..w^(n/2)` of the `n = values.len()` domain.
fn fft_in_place<P: GlvSplit>(values: &mut [Projective<P>], roots: &[Prepared], inverse: bool) {
    let n = values.len();
    if n <= 1 {
        return;
    }
    bit_reverse_permutation(values);
    let mut half = 1;
    while half < n {
        let stride = n / (2 * half);
        let butterfly = |block: &mut [Projective<P>]| {
            let (lo, hi) = block.split_at_mut(half);
            for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                // w^-(j·stride) = -w^(n/2 - j·stride) for j > 0
                let t = if j == 0 {
                    *b
                } else if inverse {
                    -roots[n / 2 - j * stride].mul(b)
                } else {
                    roots[j * stride].mul(b)
                };
                *b = *a - t;
                *a += t;
            }
        };
        #[cfg(feature = "parallel")]
        values
            .par_chunks_mut(2 * half)
            .with_max_len(1)
            .for_each(butterfly);
        #[cfg(not(feature = "parallel"))]
        values.chunks_mut(2 * half).for_each(butterfly);
        half *= 2;
    }
}

/// `n · iFFT_n(values)` (`n = values.len()`, a power of two), i.e. the
/// inverse transform without its `1/n`; `None` if a twiddle does not split.
pub(crate) fn ifft_unscaled<P: GlvSplit>(values: &mut [Projective<P>]) -> Option<()> {
    let n = values.len();
    let roots = prepared_half_roots(&Splitter::new::<P>(), n)?;
    fft_in_place(values, &roots, true);
    Some(())
}

/// `FFT_size(coeffs ‖ 0…)`: the evaluations at the `size`-th roots of unity
/// of the polynomial with coefficients `coeffs` (`m = coeffs.len()` and
/// `size` powers of two, `m <= size`). Output `r + (size/m)·s` is entry `s`
/// of the `m`-point FFT of `coeffs_k · w_size^(r·k)`. `None` if a twiddle does
/// not split.
pub(crate) fn fft_sparse<P: GlvSplit>(
    coeffs: &[Projective<P>],
    size: usize,
) -> Option<Vec<Projective<P>>> {
    let m = coeffs.len();
    debug_assert!(m.is_power_of_two() && size.is_power_of_two() && m <= size);
    let splitter = Splitter::new::<P>();
    let roots = prepared_half_roots(&splitter, m)?;
    let cosets = size / m;
    let w = Fr::get_root_of_unity(size as u64)?;
    let coset = |r: usize| -> Option<Vec<Projective<P>>> {
        let mut values = coeffs.to_vec();
        if r > 0 {
            let shift = w.pow([r as u64]);
            let mut cur = Fr::one();
            let mut scalars = Vec::with_capacity(m);
            for _ in 0..m {
                scalars.push(cur);
                cur *= shift;
            }
            let prepared = prepare_all(&splitter, &scalars)?;
            #[cfg(feature = "parallel")]
            values
                .par_iter_mut()
                .zip(prepared.par_iter())
                .for_each(|(v, s)| *v = s.mul(v));
            #[cfg(not(feature = "parallel"))]
            values
                .iter_mut()
                .zip(&prepared)
                .for_each(|(v, s)| *v = s.mul(v));
        }
        fft_in_place(&mut values, &roots, false);
        Some(values)
    };
    #[cfg(feature = "parallel")]
    let per_coset: Option<Vec<Vec<Projective<P>>>> =
        (0..cosets).into_par_iter().map(coset).collect();
    #[cfg(not(feature = "parallel"))]
    let per_coset: Option<Vec<Vec<Projective<P>>>> = (0..cosets).map(coset).collect();
    let per_coset = per_coset?;
    let mut out = vec![Projective::<P>::ZERO; size];
    for (r, values) in per_coset.into_iter().enumerate() {
        for (s, v) in values.into_iter().enumerate() {
            out[r + cosets * s] = v;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fft::domain;
    use ark_bn254::{G1Projective, G2Projective, g1};
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use ark_poly::EvaluationDomain;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn naf_recomposes() {
        let mut rng = ChaCha20Rng::seed_from_u64(40);
        let mut values: Vec<u128> = (0..500).map(|_| rand::Rng::r#gen(&mut rng)).collect();
        values.extend([0, 1, 15, 16, 31, u128::MAX, u128::MAX - 15, 1 << 127]);
        for v in values {
            for negative in [false, true] {
                let digits = naf(v, negative);
                let mut acc = Fr::from(0u64);
                for d in digits.iter().rev() {
                    assert!(
                        *d == 0 || (d % 2 != 0 && d.unsigned_abs() < 16),
                        "digit {d}"
                    );
                    acc = acc.double() + Fr::from(i64::from(*d));
                }
                let want = if negative { -Fr::from(v) } else { Fr::from(v) };
                assert_eq!(acc, want, "{v}");
            }
        }
    }

    #[test]
    fn prepared_mul_matches_scalar_mul() {
        let mut rng = ChaCha20Rng::seed_from_u64(41);
        let splitter = Splitter::new::<g1::Config>();
        let p = G1Projective::generator() * Fr::rand(&mut rng);
        let mut scalars: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::one(), -Fr::one(), Fr::from(0u64), Fr::from(2u64)]);
        for k in scalars {
            let prepared = Prepared::new(&splitter, &k).expect("splits");
            assert_eq!(prepared.mul(&p), p * k, "k = {k}");
        }
    }

    fn random_g1(rng: &mut ChaCha20Rng, n: usize) -> Vec<G1Projective> {
        (0..n)
            .map(|_| G1Projective::generator() * Fr::rand(rng))
            .collect()
    }

    #[test]
    fn unscaled_ifft_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        for n in [1usize, 2, 4, 16, 64] {
            let values = random_g1(&mut rng, n);
            let d = domain::<Fr>(n as u64).expect("domain");
            let want: Vec<G1Projective> = d
                .ifft(&values)
                .into_iter()
                .map(|v| v * Fr::from(n as u64))
                .collect();
            let mut got = values.clone();
            ifft_unscaled(&mut got).expect("splits");
            assert_eq!(got, want, "n = {n}");
        }
        // G2 as well.
        let values: Vec<G2Projective> = (0..8)
            .map(|_| G2Projective::generator() * Fr::rand(&mut rng))
            .collect();
        let d = domain::<Fr>(8).expect("domain");
        let want: Vec<G2Projective> = d
            .ifft(&values)
            .into_iter()
            .map(|v| v * Fr::from(8u64))
            .collect();
        let mut got = values;
        ifft_unscaled(&mut got).expect("splits");
        assert_eq!(got, want);
    }

    #[test]
    fn sparse_fft_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(43);
        for (m, size) in [(1usize, 1usize), (1, 8), (2, 2), (4, 32), (16, 16), (8, 64)] {
            let coeffs = random_g1(&mut rng, m);
            let d = domain::<Fr>(size as u64).expect("domain");
            let want = d.fft(&coeffs);
            assert_eq!(
                fft_sparse(&coeffs, size).expect("splits"),
                want,
                "m {m} size {size}"
            );
        }
    }
}
