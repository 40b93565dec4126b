//! The batched affine formulas, written once ([`batch_kernels`]) for G1
//! over [`fq8`] and G2 over [`fq2x8`], eight points per group.
//!
//! # Where the factor 2^4 goes
//! Coordinates arrive in arkworks' Montgomery form, bits `A(v) = v·2^256`.
//! [`fq8::mul`] divides by `2^260`, so read as its operands, those bits are
//! `M(v/16)` with `M(v) = v·2^260`, and `mul(M(a), M(b)) = M(a·b)`. For a sum,
//! `d = x2 − x1` and `n = y2 − y1` are then `M(d/16)` and `M(n/16)`. The shared
//! inverse is scaled once so that each denominator's inverse comes out as
//! `M(4/d)`; then `μ = mul(n, 1/d) = M(λ/4)`, `mul(μ, μ) = M(λ²/16) = A(λ²)`,
//! and with `λ = 4μ`, `mul(λ, x1 − x3) = M(λ·(x1 − x3)/16) = A(λ·(x1 − x3))`:
//! every result lands in arkworks' form with no conversion. A doubling's
//! `n = 3·mul(x, x) = M(3x²/256)` wants `M(64/(2y))` instead. `Fq2` scales
//! by the same `Fq` factors, part by part.
//!
//! The bounds in the comments are per part, as multiples of `p`.

/// What the shared inverse is multiplied by (in arkworks' arithmetic) so
/// that each denominator's inverse is `M(c/d')`, `d'` the denominator's
/// value and `c` 4 for sums, 64 for doublings (`d' = 2y`): arkworks' inverse
/// of bits `M(β)` is `2^252/β` in bits, and `M(c'/β)` with `c' = c/16` (the
/// denominators are read as `d'/16`) is `c'·2^260/β`: the factor is `c'·2^8`.
const SUM_SCALE: u64 = 64;
const DOUBLING_SCALE: u64 = 1024;

const LANES: usize = 8;

/// Pairs per shared inversion in a long batch.
const CHUNK: usize = 1024;

/// Groups ahead of the current one whose operands the first pass of a sum
/// asks the cache for: operands gathered by index (an MSM's points by
/// bucket) are far apart in memory.
const PREFETCH_GROUPS: usize = 4;

/// Asks for the cache lines of `value` ahead of its use. A hint only: it
/// reads nothing and changes no result.
#[inline]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = (value as *const T).cast::<i8>();
        // Every 64th byte and the last: each cache line the value touches.
        let size = std::mem::size_of::<T>();
        for offset in (0..size).step_by(64).chain([size - 1]) {
            #[allow(unsafe_code, unused_unsafe)]
            // SAFETY: the addresses lie within `value`; prefetching never faults.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset))
            }
        }
    }
}

/// The group's indices into a slice of `n` (lanes past the end repeat
/// element 0, whose results are dropped).
fn lanes(g: usize, n: usize) -> [usize; LANES] {
    std::array::from_fn(|k| if g * LANES + k < n { g * LANES + k } else { 0 })
}

/// `add_distinct` and `double` for the curve `$curve` whose base field
/// `$field` the module `$lanes` holds eight to a vector.
macro_rules! batch_kernels {
    ($name:ident, $curve:ty, $field:ty, $lanes:ident) => {
        pub(crate) mod $name {
            use ark_ec::short_weierstrass::Affine;
            use ark_ff::Field;

            use super::{
                CHUNK, DOUBLING_SCALE, LANES, PREFETCH_GROUPS, SUM_SCALE, lanes, prefetch,
            };
            use crate::NEGATED;
            use crate::fq8::Multiple;
            use crate::$lanes::{self as f, Lanes};

            type Point = Affine<$curve>;

            #[inline]
            #[target_feature(enable = "avx512f")]
            fn coordinates(points: &[Point], idx: [usize; LANES]) -> (Lanes, Lanes) {
                (
                    Lanes::load(idx.map(|i| &points[i].x)),
                    Lanes::load(idx.map(|i| &points[i].y)),
                )
            }

            /// Writes group `g`'s results (canonical) back.
            #[inline]
            #[target_feature(enable = "avx512f")]
            fn write(points: &mut [Point], g: usize, x: Lanes, y: Lanes) {
                let (xs, ys) = (x.store(), y.store());
                let start = g * LANES;
                let end = points.len().min(start + LANES);
                for (k, point) in points[start..end].iter_mut().enumerate() {
                    *point = Point::new_unchecked(xs[k], ys[k]);
                }
            }

            /// For denominators `dens[g]` (below `2p`, nonzero), the
            /// per-group inverses scaled as described at `SUM_SCALE`:
            /// prefix products lane by lane (eight independent chains), one
            /// inversion for the eight lanes' totals, then the walk back.
            #[target_feature(enable = "avx512f,avx512ifma")]
            fn shared_inverses(dens: &[Lanes], scale: u64) -> Vec<Lanes> {
                let mut prefix = Vec::with_capacity(dens.len());
                let mut acc = dens[0];
                prefix.push(acc);
                for d in &dens[1..] {
                    acc = f::mul(acc, *d);
                    prefix.push(acc);
                }
                let totals = f::canonical(acc).store();
                // Montgomery's trick once more, over the eight totals.
                let mut running = [<$field>::ONE; LANES];
                for k in 1..LANES {
                    running[k] = running[k - 1] * totals[k - 1];
                }
                let mut inverse = (running[LANES - 1] * totals[LANES - 1])
                    .inverse()
                    .expect("denominators are nonzero by the callers' contract")
                    * <$field>::from(scale);
                let mut lane_inverses = [<$field>::ONE; LANES];
                for k in (0..LANES).rev() {
                    lane_inverses[k] = inverse * running[k];
                    inverse *= totals[k];
                }
                let mut inverse = Lanes::load(lane_inverses.each_ref());
                let mut out = vec![inverse; dens.len()];
                for g in (1..dens.len()).rev() {
                    out[g] = f::mul(inverse, prefix[g - 1]);
                    inverse = f::mul(inverse, dens[g]);
                }
                out[0] = inverse;
                out
            }

            /// The sum (or double) of a point `(x1, y1)` and one with
            /// `x1 + x2 = x_sum` (canonical coordinates), from `μ = λ/4`
            /// (below `2p`): `x3 = λ² − x_sum`, `y3 = λ·(x1 − x3) − y1`,
            /// both canonical.
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            fn finish(mu: Lanes, x1: Lanes, y1: Lanes, x_sum: Lanes) -> (Lanes, Lanes) {
                let twice = f::add(mu, mu);
                let lambda = f::add(twice, twice); // < 8p
                // λ² − x_sum < 2p + 2p.
                let x3 = f::canonical(f::sub(f::square(mu), x_sum, Multiple::Two));
                // The product of 8p and 2p is < 2p; minus y1, < 3p.
                let run = f::sub(x1, x3, Multiple::One);
                let y3 = f::canonical(f::sub(f::mul(lambda, run), y1, Multiple::One));
                (x3, y3)
            }

            /// Where a batch of sums reads its operands and writes its results.
            pub(crate) trait Pairs {
                fn len(&self) -> usize;
                fn lhs(&self, k: usize) -> &Point;
                fn rhs(&self, k: usize) -> &Point;
                /// Whether pair `k` takes `−lhs(k)`, `−rhs(k)` (their `x` is
                /// the same either way).
                fn negated(&self, _k: usize) -> (bool, bool) {
                    (false, false)
                }
                /// Replaces `lhs(k)`.
                fn set(&mut self, k: usize, sum: Point);
            }

            /// `lhs[k] += rhs[k]`.
            pub(crate) struct Slices<'a> {
                pub(crate) lhs: &'a mut [Point],
                pub(crate) rhs: &'a [Point],
            }

            impl Pairs for Slices<'_> {
                fn len(&self) -> usize {
                    self.lhs.len()
                }
                fn lhs(&self, k: usize) -> &Point {
                    &self.lhs[k]
                }
                fn rhs(&self, k: usize) -> &Point {
                    &self.rhs[k]
                }
                fn set(&mut self, k: usize, sum: Point) {
                    self.lhs[k] = sum;
                }
            }

            /// `points[a] += points[b]` for each `(a, b)` of `pairs`.
            pub(crate) struct InPlace<'a> {
                pub(crate) points: &'a mut [Point],
                pub(crate) pairs: &'a [(u32, u32)],
            }

            impl Pairs for InPlace<'_> {
                fn len(&self) -> usize {
                    self.pairs.len()
                }
                fn lhs(&self, k: usize) -> &Point {
                    &self.points[self.pairs[k].0 as usize]
                }
                fn rhs(&self, k: usize) -> &Point {
                    &self.points[self.pairs[k].1 as usize]
                }
                fn set(&mut self, k: usize, sum: Point) {
                    self.points[self.pairs[k].0 as usize] = sum;
                }
            }

            /// `dst[to[k]] = ±src[a] ± src[b]` for the `k`-th pair `(a, b)`,
            /// an index with [`crate::NEGATED`] naming the negated point.
            pub(crate) struct Gathered<'a> {
                pub(crate) src: &'a [Point],
                pub(crate) pairs: &'a [(u32, u32)],
                pub(crate) to: &'a [u32],
                pub(crate) dst: &'a mut [Point],
            }

            impl Pairs for Gathered<'_> {
                fn len(&self) -> usize {
                    self.pairs.len()
                }
                fn lhs(&self, k: usize) -> &Point {
                    &self.src[(self.pairs[k].0 & !NEGATED) as usize]
                }
                fn rhs(&self, k: usize) -> &Point {
                    &self.src[(self.pairs[k].1 & !NEGATED) as usize]
                }
                fn negated(&self, k: usize) -> (bool, bool) {
                    let (a, b) = self.pairs[k];
                    (a & NEGATED != 0, b & NEGATED != 0)
                }
                fn set(&mut self, k: usize, sum: Point) {
                    self.dst[self.to[k] as usize] = sum;
                }
            }

            /// Every pair's sum, except the pairs whose points have equal `x`
            /// (a doubling or `P + (−P)`, which this formula cannot add):
            /// those are left as they are and their positions returned. See
            /// [`crate::Ifma::add_gathered`]. A group's operands are all read
            /// before its results are written, and no two pairs share a
            /// point, so in-place sums see no result early. Long batches run
            /// in chunks of [`CHUNK`] pairs, each with its own inversion, so
            /// that a chunk's denominators, prefix products and inverses stay
            /// in the core's cache.
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub(crate) fn add(pairs: &mut impl Pairs) -> Vec<u32> {
                let n = pairs.len();
                let mut equal_x = Vec::new();
                let mut start = 0;
                while start < n {
                    let end = n.min(start + CHUNK);
                    add_chunk(pairs, start, end - start, &mut equal_x);
                    start = end;
                }
                equal_x
            }

            /// The sums of pairs `start..start + n`; the positions of pairs
            /// with equal `x` go to `equal_x` instead.
            #[target_feature(enable = "avx512f,avx512ifma")]
            fn add_chunk(pairs: &mut impl Pairs, start: usize, n: usize, equal_x: &mut Vec<u32>) {
                let groups = n.div_ceil(LANES);
                let ahead = (start + PREFETCH_GROUPS * LANES)..pairs.len();
                // Per group, the lanes whose pair has equal `x`: their zero
                // denominator gives way to 1, and their results are dropped.
                let mut skipped = vec![0u8; groups];
                let dens: Vec<Lanes> = (0..groups)
                    .map(|g| {
                        for k in ahead.clone().skip(g * LANES).take(LANES) {
                            prefetch(pairs.lhs(k));
                            prefetch(pairs.rhs(k));
                        }
                        let idx = lanes(g, n).map(|k| start + k);
                        let x1 = Lanes::load(idx.map(|k| &pairs.lhs(k).x));
                        let x2 = Lanes::load(idx.map(|k| &pairs.rhs(k).x));
                        let den = f::sub(x2, x1, Multiple::One); // < 2p
                        let zero = f::equals_p(den);
                        if zero == 0 {
                            return den;
                        }
                        skipped[g] = zero;
                        for k in 0..LANES.min(n - g * LANES) {
                            if zero & (1 << k) != 0 {
                                equal_x.push((start + g * LANES + k) as u32);
                            }
                        }
                        f::one_in(den, zero)
                    })
                    .collect();
                let inverses = shared_inverses(&dens, SUM_SCALE);
                // Backwards: the padding lanes repeat the chunk's first pair,
                // which lies in group 0 and is written last.
                for g in (0..groups).rev() {
                    let idx = lanes(g, n).map(|k| start + k);
                    let x1 = Lanes::load(idx.map(|k| &pairs.lhs(k).x));
                    let mut y1 = Lanes::load(idx.map(|k| &pairs.lhs(k).y));
                    let x2 = Lanes::load(idx.map(|k| &pairs.rhs(k).x));
                    let mut y2 = Lanes::load(idx.map(|k| &pairs.rhs(k).y));
                    let (mut negate1, mut negate2) = (0u8, 0u8);
                    for (lane, &k) in idx.iter().enumerate() {
                        let (n1, n2) = pairs.negated(k);
                        negate1 |= u8::from(n1) << lane;
                        negate2 |= u8::from(n2) << lane;
                    }
                    if negate1 | negate2 != 0 {
                        y1 = f::negate_in(y1, negate1);
                        y2 = f::negate_in(y2, negate2);
                    }
                    let mu = f::mul(f::sub(y2, y1, Multiple::One), inverses[g]); // λ/4, < 2p
                    let (x3, y3) = finish(mu, x1, y1, f::add(x1, x2));
                    let (xs, ys) = (x3.store(), y3.store());
                    for k in 0..LANES.min(n - g * LANES) {
                        if skipped[g] & (1 << k) == 0 {
                            pairs.set(start + g * LANES + k, Point::new_unchecked(xs[k], ys[k]));
                        }
                    }
                }
            }

            /// `points[k] = 2·points[k]`; see [`crate::Ifma::double`].
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub(crate) fn double(points: &mut [Point]) {
                let n = points.len();
                if n == 0 {
                    return;
                }
                let groups = n.div_ceil(LANES);
                let dens: Vec<Lanes> = (0..groups)
                    .map(|g| {
                        let y = Lanes::load(lanes(g, n).map(|i| &points[i].y));
                        f::add(y, y) // < 2p
                    })
                    .collect();
                let inverses = shared_inverses(&dens, DOUBLING_SCALE);
                for g in (0..groups).rev() {
                    let (x, y) = coordinates(points, lanes(g, n));
                    let xx = f::mul(x, x);
                    let numerator = f::add(f::add(xx, xx), xx); // < 6p
                    let mu = f::mul(numerator, inverses[g]); // 6p by 2p: λ/4, < 2p
                    let (x3, y3) = finish(mu, x, y, f::add(x, x));
                    write(points, g, x3, y3);
                }
            }
        }
    };
}

batch_kernels!(g1, ark_bn254::g1::Config, ark_bn254::Fq, fq8);
batch_kernels!(g2, ark_bn254::g2::Config, ark_bn254::Fq2, fq2x8);
