//! End-to-end dispersal on a devnet of 4 operators (anvil, 4 `lamina node` processes,
//! the `lamina disperser` process, all over TCP): latency from `DisperseBlob` to a
//! `COMPLETE` certificate for 128 KiB, 1 MiB and 8 MiB payloads (criterion reports the
//! mean per sample; every single dispersal's latency is also recorded and the p50/p99
//! of each size printed), then sustained throughput: 32 blobs of 1 MiB dispersed by 8
//! concurrent clients, MB/s of payload until all are complete, with their p50/p99, next
//! to what the disperser's encoder alone sustains on the same cores.
//! `LAMINA_BENCH_CASES=1MiB,sustained` runs only those parts.
//!
//! Scaled out (issue 18): `LAMINA_BENCH_ENCODERS=N` runs N `lamina encoder` processes
//! the disperser sends its blobs to; `LAMINA_BENCH_SPLIT=1` also splits the disperser
//! into one API server and one controller on PostgreSQL, and the sustained part then
//! prints the controller's own CPU time per MB (encoding and intake run in other
//! processes, so this is what batching, dispatch, aggregation and the database cost).
//!
//! Latency is timed from the `DisperseBlob` call to the client seeing `COMPLETE` (polling
//! every 50 ms); the client's own share before it (codec, KZG commitments with its SRS,
//! ECDSA signature: `LaminaClient::prepare`) is timed separately and printed.
//!
//! The disperser runs with a 1-block reference delay, 100 ms batches and no anchoring
//! (anchoring is off the critical path either way).
//!
//! `cargo bench -p lamina --bench dispersal`

#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::{Chain, EthChain};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_encoding::{Blob, DEVELOPMENT_SEED, Encoder, Srs};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

struct Setup {
    rt: tokio::runtime::Runtime,
    devnet: Devnet,
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
        options.with_proxy = false;
        options.max_blob_symbols = (16 * MIB / 32) as u32;
        options.encoders = std::env::var("LAMINA_BENCH_ENCODERS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if std::env::var("LAMINA_BENCH_SPLIT").is_ok_and(|v| v == "1") {
            options.api_servers = 1;
            options.metadata = lamina_devnet::MetadataBackend::Postgres;
        }
        let d = &mut options.disperser_config;
        d.insert("reference_block_delay".into(), 1.into());
        d.insert("batch_max_interval_ms".into(), 100.into());
        d.insert("rate_limit_bytes_per_sec".into(), 0.into());
        d.insert("rate_limit_blobs_per_sec".into(), 0.into());
        let devnet = Devnet::start(options).await.expect("devnet starts");
        let info = devnet.info();
        let config = ClientConfig {
            disperser: info.disperser.clone().expect("disperser"),
            retriever: None,
            rpc_url: info.rpc_url.clone(),
            contracts: devnet.chain().addresses(),
            blob_version: info.blob_version,
            quorums: info.quorums.clone(),
            srs: Some(SrsConfig::insecure_development()),
            srs_points: 16 * MIB / 32,
            certificate_timeout_ms: 600_000,
            // A latency-sensitive rollup polls often; the default backoff would add up to
            // half the latency again.
            poll_initial_ms: 50,
            poll_max_ms: 100,
            ..ClientConfig::default()
        };
        let client = LaminaClient::connect(config, devnet.client().key.clone())
            .await
            .expect("client");
        (devnet, Arc::new(client))
    });
    Setup {
        rt,
        devnet,
        client,
        _dir: dir,
    }
}

/// Prepares `payload` (timed: the client's share), disperses it and waits for its
/// certificate (timed: the latency).
async fn disperse_and_wait(client: &LaminaClient<EthChain>, payload: &[u8]) -> Latency {
    let start = Instant::now();
    let prepared = client.prepare(payload, &[]).await.expect("prepares");
    let prepare = start.elapsed();
    let start = Instant::now();
    let key = client.send(prepared).await.expect("disperses");
    client.wait_for_certificate(key).await.expect("certificate");
    Latency {
        prepare,
        dispersal: start.elapsed(),
    }
}

/// One dispersal's times.
struct Latency {
    /// The client's share: codec, commitments, signature.
    prepare: Duration,
    /// `DisperseBlob` to `COMPLETE` seen by the client.
    dispersal: Duration,
}

fn size_name(size: usize) -> String {
    if size >= MIB {
        format!("{}MiB", size / MIB)
    } else {
        format!("{}KiB", size / KIB)
    }
}

/// `LAMINA_BENCH_CASES` (comma-separated: `128KiB`, `1MiB`, `8MiB`, `sustained`) picks
/// the parts to run; default all.
fn wanted(case: &str) -> bool {
    std::env::var("LAMINA_BENCH_CASES").map_or(true, |cases| cases.split(',').any(|c| c == case))
}

fn dispersal(c: &mut Criterion) {
    let s = setup();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let mut group = c.benchmark_group("disperse_4_operators");
    // Seconds per dispersal: one dispersal per sample, not criterion's growing counts.
    group.sampling_mode(SamplingMode::Flat);
    // p99 needs samples; an 8 MiB dispersal takes tens of seconds, so it gets criterion's
    // minimum of 10.
    let samples = |size: usize| if size >= 8 * MIB { 10 } else { 30 };
    let mut summary = Vec::new();
    for size in [128 * KIB, MIB, 8 * MIB] {
        if !wanted(&size_name(size)) {
            continue;
        }
        let mut payload = vec![0u8; size];
        rng.fill_bytes(&mut payload);
        let name = size_name(size);
        group.sample_size(samples(size));
        group.measurement_time(Duration::from_secs(samples(size) as u64 * 2));
        let mut latencies = Vec::new();
        let mut prepares = Vec::new();
        let mut round = 0u64;
        group.bench_with_input(
            BenchmarkId::new("latency", &name),
            &payload,
            |b, payload| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        // each blob unique: a fresh timestamp, and a round counter
                        round += 1;
                        let mut p = payload.clone();
                        p[..8].copy_from_slice(&round.to_le_bytes());
                        let latency = s.rt.block_on(disperse_and_wait(&s.client, &p));
                        latencies.push(latency.dispersal);
                        prepares.push(latency.prepare);
                        total += latency.dispersal;
                    }
                    total
                });
            },
        );
        summary.push(format!(
            "latency {name}: {}; client prepare {}",
            common::percentiles(&mut latencies),
            common::percentiles(&mut prepares)
        ));
    }
    group.finish();
    for line in &summary {
        println!("{line}");
    }

    if wanted("sustained") {
        sustained(&s);
    }
}

/// Sustained throughput: 32 blobs of 1 MiB, prepared beforehand (a rollup commits on its
/// own machine, not on the devnet's two cores), sent by 8 concurrent clients; MB/s of
/// payload from the first `DisperseBlob` to the last `COMPLETE`. Then what encoding
/// alone sustains on the same cores: the disperser's encoder on the same blobs, one
/// after another (each encode uses both cores), so the two rates can be compared.
fn sustained(s: &Setup) {
    const BLOBS: usize = 32;
    const CLIENTS: usize = 8;
    let mut rng = ChaCha20Rng::seed_from_u64(100);
    let payloads: Vec<Vec<u8>> = (0..BLOBS)
        .map(|_| {
            let mut payload = vec![0u8; MIB];
            rng.fill_bytes(&mut payload);
            payload
        })
        .collect();
    let controller = s.devnet.info().pids.get("disperser").copied();
    let cpu_before = controller.and_then(process_cpu_seconds);
    let mut prepared: Vec<_> = s.rt.block_on(async {
        let mut out = Vec::new();
        for p in &payloads {
            out.push(s.client.prepare(p, &[]).await.expect("prepares"));
        }
        out
    });
    let start = Instant::now();
    let mut latencies = s.rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..CLIENTS {
            let client = s.client.clone();
            let mine: Vec<_> = prepared.drain(..BLOBS / CLIENTS).collect();
            tasks.spawn(async move {
                let mut latencies = Vec::new();
                for blob in mine {
                    let sent = Instant::now();
                    let key = client.send(blob).await.expect("disperses");
                    client.wait_for_certificate(key).await.expect("certificate");
                    latencies.push(sent.elapsed());
                }
                latencies
            });
        }
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.extend(r.expect("worker"));
        }
        all
    });
    let elapsed = start.elapsed();
    let pipeline = (BLOBS * MIB) as f64 / 1e6 / elapsed.as_secs_f64();
    println!(
        "sustained: {BLOBS} x 1 MiB from {CLIENTS} clients in {:.1} s = {pipeline:.2} MB/s of payload; latency {}",
        elapsed.as_secs_f64(),
        common::percentiles(&mut latencies)
    );
    if let (Some(pid), Some(before)) = (controller, cpu_before)
        && let Some(after) = process_cpu_seconds(pid)
    {
        let info = s.devnet.info();
        println!(
            "disperser process ({}, {} encoder processes): {:.2} CPU s for {BLOBS} MB = {:.3} CPU s per MB",
            if info.api_servers.is_empty() {
                "everything but remote encoding"
            } else {
                "controller only"
            },
            info.encoders.len(),
            after - before,
            (after - before) / BLOBS as f64
        );
    }

    let blob_version = s.client.config().blob_version;
    let params =
        s.rt.block_on(s.client.chain().blob_params(blob_version))
            .expect("blob params");
    let srs = Arc::new(Srs::development_cached(2 * MIB / 32).expect("development SRS"));
    let encoder = Encoder::with_insecure_development_seed(srs, DEVELOPMENT_SEED);
    let blobs: Vec<Blob> = payloads
        .iter()
        .take(8)
        .map(|p| Blob::from_payload(p).expect("encodes"))
        .collect();
    // The first encode of a shape builds its FK20 table (the disperser's is warm).
    encoder.encode(&blobs[0], params).expect("frames");
    let start = Instant::now();
    for blob in &blobs {
        encoder.encode(blob, params).expect("frames");
    }
    let elapsed = start.elapsed();
    let encoding = (blobs.len() * MIB) as f64 / 1e6 / elapsed.as_secs_f64();
    println!(
        "encoding alone: {} x 1 MiB in {:.1} s = {encoding:.2} MB/s of payload; the pipeline sustains {:.0} % of it",
        blobs.len(),
        elapsed.as_secs_f64(),
        100.0 * pipeline / encoding
    );
}

/// User + system CPU seconds of process `pid` so far (`/proc/<pid>/stat`).
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces) start after its closing paren.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(ticks / 100.0)
}

criterion_group!(benches, dispersal);
criterion_main!(benches);
