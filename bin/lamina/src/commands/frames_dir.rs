//! The on-disk layout `lamina blob encode` writes and `lamina blob decode`
//! reads: one file per frame (`frame-<index>.bin`, EigenDA's frame bytes) and
//! a `manifest.json` with the blob's commitments and chunk shape.

use std::path::{Path, PathBuf};

use lamina_encoding::EncodingParams;
use serde::{Deserialize, Serialize};

/// File name of the manifest inside a frames directory.
pub(crate) const MANIFEST_FILE: &str = "manifest.json";

/// What a frames directory holds besides the frames.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// Blob version, when the blob was encoded with one.
    pub(crate) version: Option<u16>,
    /// Number of chunks.
    pub(crate) num_chunks: u64,
    /// Reed-Solomon coding rate.
    pub(crate) coding_rate: u32,
    /// Symbols per chunk.
    pub(crate) chunk_length: u64,
    /// Blob length in symbols.
    pub(crate) blob_symbols: u64,
    /// G1 commitment, hex of the 32-byte compressed point.
    pub(crate) commitment: String,
    /// G2 length commitment (hex), when the SRS had the points for it.
    pub(crate) length_commitment: Option<String>,
    /// G2 length proof (hex), when the SRS had the points for it.
    pub(crate) length_proof: Option<String>,
}

impl Manifest {
    pub(crate) fn shape(&self) -> EncodingParams {
        EncodingParams {
            num_chunks: self.num_chunks,
            chunk_length: self.chunk_length,
        }
    }
}

/// Path of frame `index` in `dir`.
pub(crate) fn frame_path(dir: &Path, index: u32) -> PathBuf {
    dir.join(format!("frame-{index:05}.bin"))
}

/// Parses a frame file name back into its index.
pub(crate) fn frame_index(name: &str) -> Option<u32> {
    name.strip_prefix("frame-")?
        .strip_suffix(".bin")?
        .parse()
        .ok()
}
