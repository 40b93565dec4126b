//! What payment metering costs intake: `DisperseBlob` throughput of 1 KiB blobs over TCP
//! into a real RocksDB queue (synced writes), with payments off, every blob on a
//! reservation, and every blob paid on demand. Eight accounts send at once, each its
//! blobs in order (on-demand payments must arrive in order); one iteration is 64 blobs
//! (each 64 symbols once encoded).
//! The vault is an in-memory source with every account already cached, as a paying
//! account is after its first blob. Rate limits are off.
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

fn bench_metering(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("intake_metering");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((ACCOUNTS * BLOBS_PER_ACCOUNT) as u64));
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

criterion_group!(benches, bench_metering);
criterion_main!(benches);
