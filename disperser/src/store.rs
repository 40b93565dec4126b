//! The metadata records (statuses, batches, payment records) and their RocksDB backend
//! ([`Store`], the default [`MetadataStore`]): every accepted blob's header and where it
//! stands. The blob bytes are in the object store ([`lamina_storage::BlobObjects`]).
//!
//! Column families (one per table):
//!
//! | family    | key                  | value                                             |
//! |-----------|----------------------|---------------------------------------------------|
//! | `blobs`   | blob key (32 bytes)  | legacy: blob bytes written before they moved to   |
//! |           |                      | the object store; no longer written, moved to it  |
//! |           |                      | at start ([`Store::move_legacy_blobs`])           |
//! | `headers` | blob key             | prost `BlobCertificate` (header + client signature)|
//! | `status`  | blob key             | JSON [`StatusRecord`]                              |
//! | `pending` | blob key             | empty: the blob is not terminal yet (recovery scan)|
//! | `batches` | batch id (u64 BE)    | JSON [`BatchRecord`]                               |
//! | `meta`    | name                 | counters (next batch id), `lease/<name>` (JSON)   |
//! | `expiry`  | expiry (u64 BE secs) ‖ blob key | empty: when a kept blob's object goes    |
//! | `recent`  | accepted (u64 BE ns) ‖ blob key | empty: the blob list, newest last     |
//! | `accounts`| account ‖ accepted ‖ blob key | empty: the blob list of one account    |
//! | `payments`| `r`‖account, `o`‖account, `g` | sequence (u64 BE) ‖ state: the account's |
//! |           |                      | reservation bucket, its cumulative payment, the   |
//! |           |                      | global on-demand bucket ([`crate::payments`])     |
//!
//! A blob is accepted with one synced write batch of `headers`, `status`, `pending`,
//! `recent` and `accounts` (plus the blob's `payments` records), after its blob object
//! was written and before `DisperseBlob` answers; every later transition is one write
//! batch too, so a crash (kill -9) leaves each blob in exactly one recorded state.
//! Read-modify-writes (compare-and-set statuses, batch ids, leases) hold one mutex.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rocksdb::{ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::metadata::{MetadataStore, NewBlob};
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

/// The disperser's RocksDB: the default [`MetadataStore`]. Cloning shares the database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: DB,
    sync: WriteOptions,
    retention_secs: u64,
    /// Serializes every read-modify-write (compare-and-set statuses, batch ids, leases,
    /// duplicate checks) against each other: std `Mutex`, only ever taken inside a
    /// blocking task and never across an `.await`.
    writes: Mutex<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.db.path())
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

/// A lease as the `meta` family stores it (`lease/<name>`).
#[derive(Serialize, Deserialize)]
struct LeaseRecord {
    holder: String,
    /// Nanoseconds since the epoch when the lease ends unless renewed.
    expires_ns: u64,
}

fn lease_key(name: &str) -> Vec<u8> {
    [b"lease/".as_slice(), name.as_bytes()].concat()
}

impl Store {
    /// Opens (creating if needed) the database under `path`; COMPLETE blobs keep their
    /// blob objects `retention_secs` (0: deleted at once, like every other end).
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
            inner: Arc::new(Inner {
                db,
                sync,
                retention_secs,
                writes: Mutex::new(()),
            }),
        })
    }

    /// Moves the blob bytes a disperser from before the object store kept in the `blobs`
    /// family into `objects` (each written, durably, before its entry is deleted, so a
    /// crash midway leaves every blob's bytes in one place or both), and returns how many
    /// moved. The encoder and `GetBlob` read blob objects only: without this, a blob
    /// queued before the upgrade would fail for want of its bytes.
    pub async fn move_legacy_blobs(
        &self,
        objects: &lamina_storage::BlobObjects,
    ) -> Result<usize, crate::DisperserError> {
        const BATCH: usize = 64;
        let mut moved = 0;
        loop {
            let legacy = self
                .blocking(|s| {
                    s.db.iterator_cf(s.cf(CF_BLOBS)?, IteratorMode::Start)
                        .take(BATCH)
                        .map(|entry| {
                            let (k, v) = entry?;
                            let key =
                                <[u8; 32]>::try_from(&*k).map_err(|_| StoreError::Corrupt {
                                    what: "legacy blob key",
                                    reason: format!("{} bytes, expected 32", k.len()),
                                })?;
                            Ok((BlobKey(key), v.to_vec()))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()
                })
                .await?;
            if legacy.is_empty() {
                return Ok(moved);
            }
            let mut keys = Vec::with_capacity(legacy.len());
            for (key, bytes) in legacy {
                objects
                    .put_blob(&key, bytes)
                    .await
                    .map_err(crate::DisperserError::Objects)?;
                keys.push(key);
            }
            moved += keys.len();
            self.blocking(move |s| {
                let cf = s.cf(CF_BLOBS)?;
                let mut batch = WriteBatch::default();
                for key in &keys {
                    batch.delete_cf(cf, key.0);
                }
                s.write(batch)
            })
            .await?;
        }
    }

    /// Runs `f` on a blocking thread (RocksDB reads and synced writes block).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store.inner))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

impl Inner {
    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or(StoreError::MissingColumnFamily(name))
    }

    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.db.write_opt(batch, &self.sync).map_err(StoreError::Db)
    }

    /// The lock of read-modify-writes (a poisoned lock only means a panic elsewhere
    /// mid-write; RocksDB's write batches left nothing half-done).
    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn payment_records(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        self.db
            .iterator_cf(self.cf(CF_PAYMENTS)?, IteratorMode::Start)
            .map(|entry| {
                let (k, v) = entry?;
                Ok((k.to_vec(), v.to_vec()))
            })
            .collect()
    }

    fn contains(&self, key: &BlobKey) -> Result<bool, StoreError> {
        Ok(self.db.get_pinned_cf(self.cf(CF_STATUS)?, key.0)?.is_some())
    }

    fn accept(
        &self,
        key: &BlobKey,
        account: &[u8; 20],
        blob_len: u64,
        header: &[u8],
        payments: &[PaymentRecord],
    ) -> Result<(), StoreError> {
        let _writing = self.lock();
        if self.contains(key)? {
            return Err(StoreError::AlreadyAccepted(*key));
        }
        let mut batch = WriteBatch::default();
        if !payments.is_empty() {
            let cf = self.cf(CF_PAYMENTS)?;
            for (k, v) in payments {
                batch.merge_cf(cf, k, v);
            }
        }
        batch.put_cf(self.cf(CF_HEADERS)?, key.0, header);
        let status = StatusRecord {
            blob_bytes: blob_len,
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

    fn recent_blobs(
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

    fn recent_batches(
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
            let id = batch_id(&k)?;
            if before.is_some_and(|b| id >= b) {
                continue;
            }
            out.push((id, decode(&v)?));
        }
        Ok(out)
    }

    fn header(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(CF_HEADERS)?, key.0)?)
    }

    fn status(&self, key: &BlobKey) -> Result<Option<StatusRecord>, StoreError> {
        self.db
            .get_cf(self.cf(CF_STATUS)?, key.0)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The compare-and-set check of one blob, under the write lock.
    fn check(&self, key: &BlobKey, expected: BlobState) -> Result<StatusRecord, StoreError> {
        let stored = self.status(key)?.ok_or(StoreError::UnknownBlob(*key))?;
        crate::metadata::check_transition(key, expected, stored.state)?;
        Ok(stored)
    }

    fn set_status(
        &self,
        key: &BlobKey,
        expected: BlobState,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        let _writing = self.lock();
        self.check(key, expected)?;
        let mut batch = WriteBatch::default();
        self.put_status(&mut batch, key, record)?;
        self.write(batch)
    }

    /// Adds a status write to `batch`; a terminal one also drops the blob's pending mark
    /// and, when COMPLETE with a retention period, schedules its blob object's deletion.
    fn put_status(
        &self,
        batch: &mut WriteBatch,
        key: &BlobKey,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        batch.put_cf(self.cf(CF_STATUS)?, key.0, encode(record)?);
        if record.state.is_terminal() {
            batch.delete_cf(self.cf(CF_PENDING)?, key.0);
            if !crate::metadata::drops_blob_object(record.state, self.retention_secs) {
                let expires = now_secs() + self.retention_secs;
                batch.put_cf(self.cf(CF_EXPIRY)?, expiry_key(expires, key), []);
            }
        }
        Ok(())
    }

    fn expire(&self, now_secs: u64) -> Result<Vec<BlobKey>, StoreError> {
        let _writing = self.lock();
        let expiry = self.cf(CF_EXPIRY)?;
        let mut batch = WriteBatch::default();
        let mut due = Vec::new();
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
            batch.delete_cf(expiry, &k);
            due.push(blob_key);
        }
        if !due.is_empty() {
            self.write(batch)?;
        }
        Ok(due)
    }

    fn finish_batch(
        &self,
        batch_id: u64,
        record: &BatchRecord,
        blobs: &[(BlobKey, StatusRecord)],
    ) -> Result<(), StoreError> {
        let _writing = self.lock();
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_BATCHES)?,
            batch_id.to_be_bytes(),
            encode(record)?,
        );
        for (key, status) in blobs {
            self.check(key, BlobState::GatheringSignatures)?;
            self.put_status(&mut batch, key, status)?;
        }
        self.write(batch)
    }

    fn set_batch(&self, batch_id: u64, record: &BatchRecord) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_BATCHES)?,
            batch_id.to_be_bytes(),
            encode(record)?,
        );
        self.write(batch)
    }

    fn batch(&self, batch_id: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.db
            .get_cf(self.cf(CF_BATCHES)?, batch_id.to_be_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    fn start_batch(&self, keys: &[BlobKey]) -> Result<(u64, Vec<StatusRecord>), StoreError> {
        let _writing = self.lock();
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
            let mut record = self.check(key, BlobState::Encoded)?;
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

    fn pending(&self) -> Result<Vec<BlobKey>, StoreError> {
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

    fn batches_to_anchor(&self) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(CF_BATCHES)?, IteratorMode::Start)
        {
            let (k, v) = item?;
            let record: BatchRecord = decode(&v)?;
            if record.anchor == AnchorState::Pending {
                out.push((batch_id(&k)?, record));
            }
        }
        Ok(out)
    }

    fn lease(&self, name: &str) -> Result<Option<LeaseRecord>, StoreError> {
        self.db
            .get_cf(self.cf(CF_META)?, lease_key(name))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Takes or extends the lease for `holder`: always when `take_free` (free, expired
    /// or ours), otherwise only when the stored holder is `holder`.
    fn lease_for(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
        take_free: bool,
    ) -> Result<bool, StoreError> {
        let _writing = self.lock();
        let now = now_ns();
        let ours = match self.lease(name)? {
            Some(l) if l.holder == holder => true,
            Some(l) => take_free && l.expires_ns <= now,
            None => take_free,
        };
        if !ours {
            return Ok(false);
        }
        let ttl_ns = u64::try_from(ttl.as_nanos()).unwrap_or(u64::MAX);
        let record = LeaseRecord {
            holder: holder.to_owned(),
            expires_ns: now.saturating_add(ttl_ns),
        };
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_META)?, lease_key(name), encode(&record)?);
        self.write(batch)?;
        Ok(true)
    }

    fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let _writing = self.lock();
        if self.lease(name)?.is_some_and(|l| l.holder == holder) {
            let mut batch = WriteBatch::default();
            batch.delete_cf(self.cf(CF_META)?, lease_key(name));
            self.write(batch)?;
        }
        Ok(())
    }
}

fn batch_id(k: &[u8]) -> Result<u64, StoreError> {
    let id: [u8; 8] = k.try_into().map_err(|_| StoreError::Corrupt {
        what: "batch id",
        reason: format!("{} bytes, expected 8", k.len()),
    })?;
    Ok(u64::from_be_bytes(id))
}

#[async_trait]
impl MetadataStore for Store {
    async fn accept(&self, blob: NewBlob<'_>) -> Result<(), StoreError> {
        let header = blob.header.to_vec();
        let payments = blob.payments.to_vec();
        self.blocking(move |s| {
            s.accept(&blob.key, &blob.account, blob.blob_len, &header, &payments)
        })
        .await
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, StoreError> {
        let key = *key;
        self.blocking(move |s| s.contains(&key)).await
    }

    async fn status(&self, key: &BlobKey) -> Result<Option<StatusRecord>, StoreError> {
        let key = *key;
        self.blocking(move |s| s.status(&key)).await
    }

    async fn header(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        let key = *key;
        self.blocking(move |s| s.header(&key)).await
    }

    async fn set_status(
        &self,
        key: &BlobKey,
        expected: BlobState,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        let (key, record) = (*key, record.clone());
        self.blocking(move |s| s.set_status(&key, expected, &record))
            .await
    }

    async fn start_batch(&self, keys: &[BlobKey]) -> Result<(u64, Vec<StatusRecord>), StoreError> {
        let keys = keys.to_vec();
        self.blocking(move |s| s.start_batch(&keys)).await
    }

    async fn finish_batch(
        &self,
        batch_id: u64,
        record: &BatchRecord,
        blobs: &[(BlobKey, StatusRecord)],
    ) -> Result<(), StoreError> {
        let (record, blobs) = (record.clone(), blobs.to_vec());
        self.blocking(move |s| s.finish_batch(batch_id, &record, &blobs))
            .await
    }

    async fn set_batch(&self, batch_id: u64, record: &BatchRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.blocking(move |s| s.set_batch(batch_id, &record)).await
    }

    async fn batch(&self, batch_id: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.blocking(move |s| s.batch(batch_id)).await
    }

    async fn pending(&self) -> Result<Vec<BlobKey>, StoreError> {
        self.blocking(Inner::pending).await
    }

    async fn batches_to_anchor(&self) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        self.blocking(Inner::batches_to_anchor).await
    }

    async fn expire(&self, now_secs: u64) -> Result<Vec<BlobKey>, StoreError> {
        self.blocking(move |s| s.expire(now_secs)).await
    }

    async fn recent_blobs(
        &self,
        account: Option<&[u8; 20]>,
        before: Option<(u64, BlobKey)>,
        limit: usize,
    ) -> Result<Vec<(u64, BlobKey)>, StoreError> {
        let account = account.copied();
        self.blocking(move |s| s.recent_blobs(account.as_ref(), before, limit))
            .await
    }

    async fn recent_batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        self.blocking(move |s| s.recent_batches(before, limit))
            .await
    }

    async fn payment_records(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        self.blocking(Inner::payment_records).await
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.blocking(move |s| s.lease_for(&name, &holder, ttl, true))
            .await
    }

    async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.blocking(move |s| s.lease_for(&name, &holder, ttl, false))
            .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.blocking(move |s| s.release_lease(&name, &holder))
            .await
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
    //! RocksDB-only behaviour: what survives a reopen. The behaviour both backends share
    //! is tested once, against both, in `metadata/suite.rs`.
    use super::*;

    #[tokio::test]
    async fn blob_bytes_of_an_older_disperser_move_to_the_object_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db"), 0).expect("opens");
        let objects = lamina_storage::BlobObjects::open(&lamina_storage::ObjectStoreConfig::Dir(
            dir.path().join("objects"),
        ))
        .expect("opens");
        // 100 blobs as the disperser before the object store wrote them (two batches).
        {
            let cf = store.inner.cf(CF_BLOBS).expect("blobs family");
            for i in 0..100u8 {
                store
                    .inner
                    .db
                    .put_cf(cf, key(i).0, vec![i; 10])
                    .expect("writes");
            }
        }
        assert_eq!(store.move_legacy_blobs(&objects).await.expect("moves"), 100);
        for i in [0u8, 63, 64, 99] {
            assert_eq!(
                objects.blob(&key(i)).await.expect("reads"),
                Some(vec![i; 10])
            );
        }
        let cf = store.inner.cf(CF_BLOBS).expect("blobs family");
        assert_eq!(
            store.inner.db.iterator_cf(cf, IteratorMode::Start).count(),
            0
        );
        assert_eq!(store.move_legacy_blobs(&objects).await.expect("moves"), 0);
    }

    fn key(i: u8) -> BlobKey {
        BlobKey([i; 32])
    }

    fn record(seq: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = seq.to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    fn new_blob<'a>(i: u8, payments: &'a [PaymentRecord]) -> NewBlob<'a> {
        NewBlob {
            key: key(i),
            account: [0; 20],
            blob_len: 3,
            header: b"h",
            payments,
        }
    }

    #[tokio::test]
    async fn payment_records_and_statuses_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path(), 3600).expect("opens");
            store
                .accept(new_blob(2, &[(b"oA".to_vec(), record(2, b"later"))]))
                .await
                .expect("accepts");
            store
                .accept(new_blob(1, &[(b"oA".to_vec(), record(1, b"earlier"))]))
                .await
                .expect("accepts");
            let mut done = store.status(&key(1)).await.expect("reads").expect("exists");
            done.state = BlobState::Complete;
            store
                .set_status(&key(1), BlobState::Queued, &done)
                .await
                .expect("writes");
        }
        let store = Store::open(dir.path(), 3600).expect("reopens");
        assert_eq!(
            store.payment_records().await.expect("reads"),
            vec![(b"oA".to_vec(), record(2, b"later"))]
        );
        assert_eq!(store.pending().await.expect("scans"), vec![key(2)]);
        // the retention schedule survived too
        assert_eq!(
            store.expire(now_secs() + 3601).await.expect("sweeps"),
            vec![key(1)]
        );
    }
}
