//! What payment metering costs intake: `DisperseBlob` throughput of 1 KiB blobs over TCP
//! into a real RocksDB queue (synced writes), with payments off, every blob on a
//! reservation, and every blob paid on demand. Eight accounts send at once, each its
//! blobs in order (on-demand payments must arrive in order); one iteration is 64 blobs
//! (each 64 symbols once encoded).
//! The vault is an in-memory source with every account already cached, as a paying
//! account is after its first blob. Rate limits are off.
//!
//! The `charge` group measures one charge alone: in memory (one process on RocksDB) and
//! as API servers sharing PostgreSQL pay for it (the database at `LAMINA_PG_URL`, else a
//! throwaway cluster as the tests start one, with fsync off).
//!
//! `cargo bench -p lamina-disperser --bench metering`

// criterion_group!/criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use lamina_core::chain::ChainError;
use lamina_core::keystore::EcdsaKey;
use lamina_disperser::DisperserConfig;
use lamina_disperser::payments::{PaymentSource, PaymentsConfig};
use lamina_disperser::testing::{IntakeOptions, IntakeServer, signed_request};
use lamina_encoding::{Blob, Srs, commit_blob};
use lamina_payments::{AccountPayments, PaymentParams, Reservation};
use lamina_proto::disperser::v1::DisperseBlobRequest;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const ACCOUNTS: usize = 8;
const BLOBS_PER_ACCOUNT: usize = 8;
const PRICE: u64 = 1_000;

/// Every account has a large reservation and a large deposit.
#[derive(Debug)]
struct RichVault;

#[tonic::async_trait]
impl PaymentSource for RichVault {
    async fn params(&self) -> Result<PaymentParams, ChainError> {
        Ok(PaymentParams {
            price_per_symbol: PRICE,
            min_num_symbols: 32,
            on_demand_symbols_per_second: u64::MAX / (1 << 20),
            on_demand_quorums: vec![0, 1],
        })
    }

    async fn account(&self, _: Address) -> Result<AccountPayments, ChainError> {
        Ok(AccountPayments {
            reservation: Reservation {
                symbols_per_second: 1 << 30,
                start_timestamp: 0,
                end_timestamp: u64::MAX,
                quorums: vec![0, 1],
                quorum_splits: vec![50, 50],
            },
            on_demand_deposit: U256::MAX,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Off,
    Reservation,
    OnDemand,
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// One account's next requests, in order; `paid` is its cumulative payment so far.
fn requests(srs: &Srs, key: &EcdsaKey, mode: Mode, paid: &mut U256) -> Vec<DisperseBlobRequest> {
    let blob = Blob::from_payload(&[7u8; 1000]).expect("encodes");
    let commitment = commit_blob(srs, &blob).expect("commits");
    (0..BLOBS_PER_ACCOUNT)
        .map(|_| {
            let cumulative = match mode {
                Mode::OnDemand => {
                    let symbols =
                        lamina_payments::symbols_charged(u64::from(commitment.length), 32)
                            .expect("small blob");
                    *paid += lamina_payments::payment_for(symbols, PRICE);
                    *paid
                }
                Mode::Off | Mode::Reservation => U256::ZERO,
            };
            signed_request(key, &blob.to_bytes(), commitment, cumulative, now_ns())
        })
        .collect()
}

/// A runtime and a group of `name` timing `ACCOUNTS * BLOBS_PER_ACCOUNT` requests per
/// iteration, ten flat samples of about 8 s (each iteration takes a while).
fn runtime_and_group<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> (
    tokio::runtime::Runtime,
    criterion::BenchmarkGroup<'c, criterion::measurement::WallTime>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((ACCOUNTS * BLOBS_PER_ACCOUNT) as u64));
    (runtime, group)
}

fn bench_metering(c: &mut Criterion) {
    let (runtime, mut group) = runtime_and_group(c, "intake_metering");
    for (label, mode) in [
        ("off", Mode::Off),
        ("reservation", Mode::Reservation),
        ("on_demand", Mode::OnDemand),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let payments_config = PaymentsConfig {
            enabled: mode != Mode::Off,
            ..PaymentsConfig::default()
        };
        let config = DisperserConfig {
            rate_limit_bytes_per_sec: 0,
            rate_limit_blobs_per_sec: 0,
            rate_limit_address_bytes_per_sec: 0,
            rate_limit_address_blobs_per_sec: 0,
            queue_capacity: 1 << 20,
            payments: payments_config.clone(),
            ..DisperserConfig::default()
        };
        let source: Arc<dyn PaymentSource> = Arc::new(RichVault);
        let server = runtime.block_on(IntakeServer::start(
            &dir.path().join("db"),
            IntakeOptions {
                config,
                commitment_pool: (2, 0, 64),
                lookup_pool: (1, 1),
                payments: (mode != Mode::Off).then_some((payments_config, source)),
                srs_points: 64,
            },
        ));
        let keys: Vec<EcdsaKey> = (0..ACCOUNTS as u64)
            .map(|i| EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(i)))
            .collect();
        let mut paid = vec![U256::ZERO; ACCOUNTS];
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let batches: Vec<Vec<DisperseBlobRequest>> = keys
                        .iter()
                        .zip(paid.iter_mut())
                        .map(|(key, paid)| requests(&server.srs, key, mode, paid))
                        .collect();
                    let started = Instant::now();
                    runtime.block_on(futures::future::join_all(batches.into_iter().map(
                        |batch| {
                            let mut client = server.client.clone();
                            async move {
                                for request in batch {
                                    client.disperse_blob(request).await.expect("accepted");
                                }
                            }
                        },
                    )));
                    total += started.elapsed();
                }
                total
            });
        });
    }
    group.finish();
}

/// One charge and its durable state, as several API servers on PostgreSQL pay for it (a
/// transaction: lock, reload, meter, write) against the in-memory meter of one process on
/// RocksDB (whose records ride in the blob's own write, not measured here). Reservation
/// and on-demand charges of eight accounts, eight at a time; one iteration is 64 charges.
fn bench_shared_charge(c: &mut Criterion) {
    use lamina_disperser::metadata::{MetadataStore, PostgresStore, test_cluster::PgCluster};
    use lamina_disperser::payments::Payments;
    let (runtime, mut group) = runtime_and_group(c, "charge");
    let dir = tempfile::tempdir().expect("temp dir");
    // `LAMINA_PG_URL` (e.g. from `scripts/postgres.sh start`, fsync on) or a throwaway
    // cluster as the tests start it (fsync off: commits cost no disk flush).
    let (_cluster, url) = match std::env::var("LAMINA_PG_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            let Some(cluster) = PgCluster::start_or_skip() else {
                return;
            };
            let url = runtime
                .block_on(cluster.fresh_database())
                .expect("a database");
            (Some(cluster), url)
        }
    };
    let stores: [(&str, Arc<dyn MetadataStore>); 2] = [
        (
            "rocksdb_one_process",
            Arc::new(
                lamina_disperser::store::Store::open(&dir.path().join("db"), 0).expect("opens"),
            ),
        ),
        (
            "postgres_shared",
            Arc::new(
                runtime
                    .block_on(PostgresStore::connect(
                        &lamina_storage::SecretString::new(url),
                        8,
                        0,
                    ))
                    .expect("connects"),
            ),
        ),
    ];
    let accounts: Vec<Address> = (1..=ACCOUNTS as u8).map(Address::repeat_byte).collect();
    for (store_label, store) in stores {
        let payments = Arc::new(
            runtime
                .block_on(Payments::new(
                    PaymentsConfig::default(),
                    Arc::new(RichVault),
                    store,
                ))
                .expect("payments"),
        );
        let account = runtime
            .block_on(payments.lookup(accounts[0]))
            .expect("rich");
        // Each account's cumulative payment so far (on demand: each charge pays one blob
        // more than the last; the global on-demand bucket is one record all charges share).
        let paid: Vec<std::sync::Mutex<U256>> = accounts
            .iter()
            .map(|a| std::sync::Mutex::new(payments.cumulative_payment(a)))
            .collect();
        let cost = lamina_payments::payment_for(64, PRICE);
        for (mode_label, on_demand) in [("reservation", false), ("on_demand", true)] {
            let label = format!("{store_label}/{mode_label}");
            group.bench_function(label, |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    for _ in 0..iters {
                        runtime.block_on(futures::future::join_all(
                            accounts.iter().zip(&paid).map(|(address, paid)| {
                                let (payments, account) = (Arc::clone(&payments), account.clone());
                                async move {
                                    for _ in 0..BLOBS_PER_ACCOUNT {
                                        let cumulative_payment = if on_demand {
                                            let mut paid = paid.lock().expect("lock");
                                            *paid += cost;
                                            *paid
                                        } else {
                                            U256::ZERO
                                        };
                                        let blob = lamina_payments::BlobPayment {
                                            account: *address,
                                            timestamp_ns: now_ns(),
                                            cumulative_payment,
                                            quorums: &[0, 1],
                                            blob_symbols: 64,
                                        };
                                        payments.charge(&blob, &account).await.expect("charged");
                                    }
                                }
                            }),
                        ));
                    }
                    started.elapsed()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_metering, bench_shared_charge);
criterion_main!(benches);
