//! Eight BN254 base-field elements per vector, in five 52-bit limbs.
//!
//! Values are kept *normalized* (every limb below 2^52, so the multiplier
//! reads them whole) but only *partly reduced*: each function states the
//! bound of its result as a multiple of `p`, and the callers keep the
//! product of every multiplication's two inputs below `2^260·p`, about
//! `84·p²` (see [`mul`]).

use std::arch::x86_64::*;

use ark_bn254::Fq;
use ark_ff::BigInt;

/// The modulus in 52-bit limbs.
const P: [u64; 5] = [
    0x8c16d87cfd47,
    0x916871ca8d3c2,
    0x181585d97816a,
    0xa029b85045b68,
    0x30644e72e131,
];
/// `2p` in 52-bit limbs.
const P2: [u64; 5] = [
    0x1182db0f9fa8e,
    0x22d0e3951a784,
    0x302b0bb2f02d5,
    0x405370a08b6d0,
    0x60c89ce5c263,
];
/// `−p⁻¹ mod 2^52`.
const P_INV: u64 = 0x20782e4866389;
const MASK: u64 = (1 << 52) - 1;

/// Lane `k` of `0[j]` is limb `j` of element `k`.
#[derive(Clone, Copy)]
pub(crate) struct Fq8([__m512i; 5]);

/// A multiple of `p` that [`sub`] adds and [`reduce_below`] subtracts.
#[derive(Clone, Copy)]
pub(crate) enum Multiple {
    One,
    Two,
}

impl Multiple {
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn limbs(self) -> [__m512i; 5] {
        let l = match self {
            Self::One => P,
            Self::Two => P2,
        };
        l.map(|v| _mm512_set1_epi64(v as i64))
    }
}

/// The name the kernels use for this module's vector type.
pub(crate) type Lanes = Fq8;

impl Fq8 {
    /// Eight elements (canonical, as arkworks keeps them) into lanes 0..8:
    /// each 64-bit word gathered across the eight, then cut into 52-bit limbs
    /// in the vector registers.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load(elements: [&Fq; 8]) -> Self {
        let base = elements[0].0.0.as_ptr();
        let offset = |k: usize| elements[k].0.0.as_ptr() as i64 - base as i64;
        let offsets = _mm512_set_epi64(
            offset(7),
            offset(6),
            offset(5),
            offset(4),
            offset(3),
            offset(2),
            offset(1),
            offset(0),
        );
        let words: [__m512i; 4] = std::array::from_fn(|w| {
            let at = _mm512_add_epi64(offsets, _mm512_set1_epi64(8 * w as i64));
            // SAFETY: lane k reads word w of `elements[k]` (`base` plus that
            // element's distance from element 0, plus 8·w bytes), a live u64.
            #[allow(unsafe_code)]
            unsafe {
                _mm512_i64gather_epi64::<1>(at, base.cast())
            }
        });
        let mask = _mm512_set1_epi64(MASK as i64);
        let [w0, w1, w2, w3] = words;
        let or = |lo: __m512i, hi: __m512i| _mm512_and_si512(_mm512_or_si512(lo, hi), mask);
        Self([
            _mm512_and_si512(w0, mask),
            or(_mm512_srli_epi64::<52>(w0), _mm512_slli_epi64::<12>(w1)),
            or(_mm512_srli_epi64::<40>(w1), _mm512_slli_epi64::<24>(w2)),
            or(_mm512_srli_epi64::<28>(w2), _mm512_slli_epi64::<36>(w3)),
            _mm512_srli_epi64::<16>(w3),
        ])
    }

    /// The eight elements; each lane must be below `p` (true after
    /// [`canonical`]), as arkworks' equality and serialization expect.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn store(self) -> [Fq; 8] {
        let [l0, l1, l2, l3, l4] = self.0;
        let or = _mm512_or_si512;
        let words = [
            or(l0, _mm512_slli_epi64::<52>(l1)),
            or(_mm512_srli_epi64::<12>(l1), _mm512_slli_epi64::<40>(l2)),
            or(_mm512_srli_epi64::<24>(l2), _mm512_slli_epi64::<28>(l3)),
            or(_mm512_srli_epi64::<36>(l3), _mm512_slli_epi64::<16>(l4)),
        ];
        let mut lanes = [[0u64; 8]; 4];
        for (lane, v) in lanes.iter_mut().zip(words) {
            // SAFETY: `lane` is 64 writable bytes; the store is unaligned.
            #[allow(unsafe_code)]
            unsafe {
                _mm512_storeu_si512(lane.as_mut_ptr().cast(), v)
            }
        }
        std::array::from_fn(|k| Fq::new_unchecked(BigInt(std::array::from_fn(|w| lanes[w][k]))))
    }
}

/// Carries every limb's excess into the next (limbs as unsigned).
#[inline]
#[target_feature(enable = "avx512f")]
fn carry_unsigned(mut t: [__m512i; 5]) -> Fq8 {
    let mask = _mm512_set1_epi64(MASK as i64);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srli_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], mask);
    }
    Fq8(t)
}

/// As [`carry_unsigned`], limbs as signed (a limb may be negative; the top
/// limb keeps the sign of the whole).
#[inline]
#[target_feature(enable = "avx512f")]
fn carry_signed(mut t: [__m512i; 5]) -> [__m512i; 5] {
    let mask = _mm512_set1_epi64(MASK as i64);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srai_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], mask);
    }
    t
}

/// Montgomery product for `R = 2^260`: `a·b / 2^260 mod p`, below `2p`
/// whenever `a·b < 2^260·p` (about `84·p²`): the result is
/// `(a·b + m·p) / 2^260` with `m < 2^260`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: Fq8, b: Fq8) -> Fq8 {
    let zero = _mm512_setzero_si512();
    let p = P.map(|v| _mm512_set1_epi64(v as i64));
    let p_inv = _mm512_set1_epi64(P_INV as i64);
    let mut t = [zero; 6];
    // Operand scanning: add a·b_i, then the multiple of p that clears the
    // low limb, then drop that limb. A limb gains under 4·2^52 per round,
    // so five rounds fit in 64 bits without carrying.
    for b_i in b.0 {
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], a.0[j], b_i);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a.0[j], b_i);
        }
        // The multiplier reads the low 52 bits of t[0]: exactly t mod 2^52.
        let m = _mm512_madd52lo_epu64(zero, t[0], p_inv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
        }
        let carry = _mm512_srli_epi64::<52>(t[0]);
        t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], zero];
    }
    carry_unsigned([t[0], t[1], t[2], t[3], t[4]])
}

/// `a²`, as [`mul`] (the kernels' name for squaring either field).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn square(a: Fq8) -> Fq8 {
    mul(a, a)
}

/// `a + b` (the bound is the sum of the bounds).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn add(a: Fq8, b: Fq8) -> Fq8 {
    carry_unsigned(std::array::from_fn(|j| _mm512_add_epi64(a.0[j], b.0[j])))
}

/// `a + k·p − b` for `b < k·p` (the bound is `a`'s plus `k·p`).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn sub(a: Fq8, b: Fq8, k: Multiple) -> Fq8 {
    let kp = k.limbs();
    let t = std::array::from_fn(|j| _mm512_sub_epi64(_mm512_add_epi64(a.0[j], kp[j]), b.0[j]));
    Fq8(carry_signed(t))
}

/// `a − k·p` where that is not negative, else `a`: halves a bound of `2k·p`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn reduce_below(a: Fq8, k: Multiple) -> Fq8 {
    let kp = k.limbs();
    let d = carry_signed(std::array::from_fn(|j| _mm512_sub_epi64(a.0[j], kp[j])));
    let negative = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
    Fq8(std::array::from_fn(|j| {
        _mm512_mask_blend_epi64(negative, d[j], a.0[j])
    }))
}

/// A value below `4p` brought below `p`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical(a: Fq8) -> Fq8 {
    reduce_below(reduce_below(a, Multiple::Two), Multiple::One)
}

/// The lanes (bit `k` for lane `k`) holding exactly `p`: for a difference
/// `sub(x2, x1, Multiple::One)` of canonical values, the lanes where
/// `x1 = x2`. `sub`'s limbs are normalized, so `p` has one representation.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn equals_p(a: Fq8) -> u8 {
    (0..5).fold(0xff, |lanes, j| {
        lanes & _mm512_cmpeq_epi64_mask(a.0[j], _mm512_set1_epi64(P[j] as i64))
    })
}

/// `a` with the small value `v` in the lanes of `lanes`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn small_in(a: Fq8, lanes: u8, v: u32) -> Fq8 {
    Fq8(std::array::from_fn(|j| {
        let limb = if j == 0 { i64::from(v) } else { 0 };
        _mm512_mask_blend_epi64(lanes, a.0[j], _mm512_set1_epi64(limb))
    }))
}

/// `a` with the value `1` in the lanes of `lanes` (a nonzero stand-in).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn one_in(a: Fq8, lanes: u8) -> Fq8 {
    small_in(a, lanes, 1)
}

/// `a` (canonical) with its negation, canonical, in the lanes of `lanes`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn negate_in(a: Fq8, lanes: u8) -> Fq8 {
    // p − a is in [1, p]; p itself becomes 0.
    let negated = reduce_below(
        sub(Fq8([_mm512_setzero_si512(); 5]), a, Multiple::One),
        Multiple::One,
    );
    Fq8(std::array::from_fn(|j| {
        _mm512_mask_blend_epi64(lanes, a.0[j], negated.0[j])
    }))
}
