//! FFTs whose coefficients are curve points (FK20's tail), with the twiddles
//! prepared once per call: each root of unity is GLV-split and written in
//! signed 5-bit windows, so a butterfly's scalar multiplication is ~130
//! doublings and ~52 additions over a table of 16 multiples (an entry's
//! image under the endomorphism costs one field multiplication), against
//! arkworks' per-call big-integer decomposition and ~96 additions.
//! Butterflies whose twiddle is 1 are additions only.
//!
//! The points stay in affine coordinates from the first level to the last,
//! and every step is done for all the butterflies of a level at once: the
//! scalar multiplications walk their digits in lockstep, so each doubling
//! and each table addition of the whole level is one batch sharing one
//! inversion (Montgomery's trick; [`Batch`], eight at a time on AVX-512
//! IFMA), and so are all the level's butterfly sums `a + t` and `a - t`.
//! Fixed windows rather than a NAF because the steps are shared: a NAF's few
//! additions fall at different positions for each scalar, so a lockstep pays
//! an inversion at almost every position for a handful of points; fixed
//! windows put every scalar's additions at the same 26 positions (half the
//! steps, the same work at 256 points, 13% less at 64). Measured here, one
//! field operation at a time: an affine addition with a shared inversion
//! 198 ns against 311 ns (mixed) and 387 ns (projective); an affine doubling
//! 213 ns against 228 ns for arkworks' projective one. On IFMA, batches of
//! 256 take about 66 ns per addition and 73 ns per doubling.
//!
//! - [`ifft_unscaled`]: `size · iFFT` (the caller folds `1/size` into its
//!   scalars, which is free there);
//! - [`fft_sparse`]: the FFT over `size` points of `m` leading coefficients
//!   (the rest zero), as `size / m` FFTs of `m` points on the cosets
//!   `w_size^r · <w_m>`.

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::{FftField, Field, One};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::fft::bit_reverse_permutation;
use crate::msm::glv::Splitter;
use crate::msm::{Batch, GlvSplit, add_distinct, signed_digits};

/// Window width: digits in `(-2^(W-1), 2^(W-1)]`, a table of `2^(W-1)` multiples.
const WINDOW: usize = 5;
const TABLE: usize = 1 << (WINDOW - 1);
/// Windows of a GLV half (128 bits and the recoding's carry).
const WINDOWS: usize = 129usize.div_ceil(WINDOW);

/// Scalar multiplications done in lockstep on one thread: enough to share
/// each inversion among hundreds of additions, few enough that a level of a
/// 2048-point FFT still splits over the threads.
const LOCKSTEP: usize = 256;

/// A scalar prepared for multiplying many points: its GLV halves in signed
/// windows.
#[derive(Clone)]
struct Prepared {
    /// Least significant first, [`WINDOWS`] each.
    digits1: [i16; WINDOWS],
    digits2: [i16; WINDOWS],
}

impl Prepared {
    fn new(splitter: &Splitter, k: &Fr) -> Option<Self> {
        let ((neg1, m1), (neg2, m2)) = splitter.split(k)?;
        let digits = |negative: bool, magnitude: u128| {
            let mut out = [0i16; WINDOWS];
            let limbs = [magnitude as u64, (magnitude >> 64) as u64];
            signed_digits(&limbs, negative, WINDOW, &mut out);
            out
        };
        Some(Self {
            digits1: digits(neg1, m1),
            digits2: digits(neg2, m2),
        })
    }
}

/// `out[i] = scalars[i] · points[i]`, all on the calling thread, in lockstep.
fn mul_lockstep<P: GlvSplit>(points: &[Affine<P>], scalars: &[&Prepared]) -> Vec<Affine<P>> {
    let k = points.len();
    let mut batch = Batch::default();
    // table[i · TABLE + t] = (t + 1) · points[i]; the first step doubles.
    let mut table = vec![Affine::<P>::identity(); k * TABLE];
    let mut multiple = points.to_vec();
    for t in 0..TABLE {
        if t > 0 {
            batch.add(&mut multiple, |i, _| Some(points[i]));
        }
        for (i, p) in multiple.iter().enumerate() {
            table[i * TABLE + t] = *p;
        }
    }
    let entry = |i: usize, d: i16, endo: bool| -> Option<Affine<P>> {
        if d == 0 {
            return None;
        }
        let p = table[i * TABLE + d.unsigned_abs() as usize - 1];
        let p = if endo && !p.infinity {
            P::endomorphism_affine(&p)
        } else {
            p
        };
        Some(if d < 0 { -p } else { p })
    };
    let mut acc = vec![Affine::<P>::identity(); k];
    for w in (0..WINDOWS).rev() {
        if w + 1 < WINDOWS {
            for _ in 0..WINDOW {
                batch.add(&mut acc, |_, a| Some(*a));
            }
        }
        batch.add(&mut acc, |i, _| entry(i, scalars[i].digits1[w], false));
        batch.add(&mut acc, |i, _| entry(i, scalars[i].digits2[w], true));
    }
    acc
}

/// `(a + t, a - t)` for every pair, as one batch of sums; the rare pairs
/// with equal `x` or the identity go through projective coordinates.
fn butterflies<P: GlvSplit>(pairs: &mut [(Affine<P>, Affine<P>)]) {
    let (mut lhs, mut rhs, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for (k, (a, t)) in pairs.iter_mut().enumerate() {
        if a.infinity || t.infinity || a.x == t.x {
            let (pa, pt) = (Projective::<P>::from(*a), *t);
            let sums = Projective::normalize_batch(&[pa + pt, pa - pt]);
            (*a, *t) = (sums[0], sums[1]);
        } else {
            // a - t = a + (-t).
            lhs.extend([*a, *a]);
            rhs.extend([*t, -*t]);
            at.push(k);
        }
    }
    add_distinct(&mut lhs, &rhs);
    for (&k, sums) in at.iter().zip(lhs.chunks_exact(2)) {
        pairs[k] = (sums[0], sums[1]);
    }
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

/// Iterative radix-2 DIT FFTs in place, of every `n`-point slice of
/// `values` at once (each level's butterflies of all slices share the
/// lockstep steps); `inverse` uses `w^-1` (unscaled). `roots` holds
/// `w^0..w^(n/2)` of the `n`-point domain.
fn fft_in_place<P: GlvSplit>(
    values: &mut [Affine<P>],
    n: usize,
    roots: &[Prepared],
    inverse: bool,
) {
    if n <= 1 {
        return;
    }
    debug_assert!(values.len().is_multiple_of(n));
    values.chunks_mut(n).for_each(bit_reverse_permutation);
    let mut half = 1;
    while half < n {
        let stride = n / (2 * half);
        // Butterfly (a, b) at offset j of its block: t = w^(±j·stride) · b,
        // then (a + t, a - t). w^-(j·stride) = -w^(n/2 - j·stride) for j > 0.
        let twiddle = |j: usize| -> Option<(&Prepared, bool)> {
            match j {
                0 => None,
                _ if inverse => Some((&roots[n / 2 - j * stride], true)),
                _ => Some((&roots[j * stride], false)),
            }
        };
        let mut pairs: Vec<(Affine<P>, Affine<P>)> = Vec::with_capacity(values.len() / 2);
        let mut scaled: Vec<(usize, &Prepared)> = Vec::new();
        for (block, chunk) in values.chunks(2 * half).enumerate() {
            for j in 0..half {
                if let Some((prepared, _)) = twiddle(j) {
                    scaled.push((block * half + j, prepared));
                }
                pairs.push((chunk[j], chunk[half + j]));
            }
        }
        let scale = |part: &[(usize, &Prepared)]| -> Vec<Affine<P>> {
            let points: Vec<Affine<P>> = part.iter().map(|(i, _)| pairs[*i].1).collect();
            let scalars: Vec<&Prepared> = part.iter().map(|(_, s)| *s).collect();
            mul_lockstep(&points, &scalars)
        };
        #[cfg(feature = "parallel")]
        let products: Vec<Affine<P>> = scaled.par_chunks(LOCKSTEP).flat_map_iter(scale).collect();
        #[cfg(not(feature = "parallel"))]
        let products: Vec<Affine<P>> = scaled.chunks(LOCKSTEP).flat_map(scale).collect();
        for ((i, _), t) in scaled.iter().zip(products) {
            let negate = twiddle(i % half).is_some_and(|(_, negate)| negate);
            pairs[*i].1 = if negate { -t } else { t };
        }
        #[cfg(feature = "parallel")]
        pairs.par_chunks_mut(LOCKSTEP).for_each(butterflies);
        #[cfg(not(feature = "parallel"))]
        pairs.chunks_mut(LOCKSTEP).for_each(butterflies);
        for (block, chunk) in values.chunks_mut(2 * half).enumerate() {
            for j in 0..half {
                (chunk[j], chunk[half + j]) = pairs[block * half + j];
            }
        }
        half *= 2;
    }
}

/// `n · iFFT_n(values)` (`n = values.len()`, a power of two), i.e. the
/// inverse transform without its `1/n`; `None` if a twiddle does not split.
pub(crate) fn ifft_unscaled<P: GlvSplit>(values: &mut [Affine<P>]) -> Option<()> {
    let n = values.len();
    let roots = prepared_half_roots(&Splitter::new::<P>(), n)?;
    fft_in_place(values, n, &roots, true);
    Some(())
}

/// `FFT_size(coeffs ‖ 0…)`: the evaluations at the `size`-th roots of unity
/// of the polynomial with coefficients `coeffs` (`m = coeffs.len()` and
/// `size` powers of two, `m <= size`). Output `r + (size/m)·s` is entry `s`
/// of the `m`-point FFT of `coeffs_k · w_size^(r·k)`. `None` if a twiddle does
/// not split.
pub(crate) fn fft_sparse<P: GlvSplit>(coeffs: &[Affine<P>], size: usize) -> Option<Vec<Affine<P>>> {
    let m = coeffs.len();
    debug_assert!(m.is_power_of_two() && size.is_power_of_two() && m <= size);
    let splitter = Splitter::new::<P>();
    let roots = prepared_half_roots(&splitter, m)?;
    let cosets = size / m;
    let w = Fr::get_root_of_unity(size as u64)?;
    // values[r·m + k] = coeffs_k · w^(r·k): all cosets side by side, so the
    // multiplications and each FFT level run as one lockstep computation.
    let mut values: Vec<Affine<P>> = Vec::with_capacity(size);
    let mut scalars: Vec<Fr> = Vec::with_capacity((cosets - 1) * m);
    for r in 0..cosets {
        values.extend_from_slice(coeffs);
        if r > 0 {
            let shift = w.pow([r as u64]);
            let mut cur = Fr::one();
            for _ in 0..m {
                scalars.push(cur);
                cur *= shift;
            }
        }
    }
    let prepared = prepare_all(&splitter, &scalars)?;
    let scale = |(points, scalars): (&mut [Affine<P>], &[Prepared])| {
        let scalars: Vec<&Prepared> = scalars.iter().collect();
        let products = mul_lockstep(points, &scalars);
        points.copy_from_slice(&products);
    };
    #[cfg(feature = "parallel")]
    values[m..]
        .par_chunks_mut(LOCKSTEP)
        .zip(prepared.par_chunks(LOCKSTEP))
        .for_each(scale);
    #[cfg(not(feature = "parallel"))]
    values[m..]
        .chunks_mut(LOCKSTEP)
        .zip(prepared.chunks(LOCKSTEP))
        .for_each(scale);
    fft_in_place(&mut values, m, &roots, false);
    let mut out = vec![Affine::<P>::identity(); size];
    for (i, v) in values.into_iter().enumerate() {
        let (r, s) = (i / m, i % m);
        out[r + cosets * s] = v;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fft::domain;
    use ark_bn254::{G1Projective, G2Projective, g1};
    use ark_ec::PrimeGroup;
    use ark_ec::scalar_mul::glv::GLVConfig;
    use ark_ff::{AdditiveGroup, UniformRand};
    use ark_poly::EvaluationDomain;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn lockstep_mul_matches_scalar_mul() {
        let mut rng = ChaCha20Rng::seed_from_u64(41);
        let splitter = Splitter::new::<g1::Config>();
        let n = 300;
        let mut points: Vec<G1Projective> = random_g1(&mut rng, n);
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        // Corner cases: 1, -1, 0, 2, λ, the identity, one point many times.
        scalars[..5].copy_from_slice(&[
            Fr::one(),
            -Fr::one(),
            Fr::from(0u64),
            Fr::from(2u64),
            g1::Config::LAMBDA,
        ]);
        points[5] = G1Projective::ZERO;
        for i in 6..40 {
            points[i] = points[6];
        }
        let affine = G1Projective::normalize_batch(&points);
        let prepared: Vec<Prepared> = scalars
            .iter()
            .map(|k| Prepared::new(&splitter, k).expect("splits"))
            .collect();
        let refs: Vec<&Prepared> = prepared.iter().collect();
        let want: Vec<G1Projective> = points.iter().zip(&scalars).map(|(p, k)| *p * k).collect();
        assert_eq!(
            mul_lockstep(&affine, &refs),
            G1Projective::normalize_batch(&want)
        );
    }

    fn random_g1(rng: &mut ChaCha20Rng, n: usize) -> Vec<G1Projective> {
        (0..n)
            .map(|_| G1Projective::generator() * Fr::rand(rng))
            .collect()
    }

    #[test]
    fn unscaled_ifft_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        for n in [1usize, 2, 4, 16, 64, 1024] {
            let values = random_g1(&mut rng, n);
            let d = domain::<Fr>(n as u64).expect("domain");
            let want: Vec<G1Projective> = d
                .ifft(&values)
                .into_iter()
                .map(|v| v * Fr::from(n as u64))
                .collect();
            let mut got = G1Projective::normalize_batch(&values);
            ifft_unscaled(&mut got).expect("splits");
            assert_eq!(got, G1Projective::normalize_batch(&want), "n = {n}");
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
        let mut got = G2Projective::normalize_batch(&values);
        ifft_unscaled(&mut got).expect("splits");
        assert_eq!(got, G2Projective::normalize_batch(&want));
    }

    #[test]
    fn sparse_fft_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(43);
        for (m, size) in [
            (1usize, 1usize),
            (1, 8),
            (2, 2),
            (4, 32),
            (16, 16),
            (8, 64),
            (1024, 2048),
        ] {
            let mut coeffs = random_g1(&mut rng, m);
            if m >= 16 {
                // Equal points and the identity: butterflies with a = ±t.
                for i in 1..m / 2 {
                    coeffs[i] = coeffs[0];
                }
                coeffs[m - 1] = G1Projective::ZERO;
            }
            let d = domain::<Fr>(size as u64).expect("domain");
            let want = G1Projective::normalize_batch(&d.fft(&coeffs));
            assert_eq!(
                fft_sparse(&G1Projective::normalize_batch(&coeffs), size).expect("splits"),
                want,
                "m {m} size {size}"
            );
        }
    }
}
