//! Structured reference string: powers of a secret `tau` in G1 and G2.
//!
//! Two sources:
//! - [`Srs::load`] reads EigenDA's SRS files (cut from the 2^28-point
//!   Perpetual Powers of Tau setup, so the SRS order `D` is 2^28);
//! - [`Srs::development_cached`] generates an INSECURE SRS from a public seed
//!   and caches it on disk in the same file format.
//!
//! # Files (EigenDA's format, see `point` for the point encoding)
//!
//! | file | content |
//! |------|---------|
//! | `g1.point` | `[tau^i]G1`, `i = 0..` |
//! | `g2.point` | `[tau^i]G2`, `i = 0..` |
//! | `g2.trailing.point` | the last `t` points `[tau^(D-t+i)]G2` (length proofs) |
//! | `g2.point.powerOf2` | `[tau^(2^i)]G2` (frame verification) |
//! | `g1.point.reversePowerOf2` | Lamina's addition: `[tau^(D-2^i)]G1` (length-proof verification) |
//!
//! When `g2.point` holds the whole setup (`D` points, as in small test
//! setups), the trailing points are read from it; when `g1.point` does, so
//! are the reverse powers.

mod development;
mod files;
mod validated;

use std::path::{Path, PathBuf};

use ark_bn254::{G1Affine, G2Affine};

use crate::point::PointError;
use files::{
    Checks, G1, G1_FILE, G1_REVERSE_POWER_OF_2_FILE, G2, G2_FILE, G2_POWER_OF_2_FILE,
    G2_TRAILING_FILE, INSECURE_MARKER_FILE, count_points, read_points, read_points_at,
};

pub use development::{DEVELOPMENT_SEED, MAX_DEVELOPMENT_POINTS, SRS_CACHE_ENV};
pub(crate) use files::write_atomically;

/// Order `D` of EigenDA's setup: 2^28 powers of tau (`[tau^0] .. [tau^(2^28-1)]`).
pub const EIGENDA_SRS_ORDER: u64 = 1 << 28;

/// Largest blob, in symbols, that EigenDA v2 accepts (16 MiB); the number of
/// leading and trailing G2 points a committer needs.
pub const MAX_BLOB_SYMBOLS: usize = 1 << 19;

/// Why an SRS could not be loaded or generated.
#[derive(Debug, thiserror::Error)]
pub enum SrsError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file's size is not a whole number of points.
    #[error("{} has {bytes} bytes, not a whole number of {point_bytes}-byte points", path.display())]
    PartialPoint {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// Size of one point.
        point_bytes: usize,
    },
    /// The file holds fewer points than needed.
    #[error("{} holds {available} points, but {needed} are needed", path.display())]
    FileTooShort {
        /// The file.
        path: PathBuf,
        /// Points needed (an exclusive end index).
        needed: u64,
        /// Points in the file.
        available: u64,
    },
    /// A point in the file is not a valid compressed point of the subgroup.
    #[error("{} point {index} is invalid: {source}", path.display())]
    BadPoint {
        /// The file.
        path: PathBuf,
        /// Index of the point in the file.
        index: u64,
        /// What is wrong with it.
        #[source]
        source: PointError,
    },
    /// More points were requested than this platform can address.
    #[error("{}: {points} points do not fit in memory on this platform", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Points requested.
        points: u64,
    },
    /// The requested number of points is zero or exceeds the SRS order.
    #[error("cannot load {requested} points from an SRS of order {order}")]
    BadPointCount {
        /// Points requested.
        requested: u64,
        /// The SRS order `D`.
        order: u64,
    },
    /// A development SRS larger than supported was requested.
    #[error("development SRS of {requested} points requested, at most {max} supported")]
    DevelopmentTooLarge {
        /// Points requested.
        requested: usize,
        /// The maximum.
        max: usize,
    },
    /// Neither `LAMINA_SRS_CACHE` nor `HOME` is set.
    #[error("no SRS cache directory: set LAMINA_SRS_CACHE (or HOME)")]
    NoCacheDir,
}

/// Which G2 powers an SRS load reads besides the short power-of-two tables.
///
/// Decompressing G2 points is most of a load's time (an `Fq2` square root each),
/// and only committers need the long G2 vectors: a node or a retriever verifying
/// frames, length proofs and rebuilt blobs starts in seconds with [`SrsScope::Verify`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SrsScope {
    /// Also the leading and trailing G2 powers, as many as G1 points (or as the
    /// files hold): what length commitments and length proofs need.
    #[default]
    Commit,
    /// G1 powers and the power-of-two tables only: what verification needs.
    /// [`Srs::g2`] and [`Srs::g2_trailing`] are empty.
    Verify,
}

/// Powers of a secret `tau` in G1 and G2.
///
/// `g1[i] = [tau^i]G1`. `g2` holds leading powers `[tau^i]G2` (possibly fewer
/// than `g1`, possibly none), `g2_power_of_2[i] = [tau^(2^i)]G2` (what frame
/// verification needs), `g2_trailing` the last powers
/// `[tau^(order - t + i)]G2` of the full setup (what length proofs need) and
/// `g1_reverse_power_of_2[i] = [tau^(order - 2^i)]G1` (what length-proof
/// verification needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srs {
    g1: Vec<G1Affine>,
    g2: Vec<G2Affine>,
    g2_power_of_2: Vec<G2Affine>,
    g2_trailing: Vec<G2Affine>,
    g1_reverse_power_of_2: Vec<G1Affine>,
    order: u64,
    insecure: bool,
}

impl Srs {
    /// Loads the first `num_g1_points` points of an EigenDA SRS directory,
    /// for the EigenDA setup order `D = 2^28`.
    ///
    /// Same as [`Srs::load_with_order`] with [`EIGENDA_SRS_ORDER`].
    ///
    /// # Errors
    /// See [`Srs::load_with_order`].
    pub fn load(dir: impl AsRef<Path>, num_g1_points: u64) -> Result<Self, SrsError> {
        Self::load_with_order(dir, num_g1_points, EIGENDA_SRS_ORDER)
    }

    /// Loads an SRS directory cut from a setup of order `order`, checking
    /// every point (on the curve, in the subgroup), decompressing in parallel.
    ///
    /// Reads `num_g1_points` points of `g1.point` (required) and up to as many
    /// of `g2.point` and of the end of `g2.trailing.point`; reads
    /// `g2.point.powerOf2` and `g1.point.reversePowerOf2` whole. Missing
    /// optional files leave the matching accessor empty: commitments still
    /// work, the G2 values that need them do not.
    ///
    /// # Errors
    /// [`SrsError`] naming the file and, for a bad point, its index.
    pub fn load_with_order(
        dir: impl AsRef<Path>,
        num_g1_points: u64,
        order: u64,
    ) -> Result<Self, SrsError> {
        Self::load_scoped(dir, num_g1_points, order, SrsScope::Commit)
    }

    /// [`Srs::load_with_order`], reading only the G2 powers `scope` needs.
    ///
    /// # Errors
    /// See [`Srs::load_with_order`].
    pub fn load_scoped(
        dir: impl AsRef<Path>,
        num_g1_points: u64,
        order: u64,
        scope: SrsScope,
    ) -> Result<Self, SrsError> {
        let reader = Reader {
            checks: Checks::Full,
            validated_cache: None,
        };
        Self::load_with(dir.as_ref(), num_g1_points, order, scope, reader)
    }

    /// [`Srs::load_scoped`] (every point checked), keeping the decoded points of
    /// each file range that passed every check in `validated_cache`: the next load
    /// of the same bytes reads them from there, checking each point on the curve
    /// and equal to the file's encoding but not again in the subgroup (the square
    /// roots and G2 subgroup checks are nearly all of a load's time; see
    /// `srs/validated.rs`). Use a directory only this user can write, such as
    /// [`Srs::default_validated_cache_dir`]. A cache that cannot be written is
    /// logged and otherwise ignored.
    ///
    /// # Errors
    /// See [`Srs::load_with_order`].
    pub fn load_scoped_with_cache(
        dir: impl AsRef<Path>,
        num_g1_points: u64,
        order: u64,
        scope: SrsScope,
        validated_cache: impl AsRef<Path>,
    ) -> Result<Self, SrsError> {
        let reader = Reader {
            checks: Checks::Full,
            validated_cache: Some(validated_cache.as_ref()),
        };
        Self::load_with(dir.as_ref(), num_g1_points, order, scope, reader)
    }

    /// `validated/` under [`Srs::default_cache_dir`]: where services keep SRS
    /// points they checked once.
    ///
    /// # Errors
    /// [`SrsError::NoCacheDir`] when neither variable is set.
    pub fn default_validated_cache_dir() -> Result<PathBuf, SrsError> {
        Ok(Self::default_cache_dir()?.join("validated"))
    }

    /// [`Srs::load_scoped`], reading points with `reader`.
    fn load_with(
        dir: &Path,
        num_g1_points: u64,
        order: u64,
        scope: SrsScope,
        reader: Reader<'_>,
    ) -> Result<Self, SrsError> {
        let checks = reader.checks;
        if num_g1_points == 0 || num_g1_points > order {
            return Err(SrsError::BadPointCount {
                requested: num_g1_points,
                order,
            });
        }
        let insecure = dir.join(INSECURE_MARKER_FILE).is_file();
        if insecure {
            tracing::warn!(
                dir = %dir.display(),
                "INSECURE development SRS: its secret is public, never use it outside development"
            );
        }

        let g1_path = dir.join(G1_FILE);
        let g1 = reader.read::<G1>(&g1_path, 0, num_g1_points)?;
        let g1_in_file = count_points::<G1>(&g1_path)?;

        let g2_path = dir.join(G2_FILE);
        let g2_in_file = optional_count::<G2>(&g2_path)?;
        // Verification reads none of the long G2 vectors.
        let g2_wanted = match scope {
            SrsScope::Commit => num_g1_points,
            SrsScope::Verify => 0,
        };
        let g2 = reader.read::<G2>(&g2_path, 0, g2_wanted.min(g2_in_file))?;

        let trailing_path = dir.join(G2_TRAILING_FILE);
        let trailing_in_file = optional_count::<G2>(&trailing_path)?;
        let g2_trailing = if g2_wanted == 0 {
            Vec::new()
        } else if trailing_in_file > 0 {
            let t = g2_wanted.min(trailing_in_file);
            reader.read::<G2>(&trailing_path, trailing_in_file - t, trailing_in_file)?
        } else if g2_in_file >= order {
            // g2.point holds the whole setup: its tail is the trailing points.
            let t = g2_wanted.min(order);
            reader.read::<G2>(&g2_path, order - t, order)?
        } else {
            Vec::new()
        };

        let pow2_path = dir.join(G2_POWER_OF_2_FILE);
        let pow2_in_file = optional_count::<G2>(&pow2_path)?;
        let g2_power_of_2 = reader.read::<G2>(&pow2_path, 0, pow2_in_file)?;

        let reverse_path = dir.join(G1_REVERSE_POWER_OF_2_FILE);
        let reverse_in_file = optional_count::<G1>(&reverse_path)?;
        let g1_reverse_power_of_2 = if reverse_in_file > 0 {
            reader.read::<G1>(&reverse_path, 0, reverse_in_file)?
        } else if g1_in_file >= order {
            read_points_at::<G1>(&g1_path, &reverse_power_indices(order), checks)?
        } else {
            Vec::new()
        };

        Ok(Self {
            g1,
            g2,
            g2_power_of_2,
            g2_trailing,
            g1_reverse_power_of_2,
            order,
            insecure,
        })
    }

    /// The G1 points, for tests that damage an SRS.
    #[cfg(test)]
    pub(crate) fn g1_mut(&mut self) -> &mut Vec<G1Affine> {
        &mut self.g1
    }

    /// `[tau^i]G1` for `i = 0..len`.
    pub fn g1(&self) -> &[G1Affine] {
        &self.g1
    }

    /// Leading powers `[tau^i]G2` for `i = 0..len` (may be empty).
    pub fn g2(&self) -> &[G2Affine] {
        &self.g2
    }

    /// `[tau^(2^i)]G2`, for `i = 0..len`.
    pub fn g2_power_of_2(&self) -> &[G2Affine] {
        &self.g2_power_of_2
    }

    /// The last powers of the full setup: `[tau^(order - len + i)]G2`.
    pub fn g2_trailing(&self) -> &[G2Affine] {
        &self.g2_trailing
    }

    /// `[tau^(order - 2^i)]G1`, for `i = 0..len` (may be empty).
    pub fn g1_reverse_power_of_2(&self) -> &[G1Affine] {
        &self.g1_reverse_power_of_2
    }

    /// The order `D` of the full setup the points were cut from.
    pub fn order(&self) -> u64 {
        self.order
    }

    /// Whether this SRS was generated from a known seed (never for production).
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }
}

/// `D - 2^i` for every `2^i < D`: the G1 powers that verify length proofs.
fn reverse_power_indices(order: u64) -> Vec<u64> {
    (0..64)
        .map(|i| 1u64 << i)
        .take_while(|&p| p < order)
        .map(|p| order - p)
        .collect()
}

/// Points in an optional file: 0 when it does not exist.
fn optional_count<P: files::CompressedPoint>(path: &Path) -> Result<u64, SrsError> {
    if path.exists() {
        count_points::<P>(path)
    } else {
        Ok(0)
    }
}

/// How [`Srs::load_with`] reads a range of points: with which checks, and
/// through which validated-points cache (full checks only).
#[derive(Clone, Copy)]
struct Reader<'a> {
    checks: Checks,
    validated_cache: Option<&'a Path>,
}

impl Reader<'_> {
    fn read<P: files::CompressedPoint>(
        &self,
        path: &Path,
        from: u64,
        to: u64,
    ) -> Result<Vec<P::Point>, SrsError> {
        match (self.checks, self.validated_cache) {
            (Checks::Full, Some(cache)) => {
                validated::read_points_validated::<P>(path, from, to, cache)
            }
            (Checks::Full | Checks::OnCurve, _) => read_points::<P>(path, from, to, self.checks),
        }
    }
}

#[cfg(test)]
mod tests;
