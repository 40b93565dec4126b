//! The durable queue: every accepted blob, its header and where it stands, in RocksDB.
//!
//! Column families (one per table):
//!
//! | family    | key                  | value                                             |
//! |-----------|----------------------|---------------------------------------------------|
//! | `blobs`   | blob key (32 bytes)  | blob bytes; kept for the retention period once    |
//! |           |                      | COMPLETE (`GetBlob`), deleted at any other end    |
//! | `headers` | blob key             | prost `BlobCertificate` (header + client signature)|
//! | `status`  | blob key             | JSON [`StatusRecord`]                              |
//! | `pending` | blob key             | empty: the blob is not terminal yet (recovery scan)|
//! | `batches` | batch id (u64 BE)    | JSON [`BatchRecord`]                               |
//! | `meta`    | name                 | counters (next batch id)                           |
//! | `expiry`  | expiry (u64 BE secs) ‖ blob key | empty: when a kept blob's bytes go       |
//! | `recent`  | accepted (u64 BE ns) ‖ blob key | empty: the blob list, newest last     |
//! | `accounts`| account ‖ accepted ‖ blob key | empty: the blob list of one account    |
//! | `payments`| `r`‖account, `o`‖account, `g` | sequence (u64 BE) ‖ state: the account's |
//! |           |                      | reservation bucket, its cumulative payment, the   |
//! |           |                      | global on-demand bucket ([`crate::payments`])     |
//!
//! A blob is accepted with one synced write batch of `blobs`, `headers`, `status` and
//! `pending` (plus the blob's `payments` records), before `DisperseBlob` answers; every later transition is one write batch
//! too, so a crash (kill -9) leaves each blob in exactly one recorded state.

use std::path::Path;

use rocksdb::{ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use lamina_core::BlobKey;

const CF_BLOBS: &str = "blobs";
const CF_HEADERS: &str = "headers";
const CF_STATUS: &str = "status";
const CF_PENDING: &str = "pending";
const CF_BATCHES: &str = "batches";
const CF_META: &str = "meta";
const CF_EXPIRY: &str = "expiry";
const CF_PAYMENTS: &str = "payments";
const CF_RECENT: &str = "recent";
const CF_ACCOUNTS: &str = "accounts";
const ALL_CFS: [&str; 10] = [
    CF_BLOBS,
    CF_HEADERS,
    CF_STATUS,
    CF_PENDING,
    CF_BATCHES,
    CF_META,
    CF_EXPIRY,
    CF_PAYMENTS,
    CF_RECENT,
    CF_ACCOUNTS,
];

/// The `payments` family's merge: of the stored value and the merged ones, the one with
/// the highest sequence (its first 8 bytes, big-endian) wins, so a blob's records written
/// after a later blob's never put older state back.
fn keep_highest_seq(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    let seq = |v: &[u8]| crate::payments::record_seq(v).unwrap_or(0);
    existing
        .into_iter()
        .chain(operands)
        .max_by_key(|v| seq(v))
        .map(<[u8]>::to_vec)
}
const NEXT_BATCH_ID: &[u8] = b"next_batch_id";

/// One record of the `payments` family: its key and its value (sequence ‖ state).
pub type PaymentRecord = (Vec<u8>, Vec<u8>);

/// Where a blob stands; mirrors `lamina.disperser.v1.BlobStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlobState {
    /// Accepted and durable, waiting for the encoder.
    Queued,
    /// Frames computed, waiting for a batch.
    Encoded,
    /// In a batch whose chunks are out to the operators.
    GatheringSignatures,
    /// Enough stake signed; the certificate is ready.
    Complete,
    /// Ended without a certificate; `reason` says why.
    Failed,
    /// Operators answered, but too little stake signed.
    InsufficientSignatures,
}

impl BlobState {
    /// Whether the blob will not move any more.
    pub fn is_terminal(self) -> bool {
        match self {
            Self::Complete | Self::Failed | Self::InsufficientSignatures => true,
            Self::Queued | Self::Encoded | Self::GatheringSignatures => false,
        }
    }

    /// Lower-case label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Encoded => "encoded",
            Self::GatheringSignatures => "gathering_signatures",
            Self::Complete => "complete",
            Self::Failed => "failed",
            Self::InsufficientSignatures => "insufficient_signatures",
        }
    }
}

/// What the disperser knows about one blob besides its bytes and header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRecord {
    /// Current state.
    pub state: BlobState,
    /// Why the blob failed or lacks signatures; empty otherwise.
    #[serde(default)]
    pub reason: String,
    /// How many times the pipeline has started on this blob (restarts included).
    #[serde(default)]
    pub attempts: u32,
    /// Nanoseconds since the epoch when the blob was accepted.
    #[serde(default)]
    pub accepted_ns: u64,
    /// Nanoseconds since the epoch of the last transition.
    #[serde(default)]
    pub updated_ns: u64,
    /// The batch the blob was last put in.
    #[serde(default)]
    pub batch_id: Option<u64>,
    /// `DaCertV3::abi_encode` of the certificate, hex, once complete.
    #[serde(default)]
    pub cert_abi_hex: Option<String>,
    /// Signed stake per quorum of the batch, percent (same order as the attestation's quorums).
    #[serde(default)]
    pub signed_percentages: Vec<u8>,
    /// The blob's length in bytes (its bytes go at a terminal state; the console shows it).
    #[serde(default)]
    pub blob_bytes: u64,
    /// Nanoseconds since the epoch when the blob was encoded.
    #[serde(default)]
    pub encoded_ns: Option<u64>,
    /// Nanoseconds since the epoch when its (last) batch was dispatched.
    #[serde(default)]
    pub dispatched_ns: Option<u64>,
}

impl StatusRecord {
    /// A freshly accepted blob: queued, first attempt.
    pub fn queued() -> Self {
        let now = now_ns();
        Self {
            state: BlobState::Queued,
            reason: String::new(),
            attempts: 1,
            accepted_ns: now,
            updated_ns: now,
            batch_id: None,
            cert_abi_hex: None,
            signed_percentages: Vec::new(),
            blob_bytes: 0,
            encoded_ns: None,
            dispatched_ns: None,
        }
    }

    /// The certificate bytes, if complete.
    pub fn cert_abi(&self) -> Option<Vec<u8>> {
        self.cert_abi_hex
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
    }
}

/// Where a batch was anchored on-chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Transaction hash, 0x-hex.
    pub tx_hash: String,
    /// Block the transaction was mined in.
    pub block_number: u64,
}

/// Anchoring progress of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnchorState {
    /// Anchoring is off, or the batch has nothing to anchor.
    NotAnchored,
    /// `confirmBatch` still to be sent (or re-sent after a restart).
    Pending,
    /// Mined.
    Confirmed(Confirmation),
    /// `confirmBatch` failed; certificates stay valid (checkDACert does not need it).
    Failed(String),
}

/// One dispatched batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Blob keys in leaf order, hex.
    pub blob_keys: Vec<String>,
    /// Batch root, 0x-hex.
    pub batch_root: String,
    /// Reference block.
    pub reference_block_number: u32,
    /// On-chain anchoring.
    pub anchor: AnchorState,
    /// Nanoseconds since the epoch when the chunks went out (0 in records written
    /// before this field existed).
    #[serde(default)]
    pub dispatched_ns: u64,
    /// Nanoseconds since the epoch when the outcome was recorded.
    #[serde(default)]
    pub finished_ns: u64,
    /// Blob bytes in the batch.
    #[serde(default)]
    pub blob_bytes: u64,
    /// Signed stake, signers and non-signers per quorum of the batch.
    #[serde(default)]
    pub quorums: Vec<QuorumRecord>,
    /// How every operator's `StoreChunks` ended (the signing-rate records).
    #[serde(default)]
    pub operators: Vec<OperatorRecord>,
}

/// One quorum's signing in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumRecord {
    /// The quorum.
    pub quorum: u8,
    /// Stake of the operators whose signature verified, decimal.
    pub signed_stake: String,
    /// Total stake at the reference block, decimal.
    pub total_stake: String,
    /// `⌊100 · signed / total⌋`.
    pub percentage: u8,
    /// Members whose signature verified, 0x-hex ids.
    pub signers: Vec<String>,
    /// Members that did not sign, 0x-hex ids.
    pub non_signers: Vec<String>,
}

/// One operator's answer to a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRecord {
    /// Operator id, 0x-hex.
    pub operator_id: String,
    /// `signed`, `bad_signature`, `error`, `timeout` (no answer before the batch timeout)
    /// or `unreachable` (its socket could not be read).
    pub outcome: String,
    /// The error, for anything but `signed`.
    #[serde(default)]
    pub reason: String,
    /// Answer time, milliseconds (0 without an answer).
    #[serde(default)]
    pub latency_ms: u64,
}

impl OperatorRecord {
    /// Whether the operator's signature was counted.
    pub fn signed(&self) -> bool {
        self.outcome == "signed"
    }
}

/// The disperser's RocksDB.
pub struct Store {
    db: DB,
    sync: WriteOptions,
    retention_secs: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.db.path())
            .finish()
    }
}

/// Nanoseconds since the Unix epoch (0 before 1970).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch: the unit of retention times.
pub fn now_secs() -> u64 {
    now_ns() / 1_000_000_000
}

impl Store {
    /// Opens (creating if needed) the database under `path`; the bytes of COMPLETE
    /// blobs are kept `retention_secs` (0: dropped at once, like every other end).
    pub fn open(path: &Path, retention_secs: u64) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ALL_CFS.iter().map(|name| {
            let mut cf_opts = Options::default();
            if *name == CF_PAYMENTS {
                cf_opts.set_merge_operator_associative("keep_highest_seq", keep_highest_seq);
            }
            ColumnFamilyDescriptor::new(*name, cf_opts)
        });
        let db = DB::open_cf_descriptors(&opts, path, cfs).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut sync = WriteOptions::default();
        // fsync the WAL before DisperseBlob answers: "accepted" must survive power loss,
        // not only a process kill.
        sync.set_sync(true);
        Ok(Self {
            db,
            sync,
            retention_secs,
        })
    }

    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or(StoreError::MissingColumnFamily(name))
    }

    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.db.write_opt(batch, &self.sync).map_err(StoreError::Db)
    }

    /// Every persisted payment record (restored at start by
    /// [`crate::payments::Payments::restore`]).
    pub fn payment_records(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        self.db
            .iterator_cf(self.cf(CF_PAYMENTS)?, IteratorMode::Start)
            .map(|entry| {
                let (k, v) = entry?;
                Ok((k.to_vec(), v.to_vec()))
            })
            .collect()
    }

    /// Whether a blob with this key was ever accepted.
    pub fn contains(&self, key: &BlobKey) -> Result<bool, StoreError> {
        Ok(self.db.get_pinned_cf(self.cf(CF_STATUS)?, key.0)?.is_some())
    }

    /// Records an accepted blob durably: bytes, header (prost `BlobCertificate`), `Queued`.
    pub fn accept(&self, key: &BlobKey, blob: &[u8], header: &[u8]) -> Result<(), StoreError> {
        self.accept_paid(key, &[0; 20], blob, header, &[])
    }

    /// [`Self::accept`], with the blob's payment records ([`crate::payments::Charge`])
    /// merged in the same synced write batch: the blob and its charge are durable
    /// together or not at all.
    pub fn accept_paid(
        &self,
        key: &BlobKey,
        account: &[u8; 20],
        blob: &[u8],
        header: &[u8],
        payments: &[PaymentRecord],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        if !payments.is_empty() {
            let cf = self.cf(CF_PAYMENTS)?;
            for (k, v) in payments {
                batch.merge_cf(cf, k, v);
            }
        }
        batch.put_cf(self.cf(CF_BLOBS)?, key.0, blob);
        batch.put_cf(self.cf(CF_HEADERS)?, key.0, header);
        let status = StatusRecord {
            blob_bytes: blob.len() as u64,
            ..StatusRecord::queued()
        };
        batch.put_cf(self.cf(CF_STATUS)?, key.0, encode(&status)?);
        batch.put_cf(self.cf(CF_PENDING)?, key.0, []);
        batch.put_cf(self.cf(CF_RECENT)?, recent_key(status.accepted_ns, key), []);
        batch.put_cf(
            self.cf(CF_ACCOUNTS)?,
            account_key(account, status.accepted_ns, key),
            [],
        );
        self.write(batch)
    }

    /// Blobs accepted before `before` (`(accepted_ns, key)`, exclusive), newest first, at
    /// most `limit`; only those of `account` when given.
    pub fn recent_blobs(
        &self,
        account: Option<&[u8; 20]>,
        before: Option<(u64, BlobKey)>,
        limit: usize,
    ) -> Result<Vec<(u64, BlobKey)>, StoreError> {
        let (cf, prefix): (_, Vec<u8>) = match account {
            Some(a) => (self.cf(CF_ACCOUNTS)?, a.to_vec()),
            None => (self.cf(CF_RECENT)?, Vec::new()),
        };
        let mut upper = prefix.clone();
        match before {
            Some((ns, key)) => upper.extend_from_slice(&recent_key(ns, &key)),
            // Past every key with this prefix.
            None => upper.extend_from_slice(&[0xff; 41]),
        }
        let mut out = Vec::with_capacity(limit);
        let mode = IteratorMode::From(&upper, rocksdb::Direction::Reverse);
        for entry in self.db.iterator_cf(cf, mode) {
            if out.len() == limit {
                break;
            }
            let (k, _) = entry?;
            if !k.starts_with(&prefix) {
                break;
            }
            // `From` with Reverse starts at the cursor itself when it exists: exclusive.
            if k.as_ref() == upper.as_slice() {
                continue;
            }
            let Some((ns, key)) = parse_recent_key(&k[prefix.len()..]) else {
                return Err(StoreError::Corrupt {
                    what: "recent key",
                    reason: format!("{} bytes, expected {}", k.len(), prefix.len() + 40),
                });
            };
            out.push((ns, key));
        }
        Ok(out)
    }

    /// Calls `visit` with batches newest first (by id), at most `max`, until it returns false.
    pub fn visit_batches_newest_first(
        &self,
        max: usize,
        mut visit: impl FnMut(u64, &BatchRecord) -> bool,
    ) -> Result<(), StoreError> {
        for entry in self
            .db
            .iterator_cf(self.cf(CF_BATCHES)?, IteratorMode::End)
            .take(max)
        {
            let (k, v) = entry?;
            let id: [u8; 8] = k.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "batch id",
                reason: format!("{} bytes, expected 8", k.len()),
            })?;
            if !visit(u64::from_be_bytes(id), &decode(&v)?) {
                break;
            }
        }
        Ok(())
    }

    /// Batches with ids below `before`, newest first, at most `limit`.
    pub fn recent_batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        let mut out = Vec::with_capacity(limit);
        let start = before.map(u64::to_be_bytes);
        let mode = match &start {
            Some(b) => IteratorMode::From(b, rocksdb::Direction::Reverse),
            None => IteratorMode::End,
        };
        for entry in self.db.iterator_cf(self.cf(CF_BATCHES)?, mode) {
            if out.len() == limit {
                break;
            }
            let (k, v) = entry?;
            let id: [u8; 8] = k.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "batch id",
                reason: format!("{} bytes, expected 8", k.len()),
            })?;
            let id = u64::from_be_bytes(id);
            if before.is_some_and(|b| id >= b) {
                continue;
            }
            out.push((id, decode(&v)?));
        }
        Ok(out)
    }

    /// The blob's bytes: while it is not terminal, and for the retention period once
    /// it is COMPLETE.
    pub fn blob(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(CF_BLOBS)?, key.0)?)
    }

    /// The blob's header record (prost `BlobCertificate`).
    pub fn header(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(CF_HEADERS)?, key.0)?)
    }

    /// The blob's status.
    pub fn status(&self, key: &BlobKey) -> Result<Option<StatusRecord>, StoreError> {
        self.db
            .get_cf(self.cf(CF_STATUS)?, key.0)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Writes a status; a terminal one also drops the blob's pending mark and its bytes
    /// (or, when COMPLETE, schedules them to go after the retention period) in the same
    /// write batch.
    pub fn set_status(&self, key: &BlobKey, record: &StatusRecord) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_status(&mut batch, key, record)?;
        self.write(batch)
    }

    fn put_status(
        &self,
        batch: &mut WriteBatch,
        key: &BlobKey,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        batch.put_cf(self.cf(CF_STATUS)?, key.0, encode(record)?);
        if record.state.is_terminal() {
            batch.delete_cf(self.cf(CF_PENDING)?, key.0);
            if record.state == BlobState::Complete && self.retention_secs > 0 {
                let expires = now_secs() + self.retention_secs;
                batch.put_cf(self.cf(CF_EXPIRY)?, expiry_key(expires, key), []);
            } else {
                batch.delete_cf(self.cf(CF_BLOBS)?, key.0);
            }
        }
        Ok(())
    }

    /// Drops the bytes of every kept blob whose retention ended at or before
    /// `now_secs` (Unix seconds), in one write batch; returns how many.
    pub fn expire(&self, now_secs: u64) -> Result<usize, StoreError> {
        let expiry = self.cf(CF_EXPIRY)?;
        let blobs = self.cf(CF_BLOBS)?;
        let mut batch = WriteBatch::default();
        let mut dropped = 0;
        for entry in self.db.iterator_cf(expiry, IteratorMode::Start) {
            let (k, _) = entry?;
            let Some((at, blob_key)) = parse_expiry_key(&k) else {
                return Err(StoreError::Corrupt {
                    what: "expiry key",
                    reason: format!("{} bytes, expected 40", k.len()),
                });
            };
            // Keys sort by expiry time: the first one in the future ends the sweep.
            if at > now_secs {
                break;
            }
            batch.delete_cf(blobs, blob_key.0);
            batch.delete_cf(expiry, &k);
            dropped += 1;
        }
        if dropped > 0 {
            self.write(batch)?;
        }
        Ok(dropped)
    }

    /// Records a batch's outcome: the batch and every blob's new status, atomically.
    pub fn finish_batch(
        &self,
        batch_id: u64,
        record: &BatchRecord,
        blobs: &[(BlobKey, StatusRecord)],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_BATCHES)?,
            batch_id.to_be_bytes(),
            encode(record)?,
        );
        for (key, status) in blobs {
            self.put_status(&mut batch, key, status)?;
        }
        self.write(batch)
    }

    /// Updates a batch's anchoring state.
    pub fn set_batch(&self, batch_id: u64, record: &BatchRecord) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_BATCHES)?,
            batch_id.to_be_bytes(),
            encode(record)?,
        );
        self.write(batch)
    }

    /// A batch record.
    pub fn batch(&self, batch_id: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.db
            .get_cf(self.cf(CF_BATCHES)?, batch_id.to_be_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Allocates the next batch id and marks `keys` as gathering signatures in it, atomically.
    pub fn start_batch(&self, keys: &[BlobKey]) -> Result<(u64, Vec<StatusRecord>), StoreError> {
        let meta = self.cf(CF_META)?;
        let id = match self.db.get_cf(meta, NEXT_BATCH_ID)? {
            Some(v) => {
                let bytes: [u8; 8] = v.as_slice().try_into().map_err(|_| StoreError::Corrupt {
                    what: "next batch id",
                    reason: format!("{} bytes, expected 8", v.len()),
                })?;
                u64::from_be_bytes(bytes)
            }
            None => 0,
        };
        let mut batch = WriteBatch::default();
        batch.put_cf(meta, NEXT_BATCH_ID, (id + 1).to_be_bytes());
        let mut records = Vec::with_capacity(keys.len());
        for key in keys {
            let mut record = self.status(key)?.ok_or(StoreError::Corrupt {
                what: "status",
                reason: format!("blob {key} has no status record"),
            })?;
            record.state = BlobState::GatheringSignatures;
            record.batch_id = Some(id);
            record.updated_ns = now_ns();
            record.dispatched_ns = Some(record.updated_ns);
            self.put_status(&mut batch, key, &record)?;
            records.push(record);
        }
        self.write(batch)?;
        Ok((id, records))
    }

    /// Keys of every blob that is not terminal, in key order.
    pub fn pending(&self) -> Result<Vec<BlobKey>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(CF_PENDING)?, IteratorMode::Start)
        {
            let (k, _) = item?;
            let key: [u8; 32] = k.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "pending key",
                reason: format!("{} bytes, expected 32", k.len()),
            })?;
            out.push(BlobKey(key));
        }
        Ok(out)
    }

    /// Ids of batches whose anchoring is still pending.
    pub fn batches_to_anchor(&self) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(CF_BATCHES)?, IteratorMode::Start)
        {
            let (k, v) = item?;
            let id: [u8; 8] = k.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "batch id",
                reason: format!("{} bytes, expected 8", k.len()),
            })?;
            let record: BatchRecord = decode(&v)?;
            if record.anchor == AnchorState::Pending {
                out.push((u64::from_be_bytes(id), record));
            }
        }
        Ok(out)
    }
}

/// A record's stored bytes (JSON). Public for the fuzz targets (`fuzz/`).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
        what: "record",
        reason: e.to_string(),
    })
}

/// `expires (u64 BE) ‖ blob key`: sorted by expiry time.
pub fn expiry_key(expires_secs: u64, key: &BlobKey) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..8].copy_from_slice(&expires_secs.to_be_bytes());
    k[8..].copy_from_slice(&key.0);
    k
}

/// `accepted (u64 BE ns) ‖ blob key`: sorted by acceptance time.
pub fn recent_key(accepted_ns: u64, key: &BlobKey) -> [u8; 40] {
    expiry_key(accepted_ns, key)
}

/// Inverse of [`recent_key`].
pub fn parse_recent_key(k: &[u8]) -> Option<(u64, BlobKey)> {
    parse_expiry_key(k)
}

/// `account ‖ accepted ‖ blob key`: one account's blobs, sorted by acceptance time.
pub fn account_key(account: &[u8; 20], accepted_ns: u64, key: &BlobKey) -> [u8; 60] {
    let mut k = [0u8; 60];
    k[..20].copy_from_slice(account);
    k[20..].copy_from_slice(&recent_key(accepted_ns, key));
    k
}

/// Inverse of [`expiry_key`]; `None` unless `k` is exactly 40 bytes.
pub fn parse_expiry_key(k: &[u8]) -> Option<(u64, BlobKey)> {
    let at = u64::from_be_bytes(k.get(..8)?.try_into().ok()?);
    let key = BlobKey(k.get(8..)?.try_into().ok()?);
    Some((at, key))
}

/// Inverse of [`encode`]: a stored record, or [`StoreError::Corrupt`].
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: "record",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> BlobKey {
        BlobKey([i; 32])
    }

    fn record(seq: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = seq.to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn payment_records_keep_the_highest_sequence_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path(), 0).expect("opens");
            // blob 2 (charged later, sequence 2) is written before blob 1 (sequence 1)
            store
                .accept_paid(
                    &key(2),
                    &[0; 20],
                    b"two",
                    b"h2",
                    &[(b"oA".to_vec(), record(2, b"later"))],
                )
                .expect("accepts");
            store
                .accept_paid(
                    &key(1),
                    &[0; 20],
                    b"one",
                    b"h1",
                    &[
                        (b"oA".to_vec(), record(1, b"earlier")),
                        (b"g".to_vec(), record(1, b"global")),
                    ],
                )
                .expect("accepts");
            store
                .accept(&key(3), b"three", b"h3")
                .expect("accepts without payment");
        }
        let store = Store::open(dir.path(), 0).expect("reopens");
        let records = store.payment_records().expect("reads");
        assert_eq!(
            records,
            vec![
                (b"g".to_vec(), record(1, b"global")),
                (b"oA".to_vec(), record(2, b"later")),
            ]
        );
        assert!(store.contains(&key(1)).expect("reads"));
    }

    #[test]
    fn accepted_blobs_survive_reopen_with_their_state() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path(), 0).expect("opens");
            store
                .accept(&key(1), b"blob one", b"header one")
                .expect("accepts");
            store
                .accept(&key(2), b"blob two", b"header two")
                .expect("accepts");
            store
                .accept(&key(3), b"blob three", b"h3")
                .expect("accepts");
            let (id, records) = store.start_batch(&[key(2)]).expect("batch");
            assert_eq!(id, 0);
            assert_eq!(records[0].state, BlobState::GatheringSignatures);
            let mut failed = store.status(&key(3)).expect("reads").expect("exists");
            failed.state = BlobState::Failed;
            failed.reason = "test".into();
            store.set_status(&key(3), &failed).expect("writes");
            // dropped without any shutdown: as close to kill -9 as a unit test gets
        }
        let store = Store::open(dir.path(), 0).expect("reopens");
        assert!(store.contains(&key(1)).expect("reads"));
        assert!(!store.contains(&key(9)).expect("reads"));
        assert_eq!(store.pending().expect("scans"), vec![key(1), key(2)]);
        assert_eq!(
            store.blob(&key(1)).expect("reads").as_deref(),
            Some(&b"blob one"[..])
        );
        assert_eq!(
            store.header(&key(2)).expect("reads").as_deref(),
            Some(&b"header two"[..])
        );
        let s2 = store.status(&key(2)).expect("reads").expect("exists");
        assert_eq!(
            (s2.state, s2.batch_id),
            (BlobState::GatheringSignatures, Some(0))
        );
        // terminal blobs lose their bytes and pending mark, keep header and status
        assert_eq!(store.blob(&key(3)).expect("reads"), None);
        assert!(store.header(&key(3)).expect("reads").is_some());
        assert_eq!(
            store
                .status(&key(3))
                .expect("reads")
                .expect("exists")
                .reason,
            "test"
        );
        // batch ids keep counting after a reopen
        let (id, _) = store.start_batch(&[key(1)]).expect("batch");
        assert_eq!(id, 1);
    }

    #[test]
    fn complete_blobs_are_kept_until_their_retention_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), 3600).expect("opens");
        for i in 1..=3 {
            store.accept(&key(i), &[i; 4], b"h").expect("accepts");
        }
        let finish = |i: u8, state: BlobState| {
            let mut record = store.status(&key(i)).expect("reads").expect("exists");
            record.state = state;
            store.set_status(&key(i), &record).expect("writes");
        };
        finish(1, BlobState::Complete);
        finish(2, BlobState::Failed);
        finish(3, BlobState::InsufficientSignatures);
        assert_eq!(store.blob(&key(1)).expect("reads"), Some(vec![1; 4]));
        assert_eq!(store.blob(&key(2)).expect("reads"), None);
        assert_eq!(store.blob(&key(3)).expect("reads"), None);
        assert!(store.pending().expect("scans").is_empty());

        let now = now_secs();
        assert_eq!(store.expire(now).expect("sweeps"), 0);
        drop(store);
        // the schedule survives a restart
        let store = Store::open(dir.path(), 3600).expect("reopens");
        assert_eq!(store.blob(&key(1)).expect("reads"), Some(vec![1; 4]));
        assert_eq!(store.expire(now + 3601).expect("sweeps"), 1);
        assert_eq!(store.blob(&key(1)).expect("reads"), None);
        assert!(
            store.status(&key(1)).expect("reads").is_some(),
            "status stays"
        );
        assert_eq!(store.expire(now + 7200).expect("sweeps"), 0);
    }

    #[test]
    fn recent_blobs_page_newest_first_per_account_and_batches_page_by_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), 0).expect("opens");
        let (a, b) = ([0xaa; 20], [0xbb; 20]);
        for i in 1..=5u8 {
            let account = if i % 2 == 1 { &a } else { &b };
            store
                .accept_paid(&key(i), account, &[i; 3], b"h", &[])
                .expect("accepts");
        }
        let all = store.recent_blobs(None, None, 10).expect("lists");
        let keys: Vec<BlobKey> = all.iter().map(|(_, k)| *k).collect();
        assert_eq!(keys, vec![key(5), key(4), key(3), key(2), key(1)]);
        let first = store.recent_blobs(None, None, 2).expect("lists");
        let next = store
            .recent_blobs(None, first.last().copied(), 2)
            .expect("lists");
        assert_eq!(
            next.iter().map(|(_, k)| *k).collect::<Vec<_>>(),
            vec![key(3), key(2)]
        );
        let of_a = store.recent_blobs(Some(&a), None, 10).expect("lists");
        assert_eq!(
            of_a.iter().map(|(_, k)| *k).collect::<Vec<_>>(),
            vec![key(5), key(3), key(1)]
        );
        let after_5 = store
            .recent_blobs(Some(&a), of_a.first().copied(), 10)
            .expect("lists");
        assert_eq!(after_5.len(), 2);
        assert!(
            store
                .recent_blobs(Some(&[0xcc; 20]), None, 10)
                .expect("lists")
                .is_empty()
        );
        assert_eq!(
            store
                .status(&key(2))
                .expect("reads")
                .expect("exists")
                .blob_bytes,
            3
        );

        for i in 1..=3u8 {
            let (id, _) = store.start_batch(&[key(i)]).expect("batch");
            let record = BatchRecord {
                blob_keys: vec![key(i).to_string()],
                batch_root: "0x00".into(),
                reference_block_number: 1,
                anchor: AnchorState::NotAnchored,
                dispatched_ns: 0,
                finished_ns: 0,
                blob_bytes: 3,
                quorums: Vec::new(),
                operators: Vec::new(),
            };
            store.finish_batch(id, &record, &[]).expect("finishes");
        }
        let ids = |v: Vec<(u64, BatchRecord)>| v.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.recent_batches(None, 10).expect("lists")),
            vec![2, 1, 0]
        );
        assert_eq!(
            ids(store.recent_batches(Some(2), 1).expect("lists")),
            vec![1]
        );
        assert!(store.recent_batches(Some(0), 10).expect("lists").is_empty());
    }

    #[test]
    fn batches_and_anchoring_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), 0).expect("opens");
        store.accept(&key(1), b"b", b"h").expect("accepts");
        let (id, mut records) = store.start_batch(&[key(1)]).expect("batch");
        records[0].state = BlobState::Complete;
        records[0].cert_abi_hex = Some("abcd".into());
        let mut batch = BatchRecord {
            blob_keys: vec![key(1).to_string()],
            batch_root: "0x00".into(),
            reference_block_number: 7,
            anchor: AnchorState::Pending,
            dispatched_ns: 1,
            finished_ns: 2,
            blob_bytes: 1,
            quorums: Vec::new(),
            operators: Vec::new(),
        };
        store
            .finish_batch(id, &batch, &[(key(1), records[0].clone())])
            .expect("finishes");
        assert!(store.pending().expect("scans").is_empty());
        assert_eq!(store.batches_to_anchor().expect("scans").len(), 1);
        assert_eq!(
            store
                .status(&key(1))
                .expect("reads")
                .expect("exists")
                .cert_abi(),
            Some(vec![0xab, 0xcd])
        );
        batch.anchor = AnchorState::Confirmed(Confirmation {
            tx_hash: "0x01".into(),
            block_number: 9,
        });
        store.set_batch(id, &batch).expect("writes");
        assert!(store.batches_to_anchor().expect("scans").is_empty());
        assert_eq!(store.batch(id).expect("reads"), Some(batch));
    }
}
