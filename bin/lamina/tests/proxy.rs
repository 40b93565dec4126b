//! The rollup proxy through a real devnet (anvil with the contracts, four operators'
//! `lamina node` processes, `lamina disperser`, `lamina retriever`, `lamina proxy`),
//! driven by a rollup-style HTTP client written from OP's published alt-DA spec
//! (`specs.optimism.io/experimental/alt-da.html`, generic commitments): plain HTTP/1.1
//! over TCP, `POST /put` with the batch as body, `GET /get/0x<hex commitment>`.
//!
//! Secondary storage in S3 runs against a real S3-compatible server, `s3s-fs` (installed
//! by `scripts/setup.sh`; see `docs/architecture.md` for why this one).

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lamina_derivation::{encode_commitment, parse_commitment};
use lamina_devnet::{Devnet, DevnetOptions, ServiceProcess, ServiceSpec};
use lamina_encoding::Blob;
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

    // Nitro's batchBlockHash, when it names a block of the chain: the inclusion rules of
    // `?l1_inclusion_block_number=N`. Included after the reference block: served;
    // at the reference block itself: dropped (code 3); a block the chain does not have:
    // an error to retry, never a guess.
    use alloy::providers::Provider;
    let nitro_cert = parse_commitment(&hex::decode(&cert[4..]).expect("hex"))
        .expect("the stored certificate parses");
    let nitro_reference = u64::from(nitro_cert.batch_header.reference_block_number);
    let chain = devnet.chain().connect(None).expect("chain");
    let block_hash = |number: u64| {
        let chain = chain.clone();
        async move {
            let block = chain
                .provider()
                .get_block_by_number(number.into())
                .await
                .expect("RPC")
                .expect("the block exists");
            format!("0x{}", hex::encode(block.header.hash))
        }
    };
    let recover_at = |hash: String| {
        let message = message.clone();
        async move {
            rpc(
                "daprovider_recoverPayload",
                serde_json::json!(["0x1", hash, message]),
            )
            .await
        }
    };
    let reply = recover_at(block_hash(nitro_reference + 1).await).await;
    assert!(reply["result"]["Payload"].is_string(), "{reply}");
    let reply = recover_at(block_hash(nitro_reference).await).await;
    assert_eq!(reply["error"]["code"], -32001, "{reply}");
    assert_eq!(reply["error"]["data"]["code"], 3, "{reply}");
    let reply = recover_at(format!("0x{}", "ab".repeat(32))).await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");

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

/// The bucket the S3 test writes to.
const BUCKET: &str = "lamina-proxy";
/// The throwaway server's credentials (it accepts only requests signed with them).
const S3_ACCESS_KEY: &str = "lamina-test-access";
const S3_SECRET_KEY: &str = "lamina-test-secret";

/// Starts `s3s-fs` serving `root` on `addr` with the test's credentials.
async fn start_s3_server(root: &Path, addr: SocketAddr, log: PathBuf) -> ServiceProcess {
    lamina_devnet::tools::start_s3s_fs(
        root,
        addr,
        (S3_ACCESS_KEY, S3_SECRET_KEY),
        log,
        Duration::from_secs(30),
    )
    .await
    .expect("s3s-fs starts and listens")
}

/// The proxy's `/metrics` text.
async fn metrics(addr: SocketAddr) -> String {
    String::from_utf8(http(addr, "GET", "/metrics", b"").await.body).expect("text")
}

/// The proxy's metrics, which must contain every one of `lines`.
async fn assert_metrics(addr: SocketAddr, lines: &[&str]) -> String {
    let text = metrics(addr).await;
    for line in lines {
        assert!(text.contains(line), "no {line} in\n{text}");
    }
    text
}

/// Waits until the proxy's metrics contain `line`.
async fn wait_for_metric(addr: SocketAddr, line: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = metrics(addr).await;
        if text.contains(line) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{line} never appeared:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_secondary_storage_and_the_disperser_fast_path() {
    if lamina_devnet::tools::s3s_fs().is_err() {
        assert!(
            std::env::var_os("LAMINA_REQUIRE_S3").is_none(),
            "LAMINA_REQUIRE_S3 is set but s3s-fs is not installed: run scripts/setup.sh"
        );
        eprintln!(
            "SKIPPED s3_secondary_storage_and_the_disperser_fast_path: s3s-fs not found \
             (scripts/setup.sh installs it; set LAMINA_REQUIRE_S3=1 to make this a failure)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // Not `s3`: the devnet clears its own entries of its data directory at start, and
    // `s3` is the bucket root of `--object-store s3`.
    let s3_root = dir.path().join("proxy-s3");
    std::fs::create_dir_all(s3_root.join(BUCKET)).expect("bucket directory");
    let s3_addr = lamina_devnet::ports::free_loopback_addr().expect("a free port");
    let s3_log = dir.path().join("s3s-fs.log");
    let mut s3 = start_s3_server(&s3_root, s3_addr, s3_log.clone()).await;

    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.max_blob_symbols = 1 << 14;
    options.health_timeout = Duration::from_secs(300);
    // No cache: every read below goes through the read path.
    options
        .proxy_config
        .insert("cache_bytes".into(), toml::Value::Integer(0));
    let s3_table: toml::Table = toml::from_str(&format!(
        "endpoint = \"http://{s3_addr}\"\nbucket = \"{BUCKET}\"\nallow_http = true\n\
         access_key_id = \"{S3_ACCESS_KEY}\"\nsecret_access_key = \"{S3_SECRET_KEY}\"\n\
         timeout_ms = 3000\n"
    ))
    .expect("TOML");
    let mut secondary = toml::Table::new();
    secondary.insert("s3".into(), toml::Value::Table(s3_table));
    options
        .proxy_config
        .insert("secondary".into(), toml::Value::Table(secondary));
    let lamina_bin = std::env::var_os("LAMINA_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_lamina")),
        PathBuf::from,
    );
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let addr = devnet.rollup_proxy_addr();

    // A put: certified, then copied to the bucket (s3s-fs keeps an object as a file in
    // its bucket's directory), byte for byte.
    let batch = payload(20, 30_000);
    let response = http(addr, "POST", "/put", &batch).await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    let commitment = response.body;
    let object = s3_root
        .join(BUCKET)
        .join(lamina_proxy::object_name(&commitment));
    wait_for_metric(
        addr,
        r#"lamina_proxy_secondary_total{op="write",outcome="ok"} 1"#,
    )
    .await;
    assert!(std::fs::read(&object).expect("the object is in the bucket") == batch);

    // A read: the disperser's GetBlob, checked against the commitment, serves it.
    let response = http(addr, "GET", &get_path(&commitment), b"").await;
    assert_eq!(response.status, 200);
    assert!(response.body == batch, "read through the fast path");
    assert_metrics(
        addr,
        &[
            r#"lamina_proxy_reads_total{source="disperser"} 1"#,
            r#"lamina_proxy_disperser_reads_total{outcome="ok"} 1"#,
        ],
    )
    .await;

    // The S3 server down: a write still succeeds, and the failed copy is counted.
    s3.stop(Duration::from_secs(10))
        .await
        .expect("s3s-fs stops");
    let unsaved = payload(21, 20_000);
    let response = http(addr, "POST", "/put", &unsaved).await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    wait_for_metric(
        addr,
        r#"lamina_proxy_secondary_total{op="write",outcome="error"} 1"#,
    )
    .await;
    assert!(
        !s3_root
            .join(BUCKET)
            .join(lamina_proxy::object_name(&response.body))
            .exists()
    );

    // A disperser that serves another blob's bytes: a second proxy process on the same
    // network asks it first, refuses its answer (wrong KZG commitment), and reads from
    // the operators.
    let other = Blob::from_payload(&payload(22, 30_000))
        .expect("encodes")
        .to_bytes();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let liar = listener.local_addr().expect("bound");
    let (stop_liar, liar_stopped) = tokio::sync::oneshot::channel::<()>();
    let liar_server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(
                lamina_proto::disperser::v1::disperser_server::DisperserServer::new(
                    common::LyingDisperser { blob: other },
                ),
            )
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = liar_stopped.await;
                },
            ),
    );
    let fooled_addr = lamina_devnet::ports::free_loopback_addr().expect("a free port");
    let mut fooled_config = devnet.proxy_config().expect("proxy config");
    fooled_config.remove("secondary");
    fooled_config.insert("listen".into(), fooled_addr.to_string().into());
    fooled_config
        .get_mut("client")
        .and_then(toml::Value::as_table_mut)
        .expect("a client table")
        .insert("disperser".into(), liar.to_string().into());
    let fooled_path = dir.path().join("fooled-proxy.toml");
    std::fs::write(&fooled_path, toml::to_string(&fooled_config).expect("TOML")).expect("writes");
    let mut fooled = ServiceProcess::spawn(ServiceSpec::lamina_role(
        "fooled-proxy",
        &lamina_bin,
        "proxy",
        &fooled_path,
        dir.path().join("fooled-proxy.log"),
        fooled_addr,
    ))
    .expect("spawns");
    fooled
        .wait_healthy(Duration::from_secs(300))
        .await
        .expect("healthy");
    let response = http(fooled_addr, "GET", &get_path(&commitment), b"").await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        response.body == batch,
        "served by the operators, not the liar"
    );
    let text = assert_metrics(
        fooled_addr,
        &[
            r#"lamina_proxy_disperser_reads_total{outcome="mismatch"} 1"#,
            r#"lamina_proxy_reads_total{source="retrieval"} 1"#,
        ],
    )
    .await;
    assert!(!text.contains(r#"source="disperser""#), "{text}");
    fooled.stop(Duration::from_secs(10)).await.expect("stops");
    let _ = stop_liar.send(());
    liar_server.await.expect("joins").expect("serves");

    // The S3 server back on the same directory; the disperser down: the fast path fails
    // at once and the operators serve the read.
    let _s3 = start_s3_server(&s3_root, s3_addr, s3_log).await;
    devnet
        .disperser_mut()
        .expect("a disperser")
        .stop(Duration::from_secs(10))
        .await
        .expect("disperser stops");
    let response = http(addr, "GET", &get_path(&commitment), b"").await;
    assert_eq!(response.status, 200);
    assert!(response.body == batch, "read with the disperser down");
    assert_metrics(
        addr,
        &[
            r#"lamina_proxy_disperser_reads_total{outcome="unavailable"} 1"#,
            r#"lamina_proxy_reads_total{source="retrieval"} 1"#,
        ],
    )
    .await;

    // The retriever and every operator down too: the batch comes from the bucket,
    // checked against the commitment, byte for byte.
    devnet
        .retriever_mut()
        .expect("a retriever")
        .stop(Duration::from_secs(10))
        .await
        .expect("retriever stops");
    for i in 0..devnet.operators().len() {
        devnet
            .node_mut(i)
            .expect("node")
            .kill()
            .expect("node killed");
    }
    let response = http(addr, "GET", &get_path(&commitment), b"").await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(response.body == batch, "served from S3");
    assert_metrics(
        addr,
        &[
            r#"lamina_proxy_reads_total{source="secondary"} 1"#,
            r#"lamina_proxy_secondary_total{op="read",outcome="hit"} 1"#,
        ],
    )
    .await;
}
