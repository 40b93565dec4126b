//! Adversarial load, bounded in time: a devnet of real processes (anvil with the real
//! contracts, four nodes, disperser, retriever) serves an honest client while an attacker
//! (`examples/flood.rs`, a process of its own) floods every door an outsider can reach:
//! `GetBlobCommitment` from 24 tasks, `DisperseBlob` from a fresh account per request
//! (no reservation, no deposit: refused by payments before any MSM),
//! `StoreChunks` signed by random keys to every node, `GetChunks` of the largest blob.
//!
//! The attackers come from their own loopback addresses (127.0.0.2–5), as they would from
//! their own machines, but share this machine's cores with the devnet at the same CPU
//! priority: their own work (building and sending requests, reading replies) competes
//! with the devnet's, which a real attacker's would not. What must hold: the honest
//! client's blobs all complete, verify on-chain and come back byte-identical; every flood
//! is refused with a typed status (never a hang or a crash); no process dies; the
//! disperser's peak memory stays bounded. Latency under attack is printed against the
//! quiet figures with each flood's request rate, not asserted (speed is measured, never
//! asserted in tests); docs/benchmarks.md records it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lamina_client::{Certificate, ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::{Chain, EthChain};
use lamina_devnet::{Devnet, DevnetOptions};
use rand::{RngCore, SeedableRng};

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

/// Peak resident memory of `pid` in MiB (`VmHWM`), if the process is there.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn client_config(devnet: &Devnet) -> ClientConfig {
    ClientConfig {
        // A rollup commits locally: the honest client never needs GetBlobCommitment.
        srs: Some(SrsConfig::insecure_development()),
        srs_points: MAX_BLOB_SYMBOLS as usize,
        certificate_timeout_ms: 240_000,
        ..devnet.info().client_config().expect("devnet client config")
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
    let accepted = started.elapsed();
    let cert = client
        .wait_for_certificate(key)
        .await
        .expect("honest blob certified");
    let latency = started.elapsed();
    // Where the time went: commitments and intake (with any load-refusal retries), then
    // encoding, batching, signatures and polling.
    println!(
        "adversarial: blob {key}: accepted after {:.2} s, certified after {:.2} s",
        accepted.as_secs_f64(),
        latency.as_secs_f64()
    );
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

/// The attacker program, `examples/flood.rs`: `cargo test` builds the package's examples
/// next to its test binaries (`target/<profile>/examples/`).
fn flood_program() -> PathBuf {
    let test_binary = std::env::current_exe().expect("test binary path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let program = profile_dir.join("examples").join("flood");
    assert!(
        program.exists(),
        "{} is missing: `cargo test` builds it (or `cargo build --example flood`)",
        program.display()
    );
    program
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
    // Likewise each node serves one client address a share of what its machine reads and
    // sends (the default, 64 MiB/s, is sized for a server, not a quarter of two cores).
    options.node_config = "retrieval_bytes_per_sec = 8388608\nretrieval_burst_bytes = 33554432"
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

    // The attacker, a process of its own, for at most ATTACK_LIMIT.
    let cert_file = dir.path().join("flood-cert.hex");
    std::fs::write(
        &cert_file,
        format!("0x{}", hex::encode(big_cert.cert_abi())),
    )
    .expect("cert");
    let stop_file = dir.path().join("flood-stop");
    let tally_file = dir.path().join("flood-tallies.json");
    let mut attacker = tokio::process::Command::new(flood_program())
        .arg("--devnet")
        .arg(dir.path())
        .arg("--cert-abi")
        .arg(&cert_file)
        .args(["--max-blob-symbols", &MAX_BLOB_SYMBOLS.to_string()])
        .args(["--seconds", &ATTACK_LIMIT.as_secs().to_string()])
        .arg("--stop-file")
        .arg(&stop_file)
        .arg("--out")
        .arg(&tally_file)
        .kill_on_drop(true)
        .spawn()
        .expect("attacker starts");

    // The floods get a head start (the attacker first computes its blob's commitments),
    // then the honest client works through them.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut attacked = Vec::new();
    for i in 0..ROUNDS {
        let (_, latency) = round_trip(&client, &chain, &payload(20 + i as u64, HONEST_BYTES)).await;
        attacked.push(latency);
    }
    std::fs::write(&stop_file, b"").expect("stop file");
    let exit = tokio::time::timeout(Duration::from_secs(120), attacker.wait())
        .await
        .expect("the attacker stops")
        .expect("attacker exit status");
    assert!(exit.success(), "the attacker failed: {exit}");
    let tallies: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&tally_file).expect("tallies")).expect("json");
    let counts = |flood: &str| -> BTreeMap<String, u64> {
        serde_json::from_value(tallies[flood].clone()).expect("a tally")
    };
    let flood_seconds = tallies["seconds"].as_f64().expect("seconds");

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
    let commitment_counts = counts("GetBlobCommitment");
    let disperse_counts = counts("DisperseBlob");
    let store_counts = counts("StoreChunks");
    let chunks_counts = counts("GetChunks");
    for (what, counts) in [
        ("GetBlobCommitment", &commitment_counts),
        ("fresh-account DisperseBlob", &disperse_counts),
        ("forged StoreChunks", &store_counts),
        ("GetChunks", &chunks_counts),
    ] {
        let total: u64 = counts.values().sum();
        println!(
            "adversarial: {what} flood {counts:?} ({:.0} requests/s over {flood_seconds:.0} s)",
            total as f64 / flood_seconds
        );
    }

    // Every flood met a typed refusal; forged batches were never signed.
    assert!(
        commitment_counts.contains_key("ResourceExhausted"),
        "the GetBlobCommitment flood was never refused: {commitment_counts:?}"
    );
    // Fresh accounts have no reservation and no deposit: each is refused with the typed
    // no-payment refusal (PERMISSION_DENIED) before any MSM or write, or, beyond the
    // address limit or the disperser's read budget for unknown accounts, with
    // RESOURCE_EXHAUSTED; none is ever accepted.
    assert!(
        !disperse_counts.contains_key("ok"),
        "a fresh account without payment was accepted: {disperse_counts:?}"
    );
    assert!(
        disperse_counts.contains_key("PermissionDenied"),
        "the fresh-account flood never met the no-payment refusal: {disperse_counts:?}"
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
