//! RocksDB storage of what the node signed for.
//!
//! Column families:
//!
//! | family | key | value |
//! |---|---|---|
//! | `frames` | blob key ‖ quorum | this operator's frames (or an alias to another quorum's) |
//! | `certificates` | blob key | expiry ‖ protobuf `BlobCertificate` |
//! | `batches` | batch header hash | expiry ‖ reference block ‖ root ‖ blob keys |
//! | `expiry` | expiry ‖ batch header hash | empty |
//!
//! Each StoreChunks is one synced [`rocksdb::WriteBatch`]: after a crash (kill -9
//! included) either the whole batch is there or none of it. A batch already stored is
//! not written again (idempotent re-store keeps the first expiry). A blob stored again
//! in a later batch keeps the later expiry: expiring the first batch leaves it alone.
//!
//! Every method blocks; async callers run them in `spawn_blocking`.

pub mod codec;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_primitives::B256;
use lamina_core::{BlobKey, QuorumId};
use rocksdb::{ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};

use crate::error::StoreError;
use codec::{BatchRecord, FramesRecord};

const CF_FRAMES: &str = "frames";
const CF_CERTIFICATES: &str = "certificates";
const CF_BATCHES: &str = "batches";
const CF_EXPIRY: &str = "expiry";
const COLUMN_FAMILIES: [&str; 4] = [CF_FRAMES, CF_CERTIFICATES, CF_BATCHES, CF_EXPIRY];

/// Most batches one expiry pass deletes, so a long backlog never holds one huge write.
const EXPIRY_BATCHES_PER_PASS: usize = 256;

/// Stored frames of one blob: `(chunk index, frame bytes)` in assignment order.
pub type StoredFrames = Vec<(u32, Vec<u8>)>;

/// One blob of a batch to store.
#[derive(Clone, Debug)]
pub struct BlobWrite<'a> {
    /// The blob key.
    pub key: BlobKey,
    /// The certificate, protobuf-encoded (`lamina.common.v1.BlobCertificate`).
    pub certificate: Vec<u8>,
    /// Quorums this operator holds the blob's frames for (the frames are the same for
    /// all: assignment merges a blob's quorums); empty when it holds none.
    pub quorums: Vec<QuorumId>,
    /// `(chunk index, frame bytes)` in assignment order.
    pub frames: Vec<(u32, &'a [u8])>,
}

/// A validated batch to store.
#[derive(Clone, Debug)]
pub struct BatchWrite<'a> {
    /// `BatchHeader::hash()`.
    pub header_hash: B256,
    /// Reference block of the batch.
    pub reference_block: u32,
    /// Batch root.
    pub batch_root: B256,
    /// Its blobs, in certificate order.
    pub blobs: Vec<BlobWrite<'a>>,
    /// When the data may be deleted, seconds since the Unix epoch.
    pub expiry: u64,
}

/// What [`Store::store_batch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOutcome {
    /// Written; this many bytes of frame data.
    Stored {
        /// Frame bytes written.
        frame_bytes: u64,
    },
    /// The batch was already stored; nothing written.
    AlreadyStored,
}

/// The node's database.
#[derive(Clone)]
pub struct Store {
    db: Arc<DB>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let cfs = COLUMN_FAMILIES
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, cfs).map_err(|source| StoreError::Db {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            db: Arc::new(db),
            path: path.to_path_buf(),
        })
    }

    fn db_err(&self, source: rocksdb::Error) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db.cf_handle(name).ok_or_else(|| StoreError::Corrupt {
            table: "column families",
            key: name.into(),
            reason: "column family missing after open".into(),
        })
    }

    /// Whether the batch with this header hash is stored.
    pub fn has_batch(&self, header_hash: &B256) -> Result<bool, StoreError> {
        Ok(self
            .db
            .get_pinned_cf(self.cf(CF_BATCHES)?, header_hash)
            .map_err(|e| self.db_err(e))?
            .is_some())
    }

    /// Writes a batch atomically (one synced write batch), unless it is already stored.
    pub fn store_batch(&self, batch: &BatchWrite<'_>) -> Result<StoreOutcome, StoreError> {
        if self.has_batch(&batch.header_hash)? {
            return Ok(StoreOutcome::AlreadyStored);
        }
        let frames_cf = self.cf(CF_FRAMES)?;
        let certs_cf = self.cf(CF_CERTIFICATES)?;
        let mut write = WriteBatch::default();
        let mut frame_bytes = 0u64;
        for blob in &batch.blobs {
            // A later batch may carry the same blob: keep the later of the two expiries.
            let expiry = match self.certificate_expiry(&blob.key)? {
                Some(old) => old.max(batch.expiry),
                None => batch.expiry,
            };
            write.put_cf(
                certs_cf,
                blob.key.0,
                codec::with_expiry(expiry, &blob.certificate),
            );
            if let Some((first, rest)) = blob.quorums.split_first() {
                write.put_cf(
                    frames_cf,
                    codec::frames_key(&blob.key, *first),
                    codec::encode_frames(&blob.frames),
                );
                for quorum in rest {
                    write.put_cf(
                        frames_cf,
                        codec::frames_key(&blob.key, *quorum),
                        codec::encode_alias(*first),
                    );
                }
                frame_bytes += blob.frames.iter().map(|(_, f)| f.len() as u64).sum::<u64>();
            }
        }
        let record = BatchRecord {
            reference_block: batch.reference_block,
            batch_root: batch.batch_root,
            blob_keys: batch.blobs.iter().map(|b| b.key).collect(),
        };
        write.put_cf(
            self.cf(CF_BATCHES)?,
            batch.header_hash,
            codec::with_expiry(batch.expiry, &codec::encode_batch(&record)),
        );
        write.put_cf(
            self.cf(CF_EXPIRY)?,
            codec::expiry_key(batch.expiry, &batch.header_hash),
            [],
        );
        // Synced: a signature is only returned for data that is on disk.
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(write, &options)
            .map_err(|e| self.db_err(e))?;
        Ok(StoreOutcome::Stored { frame_bytes })
    }

    fn certificate_expiry(&self, key: &BlobKey) -> Result<Option<u64>, StoreError> {
        let Some(value) = self
            .db
            .get_pinned_cf(self.cf(CF_CERTIFICATES)?, key.0)
            .map_err(|e| self.db_err(e))?
        else {
            return Ok(None);
        };
        let (expiry, _) = codec::split_expiry(CF_CERTIFICATES, &key.0, &value)?;
        Ok(Some(expiry))
    }

    /// The stored frames of `key` for `quorum`, `(chunk index, frame bytes)` in
    /// assignment order; `None` if not stored.
    pub fn frames(
        &self,
        key: &BlobKey,
        quorum: QuorumId,
    ) -> Result<Option<StoredFrames>, StoreError> {
        let cf = self.cf(CF_FRAMES)?;
        let mut quorum = quorum;
        // At most one alias hop: aliases always point at a frames record.
        for _ in 0..2 {
            let db_key = codec::frames_key(key, quorum);
            let Some(value) = self
                .db
                .get_pinned_cf(cf, db_key)
                .map_err(|e| self.db_err(e))?
            else {
                return Ok(None);
            };
            match codec::decode_frames(&db_key, &value)? {
                FramesRecord::Frames(frames) => return Ok(Some(frames)),
                FramesRecord::Alias(target) => quorum = target,
            }
        }
        Err(StoreError::Corrupt {
            table: CF_FRAMES,
            key: hex::encode(codec::frames_key(key, quorum)),
            reason: "alias points at another alias".into(),
        })
    }

    /// The stored certificate of `key` (protobuf bytes), if any.
    pub fn certificate(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(value) = self
            .db
            .get_pinned_cf(self.cf(CF_CERTIFICATES)?, key.0)
            .map_err(|e| self.db_err(e))?
        else {
            return Ok(None);
        };
        let (_, body) = codec::split_expiry(CF_CERTIFICATES, &key.0, &value)?;
        Ok(Some(body.to_vec()))
    }

    /// Deletes every batch whose expiry is at or before `now` (seconds since the Unix
    /// epoch), with its blobs unless a later batch re-stored them. Returns the number of
    /// batches deleted. Each batch goes in one atomic write.
    pub fn delete_expired(&self, now: u64) -> Result<usize, StoreError> {
        let expiry_cf = self.cf(CF_EXPIRY)?;
        let mut due = Vec::new();
        for item in self.db.iterator_cf(expiry_cf, IteratorMode::Start) {
            let (key, _) = item.map_err(|e| self.db_err(e))?;
            let (expiry, batch) = codec::decode_expiry_key(&key)?;
            if expiry > now || due.len() >= EXPIRY_BATCHES_PER_PASS {
                break;
            }
            due.push((key, batch));
        }
        let batches_cf = self.cf(CF_BATCHES)?;
        let certs_cf = self.cf(CF_CERTIFICATES)?;
        let frames_cf = self.cf(CF_FRAMES)?;
        let mut deleted = 0;
        for (index_key, batch) in due {
            let mut write = WriteBatch::default();
            write.delete_cf(expiry_cf, &index_key);
            if let Some(value) = self
                .db
                .get_pinned_cf(batches_cf, batch)
                .map_err(|e| self.db_err(e))?
            {
                let (_, body) = codec::split_expiry(CF_BATCHES, batch.as_slice(), &value)?;
                let record = codec::decode_batch(batch.as_slice(), body)?;
                for key in &record.blob_keys {
                    // Re-stored by a later batch: that batch's expiry governs.
                    if self.certificate_expiry(key)?.is_some_and(|e| e > now) {
                        continue;
                    }
                    write.delete_cf(certs_cf, key.0);
                    let (from, to) = codec::frames_range(key);
                    write.delete_range_cf(frames_cf, from, to);
                }
                write.delete_cf(batches_cf, batch);
                deleted += 1;
            }
            self.db.write(write).map_err(|e| self.db_err(e))?;
        }
        Ok(deleted)
    }

    /// Counts of stored batches and certificates, for startup logs and tests.
    pub fn counts(&self) -> Result<(usize, usize), StoreError> {
        let count = |cf| -> Result<usize, StoreError> {
            let mut n = 0;
            for item in self.db.iterator_cf(cf, IteratorMode::Start) {
                item.map_err(|e| self.db_err(e))?;
                n += 1;
            }
            Ok(n)
        };
        Ok((
            count(self.cf(CF_BATCHES)?)?,
            count(self.cf(CF_CERTIFICATES)?)?,
        ))
    }

    /// Checks the invariants every open must find: every batch has an expiry entry and
    /// its certificates. Returns the number of batches checked. A violation means the
    /// database was changed outside the node.
    pub fn check_invariants(&self) -> Result<usize, StoreError> {
        let batches_cf = self.cf(CF_BATCHES)?;
        let expiry_cf = self.cf(CF_EXPIRY)?;
        let certs_cf = self.cf(CF_CERTIFICATES)?;
        let mut checked = 0;
        for item in self.db.iterator_cf(batches_cf, IteratorMode::Start) {
            let (key, value) = item.map_err(|e| self.db_err(e))?;
            let (expiry, body) = codec::split_expiry(CF_BATCHES, &key, &value)?;
            let record = codec::decode_batch(&key, body)?;
            let hash = B256::try_from(&key[..]).map_err(|_| StoreError::Corrupt {
                table: CF_BATCHES,
                key: hex::encode(&key),
                reason: "key is not 32 bytes".into(),
            })?;
            let index = codec::expiry_key(expiry, &hash);
            if self
                .db
                .get_pinned_cf(expiry_cf, index)
                .map_err(|e| self.db_err(e))?
                .is_none()
            {
                return Err(StoreError::Corrupt {
                    table: CF_BATCHES,
                    key: hex::encode(&key),
                    reason: format!("no expiry entry at {expiry}"),
                });
            }
            for blob in &record.blob_keys {
                if self
                    .db
                    .get_pinned_cf(certs_cf, blob.0)
                    .map_err(|e| self.db_err(e))?
                    .is_none()
                {
                    return Err(StoreError::Corrupt {
                        table: CF_BATCHES,
                        key: hex::encode(&key),
                        reason: format!("certificate of blob {blob} missing"),
                    });
                }
            }
            checked += 1;
        }
        Ok(checked)
    }
}

#[cfg(test)]
mod tests;
