//! Adversarial load, bounded in time: a devnet of real processes (anvil with the real
//! contracts, four nodes, disperser, retriever) serves an honest client while attackers
//! flood every door an outsider can reach:
//!
//! - `GetBlobCommitment` (three MSMs per call, unauthenticated) from 24 concurrent tasks;
//! - `DisperseBlob` from a fresh random account on every request (sidesteps a
//!   per-account limit; each one would cost the disperser a commitment check);
//! - `StoreChunks` to every node, well formed but signed by fresh random keys (each a
//!   signer lookup if nothing is cached);
//! - `GetChunks` for the largest blob the devnet holds, from many tasks at once.
//!
//! The attackers come from their own loopback addresses (127.0.0.2–5), as they would from
//! their own machines; the honest client from 127.0.0.1. What must hold: the honest
//! client's blobs all complete, verify on-chain and come back byte-identical; every flood
//! is refused with a typed status (never a hang or a crash); no process dies; the
//! disperser's peak memory stays bounded. Latency under attack is printed against the
//! quiet figures, not asserted (speed is measured, never asserted in tests: here the
//! attackers run on the same two cores as the devnet); docs/benchmarks.md records it.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::U256;
use lamina_client::{Certificate, ClientConfig, LaminaClient};
use lamina_core::chain::{Chain, ContractAddresses, EthChain};
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobHeader, PaymentHeader, SrsConfig};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_encoding::{Blob, Encoder, Srs};
use lamina_proto::common::v1 as common_pb;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use lamina_proto::disperser::v1::{DisperseBlobRequest, GetBlobCommitmentRequest};
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use lamina_proto::node::v1::retrieval_client::RetrievalClient;
use lamina_proto::node::v1::{BlobFrames, GetChunksRequest, QuorumFrames, StoreChunksRequest};
use rand::{RngCore, SeedableRng};
use tonic::transport::{Channel, Endpoint};

/// `CertVerifier.StatusCode.SUCCESS`.
const SUCCESS: u8 = 1;
/// Largest blob of this devnet (512 KiB): the flood's blobs are this size.
const MAX_BLOB_SYMBOLS: u32 = 1 << 14;
/// Honest payloads: 100 kB, a typical rollup batch.
const HONEST_BYTES: usize = 100_000;
/// Quiet and attacked round trips each.
const ROUNDS: usize = 3;
/// The attack stops after this long even if the honest client is still busy.
const ATTACK_LIMIT: Duration = Duration::from_secs(240);

fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// A channel to `addr` whose connections leave from `from` (a loopback address of its own).
fn channel(addr: &str, from: Ipv4Addr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .local_address(Some(IpAddr::V4(from)))
        .timeout(Duration::from_secs(30))
        .connect_lazy()
}

/// Outcomes of one flood, by gRPC code name.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    fn record<T>(&self, result: &Result<T, tonic::Status>) {
        let code = match result {
            Ok(_) => "ok".to_owned(),
            Err(status) => format!("{:?}", status.code()),
        };
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(code)
            .or_default() += 1;
    }

    fn counts(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Peak resident memory of `pid` in MiB (`VmHWM`), if the process is there.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn client_config(devnet: &Devnet) -> ClientConfig {
    let info = devnet.info();
    ClientConfig {
        disperser: info.disperser.clone().expect("disperser runs"),
        retriever: info.retriever.clone(),
        rpc_url: info.rpc_url.clone(),
        contracts: ContractAddresses::load(&info.deployment).expect("deployment file"),
        blob_version: info.blob_version,
        quorums: info.quorums.clone(),
        // A rollup commits locally: the honest client never needs GetBlobCommitment.
        srs: Some(SrsConfig::insecure_development()),
        srs_points: MAX_BLOB_SYMBOLS as usize,
        certificate_timeout_ms: 240_000,
        ..ClientConfig::default()
    }
}

/// Disperses `data`, waits for its certificate, checks it with `checkDACert` and
/// retrieves it through the retriever. Returns the certificate and the dispersal latency
/// (DisperseBlob → certificate).
async fn round_trip(
    client: &LaminaClient<EthChain>,
    chain: &EthChain,
    data: &[u8],
) -> (Certificate, Duration) {
    let started = Instant::now();
    // An honest client backs off as told (the client retries refusals with a retry-after
    // itself): the waits are part of the latency, never a failure.
    let key = client
        .disperse(data, &[])
        .await
        .unwrap_or_else(|e| panic!("honest blob refused: {e}"));
    let cert = client
        .wait_for_certificate(key)
        .await
        .expect("honest blob certified");
    let latency = started.elapsed();
    assert_eq!(
        chain.check_da_cert(&cert.cert).await.expect("eth_call"),
        SUCCESS,
        "checkDACert of honest blob {key}"
    );
    let back = client
        .retrieve_from_service(&cert)
        .await
        .expect("honest blob retrieved");
    assert!(back == data, "honest blob {key} differs after retrieval");
    (cert, latency)
}

/// A well-formed DisperseBlob request for `blob` (commitments precomputed) paid by a
/// fresh random account.
fn fresh_account_request(
    blob_bytes: &[u8],
    header: &BlobHeader,
    rng: &mut impl RngCore,
) -> DisperseBlobRequest {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let key = EcdsaKey::random(&mut rand_chacha::ChaCha20Rng::from_seed(seed));
    let payment = PaymentHeader {
        account_id: key.address(),
        timestamp_ns: now_ns(),
        cumulative_payment: U256::ZERO,
    };
    let header = BlobHeader {
        payment_header_hash: payment.hash(),
        ..header.clone()
    };
    let signature =
        lamina_core::ecdsa::sign_digest(&key, header.blob_key().as_b256()).expect("signs");
    DisperseBlobRequest {
        blob: blob_bytes.to_vec(),
        blob_header: Some(lamina_proto::convert::blob_header_to_proto(
            &header, &payment,
        )),
        signature: signature.to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn honest_client_is_served_while_every_door_is_flooded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.max_blob_symbols = MAX_BLOB_SYMBOLS;
    options.health_timeout = Duration::from_secs(300);
    // Each client address may use a share of what this 2-core devnet encodes (about
    // 1 MB/s), as an operator sizes the limit to its machines; payments (reservations)
    // will lift it for paying accounts.
    options.disperser_config =
        "rate_limit_address_bytes_per_sec = 262144\nrate_limit_address_blobs_per_sec = 4"
            .parse()
            .expect("toml");
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let info = devnet.info().clone();
    let chain = devnet.chain().connect(None).expect("chain reader");
    let client = LaminaClient::connect(client_config(&devnet), devnet.client().key.clone())
        .await
        .expect("honest client");
    let disperser_pid = info.pids.get("disperser").copied().expect("disperser pid");

    // The largest blob the devnet takes, dispersed once: the GetChunks flood asks for it.
    let big = payload(1, (MAX_BLOB_SYMBOLS as usize - 1) * 31);
    let (big_cert, _) = round_trip(&client, &chain, &big).await;

    // Quiet figures.
    let mut quiet = Vec::new();
    for i in 0..ROUNDS {
        let (_, latency) = round_trip(&client, &chain, &payload(10 + i as u64, HONEST_BYTES)).await;
        quiet.push(latency);
    }
    let rss_quiet = peak_rss_mib(disperser_pid).expect("disperser alive");

    // What the attackers send: a full-size blob, its commitments computed once here.
    let srs = Srs::development_cached(MAX_BLOB_SYMBOLS as usize).expect("dev SRS");
    let encoder = Encoder::new(Arc::new(srs));
    let flood_blob =
        Blob::from_payload(&payload(2, (MAX_BLOB_SYMBOLS as usize - 1) * 31)).expect("blob");
    let flood_bytes = flood_blob.to_bytes();
    let commitment = lamina_encoding::commit_blob(encoder.srs(), &flood_blob).expect("commits");
    let flood_header = BlobHeader {
        version: info.blob_version,
        quorum_numbers: info.quorums.clone(),
        commitment,
        payment_header_hash: Default::default(),
    };
    // A StoreChunks request shaped like the disperser's, for a batch nobody dispersed.
    let forged_template = {
        let cert = big_cert.cert.blob_inclusion_info.blob_certificate.clone();
        let header = &big_cert.cert.batch_header;
        StoreChunksRequest {
            batch: Some(common_pb::Batch {
                header: Some(common_pb::BatchHeader {
                    batch_root: header.batch_root.to_vec(),
                    reference_block_number: u64::from(header.reference_block_number),
                }),
                blob_certificates: vec![lamina_proto::common::v1::BlobCertificate {
                    blob_header: Some(lamina_proto::convert::blob_header_to_proto(
                        &cert.blob_header,
                        &PaymentHeader {
                            account_id: devnet.client().key.address(),
                            timestamp_ns: now_ns(),
                            cumulative_payment: U256::ZERO,
                        },
                    )),
                    signature: cert.signature.clone(),
                    relay_keys: Vec::new(),
                }],
            }),
            blobs: vec![BlobFrames {
                quorums: vec![QuorumFrames {
                    quorum_id: 0,
                    chunk_indices: (0..8).collect(),
                    frames: vec![vec![0u8; 4096]; 8],
                }],
            }],
            timestamp: 0,
            disperser_signature: Vec::new(),
        }
    };

    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + ATTACK_LIMIT;
    let running = {
        let stop = Arc::clone(&stop);
        move || !stop.load(Ordering::Relaxed) && Instant::now() < deadline
    };
    let commitment_tally = Arc::new(Tally::default());
    let disperse_tally = Arc::new(Tally::default());
    let store_tally = Arc::new(Tally::default());
    let chunks_tally = Arc::new(Tally::default());
    let disperser_addr = info.disperser.clone().expect("disperser");
    let mut attackers = Vec::new();

    for _ in 0..24 {
        let mut c = DisperserClient::new(channel(&disperser_addr, Ipv4Addr::new(127, 0, 0, 2)))
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let blob = flood_bytes.clone();
        let tally = Arc::clone(&commitment_tally);
        let running = running.clone();
        attackers.push(tokio::spawn(async move {
            while running() {
                let r = c
                    .get_blob_commitment(GetBlobCommitmentRequest { blob: blob.clone() })
                    .await;
                tally.record(&r);
            }
        }));
    }
    for t in 0..4u64 {
        let mut c = DisperserClient::new(channel(&disperser_addr, Ipv4Addr::new(127, 0, 0, 3)))
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let blob = flood_bytes.clone();
        let header = flood_header.clone();
        let tally = Arc::clone(&disperse_tally);
        let running = running.clone();
        attackers.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0xbad0 + t);
            while running() {
                let request = fresh_account_request(&blob, &header, &mut rng);
                let r = c.disperse_blob(request).await;
                tally.record(&r);
            }
        }));
    }
    for (n, node) in info.nodes.iter().enumerate() {
        let mut c = DispersalClient::new(channel(&node.endpoint, Ipv4Addr::new(127, 0, 0, 4)))
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let template = forged_template.clone();
        let tally = Arc::clone(&store_tally);
        let store_running = running.clone();
        attackers.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5707e + n as u64);
            while store_running() {
                let mut request = template.clone();
                request.timestamp = now_ns();
                let key = EcdsaKey::random(&mut rng);
                let digest = lamina_proto::store_chunks_digest(&request);
                request.disperser_signature = lamina_core::ecdsa::sign_digest(&key, digest)
                    .expect("signs")
                    .to_vec();
                let r = c.store_chunks(request).await;
                tally.record(&r);
            }
        }));
        for _ in 0..4 {
            let mut c = RetrievalClient::new(channel(&node.endpoint, Ipv4Addr::new(127, 0, 0, 5)))
                .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
            let key = big_cert.blob_key;
            let tally = Arc::clone(&chunks_tally);
            let running = running.clone();
            attackers.push(tokio::spawn(async move {
                while running() {
                    let r = c
                        .get_chunks(GetChunksRequest {
                            blob_key: key.0.to_vec(),
                            quorum_id: 0,
                        })
                        .await;
                    tally.record(&r);
                }
            }));
        }
    }

    // The floods get a head start, then the honest client works through them.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut attacked = Vec::new();
    for i in 0..ROUNDS {
        let (_, latency) = round_trip(&client, &chain, &payload(20 + i as u64, HONEST_BYTES)).await;
        attacked.push(latency);
    }
    stop.store(true, Ordering::Relaxed);
    for attacker in attackers {
        attacker.await.expect("attacker task");
    }

    devnet
        .check_alive()
        .expect("no process died under the floods");
    let rss_attacked = peak_rss_mib(disperser_pid).expect("disperser alive");

    let quiet_median = {
        let mut q = quiet.clone();
        q.sort();
        q[q.len() / 2]
    };
    let secs = |d: &[Duration]| {
        d.iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
    };
    println!(
        "adversarial: quiet dispersal latencies {:?} s, under attack {:?} s (worst {:.2}x the quiet median)",
        secs(&quiet),
        secs(&attacked),
        attacked.iter().map(|a| a.as_secs_f64()).fold(0.0, f64::max) / quiet_median.as_secs_f64(),
    );
    println!(
        "adversarial: disperser peak RSS {rss_quiet:.0} MiB quiet, {rss_attacked:.0} MiB after the floods"
    );
    let commitment_counts = commitment_tally.counts();
    let disperse_counts = disperse_tally.counts();
    let store_counts = store_tally.counts();
    let chunks_counts = chunks_tally.counts();
    println!("adversarial: GetBlobCommitment flood {commitment_counts:?}");
    println!("adversarial: fresh-account DisperseBlob flood {disperse_counts:?}");
    println!("adversarial: forged StoreChunks flood {store_counts:?}");
    println!("adversarial: GetChunks flood {chunks_counts:?}");

    // Every flood met a typed refusal; forged batches were never signed.
    assert!(
        commitment_counts.contains_key("ResourceExhausted"),
        "the GetBlobCommitment flood was never refused: {commitment_counts:?}"
    );
    assert!(
        disperse_counts.contains_key("ResourceExhausted"),
        "the fresh-account flood was never rate limited: {disperse_counts:?}"
    );
    assert!(
        !store_counts.contains_key("ok") && store_counts.contains_key("PermissionDenied"),
        "a forged StoreChunks was signed: {store_counts:?}"
    );
    assert!(
        chunks_counts.contains_key("ResourceExhausted"),
        "the GetChunks flood was never limited: {chunks_counts:?}"
    );
    // Hangs would show as DeadlineExceeded / Unavailable on the attackers' side.
    for (what, counts) in [
        ("GetBlobCommitment", &commitment_counts),
        ("DisperseBlob", &disperse_counts),
        ("StoreChunks", &store_counts),
        ("GetChunks", &chunks_counts),
    ] {
        assert!(
            !counts.contains_key("Unknown") && !counts.contains_key("Internal"),
            "{what} flood saw an untyped failure: {counts:?}"
        );
    }
    assert!(
        rss_attacked < 256.0,
        "disperser peak RSS {rss_attacked:.0} MiB under the floods"
    );
    devnet.shutdown().await.expect("devnet stops");
}
