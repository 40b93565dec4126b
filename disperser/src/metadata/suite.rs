//! One test suite, run against both backends: every case is a function over
//! `&dyn MetadataStore`, instantiated once on RocksDB (a temporary directory) and once on
//! PostgreSQL (a fresh database of a throwaway cluster, [`super::test_cluster`]).

use std::sync::Arc;
use std::time::Duration;

use lamina_core::BlobKey;

use super::test_cluster::PgCluster;
use super::{MetadataStore, NewBlob, PostgresStore};
use crate::error::StoreError;
use crate::store::{
    AnchorState, BatchRecord, BlobState, Confirmation, PaymentRecord, StatusRecord, Store, now_secs,
};

/// A store under test and what keeps it alive (its directory or its cluster).
struct Backend {
    store: Arc<dyn MetadataStore>,
    _dir: Option<tempfile::TempDir>,
    _cluster: Option<Arc<PgCluster>>,
}

fn rocksdb(retention_secs: u64) -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), retention_secs).expect("opens");
    Backend {
        store: Arc::new(store),
        _dir: Some(dir),
        _cluster: None,
    }
}

async fn postgres(retention_secs: u64) -> Option<Backend> {
    let cluster = PgCluster::shared()?;
    let url = cluster.fresh_database().await.expect("creates a database");
    let store = PostgresStore::connect(&lamina_storage::SecretString::new(url), 4, retention_secs)
        .await
        .expect("connects and migrates");
    Some(Backend {
        store: Arc::new(store),
        _dir: None,
        _cluster: Some(cluster),
    })
}

/// `$case(store)` on RocksDB and on PostgreSQL, as two tests in module `$case`.
macro_rules! both_backends {
    ($case:ident, retention = $retention:expr) => {
        mod $case {
            #[tokio::test]
            async fn rocksdb() {
                let backend = super::rocksdb($retention);
                super::$case(backend.store.as_ref()).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(backend) = super::postgres($retention).await else {
                    return;
                };
                super::$case(backend.store.as_ref()).await;
            }
        }
    };
}

both_backends!(accept_records_a_queued_blob_once, retention = 0);
both_backends!(status_writes_compare_and_set, retention = 0);
both_backends!(concurrent_writers_one_wins, retention = 0);
both_backends!(batches_start_and_finish_all_or_nothing, retention = 0);
both_backends!(kept_blobs_expire_after_retention, retention = 3600);
both_backends!(without_retention_nothing_is_kept, retention = 0);
both_backends!(recent_blobs_and_batches_page_newest_first, retention = 0);
both_backends!(payment_records_keep_the_highest_sequence, retention = 0);
both_backends!(leases_admit_one_holder_until_expiry, retention = 0);

fn key(i: u8) -> BlobKey {
    BlobKey([i; 32])
}

fn blob<'a>(i: u8, account: [u8; 20], payments: &'a [PaymentRecord]) -> NewBlob<'a> {
    NewBlob {
        key: key(i),
        account,
        blob_len: 100 + u64::from(i),
        header: b"header",
        payments,
    }
}

async fn accept(store: &dyn MetadataStore, i: u8) {
    store.accept(blob(i, [0; 20], &[])).await.expect("accepts");
}

async fn status(store: &dyn MetadataStore, i: u8) -> StatusRecord {
    store
        .status(&key(i))
        .await
        .expect("reads")
        .expect("present")
}

/// Moves blob `i` from its stored state to `to`.
async fn advance(store: &dyn MetadataStore, i: u8, to: BlobState) {
    let mut record = status(store, i).await;
    let from = record.state;
    record.state = to;
    store
        .set_status(&key(i), from, &record)
        .await
        .expect("a transition from the stored state");
}

fn batch_record(keys: &[u8], anchor: AnchorState) -> BatchRecord {
    BatchRecord {
        blob_keys: keys.iter().map(|i| key(*i).to_string()).collect(),
        batch_root: "0x00".into(),
        reference_block_number: 7,
        anchor,
        dispatched_ns: 1,
        finished_ns: 2,
        blob_bytes: 3,
        quorums: Vec::new(),
        operators: Vec::new(),
    }
}

fn is_conflict(result: Result<(), StoreError>, want_found: BlobState) -> bool {
    matches!(result, Err(StoreError::Conflict { found, .. }) if found == want_found)
}

async fn accept_records_a_queued_blob_once(store: &dyn MetadataStore) {
    assert!(!store.contains(&key(1)).await.expect("reads"));
    assert_eq!(store.status(&key(1)).await.expect("reads"), None);
    accept(store, 1).await;
    assert!(store.contains(&key(1)).await.expect("reads"));
    let record = status(store, 1).await;
    assert_eq!(record.state, BlobState::Queued);
    assert_eq!(record.blob_bytes, 101);
    assert_eq!(record.attempts, 1);
    assert_eq!(
        store.header(&key(1)).await.expect("reads"),
        Some(b"header".to_vec())
    );
    assert_eq!(store.pending().await.expect("scans"), vec![key(1)]);
    // a second API server accepting the same key loses, and changes nothing
    assert!(matches!(
        store.accept(blob(1, [9; 20], &[])).await,
        Err(StoreError::AlreadyAccepted(k)) if k == key(1)
    ));
    assert_eq!(status(store, 1).await, record);
}

async fn status_writes_compare_and_set(store: &dyn MetadataStore) {
    accept(store, 1).await;
    accept(store, 2).await;
    let mut encoded = status(store, 1).await;
    encoded.state = BlobState::Encoded;
    store
        .set_status(&key(1), BlobState::Queued, &encoded)
        .await
        .expect("QUEUED -> ENCODED");
    // a writer that read QUEUED before the write above is refused: no regression
    let mut stale = encoded.clone();
    stale.state = BlobState::Queued;
    assert!(is_conflict(
        store.set_status(&key(1), BlobState::Queued, &stale).await,
        BlobState::Encoded
    ));
    assert_eq!(status(store, 1).await.state, BlobState::Encoded);

    // terminal states are never left, not even by a writer that expects them
    let mut failed = encoded.clone();
    failed.state = BlobState::Failed;
    failed.reason = "test".into();
    store
        .set_status(&key(1), BlobState::Encoded, &failed)
        .await
        .expect("ENCODED -> FAILED");
    for expected in [BlobState::Failed, BlobState::Encoded, BlobState::Queued] {
        assert!(is_conflict(
            store.set_status(&key(1), expected, &encoded).await,
            BlobState::Failed
        ));
    }
    assert_eq!(status(store, 1).await, failed);
    assert_eq!(
        store.pending().await.expect("scans"),
        vec![key(2)],
        "a terminal blob leaves the pending list"
    );
    assert!(matches!(
        store.set_status(&key(3), BlobState::Queued, &encoded).await,
        Err(StoreError::UnknownBlob(k)) if k == key(3)
    ));
}

async fn concurrent_writers_one_wins(store: &dyn MetadataStore) {
    accept(store, 1).await;
    let record = status(store, 1).await;
    let attempts = (0..8u32).map(|n| {
        let mut next = record.clone();
        next.state = BlobState::Encoded;
        next.attempts = n;
        async move { store.set_status(&key(1), BlobState::Queued, &next).await }
    });
    let results = futures::future::join_all(attempts).await;
    let won: Vec<usize> = (0..results.len()).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(won.len(), 1, "exactly one writer wins: {results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(StoreError::Conflict { .. })))
    );
    assert_eq!(status(store, 1).await.attempts, won[0] as u32);
}

async fn batches_start_and_finish_all_or_nothing(store: &dyn MetadataStore) {
    for i in 1..=3 {
        accept(store, i).await;
    }
    advance(store, 1, BlobState::Encoded).await;
    advance(store, 2, BlobState::Encoded).await;
    // blob 3 is still QUEUED: the batch does not start, and blob 1 stays ENCODED
    assert!(is_conflict(
        store.start_batch(&[key(1), key(3)]).await.map(drop),
        BlobState::Queued
    ));
    assert_eq!(status(store, 1).await.state, BlobState::Encoded);

    let (id, records) = store.start_batch(&[key(1), key(2)]).await.expect("starts");
    assert_eq!(records.len(), 2);
    for (i, record) in [1u8, 2].iter().zip(&records) {
        assert_eq!(record.state, BlobState::GatheringSignatures);
        assert_eq!(record.batch_id, Some(id));
        assert!(record.dispatched_ns.is_some());
        assert_eq!(&status(store, *i).await, record);
    }
    // a blob already in a batch cannot be put in another
    assert!(is_conflict(
        store.start_batch(&[key(1)]).await.map(drop),
        BlobState::GatheringSignatures
    ));

    let mut complete = records[0].clone();
    complete.state = BlobState::Complete;
    complete.cert_abi_hex = Some("abcd".into());
    let mut short = records[1].clone();
    short.state = BlobState::InsufficientSignatures;
    short.reason = "too little stake".into();
    let mut queued = status(store, 3).await;
    queued.state = BlobState::Complete;
    let batch = batch_record(&[1, 2], AnchorState::Pending);
    // one blob of the outcome was not gathering signatures: nothing is written
    assert!(is_conflict(
        store
            .finish_batch(id, &batch, &[(key(1), complete.clone()), (key(3), queued)])
            .await,
        BlobState::Queued
    ));
    assert_eq!(store.batch(id).await.expect("reads"), None);
    assert_eq!(status(store, 1).await.state, BlobState::GatheringSignatures);

    store
        .finish_batch(
            id,
            &batch,
            &[(key(1), complete.clone()), (key(2), short.clone())],
        )
        .await
        .expect("finishes");
    assert_eq!(store.batch(id).await.expect("reads"), Some(batch.clone()));
    assert_eq!(status(store, 1).await, complete);
    assert_eq!(status(store, 1).await.cert_abi(), Some(vec![0xab, 0xcd]));
    assert_eq!(status(store, 2).await, short);
    assert_eq!(store.pending().await.expect("scans"), vec![key(3)]);
    // a second outcome for the same batch (a controller that lost its lease) is refused
    assert!(
        store
            .finish_batch(id, &batch, &[(key(1), complete)])
            .await
            .is_err()
    );

    assert_eq!(
        store.batches_to_anchor().await.expect("scans"),
        vec![(id, batch.clone())]
    );
    let mut anchored = batch;
    anchored.anchor = AnchorState::Confirmed(Confirmation {
        tx_hash: "0x01".into(),
        block_number: 9,
    });
    store.set_batch(id, &anchored).await.expect("writes");
    assert!(store.batches_to_anchor().await.expect("scans").is_empty());
    assert_eq!(store.batch(id).await.expect("reads"), Some(anchored));

    advance(store, 3, BlobState::Encoded).await;
    let (next, _) = store.start_batch(&[key(3)]).await.expect("starts");
    assert!(next > id, "batch ids grow: {next} after {id}");
}

async fn end_in(store: &dyn MetadataStore, i: u8, state: BlobState) {
    accept(store, i).await;
    advance(store, i, state).await;
}

async fn kept_blobs_expire_after_retention(store: &dyn MetadataStore) {
    end_in(store, 1, BlobState::Complete).await;
    end_in(store, 2, BlobState::Failed).await;
    end_in(store, 3, BlobState::InsufficientSignatures).await;
    accept(store, 4).await;
    let now = now_secs();
    assert!(store.expire(now).await.expect("sweeps").is_empty());
    assert_eq!(
        store.expire(now + 3601).await.expect("sweeps"),
        vec![key(1)],
        "only the COMPLETE blob was kept"
    );
    assert!(store.expire(now + 7200).await.expect("sweeps").is_empty());
    assert_eq!(
        status(store, 1).await.state,
        BlobState::Complete,
        "status stays"
    );
}

async fn without_retention_nothing_is_kept(store: &dyn MetadataStore) {
    end_in(store, 1, BlobState::Complete).await;
    assert!(store.expire(u64::MAX / 4).await.expect("sweeps").is_empty());
}

async fn recent_blobs_and_batches_page_newest_first(store: &dyn MetadataStore) {
    let (a, b) = ([0xaa; 20], [0xbb; 20]);
    for i in 1..=5u8 {
        let account = if i % 2 == 1 { a } else { b };
        store.accept(blob(i, account, &[])).await.expect("accepts");
    }
    let keys = |v: Vec<(u64, BlobKey)>| v.into_iter().map(|(_, k)| k).collect::<Vec<_>>();
    let all = store.recent_blobs(None, None, 10).await.expect("lists");
    assert_eq!(keys(all), vec![key(5), key(4), key(3), key(2), key(1)]);
    let first = store.recent_blobs(None, None, 2).await.expect("lists");
    let next = store
        .recent_blobs(None, first.last().copied(), 2)
        .await
        .expect("lists");
    assert_eq!(keys(next), vec![key(3), key(2)]);
    let of_a = store.recent_blobs(Some(&a), None, 10).await.expect("lists");
    assert_eq!(keys(of_a.clone()), vec![key(5), key(3), key(1)]);
    let after_5 = store
        .recent_blobs(Some(&a), of_a.first().copied(), 10)
        .await
        .expect("lists");
    assert_eq!(keys(after_5), vec![key(3), key(1)]);
    assert!(
        store
            .recent_blobs(Some(&[0xcc; 20]), None, 10)
            .await
            .expect("lists")
            .is_empty()
    );

    let mut ids = Vec::new();
    for i in 1..=3u8 {
        advance(store, i, BlobState::Encoded).await;
        let (id, mut records) = store.start_batch(&[key(i)]).await.expect("batch");
        records[0].state = BlobState::Complete;
        store
            .finish_batch(
                id,
                &batch_record(&[i], AnchorState::NotAnchored),
                &[(key(i), records.remove(0))],
            )
            .await
            .expect("finishes");
        ids.push(id);
    }
    let listed = |v: Vec<(u64, BatchRecord)>| v.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    assert_eq!(
        listed(store.recent_batches(None, 10).await.expect("lists")),
        vec![ids[2], ids[1], ids[0]]
    );
    assert_eq!(
        listed(store.recent_batches(Some(ids[2]), 1).await.expect("lists")),
        vec![ids[1]]
    );
    assert!(
        store
            .recent_batches(Some(ids[0]), 10)
            .await
            .expect("lists")
            .is_empty()
    );
}

fn payment(seq: u64, payload: &[u8]) -> Vec<u8> {
    let mut v = seq.to_be_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

async fn payment_records_keep_the_highest_sequence(store: &dyn MetadataStore) {
    // blob 2 (charged later, sequence 2) is written before blob 1 (sequence 1)
    let later = [(b"oA".to_vec(), payment(2, b"later"))];
    store
        .accept(blob(2, [0; 20], &later))
        .await
        .expect("accepts");
    let earlier = [
        (b"oA".to_vec(), payment(1, b"earlier")),
        (b"g".to_vec(), payment(1, b"global")),
    ];
    store
        .accept(blob(1, [0; 20], &earlier))
        .await
        .expect("accepts");
    accept(store, 3).await;
    let high = [(b"g".to_vec(), payment(300, b"global 300"))];
    store
        .accept(blob(4, [0; 20], &high))
        .await
        .expect("accepts");
    assert_eq!(
        store.payment_records().await.expect("reads"),
        vec![
            (b"g".to_vec(), payment(300, b"global 300")),
            (b"oA".to_vec(), payment(2, b"later")),
        ]
    );
    // a refused accept writes no payment record
    let replay = [(b"oB".to_vec(), payment(9, b"never"))];
    assert!(store.accept(blob(4, [0; 20], &replay)).await.is_err());
    assert_eq!(store.payment_records().await.expect("reads").len(), 2);
}

async fn leases_admit_one_holder_until_expiry(store: &dyn MetadataStore) {
    let hour = Duration::from_secs(3600);
    assert!(
        store
            .try_acquire_lease("controller", "a", hour)
            .await
            .expect("acquires")
    );
    assert!(
        !store
            .try_acquire_lease("controller", "b", hour)
            .await
            .expect("tries"),
        "a holds it"
    );
    assert!(
        store
            .renew_lease("controller", "a", hour)
            .await
            .expect("renews")
    );
    assert!(
        !store
            .renew_lease("controller", "b", hour)
            .await
            .expect("tries")
    );
    assert!(
        store
            .try_acquire_lease("other", "b", hour)
            .await
            .expect("acquires"),
        "leases are per name"
    );
    // a's lease runs out (a zero TTL ends it at once): the standby b takes over ...
    assert!(
        store
            .try_acquire_lease("controller", "a", Duration::ZERO)
            .await
            .expect("re-acquires")
    );
    assert!(
        store
            .try_acquire_lease("controller", "b", hour)
            .await
            .expect("takes over"),
        "an expired lease goes to the standby"
    );
    // ... and a, back, can neither renew nor take it, nor release b's
    assert!(
        !store
            .renew_lease("controller", "a", hour)
            .await
            .expect("tries")
    );
    assert!(
        !store
            .try_acquire_lease("controller", "a", hour)
            .await
            .expect("tries")
    );
    store.release_lease("controller", "a").await.expect("no-op");
    assert!(
        !store
            .try_acquire_lease("controller", "a", hour)
            .await
            .expect("tries")
    );
    store
        .release_lease("controller", "b")
        .await
        .expect("releases");
    assert!(
        store
            .try_acquire_lease("controller", "a", hour)
            .await
            .expect("acquires"),
        "a released lease is free"
    );
}
