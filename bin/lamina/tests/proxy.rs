//! The rollup proxy through a real devnet (anvil with the contracts, four operators'
//! `lamina node` processes, `lamina disperser`, `lamina retriever`, `lamina proxy`),
//! driven by a rollup-style HTTP client written from OP's published alt-DA spec
//! (`specs.optimism.io/experimental/alt-da.html`, generic commitments): plain HTTP/1.1
//! over TCP, `POST /put` with the batch as body, `GET /get/0x<hex commitment>`.

use std::net::SocketAddr;
use std::time::Duration;

use lamina_derivation::{encode_commitment, parse_commitment};
use lamina_devnet::{Devnet, DevnetOptions};
use rand::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An HTTP response as the batcher or op-node sees it.
#[derive(Debug)]
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One request on its own connection (`Connection: close`), as op-alt-da's `DAClient`
/// does with Go's `http.Client`: the body is read until the server closes.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.expect("proxy accepts");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    stream.write_all(body).await.expect("writes");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("reads");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8(raw[..split].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if let Some((_, len)) = headers.iter().find(|(k, _)| k == "content-length") {
        body.truncate(len.parse().expect("a length"));
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn get_path(commitment: &[u8]) -> String {
    format!("/get/0x{}", hex::encode(commitment))
}

fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn op_alt_da_client_round_trips_batches_and_gets_derivation_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    // 512 KiB blobs: batches up to a few hundred KiB; every service's SRS load is this size.
    options.max_blob_symbols = 1 << 14;
    options.health_timeout = Duration::from_secs(300);
    // No cache: every read below goes through retrieval and the derivation rules.
    options
        .proxy_config
        .insert("cache_bytes".into(), toml::Value::Integer(0));
    // Secondary storage: every certified batch is also copied here.
    let secondary_dir = dir.path().join("proxy-secondary");
    let mut secondary = toml::Table::new();
    secondary.insert(
        "dir".into(),
        toml::Value::String(secondary_dir.to_str().expect("UTF-8 path").to_owned()),
    );
    options
        .proxy_config
        .insert("secondary".into(), toml::Value::Table(secondary));
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let url = devnet
        .info()
        .proxy
        .clone()
        .expect("the devnet runs a proxy");
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .expect("http://host:port");
    assert_eq!(addr, devnet.rollup_proxy_addr());
    assert_eq!(http(addr, "GET", "/health", b"").await.status, 200);

    // Writes: current clients post to /put, older ones to /put/; concurrently, as a
    // batcher with several frames in flight does.
    let sizes = [1usize, 1_000, 100_000, 400_000];
    let batches: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| payload(i as u64, len))
        .collect();
    let puts = batches.iter().enumerate().map(|(i, batch)| {
        let route = if i == 0 { "/put/" } else { "/put" };
        http(addr, "POST", route, batch)
    });
    let commitments: Vec<Vec<u8>> = futures::future::join_all(puts)
        .await
        .into_iter()
        .zip(sizes)
        .map(|(response, len)| {
            assert_eq!(
                response.status,
                200,
                "put of {len} bytes: {:?}",
                String::from_utf8_lossy(&response.body)
            );
            // Generic commitment, Lamina's DA-layer byte, certificate version 0.
            assert_eq!(&response.body[..3], &[0x01, 0x4c, 0x00], "{len} bytes");
            response.body
        })
        .collect();

    // Reads: identical bytes, through retrieval.
    for (commitment, batch) in commitments.iter().zip(&batches) {
        let response = http(addr, "GET", &get_path(commitment), b"").await;
        assert_eq!(response.status, 200, "get of {} bytes", batch.len());
        assert!(response.body == *batch, "{} bytes differ", batch.len());
    }

    // Recency: included within the window, then one block past it.
    let cert = parse_commitment(&commitments[1]).expect("the proxy's commitment parses");
    let reference_block = u64::from(cert.batch_header.reference_block_number);
    let at = |block: u64| {
        format!(
            "{}?l1_inclusion_block_number={block}",
            get_path(&commitments[1])
        )
    };
    let in_window = http(addr, "GET", &at(reference_block + 50), b"").await;
    assert_eq!(in_window.status, 200);
    assert_eq!(in_window.body, batches[1]);
    let stale = http(addr, "GET", &at(reference_block + 51), b"").await;
    assert_eq!(stale.status, 418);
    let body = stale.json();
    assert_eq!(
        (body["code"].as_u64(), body["reason"].as_str()),
        (Some(2), Some("recency"))
    );

    // A tampered certificate (another batch root): dropped as invalid, never retried.
    let mut tampered = cert.clone();
    tampered.batch_header.batch_root.0[0] ^= 1;
    let response = http(addr, "GET", &get_path(&encode_commitment(&tampered)), b"").await;
    assert_eq!(response.status, 418);
    let body = response.json();
    assert_eq!(
        (body["code"].as_u64(), body["reason"].as_str()),
        (Some(3), Some("invalid_cert")),
        "{body}"
    );
    // Tampered commitment bytes that no longer parse (another DA layer's byte).
    let mut other_layer = commitments[0].clone();
    other_layer[1] = 0x0c;
    let body = http(addr, "GET", &get_path(&other_layer), b"").await.json();
    assert_eq!(
        (body["code"].as_u64(), body["reason"].as_str()),
        (Some(1), Some("parse"))
    );
    assert_eq!(http(addr, "GET", "/get/0xnothex", b"").await.status, 400);

    // Arbitrum Nitro's daprovider JSON-RPC: store, then recover from the sequencer
    // inbox message (40-byte header, the DA-certificate flag, the certificate).
    let rpc = |method: &'static str, params: serde_json::Value| async move {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        http(addr, "POST", "/", body.to_string().as_bytes())
            .await
            .json()
    };
    let nitro_batch = payload(9, 5_000);
    let reply = rpc(
        "daprovider_store",
        serde_json::json!([format!("0x{}", hex::encode(&nitro_batch)), "0x3c"]),
    )
    .await;
    let cert = reply["result"]["serialized-da-cert"]
        .as_str()
        .expect("stored");
    assert!(cert.starts_with("0x01014c00"), "{reply}");
    let message = format!("0x{}{}", "00".repeat(40), &cert[2..]);
    let reply = rpc(
        "daprovider_recoverPayload",
        serde_json::json!(["0x1", format!("0x{}", "00".repeat(32)), message]),
    )
    .await;
    use base64::Engine;
    let recovered = base64::engine::general_purpose::STANDARD
        .decode(reply["result"]["Payload"].as_str().expect("recovered"))
        .expect("base64");
    assert!(recovered == nitro_batch, "Nitro round trip");

    let metrics = String::from_utf8(http(addr, "GET", "/metrics", b"").await.body).expect("text");
    assert!(
        metrics.contains(r#"lamina_proxy_requests_total{route="get",status="418"} 3"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"lamina_proxy_drops_total{reason="recency"} 1"#));

    // The disperser down: a write fails with 503, so the batcher falls back to L1.
    if let Some(disperser) = devnet.disperser_mut() {
        disperser
            .stop(Duration::from_secs(10))
            .await
            .expect("disperser stops");
    }
    let response = http(addr, "POST", "/put", b"batch while the disperser is down").await;
    assert_eq!(
        response.status,
        503,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        response
            .headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json"),
        "{:?}",
        response.headers
    );
    // Reads do not need the disperser.
    let response = http(addr, "GET", &get_path(&commitments[2]), b"").await;
    assert_eq!(response.status, 200);
    assert!(response.body == batches[2], "read with the disperser down");

    // Secondary storage: the copies are written asynchronously; wait for the first two,
    // then remove the second so that only the first can be served without the network.
    let copy = |commitment: &[u8]| secondary_dir.join(lamina_proxy::object_name(commitment));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !(copy(&commitments[0]).is_file() && copy(&commitments[1]).is_file()) {
        assert!(
            std::time::Instant::now() < deadline,
            "secondary copies written"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    std::fs::remove_file(copy(&commitments[1])).expect("removes the copy");

    // Retriever and every operator down: a batch with a secondary copy is still served
    // (checked against its commitment); a valid certificate whose blob nobody can serve
    // is 404, so the reader stalls and retries.
    if let Some(retriever) = devnet.retriever_mut() {
        retriever
            .stop(Duration::from_secs(10))
            .await
            .expect("retriever stops");
    }
    for i in 0..devnet.operators().len() {
        devnet
            .node_mut(i)
            .expect("node")
            .kill()
            .expect("node killed");
    }
    let response = http(addr, "GET", &get_path(&commitments[0]), b"").await;
    assert_eq!(response.status, 200, "served from secondary storage");
    assert!(response.body == batches[0]);
    let response = http(addr, "GET", &get_path(&commitments[1]), b"").await;
    assert_eq!(
        response.status,
        404,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.json()["reason"], "not_available");
    let metrics = String::from_utf8(http(addr, "GET", "/metrics", b"").await.body).expect("text");
    assert!(
        metrics.contains(r#"lamina_proxy_secondary_total{op="read",outcome="hit"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"lamina_proxy_secondary_total{op="read",outcome="miss"} 1"#));
}
