//! Nodes enforce payments (issue 15): a disperser configured to skip metering
//! (`[payments] enabled = false`) still cannot get nodes to sign for an unpaid account.
//! An account with neither a reservation nor a deposit disperses a blob, the disperser
//! accepts it and dispatches it, every node refuses the batch (PERMISSION_DENIED, counted
//! as `lamina_node_batches_rejected_total{reason="payment_unpaid"}`), and the blob ends
//! without a certificate; the devnet client's paid blob on the same network completes.
//!
//! Real processes: anvil with the real contracts (lamina-devnet), `lamina node run` per
//! operator and `lamina disperser run`, over TCP. Needs the pinned anvil and forge.

mod common;

use std::time::Duration;

use common::{RawRollup, http_get};
use lamina_core::keystore::EcdsaKey;
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_proto::disperser::v1::BlobStatus;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SRS_POINTS: usize = 1 << 12;
/// Longest a blob may take to end (several devnets share two cores).
const BLOB_TIMEOUT: Duration = Duration::from_secs(240);

/// The counter `name` in the `/metrics` text at `addr` (0 when not yet created).
async fn counter(addr: std::net::SocketAddr, name: &str) -> u64 {
    let text = http_get(addr, "/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disperser_skipping_metering_cannot_get_nodes_to_sign_for_an_unpaid_account() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.with_retriever = false;
    options.health_timeout = Duration::from_secs(240);
    options
        .node_config
        .insert("max_blob_symbols".into(), (SRS_POINTS as i64).into());
    let d = &mut options.disperser_config;
    d.insert("max_blob_size".into(), ((SRS_POINTS * 32) as i64).into());
    d.insert("reference_block_delay".into(), 1.into());
    d.insert("batch_max_interval_ms".into(), 200.into());
    // The disperser gives bandwidth away: it meters nothing.
    let mut payments = toml::Table::new();
    payments.insert("enabled".into(), false.into());
    d.insert("payments".into(), payments.into());
    let devnet = Devnet::start(options).await.expect("devnet starts");
    let node_metrics: Vec<std::net::SocketAddr> = (0..devnet.info().nodes.len())
        .map(|i| devnet.node_addrs(i).expect("node").metrics)
        .collect();

    // An account with neither a reservation nor a deposit: the disperser takes its blob.
    let stranger = EcdsaKey::random(&mut ChaCha20Rng::seed_from_u64(15));
    let mut unpaid = RawRollup::with_key(&devnet, stranger, SRS_POINTS).await;
    let (version, quorums) = (unpaid.version, unpaid.quorums.clone());
    let key = unpaid
        .try_disperse(version, quorums, &[7u8; 2000])
        .await
        .expect("a disperser that skips metering accepts the unpaid blob");
    let reply = unpaid.wait_end(key, BLOB_TIMEOUT).await;
    assert!(
        matches!(
            reply.status(),
            BlobStatus::Failed | BlobStatus::InsufficientSignatures
        ),
        "an unpaid blob must never be certified; it ended {:?} ({})",
        reply.status(),
        reply.reason
    );
    assert!(
        reply.cert_abi.is_empty(),
        "no certificate for an unpaid blob"
    );
    // Every node refused it, and says why.
    for (i, addr) in node_metrics.iter().enumerate() {
        let refused = counter(
            *addr,
            "lamina_node_batches_rejected_total{reason=\"payment_unpaid\"}",
        )
        .await;
        assert!(refused >= 1, "node {i} counted no payment refusal");
    }

    // The devnet's client pays with its reservation: its blob completes.
    let mut paid = RawRollup::new(&devnet, SRS_POINTS).await;
    let (version, quorums) = (paid.version, paid.quorums.clone());
    let key = paid
        .try_disperse(version, quorums, &[9u8; 2000])
        .await
        .expect("accepted");
    let reply = paid.wait_end(key, BLOB_TIMEOUT).await;
    assert_eq!(
        reply.status(),
        BlobStatus::Complete,
        "a paid blob completes: {}",
        reply.reason
    );
    assert!(!reply.cert_abi.is_empty());
    devnet.shutdown().await.expect("devnet stops");
}
