//! The disperser's metadata: every accepted blob's header and status, the batches, the
//! payment records and the controller lease, behind one trait with two backends.
//!
//! - [`crate::store::Store`] (RocksDB, the default): one process owns the database; the
//!   API server and the controller run in it.
//! - [`PostgresStore`]: a shared database, for several API servers and a controller on
//!   different machines.
//!
//! Blob bytes are not metadata: they live in the object store
//! ([`lamina_storage::BlobObjects`]), written before [`MetadataStore::accept`], so an
//! accepted blob's bytes always exist (a crash between the two leaves only an orphan
//! object, never a blob without bytes).
//!
//! Status writes are compare-and-set ([`MetadataStore::set_status`]): a writer names the
//! state it read, and a write against any other stored state fails with
//! [`StoreError::Conflict`], so two writers (two API servers, a controller and its
//! standby) never move a blob backwards; a terminal state is never left.
//!
//! Both backends pass the same test suite (`metadata/suite.rs`).

mod config;
mod postgres;
#[cfg(test)]
mod suite;
pub mod test_cluster;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lamina_core::BlobKey;

pub use config::{MetadataBackend, MetadataConfig};
pub use postgres::PostgresStore;

use crate::error::StoreError;
use crate::store::{BatchRecord, BlobState, PaymentRecord, StatusRecord};

/// What [`MetadataStore::accept`] records about a blob whose bytes are already in the
/// object store.
#[derive(Clone, Copy, Debug)]
pub struct NewBlob<'a> {
    /// The blob key.
    pub key: BlobKey,
    /// The paying account (the per-account blob list); zero when unknown.
    pub account: [u8; 20],
    /// The blob's length in bytes (its bytes are in the object store).
    pub blob_len: u64,
    /// The header record: prost `BlobCertificate` (header + client signature).
    pub header: &'a [u8],
    /// The blob's payment records ([`crate::payments::Charge`]), written with it.
    pub payments: &'a [PaymentRecord],
}

/// What [`MetadataStore::update_payment_records`] runs under its lock: the stored records
/// in, the records to write out.
pub type PaymentUpdate<'a> =
    dyn for<'r> FnMut(&'r [PaymentRecord]) -> Vec<PaymentRecord> + Send + 'a;

/// The disperser's metadata store. Object-safe: the pipeline holds an
/// `Arc<dyn MetadataStore>`.
///
/// Every write is durable when it returns (a synced RocksDB write batch, a committed
/// PostgreSQL transaction), and every multi-record write is atomic.
#[async_trait]
pub trait MetadataStore: Send + Sync + std::fmt::Debug {
    /// Records an accepted blob: header, status `QUEUED` with its length, the recent and
    /// per-account lists, and its payment records (each keeps the highest sequence), in
    /// one atomic write. [`StoreError::AlreadyAccepted`] when the key is known.
    async fn accept(&self, blob: NewBlob<'_>) -> Result<(), StoreError>;

    /// Whether a blob with this key was ever accepted.
    async fn contains(&self, key: &BlobKey) -> Result<bool, StoreError>;

    /// The blob's status.
    async fn status(&self, key: &BlobKey) -> Result<Option<StatusRecord>, StoreError>;

    /// The blob's header record (prost `BlobCertificate`).
    async fn header(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes `record` if the stored state is `expected` and not terminal; otherwise
    /// [`StoreError::Conflict`] (or [`StoreError::UnknownBlob`]). A terminal record also
    /// ends the blob's pending mark and, when COMPLETE with a retention period, schedules
    /// its blob object's deletion ([`Self::expire`]); any other end leaves the object to
    /// the caller to delete ([`drops_blob_object`]).
    async fn set_status(
        &self,
        key: &BlobKey,
        expected: BlobState,
        record: &StatusRecord,
    ) -> Result<(), StoreError>;

    /// Allocates the next batch id and moves every blob of `keys` from `ENCODED` to
    /// `GATHERING_SIGNATURES` in it, atomically: all or none
    /// ([`StoreError::Conflict`] names the first blob that was not `ENCODED`).
    async fn start_batch(&self, keys: &[BlobKey]) -> Result<(u64, Vec<StatusRecord>), StoreError>;

    /// Records a batch's outcome: the batch record and every blob's new status (from
    /// `GATHERING_SIGNATURES`), atomically: all or none.
    async fn finish_batch(
        &self,
        batch_id: u64,
        record: &BatchRecord,
        blobs: &[(BlobKey, StatusRecord)],
    ) -> Result<(), StoreError>;

    /// Replaces a batch record (its anchoring state).
    async fn set_batch(&self, batch_id: u64, record: &BatchRecord) -> Result<(), StoreError>;

    /// A batch record.
    async fn batch(&self, batch_id: u64) -> Result<Option<BatchRecord>, StoreError>;

    /// Keys of every blob that is not terminal, in key order (start-up recovery).
    async fn pending(&self) -> Result<Vec<BlobKey>, StoreError>;

    /// Batches whose anchoring is still pending, by id.
    async fn batches_to_anchor(&self) -> Result<Vec<(u64, BatchRecord)>, StoreError>;

    /// Ends the retention of every kept blob whose retention ended at or before
    /// `now_secs` (Unix seconds) and returns their keys: the caller deletes their blob
    /// objects. A crash before it does leaves orphan objects, never a missing one.
    async fn expire(&self, now_secs: u64) -> Result<Vec<BlobKey>, StoreError>;

    /// Blobs accepted before `before` (`(accepted_ns, key)`, exclusive), newest first, at
    /// most `limit`; only those of `account` when given.
    async fn recent_blobs(
        &self,
        account: Option<&[u8; 20]>,
        before: Option<(u64, BlobKey)>,
        limit: usize,
    ) -> Result<Vec<(u64, BlobKey)>, StoreError>;

    /// Batches with ids below `before`, newest first, at most `limit`.
    async fn recent_batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, BatchRecord)>, StoreError>;

    /// Every persisted payment record, by key (restored at start by
    /// [`crate::payments::Payments::new`]).
    async fn payment_records(&self) -> Result<Vec<PaymentRecord>, StoreError>;

    /// Metering shared by every process on this database: locks the payment records
    /// `keys` against every other writer, calls `update` once with the stored ones and
    /// writes the records it returns, in one transaction. Several API servers then meter
    /// an account as one disperser would: none can spend a reservation or an on-demand
    /// payment that another already spent.
    ///
    /// A backend with one writer (RocksDB) calls nothing: there a charge's records are
    /// written with its blob, in [`Self::accept`].
    async fn update_payment_records(
        &self,
        keys: &[Vec<u8>],
        update: &mut PaymentUpdate<'_>,
    ) -> Result<(), StoreError> {
        let _ = (keys, update);
        Ok(())
    }

    /// Takes the lease `name` for `holder` for `ttl` when it is free, expired or already
    /// `holder`'s (then it is extended); returns whether `holder` holds it now. The
    /// controller's: only one controller acts, a standby takes over once the holder's
    /// lease expired.
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Extends `holder`'s lease `name` by `ttl` from now; false when another holder has
    /// it (it expired and was taken) or nobody does.
    async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Gives up `holder`'s lease `name` (nothing when another holder has it).
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError>;
}

/// Whether a blob that ended in `state` loses its blob object at once: every end but
/// COMPLETE with a retention period (then [`MetadataStore::expire`] says when).
pub fn drops_blob_object(state: BlobState, retention_secs: u64) -> bool {
    match state {
        BlobState::Complete => retention_secs == 0,
        BlobState::Failed | BlobState::InsufficientSignatures => true,
        BlobState::Queued | BlobState::Encoded | BlobState::GatheringSignatures => false,
    }
}

/// The CAS check both backends apply to one blob: `found` must be `expected` and not
/// terminal.
pub(crate) fn check_transition(
    key: &BlobKey,
    expected: BlobState,
    found: BlobState,
) -> Result<(), StoreError> {
    if found != expected || found.is_terminal() {
        return Err(StoreError::Conflict {
            key: *key,
            expected,
            found,
        });
    }
    Ok(())
}

/// Opens the backend `config` names; blobs COMPLETE keep their objects
/// `retention_secs` (0: deleted at once like every other end). A RocksDB database an
/// older disperser wrote has its blob bytes moved to `objects` first.
pub async fn open(
    config: &MetadataConfig,
    rocksdb_path: &std::path::Path,
    retention_secs: u64,
    objects: &lamina_storage::BlobObjects,
) -> Result<Arc<dyn MetadataStore>, crate::DisperserError> {
    match config.backend {
        MetadataBackend::Rocksdb => {
            let store = crate::store::Store::open(rocksdb_path, retention_secs)?;
            let moved = store.move_legacy_blobs(objects).await?;
            if moved > 0 {
                tracing::info!(
                    blobs = moved,
                    "moved blob bytes from RocksDB to the object store"
                );
            }
            Ok(Arc::new(store))
        }
        MetadataBackend::Postgres => {
            let url = config.postgres_url()?;
            Ok(Arc::new(
                PostgresStore::connect(&url, config.max_connections, retention_secs).await?,
            ))
        }
    }
}
