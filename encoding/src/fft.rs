//! FFT helpers over the 2-adic roots of unity: evaluation domains, bit
//! reversal, and FFTs whose coefficients are group elements (used by FK20).
//!
//! Field FFTs and group FFTs both use ark-poly's [`Radix2EvaluationDomain`]:
//! its FFT is generic over any `DomainCoeff` (anything that can be added and
//! multiplied by a scalar), so `G1Projective` vectors work unchanged, and its
//! degree-aware path skips the butterfly layers that only touch zero padding
//! (FK20's last FFT has `num_chunks / coding_rate` non-zero inputs).

use ark_ff::FftField;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use crate::params::ParamsError;

/// The radix-2 domain of exactly `size` points (`size` a power of two no larger
/// than the field's 2-adic order), or `None`.
pub fn domain<F: FftField>(size: u64) -> Option<Radix2EvaluationDomain<F>> {
    if !size.is_power_of_two() {
        return None;
    }
    let size = usize::try_from(size).ok()?;
    Radix2EvaluationDomain::new(size).filter(|d| d.size() == size)
}

/// [`domain`], failing with [`ParamsError::NoDomain`] instead of `None`.
pub fn checked_domain<F: FftField>(size: u64) -> Result<Radix2EvaluationDomain<F>, ParamsError> {
    domain(size).ok_or(ParamsError::NoDomain { size })
}

/// Reverses the low `log2(n)` bits of `index`; `n` is a power of two and
/// `index < n`. EigenDA's `ReverseBitsLimited`.
pub fn reverse_bits(index: u64, n: u64) -> u64 {
    debug_assert!(n.is_power_of_two() && index < n);
    if n <= 1 {
        return 0;
    }
    index.reverse_bits() >> (64 - n.trailing_zeros())
}

/// Permutes `values` (length a power of two) into bit-reversed order, in place.
pub fn bit_reverse_permutation<T>(values: &mut [T]) {
    let n = values.len() as u64;
    if n <= 2 {
        return;
    }
    for i in 0..n {
        let r = reverse_bits(i, n);
        if i < r {
            values.swap(i as usize, r as usize);
        }
    }
}

/// `[1, w, w^2, ..., w^(n-1)]` for the generator `w` of the `n`-point domain.
pub fn roots_of_unity<F: FftField>(domain: &Radix2EvaluationDomain<F>) -> Vec<F> {
    domain.elements().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::PrimeGroup;
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn reverse_bits_matches_definition() {
        assert_eq!(reverse_bits(1, 8), 4);
        assert_eq!(reverse_bits(3, 8), 6);
        assert_eq!(reverse_bits(6, 8), 3);
        assert_eq!(reverse_bits(0, 1), 0);
        assert_eq!(reverse_bits(1, 8192), 4096);
        let mut v: Vec<u64> = (0..16).collect();
        bit_reverse_permutation(&mut v);
        assert_eq!(v, (0..16).map(|i| reverse_bits(i, 16)).collect::<Vec<_>>());
    }

    #[test]
    fn group_fft_matches_direct_evaluation() {
        // A G1 FFT is the scalar FFT applied "in the exponent": check it against
        // direct evaluation sum_k h_k w^(jk), with fewer inputs than points so
        // the degree-aware path runs.
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for (inputs, size) in [(2usize, 8u64), (4, 16), (16, 16)] {
            let d = domain::<Fr>(size).expect("power of two");
            let h: Vec<G1Projective> = (0..inputs)
                .map(|_| G1Projective::generator() * Fr::rand(&mut rng))
                .collect();
            let fast = d.fft(&h);
            for (j, got) in fast.iter().enumerate() {
                let w = d.element(j);
                let want: G1Projective = h
                    .iter()
                    .enumerate()
                    .map(|(k, p)| *p * w.pow([k as u64]))
                    .sum();
                assert_eq!(*got, want, "inputs {inputs}, size {size}, point {j}");
            }
        }
    }
}
