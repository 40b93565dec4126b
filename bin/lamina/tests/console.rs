//! The web console on a real devnet (anvil + contracts, four `lamina node` processes,
//! `lamina disperser`, `lamina retriever`), with real dispersals: the JSON API over HTTP,
//! `GetValidatorSigningRate` over gRPC, and the pages in headless Chromium (Debian's
//! `chromium`, installed by `scripts/setup.sh`), which must show the blobs just
//! dispersed, a COMPLETE blob with its certificate and a live retrievability check (a
//! real rebuild from the operators, equal to the payload dispersed), a stopped node's
//! signing rate falling, a blob ending INSUFFICIENT_SIGNATURES when every node is down,
//! and one ending FAILED, with its reason, when every operator left the quorums while it
//! waited in the batcher (no chunk assignment exists over an empty quorum). Each page's
//! DOM (after its script ran) and a screenshot are written under
//! `$CARGO_TARGET_TMPDIR/console-pages/`; no assertion looks at pixels.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Bytes, keccak256};
use lamina_client::LaminaClient;
use lamina_core::chain::EthChain;
use lamina_core::chain::bindings::registry_coordinator::RegistryCoordinator;
use lamina_core::{BlobKey, OperatorId};
use lamina_devnet::{DEVNET_REFERENCE_BLOCK_DELAY, Devnet, DevnetOptions};
use lamina_proto::disperser::v1 as dpb;
use serde_json::Value;

mod common;
use common::{devnet_client_config, get_json, http_status_and_body};

/// `GET path` must fail with `status` and a JSON error naming `code`.
async fn get_error(addr: SocketAddr, path: &str, status: u16, code: &str) {
    let (got, body) = http_status_and_body(addr, path).await;
    assert_eq!(got, status, "GET {path}: {body}");
    let json: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(json["error"]["code"], code, "GET {path}: {body}");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
        .expect("headless Chromium (Debian's `chromium`; scripts/setup.sh installs it)")
}

/// The browser side: each page rendered by headless Chromium after its script fetched
/// the API (virtual time lets every fetch finish), its DOM returned and written with a
/// screenshot under `out`.
struct Browser {
    chromium: PathBuf,
    out: PathBuf,
    profile: tempfile::TempDir,
}

impl Browser {
    fn new(out: PathBuf) -> Self {
        std::fs::create_dir_all(&out).expect("output dir");
        Self {
            chromium: chromium(),
            out,
            profile: tempfile::tempdir().expect("profile dir"),
        }
    }

    fn run(&self, url: &str, extra: &[String]) -> std::process::Output {
        let output = Command::new(&self.chromium)
            .args([
                "--headless",
                // root in CI containers: Chromium's sandbox needs user namespaces
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=1400,1200",
                // virtual time runs until no fetch or timer is due within the budget
                "--virtual-time-budget=8000",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(extra)
            .arg(url)
            .output()
            .expect("chromium runs");
        assert!(
            output.status.success(),
            "chromium {url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// The page's DOM after its script ran; also `<name>.html` and `<name>.png`.
    fn page(&self, url: &str, name: &str) -> String {
        let dom = String::from_utf8(self.run(url, &["--dump-dom".into()]).stdout).expect("utf-8");
        std::fs::write(self.out.join(format!("{name}.html")), &dom).expect("writes DOM");
        let png = self.out.join(format!("{name}.png"));
        self.run(url, &[format!("--screenshot={}", png.display())]);
        assert!(
            std::fs::metadata(&png).is_ok_and(|m| m.len() > 0),
            "screenshot {}",
            png.display()
        );
        assert!(
            dom.contains("data-loaded=\"true\""),
            "{name}: the page's script never finished a refresh:\n{dom}"
        );
        dom
    }
}

/// The operator's row on the operators page: its last-hour signing rate.
fn rate_on_page(dom: &str, operator: &OperatorId) -> f64 {
    let marker = format!("data-operator-id=\"{operator}\"");
    let row = dom
        .split("<tr ")
        .find(|row| row.contains(&marker))
        .unwrap_or_else(|| panic!("operator {operator} not on the page"));
    let value = row
        .split("data-signing-rate-hour=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("data-signing-rate-hour");
    value.parse().expect("a number")
}

fn console_addr(devnet: &Devnet) -> SocketAddr {
    let url = devnet
        .info()
        .console
        .clone()
        .expect("devnet.json names the console");
    assert_eq!(url, format!("http://{}", devnet.disperser_addrs().metrics));
    devnet.disperser_addrs().metrics
}

/// A batch is cut this long after its first blob: long enough for every operator to
/// deregister and for that to reach the reference block while the last blob waits.
const BATCH_INTERVAL: Duration = Duration::from_secs(8);

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-pages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_dispersals_certificates_and_a_stopped_nodes_falling_signing_rate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path());
    options.max_blob_symbols = 1 << 12;
    options.health_timeout = Duration::from_secs(300);
    options.disperser_config.insert(
        "batch_max_interval_ms".into(),
        (BATCH_INTERVAL.as_millis() as i64).into(),
    );
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let console = console_addr(&devnet);
    let base = format!("http://{console}");
    let browser = Browser::new(out_dir());
    let client = LaminaClient::<EthChain>::connect(
        devnet_client_config(&devnet),
        devnet.client().key.clone(),
    )
    .await
    .expect("client connects");
    let account = format!("{:#x}", devnet.client().address()).to_lowercase();

    // Two blobs, every node up.
    let mut complete = Vec::new();
    for (i, len) in [(1u8, 1000usize), (2, 20_000)] {
        let key = client
            .disperse(&vec![i; len], &[])
            .await
            .expect("dispersed");
        let cert = client.wait_for_certificate(key).await.expect("certificate");
        complete.push((key, cert));
    }

    // --- JSON API ---
    let list = get_json(console, "/api/v1/blobs?limit=10").await;
    let items = list["items"].as_array().expect("items");
    for (key, _) in &complete {
        let row = items
            .iter()
            .find(|b| b["blob_key"] == key.to_string())
            .unwrap_or_else(|| panic!("blob {key} not listed: {list}"));
        assert_eq!(row["status"], "COMPLETE");
        assert_eq!(
            row["account"].as_str().map(str::to_lowercase),
            Some(account.clone())
        );
        let stages = &row["stages"];
        let (q, e, d, f) = (
            stages["queued_ms"].as_u64().expect("queued"),
            stages["encoded_ms"].as_u64().expect("encoded"),
            stages["dispatched_ms"].as_u64().expect("dispatched"),
            stages["finished_ms"].as_u64().expect("finished"),
        );
        assert!(
            q <= e && e <= d && d <= f,
            "stage times out of order: {stages}"
        );
        assert!(row["size_bytes"].as_u64().expect("size") >= 1000);
    }
    // Newest first, and pages chain through `next`.
    assert_eq!(items[0]["blob_key"], complete[1].0.to_string());
    let first = get_json(console, "/api/v1/blobs?limit=1").await;
    let next = first["next"].as_str().expect("a next cursor");
    let second = get_json(console, &format!("/api/v1/blobs?limit=1&before={next}")).await;
    assert_eq!(second["items"][0]["blob_key"], complete[0].0.to_string());
    // Search by account, then by key.
    let mine = get_json(console, &format!("/api/v1/blobs?account={account}")).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(2), "{mine}");
    let other = get_json(
        console,
        &format!("/api/v1/blobs?account=0x{}", "11".repeat(20)),
    )
    .await;
    assert_eq!(other["items"].as_array().map(Vec::len), Some(0));
    let found = get_json(console, &format!("/api/v1/search?q={}", complete[0].0)).await;
    assert_eq!(found["kind"], "blob");
    assert_eq!(found["page"], format!("/blobs/{}", complete[0].0));

    // One blob: header, certificate in both forms, signed percentages, no non-signers.
    let (key, cert) = &complete[1];
    let blob = get_json(console, &format!("/api/v1/blobs/{key}")).await;
    let cert_abi = format!("0x{}", hex::encode(cert.cert_abi()));
    assert_eq!(blob["certificate"]["cert_abi"], cert_abi);
    assert_eq!(blob["certificate"]["json"]["cert_abi"], cert_abi);
    assert_eq!(blob["certificate"]["json"]["blob_key"], key.to_string());
    assert_eq!(
        blob["reference_block_number"].as_u64(),
        Some(u64::from(cert.reference_block()))
    );
    assert_eq!(blob["non_signers"].as_array().map(Vec::len), Some(0));
    assert!(
        blob["quorums"]
            .as_array()
            .expect("quorums")
            .iter()
            .all(|q| q["signed_percentage"] == 100),
        "{blob}"
    );
    assert_eq!(
        blob["header"]["commitment"]["length"].as_u64(),
        Some(u64::from(
            cert.cert
                .blob_inclusion_info
                .blob_certificate
                .blob_header
                .commitment
                .length
        ))
    );
    let (status, download) =
        http_status_and_body(console, &format!("/api/v1/blobs/{key}/certificate.json")).await;
    assert_eq!(status, 200);
    let download: Value = serde_json::from_str(&download).expect("certificate JSON");
    assert_eq!(download["cert_abi"], cert_abi);

    // Batches: the blob's batch with its four signers.
    let batch_id = blob["summary"]["batch_id"].as_u64().expect("batch id");
    let batch = get_json(console, &format!("/api/v1/batches/{batch_id}")).await;
    assert!(
        batch["blob_keys"]
            .as_array()
            .expect("keys")
            .contains(&Value::from(key.to_string()))
    );
    assert_eq!(
        batch["operators"].as_array().map(Vec::len),
        Some(4),
        "{batch}"
    );
    for q in batch["quorums"].as_array().expect("quorums") {
        assert_eq!(
            q["non_signers"].as_array().map(Vec::len),
            Some(0),
            "{batch}"
        );
    }
    let batches = get_json(console, "/api/v1/batches?limit=5").await;
    assert!(!batches["items"].as_array().expect("items").is_empty());

    // Retrievable now: the disperser rebuilds the blob from the operators (no copy of its
    // own), and the rebuilt payload is the one dispersed, byte for byte.
    let check = get_json(console, &format!("/api/v1/blobs/{key}/retrievability")).await;
    assert_eq!(check["retrievable"], true, "{check}");
    assert_eq!(check["reason"], "", "{check}");
    assert_eq!(check["matches_dispersed"], true, "{check}");
    assert_eq!(check["payload_bytes"].as_u64(), Some(20_000), "{check}");
    assert_eq!(
        check["payload_keccak256"],
        format!("0x{}", hex::encode(keccak256(vec![2u8; 20_000]))),
        "{check}"
    );
    let (needed, got) = (
        check["chunks_needed"].as_u64().expect("chunks_needed"),
        check["chunks_got"].as_u64().expect("chunks_got"),
    );
    assert!(needed > 0 && got >= needed, "{check}");
    assert!(check["operators_answered"].as_u64() >= Some(1), "{check}");
    assert_eq!(check["operators"].as_u64(), Some(4), "{check}");
    get_error(
        console,
        &format!("/api/v1/blobs/{}/retrievability", "00".repeat(32)),
        404,
        "NOT_FOUND",
    )
    .await;
    get_error(
        console,
        "/api/v1/blobs/xyz/retrievability",
        400,
        "INVALID_PARAM",
    )
    .await;

    // Bad input is a typed JSON error, never a panic.
    get_error(console, "/api/v1/blobs/zz", 400, "INVALID_PARAM").await;
    get_error(
        console,
        &format!("/api/v1/blobs/{}", "00".repeat(32)),
        404,
        "NOT_FOUND",
    )
    .await;
    get_error(console, "/api/v1/blobs?limit=0", 400, "INVALID_PARAM").await;
    get_error(console, "/api/v1/blobs?limit=100000", 400, "INVALID_PARAM").await;
    get_error(
        console,
        "/api/v1/blobs?before=nonsense",
        400,
        "INVALID_PARAM",
    )
    .await;
    get_error(console, "/api/v1/batches/999999", 404, "NOT_FOUND").await;
    get_error(console, "/api/v1/search?q=hello", 400, "INVALID_PARAM").await;
    let op0 = devnet.operators()[0].operator_id;
    get_error(
        console,
        &format!("/api/v1/operators/{op0}/signing-rate?window=0"),
        400,
        "INVALID_PARAM",
    )
    .await;

    // --- pages, every node up ---
    let dom = browser.page(&format!("{base}/"), "blobs");
    for (key, _) in &complete {
        assert!(
            dom.contains(&format!("data-blob-key=\"{key}\"")),
            "blob {key} not on the blob list"
        );
    }
    let dom = browser.page(&format!("{base}/blobs/{key}"), "blob-complete");
    assert!(
        dom.contains("data-status=\"COMPLETE\""),
        "blob page without COMPLETE"
    );
    assert!(
        dom.contains(&cert_abi[2..]),
        "blob page without the certificate's ABI hex"
    );
    assert!(
        dom.contains("data-retrievable=\"true\""),
        "blob page without its retrievability check"
    );
    assert!(
        dom.contains(check["payload_keccak256"].as_str().expect("digest")),
        "blob page without the rebuilt payload's digest"
    );
    browser.page(&format!("{base}/batches"), "batches");
    browser.page(&format!("{base}/batches/{batch_id}"), "batch");
    let dom = browser.page(&format!("{base}/operators"), "operators-all-up");
    let down = devnet.operators()[1].operator_id;
    assert_eq!(rate_on_page(&dom, &down), 1.0);

    // The node page of node 0.
    let node_http = devnet.node_addrs(0).expect("node 0").metrics;
    let node = get_json(node_http, "/api/v1/node").await;
    assert_eq!(node["operator_id"], op0.to_string());
    assert!(node["batches_signed"].as_u64() >= Some(1), "{node}");
    assert!(node["stored_blobs"].as_u64() >= Some(2), "{node}");
    assert!(node["stored_bytes"].as_u64() > Some(0), "{node}");
    let dom = browser.page(&format!("http://{node_http}/"), "node");
    assert!(dom.contains(&op0.to_string()));

    // --- a node stops: its signing rate falls, on the API, over gRPC and on the page ---
    devnet.node_mut(1).expect("node 1").kill().expect("kill -9");
    let key = client.disperse(&[3u8; 5000], &[]).await.expect("dispersed");
    let cert = client
        .wait_for_certificate(key)
        .await
        .expect("certificate without node 1");
    let blob = get_json(console, &format!("/api/v1/blobs/{key}")).await;
    assert_eq!(blob["summary"]["status"], "COMPLETE");
    assert_eq!(
        blob["non_signers"],
        serde_json::json!([down.to_string()]),
        "{blob}"
    );
    assert!(!cert.cert_abi().is_empty());
    let rate = get_json(
        console,
        &format!("/api/v1/operators/{down}/signing-rate?window=3600"),
    )
    .await;
    let (signed, unsigned) = (
        rate["signed_batches"].as_u64().expect("signed"),
        rate["unsigned_batches"].as_u64().expect("unsigned"),
    );
    assert!(signed >= 1 && unsigned >= 1, "{rate}");
    assert!(rate["signing_rate"].as_f64() < Some(1.0), "{rate}");
    let operators = get_json(console, "/api/v1/operators").await;
    let row = operators
        .as_array()
        .expect("operators")
        .iter()
        .find(|o| o["operator_id"] == down.to_string())
        .expect("node 1 listed");
    assert!(
        row["last_hour"]["signing_rate"].as_f64() < Some(1.0),
        "{row}"
    );
    assert!(
        !row["recent_rejections"]
            .as_array()
            .expect("rejections")
            .is_empty(),
        "{row}"
    );
    assert!(
        row["socket"].as_str().is_some_and(|s| !s.is_empty()),
        "{row}"
    );
    assert_eq!(operators.as_array().map(Vec::len), Some(4));

    let mut grpc = dpb::disperser_client::DisperserClient::connect(format!(
        "http://{}",
        devnet.info().disperser.clone().expect("disperser")
    ))
    .await
    .expect("gRPC connects");
    let reply = grpc
        .get_validator_signing_rate(dpb::GetValidatorSigningRateRequest {
            validator_id: down.0.to_vec(),
            window_secs: 3600,
        })
        .await
        .expect("GetValidatorSigningRate")
        .into_inner();
    assert_eq!(
        (reply.signed_batches, reply.unsigned_batches),
        (signed, unsigned)
    );
    assert!(reply.signing_rate < 1.0);
    let up = grpc
        .get_validator_signing_rate(dpb::GetValidatorSigningRateRequest {
            validator_id: op0.0.to_vec(),
            window_secs: 3600,
        })
        .await
        .expect("GetValidatorSigningRate")
        .into_inner();
    assert_eq!(up.unsigned_batches, 0);
    assert!((up.signing_rate - 1.0).abs() < f64::EPSILON);
    let refused = grpc
        .get_validator_signing_rate(dpb::GetValidatorSigningRateRequest {
            validator_id: vec![1; 5],
            window_secs: 3600,
        })
        .await
        .expect_err("a 5-byte id");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("validator_id"), "{refused:?}");

    let dom = browser.page(&format!("{base}/operators"), "operators-node-1-down");
    assert!(
        rate_on_page(&dom, &down) < 1.0,
        "node 1's signing rate did not fall on the page"
    );
    assert_eq!(rate_on_page(&dom, &op0), 1.0);

    // --- every node down: a blob ends INSUFFICIENT_SIGNATURES, without a certificate ---
    for i in [0, 2, 3] {
        devnet.node_mut(i).expect("node").kill().expect("kill -9");
    }
    let key: BlobKey = client.disperse(&[4u8; 3000], &[]).await.expect("dispersed");
    let err = client
        .wait_for_certificate(key)
        .await
        .expect_err("no operator signs");
    let blob = get_json(console, &format!("/api/v1/blobs/{key}")).await;
    assert_eq!(
        blob["summary"]["status"], "INSUFFICIENT_SIGNATURES",
        "{blob} ({err})"
    );
    assert!(
        blob["summary"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{blob}"
    );
    assert!(blob["certificate"].is_null(), "{blob}");
    get_error(
        console,
        &format!("/api/v1/blobs/{key}/certificate.json"),
        404,
        "NOT_FOUND",
    )
    .await;
    get_error(
        console,
        &format!("/api/v1/blobs/{key}/retrievability"),
        409,
        "WRONG_STATE",
    )
    .await;
    let dom = browser.page(&format!("{base}/blobs/{key}"), "blob-insufficient");
    assert!(dom.contains("data-status=\"INSUFFICIENT_SIGNATURES\""));
    assert!(dom.contains("id=\"no-cert\""));

    // --- a blob passes intake while the operators are registered; every operator leaves
    // quorums 0 and 1 while it waits in the batcher: no chunk assignment exists over an
    // empty quorum, so it ends FAILED with that reason. (Dispersed after they left, it
    // could be refused at intake instead, once the disperser re-read the operator set:
    // nine_operators.rs covers that refusal.) ---
    let key: BlobKey = client.disperse(&[5u8; 2000], &[]).await.expect("dispersed");
    let accepted_at = Instant::now();
    for operator in devnet.operators() {
        let chain = devnet
            .chain()
            .connect(Some(
                PrivateKeySigner::from_bytes(&operator.ecdsa_key.secret_bytes())
                    .expect("operator signer"),
            ))
            .expect("connects");
        let pending = RegistryCoordinator::new(
            devnet.chain().addresses().registry_coordinator,
            chain.provider(),
        )
        .deregisterOperator(Bytes::from(vec![0u8, 1]))
        .send()
        .await
        .expect("deregistration sent");
        chain
            .wait_for_receipt(*pending.tx_hash())
            .await
            .expect("deregistered");
    }
    // The disperser reads operators DEVNET_REFERENCE_BLOCK_DELAY blocks back: make the
    // deregistrations older than that.
    devnet
        .chain()
        .mine(DEVNET_REFERENCE_BLOCK_DELAY + 1)
        .await
        .expect("mines");
    // Otherwise the batch may have been cut before the operators left, and certified
    // nothing for another reason.
    assert!(
        accepted_at.elapsed() < BATCH_INTERVAL,
        "deregistering took {:?}, longer than the batch interval: the machine is too \
         loaded for this test",
        accepted_at.elapsed()
    );
    let err = client
        .wait_for_certificate(key)
        .await
        .expect_err("no operator left");
    let blob = get_json(console, &format!("/api/v1/blobs/{key}")).await;
    assert_eq!(blob["summary"]["status"], "FAILED", "{blob} ({err})");
    let reason = blob["summary"]["reason"]
        .as_str()
        .expect("reason")
        .to_owned();
    assert!(reason.contains("quorum"), "{blob}");
    assert!(blob["certificate"].is_null(), "{blob}");
    let listed = get_json(console, "/api/v1/blobs?limit=1").await;
    assert_eq!(listed["items"][0]["blob_key"], key.to_string(), "{listed}");
    assert_eq!(listed["items"][0]["status"], "FAILED", "{listed}");
    assert_eq!(listed["items"][0]["reason"], reason.as_str(), "{listed}");
    get_error(
        console,
        &format!("/api/v1/blobs/{key}/retrievability"),
        409,
        "WRONG_STATE",
    )
    .await;
    let dom = browser.page(&format!("{base}/blobs/{key}"), "blob-failed");
    assert!(
        dom.contains("data-status=\"FAILED\""),
        "blob page without FAILED"
    );
    assert!(
        dom.contains("id=\"status-reason\""),
        "blob page without the reason"
    );
    assert!(dom.contains("id=\"no-cert\""));

    devnet.shutdown().await.expect("shuts down");
}
