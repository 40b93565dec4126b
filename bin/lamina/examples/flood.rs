//! An attacker of a running devnet: floods every door an outsider can reach, for a bounded
//! time, and writes how each request was answered.
//!
//! - `GetBlobCommitment` (three MSMs per call, unauthenticated) from 24 concurrent tasks;
//! - `DisperseBlob` from a fresh random account on every request (sidesteps a per-account
//!   limit; such an account has neither a reservation nor a deposit, so the disperser's
//!   payments refuse it before any commitment check);
//! - `StoreChunks` to every node, well formed but signed by fresh random keys (each a
//!   signer lookup if nothing is cached);
//! - `GetChunks` of the blob of `--cert` from four tasks per node.
//!
//! Every flood leaves from a loopback address of its own (127.0.0.2–5), as it would from
//! its own machine; `tests/adversarial.rs` runs it against a devnet while an honest client
//! works.
//!
//! ```text
//! cargo run --example flood -- --devnet <data dir> --cert-abi <file of 0x-hex> \
//!     --max-blob-symbols 16384 --seconds 240 --stop-file <path> --out <tallies.json>
//! ```
//!
//! It stops when `--stop-file` appears or after `--seconds`, then writes
//! `{"GetBlobCommitment": {"ResourceExhausted": n, "ok": m, ...}, ...}` plus the seconds it
//! ran to `--out`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::U256;
use anyhow::Context;
use clap::Parser;
use lamina_core::keystore::EcdsaKey;
use lamina_core::{BlobHeader, DaCertV3, PaymentHeader};
use lamina_devnet::DevnetInfo;
use lamina_encoding::{Blob, Srs};
use lamina_proto::common::v1 as common_pb;
use lamina_proto::disperser::v1::disperser_client::DisperserClient;
use lamina_proto::disperser::v1::{DisperseBlobRequest, GetBlobCommitmentRequest};
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use lamina_proto::node::v1::retrieval_client::RetrievalClient;
use lamina_proto::node::v1::{BlobFrames, GetChunksRequest, QuorumFrames, StoreChunksRequest};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tonic::transport::{Channel, Endpoint};

#[derive(Parser)]
struct Args {
    /// The devnet's data directory (its `devnet.json`).
    #[arg(long)]
    devnet: PathBuf,
    /// A file holding `abi.encode(cert)` (0x-hex) of a blob the devnet certified: the
    /// `GetChunks` flood asks for it and the forged `StoreChunks` copy its batch.
    #[arg(long)]
    cert_abi: PathBuf,
    /// The devnet's largest blob, in symbols: the flood's blobs are this size.
    #[arg(long)]
    max_blob_symbols: usize,
    /// Longest the flood runs.
    #[arg(long, default_value_t = 240)]
    seconds: u64,
    /// The flood stops when this file appears.
    #[arg(long)]
    stop_file: PathBuf,
    /// Where the tallies go (JSON).
    #[arg(long)]
    out: PathBuf,
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

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// A channel to `addr` whose connections leave from `from` (a loopback address of its own).
fn channel(addr: &str, from: Ipv4Addr) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .local_address(Some(IpAddr::V4(from)))
        .timeout(Duration::from_secs(30))
        .connect_lazy())
}

/// A well-formed DisperseBlob request for `blob` (commitments precomputed) paid by a
/// fresh random account.
fn fresh_account_request(
    blob_bytes: &[u8],
    header: &BlobHeader,
    rng: &mut impl RngCore,
) -> anyhow::Result<DisperseBlobRequest> {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let key = EcdsaKey::random(&mut ChaCha20Rng::from_seed(seed));
    let payment = PaymentHeader {
        account_id: key.address(),
        timestamp_ns: now_ns(),
        cumulative_payment: U256::ZERO,
    };
    let header = BlobHeader {
        payment_header_hash: payment.hash(),
        ..header.clone()
    };
    let signature = lamina_core::ecdsa::sign_digest(&key, header.blob_key().as_b256())?;
    Ok(DisperseBlobRequest {
        blob: blob_bytes.to_vec(),
        blob_header: Some(lamina_proto::convert::blob_header_to_proto(
            &header, &payment,
        )),
        signature: signature.to_vec(),
    })
}

/// A StoreChunks request shaped like the disperser's, for a batch nobody dispersed.
fn forged_store_chunks(cert: &DaCertV3, payer: alloy_primitives::Address) -> StoreChunksRequest {
    let blob_cert = &cert.blob_inclusion_info.blob_certificate;
    StoreChunksRequest {
        batch: Some(common_pb::Batch {
            header: Some(common_pb::BatchHeader {
                batch_root: cert.batch_header.batch_root.to_vec(),
                reference_block_number: u64::from(cert.batch_header.reference_block_number),
            }),
            blob_certificates: vec![common_pb::BlobCertificate {
                blob_header: Some(lamina_proto::convert::blob_header_to_proto(
                    &blob_cert.blob_header,
                    &PaymentHeader {
                        account_id: payer,
                        timestamp_ns: now_ns(),
                        cumulative_payment: U256::ZERO,
                    },
                )),
                signature: blob_cert.signature.clone(),
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
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let info = DevnetInfo::load(&args.devnet).context("devnet.json")?;
    let cert_hex = std::fs::read_to_string(&args.cert_abi).context("cert file")?;
    let cert = DaCertV3::abi_decode(&hex::decode(cert_hex.trim().trim_start_matches("0x"))?)
        .map_err(|e| anyhow::anyhow!("certificate: {e}"))?;
    let blob_key = cert
        .blob_inclusion_info
        .blob_certificate
        .blob_header
        .blob_key();

    // What the attackers send: a full-size blob, its commitments computed once here.
    let srs = Srs::development_cached(args.max_blob_symbols).context("development SRS")?;
    let mut payload = vec![0u8; (args.max_blob_symbols - 1) * 31];
    ChaCha20Rng::seed_from_u64(2).fill_bytes(&mut payload);
    let flood_blob = Blob::from_payload(&payload)?;
    let flood_bytes = flood_blob.to_bytes();
    let flood_header = BlobHeader {
        version: info.blob_version,
        quorum_numbers: info.quorums.clone(),
        commitment: lamina_encoding::commit_blob(&srs, &flood_blob)?,
        payment_header_hash: Default::default(),
    };
    let payer = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(3)).address();
    let forged_template = forged_store_chunks(&cert, payer);

    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let stop = Arc::clone(&stop);
        move || !stop.load(Ordering::Relaxed) && Instant::now() < deadline
    };
    let floods: BTreeMap<&str, Arc<Tally>> = [
        "GetBlobCommitment",
        "DisperseBlob",
        "StoreChunks",
        "GetChunks",
    ]
    .into_iter()
    .map(|name| (name, Arc::new(Tally::default())))
    .collect();
    let disperser = info
        .disperser
        .clone()
        .context("the devnet runs no disperser")?;
    let mut attackers = Vec::new();

    for _ in 0..24 {
        let mut c = DisperserClient::new(channel(&disperser, Ipv4Addr::new(127, 0, 0, 2))?)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let blob = flood_bytes.clone();
        let tally = Arc::clone(&floods["GetBlobCommitment"]);
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
        let mut c = DisperserClient::new(channel(&disperser, Ipv4Addr::new(127, 0, 0, 3))?)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let blob = flood_bytes.clone();
        let header = flood_header.clone();
        let tally = Arc::clone(&floods["DisperseBlob"]);
        let running = running.clone();
        attackers.push(tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(0xbad0 + t);
            while running() {
                let Ok(request) = fresh_account_request(&blob, &header, &mut rng) else {
                    break;
                };
                let r = c.disperse_blob(request).await;
                tally.record(&r);
            }
        }));
    }
    for (n, node) in info.nodes.iter().enumerate() {
        let mut c = DispersalClient::new(channel(&node.endpoint, Ipv4Addr::new(127, 0, 0, 4))?)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
        let template = forged_template.clone();
        let tally = Arc::clone(&floods["StoreChunks"]);
        let store_running = running.clone();
        attackers.push(tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(0x5707e + n as u64);
            while store_running() {
                let mut request = template.clone();
                request.timestamp = now_ns();
                let key = EcdsaKey::random(&mut rng);
                let digest = lamina_proto::store_chunks_digest(&request);
                let Ok(signature) = lamina_core::ecdsa::sign_digest(&key, digest) else {
                    break;
                };
                request.disperser_signature = signature.to_vec();
                let r = c.store_chunks(request).await;
                tally.record(&r);
            }
        }));
        for _ in 0..4 {
            let mut c = RetrievalClient::new(channel(&node.endpoint, Ipv4Addr::new(127, 0, 0, 5))?)
                .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE);
            let tally = Arc::clone(&floods["GetChunks"]);
            let running = running.clone();
            attackers.push(tokio::spawn(async move {
                while running() {
                    let r = c
                        .get_chunks(GetChunksRequest {
                            blob_key: blob_key.0.to_vec(),
                            quorum_id: 0,
                        })
                        .await;
                    tally.record(&r);
                }
            }));
        }
    }

    while running() && !args.stop_file.exists() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for attacker in attackers {
        attacker.await?;
    }
    let mut report = serde_json::Map::new();
    for (name, tally) in &floods {
        report.insert((*name).to_owned(), serde_json::to_value(tally.counts())?);
    }
    report.insert(
        "seconds".to_owned(),
        serde_json::json!(started.elapsed().as_secs_f64()),
    );
    std::fs::write(&args.out, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("write {}", args.out.display()))?;
    Ok(())
}
