//! Many small MSMs at once: FK20's `2m` Toeplitz products, each a sum of
//! `L` scalar multiplications over its own `L` bases.
//!
//! Run one by one ([`msm_serial`](super::msm_serial)), each small MSM adds
//! into projective buckets: about 11M + 4S per addition, since a batched
//! inversion does not pay inside `L` points. Here a group of rows is done
//! as one computation: every scalar is GLV-split and recoded in signed
//! digits, every `(row, window, bucket)` of the group becomes one list, and
//! [`list_sums`] reduces all lists together in batch-affine rounds (one
//! inversion per round for the whole group). The bucket reductions and the
//! doublings between windows are batch-affine too, all the group's rows in
//! lockstep.
//!
//! FK20's bases never change for a shape, so [`FixedBases`] can also keep,
//! for every base `P`, its multiples `2^(c·w)·P` for each window `w`: then a
//! row's windows all add into one set of buckets, and the per-window bucket
//! reductions and the doublings between windows go. The additions into the
//! buckets stay (one per point and window), but the window can be wider
//! since its reduction is paid once per row: about half the work for rows of
//! 8 to 64 points, for `windows` times the table's memory.

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::AdditiveGroup;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use super::{
    Batch, GlvSplit, HALF_BITS, MAX_WINDOW_BITS, glv, list_sums, running_sums, signed_digits,
    threads, window_bits, with_endomorphism,
};

/// Points per group (GLV points times windows) at which a group is cut: big
/// enough that even the last, shortest tree round shares its inversion
/// among dozens of additions, small enough to stay within the L2 cache's
/// order of magnitude (an affine G1 point is 72 bytes).
const GROUP_POINTS: usize = 1 << 15;

/// Sets of buckets (a row's window, or with multiples a row) reduced in one
/// lockstep: a step's inversion then costs well under one addition each.
const REDUCTION_SETS: usize = 512;

/// Windows of width `c` over a GLV half's signed digits.
fn half_windows(c: usize) -> usize {
    (HALF_BITS + 1).div_ceil(c)
}

/// `out[k] = sum_t scalars[k·L + t] · bases[k·L + t]` for every row `k` of
/// `L = row_len` pairs. `None` if a scalar does not GLV-split (never for
/// BN254; the caller then runs the rows one by one).
///
/// # Panics
/// If `row_len` is zero or the slices' lengths differ or are not a multiple
/// of `row_len` (FK20's table always has `2m·L` of each).
pub fn msm_rows<P: GlvSplit>(
    bases: &[Affine<P>],
    scalars: &[Fr],
    row_len: usize,
) -> Option<Vec<Projective<P>>> {
    assert!(row_len > 0, "rows of no points");
    assert_eq!(bases.len(), scalars.len(), "one scalar per base");
    assert_eq!(bases.len() % row_len, 0, "whole rows only");
    let bases = Source {
        points: bases,
        // Each (row, window) has buckets of its own.
        c: window_bits(2 * row_len, HALF_BITS),
        windows_share_buckets: false,
    };
    sum_rows(bases, scalars, row_len)
}

/// A group's points: the bases themselves (one bucket set per window), or
/// their [`FixedBases`] multiples, one per base and window (one bucket set
/// per row).
struct Source<'a, P: GlvSplit> {
    points: &'a [Affine<P>],
    /// Window width of the digits.
    c: usize,
    windows_share_buckets: bool,
}

// By hand: a derive would ask `P: Copy` of the curve's marker type.
impl<P: GlvSplit> Clone for Source<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: GlvSplit> Copy for Source<'_, P> {}

impl<'a, P: GlvSplit> Source<'a, P> {
    /// Windows of a GLV half.
    fn windows(&self) -> usize {
        half_windows(self.c)
    }

    /// Points per base.
    fn stride(&self) -> usize {
        if self.windows_share_buckets {
            self.windows()
        } else {
            1
        }
    }

    /// The same kind of source over `points`.
    fn with(self, points: &'a [Affine<P>]) -> Self {
        Self { points, ..self }
    }
}

/// The rows of `scalars` in groups spread over the threads: each thread
/// takes a run of groups, sums their buckets group by group (each group's
/// sorted points sized for the cache), then reduces the run's buckets in
/// one lockstep, wide enough that every step's inversion is shared by
/// hundreds of additions.
fn sum_rows<P: GlvSplit>(
    source: Source<'_, P>,
    scalars: &[Fr],
    row_len: usize,
) -> Option<Vec<Projective<P>>> {
    let windows = source.windows();
    let sets_per_row = if source.windows_share_buckets {
        1
    } else {
        windows
    };
    let rows_per_group = (GROUP_POINTS / (2 * row_len * windows)).max(1);
    let group_len = rows_per_group * row_len;
    // Runs wide enough for the reduction, but at least one per thread (a
    // few long rows, as at blob version 1, would otherwise be one run).
    let groups = scalars.len().div_ceil(group_len);
    let groups_per_run = REDUCTION_SETS
        .div_ceil(rows_per_group * sets_per_row)
        .min(groups.div_ceil(threads()));
    let points_per_group = group_len * source.stride();
    let run = |(points, scalars): (&[Affine<P>], &[Fr])| -> Option<Vec<Projective<P>>> {
        let mut sums = Vec::new();
        for (points, scalars) in points
            .chunks(points_per_group)
            .zip(scalars.chunks(group_len))
        {
            sums.extend(bucket_sums(source.with(points), scalars, row_len)?);
        }
        Some(reduce(source, sums, scalars.len() / row_len))
    };
    let (run_points, run_len) = (
        points_per_group * groups_per_run,
        group_len * groups_per_run,
    );
    #[cfg(feature = "parallel")]
    let runs: Option<Vec<Vec<Projective<P>>>> = source
        .points
        .par_chunks(run_points)
        .zip(scalars.par_chunks(run_len))
        .map(run)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let runs: Option<Vec<Vec<Projective<P>>>> = source
        .points
        .chunks(run_points)
        .zip(scalars.chunks(run_len))
        .map(run)
        .collect();
    Some(runs?.concat())
}

/// Each `(row, window)`'s buckets (each row's, with multiples) of one group,
/// on the calling thread: `buckets` points per set, the identity for an
/// empty bucket.
fn bucket_sums<P: GlvSplit>(
    source: Source<'_, P>,
    scalars: &[Fr],
    row_len: usize,
) -> Option<Vec<Affine<P>>> {
    let (c, windows) = (source.c, source.windows());
    let rows = scalars.len() / row_len;
    let buckets = 1usize << (c - 1);
    let windows_share_buckets = source.windows_share_buckets;
    let splitter = glv::Splitter::new::<P>();
    let mut digits = vec![0i16; 2 * scalars.len() * windows];
    let mut per_point = digits.chunks_exact_mut(windows);
    for scalar in scalars {
        let (k1, k2) = splitter.split(scalar)?;
        for (negative, magnitude) in [k1, k2] {
            let limbs = [magnitude as u64, (magnitude >> 64) as u64];
            let out = per_point.next().expect("two digit rows per scalar");
            signed_digits(&limbs, negative, c, out);
        }
    }
    // List `(row · windows + w) · buckets + b` holds the points whose digit
    // in window w is ±(b + 1), negated for negative digits; with multiples,
    // list `row · buckets + b` holds those of every window, scaled by 2^(c·w).
    let lists_per_row = if windows_share_buckets {
        buckets
    } else {
        windows * buckets
    };
    let list = |point: usize, w: usize, d: i16| -> usize {
        let row = point / (2 * row_len);
        let window = if windows_share_buckets { 0 } else { w };
        row * lists_per_row + window * buckets + d.unsigned_abs() as usize - 1
    };
    // Point 2i is base i (digit of k1), point 2i + 1 its image φ (k2); row
    // k owns points [2kL, 2(k+1)L). Entry e of the source (a base, or one of
    // its multiples) is src[2e], its image src[2e + 1].
    let stride = source.stride();
    let src = with_endomorphism(source.points);
    Some(list_sums(&src, rows * lists_per_row, |term| {
        for (point, ds) in digits.chunks_exact(windows).enumerate() {
            for (w, &d) in ds.iter().enumerate() {
                let window = if windows_share_buckets { w } else { 0 };
                let entry = (point / 2) * stride + window;
                // The identity adds nothing, and `list_sums` takes no identity terms.
                if d != 0 && !source.points[entry].infinity {
                    term(list(point, w, d), (2 * entry + point % 2) as u32, d < 0);
                }
            }
        }
    }))
}

/// The rows' sums from their sets of buckets ([`bucket_sums`], one run of
/// groups): each set reduces to `sum_b (b + 1)·bucket_b` (running += bucket_b,
/// then sum += running, from the top bucket down), and without multiples a
/// row's windows combine by Horner's rule; every step is one batch over all
/// the sets or rows.
fn reduce<P: GlvSplit>(
    source: Source<'_, P>,
    bucket_sums: Vec<Affine<P>>,
    rows: usize,
) -> Vec<Projective<P>> {
    let (c, windows) = (source.c, source.windows());
    let buckets = 1usize << (c - 1);
    let (_, sums) = running_sums(&bucket_sums, buckets);
    if source.windows_share_buckets {
        return sums.into_iter().map(Projective::from).collect();
    }
    let mut batch = Batch::default();
    let mut acc = vec![Affine::<P>::identity(); rows];
    for w in (0..windows).rev() {
        if w + 1 < windows {
            for _ in 0..c {
                batch.add(&mut acc, |_, a| Some(*a));
            }
        }
        batch.add(&mut acc, |row, _| Some(sums[row * windows + w]));
    }
    acc.into_iter().map(Projective::from).collect()
}

/// FK20 table bases with their multiples `2^(c·w)·P` for every window `w`
/// of a GLV half, for [`FixedBases::msm_rows`] (see the module docs).
#[derive(Debug, Clone)]
pub struct FixedBases<A> {
    row_len: usize,
    c: usize,
    /// `multiples[i · windows + w] = 2^(c·w) · bases[i]`, `windows` =
    /// [`half_windows`]`(c)`.
    multiples: Vec<A>,
}

impl<P: GlvSplit> FixedBases<Affine<P>> {
    /// The window width for rows of `row_len` bases: one batch-affine
    /// addition per point and window, and the reduction's two per bucket,
    /// once per row. Ties go to the wider window (fewer multiples to keep).
    fn window_bits(row_len: usize) -> usize {
        (2..=MAX_WINDOW_BITS)
            .rev()
            .min_by_key(|&c| half_windows(c) * 2 * row_len + (1usize << c))
            .unwrap_or(8)
    }

    /// Bytes the multiples of `bases` bases in rows of `row_len` take.
    pub fn memory_bytes(bases: usize, row_len: usize) -> usize {
        let windows = half_windows(Self::window_bits(row_len.max(1)));
        bases * windows * std::mem::size_of::<Affine<P>>()
    }

    /// Computes the multiples of `bases`, in rows of `row_len` (`c` doublings
    /// per base and window, once per table).
    ///
    /// # Panics
    /// If `row_len` is zero or does not divide `bases.len()`.
    pub fn new(bases: &[Affine<P>], row_len: usize) -> Self {
        assert!(
            row_len > 0 && bases.len().is_multiple_of(row_len),
            "whole rows only"
        );
        let c = Self::window_bits(row_len);
        let windows = half_windows(c);
        let chunk = |chunk: &[Affine<P>]| -> Vec<Affine<P>> {
            let mut out = Vec::with_capacity(chunk.len() * windows);
            for base in chunk {
                let mut p = Projective::<P>::from(*base);
                for w in 0..windows {
                    if w > 0 {
                        for _ in 0..c {
                            p.double_in_place();
                        }
                    }
                    out.push(p);
                }
            }
            Projective::normalize_batch(&out)
        };
        #[cfg(feature = "parallel")]
        let parts: Vec<Vec<Affine<P>>> = bases.par_chunks(1024).map(chunk).collect();
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Vec<Affine<P>>> = bases.chunks(1024).map(chunk).collect();
        Self {
            row_len,
            c,
            multiples: parts.concat(),
        }
    }

    /// [`msm_rows`] over the bases these multiples were made of: `out[k] =
    /// sum_t scalars[k·L + t] · bases[k·L + t]`. `None` if a scalar does not
    /// GLV-split.
    ///
    /// # Panics
    /// If `scalars` is not one per base.
    pub fn msm_rows(&self, scalars: &[Fr]) -> Option<Vec<Projective<P>>> {
        let multiples = Source {
            points: &self.multiples,
            c: self.c,
            windows_share_buckets: true,
        };
        assert_eq!(
            self.multiples.len(),
            scalars.len() * multiples.windows(),
            "one scalar per base"
        );
        sum_rows(multiples, scalars, self.row_len)
    }
}
