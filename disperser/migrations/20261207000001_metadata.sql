-- The disperser's metadata (lamina-disperser, src/metadata/postgres.rs). Blob bytes live
-- in the object store; this holds headers, statuses, batches, payment records, leases.
-- u64 values (nanosecond and second timestamps, batch ids) are stored as BIGINT: they stay
-- below 2^63 until the year 2262.

CREATE TABLE blobs (
    blob_key     BYTEA   PRIMARY KEY,
    account      BYTEA   NOT NULL,
    -- prost BlobCertificate (header + client signature)
    header       BYTEA   NOT NULL,
    -- the StatusRecord's state label: what compare-and-set writes compare
    state        TEXT    NOT NULL,
    -- the StatusRecord, JSON (the same codec as the RocksDB backend)
    status       BYTEA   NOT NULL,
    accepted_ns  BIGINT  NOT NULL,
    -- not terminal yet (start-up recovery scans these)
    pending      BOOLEAN NOT NULL,
    -- when a kept (COMPLETE) blob's object goes, Unix seconds
    expires_secs BIGINT
);
CREATE INDEX blobs_recent ON blobs (accepted_ns DESC, blob_key DESC);
CREATE INDEX blobs_by_account ON blobs (account, accepted_ns DESC, blob_key DESC);
CREATE INDEX blobs_pending ON blobs (blob_key) WHERE pending;
CREATE INDEX blobs_expiry ON blobs (expires_secs) WHERE expires_secs IS NOT NULL;

-- Batch ids: allocated by start_batch (a rolled-back transaction leaves a gap).
CREATE SEQUENCE batch_ids AS BIGINT MINVALUE 0 START WITH 0;

CREATE TABLE batches (
    batch_id       BIGINT  PRIMARY KEY,
    -- the BatchRecord, JSON
    record         BYTEA   NOT NULL,
    anchor_pending BOOLEAN NOT NULL
);
CREATE INDEX batches_to_anchor ON batches (batch_id) WHERE anchor_pending;

-- Payment records: key -> sequence (u64 BE, the first 8 bytes) ‖ state; a write keeps the
-- record with the highest sequence.
CREATE TABLE payments (
    record_key BYTEA PRIMARY KEY,
    value      BYTEA NOT NULL
);

-- Leases (the controller's): held by `holder` until `expires_at` (the database's clock).
CREATE TABLE leases (
    name       TEXT        PRIMARY KEY,
    holder     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
