//! Payments at intake, over real TCP with a real RocksDB queue: an account that cannot
//! pay is refused before the commitment pool and the store, a flood of fresh accounts
//! costs at most the read budget, reservation blobs are admitted as reserved and metered,
//! a blob refused after metering is refunded, and charges survive a restart.
//!
//! The chain is a fake [`PaymentSource`] that counts its reads; no anvil is needed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, U256};
use lamina_core::chain::{AccountCacheConfig, ChainError};
use lamina_core::keystore::EcdsaKey;
use lamina_disperser::DisperserConfig;
use lamina_disperser::commit_pool::AdmissionClass;
use lamina_disperser::metadata::MetadataStore;
use lamina_disperser::payments::{PaymentSource, Payments, PaymentsConfig};
use lamina_disperser::store::Store;
use lamina_disperser::testing::{IntakeOptions, IntakeServer, signed_request};
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_payments::{AccountPayments, PaymentParams, Reservation};
use lamina_proto::disperser::v1::DisperseBlobRequest;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tokio::sync::oneshot;
use tonic::Code;

const SRS_POINTS: usize = 1024;
/// Wei per symbol in these tests.
const PRICE: u64 = 1_000;

fn payment_params() -> PaymentParams {
    PaymentParams {
        price_per_symbol: PRICE,
        min_num_symbols: 32,
        on_demand_symbols_per_second: 1 << 20,
        on_demand_quorums: vec![0, 1],
    }
}

/// The vault: accounts set by the test, every read counted.
#[derive(Debug, Default)]
struct FakeVault {
    accounts: Mutex<HashMap<Address, AccountPayments>>,
    reads: AtomicU64,
}

impl FakeVault {
    fn set(&self, account: Address, payments: AccountPayments) {
        self.accounts
            .lock()
            .expect("lock")
            .insert(account, payments);
    }
}

#[tonic::async_trait]
impl PaymentSource for FakeVault {
    async fn params(&self) -> Result<PaymentParams, ChainError> {
        Ok(payment_params())
    }

    async fn account(&self, account: Address) -> Result<AccountPayments, ChainError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .accounts
            .lock()
            .expect("lock")
            .get(&account)
            .cloned()
            .unwrap_or_default())
    }
}

fn reservation(symbols_per_second: u64) -> AccountPayments {
    AccountPayments {
        reservation: Reservation {
            symbols_per_second,
            start_timestamp: 0,
            end_timestamp: u64::MAX,
            quorums: vec![0, 1],
            quorum_splits: vec![50, 50],
        },
        on_demand_deposit: U256::ZERO,
    }
}

fn deposit(wei: u64) -> AccountPayments {
    AccountPayments {
        on_demand_deposit: U256::from(wei),
        ..AccountPayments::default()
    }
}

/// The service with payments over `vault`, its queue at `db`, its commitment pool of
/// `slots` (`reserved` of them reserved) and `queue`.
async fn serve(
    db: &Path,
    vault: Arc<FakeVault>,
    payments_config: PaymentsConfig,
    commitment_pool: (usize, usize, usize),
) -> IntakeServer {
    let config = DisperserConfig {
        rate_limit_address_bytes_per_sec: 0,
        rate_limit_address_blobs_per_sec: 0,
        payments: payments_config.clone(),
        ..DisperserConfig::default()
    };
    IntakeServer::start(
        db,
        IntakeOptions {
            config,
            commitment_pool,
            lookup_pool: (1, 1),
            payments: Some((payments_config, vault)),
            srs_points: SRS_POINTS,
        },
    )
    .await
}

/// The payments of a server started by [`serve`].
fn payments(s: &IntakeServer) -> &Payments {
    s.payments.as_deref().expect("payments enabled")
}

/// A blob of `symbols` symbols (every symbol < r).
fn blob_bytes(symbols: usize, fill: u8) -> Vec<u8> {
    let payload = vec![fill; symbols * 31 - 64];
    let blob = Blob::from_payload(&payload).expect("encodes");
    assert_eq!(blob.len_symbols(), symbols);
    blob.to_bytes()
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// A DisperseBlob request by `key` for `blob` paying `cumulative` wei (0: reservation),
/// with the commitments of `committed` (the blob itself unless a mismatch is wanted).
fn request_paying(
    srs: &Srs,
    key: &EcdsaKey,
    blob: &[u8],
    committed: &[u8],
    cumulative: u64,
) -> DisperseBlobRequest {
    let commitment =
        commit_blob(srs, &Blob::from_bytes(committed).expect("blob")).expect("commits");
    signed_request(key, blob, commitment, U256::from(cumulative), now_ns())
}

fn request(srs: &Srs, key: &EcdsaKey, blob: &[u8], cumulative: u64) -> DisperseBlobRequest {
    request_paying(srs, key, blob, blob, cumulative)
}

fn key(seed: u64) -> EcdsaKey {
    EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

fn retry_after_ms(status: &tonic::Status) -> u64 {
    status
        .metadata()
        .get(lamina_proto::RETRY_AFTER_MS_METADATA)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no retry-after-ms on {status:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_account_is_refused_before_the_pool_and_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(FakeVault::default());
    let mut s = serve(
        &dir.path().join("db"),
        vault.clone(),
        PaymentsConfig::default(),
        (2, 0, 8),
    )
    .await;
    let unpaid = key(1);
    let blob = blob_bytes(64, 1);
    for (i, fill) in [1u8, 2, 3].into_iter().enumerate() {
        let req = request(&s.srs, &unpaid, &blob_bytes(64, fill), 0);
        let status = s
            .client
            .disperse_blob(req)
            .await
            .expect_err("an unpaid account is refused");
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
        assert!(
            status
                .message()
                .contains("no reservation or on-demand deposit"),
            "{status:?}"
        );
        assert_eq!(
            vault.reads.load(Ordering::SeqCst),
            1,
            "request {i}: the unpaid account is read once, then refused from the cache"
        );
    }
    // on-demand headers of an unpaid account are refused the same way
    let status = s
        .client
        .disperse_blob(request(&s.srs, &unpaid, &blob, 32 * PRICE))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert_eq!(s.pool.started(), 0, "no MSM ran for an unpaid account");
    assert!(
        s.store.payment_records().await.expect("records").is_empty(),
        "nothing was written"
    );
    assert_eq!(payments(&s).cached_accounts(), (0, 1));

    // once it pays (and the negative entry expires), it is served
    let paid = key(2);
    vault.set(paid.address(), reservation(1 << 16));
    s.client
        .disperse_blob(request(&s.srs, &paid, &blob, 0))
        .await
        .expect("a reserved account is served");
    assert_eq!(s.pool.started(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_fresh_accounts_costs_at_most_the_read_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(FakeVault::default());
    let budget = 5;
    let mut s = serve(
        &dir.path().join("db"),
        vault.clone(),
        PaymentsConfig {
            accounts: AccountCacheConfig {
                unknown_reads_per_sec: budget,
                ..AccountCacheConfig::default()
            },
            ..PaymentsConfig::default()
        },
        (2, 0, 8),
    )
    .await;
    let blob = blob_bytes(64, 9);
    let started = std::time::Instant::now();
    let mut codes = BTreeMap::<String, u64>::new();
    for seed in 100..160 {
        let status = s
            .client
            .disperse_blob(request(&s.srs, &key(seed), &blob, 0))
            .await
            .expect_err("a fresh account is refused");
        if status.code() == Code::ResourceExhausted {
            assert!(retry_after_ms(&status) <= 1000, "{status:?}");
        }
        *codes.entry(format!("{:?}", status.code())).or_default() += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let reads = vault.reads.load(Ordering::SeqCst);
    assert!(
        reads as f64 <= budget as f64 * (1.0 + seconds) + 1.0,
        "{reads} chain reads in {seconds:.2} s for a budget of {budget}/s"
    );
    assert_eq!(
        codes.get("PermissionDenied").copied(),
        Some(reads),
        "{codes:?}"
    );
    assert!(codes.contains_key("ResourceExhausted"), "{codes:?}");
    assert_eq!(codes.values().sum::<u64>(), 60);
    assert_eq!(s.pool.started(), 0, "no MSM ran for the flood");

    // a paying account already cached is not affected by the spent budget
    let paid = key(7);
    vault.set(paid.address(), reservation(1 << 16));
    let first = loop {
        match s
            .client
            .disperse_blob(request(&s.srs, &paid, &blob_bytes(64, 1), 0))
            .await
        {
            Err(status) if status.code() == Code::ResourceExhausted => {
                tokio::time::sleep(std::time::Duration::from_millis(retry_after_ms(&status))).await;
            }
            other => break other,
        }
    };
    first.expect("served after waiting for a read");
    for seed in 200..220 {
        let _ = s
            .client
            .disperse_blob(request(&s.srs, &key(seed), &blob, 0))
            .await;
    }
    s.client
        .disperse_blob(request(&s.srs, &paid, &blob_bytes(64, 2), 0))
        .await
        .expect("a cached paying account is served during a flood");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservation_blobs_use_the_reserved_slots_and_the_bucket_refuses_with_retry_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(FakeVault::default());
    let (reserved, on_demand) = (key(1), key(2));
    // 64 symbols/s over a 1 s window: one 64-symbol blob fills the bucket.
    vault.set(reserved.address(), reservation(64));
    vault.set(on_demand.address(), deposit(1_000_000_000));
    let mut s = serve(
        &dir.path().join("db"),
        vault,
        PaymentsConfig {
            reservation_window_secs: 1,
            ..PaymentsConfig::default()
        },
        (2, 1, 0),
    )
    .await;
    // The one unreserved slot is busy and nobody may wait.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = oneshot::channel();
    let holder = s.pool.clone();
    tokio::spawn(async move {
        holder
            .run(AdmissionClass::OnDemand, move || {
                let _ = started_tx.send(());
                let _ = wait.recv();
            })
            .await
    });
    started_rx.await.expect("holding");

    // On demand: metered, then refused by the pool, and refunded.
    let cost = 64 * PRICE;
    let busy = s
        .client
        .disperse_blob(request(&s.srs, &on_demand, &blob_bytes(64, 1), cost))
        .await
        .expect_err("no unreserved slot");
    assert_eq!(busy.code(), Code::ResourceExhausted, "{busy:?}");
    assert_eq!(
        payments(&s).cumulative_payment(&on_demand.address()),
        U256::ZERO,
        "the refused blob's payment was refunded"
    );
    // Reservation: takes the reserved slot.
    s.client
        .disperse_blob(request(&s.srs, &reserved, &blob_bytes(64, 2), 0))
        .await
        .expect("a reservation blob uses the reserved slot");
    assert!(payments(&s).reservation_usage(&reserved.address()) > 0);
    // The bucket is full: refused with the refill time.
    let full = s
        .client
        .disperse_blob(request(&s.srs, &reserved, &blob_bytes(64, 3), 0))
        .await
        .expect_err("over the reservation");
    assert_eq!(full.code(), Code::ResourceExhausted, "{full:?}");
    assert!(full.message().contains("reservation"), "{full:?}");
    let wait_ms = retry_after_ms(&full);
    assert!((1..=1000).contains(&wait_ms), "retry after {wait_ms} ms");
    drop(release);
    // After the wait, accepted.
    tokio::time::sleep(std::time::Duration::from_millis(wait_ms + 50)).await;
    s.client
        .disperse_blob(request(&s.srs, &reserved, &blob_bytes(64, 3), 0))
        .await
        .expect("accepted after the retry-after");
    // And the refunded on-demand payment can be made again.
    s.client
        .disperse_blob(request(&s.srs, &on_demand, &blob_bytes(64, 4), cost))
        .await
        .expect("the same cumulative payment again, now that a slot is free");
    assert_eq!(
        payments(&s).cumulative_payment(&on_demand.address()),
        U256::from(cost)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_failing_its_commitment_check_is_refunded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(FakeVault::default());
    let payer = key(3);
    vault.set(payer.address(), deposit(1_000_000_000));
    let mut s = serve(
        &dir.path().join("db"),
        vault,
        PaymentsConfig::default(),
        (2, 0, 8),
    )
    .await;
    let cost = 64 * PRICE;
    let (blob, other) = (blob_bytes(64, 5), blob_bytes(64, 6));
    let bad = s
        .client
        .disperse_blob(request_paying(&s.srs, &payer, &blob, &other, cost))
        .await
        .expect_err("commitments of another blob");
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    assert_eq!(s.pool.started(), 1, "metered, then checked");
    assert_eq!(
        payments(&s).cumulative_payment(&payer.address()),
        U256::ZERO,
        "refunded"
    );
    assert!(s.store.payment_records().await.expect("records").is_empty());
    s.client
        .disperse_blob(request(&s.srs, &payer, &blob, cost))
        .await
        .expect("the same payment for a good blob");
    assert_eq!(
        payments(&s).cumulative_payment(&payer.address()),
        U256::from(cost)
    );
    // an underpaying or replayed payment is refused before the pool
    let replay = s
        .client
        .disperse_blob(request(&s.srs, &payer, &other, cost))
        .await
        .expect_err("replayed cumulative payment");
    assert_eq!(replay.code(), Code::InvalidArgument, "{replay:?}");
    let over = s
        .client
        .disperse_blob(request(&s.srs, &payer, &other, 2_000_000_000))
        .await
        .expect_err("beyond the deposit");
    assert_eq!(over.code(), Code::PermissionDenied, "{over:?}");
    assert_eq!(s.pool.started(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charges_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    let vault = Arc::new(FakeVault::default());
    let (payer, reserved) = (key(4), key(5));
    vault.set(payer.address(), deposit(1_000_000_000));
    // 2 symbols/s (a 120-symbol bucket): a 64-symbol charge takes 32 s to drain
    vault.set(reserved.address(), reservation(2));
    let cost = 64 * PRICE;
    let usage_before = {
        let mut s = serve(&db, vault.clone(), PaymentsConfig::default(), (2, 0, 8)).await;
        for (i, fill) in [1u8, 2].into_iter().enumerate() {
            s.client
                .disperse_blob(request(
                    &s.srs,
                    &payer,
                    &blob_bytes(64, fill),
                    cost * (i as u64 + 1),
                ))
                .await
                .expect("on demand");
        }
        s.client
            .disperse_blob(request(&s.srs, &reserved, &blob_bytes(64, 3), 0))
            .await
            .expect("reservation");
        payments(&s).reservation_usage(&reserved.address())
    };
    assert!(usage_before >= 60, "{usage_before}");
    // the first service stops (its store is closed with it) before the reopen
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while Store::open(&db, 0).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first store never closed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut s = serve(&db, vault, PaymentsConfig::default(), (2, 0, 8)).await;
    assert_eq!(
        payments(&s).cumulative_payment(&payer.address()),
        U256::from(2 * cost),
        "the cumulative payment is restored"
    );
    assert!(
        payments(&s).reservation_usage(&reserved.address()) > 0,
        "the reservation usage is restored"
    );
    let replay = s
        .client
        .disperse_blob(request(&s.srs, &payer, &blob_bytes(64, 7), 2 * cost))
        .await
        .expect_err("a payment accepted before the restart cannot be replayed");
    assert_eq!(replay.code(), Code::InvalidArgument, "{replay:?}");
    s.client
        .disperse_blob(request(&s.srs, &payer, &blob_bytes(64, 7), 3 * cost))
        .await
        .expect("the next payment");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_state_is_reported_only_to_the_account_and_matches_what_was_charged() {
    use lamina_proto::disperser::v1::GetPaymentStateRequest;
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(FakeVault::default());
    let (payer, other) = (key(7), key(8));
    vault.set(payer.address(), deposit(1_000_000_000));
    let mut s = serve(
        &dir.path().join("db"),
        vault,
        PaymentsConfig::default(),
        (2, 0, 4),
    )
    .await;
    let signed = |by: &EcdsaKey, account: Address, timestamp: i64| GetPaymentStateRequest {
        account_id: account.to_checksum(None),
        timestamp,
        signature: lamina_core::ecdsa::sign_digest(
            by,
            lamina_proto::payment_state_digest(account, timestamp),
        )
        .expect("signs")
        .to_vec(),
    };
    // One on-demand blob of 64 symbols: 64 × PRICE wei.
    let blob = blob_bytes(64, 3);
    s.client
        .disperse_blob(request(&s.srs, &payer, &blob, 64 * PRICE))
        .await
        .expect("paid blob accepted");
    let reply = s
        .client
        .get_payment_state(signed(&payer, payer.address(), now_ns()))
        .await
        .expect("the account reads its own state")
        .into_inner();
    let state = lamina_payments::PaymentState::try_from(&reply).expect("well-formed");
    assert_eq!(state.cumulative_payment, U256::from(64 * PRICE));
    assert_eq!(
        state.account.on_demand_deposit,
        U256::from(1_000_000_000u64)
    );
    assert_eq!(state.params, payment_params());

    // Someone else's key, or the right key an hour ago, is refused.
    let foreign = s
        .client
        .get_payment_state(signed(&other, payer.address(), now_ns()))
        .await
        .expect_err("signed by another key");
    assert_eq!(foreign.code(), Code::InvalidArgument);
    assert!(
        foreign.message().contains("account_id"),
        "{}",
        foreign.message()
    );
    let stale = s
        .client
        .get_payment_state(signed(
            &payer,
            payer.address(),
            now_ns() - 3_600_000_000_000,
        ))
        .await
        .expect_err("an old request");
    assert_eq!(stale.code(), Code::InvalidArgument);
    assert_eq!(
        stale
            .metadata()
            .get(lamina_proto::ERROR_REASON_METADATA)
            .and_then(|v| v.to_str().ok()),
        Some("PAYMENT_TIMESTAMP_SKEW")
    );
    // An account that cannot pay reads as zeros (no error: the answer says what to do).
    let nobody = s
        .client
        .get_payment_state(signed(&other, other.address(), now_ns()))
        .await
        .expect("an unpaid account reads its state")
        .into_inner();
    let nobody = lamina_payments::PaymentState::try_from(&nobody).expect("well-formed");
    assert!(!nobody.account.reservation.exists());
    assert!(nobody.account.on_demand_deposit.is_zero());
}

/// Two API servers' payments on one PostgreSQL database, each over its own connection
/// pool as two processes would be (`None` where PostgreSQL tests are skipped).
async fn two_servers_on_postgres(
    vault: Arc<FakeVault>,
) -> Option<(
    Arc<lamina_disperser::metadata::test_cluster::PgCluster>,
    [Arc<Payments>; 2],
)> {
    use lamina_disperser::metadata::PostgresStore;
    let cluster = lamina_disperser::metadata::test_cluster::PgCluster::shared()?;
    let url = lamina_storage::SecretString::new(
        cluster.fresh_database().await.expect("creates a database"),
    );
    let mut servers = Vec::new();
    for _ in 0..2 {
        let store: Arc<dyn MetadataStore> = Arc::new(
            PostgresStore::connect(&url, 4, 0)
                .await
                .expect("connects and migrates"),
        );
        let source: Arc<dyn PaymentSource> = vault.clone();
        servers.push(Arc::new(
            Payments::new(PaymentsConfig::default(), source, store)
                .await
                .expect("payments"),
        ));
    }
    let servers: [Arc<Payments>; 2] = servers.try_into().expect("two");
    Some((cluster, servers))
}

/// One blob's payment: 32 symbols (the minimum charge) on quorums 0 and 1.
fn blob_payment(account: Address, cumulative: u64) -> lamina_payments::BlobPayment<'static> {
    lamina_payments::BlobPayment {
        account,
        timestamp_ns: now_ns(),
        cumulative_payment: U256::from(cumulative),
        quorums: &[0, 1],
        blob_symbols: 32,
    }
}

/// The attack a load balancer invites: the same account's blobs spread over two API
/// servers. With a meter per server the account spends its reservation twice and one
/// on-demand payment pays at both; on a shared PostgreSQL database they meter as one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_servers_sharing_postgres_meter_an_account_as_one() {
    let vault = Arc::new(FakeVault::default());
    let (reserved, payer) = (key(11), key(12));
    // 16 symbols/s in a 60 s bucket: 960 symbols, 30 blobs of 32.
    vault.set(reserved.address(), reservation(16));
    vault.set(payer.address(), deposit(1_000_000_000));
    let Some((_cluster, servers)) = two_servers_on_postgres(vault.clone()).await else {
        return;
    };
    let reservation_of = servers[0]
        .lookup(reserved.address())
        .await
        .expect("reservation");

    // 60 reservation blobs at once, alternating servers.
    let mut charges = Vec::new();
    for i in 0..60 {
        let server = Arc::clone(&servers[i % 2]);
        let account = reservation_of.clone();
        let address = reserved.address();
        charges.push(tokio::spawn(async move {
            server
                .charge(&blob_payment(address, 0), &account)
                .await
                .is_ok()
        }));
    }
    let mut accepted = [0usize; 2];
    for (i, charge) in charges.into_iter().enumerate() {
        if charge.await.expect("task") {
            accepted[i % 2] += 1;
        }
    }
    let total = accepted[0] + accepted[1];
    // 30 fit; the bucket drains 16 symbols a second while the test runs, so a slow
    // machine may fit one or two more, never the 60 of two separate meters.
    assert!((30..=32).contains(&total), "accepted {accepted:?}");
    assert!(
        accepted[0] > 0 && accepted[1] > 0,
        "both served: {accepted:?}"
    );
    // Either server reports the usage both charged.
    let usage = servers[1]
        .state(reserved.address())
        .await
        .expect("state")
        .reservation_usage_symbols;
    assert!(usage >= 900, "usage {usage}");

    // On demand: a payment accepted at one server is spent at the other.
    let cost = 32 * PRICE;
    let deposit_of = servers[0].lookup(payer.address()).await.expect("deposit");
    servers[0]
        .charge(&blob_payment(payer.address(), cost), &deposit_of)
        .await
        .expect("the first payment");
    let replay = servers[1]
        .charge(&blob_payment(payer.address(), cost), &deposit_of)
        .await
        .expect_err("the same cumulative payment at the other server");
    assert!(
        matches!(
            replay,
            lamina_disperser::DisperserError::Payment(
                lamina_payments::PaymentError::InsufficientIncrement { .. }
            )
        ),
        "{replay:?}"
    );
    // A refund at one server frees the payment at the other, even one that saw it spent.
    let second = servers[1]
        .charge(&blob_payment(payer.address(), 2 * cost), &deposit_of)
        .await
        .expect("the next payment");
    assert_eq!(
        servers[0]
            .state(payer.address())
            .await
            .expect("state")
            .cumulative_payment,
        U256::from(2 * cost)
    );
    servers[1].refund(&second).await;
    servers[0]
        .charge(&blob_payment(payer.address(), 2 * cost), &deposit_of)
        .await
        .expect("the refunded payment, at the other server");
    assert_eq!(
        servers[1]
            .state(payer.address())
            .await
            .expect("state")
            .cumulative_payment,
        U256::from(2 * cost)
    );
}
