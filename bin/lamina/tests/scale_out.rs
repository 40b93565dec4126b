//! The disperser scaled out, with real processes only: `lamina encoder run` processes
//! sharing the devnet's object store with the disperser, which sends them its blobs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lamina_client::LaminaClient;
use lamina_core::chain::Chain;
use lamina_devnet::{Devnet, DevnetOptions};
use rand::{RngCore, SeedableRng};

mod common;
use common::{devnet_client_config, http_get};

/// `CertVerifier.StatusCode.SUCCESS`.
const SUCCESS: u8 = 1;

fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

/// The value of the first sample of `metric` (a name with its labels, as the text has it)
/// in a Prometheus text, 0 when absent.
fn sample(text: &str, metric: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(metric)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blobs_encode_on_remote_encoders_and_survive_one_killed_mid_blob() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.encoders = 2;
    options.with_proxy = false;
    // 1 MiB blobs: an encode takes long enough (FK20 over 2^15 symbols) to be caught
    // in flight.
    options.max_blob_symbols = 1 << 15;
    options.health_timeout = Duration::from_secs(300);
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    assert_eq!(devnet.info().encoders.len(), 2, "devnet.json names both");

    let client = Arc::new(
        LaminaClient::connect(devnet_client_config(&devnet), devnet.client().key.clone())
            .await
            .expect("client connects"),
    );
    let payloads: Vec<Vec<u8>> = (0..6).map(|i| payload(i, 600_000 + i as usize)).collect();
    let mut dispersals = tokio::task::JoinSet::new();
    for (i, data) in payloads.iter().cloned().enumerate() {
        let client = Arc::clone(&client);
        dispersals.spawn(async move {
            let key = client.disperse(&data, &[]).await.expect("dispersed");
            let cert = client.wait_for_certificate(key).await.expect("certificate");
            (i, cert)
        });
    }

    // Kill encoder 0 (SIGKILL) while it is encoding a blob: the disperser must send that
    // blob to encoder 1.
    let encoder0 = devnet.encoder_addrs(0).expect("encoder 0").metrics;
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let metrics = http_get(encoder0, "/metrics").await;
        if sample(&metrics, "lamina_encoder_in_flight") >= 1.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "encoder 0 never had a blob in flight: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    devnet
        .encoder_mut(0)
        .expect("encoder 0")
        .kill()
        .expect("killed");

    let chain = devnet.chain().connect(None).expect("chain reader");
    let mut certs = Vec::new();
    while let Some(done) = dispersals.join_next().await {
        certs.push(done.expect("dispersal task"));
    }
    certs.sort_by_key(|(i, _)| *i);
    for (i, cert) in &certs {
        assert_eq!(
            chain.check_da_cert(&cert.cert).await.expect("eth_call"),
            SUCCESS,
            "checkDACert of blob {i}"
        );
        let back = client.retrieve_from_service(cert).await.expect("retrieved");
        assert!(back == payloads[*i], "blob {i} came back different");
    }

    // The disperser counted the failed attempt on encoder 0, and encoder 1 did the rest.
    let disperser = devnet.disperser_addrs().metrics;
    let metrics = http_get(disperser, "/metrics").await;
    let endpoint = &devnet.info().encoders[0];
    let retries = sample(
        &metrics,
        &format!("lamina_disperser_encoder_retries_total{{encoder=\"{endpoint}\"}}"),
    );
    assert!(retries >= 1.0, "no retry counted for {endpoint}: {metrics}");
    let encoder1 = http_get(devnet.encoder_addrs(1).expect("encoder 1").metrics, "/metrics").await;
    let encoded = sample(&encoder1, "lamina_encoder_requests_total{outcome=\"ok\"}");
    assert!(encoded >= 1.0, "encoder 1 encoded nothing: {encoder1}");
    // No frame object is left behind: the controller deletes each after reading it.
    let frames_dir = dir.path().join("objects").join("frames");
    let left = std::fs::read_dir(&frames_dir).map_or(0, |d| d.count());
    assert_eq!(left, 0, "frame objects left in {}", frames_dir.display());

    devnet.shutdown().await.expect("clean shutdown");
}
