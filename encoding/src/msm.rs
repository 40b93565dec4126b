//! Multi-scalar multiplication on BN254.
//!
//! - [`msm`]: one large MSM (the commitments), faster than arkworks'
//!   `VariableBaseMSM`: GLV-split scalars (`2n` half-width scalars over the
//!   points and their endomorphism images), signed digits (`2^(c-1)`
//!   buckets per `c`-bit window), and buckets accumulated in affine
//!   coordinates with one shared inversion per round (Montgomery's trick):
//!   an affine addition with a batched inversion costs about 6M + 1S against
//!   about 11M + 5S for arkworks' projective `+=` of an affine point. The
//!   bucket reduction is batch-affine too ([`weighted_sum`]). Windows are
//!   spread over rayon's threads (those that do not divide among them cut
//!   by points).
//! - [`msm_rows`]: the many small MSMs of FK20 at once, their bucket
//!   additions batched together (same GLV, digits and batch-affine rounds).
//! - [`msm_serial`]: one small MSM on one thread, projective buckets (small
//!   inputs of [`msm`], and the twin of [`msm_rows`]).
//!
//! Within one window the points' indices are sorted by bucket (counting
//! sort), then each bucket's list is summed as a tree ([`list_sums`]): every
//! round adds disjoint pairs of all buckets at once, so no two additions of
//! a round touch the same point and no addition has to wait for another
//! (the "same bucket twice in one batch" conflict of streaming batch-affine
//! MSMs cannot arise). No point is copied for the sort: the first round
//! reads its operands from the points by index, negated where the digit
//! is, and later rounds work on the sums in place.

mod affine_batch;
pub(crate) mod glv;
mod inverse;
mod rows;
mod small;

use std::ops::Range;

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, Field, PrimeField, Zero};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

pub(crate) use affine_batch::{Batch, add_distinct, add_gathered, add_in_place, gathered_operand};
pub use glv::GlvSplit;
pub use inverse::FastInverse;
use lamina_bn254_ifma::NEGATED;
pub use rows::{FixedBases, msm_rows};
pub use small::msm_serial;

/// First-round sums per block of [`list_sums`]: about 2 MiB of G2 points,
/// the size of a core's L2 cache here.
const BLOCK_SUMS: usize = 1 << 14;

/// Below this many points the batched inversions do not pay: [`msm`] runs
/// [`msm_serial`] (projective buckets) instead.
const BATCH_AFFINE_MIN_POINTS: usize = 64;

/// `sum scalars[i] * bases[i]` over the first `min(len)` pairs: GLV split,
/// signed digits, batch-affine buckets, windows in parallel.
pub fn msm<P: GlvSplit>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    if n < BATCH_AFFINE_MIN_POINTS {
        let bigints: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
        return msm_serial::<Projective<P>>(bases, &bigints);
    }
    match split_scalars::<P>(scalars) {
        Some(halves) => {
            // Point 2i is bases[i] with k1, point 2i + 1 is φ(bases[i]) with k2.
            let point = |i: usize| glv_point(bases, i);
            #[cfg(feature = "parallel")]
            let points: Vec<Affine<P>> = (0..2 * n).into_par_iter().map(point).collect();
            #[cfg(not(feature = "parallel"))]
            let points: Vec<Affine<P>> = (0..2 * n).map(point).collect();
            let c = window_bits(2 * n, HALF_BITS_SEEN);
            let mut digits = glv_digits(&halves, c);
            digits.clear_identity(bases, 2);
            pippenger(&points, digits, c)
        }
        None => {
            let c = window_bits(n, Fr::MODULUS_BIT_SIZE as usize);
            let mut digits = full_width_digits(scalars, c);
            digits.clear_identity(bases, 1);
            pippenger(bases, digits, c)
        }
    }
}

/// The signed digits of GLV halves in windows of `c` bits.
fn glv_digits(halves: &[glv::Half], c: usize) -> Digits {
    digits_of(halves, HALF_BITS, c, |&(negative, magnitude), out| {
        let limbs = [magnitude as u64, (magnitude >> 64) as u64];
        signed_digits(&limbs, negative, c, out);
    })
}

/// The signed digits of full-width scalars in windows of `c` bits.
fn full_width_digits(scalars: &[Fr], c: usize) -> Digits {
    digits_of(scalars, Fr::MODULUS_BIT_SIZE as usize, c, |s, out| {
        signed_digits(s.into_bigint().as_ref(), false, c, out);
    })
}

/// GLV point `i` of `bases`: `bases[i / 2]`, or for odd `i` its
/// endomorphism image.
fn glv_point<P: GlvSplit>(bases: &[Affine<P>], i: usize) -> Affine<P> {
    let base = &bases[i / 2];
    if i % 2 == 1 && !base.infinity {
        P::endomorphism_affine(base)
    } else {
        *base
    }
}

/// Each point followed by its endomorphism image (GLV's second point),
/// computed once for every window that reads it.
fn with_endomorphism<P: GlvSplit>(points: &[Affine<P>]) -> Vec<Affine<P>> {
    (0..2 * points.len())
        .map(|i| glv_point(points, i))
        .collect()
}

/// Threads the work is spread over.
fn threads() -> usize {
    #[cfg(feature = "parallel")]
    return rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    return 1;
}

/// The GLV halves of every scalar, flattened `[k1_0, k2_0, k1_1, ...]`; `None`
/// if any scalar fails to split (see [`glv::Splitter::split`]).
fn split_scalars<P: GlvSplit>(scalars: &[Fr]) -> Option<Vec<glv::Half>> {
    let splitter = glv::Splitter::new::<P>();
    let split_chunk = |chunk: &[Fr]| -> Option<Vec<glv::Half>> {
        let mut out = Vec::with_capacity(2 * chunk.len());
        for s in chunk {
            let (k1, k2) = splitter.split(s)?;
            out.push(k1);
            out.push(k2);
        }
        Some(out)
    };
    #[cfg(feature = "parallel")]
    let parts: Option<Vec<Vec<glv::Half>>> = scalars.par_chunks(4096).map(split_chunk).collect();
    #[cfg(not(feature = "parallel"))]
    let parts: Option<Vec<Vec<glv::Half>>> = scalars.chunks(4096).map(split_chunk).collect();
    Some(parts?.concat())
}

/// Signed digits of every scalar, scalar-major: `digits[i * windows + w]`.
struct Digits {
    values: Vec<i16>,
    windows: usize,
}

impl Digits {
    /// Zeroes the digits of the points of every identity base, `per_base`
    /// points each: the identity adds nothing, and [`list_sums`] takes no
    /// identity terms. Reads the bases once, not the GLV points.
    fn clear_identity<P: SWCurveConfig>(&mut self, bases: &[Affine<P>], per_base: usize) {
        let row = per_base * self.windows;
        for (i, _) in bases.iter().enumerate().filter(|(_, b)| b.infinity) {
            self.values[i * row..][..row].fill(0);
        }
    }
}

fn digits_of<S: Sync>(
    scalars: &[S],
    bits: usize,
    c: usize,
    recode: impl Fn(&S, &mut [i16]) + Sync,
) -> Digits {
    let windows = (bits + 1).div_ceil(c);
    let mut values = vec![0i16; scalars.len() * windows];
    #[cfg(feature = "parallel")]
    values
        .par_chunks_mut(windows * 1024)
        .zip(scalars.par_chunks(1024))
        .for_each(|(out, chunk)| {
            for (s, o) in chunk.iter().zip(out.chunks_exact_mut(windows)) {
                recode(s, o);
            }
        });
    #[cfg(not(feature = "parallel"))]
    for (s, o) in scalars.iter().zip(values.chunks_exact_mut(windows)) {
        recode(s, o);
    }
    Digits { values, windows }
}

/// Bits of a GLV half's magnitude, as [`glv::Splitter::split`] guarantees
/// (the signed digits take one more, for the last carry).
const HALF_BITS: usize = 128;

/// Bits of a GLV half's magnitude in practice, which the window widths are
/// chosen for: BN254's reduced basis gives halves below about `2^126.2`,
/// and none of a million random scalars' halves reached `2^127`, for G1 or
/// G2. A 16-bit window then covers them in 8 windows; a ninth, allocated
/// for [`HALF_BITS`], stays empty.
const HALF_BITS_SEEN: usize = 127;

/// Largest window: digits must fit `i16` (`-2^(c-1) <= d < 2^(c-1)`).
const MAX_WINDOW_BITS: usize = 16;

/// The window width minimising `windows · (points + 2^c)`: one batch-affine
/// addition per point and window, and two per bucket (`2^(c-1)` of them) in
/// the bucket reduction ([`weighted_sum`]).
pub(crate) fn window_bits(points: usize, bits: usize) -> usize {
    (2..=MAX_WINDOW_BITS)
        .min_by_key(|&c| (bits + 1).div_ceil(c) * (points + (1usize << c)))
        .unwrap_or(8)
}

/// Writes the signed base-`2^c` digits of `±limbs` (little-endian `u64`
/// limbs), least significant first, each in `[-2^(c-1), 2^(c-1))`. With
/// `out.len() >= (bits + 1) / c` (rounded up) for a `bits`-bit value, the
/// last carry is zero.
pub(crate) fn signed_digits(limbs: &[u64], negative: bool, c: usize, out: &mut [i16]) {
    let half = 1i32 << (c - 1);
    let full = 1i32 << c;
    let mut carry = 0i32;
    for (w, digit) in out.iter_mut().enumerate() {
        let raw = window(limbs, w * c, c) as i32 + carry;
        // Digits of the magnitude in [-half, half), or for a negated scalar
        // in (-half, half], so that every digit, sign applied, is in
        // [-half, half) and fits i16 at c = 16.
        let carries = if negative { raw > half } else { raw >= half };
        let value = if carries {
            carry = 1;
            raw - full
        } else {
            carry = 0;
            raw
        };
        *digit = (if negative { -value } else { value }) as i16;
    }
    debug_assert_eq!(carry, 0, "too few windows for the scalar");
}

/// Bits `[start, start + c)` of a little-endian limb array (zero past the end).
fn window(limbs: &[u64], start: usize, c: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    let Some(&lo) = limbs.get(limb) else { return 0 };
    let mut bits = lo >> shift;
    if shift + c > 64
        && let Some(&hi) = limbs.get(limb + 1)
    {
        bits |= hi << (64 - shift);
    }
    bits & ((1u64 << c) - 1)
}

/// `sum_w 2^(c·w) · window_sum(w)`; every point with a nonzero digit must
/// be finite ([`Digits::clear_identity`]).
fn pippenger<P: GlvSplit>(points: &[Affine<P>], digits: Digits, c: usize) -> Projective<P> {
    let windows = digits.windows;
    let digits = &digits;
    // Windows whole, as many as divide among the threads; each of the rest
    // cut by points into one part per thread (a window's sum is the sum of
    // its parts'), so that no thread is left with a window alone at the end.
    let threads = threads();
    let whole = windows - windows % threads;
    let n = points.len();
    let parts: Vec<(usize, Range<usize>)> =
        (0..whole)
            .map(|w| (w, 0..n))
            .chain((whole..windows).flat_map(|w| {
                (0..threads).map(move |t| (w, t * n / threads..(t + 1) * n / threads))
            }))
            .collect();
    let part_sum = |(w, range): (usize, Range<usize>)| (w, window_sum(points, digits, w, range, c));
    #[cfg(feature = "parallel")]
    let part_sums: Vec<(usize, Projective<P>)> = parts.into_par_iter().map(part_sum).collect();
    #[cfg(not(feature = "parallel"))]
    let part_sums: Vec<(usize, Projective<P>)> = parts.into_iter().map(part_sum).collect();
    let mut sums = vec![Projective::<P>::zero(); windows];
    for (w, sum) in part_sums {
        sums[w] += sum;
    }
    let mut acc = Projective::<P>::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += sum;
    }
    acc
}

/// `sum_b (b + 1) · bucket_b` for window `w`, `bucket_b` the sum of the
/// points of `range` whose digit is `±(b + 1)` (negated for negative digits).
fn window_sum<P: GlvSplit>(
    points: &[Affine<P>],
    digits: &Digits,
    w: usize,
    range: Range<usize>,
    c: usize,
) -> Projective<P> {
    let buckets = 1usize << (c - 1);
    let bucket_sums = list_sums(points, buckets, |term| {
        for i in range.clone() {
            let d = digits.values[i * digits.windows + w];
            if d != 0 {
                term(d.unsigned_abs() as usize - 1, i as u32, d < 0);
            }
        }
    });
    weighted_sum(&bucket_sums)
}

/// For each run of `m` points of `buckets`, its sum and its weighted sum
/// `sum_j (j + 1)·run[j]` (`running += run[j]; sum += running`, from the
/// top), every run in lockstep: each step is one batch of affine additions.
fn running_sums<P: GlvSplit>(buckets: &[Affine<P>], m: usize) -> (Vec<Affine<P>>, Vec<Affine<P>>) {
    let runs = buckets.len() / m;
    let mut running = vec![Affine::<P>::identity(); runs];
    let mut sums = vec![Affine::<P>::identity(); runs];
    let mut batch = Batch::default();
    for j in (0..m).rev() {
        batch.add(&mut running, |r, _| Some(buckets[r * m + j]));
        batch.add(&mut sums, |r, _| Some(running[r]));
    }
    (running, sums)
}

/// `sum_b (b + 1) · buckets[b]` for a power-of-two number of buckets. The
/// usual running sum (`running += bucket_b; sum += running`, from the top)
/// is one chain of dependent additions; cut into `S` segments of `m`
/// buckets, the segments' chains run in lockstep, each step one batch of
/// `S` affine additions sharing an inversion. Segment `s` then contributes
/// its own weighted sum plus `s·m` times its plain sum, and
/// `sum_s s·running_s` is one more (short) running sum. `S` is about
/// `√buckets`: each step's inversion costs about as much as a dozen
/// additions, and the combination about `2S` projective additions.
fn weighted_sum<P: GlvSplit>(buckets: &[Affine<P>]) -> Projective<P> {
    debug_assert!(buckets.len().is_power_of_two());
    let segments = (buckets.len().isqrt())
        .next_power_of_two()
        .min(buckets.len());
    let m = buckets.len() / segments;
    let (running, sums) = running_sums(buckets, m);
    let (mut above, mut weighted) = (Projective::<P>::zero(), Projective::<P>::zero());
    for r in running[1..].iter().rev() {
        above += r;
        weighted += &above;
    }
    // m is a power of two.
    for _ in 0..m.trailing_zeros() {
        weighted.double_in_place();
    }
    sums.iter().fold(weighted, |acc, s| acc + s)
}

/// The sum of each of `lists` lists of signed points of `src` (the identity
/// for an empty list). `terms` names every term, once per call, as `(list,
/// index into src, negated)`; it is called twice (count, then place). No
/// term may name the identity (it adds nothing; callers leave it out).
///
/// No point is copied to sort the lists: their entries are sorted as
/// indices (with the sign in the bit [`NEGATED`]), and the first round of
/// additions reads its operands from `src` by index ([`add_gathered`]),
/// negating where the sign says, and writes half as many sums as there were
/// terms; [`sum_buckets_in_place`] takes it from there, a block of lists at
/// a time while their sums are in the core's cache.
fn list_sums<P: GlvSplit>(
    src: &[Affine<P>],
    lists: usize,
    terms: impl Fn(&mut dyn FnMut(usize, u32, bool)),
) -> Vec<Affine<P>> {
    assert!(
        src.len() <= NEGATED as usize,
        "indices leave the sign bit free"
    );
    let mut starts = vec![0u32; lists + 1];
    terms(&mut |list, _, _| starts[list + 1] += 1);
    for l in 0..lists {
        starts[l + 1] += starts[l];
    }
    let mut order = vec![0u32; starts[lists] as usize];
    let mut fill = starts.clone();
    terms(&mut |list, index, negated| {
        let at = &mut fill[list];
        order[*at as usize] = if negated { index | NEGATED } else { index };
        *at += 1;
    });
    let operand = |entry: u32| gathered_operand(src, entry);
    // The lists in blocks of about BLOCK_SUMS first-round sums: a block's
    // sums are gathered into `block`, summed to one point per list while
    // they are in the core's cache, and only those points kept. List l's
    // sums go to block[at[l]..], an odd one out after them.
    let mut sums = vec![Affine::<P>::identity(); lists];
    let (mut block, mut at) = (Vec::new(), Vec::new());
    let (mut pairs, mut to) = (Vec::new(), Vec::new());
    let mut first = 0;
    while first < lists {
        at.clear();
        at.push(0u32);
        let mut end = first;
        while end < lists && (end == first || (at[end - first] as usize) < BLOCK_SUMS) {
            at.push(at[end - first] + (starts[end + 1] - starts[end]).div_ceil(2));
            end += 1;
        }
        block.clear();
        block.resize(at[end - first] as usize, Affine::<P>::identity());
        pairs.clear();
        to.clear();
        for l in first..end {
            let entries = &order[starts[l] as usize..starts[l + 1] as usize];
            for (slot, two) in (at[l - first]..).zip(entries.chunks(2)) {
                match *two {
                    [a, b] => {
                        pairs.push((a, b));
                        to.push(slot);
                    }
                    _ => block[slot as usize] = operand(two[0]),
                }
            }
        }
        // The rare pair with equal `x` (a doubling, or P + (−P)) is added
        // on the spot.
        for k in add_gathered(src, &pairs, &to, &mut block) {
            let (a, b) = pairs[k as usize];
            let sum = Projective::from(operand(a)) + operand(b);
            block[to[k as usize] as usize] = sum.into_affine();
        }
        let mut lens: Vec<u32> = at.windows(2).map(|s| s[1] - s[0]).collect();
        sum_buckets_in_place(&mut block, &at[..end - first], &mut lens);
        for (l, (&len, &slot)) in (first..end).zip(lens.iter().zip(&at)) {
            if len == 1 {
                sums[l] = block[slot as usize];
            }
        }
        first = end;
    }
    sums
}

/// Reduces each bucket's list `points[starts[b]..][..lens[b]]` to its sum in
/// `points[starts[b]]` (`lens[b]` becomes 1; empty buckets stay 0). Each
/// round adds disjoint pairs of every bucket as one batch, in place: round
/// `r` adds the element `2^r` further on into every element at an even
/// multiple of `2^r`, so the sums stay where they are and nothing is moved
/// ([`add_in_place`]). The rare pair with the identity or equal `x` is added
/// on the spot in projective coordinates.
fn sum_buckets_in_place<P: GlvSplit>(points: &mut [Affine<P>], starts: &[u32], lens: &mut [u32]) {
    let mut active: Vec<usize> = (0..lens.len()).filter(|&b| lens[b] >= 2).collect();
    let mut pairs = Vec::new();
    let mut step = 1;
    while !active.is_empty() {
        pairs.clear();
        for &b in &active {
            let s = starts[b] as usize;
            // Element i of the list is at s + i·step; an odd one out stays put,
            // already at its place in the next round's list.
            for j in 0..lens[b] as usize / 2 {
                let (a, c) = (s + 2 * j * step, s + (2 * j + 1) * step);
                let (pa, pc) = (points[a], points[c]);
                if pa.infinity || pc.infinity || pa.x == pc.x {
                    points[a] = (Projective::from(pa) + pc).into_affine();
                } else {
                    pairs.push((a as u32, c as u32));
                }
            }
            lens[b] = lens[b].div_ceil(2);
        }
        add_in_place(points, &pairs);
        active.retain(|&b| lens[b] >= 2);
        step *= 2;
    }
}

/// Replaces every nonzero `values[i]` by its inverse (Montgomery's trick:
/// one inversion, by safegcd, and three multiplications per element), on
/// the calling thread. arkworks' `batch_inversion` splits the slice over
/// rayon's threads, one inversion per part: right for one big slice, a loss
/// for the many small rounds here, which already run inside parallel tasks.
/// `prefix` is scratch space, reused between calls.
pub(crate) fn batch_invert<F: FastInverse>(values: &mut [F], prefix: &mut Vec<F>) {
    prefix.clear();
    let mut acc = F::ONE;
    for v in values.iter().filter(|v| !v.is_zero()) {
        acc *= v;
        prefix.push(acc);
    }
    let Some(mut inverse) = acc.fast_inverse() else {
        return;
    };
    // Walk back: inverse = 1 / (v_0 ... v_i); prefix[i - 1] = v_0 ... v_{i-1}.
    let mut before = prefix.iter().rev().skip(1);
    for v in values.iter_mut().rev().filter(|v| !v.is_zero()) {
        let product_before = before.next().copied().unwrap_or(F::ONE);
        let v_inverse = inverse * product_before;
        inverse *= *v;
        *v = v_inverse;
    }
}

/// `a + b` given `inverse = 1 / (x_b − x_a)`, or `1 / 2y_a` for a doubling.
pub(crate) fn add_with_inverse<P: SWCurveConfig>(
    a: &Affine<P>,
    b: &Affine<P>,
    inverse: &P::BaseField,
) -> Affine<P> {
    if a.infinity {
        return *b;
    }
    if b.infinity {
        return *a;
    }
    let lambda = if a.x == b.x {
        if a.y != b.y || a.y.is_zero() {
            return Affine::identity();
        }
        // Tangent slope (3x^2 + A) / 2y.
        let x2 = a.x.square();
        (x2.double() + x2 + P::COEFF_A) * inverse
    } else {
        (b.y - a.y) * inverse
    };
    let x = lambda.square() - a.x - b.x;
    let y = lambda * (a.x - x) - a.y;
    Affine::new_unchecked(x, y)
}

#[cfg(test)]
mod tests;
