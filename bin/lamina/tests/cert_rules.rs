//! The disperser and the verifier apply the same rules (issue 13):
//!
//! - with the default `reference_block_delay` and anchoring on, every batch is COMPLETE,
//!   accepted by `checkDACert`, and anchored by `confirmBatch` (before the fix the default
//!   delay, 75, exceeded the deployed `BLOCK_STALE_MEASURE`, 50: every `confirmBatch`
//!   reverted);
//! - the owner changes the thresholds and the required quorums mid-run: every COMPLETE
//!   certificate, before and after, gets `checkDACert == 1` (before the fix `CertVerifier`
//!   kept the required quorums of its construction, and a blob the disperser certified
//!   under the new ones was rejected on-chain).
//!
//! Real processes: anvil with the real contracts (lamina-devnet), `lamina node run` per
//! operator and `lamina disperser run`, over TCP. Needs the pinned anvil and forge.

mod common;

use common::RawRollup;
use std::time::{Duration, Instant};

use alloy_primitives::Bytes;
use lamina_core::chain::Chain;
use lamina_core::chain::bindings::threshold_registry::{DATypes, ThresholdRegistry};
use lamina_core::{BlobKey, DaCertV3};
use lamina_devnet::{Devnet, DevnetOptions};
use lamina_disperser::config::DEFAULT_REFERENCE_BLOCK_DELAY;
use lamina_proto::disperser::v1::{BlobStatus, GetBlobStatusReply};
use tonic::Code;

const SRS_POINTS: usize = 1 << 15;
/// Longest a blob may take to end and be anchored (several devnets share two cores).
const BLOB_TIMEOUT: Duration = Duration::from_secs(240);

/// The devnet's client with raw requests, in the devnet's version.
struct Rollup(RawRollup);

impl Rollup {
    async fn new(devnet: &Devnet) -> Self {
        Self(RawRollup::new(devnet, SRS_POINTS).await)
    }

    async fn disperse(&mut self, payload: &[u8]) -> BlobKey {
        let quorums = self.0.quorums.clone();
        self.try_disperse(payload, quorums).await.expect("accepted")
    }

    async fn try_disperse(
        &mut self,
        payload: &[u8],
        quorums: Vec<u8>,
    ) -> Result<BlobKey, tonic::Status> {
        let version = self.0.version;
        self.0.try_disperse(version, quorums, payload).await
    }

    async fn status(&mut self, key: BlobKey) -> GetBlobStatusReply {
        self.0.status(key).await
    }

    /// Polls until the blob is COMPLETE (and, with `anchored`, its batch anchored); fails
    /// on a terminal failure or after [`BLOB_TIMEOUT`].
    async fn wait_complete(&mut self, key: BlobKey, anchored: bool) -> GetBlobStatusReply {
        let deadline = Instant::now() + BLOB_TIMEOUT;
        loop {
            let reply = self.status(key).await;
            match reply.status() {
                BlobStatus::Failed | BlobStatus::InsufficientSignatures => {
                    panic!("blob {key} ended {:?}: {}", reply.status(), reply.reason)
                }
                BlobStatus::Complete if !anchored || reply.confirmation.is_some() => return reply,
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "blob {key} never anchored; last status {:?} ({})",
                reply.status(),
                reply.reason
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_reference_block_delay_with_anchoring_anchors_every_batch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.with_retriever = false;
    options.health_timeout = Duration::from_secs(240);
    options
        .node_config
        .insert("max_blob_symbols".into(), (SRS_POINTS as i64).into());
    let d = &mut options.disperser_config;
    d.insert("max_blob_size".into(), ((SRS_POINTS * 32) as i64).into());
    // The disperser's own default, which the devnet otherwise lowers for speed.
    d.insert(
        "reference_block_delay".into(),
        (DEFAULT_REFERENCE_BLOCK_DELAY as i64).into(),
    );
    d.insert("anchor_on_chain".into(), true.into());
    d.insert("batch_max_interval_ms".into(), 200.into());
    let devnet = Devnet::start(options).await.expect("devnet starts");
    let chain = devnet.chain().connect(None).expect("chain");
    // The devnet mines a block a second. With the default delay a batch's reference block
    // is 15 blocks back: wait until every operator was registered there, or the first
    // blob's quorums are empty at its reference block (and it fails, as it should).
    let operators = devnet.info().nodes.len();
    let quorums = devnet.info().quorums.clone();
    loop {
        let head = chain.block_number().await.expect("head");
        if let Some(reference) = head
            .checked_sub(DEFAULT_REFERENCE_BLOCK_DELAY + 1)
            .and_then(|b| u32::try_from(b).ok())
        {
            let state = chain
                .operator_state(&quorums, reference)
                .await
                .expect("operator state");
            if state.iter().all(|q| q.len() == operators) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut rollup = Rollup::new(&devnet).await;
    // Three batches, one blob each (each waits for the previous to be anchored).
    for i in 0..3u8 {
        let payload: Vec<u8> = (0..4_000u32).map(|j| (j as u8) ^ i).collect();
        let key = rollup.disperse(&payload).await;
        let reply = rollup.wait_complete(key, true).await;
        let cert = DaCertV3::abi_decode(&reply.cert_abi).expect("cert decodes");
        assert_eq!(chain.check_da_cert(&cert).await.expect("checkDACert"), 1);
        let confirmation = reply.confirmation.expect("anchored");
        let age = confirmation.block_number - u64::from(cert.batch_header.reference_block_number);
        assert!(
            age >= DEFAULT_REFERENCE_BLOCK_DELAY,
            "reference block {} is the default delay behind the head, anchored at {}",
            cert.batch_header.reference_block_number,
            confirmation.block_number
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_changes_mid_run_never_yield_a_complete_certificate_the_verifier_rejects() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    options.with_retriever = false;
    options.health_timeout = Duration::from_secs(240);
    options
        .node_config
        .insert("max_blob_symbols".into(), (SRS_POINTS as i64).into());
    let d = &mut options.disperser_config;
    d.insert("max_blob_size".into(), ((SRS_POINTS * 32) as i64).into());
    d.insert("batch_max_interval_ms".into(), 200.into());
    let devnet = Devnet::start(options).await.expect("devnet starts");
    let chain = devnet.chain().connect(None).expect("chain");
    let owner = devnet
        .chain()
        .connect(Some(devnet.chain().owner()))
        .expect("owner");
    let mut rollup = Rollup::new(&devnet).await;
    assert_eq!(
        rollup.0.quorums,
        vec![0, 1],
        "the devnet requires quorums 0 and 1"
    );

    let mut complete = Vec::new();
    let key = rollup.disperse(b"before the change").await;
    complete.push(rollup.wait_complete(key, false).await);

    // Governance: a higher confirmation threshold, and quorum 0 alone required.
    let registry = ThresholdRegistry::new(
        devnet.chain().addresses().threshold_registry,
        owner.provider(),
    );
    let thresholds = DATypes::SecurityThresholds {
        confirmationThreshold: 60,
        adversaryThreshold: 33,
    };
    let pending = registry
        .setSecurityThresholds(thresholds)
        .send()
        .await
        .expect("thresholds sent");
    owner
        .wait_for_receipt(*pending.tx_hash())
        .await
        .expect("thresholds changed");
    let pending = registry
        .setQuorumNumbersRequired(Bytes::from(vec![0u8]))
        .send()
        .await
        .expect("required quorums sent");
    let changed_at = owner
        .wait_for_receipt(*pending.tx_hash())
        .await
        .expect("required quorums changed")
        .block_number
        .expect("mined");

    // A blob in quorum 0 only: the disperser accepts it once it has re-read the registry
    // (a request naming an unknown quorum makes it re-read at most every 10 s) and the
    // change is in force at the block a batch formed now references (head − delay): before
    // that fix intake read the head, accepted it at once, and the blob failed at dispatch
    // against the rules at a reference block before the change.
    let deadline = Instant::now() + BLOB_TIMEOUT;
    let key = loop {
        match rollup.try_disperse(b"quorum 0 alone", vec![0]).await {
            Ok(key) => break key,
            Err(status) if status.code() == Code::InvalidArgument => {
                assert!(
                    Instant::now() < deadline,
                    "the disperser never took up the new required quorums: {}",
                    status.message()
                );
                let _ = rollup.try_disperse(b"refresh", vec![0, 1, 9]).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(status) => panic!("unexpected refusal: {status:?}"),
        }
    };
    let reply = rollup.wait_complete(key, false).await;
    let cert = DaCertV3::abi_decode(&reply.cert_abi).expect("cert decodes");
    assert!(
        u64::from(cert.batch_header.reference_block_number) >= changed_at,
        "reference block after the change"
    );
    complete.push(reply);
    let key = rollup.disperse(b"both quorums, after the change").await;
    complete.push(rollup.wait_complete(key, false).await);

    // Every COMPLETE certificate, issued before or after the change, is valid on-chain.
    for reply in &complete {
        let cert = DaCertV3::abi_decode(&reply.cert_abi).expect("cert decodes");
        if let Err(e) = chain.check_da_cert_reverts(&cert).await {
            panic!("checkDACert rejects a COMPLETE certificate: {e}");
        }
        assert_eq!(chain.check_da_cert(&cert).await.expect("checkDACert"), 1);
    }
}
