//! The development SRS every service of a devnet loads. Generating it is slow (and
//! services that find the cache empty would all generate it at once), so the devnet
//! generates it once, before starting any service, when the cache lacks points.

use std::path::PathBuf;

use lamina_encoding::{DEVELOPMENT_SEED, MAX_BLOB_SYMBOLS, Srs};

use crate::DevnetError;

/// Bytes of one compressed G1 / G2 point in the cache files.
const G1_BYTES: u64 = 32;
const G2_BYTES: u64 = 64;

fn cache_dir() -> Result<PathBuf, DevnetError> {
    Ok(Srs::default_cache_dir()
        .map_err(|e| DevnetError::Format {
            what: "SRS cache",
            reason: e.to_string(),
        })?
        .join(format!("insecure-development-seed-{DEVELOPMENT_SEED}")))
}

/// Whether the cache already holds `points` G1 points and their G2 companions (a
/// cheap size check; the services' own load verifies the contents).
fn cached(points: usize) -> Result<bool, DevnetError> {
    let dir = cache_dir()?;
    let g2 = points.min(MAX_BLOB_SYMBOLS) as u64;
    let len = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    Ok(len("g1.point") >= points as u64 * G1_BYTES
        && len("g2.point") >= g2 * G2_BYTES
        && len("g2.trailing.point") >= g2 * G2_BYTES)
}

/// Generates and caches the development SRS with `points` G1 points unless the cache
/// holds it already.
pub async fn ensure_development_srs(points: usize) -> Result<(), DevnetError> {
    if cached(points)? {
        return Ok(());
    }
    tracing::info!(
        points,
        "generating the development SRS once for every service"
    );
    tokio::task::spawn_blocking(move || Srs::development_cached(points).map(drop))
        .await
        .map_err(|e| DevnetError::Format {
            what: "SRS task",
            reason: e.to_string(),
        })?
        .map_err(|e| DevnetError::Format {
            what: "development SRS",
            reason: e.to_string(),
        })
}
