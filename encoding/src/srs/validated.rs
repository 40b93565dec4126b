//! Decoded SRS points cached on disk after one full check, so that a service
//! restarting on the same SRS files skips the square roots and the G2
//! subgroup checks (nearly all of a load's time) without trusting the files
//! any less.
//!
//! An entry is keyed by the SHA-256 of the exact compressed bytes it was
//! decoded from (the range of the file that was read), and is written only
//! after every point of that range passed [`Checks::Full`]. On a hit each
//! cached point is still checked to be on the curve and to compress to
//! exactly the bytes of the file: the entry can only ever yield the points
//! the file encodes. What the entry vouches for is the subgroup membership
//! checked when it was written, so the cache directory must be as trusted
//! as the binary (it lives under the user's cache directory, like the FK20
//! tables and the development SRS).
//!
//! # Entry format (`<g1|g2>-<points>-<sha256 of the compressed bytes>.points`)
//!
//! | bytes | content |
//! |-------|---------|
//! | 16 | magic `LAMINA-SRS-PTS-1` |
//! | 64 (G1) / 128 (G2) each | the points, arkworks' uncompressed form |
//!
//! A damaged or mismatching entry is reported with a warning, the range is
//! decoded with every check, and the entry is rewritten.

use std::path::{Path, PathBuf};

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::SrsError;
use super::files::{Checks, CompressedPoint, decode_all, hex_lower, read_range, write_atomically};

const MAGIC: &[u8; 16] = b"LAMINA-SRS-PTS-1";

/// Points `from..to` of the SRS file `path`, every point checked on the
/// curve, in the subgroup and equal to the file's bytes, from the cache
/// `cache_dir` when it holds them (then without the subgroup checks, see the
/// module docs), otherwise decoded with every check and cached. A cache that
/// cannot be written is logged and otherwise ignored.
pub(crate) fn read_points_validated<P: CompressedPoint>(
    path: &Path,
    from: u64,
    to: u64,
    cache_dir: &Path,
) -> Result<Vec<P::Point>, SrsError> {
    if to <= from {
        return Ok(Vec::new());
    }
    let available = super::files::count_points::<P>(path)?;
    if to > available {
        return Err(SrsError::FileTooShort {
            path: path.to_path_buf(),
            needed: to,
            available,
        });
    }
    let compressed = read_range::<P>(path, from, to)?;
    let entry = entry_path::<P>(cache_dir, &compressed);
    match load_entry::<P>(&entry, &compressed) {
        Ok(Some(points)) => return Ok(points),
        Ok(None) => {}
        Err(reason) => tracing::warn!(
            entry = %entry.display(),
            %reason,
            "validated SRS cache entry rejected; checking every point again"
        ),
    }
    let points = decode_all::<P>(path, from, &compressed, Checks::Full)?;
    if let Err(err) = store_entry::<P>(cache_dir, &entry, &points) {
        tracing::warn!(%err, "could not cache validated SRS points");
    }
    Ok(points)
}

/// `cache_dir/<g1|g2>-<points>-<digest>.points`.
pub(crate) fn entry_path<P: CompressedPoint>(cache_dir: &Path, compressed: &[u8]) -> PathBuf {
    let digest = Sha256::digest(compressed);
    cache_dir.join(format!(
        "{}-{}-{}.points",
        P::NAME,
        compressed.len() / P::BYTES,
        hex_lower(&digest)
    ))
}

/// The entry's points, `Ok(None)` if there is no entry, `Err(reason)` if it
/// exists but does not hold exactly the points `compressed` encodes.
fn load_entry<P: CompressedPoint>(
    entry: &Path,
    compressed: &[u8],
) -> Result<Option<Vec<P::Point>>, String> {
    let bytes = match std::fs::read(entry) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let count = compressed.len() / P::BYTES;
    let raw = raw_bytes::<P>();
    let Some(body) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err("bad magic".into());
    };
    if body.len() != count * raw {
        return Err(format!(
            "{} bytes of points, expected {} ({count} points)",
            body.len(),
            count * raw
        ));
    }
    let decode = |(raw_point, file_point): (&[u8], &[u8])| -> Option<P::Point> {
        let point = P::Point::deserialize_uncompressed_unchecked(raw_point).ok()?;
        if !P::is_on_curve(&point) {
            return None;
        }
        let mut again = [0u8; 64];
        P::encode(&point, &mut again[..P::BYTES]);
        (again[..P::BYTES] == *file_point).then_some(point)
    };
    #[cfg(feature = "parallel")]
    let points: Option<Vec<P::Point>> = body
        .par_chunks_exact(raw)
        .zip(compressed.par_chunks_exact(P::BYTES))
        .map(decode)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let points: Option<Vec<P::Point>> = body
        .chunks_exact(raw)
        .zip(compressed.chunks_exact(P::BYTES))
        .map(decode)
        .collect();
    points
        .map(Some)
        .ok_or_else(|| "a cached point is off the curve or differs from the file's".into())
}

fn store_entry<P: CompressedPoint>(
    cache_dir: &Path,
    entry: &Path,
    points: &[P::Point],
) -> Result<(), SrsError> {
    std::fs::create_dir_all(cache_dir).map_err(|source| SrsError::Io {
        path: cache_dir.to_path_buf(),
        source,
    })?;
    let raw = raw_bytes::<P>();
    let mut bytes = vec![0u8; MAGIC.len() + points.len() * raw];
    bytes[..MAGIC.len()].copy_from_slice(MAGIC);
    let encode = |(out, point): (&mut [u8], &P::Point)| {
        // invariant: `out` is exactly one uncompressed point long, so writing
        // into it cannot fail
        let written = point.serialize_uncompressed(out);
        debug_assert!(written.is_ok(), "{written:?}");
    };
    #[cfg(feature = "parallel")]
    bytes[MAGIC.len()..]
        .par_chunks_exact_mut(raw)
        .zip(points)
        .for_each(encode);
    #[cfg(not(feature = "parallel"))]
    bytes[MAGIC.len()..]
        .chunks_exact_mut(raw)
        .zip(points)
        .for_each(encode);
    write_atomically(entry, &bytes)
}

/// Bytes of one point in arkworks' uncompressed form: both coordinates, twice
/// the compressed form's one (BN254's spare top bits hold the flags in both).
fn raw_bytes<P: CompressedPoint>() -> usize {
    2 * P::BYTES
}
