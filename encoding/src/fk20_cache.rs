//! FK20 tables on disk, keyed by the SRS points they were built from and the shape.
//!
//! Building the table of a shape from real SRS points takes `L` G1 FFTs of `2m`
//! points (20–24 s at 1 MiB on 2 cores); reading it back takes a fraction of a
//! second. A file is named and headed by the SHA-256 digest of the G1 points the
//! table depends on (`[tau^i]G1` for `i < n`, in EigenDA's compressed encoding)
//! and by the shape `(n, L)`, so tables of two SRSs never mix (EigenDA's cache is
//! keyed by the shape alone).
//!
//! # File format (`fk20-n<n>-l<L>-<srs digest>.table`)
//!
//! | bytes | content |
//! |-------|---------|
//! | 16 | magic `LAMINA-FK20-TAB1` |
//! | 8 + 8 | `n`, `L` (u64, little-endian) |
//! | 32 | SHA-256 of the SRS points `[tau^i]G1`, `i < n` (compressed, EigenDA's form) |
//! | 8 | number of points (`2n`) |
//! | 64 each | the points, arkworks' uncompressed form (`x`, `y` little-endian, flags in `y`) |
//! | 32 | SHA-256 of everything above |
//!
//! Files are written atomically (a temporary sibling renamed into place). On load
//! the name, header, length and trailing digest are checked and every point is
//! checked to be on the curve (BN254 G1 has cofactor 1: that is the subgroup
//! check); any mismatch is reported as a [`TableCacheError`], and the encoder
//! rebuilds the table (with a warning) and rewrites the file.

use std::path::{Path, PathBuf};

use ark_bn254::{G1Affine, G1Projective};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::fk20::Fk20Table;
use crate::point::g1_to_bytes;
use crate::srs::{Srs, SrsError};

/// Environment variable naming the FK20 table cache directory.
pub const FK20_CACHE_ENV: &str = "LAMINA_FK20_CACHE";

const MAGIC: &[u8; 16] = b"LAMINA-FK20-TAB1";
const HEADER_BYTES: usize = 16 + 8 + 8 + 32 + 8;
const POINT_BYTES: usize = 64;
const DIGEST_BYTES: usize = 32;

/// Why a cached table could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TableCacheError {
    /// No cached table for this key.
    #[error("{}: no cached table", path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// Reading, writing or renaming failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a table for this SRS and shape, or is damaged.
    #[error("{}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
}

/// A directory of FK20 tables. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCache {
    dir: PathBuf,
}

/// What identifies a table: the digest of the SRS points it was built from, and
/// the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableKey {
    /// SHA-256 of `[tau^i]G1`, `i < blob_len`, in EigenDA's compressed form.
    pub srs_digest: [u8; 32],
    /// Blob length in symbols.
    pub blob_len: usize,
    /// Chunk length.
    pub chunk_length: usize,
}

impl TableKey {
    /// The key of the table of shape `(blob_len, chunk_length)` over `srs`;
    /// `None` when the SRS has fewer than `blob_len` G1 points.
    pub fn new(srs: &Srs, blob_len: usize, chunk_length: usize) -> Option<Self> {
        let points = srs.g1().get(..blob_len)?;
        Some(Self {
            srs_digest: g1_digest(points),
            blob_len,
            chunk_length,
        })
    }

    fn file_name(&self) -> String {
        format!(
            "fk20-n{}-l{}-{}.table",
            self.blob_len,
            self.chunk_length,
            hex(&self.srs_digest)
        )
    }
}

impl TableCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default cache: `$LAMINA_FK20_CACHE`, else `fk20-tables` under the SRS
    /// cache root ([`Srs::default_cache_dir`]: `$LAMINA_SRS_CACHE`, else
    /// `$HOME/.cache/lamina/srs`).
    ///
    /// # Errors
    /// [`SrsError::NoCacheDir`] when none of these variables is set.
    pub fn default_dir() -> Result<PathBuf, SrsError> {
        if let Some(dir) = std::env::var_os(FK20_CACHE_ENV) {
            return Ok(PathBuf::from(dir));
        }
        Ok(Srs::default_cache_dir()?.join("fk20-tables"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the table of `key`.
    pub fn path(&self, key: &TableKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// Reads the table of `key`, checking every byte against the key and the
    /// file's digest and every point against the curve.
    ///
    /// # Errors
    /// [`TableCacheError::Missing`] when there is no file,
    /// [`TableCacheError::Corrupt`] when it does not check out,
    /// [`TableCacheError::Io`] when it cannot be read.
    pub fn load(&self, key: &TableKey) -> Result<Fk20Table<G1Projective>, TableCacheError> {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TableCacheError::Missing { path });
            }
            Err(source) => return Err(TableCacheError::Io { path, source }),
        };
        let corrupt = |reason: String| TableCacheError::Corrupt {
            path: path.clone(),
            reason,
        };
        let count = key
            .blob_len
            .checked_mul(2)
            .ok_or_else(|| corrupt("shape too large".into()))?;
        let want_len = HEADER_BYTES + count * POINT_BYTES + DIGEST_BYTES;
        if bytes.len() != want_len {
            return Err(corrupt(format!(
                "{} bytes, a table of {count} points has {want_len}",
                bytes.len()
            )));
        }
        let (body, digest) = bytes.split_at(want_len - DIGEST_BYTES);
        if Sha256::digest(body).as_slice() != digest {
            return Err(corrupt("content does not match its digest".into()));
        }
        if body[..HEADER_BYTES] != header(key, count) {
            return Err(corrupt(
                "header names another SRS or shape than the file name".into(),
            ));
        }
        let decode = |(i, chunk): (usize, &[u8])| {
            G1Affine::deserialize_with_mode(chunk, Compress::No, Validate::Yes)
                .map_err(|e| corrupt(format!("point {i}: {e}")))
        };
        let points = &body[HEADER_BYTES..];
        #[cfg(feature = "parallel")]
        let bases: Result<Vec<G1Affine>, _> = points
            .par_chunks_exact(POINT_BYTES)
            .enumerate()
            .map(decode)
            .collect();
        #[cfg(not(feature = "parallel"))]
        let bases: Result<Vec<G1Affine>, _> = points
            .chunks_exact(POINT_BYTES)
            .enumerate()
            .map(decode)
            .collect();
        Fk20Table::from_bases(key.blob_len, key.chunk_length, bases?)
            .ok_or_else(|| corrupt("not a valid table shape".into()))
    }

    /// Writes the table of `key` atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`TableCacheError::Io`] when the directory or file cannot be written;
    /// [`TableCacheError::Corrupt`] when `table` is not of `key`'s shape.
    pub fn store(
        &self,
        key: &TableKey,
        table: &Fk20Table<G1Projective>,
    ) -> Result<(), TableCacheError> {
        let path = self.path(key);
        if table.blob_len() != key.blob_len || table.chunk_length() != key.chunk_length {
            return Err(TableCacheError::Corrupt {
                path,
                reason: format!(
                    "table of shape ({}, {}) stored under ({}, {})",
                    table.blob_len(),
                    table.chunk_length(),
                    key.blob_len,
                    key.chunk_length
                ),
            });
        }
        let bases = table.bases();
        let mut bytes = vec![0u8; HEADER_BYTES + bases.len() * POINT_BYTES];
        bytes[..HEADER_BYTES].copy_from_slice(&header(key, bases.len()));
        let encode = |(out, p): (&mut [u8], &G1Affine)| {
            // invariant: an affine point is 64 bytes uncompressed, the buffer's size
            p.serialize_with_mode(out, Compress::No)
                .expect("64-byte buffer holds an uncompressed G1 point");
        };
        #[cfg(feature = "parallel")]
        bytes[HEADER_BYTES..]
            .par_chunks_exact_mut(POINT_BYTES)
            .zip(bases)
            .for_each(encode);
        #[cfg(not(feature = "parallel"))]
        bytes[HEADER_BYTES..]
            .chunks_exact_mut(POINT_BYTES)
            .zip(bases)
            .for_each(encode);
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        std::fs::create_dir_all(&self.dir).map_err(|source| TableCacheError::Io {
            path: self.dir.clone(),
            source,
        })?;
        crate::srs::write_atomically(&path, &bytes).map_err(|e| match e {
            SrsError::Io { path, source } => TableCacheError::Io { path, source },
            other => TableCacheError::Corrupt {
                path: path.clone(),
                reason: other.to_string(),
            },
        })
    }
}

fn header(key: &TableKey, count: usize) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[..16].copy_from_slice(MAGIC);
    h[16..24].copy_from_slice(&(key.blob_len as u64).to_le_bytes());
    h[24..32].copy_from_slice(&(key.chunk_length as u64).to_le_bytes());
    h[32..64].copy_from_slice(&key.srs_digest);
    h[64..72].copy_from_slice(&(count as u64).to_le_bytes());
    h
}

/// SHA-256 of the points in EigenDA's compressed encoding (as in `g1.point`).
fn g1_digest(points: &[G1Affine]) -> [u8; 32] {
    #[cfg(feature = "parallel")]
    let encoded: Vec<[u8; 32]> = points.par_iter().map(g1_to_bytes).collect();
    #[cfg(not(feature = "parallel"))]
    let encoded: Vec<[u8; 32]> = points.iter().map(g1_to_bytes).collect();
    let mut hasher = Sha256::new();
    hasher.update(b"lamina/fk20-table/srs-g1/v1");
    for p in &encoded {
        hasher.update(p);
    }
    hasher.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
