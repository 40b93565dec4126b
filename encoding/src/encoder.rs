//! The frame encoder: a blob's chunks (Reed-Solomon) and their FK20 proofs,
//! with the SRS-derived FK20 tables cached per shape in memory and, optionally,
//! on disk ([`TableCache`], keyed by the SRS points' digest and the shape).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::codec::Blob;
use crate::fft::reverse_bits;
use crate::fk20::{Fk20Error, Fk20Table};
use crate::fk20_cache::{TableCache, TableCacheError, TableKey};
use crate::frame::Frame;
use crate::params::{BlobParams, EncodingParams, ParamsError};
use crate::rs::{self, RsError};
use crate::srs::Srs;

/// FK20 table over BN254 G1.
pub type Bn254Fk20Table = Fk20Table<G1Projective>;

/// Why a blob cannot be encoded into frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The blob version or blob length is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// Reed-Solomon extension failed.
    #[error(transparent)]
    Rs(#[from] RsError),
    /// FK20 proof generation failed (usually: SRS too small).
    #[error(transparent)]
    Fk20(#[from] Fk20Error),
}

/// Encodes blobs into frames. Cheap to share (`Arc`); tables are built on
/// first use of a `(blob length, chunk length)` and kept.
///
/// ```
/// use std::sync::Arc;
/// use lamina_encoding::{Blob, BlobFrames, BlobParams, Encoder, Srs, commit, decode_checked, verify_frames};
///
/// let srs = Arc::new(Srs::insecure_development(1, 128));
/// let blob = Blob::from_payload(b"hello, lamina")?;
/// let params = BlobParams::V1_DEVNET;
/// let shape = params.encoding_params(blob.len_symbols() as u64)?;
/// let commitment = commit(&srs, &blob)?;
///
/// let frames: Vec<(u32, _)> = Encoder::new(srs.clone()).encode(&blob, params)?
///     .into_iter().enumerate().map(|(i, f)| (i as u32, f)).collect();
/// verify_frames(&srs, &[BlobFrames { commitment, params: shape, frames: &frames }])?;
///
/// // Any num_chunks / coding_rate chunks rebuild the blob.
/// let some: Vec<_> = frames.iter().rev().take(8).cloned().collect();
/// let coeffs = decode_checked(&srs, &commitment, &some, shape, blob.len_symbols() as u64)?;
/// assert_eq!(Blob::from_coeffs(coeffs)?.to_payload()?, b"hello, lamina");
/// # Ok::<(), lamina_encoding::Error>(())
/// ```
#[derive(Debug)]
pub struct Encoder {
    srs: Arc<Srs>,
    /// std `Mutex`: held only to look up or insert a table, never while one is
    /// computed, so two threads may build the same table once each at worst.
    tables: Mutex<HashMap<(usize, usize), Arc<Bn254Fk20Table>>>,
    /// The secret of an INSECURE development SRS, when known and checked:
    /// builds FK20 tables with field FFTs instead of G1 FFTs.
    insecure_trapdoor: Option<Fr>,
    /// Where tables built from the SRS points are kept between processes.
    disk: Option<TableCache>,
    /// Most bytes of window multiples one table may keep ([`Fk20Table::prepare_fixed_bases`]).
    fixed_bases_limit: usize,
}

/// Default for [`Encoder::with_fixed_bases_limit`]: 256 MiB per table, which
/// covers version 0 blobs up to 2 MiB (135 MiB at 1 MiB, 234 MiB at 2 MiB; 16 MB would need 864).
pub const DEFAULT_FIXED_BASES_LIMIT: usize = 256 << 20;

impl Encoder {
    /// An encoder over `srs`.
    pub fn new(srs: Arc<Srs>) -> Self {
        Self {
            srs,
            tables: Mutex::new(HashMap::new()),
            insecure_trapdoor: None,
            disk: None,
            fixed_bases_limit: DEFAULT_FIXED_BASES_LIMIT,
        }
    }

    /// Lets each FK20 table keep up to `bytes` of its bases' window multiples
    /// (speeding up its Toeplitz MSMs about twofold for chunks of 8 to 64
    /// symbols); a shape that needs more does without. 0 turns them off.
    pub fn with_fixed_bases_limit(mut self, bytes: usize) -> Self {
        self.fixed_bases_limit = bytes;
        self
    }

    /// Keeps the FK20 tables this encoder builds from the SRS points in `cache`,
    /// and reads them from there instead of rebuilding them (a table of a 1 MiB
    /// blob takes 20–24 s to build on 2 cores, well under a second to read). Files
    /// are keyed by the digest of the SRS points used and the shape, checked on
    /// load, and rebuilt with a warning when they do not check out. Tables made
    /// from an insecure development secret are built in seconds and not cached.
    pub fn with_table_cache(mut self, cache: TableCache) -> Self {
        self.disk = Some(cache);
        self
    }

    /// The disk cache of FK20 tables, if any.
    pub fn table_cache(&self) -> Option<&TableCache> {
        self.disk.as_ref()
    }

    /// An encoder over an INSECURE development SRS generated from `seed`
    /// ([`Srs::insecure_development`]): its secret is re-derived from the seed
    /// and, if it matches the SRS (`[tau]G1` is point 1), used to build FK20
    /// tables in seconds. Frames are identical either way; on a mismatch or a
    /// non-development SRS this is [`Encoder::new`].
    pub fn with_insecure_development_seed(srs: Arc<Srs>, seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let tau = Fr::rand(&mut rng);
        let matches = srs.is_insecure()
            && srs
                .g1()
                .get(1)
                .is_some_and(|p| *p == (G1Affine::generator() * tau).into_affine());
        if !matches {
            tracing::warn!(
                seed,
                "SRS is not the development SRS of this seed; FK20 tables use the slow path"
            );
        }
        Self {
            insecure_trapdoor: matches.then_some(tau),
            ..Self::new(srs)
        }
    }

    /// The SRS this encoder proves with.
    pub fn srs(&self) -> &Arc<Srs> {
        &self.srs
    }

    /// Encodes a blob: frames in chunk-index order.
    pub fn encode(&self, blob: &Blob, params: BlobParams) -> Result<Vec<Frame>, EncodeError> {
        self.encode_coeffs(blob.coeffs(), params)
    }

    /// Encodes polynomial coefficients (zero-padded to a power of two, as
    /// EigenDA pads blobs): frames in chunk-index order.
    pub fn encode_coeffs(
        &self,
        coeffs: &[Fr],
        params: BlobParams,
    ) -> Result<Vec<Frame>, EncodeError> {
        let blob_len = coeffs.len().max(1).next_power_of_two();
        let shape = params.encoding_params(blob_len as u64)?;
        self.encode_with_shape(coeffs, shape)
    }

    /// Encodes with an explicit chunk shape (`num_chunks * chunk_length` must
    /// hold the padded blob).
    pub fn encode_with_shape(
        &self,
        coeffs: &[Fr],
        shape: EncodingParams,
    ) -> Result<Vec<Frame>, EncodeError> {
        let chunks = rs::chunk_coefficients(coeffs, shape)?;
        let proofs = self.proofs(coeffs, shape)?;
        Ok(chunks
            .into_iter()
            .zip(proofs)
            .map(|(coeffs, proof)| Frame { proof, coeffs })
            .collect())
    }

    /// The FK20 proofs of every chunk, in chunk-index order.
    pub fn proofs(
        &self,
        coeffs: &[Fr],
        shape: EncodingParams,
    ) -> Result<Vec<G1Affine>, EncodeError> {
        shape.validate()?;
        let blob_len = coeffs.len().max(1).next_power_of_two();
        let chunk_length = shape.chunk_length as usize;
        if chunk_length > blob_len {
            return Err(Fk20Error::BadShape {
                blob_len,
                chunk_length,
            }
            .into());
        }
        let table = self.table(blob_len, chunk_length)?;
        let mut padded;
        let coeffs = if coeffs.len() == blob_len {
            coeffs
        } else {
            padded = coeffs.to_vec();
            padded.resize(blob_len, Fr::from(0u64));
            &padded
        };
        let natural = table.proofs(coeffs, shape.num_chunks as usize)?;
        // Chunk i proves the coset with leading exponent reverse_bits(i).
        Ok((0..shape.num_chunks)
            .map(|i| natural[reverse_bits(i, shape.num_chunks) as usize])
            .collect())
    }

    /// The FK20 table for a shape, computing and caching it on first use.
    pub fn table(
        &self,
        blob_len: usize,
        chunk_length: usize,
    ) -> Result<Arc<Bn254Fk20Table>, EncodeError> {
        let key = (blob_len, chunk_length);
        if let Some(t) = self.lock_tables().get(&key) {
            return Ok(Arc::clone(t));
        }
        if self.srs.g1().len() < blob_len {
            return Err(Fk20Error::SrsTooSmall {
                blob_len,
                srs_points: self.srs.g1().len(),
            }
            .into());
        }
        let mut table = match self.insecure_trapdoor {
            Some(tau) => Fk20Table::from_insecure_trapdoor(tau, blob_len, chunk_length)?,
            None => self.table_from_points(blob_len, chunk_length)?,
        };
        table.prepare_fixed_bases(self.fixed_bases_limit);
        let table = Arc::new(table);
        Ok(Arc::clone(self.lock_tables().entry(key).or_insert(table)))
    }

    /// The table built from the SRS points, read from the disk cache when it holds
    /// it (and written there when it did not).
    fn table_from_points(
        &self,
        blob_len: usize,
        chunk_length: usize,
    ) -> Result<Bn254Fk20Table, EncodeError> {
        let Some(cache) = &self.disk else {
            return Ok(Fk20Table::new(self.srs.g1(), blob_len, chunk_length)?);
        };
        let Some(key) = TableKey::new(&self.srs, blob_len, chunk_length) else {
            return Err(Fk20Error::SrsTooSmall {
                blob_len,
                srs_points: self.srs.g1().len(),
            }
            .into());
        };
        match cache.load(&key) {
            Ok(table) => {
                tracing::debug!(blob_len, chunk_length, path = %cache.path(&key).display(), "FK20 table read from the cache");
                return Ok(table);
            }
            Err(TableCacheError::Missing { .. }) => {}
            Err(e) => tracing::warn!(error = %e, "FK20 table cache file unusable; rebuilding it"),
        }
        let table = Fk20Table::new(self.srs.g1(), blob_len, chunk_length)?;
        if let Err(e) = cache.store(&key, &table) {
            tracing::warn!(error = %e, "cannot write the FK20 table cache; tables will be rebuilt next time");
        }
        Ok(table)
    }

    fn lock_tables(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(usize, usize), Arc<Bn254Fk20Table>>> {
        // A poisoned lock only means another thread panicked between lookup and
        // insert; the map itself is always consistent.
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
