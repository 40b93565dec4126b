//! One blob never fails its batch (issue 13): with 9 operators registered, a blob of
//! blob version 1 (`max_num_operators` 8) cannot be assigned chunks.
//!
//! - Batch level: a version-1 blob that passed intake while 8 operators were registered,
//!   and is assigned after a 9th registered, ends FAILED with the reason; a version-0 blob
//!   (`max_num_operators` 3537) of the same batch completes with a certificate
//!   `checkDACert` accepts (before the fix one assignment error failed the whole batch).
//! - Intake: once the disperser has counted the 9th operator, a version-1 DisperseBlob is
//!   refused with FAILED_PRECONDITION (the request is well formed; the operator set is what
//!   rules it out today) naming the cap, while version-0 blobs sent alongside complete.
//!
//! Real processes: anvil with the real contracts (lamina-devnet), `lamina node run` per
//! operator (the 9th started once it registered) and `lamina disperser run`, over TCP.
//! Needs the pinned anvil and forge.

mod common;

use common::RawRollup;
use std::time::{Duration, Instant};

use lamina_core::chain::{Chain, EthChain};
use lamina_core::{BlobKey, DaCertV3, QuorumId};
use lamina_devnet::{
    DEVNET_REFERENCE_BLOCK_DELAY, Devnet, DevnetError, DevnetOptions, MAX_OPERATORS,
};
use lamina_disperser::chain_view::REFRESH_INTERVAL;
use lamina_proto::disperser::v1::{BlobStatus, GetBlobStatusReply};
use tonic::Code;

const SRS_POINTS: usize = 1 << 15;
/// Blob version 0 of the deployment: 8192 chunks, at most 3537 operators.
const OPEN_VERSION: u16 = 0;
/// Blob version 1 of the deployment: 64 chunks, at most 8 operators.
const CAPPED_VERSION: u16 = 1;
/// The cap of [`CAPPED_VERSION`].
const CAP: usize = 8;
/// A batch is cut this long after its first blob: long enough for the 9th operator to
/// register and reach the reference block while the first two blobs wait in the batcher.
const BATCH_INTERVAL: Duration = Duration::from_secs(40);
/// Longest a blob may take to end (a batch interval plus dispatch, on shared cores).
const BLOB_TIMEOUT: Duration = Duration::from_secs(240);

/// The devnet's client with raw requests, in the devnet's quorums.
struct Rollup(RawRollup);

impl Rollup {
    async fn new(devnet: &Devnet) -> Self {
        Self(RawRollup::new(devnet, SRS_POINTS).await)
    }

    /// A raw DisperseBlob of `version` in the devnet's quorums, signed by the client.
    async fn try_disperse(
        &mut self,
        version: u16,
        payload: &[u8],
    ) -> Result<BlobKey, tonic::Status> {
        let quorums = self.0.quorums.clone();
        self.0.try_disperse(version, quorums, payload).await
    }

    /// Polls until the blob ends (COMPLETE, FAILED or INSUFFICIENT_SIGNATURES).
    async fn wait_end(&mut self, key: BlobKey) -> GetBlobStatusReply {
        self.0.wait_end(key, BLOB_TIMEOUT).await
    }
}

/// Operators registered in each quorum at `block`.
async fn operator_counts(chain: &EthChain, quorums: &[QuorumId], block: u32) -> Vec<usize> {
    chain
        .operator_state(quorums, block)
        .await
        .expect("operator state")
        .iter()
        .map(|q| q.len())
        .collect()
}

/// Waits until every quorum has `n` operators at the block a batch cut now would use as its
/// reference (the head minus the devnet's delay; one block more for a margin).
async fn wait_operators_at_reference(chain: &EthChain, quorums: &[QuorumId], n: usize) {
    let deadline = Instant::now() + BLOB_TIMEOUT;
    loop {
        let head = chain.block_number().await.expect("head");
        if let Some(reference) = head
            .checked_sub(DEVNET_REFERENCE_BLOCK_DELAY + 1)
            .and_then(|b| u32::try_from(b).ok())
            && operator_counts(chain, quorums, reference).await == vec![n; quorums.len()]
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} operators never reached the reference block"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A COMPLETE blob's certificate, checked by the deployed verifier; also returns the
/// operator counts at its reference block.
async fn certified(
    chain: &EthChain,
    quorums: &[QuorumId],
    reply: &GetBlobStatusReply,
) -> Vec<usize> {
    assert_eq!(
        reply.status(),
        BlobStatus::Complete,
        "a blob of the open version must complete: {}",
        reply.reason
    );
    let cert = DaCertV3::abi_decode(&reply.cert_abi).expect("cert decodes");
    assert_eq!(
        chain.check_da_cert(&cert).await.expect("checkDACert"),
        1,
        "checkDACert accepts the COMPLETE certificate"
    );
    operator_counts(chain, quorums, cert.batch_header.reference_block_number).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_capped_at_8_fails_alone_at_dispatch_then_is_refused_at_intake_with_9_operators()
{
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = DevnetOptions::new(env!("CARGO_BIN_EXE_lamina"), dir.path().join("devnet"));
    // 8 operators first, so that a version-1 blob can pass intake; the 9th registers later.
    options.operators = CAP;
    // The devnet's own version must admit the 9th operator; version 1 is sent explicitly,
    // so the disperser accepts every registered version rather than pinning one.
    options.blob_version = OPEN_VERSION;
    options.pin_blob_version = false;
    options.with_retriever = false;
    options.health_timeout = Duration::from_secs(240);
    options.disperser_config.insert(
        "batch_max_interval_ms".into(),
        (BATCH_INTERVAL.as_millis() as i64).into(),
    );
    let mut devnet = Devnet::start(options).await.expect("devnet starts");
    let chain = devnet.chain().connect(None).expect("chain");
    let quorums = devnet.info().quorums.clone();

    // The deployment is what this test assumes: version 1 capped at 8, version 0 above 9.
    let capped = chain.blob_params(CAPPED_VERSION).await.expect("version 1");
    assert_eq!(capped.max_num_operators as usize, CAP);
    let open = chain.blob_params(OPEN_VERSION).await.expect("version 0");
    assert!(open.max_num_operators as usize > CAP);

    // Until every operator is in the state at the reference block a blob would be
    // assigned at, the blob could fail for another reason (fewer operators than staked).
    wait_operators_at_reference(&chain, &quorums, CAP).await;
    let mut rollup = Rollup::new(&devnet).await;

    // --- Batch level: both blobs pass intake over 8 operators and wait in the batcher.
    let doomed = rollup
        .try_disperse(
            CAPPED_VERSION,
            b"version 1, assigned after a 9th operator registered",
        )
        .await
        .expect("8 operators fit version 1: intake accepts");
    let accepted_at = Instant::now();
    let survivor = rollup
        .try_disperse(OPEN_VERSION, b"version 0, in the same batch")
        .await
        .expect("version 0 accepted");
    // The 9th operator (1 token per quorum: the 8 others keep the threshold between them
    // even before its node answers), then its node.
    let ninth = devnet
        .add_operator(1)
        .await
        .expect("9th operator registers");
    assert_eq!(ninth, CAP);
    let registered_at = Instant::now();
    wait_operators_at_reference(&chain, &quorums, CAP + 1).await;
    // Otherwise the batch may have been cut before the 9th operator counted, and what
    // follows would show nothing about it.
    assert!(
        accepted_at.elapsed() < BATCH_INTERVAL,
        "the 9th operator took {:?} to reach the reference block, longer than the batch \
         interval: the machine is too loaded for this test",
        accepted_at.elapsed()
    );

    let failed = rollup.wait_end(doomed).await;
    assert_eq!(
        failed.status(),
        BlobStatus::Failed,
        "a version-1 blob over 9 operators cannot be certified: {}",
        failed.reason
    );
    for needle in ["9 operators", "at most 8"] {
        assert!(
            failed.reason.contains(needle),
            "the reason names the count and the cap ({needle:?}): {}",
            failed.reason
        );
    }
    let reply = rollup.wait_end(survivor).await;
    // Its batch was assigned over 9 operators: the same state that failed the other blob.
    assert_eq!(
        certified(&chain, &quorums, &reply).await,
        vec![CAP + 1; quorums.len()],
        "the surviving blob's batch was formed after the 9th operator registered"
    );

    // --- Intake: the disperser re-reads the operator set every REFRESH_INTERVAL; past two
    // of them it has counted the 9th operator, and refuses version 1 up front.
    if let Some(rest) = (2 * REFRESH_INTERVAL).checked_sub(registered_at.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let before = rollup
        .try_disperse(OPEN_VERSION, b"version 0, before the refusal")
        .await
        .expect("version 0 accepted over 9 operators");
    let refused = rollup
        .try_disperse(CAPPED_VERSION, b"version 1, over 9 operators")
        .await
        .expect_err("version 1 cannot be assigned over 9 operators: intake refuses it");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    for needle in ["version 1", "9 operators", "at most 8", "max_num_operators"] {
        assert!(
            refused.message().contains(needle),
            "the refusal names the version, the count and the cap ({needle:?}): {}",
            refused.message()
        );
    }
    let after = rollup
        .try_disperse(OPEN_VERSION, b"version 0, after the refusal")
        .await
        .expect("version 0 still accepted");
    for key in [before, after] {
        let reply = rollup.wait_end(key).await;
        assert_eq!(
            certified(&chain, &quorums, &reply).await,
            vec![CAP + 1; quorums.len()],
            "certified over all 9 operators"
        );
    }
    devnet.check_alive().expect("every process still runs");
    eprintln!("nine operators: passed in {:?}", started.elapsed());
}

fn options(operators: usize, blob_version: u16) -> DevnetOptions {
    let mut options = DevnetOptions::new("/nonexistent/lamina", "/nonexistent/data");
    options.operators = operators;
    options.blob_version = blob_version;
    // No services: validation then needs no `lamina` binary.
    (
        options.with_nodes,
        options.with_disperser,
        options.with_retriever,
    ) = (false, false, false);
    options
}

/// The devnet's operator limit is its blob version's `max_num_operators` (the disperser
/// could assign none of its blobs over more), not a fixed 8: version 0 takes 9.
#[test]
fn the_devnet_blob_version_caps_its_operators() {
    options(CAP, CAPPED_VERSION)
        .validate()
        .expect("version 1 takes 8 operators");
    let Err(DevnetError::InvalidOption { field, reason }) =
        options(CAP + 1, CAPPED_VERSION).validate()
    else {
        panic!("9 operators over version 1 must be refused");
    };
    assert_eq!(field, "operators");
    assert!(reason.contains("at most 8"), "{reason}");
    options(CAP + 1, OPEN_VERSION)
        .validate()
        .expect("version 0 takes 9 operators");
    options(MAX_OPERATORS, OPEN_VERSION)
        .validate()
        .expect("the deployment's per-quorum cap");
    assert!(options(MAX_OPERATORS + 1, OPEN_VERSION).validate().is_err());
    let Err(DevnetError::InvalidOption { field, .. }) = options(4, 2).validate() else {
        panic!("version 2 is not deployed");
    };
    assert_eq!(field, "blob_version");
}
