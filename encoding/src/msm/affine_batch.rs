//! Batched affine additions and doublings, the step every hot loop of the
//! encoder is made of (bucket rounds of the MSMs, the lockstep of FK20's
//! tail): each batch shares one inversion (Montgomery's trick), and where
//! the CPU has AVX-512 IFMA, runs eight additions side by side in vector
//! registers (`lamina-bn254-ifma`, for G1 and G2); elsewhere one field
//! operation at a time, with the same results bit for bit.
//!
//! The callers sort out the identity, doublings and `P + (−P)` first, so the
//! batched functions see only the generic case.

use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{AdditiveGroup, Zero};
use lamina_bn254_ifma::{Ifma, NEGATED};

use super::{FastInverse, GlvSplit, add_with_inverse, batch_invert};

/// Scratch space for batched affine additions.
pub(crate) struct Batch<P: GlvSplit> {
    lhs: Vec<Affine<P>>,
    rhs: Vec<Affine<P>>,
    sum_at: Vec<usize>,
    doubled: Vec<Affine<P>>,
    double_at: Vec<usize>,
}

impl<P: GlvSplit> Default for Batch<P> {
    fn default() -> Self {
        Self {
            lhs: Vec::new(),
            rhs: Vec::new(),
            sum_at: Vec::new(),
            doubled: Vec::new(),
            double_at: Vec::new(),
        }
    }
}

impl<P: GlvSplit> Batch<P> {
    /// `acc[i] += addend(i, &acc[i])` for every `i` the closure names: the
    /// sums as one batch, the doublings (an addend equal to `acc[i]`) as
    /// another.
    pub(crate) fn add(
        &mut self,
        acc: &mut [Affine<P>],
        addend: impl Fn(usize, &Affine<P>) -> Option<Affine<P>>,
    ) {
        self.lhs.clear();
        self.rhs.clear();
        self.sum_at.clear();
        self.doubled.clear();
        self.double_at.clear();
        for (i, a) in acc.iter_mut().enumerate() {
            let Some(b) = addend(i, a) else { continue };
            if b.infinity {
                continue;
            }
            if a.infinity {
                *a = b;
            } else if a.x != b.x {
                self.lhs.push(*a);
                self.rhs.push(b);
                self.sum_at.push(i);
            } else if a.y == b.y && !a.y.is_zero() {
                self.doubled.push(*a);
                self.double_at.push(i);
            } else {
                // b = −a.
                *a = Affine::identity();
            }
        }
        add_distinct(&mut self.lhs, &self.rhs);
        double_all(&mut self.doubled);
        for (&i, sum) in self.sum_at.iter().zip(&self.lhs) {
            acc[i] = *sum;
        }
        for (&i, double) in self.double_at.iter().zip(&self.doubled) {
            acc[i] = *double;
        }
    }
}

/// `lhs[k] ← lhs[k] + rhs[k]`, every pair finite with different `x`.
pub(crate) fn add_distinct<P: GlvSplit>(lhs: &mut [Affine<P>], rhs: &[Affine<P>]) {
    match Ifma::detect() {
        Some(ifma) => ifma.add_distinct(lhs, rhs),
        None => add_distinct_scalar(lhs, rhs),
    }
}

/// `points[a] ← points[a] + points[b]` for every pair, no point in two
/// pairs, every pair finite with different `x`.
pub(crate) fn add_in_place<P: GlvSplit>(points: &mut [Affine<P>], pairs: &[(u32, u32)]) {
    match Ifma::detect() {
        Some(ifma) => ifma.add_in_place(points, pairs),
        None => add_in_place_scalar(points, pairs),
    }
}

/// `dst[to[k]] ← ±src[a] ± src[b]` for the `k`-th pair `(a, b)` (an index
/// with the bit [`NEGATED`] names the negated point), every operand finite,
/// except the pairs whose points have equal `x`: those are left out and
/// their positions `k` returned
/// ([`Ifma::add_gathered`](lamina_bn254_ifma::Ifma::add_gathered)).
pub(crate) fn add_gathered<P: GlvSplit>(
    src: &[Affine<P>],
    pairs: &[(u32, u32)],
    to: &[u32],
    dst: &mut [Affine<P>],
) -> Vec<u32> {
    match Ifma::detect() {
        Some(ifma) => ifma.add_gathered(src, pairs, to, dst),
        None => add_gathered_scalar(src, pairs, to, dst),
    }
}

/// `points[k] ← 2·points[k]`, every point finite with `y ≠ 0`.
pub(crate) fn double_all<P: GlvSplit>(points: &mut [Affine<P>]) {
    match Ifma::detect() {
        Some(ifma) => ifma.double(points),
        None => double_all_scalar(points),
    }
}

/// The sums `a + b` of the pairs `operands(k)` for `k < n` (finite, different
/// `x`), one field operation at a time with one shared inversion.
fn sums_scalar<P: SWCurveConfig<BaseField: FastInverse>>(
    n: usize,
    operands: impl Fn(usize) -> (Affine<P>, Affine<P>),
) -> Vec<Affine<P>> {
    let mut inverses: Vec<P::BaseField> = (0..n)
        .map(|k| {
            let (a, b) = operands(k);
            b.x - a.x
        })
        .collect();
    batch_invert(&mut inverses, &mut Vec::new());
    inverses
        .iter()
        .enumerate()
        .map(|(k, inverse)| {
            let (a, b) = operands(k);
            add_with_inverse(&a, &b, inverse)
        })
        .collect()
}

/// [`add_distinct`] one field operation at a time.
pub(crate) fn add_distinct_scalar<P: SWCurveConfig<BaseField: FastInverse>>(
    lhs: &mut [Affine<P>],
    rhs: &[Affine<P>],
) {
    let sums = sums_scalar(lhs.len(), |k| (lhs[k], rhs[k]));
    lhs.copy_from_slice(&sums);
}

/// [`add_in_place`] one field operation at a time.
pub(crate) fn add_in_place_scalar<P: SWCurveConfig<BaseField: FastInverse>>(
    points: &mut [Affine<P>],
    pairs: &[(u32, u32)],
) {
    let sums = sums_scalar(pairs.len(), |k| {
        let (a, b) = pairs[k];
        (points[a as usize], points[b as usize])
    });
    for (&(a, _), sum) in pairs.iter().zip(sums) {
        points[a as usize] = sum;
    }
}

/// The point an [`add_gathered`] index names: `src[entry]`, negated if
/// `entry` has the bit [`NEGATED`].
pub(crate) fn gathered_operand<P: SWCurveConfig>(src: &[Affine<P>], entry: u32) -> Affine<P> {
    let p = src[(entry & !NEGATED) as usize];
    if entry & NEGATED != 0 { -p } else { p }
}

/// [`add_gathered`] one field operation at a time.
pub(crate) fn add_gathered_scalar<P: SWCurveConfig<BaseField: FastInverse>>(
    src: &[Affine<P>],
    pairs: &[(u32, u32)],
    to: &[u32],
    dst: &mut [Affine<P>],
) -> Vec<u32> {
    assert_eq!(pairs.len(), to.len(), "one destination per pair");
    let operand = |entry: u32| gathered_operand(src, entry);
    let (distinct, equal_x): (Vec<u32>, Vec<u32>) = (0..pairs.len() as u32).partition(|&k| {
        let (a, b) = pairs[k as usize];
        operand(a).x != operand(b).x
    });
    let sums = sums_scalar(distinct.len(), |i| {
        let (a, b) = pairs[distinct[i] as usize];
        (operand(a), operand(b))
    });
    for (&k, sum) in distinct.iter().zip(sums) {
        dst[to[k as usize] as usize] = sum;
    }
    equal_x
}

/// [`double_all`] one field operation at a time.
pub(crate) fn double_all_scalar<P: SWCurveConfig<BaseField: FastInverse>>(
    points: &mut [Affine<P>],
) {
    let mut inverses: Vec<P::BaseField> = points.iter().map(|p| p.y.double()).collect();
    batch_invert(&mut inverses, &mut Vec::new());
    for (p, inverse) in points.iter_mut().zip(&inverses) {
        *p = add_with_inverse(p, p, inverse);
    }
}
