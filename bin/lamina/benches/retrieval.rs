//! Retrieval latency of 1 MiB and 8 MiB payloads from a devnet of 4 operators (real
//! `lamina node` processes, anvil, the disperser and the retriever service): with all
//! operators up, then with the slowest one (by measured answer time) stopped.
//!
//! Two paths each: `direct` (lamina-client's in-process retriever asking the nodes)
//! and `service` (`RetrieveBlob` on the `lamina retriever` process).
//!
//! `cargo bench -p lamina --bench retrieval`

#![allow(missing_docs)]

mod common;

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_client::{Certificate, ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::EthChain;
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_proto::node::v1::GetChunksRequest;
use lamina_proto::node::v1::retrieval_client::RetrievalClient;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const MIB: usize = 1 << 20;

struct Setup {
    rt: tokio::runtime::Runtime,
    devnet: Devnet,
    client: LaminaClient<EthChain>,
    certs: Vec<(usize, Certificate, Vec<u8>)>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (devnet, client, certs) = rt.block_on(async {
        let mut options =
            DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
        // 8 MiB payloads are 16 MiB blobs.
        options.max_blob_symbols = (16 * MIB / 32) as u32;
        let devnet = Devnet::start(options).await.expect("devnet starts");
        let info = devnet.info();
        let config = ClientConfig {
            disperser: info.disperser.clone().expect("disperser"),
            retriever: info.retriever.clone(),
            rpc_url: info.rpc_url.clone(),
            contracts: devnet.chain().addresses(),
            blob_version: info.blob_version,
            quorums: info.quorums.clone(),
            srs: Some(SrsConfig::insecure_development()),
            srs_points: 16 * MIB / 32,
            certificate_timeout_ms: 600_000,
            ..ClientConfig::default()
        };
        let client = LaminaClient::connect(config, devnet.client().key.clone())
            .await
            .expect("client");
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut certs = Vec::new();
        for size in [MIB, 8 * MIB] {
            let mut payload = vec![0u8; size];
            rng.fill_bytes(&mut payload);
            let key = client.disperse(&payload, &[]).await.expect("disperses");
            let cert = client.wait_for_certificate(key).await.expect("certificate");
            certs.push((size, cert, payload));
        }
        (devnet, client, certs)
    });
    Setup {
        rt,
        devnet,
        client,
        certs,
        _dir: dir,
    }
}

fn bench_all(c: &mut Criterion, s: &Setup, label: &str) {
    let mut group = c.benchmark_group(format!("retrieve_4_operators_{label}"));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut summary = Vec::new();
    for (size, cert, payload) in &s.certs {
        let name = format!("{}MiB", size / MIB);
        let mut direct = Vec::new();
        group.bench_with_input(BenchmarkId::new("direct", &name), cert, |b, cert| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut direct, || {
                    let got =
                        s.rt.block_on(s.client.retrieve_from_operators(cert))
                            .expect("retrieves");
                    assert!(got.payload == *payload, "payload differs");
                })
            });
        });
        let mut service = Vec::new();
        group.bench_with_input(BenchmarkId::new("service", &name), cert, |b, cert| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut service, || {
                    let got =
                        s.rt.block_on(s.client.retrieve_from_service(cert))
                            .expect("retrieves");
                    assert!(got == *payload, "payload differs");
                })
            });
        });
        summary.push(format!(
            "{label} {name}: direct {}; service {}",
            common::percentiles(&mut direct),
            common::percentiles(&mut service)
        ));
    }
    group.finish();
    for line in &summary {
        println!("{line}");
    }
}

fn retrieval(c: &mut Criterion) {
    let mut s = setup();
    // Byte-identical before anything is timed.
    for (_, cert, payload) in &s.certs {
        let got = s.rt.block_on(s.client.retrieve(cert)).expect("retrieves");
        assert!(got == *payload, "payload differs");
    }
    bench_all(c, &s, "all_up");

    // The slowest operator: median GetChunks time of each node for the 8 MiB blob.
    let (_, big, _) = s.certs.last().expect("two blobs");
    let mut worst: Vec<(Duration, usize)> = Vec::new();
    for (i, node) in s.devnet.info().nodes.iter().enumerate() {
        let endpoint = format!("http://{}", node.endpoint);
        let mut times: Vec<Duration> = s.rt.block_on(async {
            let mut client = RetrievalClient::connect(endpoint)
                .await
                .expect("node reachable")
                .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
            let mut times = Vec::new();
            for _ in 0..3 {
                let start = Instant::now();
                client
                    .get_chunks(GetChunksRequest {
                        blob_key: big.blob_key.0.to_vec(),
                        quorum_id: 0,
                    })
                    .await
                    .expect("chunks");
                times.push(start.elapsed());
            }
            times
        });
        times.sort();
        worst.push((times[1], i));
    }
    worst.sort();
    let slowest = worst.last().map_or(0, |&(_, node)| node);
    eprintln!("GetChunks medians (time, node): {worst:?}; stopping node {slowest}");
    s.rt.block_on(async {
        s.devnet
            .node_mut(slowest)
            .expect("node")
            .stop(Duration::from_secs(10))
            .await
    })
    .expect("node stops");
    bench_all(c, &s, "slowest_down");
    let Setup { rt, devnet, .. } = s;
    rt.block_on(devnet.shutdown()).expect("shutdown");
}

criterion_group!(benches, retrieval);
criterion_main!(benches);
