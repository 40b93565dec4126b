//! Many small MSMs at once: FK20's `2m` Toeplitz products, each a sum of
//! `L` scalar multiplications over its own `L` bases.
//!
//! Run one by one ([`msm_serial`](super::msm_serial)), each small MSM adds
//! into projective buckets: about 11M + 4S per addition, since a batched
//! inversion does not pay inside `L` points. Here a group of rows is done
//! as one computation: every scalar is GLV-split and recoded in signed
//! digits, every `(row, window, bucket)` of the group becomes one list in a
//! single bucket-sorted array, and [`sum_buckets_in_place`] reduces all lists
//! together in batch-affine rounds (one inversion per round for the whole
//! group). What is left per row is the bucket reduction and the doublings
//! between windows, in projective coordinates.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::{AdditiveGroup, Zero};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use super::{GlvSplit, Points, glv, signed_digits, sum_buckets_in_place, window_bits};

/// Points per group (GLV points times windows) at which a group is cut: big
/// enough that even the last, shortest tree round shares its inversion
/// among dozens of additions, small enough to stay within the L2 cache's
/// order of magnitude (an affine G1 point is 72 bytes).
const GROUP_POINTS: usize = 1 << 15;

/// Bits of a GLV half plus the sign's carry: the digit count of
/// [`signed_digits`] for 128-bit magnitudes.
const HALF_BITS: usize = 128;

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
    let c = window_bits(2 * row_len, HALF_BITS);
    let windows = (HALF_BITS + 1).div_ceil(c);
    let rows_per_group = (GROUP_POINTS / (2 * row_len * windows)).max(1);
    let group_len = rows_per_group * row_len;
    let group =
        |(bases, scalars): (&[Affine<P>], &[Fr])| group_sums(bases, scalars, row_len, c, windows);
    #[cfg(feature = "parallel")]
    let groups: Option<Vec<Vec<Projective<P>>>> = bases
        .par_chunks(group_len)
        .zip(scalars.par_chunks(group_len))
        .map(group)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let groups: Option<Vec<Vec<Projective<P>>>> = bases
        .chunks(group_len)
        .zip(scalars.chunks(group_len))
        .map(group)
        .collect();
    Some(groups?.concat())
}

/// The rows of one group, on the calling thread.
fn group_sums<P: GlvSplit>(
    bases: &[Affine<P>],
    scalars: &[Fr],
    row_len: usize,
    c: usize,
    windows: usize,
) -> Option<Vec<Projective<P>>> {
    let rows = bases.len() / row_len;
    let buckets = 1usize << (c - 1);
    // Point 2i is bases[i] (digit of k1), point 2i + 1 is φ(bases[i]) (k2);
    // row k owns points [2kL, 2(k+1)L).
    let points = Points {
        bases,
        endomorphism: true,
    };
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
    // in window w is ±(b + 1), negated for negative digits.
    let list = |point: usize, w: usize, d: i16| -> usize {
        let row = point / (2 * row_len);
        (row * windows + w) * buckets + d.unsigned_abs() as usize - 1
    };
    let lists = rows * windows * buckets;
    let mut starts = vec![0u32; lists + 1];
    for (point, ds) in digits.chunks_exact(windows).enumerate() {
        for (w, &d) in ds.iter().enumerate() {
            if d != 0 {
                starts[list(point, w, d) + 1] += 1;
            }
        }
    }
    for i in 0..lists {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut sorted = vec![Affine::<P>::identity(); starts[lists] as usize];
    for (point, ds) in digits.chunks_exact(windows).enumerate() {
        let p = points.get(point);
        for (w, &d) in ds.iter().enumerate() {
            if d != 0 {
                let at = &mut fill[list(point, w, d)];
                sorted[*at as usize] = if d < 0 { -p } else { p };
                *at += 1;
            }
        }
    }
    let mut lens: Vec<u32> = starts.windows(2).map(|s| s[1] - s[0]).collect();
    sum_buckets_in_place(&mut sorted, &starts[..lists], &mut lens);

    let bucket_sum = |first_list: usize| -> Projective<P> {
        // sum_b (b + 1) · bucket_b, two additions per bucket.
        let mut running = Projective::<P>::zero();
        let mut sum = Projective::<P>::zero();
        for b in (first_list..first_list + buckets).rev() {
            if lens[b] == 1 {
                running += &sorted[starts[b] as usize];
            }
            sum += &running;
        }
        sum
    };
    Some(
        (0..rows)
            .map(|row| {
                let mut acc = Projective::<P>::zero();
                for w in (0..windows).rev() {
                    for _ in 0..c {
                        acc.double_in_place();
                    }
                    acc += bucket_sum((row * windows + w) * buckets);
                }
                acc
            })
            .collect(),
    )
}
