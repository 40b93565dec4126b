//! End-to-end dispersal on a devnet of 4 operators (anvil, 4 `lamina node` processes,
//! the `lamina disperser` process, all over TCP): latency from `DisperseBlob` to a
//! `COMPLETE` certificate for 128 KiB, 1 MiB and 8 MiB payloads (criterion reports the
//! distribution; p50/p99 come from its samples), then sustained throughput: 32 blobs of
//! 1 MiB dispersed by 8 concurrent clients, MB/s of payload until all are complete.
//!
//! The disperser runs with a 1-block reference delay, 100 ms batches and no anchoring
//! (anchoring is off the critical path either way).
//!
//! `cargo bench -p lamina --bench dispersal`

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::EthChain;
use lamina_devnet::{Devnet, DevnetOptions};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

struct Setup {
    rt: tokio::runtime::Runtime,
    _devnet: Devnet,
    client: Arc<LaminaClient<EthChain>>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (devnet, client) = rt.block_on(async {
        let mut options =
            DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
        options.with_retriever = false;
        options
            .node_config
            .insert("max_blob_symbols".into(), ((16 * MIB / 32) as i64).into());
        let d = &mut options.disperser_config;
        d.insert("reference_block_delay".into(), 1.into());
        d.insert("batch_max_interval_ms".into(), 100.into());
        d.insert("rate_limit_bytes_per_sec".into(), 0.into());
        d.insert("rate_limit_blobs_per_sec".into(), 0.into());
        d.insert("max_blob_size".into(), ((16 * MIB) as i64).into());
        let devnet = Devnet::start(options).await.expect("devnet starts");
        let info = devnet.info();
        let config = ClientConfig {
            disperser: info.disperser.clone().expect("disperser"),
            retriever: None,
            rpc_url: info.rpc_url.clone(),
            contracts: devnet.chain().addresses(),
            blob_version: info.blob_version,
            quorums: info.quorums.clone(),
            srs: Some(SrsConfig::default()),
            srs_points: 16 * MIB / 32,
            certificate_timeout_ms: 600_000,
            ..ClientConfig::default()
        };
        let client = LaminaClient::connect(config, devnet.client().key.clone())
            .await
            .expect("client");
        (devnet, Arc::new(client))
    });
    Setup {
        rt,
        _devnet: devnet,
        client,
        _dir: dir,
    }
}

async fn disperse_and_wait(client: &LaminaClient<EthChain>, payload: &[u8]) {
    let key = client.disperse(payload, &[]).await.expect("disperses");
    client.wait_for_certificate(key).await.expect("certificate");
}

fn dispersal(c: &mut Criterion) {
    let s = setup();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let mut group = c.benchmark_group("disperse_4_operators");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(60));
    for size in [128 * KIB, MIB, 8 * MIB] {
        let mut payload = vec![0u8; size];
        rng.fill_bytes(&mut payload);
        let name = if size >= MIB {
            format!("{}MiB", size / MIB)
        } else {
            format!("{}KiB", size / KIB)
        };
        group.bench_with_input(
            BenchmarkId::new("latency", &name),
            &payload,
            |b, payload| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        // each blob unique (fresh timestamp, and a changed byte)
                        let mut p = payload.clone();
                        p[0] = i as u8;
                        let start = Instant::now();
                        s.rt.block_on(disperse_and_wait(&s.client, &p));
                        total += start.elapsed();
                    }
                    total
                });
            },
        );
    }
    group.finish();

    // Sustained throughput: 32 x 1 MiB from 8 concurrent clients.
    let blobs = 32usize;
    let start = Instant::now();
    s.rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..8usize {
            let client = s.client.clone();
            tasks.spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(100 + worker as u64);
                for _ in 0..blobs / 8 {
                    let mut payload = vec![0u8; MIB];
                    rng.fill_bytes(&mut payload);
                    disperse_and_wait(&client, &payload).await;
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.expect("worker");
        }
    });
    let elapsed = start.elapsed();
    println!(
        "sustained: {blobs} x 1 MiB in {:.1} s = {:.2} MB/s of payload",
        elapsed.as_secs_f64(),
        (blobs * MIB) as f64 / 1e6 / elapsed.as_secs_f64()
    );
}

criterion_group!(benches, dispersal);
criterion_main!(benches);
