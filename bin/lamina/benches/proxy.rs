//! What the rollup proxy adds to a dispersal and a read, on a devnet of 4 operators (anvil,
//! 4 `lamina node`, `lamina disperser`, `lamina retriever`, `lamina proxy`, all processes
//! over TCP).
//!
//! - put: `POST /put` with the batch until the commitment comes back (the proxy disperses,
//!   waits for the certificate and verifies it), next to the same work through the Rust
//!   client directly (`disperse`, `wait_for_certificate`, `verify_certificate_locally`);
//! - get: `GET /get/0x…` until the batch comes back (the proxy parses the commitment,
//!   checks the certificate against the chain and reads the blob), next to the same
//!   checks called directly (`read_chain_view`, `lamina_derivation::check_certificate`)
//!   then the client's `retrieve`.
//!
//! Batches of 100 KiB and 1 MiB. Each request on its own connection, as op-alt-da's client
//! does. The client here and the proxy's own client have the same configuration (the
//! devnet's, default polling). Criterion reports means; the p50/p99 of every call are
//! printed at the end for docs/benchmarks.md.
//!
//! `cargo bench -p lamina --bench proxy`

#![allow(missing_docs)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use lamina_client::verify::read_chain_view;
use lamina_client::{Certificate, ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::EthChain;
use lamina_derivation::{DerivationConfig, check_certificate};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_proxy::op_client::OpAltDaClient;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

fn size_name(size: usize) -> String {
    if size >= MIB {
        format!("{}MiB", size / MIB)
    } else {
        format!("{}KiB", size / KIB)
    }
}

fn proxy(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_devnet, client, proxy_addr): (Devnet, LaminaClient<EthChain>, SocketAddr) =
        rt.block_on(async {
            let mut options =
                DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
            options.max_blob_symbols = (2 * MIB / 32) as u32;
            // Reads go to the network, not to the proxy's cache of its recent writes.
            options.proxy_config.insert("cache_bytes".into(), 0.into());
            let devnet = Devnet::start(options).await.expect("devnet starts");
            let info = devnet.info().clone();
            let proxy_addr = info
                .proxy
                .as_deref()
                .and_then(|url| url.strip_prefix("http://"))
                .and_then(|a| a.parse().ok())
                .expect("the devnet runs a proxy");
            let config = ClientConfig {
                disperser: info.disperser.clone().expect("disperser"),
                retriever: info.retriever.clone(),
                rpc_url: info.rpc_url.clone(),
                contracts: devnet.chain().addresses(),
                blob_version: info.blob_version,
                quorums: info.quorums.clone(),
                srs: Some(SrsConfig::insecure_development()),
                srs_points: 2 * MIB / 32,
                ..ClientConfig::default()
            };
            // The proxy disperses as this account too; the devnet's limits are far above
            // this load.
            let client = LaminaClient::connect(config, devnet.client().key.clone())
                .await
                .expect("client");
            (devnet, client, proxy_addr)
        });
    let op = OpAltDaClient::new(proxy_addr);
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let mut batch = |size: usize| {
        let mut bytes = vec![0u8; size];
        rng.fill_bytes(&mut bytes);
        bytes
    };

    let mut group = c.benchmark_group("proxy_vs_client");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let mut summary = Vec::new();
    for size in [100 * KIB, MIB] {
        let name = size_name(size);
        // Writes, alternating proxy and client so that both see the same chain and load.
        let (mut via_proxy, mut direct) = (Vec::new(), Vec::new());
        let mut commitments = Vec::new();
        let mut certs: Vec<Certificate> = Vec::new();
        group.bench_function(BenchmarkId::new("put_proxy", &name), |b| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut via_proxy, || {
                    let body = batch(size);
                    let commitment = rt.block_on(op.put(&body)).expect("put");
                    commitments.push(commitment);
                })
            })
        });
        group.bench_function(BenchmarkId::new("put_client", &name), |b| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut direct, || {
                    let body = batch(size);
                    let cert = rt.block_on(async {
                        let key = client.disperse(&body, &[]).await.expect("disperses");
                        let cert = client.wait_for_certificate(key).await.expect("certificate");
                        client
                            .verify_certificate_locally(&cert)
                            .await
                            .expect("verifies");
                        cert
                    });
                    certs.push(cert);
                })
            })
        });
        summary.push(format!(
            "put {name}: proxy {} | client {}",
            common::percentiles(&mut via_proxy),
            common::percentiles(&mut direct)
        ));

        // Reads of what was written above.
        let (mut via_proxy, mut direct) = (Vec::new(), Vec::new());
        let mut next = 0;
        group.bench_function(BenchmarkId::new("get_proxy", &name), |b| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut via_proxy, || {
                    let commitment = &commitments[next % commitments.len()];
                    next += 1;
                    let body = rt.block_on(op.get(commitment)).expect("get");
                    assert_eq!(body.len(), size);
                })
            })
        });
        let mut next = 0;
        group.bench_function(BenchmarkId::new("get_client", &name), |b| {
            b.iter_custom(|iters| {
                common::timed_calls(iters, &mut direct, || {
                    let cert = &certs[next % certs.len()];
                    next += 1;
                    // The proxy's checks, called directly: the derivation rules against the
                    // operator state at the reference block (no inclusion block given, as in
                    // the proxy's GETs here), then the read.
                    let body = rt.block_on(async {
                        let view = read_chain_view(client.chain(), &cert.cert)
                            .await
                            .expect("operator state");
                        check_certificate(&DerivationConfig::default(), &cert.cert, None, &view)
                            .expect("valid");
                        client.retrieve(cert).await.expect("retrieves")
                    });
                    assert_eq!(body.len(), size);
                })
            })
        });
        summary.push(format!(
            "get {name}: proxy {} | client {}",
            common::percentiles(&mut via_proxy),
            common::percentiles(&mut direct)
        ));
    }
    group.finish();
    for line in &summary {
        println!("proxy bench: {line}");
    }
}

criterion_group!(benches, proxy);
criterion_main!(benches);
