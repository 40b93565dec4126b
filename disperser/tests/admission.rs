//! Admission control of the disperser's gRPC service, over real TCP with a real RocksDB
//! queue: the bounded commitment pool, per-address rate limits, and the order of the
//! intake checks (no MSM before the signature and the limits pass).
//!
//! The service is served in-process; the chain is never reached by these requests (the
//! parameters are given), so no anvil is needed.

use std::sync::Arc;

use alloy_primitives::U256;
use lamina_core::keystore::EcdsaKey;
use lamina_disperser::DisperserConfig;
use lamina_disperser::commit_pool::{AdmissionClass, CommitmentPool};
use lamina_disperser::testing::{IntakeOptions, IntakeServer, signed_request};
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_proto::disperser::v1::{DisperseBlobRequest, GetBlobCommitmentRequest};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tokio::sync::oneshot;
use tonic::Code;

const SRS_POINTS: usize = 1024;

/// The service over `config`, on 127.0.0.1 port 0, with pools of `slots` and `queue`.
async fn serve(config: DisperserConfig, slots: usize, queue: usize) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = IntakeServer::start(
        &dir.path().join("db"),
        IntakeOptions {
            config,
            commitment_pool: (slots, 0, queue),
            lookup_pool: (slots, queue),
            payments: None,
            srs_points: SRS_POINTS,
        },
    )
    .await;
    Served { server, _dir: dir }
}

/// A server and the directory of its queue.
struct Served {
    server: IntakeServer,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Served {
    type Target = IntakeServer;
    fn deref(&self) -> &IntakeServer {
        &self.server
    }
}

impl std::ops::DerefMut for Served {
    fn deref_mut(&mut self) -> &mut IntakeServer {
        &mut self.server
    }
}

fn retry_after_ms(status: &tonic::Status) -> u64 {
    status
        .metadata()
        .get(lamina_proto::RETRY_AFTER_MS_METADATA)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no retry-after-ms on {status:?}"))
}

/// A blob of `symbols` symbols (every symbol < r).
fn blob_bytes(symbols: usize, fill: u8) -> Vec<u8> {
    let payload = vec![fill; symbols * 31 - 64];
    let blob = Blob::from_payload(&payload).expect("encodes");
    assert_eq!(blob.len_symbols(), symbols);
    blob.to_bytes()
}

/// A valid DisperseBlob request by `key` for `blob` (quorums 0 and 1, version 1).
fn request(srs: &Srs, key: &EcdsaKey, blob: &[u8]) -> DisperseBlobRequest {
    let commitment = commit_blob(srs, &Blob::from_bytes(blob).expect("blob")).expect("commits");
    signed_request(key, blob, commitment, U256::ZERO, 1_700_000_000_000_000_000)
}

/// Occupies one pool slot until the returned sender is dropped.
async fn hold_slot(pool: &Arc<CommitmentPool>) -> std::sync::mpsc::Sender<()> {
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = oneshot::channel();
    let pool = pool.clone();
    tokio::spawn(async move {
        pool.run(AdmissionClass::OnDemand, move || {
            let _ = started_tx.send(());
            let _ = wait.recv();
        })
        .await
    });
    started_rx.await.expect("the holding job started");
    release
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commitment_flood_beyond_the_slots_is_refused_with_retry_after() {
    let config = DisperserConfig {
        rate_limit_address_bytes_per_sec: 0,
        rate_limit_address_blobs_per_sec: 0,
        ..DisperserConfig::default()
    };
    let mut s = serve(config, 1, 1).await;
    let blob = blob_bytes(SRS_POINTS, 9);

    // The slot is busy and one caller waits: the next GetBlobCommitment is refused at
    // once, with a retry-after, and runs no MSM.
    let release = hold_slot(&s.lookup).await;
    let mut waiting_client = s.client.clone();
    let waiting_blob = blob.clone();
    let waiting = tokio::spawn(async move {
        waiting_client
            .get_blob_commitment(GetBlobCommitmentRequest { blob: waiting_blob })
            .await
    });
    while s.lookup.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    let started = s.lookup.started();
    let refused = s
        .client
        .get_blob_commitment(GetBlobCommitmentRequest { blob: blob.clone() })
        .await
        .expect_err("slots and queue are full");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(refused.message().contains("commitment"), "{refused:?}");
    assert!(retry_after_ms(&refused) >= 1);
    assert_eq!(s.lookup.started(), started, "a refused request runs no MSM");
    drop(release);
    waiting
        .await
        .expect("joins")
        .expect("the queued request is served once the slot frees");

    // A flood of 12 concurrent calls: each is served or refused with a retry-after, and
    // the pool never runs more jobs than its one slot.
    let calls: Vec<_> = (0..12u8)
        .map(|i| {
            let mut c = s.client.clone();
            let blob = blob_bytes(SRS_POINTS, i + 1);
            tokio::spawn(async move {
                c.get_blob_commitment(GetBlobCommitmentRequest { blob })
                    .await
            })
        })
        .collect();
    let (mut served, mut busy) = (0, 0);
    for call in calls {
        match call.await.expect("joins") {
            Ok(reply) => {
                assert!(reply.into_inner().commitment.is_some());
                served += 1;
            }
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(retry_after_ms(&status) >= 1);
                busy += 1;
            }
        }
    }
    assert!(served >= 1, "some of the flood is served");
    assert_eq!(served + busy, 12);
    assert_eq!(
        s.lookup.peak_running(),
        1,
        "the pool never exceeds its slots"
    );
    assert_eq!(s.lookup.running(), 0);
    assert_eq!(s.metrics.commitment.refused.get(), s.lookup.refused());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_accounts_from_one_address_hit_the_address_limit() {
    let config = DisperserConfig {
        rate_limit_address_blobs_per_sec: 2,
        ..DisperserConfig::default()
    };
    let mut s = serve(config, 2, 8).await;
    let blob = blob_bytes(8, 5);
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let (mut accepted, mut limited) = (0, 0);
    for _ in 0..300 {
        // a fresh account each time: the per-account limit never triggers
        let key = EcdsaKey::random(&mut rng);
        let request = request(&s.srs, &key, &blob);
        match s.client.disperse_blob(request).await {
            Ok(_) => accepted += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(
                    status.message().contains("client address 127.0.0.1"),
                    "{status:?}"
                );
                assert!(retry_after_ms(&status) >= 1);
                limited += 1;
            }
        }
    }
    assert!(
        limited > 0,
        "300 fresh accounts from one address are limited"
    );
    assert!(accepted >= 1, "the first requests pass");
    assert_eq!(accepted + limited, 300);
    // every refused request was stopped before its commitment check
    assert_eq!(s.pool.started(), accepted as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_signature_is_refused_before_any_msm() {
    let mut s = serve(DisperserConfig::default(), 2, 8).await;
    let blob = blob_bytes(SRS_POINTS, 4);
    let key = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(1));
    let other = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(2));
    let good = request(&s.srs, &key, &blob);
    let cases = [
        DisperseBlobRequest {
            signature: vec![7; 65],
            ..good.clone()
        },
        DisperseBlobRequest {
            // a valid signature by another key than the payment header's account
            signature: request(&s.srs, &other, &blob).signature,
            ..good.clone()
        },
    ];
    for bad in cases {
        let status = s
            .client
            .disperse_blob(bad)
            .await
            .expect_err("a bad signature is refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains("signature"), "{status:?}");
    }
    assert_eq!(s.pool.started(), 0, "no MSM ran for a bad signature");
    assert_eq!(s.metrics.commitment.started.get(), 0);
    // the same request correctly signed runs exactly one commitment check
    s.client.disperse_blob(good).await.expect("accepted");
    assert_eq!(s.pool.started(), 1);
    assert_eq!(s.metrics.commitment.started.get(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_flood_never_takes_the_place_of_a_dispersal() {
    let config = DisperserConfig {
        rate_limit_address_bytes_per_sec: 0,
        rate_limit_address_blobs_per_sec: 0,
        ..DisperserConfig::default()
    };
    let mut s = serve(config, 1, 1).await;
    let blob = blob_bytes(SRS_POINTS, 5);

    // Unauthenticated lookups hold every GetBlobCommitment slot and fill its queue...
    let release = hold_slot(&s.lookup).await;
    let mut waiting_client = s.client.clone();
    let waiting_blob = blob.clone();
    let waiting = tokio::spawn(async move {
        waiting_client
            .get_blob_commitment(GetBlobCommitmentRequest { blob: waiting_blob })
            .await
    });
    while s.lookup.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    let refused = s
        .client
        .get_blob_commitment(GetBlobCommitmentRequest { blob: blob.clone() })
        .await
        .expect_err("lookup slots and queue are full");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");

    // ...and a signed dispersal still gets its commitment check at once.
    let key = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(3));
    let signed = request(&s.srs, &key, &blob);
    s.client
        .disperse_blob(signed)
        .await
        .expect("a dispersal is never refused for lookups' sake");
    assert_eq!(s.pool.started(), 1);
    drop(release);
    waiting
        .await
        .expect("joins")
        .expect("the queued lookup is served once its slot frees");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limited_address_is_refused_before_its_blob_is_read() {
    let config = DisperserConfig {
        rate_limit_address_bytes_per_sec: 0,
        rate_limit_address_blobs_per_sec: 1,
        ..DisperserConfig::default()
    };
    let mut s = serve(config, 2, 8).await;
    s.client
        .get_blob_commitment(GetBlobCommitmentRequest {
            blob: blob_bytes(8, 3),
        })
        .await
        .expect("the address's first request passes");
    // Over the message limit: a service that read the body first would answer that the
    // message is too large; the gate answers from the headers, before any byte of it.
    let mut unbounded = s.client.clone().max_encoding_message_size(usize::MAX);
    let status = unbounded
        .get_blob_commitment(GetBlobCommitmentRequest {
            blob: vec![0u8; lamina_proto::MAX_MESSAGE_SIZE + 1],
        })
        .await
        .expect_err("the address is over its rate");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("client address 127.0.0.1"),
        "{status:?}"
    );
    assert!(retry_after_ms(&status) >= 1);
    assert_eq!(
        s.lookup.started(),
        1,
        "no commitment work for the refused one"
    );
}
