use super::*;

fn blob(n: u8, quorums: &[QuorumId], frames: &[(u32, &'static [u8])]) -> BlobWrite<'static> {
    BlobWrite {
        key: BlobKey([n; 32]),
        certificate: vec![n; 10],
        quorums: quorums.to_vec(),
        frames: frames.to_vec(),
    }
}

fn batch(n: u8, expiry: u64, blobs: Vec<BlobWrite<'static>>) -> BatchWrite<'static> {
    BatchWrite {
        header_hash: B256::repeat_byte(n),
        reference_block: u32::from(n),
        batch_root: B256::repeat_byte(n ^ 0xff),
        blobs,
        expiry,
    }
}

#[test]
fn stores_reads_back_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("opens");
    let b = batch(
        1,
        100,
        vec![
            blob(1, &[0, 1], &[(5, b"five"), (6, b"six")]),
            blob(2, &[], &[]),
        ],
    );
    assert_eq!(
        store.store_batch(&b).expect("stores"),
        StoreOutcome::Stored { frame_bytes: 7 }
    );
    assert_eq!(
        store.store_batch(&b).expect("stores again"),
        StoreOutcome::AlreadyStored
    );
    let want = vec![(5, b"five".to_vec()), (6, b"six".to_vec())];
    assert_eq!(
        store.frames(&BlobKey([1; 32]), 0).expect("reads"),
        Some(want.clone())
    );
    // Quorum 1 is an alias of quorum 0's frames.
    assert_eq!(
        store.frames(&BlobKey([1; 32]), 1).expect("reads"),
        Some(want)
    );
    assert_eq!(store.frames(&BlobKey([1; 32]), 2).expect("reads"), None);
    assert_eq!(store.frames(&BlobKey([2; 32]), 0).expect("reads"), None);
    assert_eq!(
        store.certificate(&BlobKey([2; 32])).expect("reads"),
        Some(vec![2; 10])
    );
    assert_eq!(store.counts().expect("counts"), (1, 2));
    assert_eq!(store.check_invariants().expect("consistent"), 1);
}

#[test]
fn survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("opens");
        store
            .store_batch(&batch(3, 100, vec![blob(3, &[0], &[(1, b"x")])]))
            .expect("stores");
    }
    let store = Store::open(dir.path()).expect("reopens");
    assert!(store.has_batch(&B256::repeat_byte(3)).expect("reads"));
    assert_eq!(
        store.frames(&BlobKey([3; 32]), 0).expect("reads"),
        Some(vec![(1, b"x".to_vec())])
    );
}

#[test]
fn expiry_deletes_due_batches_but_keeps_blobs_a_later_batch_restored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("opens");
    store
        .store_batch(&batch(
            1,
            100,
            vec![blob(1, &[0], &[(0, b"a")]), blob(2, &[0], &[(1, b"b")])],
        ))
        .expect("stores");
    // Blob 2 again in a batch that expires later.
    store
        .store_batch(&batch(2, 200, vec![blob(2, &[0], &[(1, b"b")])]))
        .expect("stores");
    assert_eq!(store.delete_expired(99).expect("runs"), 0);
    assert_eq!(store.delete_expired(100).expect("runs"), 1);
    assert!(!store.has_batch(&B256::repeat_byte(1)).expect("reads"));
    assert_eq!(store.frames(&BlobKey([1; 32]), 0).expect("reads"), None);
    assert_eq!(store.certificate(&BlobKey([1; 32])).expect("reads"), None);
    assert!(store.frames(&BlobKey([2; 32]), 0).expect("reads").is_some());
    assert_eq!(store.check_invariants().expect("consistent"), 1);
    assert_eq!(store.delete_expired(200).expect("runs"), 1);
    assert_eq!(store.frames(&BlobKey([2; 32]), 0).expect("reads"), None);
    assert_eq!(store.counts().expect("counts"), (0, 0));
}
