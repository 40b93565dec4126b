//! End to end with real parts only: every test starts its own devnet (anvil with the real
//! contracts, four restaked operators, one `lamina node` process each, `lamina disperser`,
//! `lamina retriever`) and drives it through `lamina-client` over TCP.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lamina_client::{Certificate, ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::{Chain, EthChain};
use lamina_core::keystore::EcdsaKey;
use lamina_devnet::faults::Fault;
use lamina_devnet::operators::account_key;
use lamina_devnet::{Devnet, DevnetOptions};
use rand::{RngCore, SeedableRng};

mod common;
use common::devnet_client_config;

/// `CertVerifier.StatusCode.SUCCESS`.
const SUCCESS: u8 = 1;
/// `CertVerifier.StatusCode.INVALID_CERT`.
const INVALID_CERT: u8 = 6;

/// Largest payload of a blob of `symbols` 32-byte symbols (one header symbol, 31 payload
/// bytes per symbol).
fn payload_capacity(symbols: usize) -> usize {
    (symbols - 1) * 31
}

fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

async fn start(dir: &tempfile::TempDir, configure: impl FnOnce(&mut DevnetOptions)) -> Devnet {
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    // Small blobs unless a test says otherwise: every service's SRS load is sized by this.
    options.max_blob_symbols = 1 << 12;
    options.health_timeout = Duration::from_secs(300);
    configure(&mut options);
    Devnet::start(options).await.expect("devnet starts")
}

async fn client(devnet: &Devnet, key: EcdsaKey) -> LaminaClient<EthChain> {
    LaminaClient::connect(devnet_client_config(devnet), key)
        .await
        .expect("client connects")
}

fn reader(devnet: &Devnet) -> EthChain {
    devnet.chain().connect(None).expect("chain reader")
}

/// Disperses, waits for the certificate, checks it locally and with `checkDACert`,
/// retrieves through the retriever and compares bytes. Returns the certificate.
async fn round_trip(client: &LaminaClient<EthChain>, chain: &EthChain, data: &[u8]) -> Certificate {
    let key = client.disperse(data, &[]).await.expect("dispersed");
    let cert = client.wait_for_certificate(key).await.expect("certificate");
    assert_eq!(cert.blob_key, key);
    client
        .verify_certificate_locally(&cert)
        .await
        .expect("certificate verifies locally");
    assert_eq!(
        chain.check_da_cert(&cert.cert).await.expect("eth_call"),
        SUCCESS,
        "checkDACert of blob {key} ({} bytes)",
        data.len()
    );
    let back = client
        .retrieve_from_service(&cert)
        .await
        .expect("retrieved");
    assert!(
        back == data,
        "blob {key}: {} bytes back for {} sent",
        back.len(),
        data.len()
    );
    cert
}

/// Whether the disperser reports the blob's batch confirmed on-chain within a minute.
async fn anchored(client: &LaminaClient<EthChain>, cert: &Certificate) -> bool {
    if cert.confirmation.is_some() {
        return true;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let reply = client.status(cert.blob_key).await.expect("status");
        if reply.certificate.is_some_and(|c| c.confirmation.is_some()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_over_several_sizes_verifies_on_chain_and_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = start(&dir, |_| {}).await;
    let client = client(&devnet, devnet.client().key.clone()).await;
    let chain = reader(&devnet);
    // The devnet's client can pay either way: a reservation and an on-demand deposit.
    let payments = chain
        .account_payments(devnet.client().address())
        .await
        .expect("PaymentVault reads");
    assert!(payments.reservation.is_active_at(0));
    assert_eq!(
        payments.reservation.symbols_per_second,
        lamina_devnet::DEVNET_CLIENT_RESERVATION_SYMBOLS_PER_SECOND
    );
    assert_eq!(
        payments.on_demand_deposit,
        alloy::primitives::U256::from(lamina_devnet::DEVNET_CLIENT_DEPOSIT_WEI)
    );
    let sizes = [1, 31, 1000, 10_000, payload_capacity(1 << 12)];
    let certs = futures::future::join_all(sizes.iter().enumerate().map(|(i, &len)| {
        let data = payload(i as u64, len);
        let client = &client;
        let chain = &chain;
        async move { round_trip(client, chain, &data).await }
    }))
    .await;
    // Anchored on-chain (the devnet's disperser confirms every batch, off the critical path:
    // a blob is COMPLETE before its confirmBatch is mined), all four signed.
    for cert in &certs {
        assert!(
            anchored(&client, cert).await,
            "blob {} not anchored within 60 s",
            cert.blob_key
        );
        assert!(
            cert.cert
                .non_signer_stakes_and_signature
                .non_signer_pubkeys
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_killed_before_dispersal_is_a_recorded_non_signer_and_retrieval_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet = start(&dir, |_| {}).await;
    // Operator 1 holds 20% of quorum 0 and 30% of quorum 1: the rest still clears 55%.
    let down = devnet.operators()[1].operator_id;
    devnet.node_mut(1).expect("node 1").kill().expect("kill -9");
    let client = client(&devnet, devnet.client().key.clone()).await;
    let cert = round_trip(&client, &reader(&devnet), &payload(7, 5000)).await;
    let verified = client
        .verify_certificate_locally(&cert)
        .await
        .expect("verifies");
    assert_eq!(verified.non_signers, vec![down]);
    assert_eq!(
        cert.cert.non_signer_stakes_and_signature.non_signer_pubkeys,
        vec![devnet.operators()[1].bls_key.public_g1()]
    );
    let percentages: BTreeMap<u8, u8> = verified.signed_percentages.into_iter().collect();
    assert_eq!(percentages, BTreeMap::from([(0, 80), (1, 70)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_restarted_between_dispersal_and_retrieval_still_serve_the_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet = start(&dir, |_| {}).await;
    let client = client(&devnet, devnet.client().key.clone()).await;
    let data = payload(11, 20_000);
    let cert = round_trip(&client, &reader(&devnet), &data).await;
    // Every node goes down and comes back (two cleanly, two with kill -9), so whatever
    // the retriever gets now comes from restarted nodes' RocksDB.
    let timeout = Duration::from_secs(300);
    for i in 0..4 {
        let node = devnet.node_mut(i).expect("node");
        if i % 2 == 1 {
            node.kill().expect("kill -9");
        }
        node.restart(timeout).await.expect("restarts healthy");
    }
    devnet.write_info().expect("devnet.json");
    let back = client
        .retrieve_from_service(&cert)
        .await
        .expect("retrieved after restarts");
    assert!(back == data, "payload differs after restarts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieval_succeeds_despite_nodes_serving_corrupted_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Operators 2 and 3 hold 70% of quorum 0's chunks and serve every one corrupted.
    let devnet = start(&dir, |o| {
        o.byzantine = BTreeMap::from([(2, Fault::CorruptFrames), (3, Fault::CorruptFrames)]);
    })
    .await;
    let client = client(&devnet, devnet.client().key.clone()).await;
    let data = payload(13, 50_000);
    let cert = round_trip(&client, &reader(&devnet), &data).await;

    // The fault is real: through the registered socket operator 3's frames differ from
    // what its node stored, at the same indices.
    use lamina_proto::node::v1::GetChunksRequest;
    use lamina_proto::node::v1::retrieval_client::RetrievalClient;
    let ask = |addr: std::net::SocketAddr| {
        let key = cert.blob_key;
        async move {
            let mut c = RetrievalClient::connect(format!("http://{addr}"))
                .await
                .expect("connects")
                .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
            c.get_chunks(GetChunksRequest {
                blob_key: key.0.to_vec(),
                quorum_id: 0,
            })
            .await
            .expect("chunks")
            .into_inner()
        }
    };
    let lied = ask(devnet.node_addrs(3).expect("node 3").grpc).await;
    let stored = ask(devnet.node_listen(3).expect("node 3")).await;
    assert_eq!(lied.chunk_indices, stored.chunk_indices);
    assert!(!stored.frames.is_empty());
    assert_ne!(lied.frames, stored.frames);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disperser_killed_with_blobs_in_flight_loses_none_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet = start(&dir, |_| {}).await;
    let client = client(&devnet, devnet.client().key.clone()).await;
    let blobs: Vec<Vec<u8>> = (0..8)
        .map(|i| payload(100 + i, 3000 + 500 * i as usize))
        .collect();
    let mut keys = Vec::new();
    for data in &blobs {
        keys.push(client.disperse(data, &[]).await.expect("accepted"));
    }
    // Every blob was accepted (durably queued); crash before they can all complete.
    devnet
        .disperser_mut()
        .expect("disperser")
        .kill()
        .expect("kill -9");
    devnet
        .disperser_mut()
        .expect("disperser")
        .restart(Duration::from_secs(300))
        .await
        .expect("disperser restarts");
    let chain = reader(&devnet);
    for (key, data) in keys.iter().zip(&blobs) {
        let cert = client
            .wait_for_certificate(*key)
            .await
            .unwrap_or_else(|e| panic!("accepted blob {key} lost: {e}"));
        assert_eq!(
            chain.check_da_cert(&cert.cert).await.expect("eth_call"),
            SUCCESS
        );
        let back = client
            .retrieve_from_service(&cert)
            .await
            .expect("retrieved");
        assert!(&back == data, "blob {key} differs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_certificates_are_invalid_on_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = start(&dir, |o| o.with_retriever = false).await;
    let client = client(&devnet, devnet.client().key.clone()).await;
    let chain = reader(&devnet);
    let key = client
        .disperse(&payload(17, 4000), &[])
        .await
        .expect("dispersed");
    let cert = client.wait_for_certificate(key).await.expect("certificate");
    assert_eq!(
        chain.check_da_cert(&cert.cert).await.expect("eth_call"),
        SUCCESS
    );

    let mut tampered = Vec::new();
    let mut c = cert.cert.clone();
    c.batch_header.reference_block_number -= 1;
    tampered.push(("reference block", c));
    // (Not the blob index: in a one-blob batch the proof is empty and index bits beyond
    // the tree's depth are not checked, on-chain as in EigenDA v2.)
    let mut c = cert.cert.clone();
    c.blob_inclusion_info
        .blob_certificate
        .blob_header
        .commitment
        .length *= 2;
    tampered.push(("blob length", c));
    let mut c = cert.cert.clone();
    c.blob_inclusion_info
        .blob_certificate
        .blob_header
        .payment_header_hash
        .0[0] ^= 1;
    tampered.push(("payment header hash", c));
    let mut c = cert.cert.clone();
    c.non_signer_stakes_and_signature.sigma = c.non_signer_stakes_and_signature.quorum_apks[0];
    tampered.push(("signature", c));
    for (what, bad) in tampered {
        assert_eq!(
            chain.check_da_cert(&bad).await.expect("eth_call"),
            INVALID_CERT,
            "tampered {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_64_blobs_of_1kib_to_4mib_from_8_concurrent_clients() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = start(&dir, |o| o.max_blob_symbols = 1 << 17).await;
    let chain = reader(&devnet);
    // Blob sizes 1 KiB, 2 KiB, ..., 4 MiB (2^5 to 2^17 symbols), cycled over the 64 blobs.
    let sizes: Vec<usize> = (0..64)
        .map(|i| payload_capacity(1 << (5 + i % 13)))
        .collect();
    let total: usize = sizes.iter().sum();
    // The load accounts pay with reservations, as the devnet client does (a fresh key with
    // neither a reservation nor a deposit is refused at intake).
    for c in 0..8 {
        devnet
            .chain()
            .reserve_bandwidth(
                account_key(0x10ad, "load", c).expect("key").address(),
                1 << 16,
            )
            .await
            .expect("governance sets a reservation");
    }
    let started = Instant::now();
    let clients = (0..8).map(|c| {
        let sizes = &sizes;
        let chain = &chain;
        let devnet = &devnet;
        async move {
            // At this load a rollup commits locally, as EigenDA's client does: the
            // disperser's GetBlobCommitment is a small shared pool that refuses floods
            // (eight clients of 4 MiB blobs would wait out their patience there).
            let config = ClientConfig {
                srs: Some(SrsConfig::insecure_development()),
                srs_points: 1 << 17,
                ..devnet_client_config(devnet)
            };
            let client =
                LaminaClient::connect(config, account_key(0x10ad, "load", c).expect("key"))
                    .await
                    .expect("client connects");
            let mut latencies = Vec::new();
            for b in (c..64).step_by(8) {
                let data = payload(b as u64, sizes[b]);
                let t = Instant::now();
                round_trip(&client, chain, &data).await;
                latencies.push(t.elapsed());
            }
            latencies
        }
    });
    let mut latencies: Vec<Duration> = futures::future::join_all(clients)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(
        latencies.len(),
        64,
        "every blob completed, verified and round-tripped"
    );
    // Figures for docs/benchmarks.md (printed, never asserted).
    latencies.sort();
    let elapsed = started.elapsed();
    println!(
        "load: 64 blobs, {:.1} MiB payload in {:.1} s = {:.2} MiB/s; round trip p50 {:.2} s, p99 {:.2} s",
        total as f64 / (1 << 20) as f64,
        elapsed.as_secs_f64(),
        total as f64 / (1 << 20) as f64 / elapsed.as_secs_f64(),
        latencies[31].as_secs_f64(),
        latencies[63].as_secs_f64(),
    );
}
