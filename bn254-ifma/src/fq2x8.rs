//! Eight elements of `Fq2 = Fq[u]/(u² + 1)` per vector pair: [`Fq8`] for the
//! real parts and one for the imaginary parts, with [`fq8`]'s bounds per part.

use ark_bn254::Fq2;

use crate::fq8::{self, Fq8, Multiple};

#[derive(Clone, Copy)]
pub(crate) struct Fq2x8 {
    c0: Fq8,
    c1: Fq8,
}

/// The name the kernels use for this module's vector type.
pub(crate) type Lanes = Fq2x8;

impl Fq2x8 {
    /// Eight elements (canonical parts) into lanes 0..8.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load(elements: [&Fq2; 8]) -> Self {
        Self {
            c0: Fq8::load(elements.map(|e| &e.c0)),
            c1: Fq8::load(elements.map(|e| &e.c1)),
        }
    }

    /// The eight elements; both parts of each must be below `p`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn store(self) -> [Fq2; 8] {
        let (c0, c1) = (self.c0.store(), self.c1.store());
        std::array::from_fn(|k| Fq2::new(c0[k], c1[k]))
    }
}

/// Karatsuba: `(a0·b0 − a1·b1) + ((a0 + a1)(b0 + b1) − a0·b0 − a1·b1)·u`,
/// three products. Parts below `2p` out, where the sums of the parts
/// multiply to less than `2^260·p ≈ 84·p²` (see [`fq8::mul`]).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: Fq2x8, b: Fq2x8) -> Fq2x8 {
    let v0 = fq8::mul(a.c0, b.c0);
    let v1 = fq8::mul(a.c1, b.c1);
    let v2 = fq8::mul(fq8::add(a.c0, a.c1), fq8::add(b.c0, b.c1));
    // v0 + 2p − v1 < 4p; v2 + 2p − v0 + 2p − v1 < 6p.
    let c0 = fq8::reduce_below(fq8::sub(v0, v1, Multiple::Two), Multiple::Two);
    let c1 = fq8::sub(fq8::sub(v2, v0, Multiple::Two), v1, Multiple::Two);
    let c1 = fq8::reduce_below(fq8::reduce_below(c1, Multiple::Two), Multiple::Two);
    Fq2x8 { c0, c1 }
}

/// `a²` as `(a0 + a1)(a0 − a1) + 2·a0·a1·u`: two products instead of
/// [`mul`]'s three. Parts below `2p` in, below `2p` out: the products'
/// inputs are below `4p` by `4p` and `4p` by `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn square(a: Fq2x8) -> Fq2x8 {
    // a0 + 2p − a1 is a0 − a1 plus a multiple of p.
    let c0 = fq8::mul(fq8::add(a.c0, a.c1), fq8::sub(a.c0, a.c1, Multiple::Two));
    let c1 = fq8::mul(fq8::add(a.c0, a.c0), a.c1);
    Fq2x8 { c0, c1 }
}

/// Part by part, as [`fq8::add`].
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn add(a: Fq2x8, b: Fq2x8) -> Fq2x8 {
    Fq2x8 {
        c0: fq8::add(a.c0, b.c0),
        c1: fq8::add(a.c1, b.c1),
    }
}

/// Part by part, as [`fq8::sub`].
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn sub(a: Fq2x8, b: Fq2x8, k: Multiple) -> Fq2x8 {
    Fq2x8 {
        c0: fq8::sub(a.c0, b.c0, k),
        c1: fq8::sub(a.c1, b.c1, k),
    }
}

/// Part by part, as [`fq8::canonical`].
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical(a: Fq2x8) -> Fq2x8 {
    Fq2x8 {
        c0: fq8::canonical(a.c0),
        c1: fq8::canonical(a.c1),
    }
}

/// The lanes where both parts are exactly `p`: for a difference of canonical
/// values, the lanes where they are equal (see [`fq8::equals_p`]).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn equals_p(a: Fq2x8) -> u8 {
    fq8::equals_p(a.c0) & fq8::equals_p(a.c1)
}

/// `a` with the value `1` in the lanes of `lanes` (a nonzero stand-in).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn one_in(a: Fq2x8, lanes: u8) -> Fq2x8 {
    Fq2x8 {
        c0: fq8::small_in(a.c0, lanes, 1),
        c1: fq8::small_in(a.c1, lanes, 0),
    }
}

/// Part by part, as [`fq8::negate_in`].
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn negate_in(a: Fq2x8, lanes: u8) -> Fq2x8 {
    Fq2x8 {
        c0: fq8::negate_in(a.c0, lanes),
        c1: fq8::negate_in(a.c1, lanes),
    }
}
