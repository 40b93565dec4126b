//! The disperser scaled out, with real processes only: `lamina encoder run` processes
//! sharing an object store (an S3 bucket of a local s3s-fs server, or a directory) with
//! the disperser, which sends them its blobs; API servers and a controller on PostgreSQL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lamina_client::LaminaClient;
use lamina_core::chain::Chain;
use lamina_devnet::operators::account_key;
use lamina_devnet::{Devnet, DevnetOptions, MetadataBackend, ObjectStoreKind};
use rand::{RngCore, SeedableRng};

mod common;
use common::{devnet_client_config, get_json, http_get};

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
async fn blobs_encode_on_remote_encoders_over_s3_and_survive_one_killed_mid_blob() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.encoders = 2;
    // Blobs and frames in an S3 bucket: the encoders read and write it over HTTP.
    options.object_store = ObjectStoreKind::S3;
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
    let encoder1 = http_get(
        devnet.encoder_addrs(1).expect("encoder 1").metrics,
        "/metrics",
    )
    .await;
    let encoded = sample(&encoder1, "lamina_encoder_requests_total{outcome=\"ok\"}");
    assert!(encoded >= 1.0, "encoder 1 encoded nothing: {encoder1}");
    // No frame object is left behind: the controller deletes each after reading it.
    let frames_dir = dir.path().join("s3").join("lamina").join("frames");
    assert!(
        dir.path().join("s3").join("lamina").join("blobs").is_dir(),
        "the blobs went to the bucket"
    );
    let left = std::fs::read_dir(&frames_dir).map_or(0, |d| d.count());
    assert_eq!(left, 0, "frame objects left in {}", frames_dir.display());

    devnet.shutdown().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_server_encoder_and_controller_killed_on_postgres_lose_and_double_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.api_servers = 2;
    options.encoders = 2;
    options.metadata = MetadataBackend::Postgres;
    options.with_proxy = false;
    options.max_blob_symbols = 1 << 12;
    options.health_timeout = Duration::from_secs(300);
    // A short lease: the restarted controller takes over 3 s after the killed one's
    // last renewal.
    options.disperser_config = toml::toml! { controller_lease_secs = 3 };
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let api = devnet.info().api_servers.clone();
    assert_eq!(api.len(), 2);

    // 8 rollups, each with its own reservation and a client for each API server: rollup
    // i sends to API server i % 2, and to API server 0 once its own fails (as a load
    // balancer would).
    let mut clients = Vec::new();
    for i in 0..8 {
        let key = account_key(7, "scale-out", i).expect("key");
        devnet
            .chain()
            .reserve_bandwidth(key.address(), 1 << 16)
            .await
            .expect("reservation");
        let mut per_server = Vec::new();
        for server in &api {
            let config = lamina_client::ClientConfig {
                disperser: server.clone(),
                ..devnet_client_config(&devnet)
            };
            per_server.push(Arc::new(
                LaminaClient::connect(config, key.clone())
                    .await
                    .expect("client connects"),
            ));
        }
        clients.push(per_server);
    }
    let accepted = Arc::new(AtomicUsize::new(0));
    let failed_over = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut dispersals = tokio::task::JoinSet::new();
    let mut payloads = std::collections::BTreeMap::new();
    for (c, per_server) in clients.iter().enumerate() {
        let blobs: Vec<Vec<u8>> = (0..8)
            .map(|b| payload((c * 8 + b) as u64, 3000 + c * 100 + b))
            .collect();
        for (b, data) in blobs.iter().enumerate() {
            payloads.insert((c, b), data.clone());
        }
        let per_server = per_server.clone();
        let (accepted, failed_over, done) = (
            Arc::clone(&accepted),
            Arc::clone(&failed_over),
            Arc::clone(&done),
        );
        dispersals.spawn(async move {
            let mut server = c % 2;
            let mut sent = Vec::new();
            for (b, data) in blobs.into_iter().enumerate() {
                let key = match per_server[server].disperse(&data, &[]).await {
                    Ok(key) => key,
                    Err(e) => {
                        assert_eq!(server, 1, "API server 0 is never killed: {e}");
                        failed_over.fetch_add(1, Ordering::AcqRel);
                        server = 0;
                        per_server[0]
                            .disperse(&data, &[])
                            .await
                            .expect("dispersed through the other API server")
                    }
                };
                accepted.fetch_add(1, Ordering::AcqRel);
                sent.push(((c, b), key, server));
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            // Each blob's certificate from the API server that accepted it: API server 1
            // answers again only once restarted, from the shared database.
            let mut certified = Vec::new();
            for (id, key, server) in sent {
                let cert = per_server[server]
                    .wait_for_certificate(key)
                    .await
                    .expect("certificate");
                done.fetch_add(1, Ordering::AcqRel);
                certified.push((id, key, server, cert));
            }
            certified
        });
    }

    // API server 1 killed -9 while rollups are sending to it: what it answered for is
    // durable, the rest goes to API server 0.
    let deadline = Instant::now() + Duration::from_secs(240);
    while accepted.load(Ordering::Acquire) < 16 {
        assert!(Instant::now() < deadline, "16 blobs not accepted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    devnet
        .api_server_mut(1)
        .expect("API server 1")
        .kill()
        .expect("killed");
    // Once some blobs are certified: kill -9 an encoder, then the controller, and start
    // the controller again. Blobs accepted meanwhile wait, QUEUED, in PostgreSQL.
    while done.load(Ordering::Acquire) < 8 {
        assert!(Instant::now() < deadline, "no blob certified");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    devnet
        .encoder_mut(0)
        .expect("encoder 0")
        .kill()
        .expect("killed");
    devnet
        .disperser_mut()
        .expect("controller")
        .kill()
        .expect("killed");
    devnet
        .disperser_mut()
        .expect("controller")
        .restart(Duration::from_secs(300))
        .await
        .expect("controller restarts");
    devnet
        .api_server_mut(1)
        .expect("API server 1")
        .restart(Duration::from_secs(300))
        .await
        .expect("API server 1 restarts");

    let chain = devnet.chain().connect(None).expect("chain reader");
    let mut certified = Vec::new();
    while let Some(done) = dispersals.join_next().await {
        certified.extend(done.expect("dispersal task"));
    }
    assert_eq!(certified.len(), 64);
    let by_server_1 = certified.iter().filter(|c| c.2 == 1).count();
    assert!(
        by_server_1 > 0 && failed_over.load(Ordering::Acquire) > 0,
        "API server 1 accepted {by_server_1} blobs, then {} rollups failed over",
        failed_over.load(Ordering::Acquire)
    );
    for (id, key, _, cert) in &certified {
        assert_eq!(
            chain.check_da_cert(&cert.cert).await.expect("eth_call"),
            SUCCESS,
            "checkDACert of blob {key}"
        );
        let back = clients[id.0][0]
            .retrieve_from_service(cert)
            .await
            .expect("retrieved");
        assert!(back == payloads[id], "blob {key} came back different");
    }

    // Nothing doubled: every blob is in exactly one recorded batch.
    let console = devnet.info().console.clone().expect("console");
    let console: std::net::SocketAddr = console
        .trim_start_matches("http://")
        .parse()
        .expect("console address");
    let batches = get_json(console, "/api/v1/batches?limit=200").await;
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for batch in batches["items"].as_array().expect("items") {
        for key in batch["blob_keys"].as_array().expect("blob_keys") {
            *seen
                .entry(key.as_str().expect("hex").to_owned())
                .or_default() += 1;
        }
    }
    for (_, key, _, _) in &certified {
        assert_eq!(
            seen.get(&key.to_string()),
            Some(&1),
            "blob {key} in {:?} batches",
            seen.get(&key.to_string())
        );
    }
    devnet.shutdown().await.expect("clean shutdown");
}
