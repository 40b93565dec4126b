//! EigenDA's SRS point files: raw concatenations of compressed points, no
//! header (32 bytes per G1 point, 64 per G2 point).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ark_bn254::{G1Affine, G2Affine};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use super::SrsError;
use crate::point::{
    G1_COMPRESSED_BYTES, G2_COMPRESSED_BYTES, PointError, g1_from_bytes, g1_to_bytes,
    g2_from_bytes, g2_from_bytes_on_curve, g2_to_bytes,
};

/// `[tau^i]G1`, from `i = 0`.
pub(crate) const G1_FILE: &str = "g1.point";
/// `[tau^i]G2`, from `i = 0`.
pub(crate) const G2_FILE: &str = "g2.point";
/// The last points `[tau^(D - t + i)]G2` of the order-`D` setup.
pub(crate) const G2_TRAILING_FILE: &str = "g2.trailing.point";
/// `[tau^(2^i)]G2`, from `i = 0`.
pub(crate) const G2_POWER_OF_2_FILE: &str = "g2.point.powerOf2";
/// Lamina's addition: `[tau^(D - 2^i)]G1`, from `i = 0` (EigenDA compiles
/// these into its binaries as `G1ReversePowerOf2SRS`).
pub(crate) const G1_REVERSE_POWER_OF_2_FILE: &str = "g1.point.reversePowerOf2";
/// Present (with the seed inside) in directories holding a development SRS.
pub(crate) const INSECURE_MARKER_FILE: &str = "INSECURE-DEVELOPMENT-SRS";

/// A fixed-size compressed point encoding (one per group).
pub(crate) trait CompressedPoint {
    /// The decoded point.
    type Point: Send
        + Sync
        + ark_serialize::CanonicalSerialize
        + ark_serialize::CanonicalDeserialize;
    /// Bytes per point.
    const BYTES: usize;
    /// The group's name in file names: `g1` or `g2`.
    const NAME: &'static str;
    /// Whether a decoded point lies on the curve.
    fn is_on_curve(point: &Self::Point) -> bool;
    /// Decodes and checks one point; `bytes.len() == Self::BYTES`.
    fn decode(bytes: &[u8]) -> Result<Self::Point, PointError>;
    /// Decodes one point checking only that it is on the curve.
    fn decode_on_curve(bytes: &[u8]) -> Result<Self::Point, PointError>;
    /// Encodes one point into `out`; `out.len() == Self::BYTES`.
    fn encode(point: &Self::Point, out: &mut [u8]);
}

/// G1 points, 32 bytes each.
pub(crate) enum G1 {}
/// G2 points, 64 bytes each.
pub(crate) enum G2 {}

impl CompressedPoint for G1 {
    type Point = G1Affine;
    const BYTES: usize = G1_COMPRESSED_BYTES;
    const NAME: &'static str = "g1";
    fn is_on_curve(point: &G1Affine) -> bool {
        point.is_on_curve()
    }
    fn decode(bytes: &[u8]) -> Result<G1Affine, PointError> {
        let mut a = [0u8; G1_COMPRESSED_BYTES];
        a.copy_from_slice(bytes);
        g1_from_bytes(&a)
    }
    fn decode_on_curve(bytes: &[u8]) -> Result<G1Affine, PointError> {
        // cofactor 1: on the curve is in the subgroup
        Self::decode(bytes)
    }
    fn encode(point: &G1Affine, out: &mut [u8]) {
        out.copy_from_slice(&g1_to_bytes(point));
    }
}

impl CompressedPoint for G2 {
    type Point = G2Affine;
    const BYTES: usize = G2_COMPRESSED_BYTES;
    const NAME: &'static str = "g2";
    fn is_on_curve(point: &G2Affine) -> bool {
        point.is_on_curve()
    }
    fn decode(bytes: &[u8]) -> Result<G2Affine, PointError> {
        let mut a = [0u8; G2_COMPRESSED_BYTES];
        a.copy_from_slice(bytes);
        g2_from_bytes(&a)
    }
    fn decode_on_curve(bytes: &[u8]) -> Result<G2Affine, PointError> {
        let mut a = [0u8; G2_COMPRESSED_BYTES];
        a.copy_from_slice(bytes);
        g2_from_bytes_on_curve(&a)
    }
    fn encode(point: &G2Affine, out: &mut [u8]) {
        out.copy_from_slice(&g2_to_bytes(point));
    }
}

/// How much of each point to check when reading a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checks {
    /// On the curve and in the prime-order subgroup: for any file.
    Full,
    /// On the curve only: for files whose digest matches one we recorded when
    /// we computed the points (subgroup members by construction).
    OnCurve,
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SrsError + '_ {
    move |source| SrsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Number of points in a file, which must hold whole points.
pub(crate) fn count_points<P: CompressedPoint>(path: &Path) -> Result<u64, SrsError> {
    let bytes = std::fs::metadata(path).map_err(io_error(path))?.len();
    if bytes % P::BYTES as u64 != 0 {
        return Err(SrsError::PartialPoint {
            path: path.to_path_buf(),
            bytes,
            point_bytes: P::BYTES,
        });
    }
    Ok(bytes / P::BYTES as u64)
}

/// Reads points `from..to` of a file, decompressing and checking each one
/// (in parallel).
pub(crate) fn read_points<P: CompressedPoint>(
    path: &Path,
    from: u64,
    to: u64,
    checks: Checks,
) -> Result<Vec<P::Point>, SrsError> {
    if to <= from {
        return Ok(Vec::new());
    }
    let available = count_points::<P>(path)?;
    if to > available {
        return Err(SrsError::FileTooShort {
            path: path.to_path_buf(),
            needed: to,
            available,
        });
    }
    let buf = read_range::<P>(path, from, to)?;
    decode_all::<P>(path, from, &buf, checks)
}

/// The compressed bytes of points `from..to` (`from < to <= count`) of a file.
pub(crate) fn read_range<P: CompressedPoint>(
    path: &Path,
    from: u64,
    to: u64,
) -> Result<Vec<u8>, SrsError> {
    let count = usize::try_from(to - from).map_err(|_| SrsError::TooLarge {
        path: path.to_path_buf(),
        points: to - from,
    })?;
    let mut buf = vec![0u8; count * P::BYTES];
    let mut file = File::open(path).map_err(io_error(path))?;
    file.seek(SeekFrom::Start(from * P::BYTES as u64))
        .map_err(io_error(path))?;
    file.read_exact(&mut buf).map_err(io_error(path))?;
    Ok(buf)
}

/// Reads the points at the given indices (few, scattered points).
pub(crate) fn read_points_at<P: CompressedPoint>(
    path: &Path,
    indices: &[u64],
    checks: Checks,
) -> Result<Vec<P::Point>, SrsError> {
    let mut points = Vec::with_capacity(indices.len());
    for &i in indices {
        points.extend(read_points::<P>(path, i, i + 1, checks)?);
    }
    Ok(points)
}

pub(crate) fn decode_all<P: CompressedPoint>(
    path: &Path,
    from: u64,
    buf: &[u8],
    checks: Checks,
) -> Result<Vec<P::Point>, SrsError> {
    let decode = |(i, chunk): (usize, &[u8])| {
        let point = match checks {
            Checks::Full => P::decode(chunk),
            Checks::OnCurve => P::decode_on_curve(chunk),
        };
        point.map_err(|source| SrsError::BadPoint {
            path: path.to_path_buf(),
            index: from + i as u64,
            source,
        })
    };
    #[cfg(feature = "parallel")]
    let points = buf
        .par_chunks_exact(P::BYTES)
        .enumerate()
        .map(decode)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let points = buf.chunks_exact(P::BYTES).enumerate().map(decode).collect();
    points
}

/// Writes points to `path` atomically (a temporary file renamed into place),
/// so a concurrent reader never sees a half-written file.
pub(crate) fn write_points<P: CompressedPoint>(
    path: &Path,
    points: &[P::Point],
) -> Result<(), SrsError> {
    let mut buf = vec![0u8; points.len() * P::BYTES];
    #[cfg(feature = "parallel")]
    buf.par_chunks_exact_mut(P::BYTES)
        .zip(points)
        .for_each(|(out, p)| P::encode(p, out));
    #[cfg(not(feature = "parallel"))]
    buf.chunks_exact_mut(P::BYTES)
        .zip(points)
        .for_each(|(out, p)| P::encode(p, out));
    write_atomically(path, &buf)
}

/// Writes `bytes` to a temporary sibling of `path`, then renames it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SrsError> {
    let tmp = temp_sibling(path);
    let written = File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .map_err(io_error(&tmp))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io_error(path)));
    if written.is_err() {
        // Nothing half-written stays behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A sibling name no other writer uses: unique per process and, within a process,
/// per call (threads of one test binary may write the same file at once).
fn temp_sibling(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

/// `sha256sum`-format digests of the point files of a directory we generated.
pub(crate) const DIGESTS_FILE: &str = "lamina-srs.sha256";

/// Every point file a directory may hold, in the order they are written.
pub(crate) const POINT_FILES: [&str; 5] = [
    G1_FILE,
    G2_FILE,
    G2_TRAILING_FILE,
    G2_POWER_OF_2_FILE,
    G1_REVERSE_POWER_OF_2_FILE,
];

fn file_digest(path: &Path) -> Result<String, SrsError> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io_error(path))?;
    Ok(hex_lower(&hasher.finalize()))
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records the digests of the point files in `dir` (`sha256sum -c` can check them).
pub(crate) fn write_digests(dir: &Path) -> Result<(), SrsError> {
    let mut lines = String::new();
    for name in POINT_FILES {
        lines.push_str(&format!("{}  {name}\n", file_digest(&dir.join(name))?));
    }
    write_atomically(&dir.join(DIGESTS_FILE), lines.as_bytes())
}

/// Whether every point file in `dir` still has the digest recorded for it.
pub(crate) fn digests_match(dir: &Path) -> bool {
    let Ok(recorded) = std::fs::read_to_string(dir.join(DIGESTS_FILE)) else {
        return false;
    };
    POINT_FILES.iter().all(|name| {
        let Ok(actual) = file_digest(&dir.join(name)) else {
            return false;
        };
        recorded
            .lines()
            .any(|line| line == format!("{actual}  {name}"))
    })
}
