//! [`PostgresStore`]: the metadata in a PostgreSQL database shared by several API servers
//! and a controller (schema: `disperser/migrations/`, applied at connect).
//!
//! Every write is one statement or one transaction, committed (and so durable, with the
//! server's default `synchronous_commit`) before it returns. Status writes are
//! `UPDATE … WHERE state = $expected`; batch ids come from a sequence; leases compare
//! against the database's clock (`now()`), never a client's.

use std::time::Duration;

use async_trait::async_trait;
use lamina_core::BlobKey;
use lamina_storage::SecretString;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};

use super::{MetadataStore, NewBlob, PaymentUpdate, check_transition, drops_blob_object};
use crate::error::StoreError;
use crate::store::{
    AnchorState, BatchRecord, BlobState, PaymentRecord, StatusRecord, decode, encode, now_secs,
};

/// The disperser's metadata in PostgreSQL.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    retention_secs: u64,
}

fn pg(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Postgres { op, source }
}

/// A u64 as BIGINT (every stored u64 is a timestamp or an id below 2^63).
fn to_i64(what: &'static str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt {
        what,
        reason: format!("{v} does not fit a BIGINT"),
    })
}

fn to_u64(what: &'static str, v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        what,
        reason: format!("negative: {v}"),
    })
}

fn to_key(bytes: &[u8]) -> Result<BlobKey, StoreError> {
    bytes
        .try_into()
        .map(BlobKey)
        .map_err(|_| StoreError::Corrupt {
            what: "blob key",
            reason: format!("{} bytes, expected 32", bytes.len()),
        })
}

fn state_of(label: &str) -> Result<BlobState, StoreError> {
    [
        BlobState::Queued,
        BlobState::Encoded,
        BlobState::GatheringSignatures,
        BlobState::Complete,
        BlobState::Failed,
        BlobState::InsufficientSignatures,
    ]
    .into_iter()
    .find(|s| s.label() == label)
    .ok_or_else(|| StoreError::Corrupt {
        what: "blob state",
        reason: format!("unknown label {label:?}"),
    })
}

fn batch_rows(rows: &[sqlx::postgres::PgRow]) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
    rows.iter()
        .map(|row| {
            let id = to_u64("batch id", row.try_get("batch_id").map_err(pg("batch id"))?)?;
            let record: Vec<u8> = row.try_get("record").map_err(pg("batch record"))?;
            Ok((id, decode(&record)?))
        })
        .collect()
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects to `url` (a pool of `max_connections`) and applies the migrations that
    /// the database lacks; COMPLETE blobs keep their objects `retention_secs`.
    pub async fn connect(
        url: &SecretString,
        max_connections: u32,
        retention_secs: u64,
    ) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url.expose())
            .await
            .map_err(pg("connect"))?;
        // Several API servers may start at once: sqlx takes an advisory lock around the
        // migrations, so each is applied exactly once.
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self {
            pool,
            retention_secs,
        })
    }

    /// Writes one blob's status inside `tx` after checking (under the row lock) that it
    /// is `expected`; the row's `state`, `pending` and `expires_secs` follow the record.
    async fn put_status(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        key: &BlobKey,
        expected: BlobState,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        let terminal = record.state.is_terminal();
        let expires = (terminal && !drops_blob_object(record.state, self.retention_secs))
            .then(|| to_i64("expiry", now_secs().saturating_add(self.retention_secs)))
            .transpose()?;
        let updated = sqlx::query(
            "UPDATE blobs SET state = $1, status = $2, pending = $3, expires_secs = $4 \
             WHERE blob_key = $5 AND state = $6 AND pending",
        )
        .bind(record.state.label())
        .bind(encode(record)?)
        .bind(!terminal)
        .bind(expires)
        .bind(key.0.as_slice())
        .bind(expected.label())
        .execute(&mut **tx)
        .await
        .map_err(pg("set status"))?;
        if updated.rows_affected() == 1 {
            return Ok(());
        }
        let found: Option<String> =
            sqlx::query_scalar("SELECT state FROM blobs WHERE blob_key = $1")
                .bind(key.0.as_slice())
                .fetch_optional(&mut **tx)
                .await
                .map_err(pg("read status"))?;
        let found = state_of(&found.ok_or(StoreError::UnknownBlob(*key))?)?;
        check_transition(key, expected, found)?;
        // The row was `expected` and pending a moment ago yet matched nothing: report
        // it as the conflict it is.
        Err(StoreError::Conflict {
            key: *key,
            expected,
            found,
        })
    }
}

fn payment_rows(rows: &[sqlx::postgres::PgRow]) -> Result<Vec<PaymentRecord>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("record_key").map_err(pg("payment key"))?,
                row.try_get("value").map_err(pg("payment value"))?,
            ))
        })
        .collect()
}

/// Writes payment records, each keeping the highest sequence (the value's first 8 bytes,
/// big-endian, compare as bytes do); on a tie the later write wins, as RocksDB's merge does.
async fn write_payment_records(
    tx: &mut Transaction<'_, Postgres>,
    records: &[PaymentRecord],
) -> Result<(), StoreError> {
    for (k, v) in records {
        sqlx::query(
            "INSERT INTO payments (record_key, value) VALUES ($1, $2) \
             ON CONFLICT (record_key) DO UPDATE SET value = EXCLUDED.value \
             WHERE substring(payments.value from 1 for 8) \
                <= substring(EXCLUDED.value from 1 for 8)",
        )
        .bind(k.as_slice())
        .bind(v.as_slice())
        .execute(&mut **tx)
        .await
        .map_err(pg("payment record"))?;
    }
    Ok(())
}

/// The advisory lock that guards payment record `key`: 64 bits of its keccak under a
/// domain of Lamina's own, so it shares no id with another application's locks by design.
fn advisory_lock_id(key: &[u8]) -> i64 {
    let mut preimage = b"lamina.disperser.payment-record:".to_vec();
    preimage.extend_from_slice(key);
    let mut id = [0u8; 8];
    id.copy_from_slice(&alloy_primitives::keccak256(preimage)[..8]);
    i64::from_be_bytes(id)
}

#[async_trait]
impl MetadataStore for PostgresStore {
    async fn accept(&self, blob: NewBlob<'_>) -> Result<(), StoreError> {
        let status = StatusRecord {
            blob_bytes: blob.blob_len,
            ..StatusRecord::queued()
        };
        let mut tx = self.pool.begin().await.map_err(pg("begin accept"))?;
        let inserted = sqlx::query(
            "INSERT INTO blobs (blob_key, account, header, state, status, accepted_ns, pending) \
             VALUES ($1, $2, $3, $4, $5, $6, TRUE) ON CONFLICT (blob_key) DO NOTHING",
        )
        .bind(blob.key.0.as_slice())
        .bind(blob.account.as_slice())
        .bind(blob.header)
        .bind(status.state.label())
        .bind(encode(&status)?)
        .bind(to_i64("accepted_ns", status.accepted_ns)?)
        .execute(&mut *tx)
        .await
        .map_err(pg("accept"))?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::AlreadyAccepted(blob.key));
        }
        write_payment_records(&mut tx, blob.payments).await?;
        tx.commit().await.map_err(pg("commit accept"))
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM blobs WHERE blob_key = $1)")
            .bind(key.0.as_slice())
            .fetch_one(&self.pool)
            .await
            .map_err(pg("contains"))
    }

    async fn status(&self, key: &BlobKey) -> Result<Option<StatusRecord>, StoreError> {
        let status: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT status FROM blobs WHERE blob_key = $1")
                .bind(key.0.as_slice())
                .fetch_optional(&self.pool)
                .await
                .map_err(pg("status"))?;
        status.map(|s| decode(&s)).transpose()
    }

    async fn header(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT header FROM blobs WHERE blob_key = $1")
            .bind(key.0.as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err(pg("header"))
    }

    async fn set_status(
        &self,
        key: &BlobKey,
        expected: BlobState,
        record: &StatusRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg("begin set status"))?;
        self.put_status(&mut tx, key, expected, record).await?;
        tx.commit().await.map_err(pg("commit set status"))
    }

    async fn start_batch(&self, keys: &[BlobKey]) -> Result<(u64, Vec<StatusRecord>), StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg("begin batch"))?;
        let id: i64 = sqlx::query_scalar("SELECT nextval('batch_ids')")
            .fetch_one(&mut *tx)
            .await
            .map_err(pg("next batch id"))?;
        let id = to_u64("batch id", id)?;
        // Lock the rows in key order first: two controllers batching overlapping blobs
        // then wait for each other instead of deadlocking.
        let key_bytes: Vec<Vec<u8>> = keys.iter().map(|k| k.0.to_vec()).collect();
        sqlx::query("SELECT 1 FROM blobs WHERE blob_key = ANY($1) ORDER BY blob_key FOR UPDATE")
            .bind(&key_bytes)
            .execute(&mut *tx)
            .await
            .map_err(pg("lock batch blobs"))?;
        let mut records = Vec::with_capacity(keys.len());
        for key in keys {
            let stored: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT status FROM blobs WHERE blob_key = $1")
                    .bind(key.0.as_slice())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(pg("read status"))?;
            let mut record: StatusRecord = decode(&stored.ok_or(StoreError::UnknownBlob(*key))?)?;
            check_transition(key, BlobState::Encoded, record.state)?;
            record.state = BlobState::GatheringSignatures;
            record.batch_id = Some(id);
            record.updated_ns = crate::store::now_ns();
            record.dispatched_ns = Some(record.updated_ns);
            self.put_status(&mut tx, key, BlobState::Encoded, &record)
                .await?;
            records.push(record);
        }
        tx.commit().await.map_err(pg("commit batch"))?;
        Ok((id, records))
    }

    async fn finish_batch(
        &self,
        batch_id: u64,
        record: &BatchRecord,
        blobs: &[(BlobKey, StatusRecord)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg("begin finish"))?;
        sqlx::query(
            "INSERT INTO batches (batch_id, record, anchor_pending) VALUES ($1, $2, $3) \
             ON CONFLICT (batch_id) DO UPDATE \
             SET record = EXCLUDED.record, anchor_pending = EXCLUDED.anchor_pending",
        )
        .bind(to_i64("batch id", batch_id)?)
        .bind(encode(record)?)
        .bind(record.anchor == AnchorState::Pending)
        .execute(&mut *tx)
        .await
        .map_err(pg("write batch"))?;
        for (key, status) in blobs {
            self.put_status(&mut tx, key, BlobState::GatheringSignatures, status)
                .await?;
        }
        tx.commit().await.map_err(pg("commit finish"))
    }

    async fn set_batch(&self, batch_id: u64, record: &BatchRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO batches (batch_id, record, anchor_pending) VALUES ($1, $2, $3) \
             ON CONFLICT (batch_id) DO UPDATE \
             SET record = EXCLUDED.record, anchor_pending = EXCLUDED.anchor_pending",
        )
        .bind(to_i64("batch id", batch_id)?)
        .bind(encode(record)?)
        .bind(record.anchor == AnchorState::Pending)
        .execute(&self.pool)
        .await
        .map_err(pg("write batch"))?;
        Ok(())
    }

    async fn batch(&self, batch_id: u64) -> Result<Option<BatchRecord>, StoreError> {
        let record: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT record FROM batches WHERE batch_id = $1")
                .bind(to_i64("batch id", batch_id)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(pg("read batch"))?;
        record.map(|r| decode(&r)).transpose()
    }

    async fn pending(&self) -> Result<Vec<BlobKey>, StoreError> {
        let keys: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT blob_key FROM blobs WHERE pending ORDER BY blob_key")
                .fetch_all(&self.pool)
                .await
                .map_err(pg("pending"))?;
        keys.iter().map(|k| to_key(k)).collect()
    }

    async fn batches_to_anchor(&self) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        let rows = sqlx::query(
            "SELECT batch_id, record FROM batches WHERE anchor_pending ORDER BY batch_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(pg("batches to anchor"))?;
        batch_rows(&rows)
    }

    async fn expire(&self, now_secs: u64) -> Result<Vec<BlobKey>, StoreError> {
        let keys: Vec<Vec<u8>> = sqlx::query_scalar(
            "UPDATE blobs SET expires_secs = NULL \
             WHERE expires_secs IS NOT NULL AND expires_secs <= $1 RETURNING blob_key",
        )
        .bind(to_i64("expiry", now_secs)?)
        .fetch_all(&self.pool)
        .await
        .map_err(pg("expire"))?;
        let mut keys = keys
            .iter()
            .map(|k| to_key(k))
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort_unstable_by_key(|k| k.0);
        Ok(keys)
    }

    async fn recent_blobs(
        &self,
        account: Option<&[u8; 20]>,
        before: Option<(u64, BlobKey)>,
        limit: usize,
    ) -> Result<Vec<(u64, BlobKey)>, StoreError> {
        let (before_ns, before_key) = match before {
            Some((ns, key)) => (Some(to_i64("cursor", ns)?), Some(key.0.to_vec())),
            None => (None, None),
        };
        // Row comparison: the same order as RocksDB's `accepted ‖ key` byte keys.
        let rows = sqlx::query(
            "SELECT accepted_ns, blob_key FROM blobs \
             WHERE ($1::BYTEA IS NULL OR account = $1) \
               AND ($2::BIGINT IS NULL OR (accepted_ns, blob_key) < ($2, $3::BYTEA)) \
             ORDER BY accepted_ns DESC, blob_key DESC LIMIT $4",
        )
        .bind(account.map(|a| a.to_vec()))
        .bind(before_ns)
        .bind(before_key)
        .bind(limit_of(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(pg("recent blobs"))?;
        rows.iter()
            .map(|row| {
                let ns = to_u64(
                    "accepted_ns",
                    row.try_get("accepted_ns").map_err(pg("accepted_ns"))?,
                )?;
                let key: Vec<u8> = row.try_get("blob_key").map_err(pg("blob key"))?;
                Ok((ns, to_key(&key)?))
            })
            .collect()
    }

    async fn recent_batches(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, BatchRecord)>, StoreError> {
        let before = before.map(|b| to_i64("cursor", b)).transpose()?;
        let rows = sqlx::query(
            "SELECT batch_id, record FROM batches \
             WHERE ($1::BIGINT IS NULL OR batch_id < $1) \
             ORDER BY batch_id DESC LIMIT $2",
        )
        .bind(before)
        .bind(limit_of(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(pg("recent batches"))?;
        batch_rows(&rows)
    }

    async fn payment_records(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        let rows = sqlx::query("SELECT record_key, value FROM payments ORDER BY record_key")
            .fetch_all(&self.pool)
            .await
            .map_err(pg("payment records"))?;
        payment_rows(&rows)
    }

    async fn update_payment_records(
        &self,
        keys: &[Vec<u8>],
        update: &mut PaymentUpdate<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(pg("begin payment update"))?;
        // Transaction-scoped advisory locks, one per record, taken in one order so that
        // two updates never wait on each other; unlike row locks they also cover a
        // record nobody has written yet.
        let mut locks: Vec<i64> = keys.iter().map(|k| advisory_lock_id(k)).collect();
        locks.sort_unstable();
        locks.dedup();
        for lock in locks {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock)
                .execute(&mut *tx)
                .await
                .map_err(pg("payment lock"))?;
        }
        let rows = sqlx::query(
            "SELECT record_key, value FROM payments WHERE record_key = ANY($1) \
             ORDER BY record_key",
        )
        .bind(keys)
        .fetch_all(&mut *tx)
        .await
        .map_err(pg("payment records"))?;
        let stored = payment_rows(&rows)?;
        let records = update(&stored);
        write_payment_records(&mut tx, &records).await?;
        tx.commit().await.map_err(pg("commit payment update"))
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        // One statement: insert, or take over a row that expired or is already ours.
        let held = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) \
             VALUES ($1, $2, now() + make_interval(secs => $3)) \
             ON CONFLICT (name) DO UPDATE \
             SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
             WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= now()",
        )
        .bind(name)
        .bind(holder)
        .bind(ttl.as_secs_f64())
        .execute(&self.pool)
        .await
        .map_err(pg("acquire lease"))?;
        Ok(held.rows_affected() == 1)
    }

    async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE leases SET expires_at = now() + make_interval(secs => $3) \
             WHERE name = $1 AND holder = $2",
        )
        .bind(name)
        .bind(holder)
        .bind(ttl.as_secs_f64())
        .execute(&self.pool)
        .await
        .map_err(pg("renew lease"))?;
        Ok(renewed.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(pg("release lease"))?;
        Ok(())
    }
}
