//! Batched BN254 affine arithmetic (G1 and G2) on AVX-512 IFMA.
//!
//! Lamina's encoder spends most of its time in batches of affine point
//! additions that share one field inversion (Montgomery's trick): the
//! buckets of its MSMs and every lockstep step of FK20's tail. Each such
//! addition is about six base-field products, and arkworks does one product
//! at a time in 64-bit limbs. `vpmadd52luq`/`vpmadd52huq` multiply eight
//! 52-bit limb pairs per instruction, so this crate holds eight field
//! elements per vector, in five 52-bit limbs (lane `k` of vector `j` is limb
//! `j` of element `k`; `Fq2` takes two such vectors), and runs eight
//! independent additions side by side.
//!
//! - [`Ifma::detect`]: the one door in. It returns a token only where the
//!   CPU has `avx512f` and `avx512ifma`; every function that issues those
//!   instructions takes the token, which is what makes calling them sound.
//! - [`Ifma::add_distinct`], [`Ifma::add_in_place`], [`Ifma::double`]: the
//!   batched operations (sums of two slices, sums of index pairs within one
//!   slice, doublings); [`Ifma::add_gathered`], sums of index pairs of one
//!   slice written into another, bit-identical with arkworks' affine results
//!   (canonical coordinates).
//!
//! Values never leave arkworks' Montgomery form (`x·2^256 mod p`): the limb
//! products are Montgomery products for `R = 2^260`, which is off by `2^4`,
//! and the formulas absorb that factor into the one shared inverse (see
//! `kernel`), so no element is converted on the way in or out.
//!
//! The `unsafe` code here is the vector loads, gathers and stores, and the
//! calls into `#[target_feature]` functions behind the token; the encoder
//! that uses the crate stays `forbid(unsafe_code)`.

#![deny(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod fq2x8;
#[cfg(target_arch = "x86_64")]
mod fq8;
#[cfg(target_arch = "x86_64")]
mod kernel;

use ark_bn254::{g1, g2};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::Zero;

/// The bit of an [`Ifma::add_gathered`] index that negates its point.
pub const NEGATED: u32 = 1 << 31;

/// Proof that this CPU runs AVX-512 IFMA; obtained from [`Ifma::detect`].
#[derive(Clone, Copy, Debug)]
pub struct Ifma(());

impl Ifma {
    /// The token, where the CPU has `avx512f` and `avx512ifma` (the answer is
    /// cached by the standard library; calling this per batch is cheap).
    pub fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
        {
            return Some(Self(()));
        }
        None
    }

    /// `lhs[k] ← lhs[k] + rhs[k]` for every `k`, with one shared inversion.
    ///
    /// Every pair must be two finite points with different `x` (the caller
    /// sorts out the identity, doublings and `P + (−P)`, which need no or
    /// another division).
    ///
    /// # Panics
    /// If the slices differ in length, or a pair breaks the contract above
    /// (the identity is checked for in debug builds only).
    pub fn add_distinct<P: IfmaCurve>(self, lhs: &mut [Affine<P>], rhs: &[Affine<P>]) {
        assert_eq!(
            lhs.len(),
            rhs.len(),
            "add_distinct: slices of different lengths"
        );
        debug_assert!(
            lhs.iter()
                .zip(rhs)
                .all(|(a, b)| !a.infinity && !b.infinity && a.x != b.x),
            "add_distinct: a pair with the identity or equal x"
        );
        let equal_x = P::add_distinct(self, lhs, rhs);
        assert!(equal_x.is_empty(), "add_distinct: pairs with equal x");
    }

    /// `points[a] ← points[a] + points[b]` for every `(a, b)` in `pairs`,
    /// with one shared inversion: [`Ifma::add_distinct`] without copying the
    /// operands out and the sums back. No point may appear in two pairs, and
    /// every pair must meet `add_distinct`'s contract.
    ///
    /// # Panics
    /// If an index is out of bounds, or a pair breaks the contract (the
    /// identity is checked for in debug builds only). A point in two pairs
    /// is not detected (the check would cost
    /// as much as the sums in debug builds, which the devnet runs): it gives
    /// wrong sums.
    pub fn add_in_place<P: IfmaCurve>(self, points: &mut [Affine<P>], pairs: &[(u32, u32)]) {
        debug_assert!(
            pairs.iter().all(|&(a, b)| {
                let (a, b) = (&points[a as usize], &points[b as usize]);
                !a.infinity && !b.infinity && a.x != b.x
            }),
            "add_in_place: a pair with the identity or equal x"
        );
        let equal_x = P::add_in_place(self, points, pairs);
        assert!(equal_x.is_empty(), "add_in_place: pairs with equal x");
    }

    /// `dst[to[k]] ← ±src[a] ± src[b]` for the `k`-th pair `(a, b)` of
    /// `pairs`, with one shared inversion per chunk of pairs: sums of
    /// operands picked by index (an MSM's points by bucket, negated for
    /// negative digits) without copying them out first. An index with the
    /// bit [`NEGATED`] set names the negation of the point at the index
    /// without it.
    ///
    /// Every operand must be finite. A pair whose points have equal `x` (a
    /// doubling, or `P + (−P)`) is not added: `dst[to[k]]` is left as it was
    /// and `k` is returned, for the caller to add some other way. Spotting
    /// those here costs a comparison per pair; spotting them before would
    /// cost the caller a read of every operand.
    ///
    /// # Panics
    /// If `pairs` and `to` differ in length, an index is out of bounds, or
    /// (debug builds) an operand is the identity.
    pub fn add_gathered<P: IfmaCurve>(
        self,
        src: &[Affine<P>],
        pairs: &[(u32, u32)],
        to: &[u32],
        dst: &mut [Affine<P>],
    ) -> Vec<u32> {
        assert_eq!(
            pairs.len(),
            to.len(),
            "add_gathered: pairs and to differ in length"
        );
        debug_assert!(
            pairs.iter().all(|&(a, b)| {
                !src[(a & !NEGATED) as usize].infinity && !src[(b & !NEGATED) as usize].infinity
            }),
            "add_gathered: the identity as an operand"
        );
        P::add_gathered(self, src, pairs, to, dst)
    }

    /// `points[k] ← 2·points[k]` for every `k`, with one shared inversion.
    ///
    /// Every point must be finite with `y ≠ 0` (neither BN254 group has a
    /// point of order 2, so this excludes only the identity).
    pub fn double<P: IfmaCurve>(self, points: &mut [Affine<P>]) {
        debug_assert!(
            points.iter().all(|p| !p.infinity && !p.y.is_zero()),
            "double: the identity"
        );
        P::double(self, points);
    }
}

/// BN254's G1 and G2: the curves with kernels here.
pub trait IfmaCurve: SWCurveConfig + sealed::Sealed {
    #[doc(hidden)]
    fn add_distinct(ifma: Ifma, lhs: &mut [Affine<Self>], rhs: &[Affine<Self>]) -> Vec<u32>;
    #[doc(hidden)]
    fn add_in_place(ifma: Ifma, points: &mut [Affine<Self>], pairs: &[(u32, u32)]) -> Vec<u32>;
    #[doc(hidden)]
    fn add_gathered(
        ifma: Ifma,
        src: &[Affine<Self>],
        pairs: &[(u32, u32)],
        to: &[u32],
        dst: &mut [Affine<Self>],
    ) -> Vec<u32>;
    #[doc(hidden)]
    fn double(ifma: Ifma, points: &mut [Affine<Self>]);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for ark_bn254::g1::Config {}
    impl Sealed for ark_bn254::g2::Config {}
}

/// Implements [`IfmaCurve`] for `$curve` with the kernels of module `$kernels`.
macro_rules! ifma_curve {
    ($curve:ty, $kernels:ident) => {
        impl IfmaCurve for $curve {
            #[allow(unsafe_code)]
            fn add_distinct(_: Ifma, lhs: &mut [Affine<Self>], rhs: &[Affine<Self>]) -> Vec<u32> {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: an `Ifma` exists only where `detect` found avx512f and avx512ifma.
                unsafe {
                    kernel::$kernels::add(&mut kernel::$kernels::Slices { lhs, rhs })
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (lhs, rhs);
                    Vec::new()
                }
            }

            #[allow(unsafe_code)]
            fn add_in_place(
                _: Ifma,
                points: &mut [Affine<Self>],
                pairs: &[(u32, u32)],
            ) -> Vec<u32> {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                unsafe {
                    kernel::$kernels::add(&mut kernel::$kernels::InPlace { points, pairs })
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (points, pairs);
                    Vec::new()
                }
            }

            #[allow(unsafe_code)]
            fn add_gathered(
                _: Ifma,
                src: &[Affine<Self>],
                pairs: &[(u32, u32)],
                to: &[u32],
                dst: &mut [Affine<Self>],
            ) -> Vec<u32> {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                unsafe {
                    kernel::$kernels::add(&mut kernel::$kernels::Gathered {
                        src,
                        pairs,
                        to,
                        dst,
                    })
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (src, pairs, to, dst);
                    Vec::new()
                }
            }

            #[allow(unsafe_code)]
            fn double(_: Ifma, points: &mut [Affine<Self>]) {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                unsafe {
                    kernel::$kernels::double(points)
                }
                #[cfg(not(target_arch = "x86_64"))]
                let _ = points;
            }
        }
    };
}

ifma_curve!(g1::Config, g1);
ifma_curve!(g2::Config, g2);

#[cfg(test)]
mod tests;
