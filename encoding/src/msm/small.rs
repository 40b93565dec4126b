//! A serial multi-scalar multiplication for the many small MSMs of FK20.
//!
//! FK20 spends most of its time in `2m` MSMs of `L` points each (one per
//! Toeplitz position). arkworks' MSM is tuned for one large MSM: it splits
//! windows across rayon tasks and sizes buckets for unsigned digits. Here
//! each small MSM runs on one thread (the caller parallelises across MSMs)
//! with signed digits, so a `c`-bit window needs `2^(c-1)` buckets, and `c`
//! minimises `windows * (points + 2^c)` (bucket additions plus the bucket
//! reduction's two additions per bucket).

use ark_ec::CurveGroup;
use ark_ff::PrimeField;

use super::window;

/// `sum scalars[i] * bases[i]`, on the calling thread.
pub fn msm_serial<G: CurveGroup>(
    bases: &[G::Affine],
    scalars: &[<G::ScalarField as PrimeField>::BigInt],
) -> G {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return G::zero();
    }
    let num_bits = G::ScalarField::MODULUS_BIT_SIZE as usize;
    let c = window_bits(n, num_bits);
    // One extra window absorbs the final carry of the signed recoding.
    let windows = num_bits.div_ceil(c) + 1;
    let mut digits = vec![0i32; n * windows];
    for (scalar, out) in scalars[..n].iter().zip(digits.chunks_exact_mut(windows)) {
        signed_digits(scalar.as_ref(), c, out);
    }
    let mut buckets = vec![G::zero(); 1 << (c - 1)];
    let mut acc = G::zero();
    for w in (0..windows).rev() {
        if !acc.is_zero() {
            for _ in 0..c {
                acc.double_in_place();
            }
        }
        buckets.iter_mut().for_each(|b| *b = G::zero());
        for (i, base) in bases[..n].iter().enumerate() {
            let d = digits[i * windows + w];
            if d > 0 {
                buckets[(d - 1) as usize] += base;
            } else if d < 0 {
                buckets[(-d - 1) as usize] -= base;
            }
        }
        // sum_b (b + 1) * bucket[b] with two additions per bucket.
        let mut running = G::zero();
        let mut sum = G::zero();
        for b in buckets.iter().rev() {
            running += b;
            sum += &running;
        }
        acc += sum;
    }
    acc
}

/// The window width minimising `ceil(bits / c) * (n + 2^c)`.
fn window_bits(n: usize, num_bits: usize) -> usize {
    (2..=16usize)
        .min_by_key(|&c| (num_bits.div_ceil(c) + 1) * (n + (1 << c)))
        .unwrap_or(4)
}

/// Writes the signed base-`2^c` digits of `limbs` (little-endian u64 limbs),
/// each in `[-2^(c-1), 2^(c-1))`, least significant first.
fn signed_digits(limbs: &[u64], c: usize, out: &mut [i32]) {
    let half = 1i64 << (c - 1);
    let full = 1i64 << c;
    let mut carry = 0i64;
    for (w, digit) in out.iter_mut().enumerate() {
        let raw = window(limbs, w * c, c) as i64 + carry;
        if raw >= half {
            *digit = (raw - full) as i32;
            carry = 1;
        } else {
            *digit = raw as i32;
            carry = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn matches_naive_sum_of_products() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        for n in [1usize, 2, 3, 4, 7, 32, 64, 100] {
            let bases: Vec<G1Affine> = (0..n)
                .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            // Edge scalars: 0, 1, r - 1.
            scalars[0] = Fr::from(0u64);
            if n > 2 {
                scalars[1] = Fr::from(1u64);
                scalars[2] = -Fr::from(1u64);
            }
            let bigints: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
            let want: G1Projective = bases.iter().zip(&scalars).map(|(b, s)| *b * s).sum();
            assert_eq!(
                msm_serial::<G1Projective>(&bases, &bigints),
                want,
                "n = {n}"
            );
        }
    }
}
